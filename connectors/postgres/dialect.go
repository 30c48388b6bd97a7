package postgres

import (
	"fmt"
	"strconv"

	"github.com/regflytt/regflytt/connectors"
)

// Dialect is PostgreSQL's SQL: double-quoted identifiers, numbered
// parameters $1, $2, … and row-value comparison for keyset pagination.
type Dialect struct{}

var _ connectors.Dialect = Dialect{}

// Name is "postgres".
func (Dialect) Name() string { return "postgres" }

// OverlapsCommits says a commit unit's rows may be sent on one connection
// while the unit before commits on another (connectors.OverlappingCommitter):
// a COPY into a table waits for no lock another inserting transaction
// holds, and the two server backends ingest on two cores where one
// backend alone left the second idle while it finished a unit's COPY and
// committed.
func (Dialect) OverlapsCommits() bool { return true }

var _ connectors.OverlappingCommitter = Dialect{}

// overlapConns is the fewest connections a target's pool needs for
// commit units to overlap: the run lock's, one per transaction in flight
// (two), and one for a unit tried again, whose check of what committed
// and new transaction need a connection while the unit after it holds
// its own waiting for that one's commit. With pool_max_conns=2 that
// retry waited for the waiting unit's connection, and the run hung.
const overlapConns = 4

// fewConnections is the dialect of a target whose pool has fewer than
// overlapConns connections: its commit units commit one at a time.
type fewConnections struct{ Dialect }

func (fewConnections) OverlapsCommits() bool { return false }

// QuoteIdent quotes with double quotes, doubling any inside.
func (Dialect) QuoteIdent(name string) (string, error) { return connectors.QuoteWith(name, '"', '"') }

// maxVarchar is PostgreSQL's limit on varchar(n).
const maxVarchar = 10485760

// ColumnType gives the DDL type for a canonical type. Every type it gives
// reads back (TypeOf) with the same Kind, so a target can be verified
// through the same code that wrote it; where PostgreSQL has no exact type
// it refuses rather than widening into another kind:
//
//   - tinyint becomes smallint, the unsigned integers up to 32 bits the
//     next wider signed type; the narrower range is enforced by Type.Fit on
//     every write, not by a CHECK constraint (ColumnType does not know the
//     column's name, and regflytt is the only writer during a migration).
//   - bigint unsigned is refused: numeric(20,0) would hold it but read back
//     as a Decimal, not an integer. Declare decimal(20,0) in the receiving
//     schema if the values are really needed there.
//   - bytes with a length become bytea; the length is enforced by Fit.
//   - json becomes json, not jsonb, which keeps the text byte for byte.
//   - datetime, timestamptz and time keep the declared fractional digits,
//     zero meaning whole seconds (as Fit reads it).
func (Dialect) ColumnType(t connectors.Type) (string, error) {
	switch t.Kind {
	case connectors.KindInt:
		bits := t.Bits
		if bits == 0 {
			bits = 64
		}
		if t.Unsigned {
			// The next wider signed type holds the unsigned range.
			bits = map[int]int{8: 16, 16: 32, 24: 32, 32: 64}[bits]
			if bits == 0 {
				return "", fmt.Errorf("%v: PostgreSQL has no unsigned 64-bit integer; declare decimal(20,0) if values above 9223372036854775807 must be kept", t)
			}
		}
		switch {
		case bits <= 16:
			return "smallint", nil
		case bits <= 32:
			return "integer", nil
		}
		return "bigint", nil
	case connectors.KindFloat:
		if t.Bits == 32 {
			return "real", nil
		}
		return "double precision", nil
	case connectors.KindDecimal:
		if t.Precision < 1 || t.Precision > 1000 || t.Scale < 0 || t.Scale > t.Precision {
			return "", fmt.Errorf("%v: PostgreSQL numeric needs precision 1..1000 and scale 0..precision", t)
		}
		return fmt.Sprintf("numeric(%d,%d)", t.Precision, t.Scale), nil
	case connectors.KindBool:
		return "boolean", nil
	case connectors.KindText:
		if t.Length > maxVarchar {
			return "", fmt.Errorf("%v: PostgreSQL varchar stops at %d characters; declare text", t, maxVarchar)
		}
		if t.Length > 0 {
			return fmt.Sprintf("varchar(%d)", t.Length), nil
		}
		return "text", nil
	case connectors.KindBytes:
		return "bytea", nil
	case connectors.KindDate:
		return "date", nil
	case connectors.KindDateTime, connectors.KindTimestamp, connectors.KindTime:
		if t.Precision < 0 || t.Precision > 6 {
			return "", fmt.Errorf("%v: PostgreSQL keeps at most 6 fractional digits", t)
		}
		name := map[connectors.Kind]string{
			connectors.KindDateTime:  "timestamp",
			connectors.KindTimestamp: "timestamptz",
			connectors.KindTime:      "time",
		}[t.Kind]
		return fmt.Sprintf("%s(%d)", name, t.Precision), nil
	case connectors.KindUUID:
		return "uuid", nil
	case connectors.KindJSON:
		return "json", nil
	}
	return "", fmt.Errorf("type %v has no PostgreSQL column type", t)
}

// SelectBatch gives SELECT cols FROM t [WHERE (key) > ($1, …)] ORDER BY key
// LIMIT n. The table name is unqualified: the connection's search_path
// starts with the location's schema (see the package doc). Row-value
// comparison and ORDER BY use the same collation, so a text key pages
// exactly in the order it is sorted.
func (d Dialect) SelectBatch(table string, columns, key []string, after bool, limit int) (string, error) {
	return connectors.SelectBatchLimit(d, table, columns, key, after, limit, selectQuery)
}

// SelectOrdered gives SelectBatch's query without its limit, for a scan
// read through one cursor (see connectors.StreamedScan).
func (d Dialect) SelectOrdered(table string, columns, key []string, after bool) (string, error) {
	return connectors.SelectOrdered(d, table, columns, key, after, selectQuery)
}

var selectQuery = connectors.BatchQuery{
	RowValues:   true,
	Placeholder: func(i int) string { return "$" + strconv.Itoa(i+1) },
}

// CheckValue refuses what PostgreSQL cannot hold of what Type.Fit allows:
// an integer above 9223372036854775807, which Fit lets into a bigint
// unsigned column that ColumnType refuses to create. Everything else Fit
// accepts, PostgreSQL keeps exactly (-0.0, subnormals, 24:00:00 included).
func (Dialect) CheckValue(c *connectors.Column, v connectors.Value) error {
	if _, ok := v.(uint64); ok {
		return &connectors.FitError{Rule: connectors.RuleIntRange, Detail: "PostgreSQL has no unsigned 64-bit integer"}
	}
	return nil
}

// ChecksColumn: only an integer column can hold a uint64 after Fit (an
// unsigned bigint); Fit refuses one in any other column as the wrong kind.
func (Dialect) ChecksColumn(c *connectors.Column) bool { return c.Type.Kind == connectors.KindInt }

var _ connectors.ColumnValueChecker = Dialect{}

// CreateTable gives the CREATE TABLE IF NOT EXISTS that Create runs.
func (Dialect) CreateTable(t *connectors.Table) (string, error) { return createTable(t) }

// createTable gives CREATE TABLE IF NOT EXISTS for a declared table.
func createTable(t *connectors.Table) (string, error) {
	return connectors.CreateTableSQL(Dialect{}, t, "CREATE TABLE IF NOT EXISTS")
}
