package mysql

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"

	"github.com/regflytt/regflytt/connectors"
)

var (
	_ connectors.Locker      = (*DB)(nil)
	_ connectors.LockChecker = (*DB)(nil)
	_ connectors.Truncater   = (*DB)(nil)
)

// heldLocks are the GET_LOCK locks this process holds, by name: the
// connection each lives on, which CheckLock asks.
type heldLocks = connectors.HeldLocks[*heldLock]

type heldLock struct {
	conn *sql.Conn
	lock string
}

// lockName is the server's name of a run lock. The server's lock names
// are global, so the name is qualified by the database and hashed to fit
// its 64 characters.
func (d *DB) lockName(name string) string {
	sum := sha256.Sum256([]byte(d.schema + "\x00" + name))
	return "regflytt_" + hex.EncodeToString(sum[:20])
}

// Lock takes GET_LOCK on a connection of its own, held until unlock or
// until the connection ends (with the process, or when it is killed: see
// CheckLock).
func (d *DB) Lock(ctx context.Context, name string) (func(context.Context) error, error) {
	if d.readOnly {
		return nil, d.errorf("lock: %w", connectors.ErrReadOnly)
	}
	lock := d.lockName(name)
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
	l := &heldLock{conn: conn, lock: lock}
	d.locks.Set(name, l)
	return func(ctx context.Context) error {
		defer conn.Close()
		d.locks.Drop(name, l)
		ctx, cancel := context.WithTimeout(ctx, cleanupTimeout)
		defer cancel()
		if _, err := conn.ExecContext(ctx, "SELECT RELEASE_LOCK(?)", lock); err != nil {
			return d.errorf("unlock: %w", err)
		}
		return nil
	}, nil
}

// CheckLock says whether the connection holding the lock Lock took is
// still there and holds it (IS_USED_LOCK names the holder's connection).
// A sql.Conn never reconnects, and a new connection would not hold the
// lock.
func (d *DB) CheckLock(ctx context.Context, name string) error {
	l := d.locks.Get(name)
	if l == nil {
		return d.errorf("lock %s: not taken by this process: %w", name, connectors.ErrLockLost)
	}
	var held sql.NullBool
	if err := l.conn.QueryRowContext(ctx, "SELECT IS_USED_LOCK(?) = CONNECTION_ID()", l.lock).Scan(&held); err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		// The cause is kept as text only: it is a lost connection, which
		// the retry seam would take for a fault worth another attempt.
		return d.errorf("lock %s: its connection ended (%v): %w", name, err, connectors.ErrLockLost)
	}
	if !held.Valid || !held.Bool {
		return d.errorf("lock %s: its connection no longer holds it: %w", name, connectors.ErrLockLost)
	}
	return nil
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
