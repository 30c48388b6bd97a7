package connectors

import (
	"context"
	"fmt"
	"strings"
	"unicode/utf8"
)

// Dialect is what regflytt needs to know to speak a database's SQL. It is
// pure: no connection, so every dialect's SQL text is testable without a
// server (SQL Server's in particular, which CI does not run).
type Dialect interface {
	// Name is the URL scheme: "sqlite", "postgres", "mysql", "sqlserver".
	Name() string
	// QuoteIdent quotes one identifier, after CheckIdent.
	QuoteIdent(name string) (string, error)
	// ColumnType gives the DDL type for a canonical type, or an error when
	// the dialect cannot hold it exactly.
	ColumnType(t Type) (string, error)
	// SelectBatch gives the keyset query that reads up to limit rows of
	// table after a key (when after is true), ordered by key. Its
	// parameters are the key values, once each in key order, unless the
	// dialect documents otherwise.
	SelectBatch(table string, columns, key []string, after bool, limit int) (string, error)
}

// MaxIdentLength is the longest identifier regflytt accepts: PostgreSQL's
// limit (63 bytes), the smallest of the four dialects' limits after
// MariaDB's 64 characters and SQL Server's 128.
const MaxIdentLength = 63

// CheckIdent rejects identifiers no dialect can carry safely: empty, too
// long, invalid UTF-8 or holding control characters (NUL in particular).
// Everything else, spaces and Swedish letters included, is quoted rather
// than refused, because legacy schemas use them.
func CheckIdent(name string) error {
	switch {
	case name == "":
		return fmt.Errorf("empty identifier")
	case len(name) > MaxIdentLength:
		return fmt.Errorf("identifier %q is longer than %d bytes", name, MaxIdentLength)
	case !utf8.ValidString(name):
		return fmt.Errorf("identifier %q is not valid UTF-8", name)
	}
	for _, r := range name {
		if r < 0x20 || r == 0x7f {
			return fmt.Errorf("identifier %q holds a control character", name)
		}
	}
	return nil
}

// QuoteWith quotes name between open and close, doubling close inside it,
// after CheckIdent. Dialects build their QuoteIdent on it.
func QuoteWith(name string, open, close byte) (string, error) {
	if err := CheckIdent(name); err != nil {
		return "", err
	}
	var b strings.Builder
	b.Grow(len(name) + 2)
	b.WriteByte(open)
	for i := 0; i < len(name); i++ {
		if name[i] == close {
			b.WriteByte(close)
		}
		b.WriteByte(name[i])
	}
	b.WriteByte(close)
	return b.String(), nil
}

// QuoteList quotes each name with d and joins them with ", ".
func QuoteList(d Dialect, names []string) (string, error) {
	q := make([]string, len(names))
	for i, n := range names {
		var err error
		if q[i], err = d.QuoteIdent(n); err != nil {
			return "", err
		}
	}
	return strings.Join(q, ", "), nil
}

// KeysetCondition gives the predicate "key > after" for quoted key columns.
// With rowValues it is the row comparison (a, b) > (p0, p1); without, the
// expanded form a > p0 OR (a = p0 AND b > p1) for dialects lacking row
// values. placeholder(i) names the parameter holding the i-th key value;
// the expanded form uses it more than once, so it suits only numbered
// parameters ($1, ?1, @p1), which every dialect without row values has.
func KeysetCondition(quoted []string, rowValues bool, placeholder func(i int) string) string {
	if len(quoted) == 1 {
		return quoted[0] + " > " + placeholder(0)
	}
	if rowValues {
		ps := make([]string, len(quoted))
		for i := range quoted {
			ps[i] = placeholder(i)
		}
		return "(" + strings.Join(quoted, ", ") + ") > (" + strings.Join(ps, ", ") + ")"
	}
	ors := make([]string, len(quoted))
	for i := range quoted {
		ands := make([]string, 0, i+1)
		for j := 0; j < i; j++ {
			ands = append(ands, quoted[j]+" = "+placeholder(j))
		}
		ands = append(ands, quoted[i]+" > "+placeholder(i))
		ors[i] = "(" + strings.Join(ands, " AND ") + ")"
	}
	return strings.Join(ors, " OR ")
}

// ValueChecker is implemented by dialects that cannot hold some values
// Type.Fit allows (MariaDB's DOUBLE has no -0.0). Runs check migrated rows
// with it before writing, so such a value archives its own record with a
// named rule instead of failing a whole batch at the server.
//
// CheckValue is called only with values c.Fit accepted, and checks only
// what the dialect adds to Fit: its error is a *FitError whose Rule is one
// of this package's (RuleNegativeZero, RuleSubnormal, RuleTimeRange, …),
// never the value itself. It is pure and cheap: it runs for every value
// migrated. A dialect's Tx.Write refuses the same values (see CheckColumn),
// so a caller that skips CheckValue loses a batch, never a value.
type ValueChecker interface {
	CheckValue(c *Column, v Value) error
}

// ColumnValueChecker is a ValueChecker that tells from a column alone
// whether CheckValue can refuse a value Column.Fit accepts for it. Where
// it cannot, a caller that has run Fit skips CheckValue: the value is
// checked once.
type ColumnValueChecker interface {
	ValueChecker
	ChecksColumn(c *Column) bool
}

// ValueCheckedColumns gives the indexes of the columns whose values vc
// may refuse after Column.Fit has accepted them: every column, unless vc
// is a ColumnValueChecker. The slice is never nil.
func ValueCheckedColumns(vc ValueChecker, cols []Column) []int {
	cc, ok := vc.(ColumnValueChecker)
	out := make([]int, 0, len(cols))
	for i := range cols {
		if !ok || cc.ChecksColumn(&cols[i]) {
			out = append(out, i)
		}
	}
	return out
}

// CheckColumn is everything a target checks before it writes v into c:
// Column.Fit, then the dialect's own limits when it has any. Targets'
// Tx.Write use it for every value; the conformance suite holds each
// dialect to it.
func CheckColumn(d Dialect, c *Column, v Value) error {
	if err := c.Fit(v); err != nil {
		return err
	}
	if vc, ok := d.(ValueChecker); ok && v != nil {
		return vc.CheckValue(c, v)
	}
	return nil
}

// CheckedWriter is implemented by a Tx whose Write checks every value with
// CheckColumn: WriteChecked writes rows whose every value its caller has
// already checked with Column.Fit and the dialect's ValueChecker (as a
// run does for each migrated row: mappings fit each value to its
// receiving column, plans asks the dialect), so that a value is checked
// once on the hot path, not twice. It still refuses a row of the wrong
// width.
//
// Only checked rows may go this way: servers change some values that do
// not fit without an error (PostgreSQL's COPY and MariaDB round a decimal
// to the column's scale, PostgreSQL a timestamp to its precision), and
// Write's check is what stops them.
type CheckedWriter interface {
	WriteChecked(ctx context.Context, t *Table, rows [][]Value) (int64, error)
}

// WriteChecked writes rows through tx's WriteChecked when it has one, and
// through Write otherwise. See CheckedWriter for what the caller vouches.
func WriteChecked(ctx context.Context, tx Tx, t *Table, rows [][]Value) (int64, error) {
	if cw, ok := tx.(CheckedWriter); ok {
		return cw.WriteChecked(ctx, t, rows)
	}
	return tx.Write(ctx, t, rows)
}

// TableCreator is implemented by dialects whose CREATE TABLE is more than
// CreateTableSQL gives: table options (MariaDB's engine and collation),
// CHECK constraints (SQL Server's narrower integers). Create runs exactly
// this text, so what `regflytt schema` prints is what a run would create.
type TableCreator interface {
	CreateTable(t *Table) (string, error)
}

// CreateTableDDL gives the statement that creates t on dialect d: its
// TableCreator's, or CREATE TABLE IF NOT EXISTS from CreateTableSQL.
func CreateTableDDL(d Dialect, t *Table) (string, error) {
	if tc, ok := d.(TableCreator); ok {
		return tc.CreateTable(t)
	}
	return CreateTableSQL(d, t, "CREATE TABLE IF NOT EXISTS")
}
