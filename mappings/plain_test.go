package mappings

import (
	"fmt"
	"math"
	"reflect"
	"strings"
	"testing"

	"github.com/regflytt/regflytt/connectors"
)

// A column that copies its source value (plainCopy) skips the pipeline's
// other steps and only fits the value: the outcome of every record must be
// the one the whole pipeline gives. Each column of the 12-column identity
// table gets, in turn, its good value, NULL, a value its receiving type
// refuses and a value of another kind, record and value granularity
// alike; and a source type wider than the receiving one still archives
// the value that does not fit.
func TestPlainColumnsAsThePipeline(t *testing.T) {
	tp, rows := identity12(t, 1)
	good := rows[0]
	bad := []connectors.Value{
		uint64(1 << 63), int64(1 << 31), strings.Repeat("å", 65), "a\x00b",
		connectors.Decimal("12345678901.5"), math.NaN(), connectors.Date{Year: 2023, Month: 2, Day: 29},
		connectors.LocalDateTime{Date: connectors.Date{Year: 2024, Month: 1, Day: 2}, Nanosecond: 100},
		connectors.InvalidDate{Raw: "0000-00-00 00:00:00"}, int64(1), "K\xff", []byte(nil),
	}
	other := []connectors.Value{"1", 1.5, int64(1), []byte("x"), 1.25, connectors.Decimal("1"), "2024-01-01",
		connectors.Date{Year: 2024, Month: 1, Day: 1}, "x", "true", int64(7), "bytes"}
	plain := 0
	for i := range tp.cols {
		if tp.cols[i].plain {
			plain++
		}
	}
	if plain != len(tp.cols) {
		t.Fatalf("%d of %d identity columns plain", plain, len(tp.cols))
	}
	var records [][]connectors.Value
	records = append(records, good)
	for i := range good {
		for _, v := range []connectors.Value{nil, bad[i], other[i], connectors.Decimal("-0.00"), connectors.Decimal("007.10")} {
			r := append([]connectors.Value(nil), good...)
			r[i] = v
			records = append(records, r)
		}
	}
	archived := 0
	for _, granularity := range []bool{false, true} {
		tp.ValueGranularity = granularity
		for _, r := range records {
			fast := tp.Apply(r)
			for i := range tp.cols {
				tp.cols[i].plain = false
			}
			whole := tp.Apply(r)
			for i := range tp.cols {
				tp.cols[i].plain = true
			}
			// Printed, as a NaN equals no NaN.
			if fmt.Sprintf("%#v", fast) != fmt.Sprintf("%#v", whole) {
				t.Fatalf("record %v:\nplain    %+v\npipeline %+v", r, fast, whole)
			}
			if fast.Kind == Archived || len(fast.Values) > 0 {
				archived++
			}
		}
	}
	if archived < len(good) {
		t.Fatalf("only %d records archived or with values archived: the edge values do not reach Fit's rules", archived)
	}

	// bigint into smallint: plain, and 40000 still archived.
	dir := t.TempDir()
	s, ds := LoadSchema(writeFile(t, dir, "s.yaml", "platform: b\ntables:\n  - name: t\n    primary_key: [id]\n    columns:\n      - {name: id, type: bigint}\n      - {name: n, type: smallint}\n      - {name: d, type: \"decimal(4,1)\"}\n"))
	if ds.Err() != nil {
		t.Fatal(ds)
	}
	f, ds := ParseFile(writeFile(t, dir, "m.yaml", "tables:\n  - target: t\n    source: t\n    columns:\n      id: id\n      n: n\n      d: d\n"))
	if ds.Err() != nil {
		t.Fatal(ds)
	}
	prog, ds := Compile([]*File{f}, []connectors.Table{{Name: "t", PrimaryKey: []string{"id"}, Columns: []connectors.Column{
		col("id", "bigint", false), col("n", "bigint", true), col("d", "decimal(12,2)", true)}}}, s, &Env{})
	if ds.Err() != nil {
		t.Fatal(ds.Err())
	}
	narrow := prog.Tables[0]
	if !narrow.cols[1].plain || !narrow.cols[2].plain {
		t.Fatal("bigint into smallint, decimal(12,2) into decimal(4,1): not plain")
	}
	for _, c := range []struct {
		row    []connectors.Value
		reason string
		column string
	}{
		{[]connectors.Value{int64(1), int64(32767), connectors.Decimal("999.9")}, "", ""},
		{[]connectors.Value{int64(1), int64(40000), nil}, string(connectors.RuleIntRange), "n"},
		{[]connectors.Value{int64(1), nil, connectors.Decimal("1000.0")}, string(connectors.RulePrecision), "d"},
		{[]connectors.Value{int64(1), nil, connectors.Decimal("1.25")}, string(connectors.RulePrecision), "d"},
	} {
		o := narrow.Apply(c.row)
		if c.reason == "" {
			if o.Kind != Migrated || !reflect.DeepEqual(o.Row, c.row) {
				t.Fatalf("%v: %v %s %+v", c.row, o.Kind, o.Reason, o.Row)
			}
			continue
		}
		if o.Kind != Archived || o.Reason != c.reason || o.Column != c.column {
			t.Fatalf("%v: %v %s %s, want archived %s in %s", c.row, o.Kind, o.Reason, o.Column, c.reason, c.column)
		}
	}
}

// paddedIntDigits says what isPadded and Fit's count of integer digits
// say, for every text of up to six of the characters that matter.
func TestPaddedIntDigitsAsIsPadded(t *testing.T) {
	const alphabet = "-0.19x"
	var texts []string
	var grow func(s string)
	grow = func(s string) {
		texts = append(texts, s)
		if len(s) == 6 {
			return
		}
		for i := 0; i < len(alphabet); i++ {
			grow(s + alphabet[i:i+1])
		}
	}
	grow("")
	for _, s := range texts {
		d := connectors.Decimal(s)
		for scale := 0; scale <= 5; scale++ {
			n, ok := paddedIntDigits(d, scale)
			intDigits, _, _ := connectors.DecimalDigits(d)
			if ok != isPadded(d, scale) || ok && n != intDigits {
				t.Fatalf("paddedIntDigits(%q, %d) = %d %v; isPadded %v, %d integer digits", s, scale, n, ok, isPadded(d, scale), intDigits)
			}
		}
	}
}

// A column with a step besides the copy is not plain: its step acts.
func TestPlainOnlyWithoutSteps(t *testing.T) {
	for _, c := range []struct {
		name, column string
		langd        connectors.Value
		check        func(o Outcome) bool
	}{
		{"a default", "{from: langd, default: '170'}", nil, func(o Outcome) bool { return o.Kind == Migrated && o.Row[3] == int64(170) }},
		{"null_when", "{from: langd, null_when: ['0']}", int64(0), func(o Outcome) bool { return o.Kind == Migrated && o.Row[3] == nil && len(o.Nulled) == 1 }},
		{"a rule", "{from: langd, rules: {range: [1, 300]}}", int64(400), func(o Outcome) bool { return o.Kind == Archived && o.Reason == "rule_range" }},
	} {
		t.Run(c.name, func(t *testing.T) {
			prog, ds := compile(t, `tables:
  - target: visit
    source: besok
    columns:
      visit_id: id
      visit_date: {from: datum, cast: date}
      weight_kg: {from: vikt, cast: "decimal(5,1)"}
      height_cm: `+c.column+`
    drop: {personnr: not migrated}
`)
			if ds.Err() != nil {
				t.Fatal(ds.Err())
			}
			tp := prog.ForSource("besok")
			if !tp.cols[0].plain || tp.cols[3].plain {
				t.Fatalf("plain: visit_id %v, height_cm %v", tp.cols[0].plain, tp.cols[3].plain)
			}
			if o := tp.Apply([]connectors.Value{int64(1), "2024-02-29", "72.5", c.langd, nil}); !c.check(o) {
				t.Fatalf("%+v", o)
			}
		})
	}
}
