package mysql

import (
	"fmt"
	"math"
	"strings"

	"github.com/regflytt/regflytt/connectors"
)

// Dialect is MariaDB's (and MySQL's) SQL: backtick-quoted identifiers and
// positional ? parameters.
type Dialect struct{}

var _ connectors.Dialect = Dialect{}

// Name is "mysql", the URL scheme (mariadb:// is read as mysql://).
func (Dialect) Name() string { return "mysql" }

// QuoteIdent quotes with backticks, doubling any inside. Backticks work
// whatever the session's sql_mode, unlike double quotes (ANSI_QUOTES).
func (Dialect) QuoteIdent(name string) (string, error) { return connectors.QuoteWith(name, '`', '`') }

// Column comments that mark a canonical kind MariaDB has no type for. The
// catalogue cannot tell a boolean from a tinyint(1), an instant from a
// wall clock, or a UUID from sixteen bytes; the comment, written with the
// column, can. They are part of the column's DDL (see ColumnType), so any
// CREATE TABLE built from this dialect carries them.
const (
	markBoolean   = "regflytt:boolean"
	markTimestamp = "regflytt:timestamptz"
	markUUID      = "regflytt:uuid"
)

// Collation of every text column this dialect creates: utf8mb4 compared by
// code point with NO PAD, so 'a' and 'a ' are two keys (utf8mb4_bin pads
// and would call them equal) and key order is the byte order of UTF-8,
// the order every other dialect and Go's string comparison use.
const textCollation = "CHARACTER SET utf8mb4 COLLATE " + createdCollation

// createdCollation is the collation of textCollation, as the catalogue
// names it.
const createdCollation = "utf8mb4_nopad_bin"

// maxInlineLength is the longest varchar/varbinary this dialect declares:
// 16383 four-byte characters fill a row's 65535-byte limit. Longer bounds
// become longtext/longblob and are enforced by Type.Fit only.
const maxInlineLength = 16383

// ColumnType gives the DDL for a canonical type. Every type it gives reads
// back (TypeOf) with the same Kind; where MariaDB has no exact type, a
// column comment marks the kind:
//
//	int        tinyint|smallint|mediumint|int|bigint [unsigned], by Bits
//	float      float (Bits 32) or double
//	decimal    decimal(p,s), p ≤ 65, s ≤ 38
//	boolean    tinyint(1) COMMENT 'regflytt:boolean'
//	text       varchar(n) up to 16383 characters, else longtext; utf8mb4_nopad_bin
//	bytes      varbinary(n) up to 16383 bytes, else longblob
//	date       date
//	datetime   datetime(f)
//	timestamptz datetime(f) COMMENT 'regflytt:timestamptz', UTC wall clock:
//	           TIMESTAMP ends in 2038 and converts through the session zone
//	time       time(f)
//	uuid       binary(16) COMMENT 'regflytt:uuid': MariaDB's own uuid type
//	           refuses UUIDs of the NCS variant, which the canonical set holds
//	json       json (MariaDB: longtext utf8mb4_bin CHECK (json_valid(col)),
//	           byte for byte; MySQL 8 would normalise it)
func (Dialect) ColumnType(t connectors.Type) (string, error) {
	switch t.Kind {
	case connectors.KindInt:
		var name string
		switch bits := t.Bits; {
		case bits <= 0 || bits > 32:
			name = "bigint"
		case bits <= 8:
			name = "tinyint"
		case bits <= 16:
			name = "smallint"
		case bits <= 24:
			name = "mediumint"
		default:
			name = "int"
		}
		if t.Unsigned {
			name += " unsigned"
		}
		return name, nil
	case connectors.KindFloat:
		if t.Bits == 32 {
			return "float", nil
		}
		return "double", nil
	case connectors.KindDecimal:
		if t.Precision < 1 || t.Precision > 65 || t.Scale < 0 || t.Scale > 38 || t.Scale > t.Precision {
			return "", fmt.Errorf("%v: MariaDB decimal needs precision 1..65 and scale 0..min(38, precision)", t)
		}
		return fmt.Sprintf("decimal(%d,%d)", t.Precision, t.Scale), nil
	case connectors.KindBool:
		return "tinyint(1) COMMENT '" + markBoolean + "'", nil
	case connectors.KindText:
		if t.Length > 0 && t.Length <= maxInlineLength {
			return fmt.Sprintf("varchar(%d) %s", t.Length, textCollation), nil
		}
		return "longtext " + textCollation, nil
	case connectors.KindBytes:
		if t.Length > 0 && t.Length <= maxInlineLength {
			return fmt.Sprintf("varbinary(%d)", t.Length), nil
		}
		return "longblob", nil
	case connectors.KindDate:
		return "date", nil
	case connectors.KindDateTime, connectors.KindTimestamp, connectors.KindTime:
		if t.Precision < 0 || t.Precision > 6 {
			return "", fmt.Errorf("%v: MariaDB keeps 0..6 fractional digits", t)
		}
		name := "datetime"
		if t.Kind == connectors.KindTime {
			name = "time"
		}
		if t.Precision > 0 {
			name += fmt.Sprintf("(%d)", t.Precision)
		}
		if t.Kind == connectors.KindTimestamp {
			name += " COMMENT '" + markTimestamp + "'"
		}
		return name, nil
	case connectors.KindUUID:
		return "binary(16) COMMENT '" + markUUID + "'", nil
	case connectors.KindJSON:
		return "json", nil
	}
	return "", fmt.Errorf("type %v has no MariaDB column type", t)
}

// SelectBatch gives
//
//	SELECT cols FROM t [WHERE (a > ?) OR (a = ? AND b > ?)] ORDER BY a, b LIMIT n
//
// The keyset condition is the expanded form, not the row value (a, b) >
// (?, ?): MariaDB does not turn a row-value comparison into an index range,
// so each batch would walk the index from its start (measured on 10.11:
// 150,099 index reads for the batch after key 150,000 against 99 with the
// expanded form). Its parameters are positional, so a key value appears
// once per use: for key (a, b) they are a, a, b; for (a, b, c) they are
// a, a, b, a, b, c. ExpandKeyArgs gives that order.
func (d Dialect) SelectBatch(table string, columns, key []string, after bool, limit int) (string, error) {
	return d.selectBatch(table, columns, key, after, limit, nil)
}

func (d Dialect) selectBatch(table string, columns, key []string, after bool, limit int, sel func(string) string) (string, error) {
	if limit < 1 {
		return "", fmt.Errorf("batch limit %d: want at least 1", limit)
	}
	return connectors.SelectBatchLimit(d, table, columns, key, after, limit, connectors.BatchQuery{
		RowValues:   false,
		Placeholder: func(int) string { return "?" },
		Select:      sel,
	})
}

// selectOrdered is selectBatch without a limit, for a streamed scan.
func (d scanDialect) selectOrdered(table string, columns, key []string, after bool) (string, error) {
	return connectors.SelectOrdered(d.Dialect, table, columns, key, after, connectors.BatchQuery{
		RowValues:   false,
		Placeholder: func(int) string { return "?" },
		Select:      d.selectColumn,
	})
}

// ExpandKeyArgs repeats key values in the order SelectBatch's expanded
// condition uses them: for (a, b, c) it gives a, a, b, a, b, c.
func ExpandKeyArgs[V any](after []V) []V {
	out := make([]V, 0, len(after)*(len(after)+1)/2)
	for i := range after {
		out = append(out, after[:i+1]...)
	}
	return out
}

// tableOptions end every CREATE TABLE: InnoDB for transactions and
// consistent snapshots, and the text collation as the table default so a
// column added by hand later compares the same way.
const tableOptions = " ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=" + createdCollation

// CheckValue refuses what MariaDB cannot hold of what Type.Fit allows:
// -0.0, which a DOUBLE or FLOAT column stores as 0 (verified on 10.11,
// whatever the literal's form), so the sign would be lost silently.
func (Dialect) CheckValue(c *connectors.Column, v connectors.Value) error {
	if f, ok := v.(float64); ok && f == 0 && math.Signbit(f) {
		return &connectors.FitError{Rule: connectors.RuleNegativeZero, Detail: "MariaDB stores -0.0 as 0"}
	}
	return nil
}

var _ connectors.ValueChecker = Dialect{}

// CreateTable gives the CREATE TABLE IF NOT EXISTS that Create runs, with
// InnoDB and the text collation as table options.
func (Dialect) CreateTable(t *connectors.Table) (string, error) { return createTable(t) }

// createTable gives CREATE TABLE IF NOT EXISTS for a declared table.
func createTable(t *connectors.Table) (string, error) {
	ddl, err := connectors.CreateTableSQL(Dialect{}, t, "CREATE TABLE IF NOT EXISTS")
	if err != nil {
		return "", err
	}
	return ddl + tableOptions, nil
}

// bindLiterals replaces each ? outside backtick-quoted identifiers in a
// query this package built with the next literal. The queries hold no
// string literals or comments of their own, so backticks are the only
// quoting to track; a doubled backtick inside a name flips the state twice.
func bindLiterals(query string, lits [][]byte) (string, error) {
	n := 0
	var b strings.Builder
	b.Grow(len(query) + 16*len(lits))
	quoted := false
	for i := 0; i < len(query); i++ {
		c := query[i]
		switch {
		case c == '`':
			quoted = !quoted
		case c == '?' && !quoted:
			if n >= len(lits) {
				return "", fmt.Errorf("query has more parameters than the %d values given", len(lits))
			}
			b.Write(lits[n])
			n++
			continue
		}
		b.WriteByte(c)
	}
	if n != len(lits) {
		return "", fmt.Errorf("query has %d parameters for %d values", n, len(lits))
	}
	return b.String(), nil
}
