// Package connectors is the room where regflytt meets databases. It holds
// the small interfaces every dialect implements (Source, Snapshot, Target,
// Tx, Rows), the neutral catalogue (Table, Column, Type) and the canonical
// value set (see Value) that all dialects read into and write from.
//
// The dialects live below it, one package each (connectors/sqlite,
// connectors/postgres, connectors/mysql, connectors/sqlserver); the package
// connectors/all lists them. Nothing here knows about plans, mappings,
// verification or archives: those rooms sit above and talk to databases
// only through these interfaces.
//
// # Adding a dialect
//
//  1. Implement Dialect (quoting, placeholders, DDL for each Type, the
//     keyset batch query) and test its SQL text without a server. Give it
//     a ValueChecker for what it cannot hold of what Type.Fit allows, and
//     a TableCreator when its CREATE TABLE needs more than CreateTableSQL.
//  2. Implement Source: Snapshot must open a read-only transaction on a
//     consistent snapshot and must make writes impossible, not merely
//     unlikely. Scan reads by the primary key in keyset pages
//     (NewKeysetRows) and by any other key in one ordered query
//     (StreamedScan, NewStreamRows or NewPagedRows), never in pages
//     that each sort the table.
//  3. Implement Target on top: Create, Begin, and Tx.Write with the
//     dialect's fastest bulk path, checking every value with CheckColumn
//     before anything is sent (and, optionally, CheckedWriter for rows
//     the caller has checked).
//  4. Decode every column into the canonical set; never hand a driver type
//     upwards. List every source type in a TypeMap function whose rows
//     name the tests that read its edge values, and check them with
//     conformance.CheckTypeMapCases.
//  5. Run connectors/conformance from the package's tests with the
//     Capabilities the dialect declares, gated on an environment variable
//     when it needs a server.
//  6. Add the dialect to connectors/all and to the documented type map
//     (TYPEMAP.md, rendered by connectors/conformance's TestTypeMapDoc).
//  7. Optionally make the Snapshot a Checksummer (checksums computed in
//     the database), prove it with conformance.RunChecksum, and list in
//     the package doc the types it leaves to Go (ErrNoPushdown).
package connectors

import (
	"context"
)

// Source is a legacy platform's database, opened for reading only.
type Source interface {
	// Snapshot begins a read-only transaction on a consistent snapshot.
	// Every read of one run goes through one snapshot, so counts and rows
	// agree with each other even while the legacy platform is in use.
	Snapshot(ctx context.Context) (Snapshot, error)
	// Dialect returns the SQL dialect of the database.
	Dialect() Dialect
	// Close releases the connection. Open snapshots must be closed first.
	Close() error
}

// Snapshot is a read-only, consistent view of a database. A Snapshot is
// used by one goroutine at a time. Several Rows from one Snapshot may be
// open at once: a connector reads each keyset batch to the end before it
// returns rows from it, so one connection serves them all, and a streamed
// scan (see StreamedScan) pages through a cursor or reads on a connection
// of its own.
type Snapshot interface {
	// Tables lists the catalogue: base tables with their columns, primary
	// keys, foreign keys and row estimates, sorted by name.
	Tables(ctx context.Context) ([]Table, error)
	// Scan streams a table's rows in key order. See ScanOptions.
	Scan(ctx context.Context, t *Table, opts ScanOptions) (Rows, error)
	// Count returns the exact number of rows in a table.
	Count(ctx context.Context, table string) (int64, error)
	// Close ends the transaction, always by rolling it back.
	Close() error
}

// ScanOptions say how to stream a table.
type ScanOptions struct {
	// Key lists the columns that order and paginate the scan. Empty means
	// the table's primary key; a table without one must be given a key.
	Key []string
	// After, when non-nil, resumes the scan after this key (one value per
	// key column, in canonical form).
	After []Value
	// BatchSize is the number of rows fetched per keyset query, or per
	// page of a streamed scan; zero means DefaultBatchSize. Memory is
	// bounded by one batch (two for a streamed scan read ahead).
	BatchSize int
}

// DefaultBatchSize is large enough to amortise a round trip and small
// enough to keep a batch of wide rows in a few megabytes.
const DefaultBatchSize = 5000

// Rows is a stream of canonical rows, modelled on pgx's CopyFromSource.
//
// Next advances and returns false at the end or on error; check Err after.
// Row returns the current row, one value per column of Columns; the slice
// and its []byte values are valid only until the next call to Next, so a
// caller that keeps a row must copy it. Close may be called at any time and
// more than once.
type Rows interface {
	Columns() []Column
	Next() bool
	Row() []Value
	Err() error
	Close() error
}

// OwnedRows is implemented by Rows that may never reuse a row: each Row
// slice and its []byte values are memory of their own, which a caller may
// keep without copying. A wrapper implements it by asking what it wraps.
type OwnedRows interface {
	RowsOwned() bool
}

// RowsOwned reports whether r's rows may be kept without copying.
func RowsOwned(r Rows) bool {
	o, ok := r.(OwnedRows)
	return ok && o.RowsOwned()
}

// Target is a receiving platform's database. It is also a Source, so that
// verification can read back what was written through the same code.
type Target interface {
	Source
	// Create creates the tables that do not exist yet, with DDL derived
	// from each column's canonical Type. Existing tables are left alone.
	Create(ctx context.Context, tables []Table) error
	// Begin starts a write transaction. The caller commits a batch's rows
	// together with its own bookkeeping, or rolls all of it back.
	Begin(ctx context.Context) (Tx, error)
}

// Tx is a write transaction on a Target.
type Tx interface {
	// Write appends rows to a table. Each row holds one canonical value per
	// column of t.Columns, in that order. Dialects use their fastest bulk
	// path (PostgreSQL COPY, multi-row INSERT elsewhere). A value the
	// column cannot hold is an error that names the table, the row index
	// in the batch and the column; nothing of the batch is kept then.
	// Write does not keep rows (the slice, its rows or their []byte
	// values) after it returns: the runner reuses the batch's slices.
	Write(ctx context.Context, t *Table, rows [][]Value) (int64, error)
	Commit() error
	Rollback() error
}

// LegacyWriter is implemented by targets that can also build a legacy
// platform, for rehearsals and tests (regflytt synth): tables declared in
// the dialect's own words, and values a receiving table would refuse.
// A migration never uses it.
type LegacyWriter interface {
	// CreateLegacy creates tables whose columns use Column.SourceType
	// verbatim as their DDL type when it is set ("date", "varchar(40)
	// CHARACTER SET latin1", "tinyint(1)"), falling back to the canonical
	// Type otherwise. Existing tables are an error: a legacy platform is
	// built once.
	CreateLegacy(ctx context.Context, tables []Table) error
	// BeginLegacy starts a write transaction that stores what legacy
	// platforms hold: no Fit checks, the dialect's permissive mode (MariaDB
	// sql_mode=''), InvalidDate written as its raw text, []byte written as
	// raw bytes into text columns where the dialect allows it.
	BeginLegacy(ctx context.Context) (Tx, error)
}

// AsyncCommitter is implemented by write transactions that can commit
// without waiting for the server to make the commit durable (PostgreSQL's
// synchronous_commit = off for one transaction). Such a commit is atomic
// and ordered like any other: a server crash soon after it loses it
// whole, with every commit after it, never a part of it, and a later
// durable commit on the server makes it durable too. The runner commits
// its batches this way and guards against the loss: each batch's
// transaction requires its predecessor's checkpoint to be there
// (RowDeleter), and every stage commits durably.
type AsyncCommitter interface {
	CommitAsync() error
}

// CommitBatch commits tx, without waiting for durability when async is
// true and tx can (AsyncCommitter); durably otherwise.
func CommitBatch(tx Tx, async bool) error {
	if ac, ok := tx.(AsyncCommitter); ok && async {
		return ac.CommitAsync()
	}
	return tx.Commit()
}

// OverlappingCommitter is implemented by dialects whose write
// transactions may be open side by side, each on a connection of its
// own, without waiting on each other's locks (PostgreSQL: rows inserted
// by one transaction hold nothing another inserting its own rows waits
// for). The runner then sends a commit unit's rows while the unit before
// it commits; the commits themselves stay in order (plans/commit.go). A
// dialect without it has one write transaction at a time: SQLite has one
// writer per database file.
type OverlappingCommitter interface {
	OverlapsCommits() bool
}

// TrailingSpaceBlind is implemented by dialects whose receiving tables
// compare text keys without their trailing spaces, whatever the
// collation (SQL Server: 'a' = 'a '). Two source keys that differ only so
// are one receiving key there: the runner holds them to each other as the
// target will, so that the second record is archived as a duplicate key
// instead of stopping the run at the server.
type TrailingSpaceBlind interface {
	KeysIgnoreTrailingSpaces() bool
}

// AsWrittenReader is implemented by sources whose reading is lenient
// with stored forms their own writer never writes, as a legacy database
// needs (SQLite's affinity lets a BLOB into a TEXT column, which is read
// as its text; a date stored with a midnight clock is read as the date).
// A verifier reading a receiving database calls ReadAsWritten before its
// first snapshot: a value stored in another form than the writer stores
// it is then read as stored, so that it differs from what the mappings
// give, as it differs for the receiving platform's queries.
type AsWrittenReader interface {
	ReadAsWritten()
}

// RowDeleter is implemented by write transactions that can delete rows
// older than a sequence number: the runner drops, in the transaction that
// writes a new checkpoint, the checkpoints it supersedes, so that its
// bookkeeping stays a few rows however long the run.
type RowDeleter interface {
	// DeleteBefore deletes the rows of table whose text column match
	// equals value and whose integer column seq is below before, and
	// returns how many it deleted.
	DeleteBefore(ctx context.Context, table, match, value, seq string, before int64) (int64, error)
}

// DeleteBeforeSQL gives DeleteBefore's statement in dialect d, with the
// value and the bound as the parameters p1 and p2.
func DeleteBeforeSQL(d Dialect, qualified, match, seq, p1, p2 string) (string, error) {
	qm, err := d.QuoteIdent(match)
	if err != nil {
		return "", err
	}
	qs, err := d.QuoteIdent(seq)
	if err != nil {
		return "", err
	}
	return "DELETE FROM " + qualified + " WHERE " + qm + " = " + p1 + " AND " + qs + " < " + p2, nil
}
