package mysql

import (
	"context"
	"fmt"
	"time"

	"github.com/regflytt/regflytt/connectors"
)

// SnapshotExec runs a statement inside a snapshot's transaction, for the
// test that proves the server itself refuses writes there.
func SnapshotExec(ctx context.Context, s connectors.Snapshot, query string) error {
	snap, ok := s.(*snapshot)
	if !ok {
		return fmt.Errorf("not a mysql snapshot: %T", s)
	}
	_, err := snap.conn.ExecContext(ctx, query)
	return err
}

// SnapshotQuery reads one string inside a snapshot's transaction.
func SnapshotQuery(ctx context.Context, s connectors.Snapshot, query string) (string, error) {
	snap, ok := s.(*snapshot)
	if !ok {
		return "", fmt.Errorf("not a mysql snapshot: %T", s)
	}
	var v string
	err := snap.conn.QueryRowContext(ctx, query).Scan(&v)
	return v, err
}

// Unexported pieces the tests pin without a server.
var (
	BindLiterals  = bindLiterals
	AppendLiteral = appendLiteral
	DecoderFor    = func(c *connectors.Column) func([]byte) (connectors.Value, error) { return decoderFor(c) }
	CreateTable   = createTable
)

// Loads is how many batches d wrote with LOAD DATA LOCAL INFILE.
func Loads(d *DB) int64 { return d.loads.Load() }

// DisableLoad makes d write with INSERTs, as after a server refused LOAD
// DATA LOCAL INFILE.
func DisableLoad(d *DB) { d.noLoad.Store(true) }

// ScanSelect is the select-list expression Scan reads a column of t
// through (FLOAT widened, text of a checked character set marked).
func ScanSelect(t *connectors.Table, column string) string {
	q, _ := Dialect{}.QuoteIdent(column)
	return newScanDialect(t).selectColumn(q)
}

// ExecOnOnlyConnection keeps db's pool to one connection and runs query on
// it, so that the session state the query sets is what the next snapshot
// starts from, as a pooled connection's would be.
func ExecOnOnlyConnection(ctx context.Context, db *DB, query string) error {
	db.db.SetMaxOpenConns(1)
	_, err := db.db.ExecContext(ctx, query)
	return err
}

// CleanupTimeout sets the bound on ending snapshots, locks and savepoints
// until the returned function is called.
func CleanupTimeout(d time.Duration) (restore func()) {
	old := cleanupTimeout
	cleanupTimeout = d
	return func() { cleanupTimeout = old }
}

// ReaderBatches says how many keyset batches d read with this package's
// own reader (binrows.go) and with the driver's.
func ReaderBatches(d *DB) (wire, driver int64) {
	return d.reads.wire.Load(), d.reads.driver.Load()
}

// AskedWarnings says how many batches d read whose warnings it asked for
// with a query of their own (SELECT @@warning_count).
func AskedWarnings(d *DB) int64 { return d.reads.askedWarnings.Load() }

// ResetVersioningAsOf replaces the statement with which a snapshot makes
// its session read the current rows of system-versioned tables, standing
// in for a server where it does not, until the returned function is
// called.
func ResetVersioningAsOf(stmt string) (restore func()) {
	old := resetVersioningAsOf
	resetVersioningAsOf = stmt
	return func() { resetVersioningAsOf = old }
}

// WithoutNoteVerbosity makes write transactions ask for a variable no
// server has instead of note_verbosity, standing in for MySQL and MariaDB
// before 10.6.16, until the returned function is called; asked says
// whether d has stopped asking for it.
func WithoutNoteVerbosity() (asked func(d *DB) bool, restore func()) {
	old := noteVerbosity
	noteVerbosity = "@@regflytt_no_such_variable"
	return func(d *DB) bool { return !d.noNoteVerbosity.Load() }, func() { noteVerbosity = old }
}

// WriteWarningQueries says how many loads d followed with a SELECT
// @@warning_count of their own.
func WriteWarningQueries(d *DB) int64 { return d.writeWarningQueries.Load() }

// TxQuery reads one string inside a write transaction.
func TxQuery(ctx context.Context, tx connectors.Tx, query string) (string, error) {
	w, ok := tx.(*writeTx)
	if !ok {
		return "", fmt.Errorf("not a mysql write transaction: %T", tx)
	}
	var v string
	err := w.tx.QueryRowContext(ctx, query).Scan(&v)
	return v, err
}
