package connectors

import (
	"fmt"
	"strconv"
	"strings"
)

// Table is a table in the neutral catalogue, the same shape for every
// dialect (after atlas's schema.Table).
type Table struct {
	Name        string
	Columns     []Column
	PrimaryKey  []string
	ForeignKeys []ForeignKey
	// Indexes are the unique and secondary indexes, the primary key's
	// excluded. Like foreign keys, a receiving table gets them after the
	// load (see ConstraintCreator).
	Indexes []Index
	// RowEstimate is the server's statistic, -1 when unknown. Use
	// Snapshot.Count where exactness matters.
	RowEstimate int64
}

// Column is one column with both its canonical type and the source's own
// type text, which the archive keeps so that a record can be read back in
// its source shape.
type Column struct {
	Name string
	Type Type
	// SourceType is the type as the database names it: "varchar(100)",
	// "datetime(6)", "tinyint(1) unsigned".
	SourceType string
	// Charset is the text encoding where the database reports one
	// ("latin1", "utf8mb4"); empty otherwise.
	Charset string
	// Collation is how the database compares and orders the column's
	// text, where it reports one per column ("utf8mb4_nopad_bin"); empty
	// otherwise.
	Collation string
	Nullable  bool
	// Default is the column's default for rows inserted without it, nil
	// when it has none or the catalogue cannot say it portably (a
	// function call other than the current time: the scan lists those).
	Default *Default
	// Identity says the database numbers new rows itself (MariaDB's
	// AUTO_INCREMENT, a PostgreSQL identity or serial, SQLite's
	// AUTOINCREMENT).
	Identity bool
}

// Default is a column default in the receiving-schema notation: a value
// in the canonical text form of the column's kind ("A", "0", "12.50",
// "2020-01-01", "true"), or the moment of the insert.
type Default struct {
	Value string
	// Now is the current date or time (current_timestamp): CURRENT_DATE
	// for a date column, CURRENT_TIMESTAMP otherwise. Value is empty.
	Now bool
}

func (d *Default) String() string {
	if d == nil {
		return ""
	}
	if d.Now {
		return "current_timestamp"
	}
	return d.Value
}

// Index is a unique or secondary index over columns in order.
type Index struct {
	Name    string
	Columns []string
	Unique  bool
}

// ForeignKey says that Columns of a table refer to RefColumns of RefTable.
type ForeignKey struct {
	Name       string
	Columns    []string
	RefTable   string
	RefColumns []string
}

// Column returns the column with the given name, or nil.
func (t *Table) Column(name string) *Column {
	for i := range t.Columns {
		if t.Columns[i].Name == name {
			return &t.Columns[i]
		}
	}
	return nil
}

// ColumnIndex returns the position of the named column, or -1.
func (t *Table) ColumnIndex(name string) int {
	for i := range t.Columns {
		if t.Columns[i].Name == name {
			return i
		}
	}
	return -1
}

// Kind is the canonical kind of a column: which member of the canonical
// value set its non-NULL values are.
type Kind uint8

// The kinds. The zero Kind is invalid so that a forgotten field is caught.
const (
	KindInvalid   Kind = iota
	KindInt            // int64 (uint64 above MaxInt64)
	KindFloat          // float64
	KindDecimal        // Decimal (NaN/±Infinity of a PostgreSQL numeric arrive as float64)
	KindBool           // bool
	KindText           // string
	KindBytes          // []byte
	KindDate           // Date (or InvalidDate when read from a legacy source)
	KindDateTime       // LocalDateTime, zone-less (or InvalidDate)
	KindTimestamp      // time.Time in UTC, an instant (or InvalidDate for infinity)
	KindTime           // Duration
	KindUUID           // UUID
	KindJSON           // JSON
)

var kindNames = [...]string{
	KindInvalid:   "invalid",
	KindInt:       "int",
	KindFloat:     "float",
	KindDecimal:   "decimal",
	KindBool:      "boolean",
	KindText:      "text",
	KindBytes:     "bytes",
	KindDate:      "date",
	KindDateTime:  "datetime",
	KindTimestamp: "timestamptz",
	KindTime:      "time",
	KindUUID:      "uuid",
	KindJSON:      "json",
}

func (k Kind) String() string {
	if int(k) < len(kindNames) {
		return kindNames[k]
	}
	return "kind(" + strconv.Itoa(int(k)) + ")"
}

// Type is a canonical column type: a Kind with its size. It is what a
// receiving schema declares and what each dialect turns into DDL.
type Type struct {
	Kind Kind
	// Bits is the integer width (8, 16, 24, 32, 64) or float width (32, 64).
	Bits     int
	Unsigned bool
	// Precision and Scale are a decimal's digits (Precision 0: unbounded,
	// as PostgreSQL's bare numeric); Precision is also the fractional-second
	// digits of datetime, timestamptz and time.
	Precision, Scale int
	// Length bounds text (characters) or bytes; 0 means unbounded.
	Length int
}

// String gives the type in the receiving-schema notation that ParseType
// reads.
func (t Type) String() string {
	switch t.Kind {
	case KindInt:
		name := map[int]string{8: "tinyint", 16: "smallint", 24: "mediumint", 32: "integer", 64: "bigint"}[t.Bits]
		if name == "" {
			name = "bigint"
		}
		if t.Unsigned {
			name += " unsigned"
		}
		return name
	case KindFloat:
		if t.Bits == 32 {
			return "real"
		}
		return "double"
	case KindDecimal:
		return fmt.Sprintf("decimal(%d,%d)", t.Precision, t.Scale)
	case KindText:
		if t.Length > 0 {
			return fmt.Sprintf("varchar(%d)", t.Length)
		}
		return "text"
	case KindBytes:
		if t.Length > 0 {
			return fmt.Sprintf("varbinary(%d)", t.Length)
		}
		return "bytes"
	case KindDateTime, KindTimestamp, KindTime:
		if t.Precision > 0 {
			return fmt.Sprintf("%s(%d)", t.Kind, t.Precision)
		}
	}
	return t.Kind.String()
}

// ParseType reads the receiving-schema type notation:
//
//	tinyint smallint mediumint integer int bigint [unsigned]
//	real double   decimal(p,s) numeric(p,s)   boolean
//	text varchar(n)   bytes varbinary(n)
//	date   datetime[(f)]   timestamptz[(f)]   time[(f)]   uuid   json
//
// datetime is zone-less (a wall clock); timestamptz is an instant.
func ParseType(s string) (Type, error) {
	orig := s
	s = strings.ToLower(strings.TrimSpace(s))
	var t Type
	if rest, ok := strings.CutSuffix(s, " unsigned"); ok {
		t.Unsigned = true
		s = strings.TrimSpace(rest)
	}
	name, args, err := splitTypeArgs(s)
	if err != nil {
		return Type{}, fmt.Errorf("type %q: %w", orig, err)
	}
	want := func(n int) error {
		if len(args) > n {
			return fmt.Errorf("type %q takes at most %d argument(s)", orig, n)
		}
		return nil
	}
	switch name {
	case "tinyint", "smallint", "mediumint", "integer", "int", "bigint":
		t.Kind = KindInt
		t.Bits = map[string]int{"tinyint": 8, "smallint": 16, "mediumint": 24, "integer": 32, "int": 32, "bigint": 64}[name]
		err = want(0)
	case "real", "double", "float":
		t.Kind, t.Bits = KindFloat, 64
		if name == "real" {
			t.Bits = 32
		}
		err = want(0)
	case "decimal", "numeric":
		t.Kind = KindDecimal
		if len(args) != 2 {
			return Type{}, fmt.Errorf("type %q: decimal needs (precision,scale)", orig)
		}
		t.Precision, t.Scale = args[0], args[1]
		if t.Precision < 1 || t.Precision > 38 || t.Scale < 0 || t.Scale > t.Precision {
			return Type{}, fmt.Errorf("type %q: precision must be 1..38 and scale 0..precision", orig)
		}
	case "boolean", "bool":
		t.Kind = KindBool
		err = want(0)
	case "text":
		t.Kind = KindText
		err = want(0)
	case "varchar":
		t.Kind = KindText
		if len(args) != 1 || args[0] < 1 {
			return Type{}, fmt.Errorf("type %q: varchar needs a positive length", orig)
		}
		t.Length = args[0]
	case "bytes":
		t.Kind = KindBytes
		err = want(0)
	case "varbinary":
		t.Kind = KindBytes
		if len(args) != 1 || args[0] < 1 {
			return Type{}, fmt.Errorf("type %q: varbinary needs a positive length", orig)
		}
		t.Length = args[0]
	case "date", "uuid", "json":
		t.Kind = map[string]Kind{"date": KindDate, "uuid": KindUUID, "json": KindJSON}[name]
		err = want(0)
	case "datetime", "timestamptz", "time":
		t.Kind = map[string]Kind{"datetime": KindDateTime, "timestamptz": KindTimestamp, "time": KindTime}[name]
		if err = want(1); err == nil && len(args) == 1 {
			t.Precision = args[0]
			// 7 is SQL Server's datetime2(7); dialects with less refuse it
			// in their DDL rather than round.
			if t.Precision < 0 || t.Precision > 7 {
				return Type{}, fmt.Errorf("type %q: fractional seconds must be 0..7", orig)
			}
		}
	default:
		return Type{}, fmt.Errorf("unknown type %q (want one of: bigint, integer, smallint, decimal(p,s), double, real, boolean, text, varchar(n), bytes, date, datetime, timestamptz, time, uuid, json)", orig)
	}
	if err != nil {
		return Type{}, err
	}
	if t.Unsigned && t.Kind != KindInt {
		return Type{}, fmt.Errorf("type %q: only integers can be unsigned", orig)
	}
	return t, nil
}

func splitTypeArgs(s string) (string, []int, error) {
	open := strings.IndexByte(s, '(')
	if open < 0 {
		return s, nil, nil
	}
	if !strings.HasSuffix(s, ")") {
		return "", nil, fmt.Errorf("missing ')' (inside {…} in YAML, a comma splits the value: quote it, \"decimal(5,1)\")")
	}
	name := strings.TrimSpace(s[:open])
	var args []int
	for _, a := range strings.Split(s[open+1:len(s)-1], ",") {
		n, err := strconv.Atoi(strings.TrimSpace(a))
		if err != nil {
			return "", nil, fmt.Errorf("argument %q is not a number", strings.TrimSpace(a))
		}
		args = append(args, n)
	}
	return name, args, nil
}

// TypeMapping is one row of a dialect's documented type map: how a source
// type is read into the canonical set and what happens at its edges. Each
// dialect lists its rows (TypeMap in its package); connectors/TYPEMAP.md
// is rendered from them (conformance.RenderTypeMap), and each dialect's
// TestTypeMapCases fails when a row names no existing test case.
type TypeMapping struct {
	// Source is the type as the dialect writes it, with n, p, s for sizes:
	// "tinyint(1)", "datetime(n)", "decimal(p,s)", "varchar(n) latin1".
	Source string
	// Canonical is the canonical kind values of this type are read into.
	Canonical Kind
	// Edges says what happens at the edges: widening, rejects, zones.
	Edges string
	// Case names the test that covers this row (package-relative test
	// name), so a row without a case is found by a test.
	Case string
}
