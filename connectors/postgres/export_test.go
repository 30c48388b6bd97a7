package postgres

import (
	"context"
	"time"

	"github.com/regflytt/regflytt/connectors"
)

// Test hooks: raw SQL on a snapshot's own connection, and on a pooled
// connection of a DB, to show what the server refuses.

func SnapshotExec(ctx context.Context, s connectors.Snapshot, sql string) error {
	_, err := s.(*snapshot).tx.Exec(ctx, sql)
	return err
}

func SnapshotQueryString(ctx context.Context, s connectors.Snapshot, sql string) (string, error) {
	var out string
	err := s.(*snapshot).tx.QueryRow(ctx, sql).Scan(&out)
	return out, err
}

func PoolExec(ctx context.Context, d *DB, sql string) error {
	_, err := d.pool.Exec(ctx, sql)
	return err
}

// PgxCopyRows is how many rows a write transaction left to pgx's
// CopyFrom instead of its own binary COPY encoders.
func PgxCopyRows(tx connectors.Tx) int64 { return tx.(*writeTx).pgxRows }

// ChecksumPath forces every Checksum and RecordHashes of the package's
// snapshots through one path ("pushdown" or "readback"; "" restores the
// default) until the returned function is called.
func ChecksumPath(path string) (restore func()) {
	old := checksumPath
	switch path {
	case "pushdown":
		checksumPath = pushdownAlways
	case "readback":
		checksumPath = readBackAlways
	default:
		checksumPath = readBackWhole
	}
	return func() { checksumPath = old }
}

// ReadBackInParts makes a whole-table read-back split tables of at least
// twice pages pages into at most parts parts, and gives the function that
// restores the defaults.
func ReadBackInParts(pages int64, parts int) (restore func()) {
	oldPages, oldParts := readBackPartPages, readBackParts
	readBackPartPages, readBackParts = pages, func() int { return parts }
	return func() { readBackPartPages, readBackParts = oldPages, oldParts }
}

// ReadBackPartsRead is how many read-back parts have been read so far.
func ReadBackPartsRead() int64 { return readBackPartsRead.Load() }

// TxQueryString runs a query returning one text value in a write
// transaction.
func TxQueryString(ctx context.Context, tx connectors.Tx, sql string) (string, error) {
	var out string
	err := tx.(*writeTx).tx.QueryRow(ctx, sql).Scan(&out)
	return out, err
}

// ConnectTimeout sets the bound on opening a connection that URLs
// without connect_timeout get, until the returned function is called.
func ConnectTimeout(d time.Duration) (restore func()) {
	old := defaultConnectTimeout
	defaultConnectTimeout = d
	return func() { defaultConnectTimeout = old }
}

// CleanupTimeout sets the bound on rollbacks and unlocks until the
// returned function is called.
func CleanupTimeout(d time.Duration) (restore func()) {
	old := cleanupTimeout
	cleanupTimeout = d
	return func() { cleanupTimeout = old }
}
