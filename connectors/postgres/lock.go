package postgres

import (
	"context"
	"fmt"
	"hash/fnv"

	"github.com/regflytt/regflytt/connectors"
)

var (
	_ connectors.Locker    = (*DB)(nil)
	_ connectors.Truncater = (*DB)(nil)
)

// Lock takes a session advisory lock on a connection of its own, held
// until unlock or until the connection ends (with the process). The
// lock's number is a hash of the schema and name, so runs into two
// schemas of one database do not exclude each other.
func (d *DB) Lock(ctx context.Context, name string) (func() error, error) {
	if d.readOnly {
		return nil, fmt.Errorf("%s: lock: %w", d.where, connectors.ErrReadOnly)
	}
	h := fnv.New64a()
	h.Write([]byte(d.schema + "\x00" + name))
	key := int64(h.Sum64())
	conn, err := d.pool.Acquire(ctx)
	if err != nil {
		return nil, d.errorf(err, "lock")
	}
	var got bool
	if err := conn.QueryRow(ctx, "SELECT pg_try_advisory_lock($1)", key).Scan(&got); err != nil {
		conn.Release()
		return nil, d.errorf(err, "lock")
	}
	if !got {
		conn.Release()
		return nil, fmt.Errorf("%s: lock %s: %w", d.where, name, connectors.ErrLocked)
	}
	return func() error {
		defer conn.Release()
		_, err := conn.Exec(context.Background(), "SELECT pg_advisory_unlock($1)", key)
		if err != nil {
			return d.errorf(err, "unlock")
		}
		return nil
	}, nil
}

// Truncate empties tables of the schema in one transaction.
func (d *DB) Truncate(ctx context.Context, tables []string) error {
	if d.readOnly {
		return fmt.Errorf("%s: truncate: %w", d.where, connectors.ErrReadOnly)
	}
	if len(tables) == 0 {
		return nil
	}
	q := "TRUNCATE "
	for i, t := range tables {
		qt, err := d.qualified(t)
		if err != nil {
			return err
		}
		if i > 0 {
			q += ", "
		}
		q += qt
	}
	if _, err := d.pool.Exec(ctx, q); err != nil {
		return d.errorf(err, "truncate")
	}
	return nil
}
