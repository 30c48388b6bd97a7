package mappings

import (
	"reflect"
	"testing"
	"time"

	"github.com/regflytt/regflytt/connectors"
)

const visitMapping = `tables:
  - target: visit
    source: besok
    columns:
      visit_id: id
      visit_date: {from: datum, cast: date}
      weight_kg: {from: vikt, cast: "decimal(5,1)"}
      height_cm: langd
    drop: {personnr: not migrated}
`

func visitProgram(t *testing.T) *TableProgram {
	t.Helper()
	prog, ds := compile(t, visitMapping)
	if err := ds.Err(); err != nil {
		t.Fatal(err)
	}
	return prog.ForSource("besok")
}

func TestApplyOutcomes(t *testing.T) {
	tp := visitProgram(t)
	date := connectors.Date{Year: 2024, Month: time.February, Day: 29}
	cases := []struct {
		name   string
		row    []connectors.Value
		kind   OutcomeKind
		reason string
		column string
		want   []connectors.Value
	}{
		{"migrated, decimal padded to scale", []connectors.Value{int64(1), "2024-02-29", "72", int64(180), "x"},
			Migrated, "", "", []connectors.Value{int64(1), date, connectors.Decimal("72.0"), int64(180)}},
		{"NULLs where allowed", []connectors.Value{int64(2), "2024-02-29", nil, nil, nil},
			Migrated, "", "", []connectors.Value{int64(2), date, nil, nil}},
		{"zero date", []connectors.Value{int64(3), "0000-00-00", "72.5", int64(180), nil},
			Archived, "invalid_date", "visit_date", nil},
		{"impossible date", []connectors.Value{int64(4), "2023-02-29", "72.5", int64(180), nil},
			Archived, "invalid_date", "visit_date", nil},
		{"required date missing", []connectors.Value{int64(5), nil, "72.5", int64(180), nil},
			Archived, "not_null", "visit_date", nil},
		{"decimal comma is not a plain decimal", []connectors.Value{int64(6), "2024-02-29", "72,5", int64(180), nil},
			Archived, "cast_decimal", "weight_kg", nil},
		{"too many decimals", []connectors.Value{int64(7), "2024-02-29", "72.55", int64(180), nil},
			Archived, "decimal_precision", "weight_kg", nil},
		{"smallint overflow", []connectors.Value{int64(8), "2024-02-29", "72.5", int64(40000), nil},
			Archived, "int_range", "height_cm", nil},
		{"text where an integer is stored (SQLite affinity)", []connectors.Value{int64(9), "2024-02-29", "72.5", "tall", nil},
			Archived, "wrong_kind", "height_cm", nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			o := tp.Apply(c.row)
			if o.Kind != c.kind || o.Reason != c.reason || o.Column != c.column {
				t.Fatalf("got %v %q column %q (%s), want %v %q column %q", o.Kind, o.Reason, o.Column, o.Detail, c.kind, c.reason, c.column)
			}
			if c.want != nil && !reflect.DeepEqual(o.Row, c.want) {
				t.Fatalf("row %#v, want %#v", o.Row, c.want)
			}
			if o.Kind == Archived && o.SourceColumn == "" {
				t.Fatal("archived outcome does not name the source column")
			}
		})
	}
}

// A mapping is a pure function: applying it twice to the same row gives
// the same outcome, byte for byte. Verification depends on it.
func TestApplyIsDeterministic(t *testing.T) {
	tp := visitProgram(t)
	rows := [][]connectors.Value{
		{int64(1), "2024-02-29", "72", int64(180), "x"},
		{int64(3), "0000-00-00", "72.5", int64(180), nil},
	}
	for _, row := range rows {
		a, b := tp.Apply(row), tp.Apply(row)
		if !reflect.DeepEqual(a, b) {
			t.Fatalf("two applications differ:\n%#v\n%#v", a, b)
		}
	}
}

func TestConvert(t *testing.T) {
	typ := func(s string) connectors.Type {
		ty, err := connectors.ParseType(s)
		if err != nil {
			t.Fatal(err)
		}
		return ty
	}
	ok := []struct {
		in   connectors.Value
		to   string
		want connectors.Value
	}{
		{"42", "bigint", int64(42)},
		{connectors.Decimal("42.000"), "bigint", int64(42)},
		{float64(3), "integer", int64(3)},
		{"-007.50", "decimal(5,2)", connectors.Decimal("-7.50")},
		{"-0.0", "decimal(5,2)", connectors.Decimal("0.0")},
		{int64(12), "decimal(5,2)", connectors.Decimal("12")},
		{"0.1", "double", 0.1},
		{"1", "boolean", true},
		{int64(0), "boolean", false},
		{connectors.LocalDateTime{Date: connectors.Date{Year: 2020, Month: 1, Day: 2}}, "date", connectors.Date{Year: 2020, Month: 1, Day: 2}},
		{"2020-01-02T03:04:05", "datetime", connectors.LocalDateTime{Date: connectors.Date{Year: 2020, Month: 1, Day: 2}, Hour: 3, Minute: 4, Second: 5}},
		{"2020-01-02T03:04:05+01:00", "timestamptz", time.Date(2020, 1, 2, 2, 4, 5, 0, time.UTC)},
		{"838:59:59", "time", connectors.Duration(838*time.Hour + 59*time.Minute + 59*time.Second)},
		{int64(5), "text", "5"},
		{"{\"a\":1}", "json", connectors.JSON(`{"a":1}`)},
		{nil, "date", nil},
	}
	for _, c := range ok {
		got, err := convert(c.in, typ(c.to))
		if err != nil || !reflect.DeepEqual(got, c.want) {
			t.Errorf("convert(%#v, %s) = %#v, %v; want %#v", c.in, c.to, got, err, c.want)
		}
	}
	bad := []struct {
		in connectors.Value
		to string
	}{
		{"4 2", "bigint"},
		{connectors.Decimal("42.5"), "bigint"},
		{float64(0.5), "integer"},
		{"1e3", "decimal(5,2)"},
		{"0.1000000000000000055511151231257827", "double"},
		{int64(2), "boolean"},
		{"yes", "boolean"},
		{connectors.LocalDateTime{Date: connectors.Date{Year: 2020, Month: 1, Day: 2}, Hour: 1}, "date"},
		{"2020-01-02 03:04:05", "timestamptz"},
		{connectors.InvalidDate{Raw: "0000-00-00"}, "date"},
		{"{", "json"},
		{[]byte{0xff}, "text"},
	}
	for _, c := range bad {
		if got, err := convert(c.in, typ(c.to)); err == nil {
			t.Errorf("convert(%#v, %s) = %#v, want an error", c.in, c.to, got)
		}
	}
}

func TestPadScale(t *testing.T) {
	cases := map[string]string{"72": "72.0", "72.5": "72.5", "-0": "0.0", "007.1": "7.1", "": ""}
	for in, want := range cases {
		if got := padScale(connectors.Decimal(in), 1); string(got) != want {
			t.Errorf("padScale(%q, 1) = %q, want %q", in, got, want)
		}
	}
}

// TestIsPadded: isPadded lets a decimal skip padScale only where padScale
// would give it back unchanged; every other input still goes through it.
func TestIsPadded(t *testing.T) {
	cases := []struct {
		in    string
		scale int
		want  bool
	}{
		{"12.50", 2, true}, {"-12.50", 2, true}, {"0.00", 2, true}, {"-0.01", 2, true}, {"0", 0, true},
		{"-7", 0, true}, {"99999999.99", 2, true},
		{"-0.00", 2, false}, {"-0", 0, false}, // negative zero
		{"012.50", 2, false}, {"00.50", 2, false}, // leading zeros
		{"12.5", 2, false}, {"12", 2, false}, {"12.500", 2, false}, {"12.", 0, false}, {"12.0", 0, false},
		{"", 0, false}, {"-", 0, false}, {".50", 2, false}, {"1e5", 0, false}, {"1x.00", 2, false}, {"1.0x", 2, false},
		{"+1.00", 2, false}, {" 1.00", 2, false},
	}
	for _, c := range cases {
		d := connectors.Decimal(c.in)
		if got := isPadded(d, c.scale); got != c.want {
			t.Errorf("isPadded(%q, %d) = %v, want %v", c.in, c.scale, got, c.want)
		}
		if c.want {
			if p := padScale(d, c.scale); p != d {
				t.Errorf("isPadded(%q, %d) but padScale gives %q", c.in, c.scale, p)
			}
		}
	}
	// Exhaustively over short inputs: padded means padScale keeps it.
	alphabet := "-0.19"
	var gen func(prefix string, n int)
	gen = func(prefix string, n int) {
		for scale := 0; scale <= 2; scale++ {
			d := connectors.Decimal(prefix)
			if isPadded(d, scale) && padScale(d, scale) != d {
				t.Errorf("isPadded(%q, %d) but padScale gives %q", prefix, scale, padScale(d, scale))
			}
		}
		if n == 0 {
			return
		}
		for i := 0; i < len(alphabet); i++ {
			gen(prefix+alphabet[i:i+1], n-1)
		}
	}
	gen("", 6)
}
