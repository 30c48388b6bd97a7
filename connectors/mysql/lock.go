package mysql

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"

	"github.com/regflytt/regflytt/connectors"
)

var (
	_ connectors.Locker    = (*DB)(nil)
	_ connectors.Truncater = (*DB)(nil)
)

// Lock takes GET_LOCK on a connection of its own, held until unlock or
// until the connection ends (with the process). The server's lock names
// are global, so the name is qualified by the database and hashed to fit
// its 64 characters.
func (d *DB) Lock(ctx context.Context, name string) (func() error, error) {
	if d.readOnly {
		return nil, d.errorf("lock: %w", connectors.ErrReadOnly)
	}
	sum := sha256.Sum256([]byte(d.schema + "\x00" + name))
	lock := "regflytt_" + hex.EncodeToString(sum[:20])
	conn, err := d.db.Conn(ctx)
	if err != nil {
		return nil, d.errorf("lock: %w", err)
	}
	var got sql.NullInt64
	if err := conn.QueryRowContext(ctx, "SELECT GET_LOCK(?, 0)", lock).Scan(&got); err != nil {
		conn.Close()
		return nil, d.errorf("lock: %w", err)
	}
	if !got.Valid || got.Int64 != 1 {
		conn.Close()
		return nil, d.errorf("lock %s: %w", name, connectors.ErrLocked)
	}
	return func() error {
		defer conn.Close()
		if _, err := conn.ExecContext(context.Background(), "SELECT RELEASE_LOCK(?)", lock); err != nil {
			return d.errorf("unlock: %w", err)
		}
		return nil
	}, nil
}

// Truncate empties tables. TRUNCATE commits on its own in MariaDB, so
// each table is emptied in turn; a restart interrupted halfway is simply
// run again.
func (d *DB) Truncate(ctx context.Context, tables []string) error {
	if d.readOnly {
		return d.errorf("truncate: %w", connectors.ErrReadOnly)
	}
	for _, t := range tables {
		q, err := Dialect{}.QuoteIdent(t)
		if err != nil {
			return err
		}
		if _, err := d.db.ExecContext(ctx, "TRUNCATE TABLE "+q); err != nil {
			return d.errorf("truncate %s: %w", t, err)
		}
	}
	return nil
}
