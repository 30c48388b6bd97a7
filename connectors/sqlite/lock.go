package sqlite

import (
	"context"
	"errors"
	"fmt"
	"os"
	"syscall"

	"github.com/regflytt/regflytt/connectors"
)

var (
	_ connectors.Locker    = (*DB)(nil)
	_ connectors.Truncater = (*DB)(nil)
)

// Lock takes an exclusive flock on a file beside the database
// (<file>.<name>.lock): the kernel releases it when the process ends,
// however it ends.
func (d *DB) Lock(ctx context.Context, name string) (func() error, error) {
	if d.readOnly {
		return nil, fmt.Errorf("sqlite %s: lock: %w", d.path, connectors.ErrReadOnly)
	}
	f, err := os.OpenFile(d.path+"."+name+".lock", os.O_CREATE|os.O_RDWR, 0o600)
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
	return func() error {
		// The file stays: removing it would race with a run that opened it.
		return f.Close()
	}, nil
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
