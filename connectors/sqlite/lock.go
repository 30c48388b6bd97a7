package sqlite

import (
	"context"
	"errors"
	"fmt"
	"os"
	"sync"
	"syscall"

	"github.com/regflytt/regflytt/connectors"
)

var (
	_ connectors.Locker      = (*DB)(nil)
	_ connectors.LockChecker = (*DB)(nil)
	_ connectors.Truncater   = (*DB)(nil)
)

// heldLocks are the lock files this process holds, by file name.
var heldLocks sync.Map // string -> *os.File

// Lock takes an exclusive flock on a file beside the database
// (<file>.<name>.lock): the kernel releases it when the process ends,
// however it ends.
func (d *DB) Lock(ctx context.Context, name string) (func(context.Context) error, error) {
	if d.readOnly {
		return nil, fmt.Errorf("sqlite %s: lock: %w", d.path, connectors.ErrReadOnly)
	}
	f, err := os.OpenFile(d.lockFile(name), os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return nil, fmt.Errorf("sqlite lock: %w", err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, fmt.Errorf("sqlite %s: lock %s: %w", d.path, name, connectors.ErrLocked)
		}
		return nil, fmt.Errorf("sqlite lock: %w", err)
	}
	file := d.lockFile(name)
	heldLocks.Store(file, f)
	// A file's close asks no peer: the release needs no context.
	return func(context.Context) error {
		heldLocks.CompareAndDelete(file, f)
		// The file stays: removing it would race with a run that opened it.
		return f.Close()
	}, nil
}

func (d *DB) lockFile(name string) string { return d.path + "." + name + ".lock" }

// CheckLock says whether the lock Lock took still excludes other runs.
// The flock is this process's own and ends only with it, but it is the
// lock of one file: when the file at the lock's path was removed or
// replaced, another run can lock the new one.
//
// The database file itself must be the one opened too: a file removed or
// replaced under a run (another run's work directory emptied and made
// again) is not this run's target any more, whatever the lock says, and
// the run stops rather than take the lock again (that error is not
// connectors.ErrLockLost): its bookkeeping, read through the old file,
// cannot tell whether another run has started in the new one.
func (d *DB) CheckLock(ctx context.Context, name string) error {
	if d.file != nil {
		if now, err := os.Stat(d.path); err != nil || !os.SameFile(d.file, now) {
			return fmt.Errorf("sqlite %s: the database file was removed or replaced while this run wrote it: the run stops rather than write into a file it did not open", d.path)
		}
	}
	file := d.lockFile(name)
	v, ok := heldLocks.Load(file)
	if !ok {
		return fmt.Errorf("sqlite %s: lock %s: not taken by this process: %w", d.path, name, connectors.ErrLockLost)
	}
	held, err := v.(*os.File).Stat()
	if err != nil {
		return fmt.Errorf("sqlite %s: lock %s: %v: %w", d.path, name, err, connectors.ErrLockLost)
	}
	now, err := os.Stat(file)
	if err != nil || !os.SameFile(held, now) {
		return fmt.Errorf("sqlite %s: lock %s: the lock file %s was removed or replaced: %w", d.path, name, file, connectors.ErrLockLost)
	}
	return nil
}

// Truncate empties tables in one transaction.
func (d *DB) Truncate(ctx context.Context, tables []string) error {
	if d.readOnly {
		return fmt.Errorf("sqlite %s: truncate: %w", d.path, connectors.ErrReadOnly)
	}
	tx, err := d.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("sqlite truncate: %w", err)
	}
	defer tx.Rollback()
	for _, t := range tables {
		q, err := Dialect{}.QuoteIdent(t)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, "DELETE FROM "+q); err != nil {
			return fmt.Errorf("sqlite truncate %s: %w", t, err)
		}
	}
	return tx.Commit()
}
