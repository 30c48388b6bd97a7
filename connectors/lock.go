package connectors

import (
	"context"
	"errors"
)

// Locker is implemented by targets that can hold a named lock for as long
// as a run lasts, so that two runs never write one target at once
// (PostgreSQL's advisory locks, MariaDB's GET_LOCK, a file lock beside a
// SQLite database). The lock is the connection's, so it ends with the
// process however the process ends.
type Locker interface {
	// Lock takes the lock without waiting. It returns ErrLocked (wrapped)
	// when another session holds it, and otherwise a function that
	// releases it. The release gives up when its ctx ends (and within
	// the connector's cleanup bound in any case): the lock's connection
	// is then closed, and the server releases the lock with the session.
	Lock(ctx context.Context, name string) (unlock func(ctx context.Context) error, err error)
}

// ErrLocked says another session holds a lock.
var ErrLocked = errors.New("locked by another session")

// Truncater is implemented by targets that can empty tables: a run that
// starts over (--restart) empties exactly the receiving tables its earlier
// runs wrote, after checking its bookkeeping says so.
type Truncater interface {
	Truncate(ctx context.Context, tables []string) error
}

// LockChecker is implemented by targets whose run lock can end before the
// run does: a session lock ends with its session, and a session can die
// (terminated by an administrator, a server restart, a dropped network)
// while the run goes on through its other connections, which the retry
// seam reconnects. The runner asks before every commit unit.
type LockChecker interface {
	// CheckLock returns nil while the lock taken by Lock(name) in this
	// process is still held, and ErrLockLost (wrapped) when it is not.
	// Other errors (a cancelled context) say nothing about the lock.
	CheckLock(ctx context.Context, name string) error
}

// ErrLockLost says a lock this process took is no longer held.
var ErrLockLost = errors.New("the run lock was lost")
