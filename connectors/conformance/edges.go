package conformance

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/regflytt/regflytt/connectors"
)

// Capabilities is what a dialect declares it can hold where dialects
// differ. Run holds the dialect to it both ways: a value the dialect
// declares it keeps must round-trip exactly, and a value it declares it
// cannot keep must be refused, by Tx.Write and by connectors.CheckColumn
// (so a run archives it), with the named rule. Every other edge case is
// the same for every dialect, so a dialect cannot weaken a shared case by
// declaring less: it can only declare one of these, in its own test, where
// a reviewer sees it.
type Capabilities struct {
	// UnsignedBigint: a "bigint unsigned" column can be created and holds
	// integers up to 18446744073709551615. Without it ColumnType must
	// refuse the type and CheckColumn must refuse such integers
	// (RuleIntRange).
	UnsignedBigint bool
	// NegativeZero: -0.0 keeps its sign in double and real columns.
	// Without it the dialect refuses -0.0 (RuleNegativeZero).
	NegativeZero bool
	// Subnormals: floats below the smallest normal number are kept.
	// Without it the dialect refuses them (RuleSubnormal).
	Subnormals bool
	// EndOfDay: a time column holds 24:00:00. Without it the dialect
	// refuses it (RuleTimeRange).
	EndOfDay bool
	// JSONScalars: a json column holds a top-level scalar ("x", 1, null).
	// Without it the dialect refuses one (RuleInvalidJSON).
	JSONScalars bool
	// FractionalDigits is the most fractional-second digits the
	// dialect's datetime, timestamptz and time columns keep (6 or 7):
	// ColumnType must refuse more.
	FractionalDigits int
	// PaddedKeys: the dialect compares text keys with trailing spaces
	// padded (SQL Server, whatever the collation), so "a" and "a " are
	// one key. Without it they are two keys, read back exactly; with it
	// the server must refuse the second (there is no value to refuse
	// before sending: either key alone is fine).
	PaddedKeys bool
}

// Outcome is what a dialect does with an edge value: keep it exactly
// (Rule ""), or refuse it with Rule. NoColumn says the dialect refuses
// the column type itself (ColumnType fails), so a receiving schema that
// declares it cannot be created there; Rule is then what CheckColumn says
// of the value, if anything.
type Outcome struct {
	Rule     connectors.Rule
	NoColumn bool
}

// String gives "exact", the rule, or either with "no column type".
func (o Outcome) String() string {
	s := string(o.Rule)
	if s == "" {
		s = "exact"
	}
	if o.NoColumn {
		if o.Rule == "" {
			return "no column type"
		}
		return "no column type; " + s
	}
	return s
}

// Edge is one edge value in one column type. Every dialect must keep it
// exactly or refuse it with the named rule, as Want says.
type Edge struct {
	// Name is the subtest's name under Edges, unique.
	Name string
	// Type is the column type in the receiving-schema notation.
	Type  string
	Value connectors.Value
	// Reject is the rule every dialect refuses the value with; "" means
	// every dialect keeps it exactly.
	Reject connectors.Rule
	// By, when set, replaces Reject with a rule that depends on what the
	// dialect declares ("" for exact).
	By func(Capabilities) connectors.Rule
	// Show is how the documented type map prints the value, when the
	// value's own text would not do (too long, unprintable).
	Show string
}

// Want is the outcome a dialect with capabilities c must give.
func (e Edge) Want(c Capabilities) Outcome {
	o := Outcome{Rule: e.Reject}
	if e.By != nil {
		o.Rule = e.By(c)
	}
	typ, err := connectors.ParseType(e.Type)
	if err != nil {
		return o
	}
	switch typ.Kind {
	case connectors.KindInt:
		if typ.Unsigned && typ.Bits == 64 && !c.UnsignedBigint {
			o.NoColumn = true
			if _, big := e.Value.(uint64); big {
				o.Rule = connectors.RuleIntRange
			}
		}
	case connectors.KindDateTime, connectors.KindTimestamp, connectors.KindTime:
		if typ.Precision > c.FractionalDigits {
			o.NoColumn = true
		}
	}
	return o
}

// Observe is what dialect d says it does with an edge value, without a
// server: whether ColumnType refuses the type, and what CheckColumn says
// of the value. The suite requires it to equal Want (and the server to
// agree); the documented type map prints it.
func Observe(d connectors.Dialect, e Edge) (Outcome, error) {
	typ, err := connectors.ParseType(e.Type)
	if err != nil {
		return Outcome{}, err
	}
	var o Outcome
	if _, err := d.ColumnType(typ); err != nil {
		o.NoColumn = true
	}
	col := connectors.Column{Name: "c", Type: typ, Nullable: true}
	if err := connectors.CheckColumn(d, &col, e.Value); err != nil {
		var fe *connectors.FitError
		if !errors.As(err, &fe) {
			return o, err
		}
		o.Rule = fe.Rule
	}
	return o, nil
}

// CheckCapabilities fails t for every edge value where dialect d, by its
// ColumnType and CheckColumn alone, does not do what caps declares. It
// needs no server, so a dialect's declaration is held to its code even
// where no server runs (SQL Server here); Run checks the server too.
func CheckCapabilities(t *testing.T, d connectors.Dialect, caps Capabilities) {
	t.Helper()
	for _, e := range Edges() {
		got, err := Observe(d, e)
		if err != nil {
			t.Errorf("%s: %v", e.Name, err)
			continue
		}
		if want := e.Want(caps); got != want {
			t.Errorf("Edges/%s: %s says %s of %s in %s, its declared capabilities %s", e.Name, d.Name(), got, Describe(e.Value), e.Type, want)
		}
	}
	checkColumnChecks(t, d)
}

// checkColumnChecks holds a ColumnValueChecker to its word: in a column
// it says needs no CheckValue after Fit, every edge value Fit accepts
// (each tried in every edge's column type, NULL included) passes
// CheckValue.
func checkColumnChecks(t *testing.T, d connectors.Dialect) {
	t.Helper()
	cc, ok := d.(connectors.ColumnValueChecker)
	if !ok {
		return
	}
	edges := Edges()
	for _, ce := range edges {
		typ, err := connectors.ParseType(ce.Type)
		if err != nil {
			continue
		}
		col := connectors.Column{Name: "c", Type: typ, Nullable: true}
		if cc.ChecksColumn(&col) {
			continue
		}
		for _, ve := range append(edges, Edge{Name: "null"}) {
			if col.Fit(ve.Value) != nil {
				continue
			}
			if err := cc.CheckValue(&col, ve.Value); err != nil {
				t.Errorf("%s says a %s column needs no value check after Fit, but refuses %s (edge %s), which Fit accepts: %v", d.Name(), ce.Type, Describe(ve.Value), ve.Name, err)
			}
		}
	}
}

func negativeZero(c Capabilities) connectors.Rule {
	if c.NegativeZero {
		return ""
	}
	return connectors.RuleNegativeZero
}

func subnormals(c Capabilities) connectors.Rule {
	if c.Subnormals {
		return ""
	}
	return connectors.RuleSubnormal
}

func endOfDay(c Capabilities) connectors.Rule {
	if c.EndOfDay {
		return ""
	}
	return connectors.RuleTimeRange
}

func jsonScalars(c Capabilities) connectors.Rule {
	if c.JSONScalars {
		return ""
	}
	return connectors.RuleInvalidJSON
}

// Edges is every edge value of the issue "exact values across dialects",
// each in the receiving-schema type that meets it. Every type of
// TargetTypes appears in at least one.
func Edges() []Edge {
	date := func(y int, m time.Month, d int) connectors.Date { return connectors.Date{Year: y, Month: m, Day: d} }
	ldt := func(y int, m time.Month, d, h, mi, s, ns int) connectors.LocalDateTime {
		return connectors.LocalDateTime{Date: date(y, m, d), Hour: h, Minute: mi, Second: s, Nanosecond: ns}
	}
	utc := func(y int, m time.Month, d, h, mi, s, ns int) time.Time {
		return time.Date(y, m, d, h, mi, s, ns, time.UTC)
	}
	dur := func(h, m, s, ns int) connectors.Duration {
		return connectors.Duration(time.Duration(h)*time.Hour + time.Duration(m)*time.Minute + time.Duration(s)*time.Second + time.Duration(ns))
	}
	uuid := func(s string) connectors.UUID {
		u, err := connectors.ParseUUID(s)
		if err != nil {
			panic(err) // a typo in this table, caught by every test run
		}
		return u
	}
	every := make([]byte, 256)
	for i := range every {
		every[i] = byte(i)
	}
	negZero := math.Copysign(0, -1)
	const (
		intRange   = connectors.RuleIntRange
		wrongKind  = connectors.RuleWrongKind
		precision  = connectors.RulePrecision
		notFinite  = connectors.RuleNotFinite
		badDecimal = connectors.RuleBadDecimal
	)
	return []Edge{
		// Integers: every width, signed and unsigned, at both ends.
		{Name: "tinyint_min", Type: "tinyint", Value: int64(math.MinInt8)},
		{Name: "tinyint_max", Type: "tinyint", Value: int64(math.MaxInt8)},
		{Name: "tinyint_over", Type: "tinyint", Value: int64(math.MaxInt8 + 1), Reject: intRange},
		{Name: "tinyint_unsigned_min", Type: "tinyint unsigned", Value: int64(0)},
		{Name: "tinyint_unsigned_max", Type: "tinyint unsigned", Value: int64(math.MaxUint8)},
		{Name: "tinyint_unsigned_negative", Type: "tinyint unsigned", Value: int64(-1), Reject: intRange},
		{Name: "smallint_min", Type: "smallint", Value: int64(math.MinInt16)},
		{Name: "smallint_max", Type: "smallint", Value: int64(math.MaxInt16)},
		{Name: "smallint_unsigned_max", Type: "smallint unsigned", Value: int64(math.MaxUint16)},
		{Name: "smallint_unsigned_over", Type: "smallint unsigned", Value: int64(math.MaxUint16 + 1), Reject: intRange},
		{Name: "mediumint_min", Type: "mediumint", Value: int64(-1 << 23)},
		{Name: "mediumint_max", Type: "mediumint", Value: int64(1<<23 - 1)},
		{Name: "mediumint_unsigned_max", Type: "mediumint unsigned", Value: int64(1<<24 - 1)},
		{Name: "integer_min", Type: "integer", Value: int64(math.MinInt32)},
		{Name: "integer_max", Type: "integer", Value: int64(math.MaxInt32)},
		{Name: "integer_unsigned_max", Type: "integer unsigned", Value: int64(math.MaxUint32)},
		{Name: "bigint_min", Type: "bigint", Value: int64(math.MinInt64)},
		{Name: "bigint_max", Type: "bigint", Value: int64(math.MaxInt64)},
		{Name: "bigint_above_int64", Type: "bigint", Value: uint64(1 << 63), Reject: intRange},
		{Name: "bigint_unsigned_int64_max", Type: "bigint unsigned", Value: int64(math.MaxInt64)},
		{Name: "bigint_unsigned_above_int64", Type: "bigint unsigned", Value: uint64(1 << 63)},
		{Name: "bigint_unsigned_max", Type: "bigint unsigned", Value: uint64(math.MaxUint64)},
		{Name: "integer_given_text", Type: "integer", Value: "1", Reject: wrongKind},

		// Floats: shortest text round trips, the extremes, -0.0, NaN, ±Inf.
		{Name: "double_max", Type: "double", Value: math.MaxFloat64},
		{Name: "double_lowest", Type: "double", Value: -math.MaxFloat64},
		{Name: "double_smallest_normal", Type: "double", Value: 0x1p-1022},
		{Name: "double_subnormal", Type: "double", Value: math.SmallestNonzeroFloat64, By: subnormals},
		{Name: "double_point_one", Type: "double", Value: 0.1},
		{Name: "double_point_three", Type: "double", Value: 0.30000000000000004},
		{Name: "double_negative_zero", Type: "double", Value: negZero, By: negativeZero},
		{Name: "double_nan", Type: "double", Value: math.NaN(), Reject: notFinite},
		{Name: "double_infinity", Type: "double", Value: math.Inf(1), Reject: notFinite},
		{Name: "double_minus_infinity", Type: "double", Value: math.Inf(-1), Reject: notFinite},
		{Name: "real_float32_point_one", Type: "real", Value: float64(float32(0.1)), Show: "float32(0.1) = 0.10000000149011612"},
		{Name: "real_max", Type: "real", Value: float64(math.MaxFloat32)},
		{Name: "real_subnormal", Type: "real", Value: float64(float32(math.SmallestNonzeroFloat32)), By: subnormals},
		{Name: "real_negative_zero", Type: "real", Value: negZero, By: negativeZero},
		{Name: "real_given_double_point_one", Type: "real", Value: 0.1, Reject: precision},

		// Decimals: 38 digits in every place, and what is not a decimal.
		{Name: "decimal_38_max", Type: "decimal(38,0)", Value: connectors.Decimal(strings.Repeat("9", 38))},
		{Name: "decimal_38_min", Type: "decimal(38,0)", Value: connectors.Decimal("-" + strings.Repeat("9", 38))},
		{Name: "decimal_38_39_digits", Type: "decimal(38,0)", Value: connectors.Decimal("1" + strings.Repeat("0", 38)), Reject: precision},
		{Name: "decimal_38_38_max", Type: "decimal(38,38)", Value: connectors.Decimal("0." + strings.Repeat("9", 38))},
		{Name: "decimal_38_38_tiny", Type: "decimal(38,38)", Value: connectors.Decimal("-0." + strings.Repeat("0", 37) + "1")},
		{Name: "decimal_38_10_zero", Type: "decimal(38,10)", Value: connectors.Decimal("0.0000000000")},
		{Name: "decimal_38_10_both_ends", Type: "decimal(38,10)", Value: connectors.Decimal("-1234567890123456789012345678.1234567890")},
		{Name: "decimal_38_10_eleven_decimals", Type: "decimal(38,10)", Value: connectors.Decimal("0.00000000001"), Reject: precision},
		{Name: "decimal_given_nan", Type: "decimal(38,10)", Value: math.NaN(), Reject: notFinite},
		{Name: "decimal_exponent", Type: "decimal(38,10)", Value: connectors.Decimal("1e5"), Reject: badDecimal},

		{Name: "boolean_true", Type: "boolean", Value: true},
		{Name: "boolean_false", Type: "boolean", Value: false},
		{Name: "boolean_given_integer", Type: "boolean", Value: int64(2), Reject: wrongKind},

		// Text: empty is not NULL; 4-byte UTF-8; nothing normalised.
		{Name: "text_empty", Type: "text", Value: ""},
		{Name: "text_4byte_utf8", Type: "text", Value: "😀 𝄞 𠜎"},
		{Name: "text_decomposed", Type: "text", Value: "A\u030angstro\u0308m", Show: `"A\u030angstro\u0308m" (NFD, kept unnormalised)`},
		{Name: "text_trailing_spaces", Type: "text", Value: "a  "},
		{Name: "text_controls", Type: "text", Value: "\t\r\n\x01\x1f\x7f"},
		{Name: "text_long", Type: "text", Value: strings.Repeat("å", 70000), Show: `"å" × 70000 (140000 bytes)`},
		{Name: "text_nul_byte", Type: "text", Value: "a\x00b", Reject: connectors.RuleNULByte},
		{Name: "text_invalid_utf8", Type: "text", Value: "a\xffb", Reject: connectors.RuleInvalidUTF8},
		{Name: "varchar_4_emoji", Type: "varchar(4)", Value: "😀😀😀😀"},
		{Name: "varchar_4_over", Type: "varchar(4)", Value: "abcde", Reject: connectors.RuleTextLength},
		{Name: "varchar_16384", Type: "varchar(16384)", Value: strings.Repeat("😀", 16384), Show: `"😀" × 16384`},

		// Bytes: empty is not NULL; every byte value.
		{Name: "bytes_empty", Type: "bytes", Value: []byte{}},
		{Name: "bytes_every_byte", Type: "bytes", Value: every, Show: `0x00 … 0xff, each once`},
		{Name: "varbinary_3", Type: "varbinary(3)", Value: []byte{0, 0xff, '\''}},
		{Name: "varbinary_3_over", Type: "varbinary(3)", Value: []byte{1, 2, 3, 4}, Reject: connectors.RuleBytesLength},

		// Dates: the calendar's ends, a leap day, and what no calendar has.
		{Name: "date_leap_day", Type: "date", Value: date(2024, 2, 29)},
		{Name: "date_min", Type: "date", Value: date(1, 1, 1)},
		{Name: "date_max", Type: "date", Value: date(9999, 12, 31)},
		{Name: "date_1900_02_28", Type: "date", Value: date(1900, 2, 28)},
		{Name: "date_zero", Type: "date", Value: connectors.InvalidDate{Raw: "0000-00-00"}, Reject: connectors.RuleInvalidDate},
		{Name: "date_zero_day", Type: "date", Value: connectors.InvalidDate{Raw: "2024-05-00"}, Reject: connectors.RuleInvalidDate},
		{Name: "date_not_in_calendar", Type: "date", Value: date(2023, 2, 29), Reject: connectors.RuleInvalidDate},

		// Wall clocks: Stockholm's DST gap and overlap stay as written.
		{Name: "datetime_dst_gap", Type: "datetime(6)", Value: ldt(2024, 3, 31, 2, 30, 0, 0)},
		{Name: "datetime_dst_overlap", Type: "datetime(6)", Value: ldt(2023, 10, 29, 2, 30, 0, 0)},
		{Name: "datetime_min", Type: "datetime(6)", Value: ldt(1, 1, 1, 0, 0, 0, 0)},
		{Name: "datetime_max", Type: "datetime(6)", Value: ldt(9999, 12, 31, 23, 59, 59, 999999000)},
		{Name: "datetime_microsecond", Type: "datetime(6)", Value: ldt(2024, 1, 1, 0, 0, 0, 1000)},
		{Name: "datetime_leap_day", Type: "datetime(6)", Value: ldt(2024, 2, 29, 23, 59, 59, 0)},
		{Name: "datetime_zero", Type: "datetime(6)", Value: connectors.InvalidDate{Raw: "0000-00-00 00:00:00"}, Reject: connectors.RuleInvalidDate},
		{Name: "datetime_nanosecond", Type: "datetime(6)", Value: ldt(2024, 1, 1, 0, 0, 0, 1), Reject: precision},
		{Name: "datetime_seconds", Type: "datetime", Value: ldt(2024, 6, 1, 12, 0, 0, 0)},
		{Name: "datetime_seconds_given_fraction", Type: "datetime", Value: ldt(2024, 6, 1, 12, 0, 0, 5e8), Reject: precision},
		{Name: "datetime_100ns", Type: "datetime(7)", Value: ldt(2024, 6, 1, 12, 0, 0, 100)},

		// Instants: in UTC, at the ends and around the epoch and 2038.
		{Name: "timestamptz_min", Type: "timestamptz(6)", Value: utc(1, 1, 1, 0, 0, 0, 0)},
		{Name: "timestamptz_max", Type: "timestamptz(6)", Value: utc(9999, 12, 31, 23, 59, 59, 999999000)},
		{Name: "timestamptz_before_epoch", Type: "timestamptz(6)", Value: utc(1969, 12, 31, 23, 59, 59, 999999000)},
		{Name: "timestamptz_after_2038", Type: "timestamptz(6)", Value: utc(2038, 1, 19, 3, 14, 8, 0)},
		{Name: "timestamptz_in_dst_gap", Type: "timestamptz(6)", Value: utc(2024, 3, 31, 1, 30, 0, 0)},
		{Name: "timestamptz_zero", Type: "timestamptz(6)", Value: connectors.InvalidDate{Raw: "0000-00-00 00:00:00"}, Reject: connectors.RuleInvalidDate},
		{Name: "timestamptz_infinity", Type: "timestamptz(6)", Value: connectors.InvalidDate{Raw: "infinity"}, Reject: connectors.RuleInvalidDate},
		{Name: "timestamptz_not_utc", Type: "timestamptz(6)", Value: time.Date(2024, 6, 1, 12, 0, 0, 0, time.FixedZone("+02:00", 2*3600)), Reject: connectors.RuleTimestampUTC},
		{Name: "timestamptz_seconds", Type: "timestamptz", Value: utc(2024, 6, 1, 12, 0, 0, 0)},
		{Name: "timestamptz_100ns", Type: "timestamptz(7)", Value: utc(2024, 6, 1, 12, 0, 0, 100)},

		// Times of day: a MySQL TIME duration beyond them is refused.
		{Name: "time_midnight", Type: "time(6)", Value: dur(0, 0, 0, 0)},
		{Name: "time_last_microsecond", Type: "time(6)", Value: dur(23, 59, 59, 999999000)},
		{Name: "time_end_of_day", Type: "time(6)", Value: dur(24, 0, 0, 0), By: endOfDay},
		{Name: "time_mysql_max", Type: "time(6)", Value: dur(838, 59, 59, 0), Reject: connectors.RuleTimeRange},
		{Name: "time_negative", Type: "time(6)", Value: -dur(0, 0, 0, 1000), Reject: connectors.RuleTimeRange},
		{Name: "time_seconds", Type: "time", Value: dur(12, 0, 0, 0)},
		{Name: "time_100ns", Type: "time(7)", Value: dur(12, 0, 0, 100)},

		{Name: "uuid_nil", Type: "uuid", Value: connectors.UUID{}},
		{Name: "uuid_ncs_variant", Type: "uuid", Value: uuid("12345678-9abc-def0-0102-030405060708")},
		{Name: "uuid_max", Type: "uuid", Value: uuid("ffffffff-ffff-ffff-ffff-ffffffffffff")},

		// JSON: kept byte for byte, spacing and key order included.
		{Name: "json_spacing_and_order", Type: "json", Value: connectors.JSON(`{"b": 1,  "a": [1, "ö"]}`)},
		{Name: "json_empty_array", Type: "json", Value: connectors.JSON(`[]`)},
		{Name: "json_escaped_nul", Type: "json", Value: connectors.JSON(`{"a":"\u0000"}`)},
		{Name: "json_scalar", Type: "json", Value: connectors.JSON(`"x"`), By: jsonScalars},
		{Name: "json_null", Type: "json", Value: connectors.JSON(`null`), By: jsonScalars},
		{Name: "json_broken", Type: "json", Value: connectors.JSON(`{"a":`), Reject: connectors.RuleInvalidJSON},
	}
}

// TargetTypes is every receiving-schema type the documented type map
// shows in its writing direction: every kind, every integer width signed
// and unsigned, and the sizes where dialects choose different columns.
// Each is the Type of at least one Edge (TestEdgesCoverTargetTypes).
func TargetTypes() []string {
	return []string{
		"tinyint", "tinyint unsigned", "smallint", "smallint unsigned", "mediumint", "mediumint unsigned",
		"integer", "integer unsigned", "bigint", "bigint unsigned",
		"real", "double", "decimal(38,0)", "decimal(38,10)", "decimal(38,38)", "boolean",
		"text", "varchar(4)", "varchar(16384)", "bytes", "varbinary(3)",
		"date", "datetime", "datetime(6)", "datetime(7)",
		"timestamptz", "timestamptz(6)", "timestamptz(7)", "time", "time(6)", "time(7)",
		"uuid", "json",
	}
}

// columnName gives the edges table's column for a type: "c_decimal_38_10".
func columnName(typ string) string {
	var b strings.Builder
	b.WriteString("c_")
	under := false
	for _, r := range strings.ToLower(typ) {
		if (r >= 'a' && r <= 'z') || (r >= '0' && r <= '9') {
			b.WriteRune(r)
			under = false
		} else if !under {
			b.WriteByte('_')
			under = true
		}
	}
	return strings.TrimSuffix(b.String(), "_")
}

// testEdges writes every edge value a dialect keeps into a table with a
// column per type (one value per row, NULL elsewhere), reads them back,
// and tries every value it refuses, each in a batch of its own.
func testEdges(t *testing.T, tgt connectors.Target, caps Capabilities) {
	ctx := context.Background()
	d := tgt.Dialect()
	edges := Edges()
	tbl := &connectors.Table{Name: "edge_values", PrimaryKey: []string{"id"},
		Columns: []connectors.Column{{Name: "id", Type: connectors.Type{Kind: connectors.KindInt, Bits: 32}}}}
	// The dialect's code first: then whether the server agrees.
	CheckCapabilities(t, d, caps)
	colOf := map[string]int{} // type -> column index
	for _, e := range edges {
		want := e.Want(caps)
		if _, ok := colOf[e.Type]; ok || want.NoColumn {
			continue
		}
		typ, _ := connectors.ParseType(e.Type)
		colOf[e.Type] = len(tbl.Columns)
		// SourceType as a receiving schema sets it (mappings.LoadSchema):
		// the notation, which a connector must not take for its own
		// type names ("uuid" is also MariaDB's).
		tbl.Columns = append(tbl.Columns, connectors.Column{Name: columnName(e.Type), Type: typ, SourceType: e.Type, Nullable: true})
	}
	if err := tgt.Create(ctx, []connectors.Table{*tbl}); err != nil {
		t.Fatalf("create: %v", err)
	}
	nulls := func(id int) []connectors.Value {
		row := make([]connectors.Value, len(tbl.Columns))
		row[0] = int64(id)
		return row
	}
	// Row 0 is all NULL; row i+1 holds edge i when the dialect keeps it.
	rows := [][]connectors.Value{nulls(0)}
	for i, e := range edges {
		if w := e.Want(caps); w.Rule == "" && !w.NoColumn {
			row := nulls(i + 1)
			row[colOf[e.Type]] = e.Value
			rows = append(rows, row)
		}
	}
	write(t, tgt, tbl, rows)
	// Every column reads back as its kind: a target is verified through
	// the catalogue of what it wrote.
	snap, err := tgt.Snapshot(ctx)
	if err != nil {
		t.Fatalf("snapshot: %v", err)
	}
	cat := findTable(t, snap, tbl.Name)
	snap.Close()
	for j, c := range tbl.Columns {
		if j >= len(cat.Columns) || cat.Columns[j].Name != c.Name || cat.Columns[j].Type.Kind != c.Type.Kind {
			t.Errorf("column %s %v is not in the catalogue as the same kind: %+v", c.Name, c.Type, cat.Columns)
		}
	}
	got := map[int64][]connectors.Value{}
	for _, r := range ReadAll(t, tgt, tbl.Name, connectors.ScanOptions{BatchSize: 17}) {
		id, _ := r[0].(int64)
		got[id] = r
	}
	if len(got) != len(rows) {
		t.Errorf("read %d rows, wrote %d", len(got), len(rows))
	}
	checkRow := func(t *testing.T, want []connectors.Value) {
		t.Helper()
		g, ok := got[want[0].(int64)]
		if !ok {
			t.Fatalf("row %v not read back", want[0])
		}
		for j := range want {
			if !Equal(g[j], want[j]) {
				t.Errorf("column %s (%v): read %s, wrote %s", tbl.Columns[j].Name, tbl.Columns[j].Type, Describe(g[j]), Describe(want[j]))
			}
		}
	}
	t.Run("null", func(t *testing.T) { checkRow(t, rows[0]) })
	// The rows of an edge the dialect refuses: ids far from the others.
	next := 100000
	for i, e := range edges {
		want := e.Want(caps)
		t.Run(e.Name, func(t *testing.T) {
			switch {
			case want.NoColumn:
				typ, _ := connectors.ParseType(e.Type)
				if _, err := d.ColumnType(typ); err == nil {
					t.Fatalf("ColumnType(%s) succeeded; the declared capabilities say %s has no column type for it", e.Type, d.Name())
				}
			case want.Rule == "":
				row := nulls(i + 1)
				row[colOf[e.Type]] = e.Value
				checkRow(t, row)
			default:
				good, bad := nulls(next), nulls(next+1)
				next += 2
				bad[colOf[e.Type]] = e.Value
				tx, err := tgt.Begin(ctx)
				if err != nil {
					t.Fatalf("begin: %v", err)
				}
				_, err = tx.Write(ctx, tbl, [][]connectors.Value{good, bad})
				tx.Rollback()
				var fe *connectors.FitError
				if !errors.As(err, &fe) || fe.Rule != want.Rule {
					t.Fatalf("write %s in %s: got %v, want a FitError with rule %s", Describe(e.Value), e.Type, err, want.Rule)
				}
				if !strings.Contains(err.Error(), "column "+columnName(e.Type)) {
					t.Errorf("the error does not name the column: %v", err)
				}
			}
		})
	}
	if n := count(t, tgt, tbl.Name); n != int64(len(rows)) {
		t.Errorf("%d rows after the refused batches, want the %d written before", n, len(rows))
	}
}

// TextKeys are the primary-key values of TestConformance/TextKeys: keys
// that a padding collation, a case-insensitive one or a trimming driver
// would merge or reorder.
func TextKeys() []string { return []string{"a", "a ", "a  ", "A", " a", "", "b", "å", "a\t"} }

// testTextKeys writes text keys that a padding collation, a
// case-insensitive one or a trimming driver would merge or reorder, and
// reads them back through keyset batches of every small size.
func testTextKeys(t *testing.T, tgt connectors.Target, caps Capabilities) {
	ctx := context.Background()
	tbl := &connectors.Table{Name: "text_key", PrimaryKey: []string{"k"}, Columns: []connectors.Column{
		{Name: "k", Type: connectors.Type{Kind: connectors.KindText, Length: 10}},
		{Name: "n", Type: connectors.Type{Kind: connectors.KindInt, Bits: 32}, Nullable: true},
	}}
	if err := tgt.Create(ctx, []connectors.Table{*tbl}); err != nil {
		t.Fatalf("create: %v", err)
	}
	// The runner holds keys to each other as the dialect says it compares
	// them (connectors.TrailingSpaceBlind): the declaration must be the
	// server's behaviour this test pins.
	blind, _ := tgt.Dialect().(connectors.TrailingSpaceBlind)
	if said := blind != nil && blind.KeysIgnoreTrailingSpaces(); said != caps.PaddedKeys {
		t.Fatalf("the dialect says its keys ignore trailing spaces: %v; the connector's capabilities say %v", said, caps.PaddedKeys)
	}
	keys := TextKeys()
	rows := make([][]connectors.Value, len(keys))
	for i, k := range keys {
		rows[i] = []connectors.Value{k, int64(i)}
	}
	if caps.PaddedKeys {
		tx, err := tgt.Begin(ctx)
		if err != nil {
			t.Fatalf("begin: %v", err)
		}
		_, err = tx.Write(ctx, tbl, rows[:2])
		tx.Rollback()
		if err == nil {
			t.Fatal(`"a" and "a " were written as two keys, but the dialect declares PaddedKeys`)
		}
		return
	}
	write(t, tgt, tbl, rows)
	for _, size := range []int{1, 2, 3, 100} {
		got := ReadAll(t, tgt, tbl.Name, connectors.ScanOptions{BatchSize: size})
		seen := map[string]bool{}
		for _, r := range got {
			k, ok := r[0].(string)
			n, _ := r[1].(int64)
			if !ok || n < 0 || int(n) >= len(keys) || keys[n] != k {
				t.Fatalf("batch size %d: read key %s with n=%v", size, Describe(r[0]), r[1])
			}
			if seen[k] {
				t.Fatalf("batch size %d: key %q read twice", size, k)
			}
			seen[k] = true
		}
		if len(got) != len(keys) {
			t.Fatalf("batch size %d: read %d keys, wrote %d", size, len(got), len(keys))
		}
	}
}

// SubtestNames lists the names of the subtests Run runs, as a TypeMap
// row's Case may name them after the test that calls Run
// ("TestConformance/Edges/double_negative_zero").
func SubtestNames() []string {
	names := []string{"RoundTrip", "Catalogue", "KeysetCompositeKey", "StreamedScanBesideKeyset", "RollbackKeepsNothing",
		"SnapshotIsConsistent", "RejectsWhatDoesNotFit", "Edges", "Edges/null", "TextKeys"}
	for _, e := range Edges() {
		names = append(names, "Edges/"+e.Name)
	}
	return names
}

// showValue prints an edge value for the documented type map.
func showValue(e Edge) string {
	if e.Show != "" {
		return e.Show
	}
	switch v := e.Value.(type) {
	case string:
		return strconv.Quote(v)
	case connectors.JSON:
		return string(v)
	case float64:
		if v == 0 && math.Signbit(v) {
			return "-0.0"
		}
		return strconv.FormatFloat(v, 'g', -1, 64)
	case uint64:
		return strconv.FormatUint(v, 10) + " (uint64)"
	case time.Time:
		return v.Format("2006-01-02T15:04:05.999999999Z07:00")
	case connectors.InvalidDate:
		return v.Raw + " (InvalidDate)"
	case connectors.Decimal:
		return string(v)
	case []byte:
		if len(v) == 0 {
			return "empty (not NULL)"
		}
		return fmt.Sprintf("0x%X", v)
	}
	s, _ := connectors.FormatValue(e.Value)
	return s
}
