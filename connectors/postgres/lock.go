package postgres

import (
	"context"
	"fmt"
	"hash/fnv"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/regflytt/regflytt/connectors"
)

var (
	_ connectors.Locker      = (*DB)(nil)
	_ connectors.LockChecker = (*DB)(nil)
	_ connectors.Truncater   = (*DB)(nil)
)

// heldLocks are the session locks this process holds, by name: the
// connection each lives on, which CheckLock asks.
type heldLocks = connectors.HeldLocks[*heldLock]

type heldLock struct {
	conn *pgxpool.Conn
	key  int64
}

// lockKey is the advisory lock's number: a hash of the schema and name,
// so runs into two schemas of one database do not exclude each other.
func (d *DB) lockKey(name string) int64 {
	h := fnv.New64a()
	h.Write([]byte(d.schema + "\x00" + name))
	return int64(h.Sum64())
}

// Lock takes a session advisory lock on a connection of its own, held
// until unlock or until the connection's session ends (with the process,
// or when the session is terminated: see CheckLock).
func (d *DB) Lock(ctx context.Context, name string) (func(context.Context) error, error) {
	if d.readOnly {
		return nil, fmt.Errorf("%s: lock: %w", d.where, connectors.ErrReadOnly)
	}
	// The lock holds its connection for the whole run: a pool of one
	// would leave none for the writes, which would wait for ever.
	if n := d.pool.Config().MaxConns; n < 2 {
		return nil, fmt.Errorf("%s: lock %s: the target's pool_max_conns is %d, and a run needs 2 at least (one holds the run lock for the whole run, the others write): raise pool_max_conns in the target URL", d.where, name, n)
	}
	key := d.lockKey(name)
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
	l := &heldLock{conn: conn, key: key}
	d.locks.Set(name, l)
	return func(ctx context.Context) error {
		defer conn.Release()
		d.locks.Drop(name, l)
		ctx, cancel := context.WithTimeout(ctx, cleanupTimeout)
		defer cancel()
		_, err := conn.Exec(ctx, "SELECT pg_advisory_unlock($1)", key)
		if err != nil {
			return d.errorf(err, "unlock")
		}
		return nil
	}, nil
}

// CheckLock says whether the session holding the lock Lock took is still
// there. A session advisory lock ends only with an unlock by its own
// session or with the session, and the lock's connection runs nothing
// else, so the session answering says the lock is held: an empty query
// costs a round trip (asking pg_locks, which reads the server's lock
// table, cost ten times that on every commit unit). It never reconnects:
// a new session would not hold the lock.
func (d *DB) CheckLock(ctx context.Context, name string) error {
	l := d.locks.Get(name)
	if l == nil {
		return fmt.Errorf("%s: lock %s: not taken by this process: %w", d.where, name, connectors.ErrLockLost)
	}
	if err := l.conn.Ping(ctx); err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		// The cause is kept as text only: it is a lost connection, which
		// the retry seam would take for a fault worth another attempt.
		return fmt.Errorf("%v: %w", d.errorf(err, "lock %s: its session ended", name), connectors.ErrLockLost)
	}
	return nil
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
