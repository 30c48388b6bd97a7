package sqlite

import (
	"fmt"
	"math"
	"strconv"

	"github.com/regflytt/regflytt/connectors"
)

// Dialect is SQLite's SQL. It has row values (since 3.15) and numbered
// parameters ?NNN.
type Dialect struct{}

// Name is "sqlite".
func (Dialect) Name() string { return "sqlite" }

// QuoteIdent quotes with double quotes.
func (Dialect) QuoteIdent(name string) (string, error) { return connectors.QuoteWith(name, '"', '"') }

// ColumnType gives a declared type that TypeOf maps back to t and whose
// affinity keeps values exact (see the package doc).
func (Dialect) ColumnType(t connectors.Type) (string, error) {
	switch t.Kind {
	case connectors.KindInt:
		if t.Unsigned && t.Bits >= 64 {
			return "", fmt.Errorf("%v: SQLite integers stop at 9223372036854775807", t)
		}
		return "INTEGER", nil
	case connectors.KindFloat:
		if t.Bits == 32 {
			return "REAL32", nil
		}
		return "REAL", nil
	case connectors.KindDecimal:
		return fmt.Sprintf("DECIMAL_TEXT(%d,%d)", t.Precision, t.Scale), nil
	case connectors.KindBool:
		return "BOOLEAN", nil
	case connectors.KindText:
		if t.Length > 0 {
			return fmt.Sprintf("VARCHAR(%d)", t.Length), nil
		}
		return "TEXT", nil
	case connectors.KindBytes:
		return "BLOB", nil
	case connectors.KindDate:
		return "DATE", nil
	case connectors.KindDateTime:
		return fmt.Sprintf("DATETIME(%d)", t.Precision), nil
	case connectors.KindTimestamp:
		return fmt.Sprintf("TIMESTAMPTZ(%d)", t.Precision), nil
	case connectors.KindTime:
		return fmt.Sprintf("TIME(%d)", t.Precision), nil
	case connectors.KindUUID:
		return "UUID", nil
	case connectors.KindJSON:
		return "JSON_TEXT", nil
	}
	return "", fmt.Errorf("type %v has no SQLite column type", t)
}

// SelectBatch gives SELECT +c, … WHERE (key) > (?1, …) ORDER BY key LIMIT n.
// The unary plus changes no value but drops the column's declared type,
// which stops the driver from parsing text in DATE and DATETIME columns
// into time.Time (and so from moving a wall clock into a zone).
func (d Dialect) SelectBatch(table string, columns, key []string, after bool, limit int) (string, error) {
	return connectors.SelectBatchLimit(d, table, columns, key, after, limit, selectQuery)
}

// SelectOrdered gives SelectBatch's query without its limit, for a scan
// read in one query (see connectors.StreamedScan).
func (d Dialect) SelectOrdered(table string, columns, key []string, after bool) (string, error) {
	return connectors.SelectOrdered(d, table, columns, key, after, selectQuery)
}

var selectQuery = connectors.BatchQuery{
	RowValues:   true,
	Placeholder: func(i int) string { return "?" + strconv.Itoa(i+1) },
	Select:      func(q string) string { return "+" + q },
}

// CheckValue refuses what SQLite cannot hold of what Type.Fit allows: an
// integer above 9223372036854775807 (SQLite's integers are signed 64-bit),
// and -0.0, which SQLite stores in a REAL column as the integer 0, so it
// reads back as 0.0 (the record format keeps integral reals as integers).
func (Dialect) CheckValue(c *connectors.Column, v connectors.Value) error {
	switch x := v.(type) {
	case uint64:
		return &connectors.FitError{Rule: connectors.RuleIntRange, Detail: "SQLite integers stop at 9223372036854775807"}
	case float64:
		if x == 0 && math.Signbit(x) {
			return &connectors.FitError{Rule: connectors.RuleNegativeZero, Detail: "SQLite stores -0.0 as 0"}
		}
	}
	return nil
}

var _ connectors.ValueChecker = Dialect{}

// CreateTable gives the CREATE TABLE IF NOT EXISTS that Create runs.
func (Dialect) CreateTable(t *connectors.Table) (string, error) { return createTable(t) }

// createTable gives CREATE TABLE IF NOT EXISTS for a declared table.
func createTable(t *connectors.Table) (string, error) {
	return createTableWithConstraints(t)
}
