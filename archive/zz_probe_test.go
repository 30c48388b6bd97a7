package archive

import (
	"math"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/regflytt/regflytt/connectors"
)

func TestZZProbe(t *testing.T) {
	type probe struct {
		name  string
		typ   connectors.Type
		value connectors.Value
	}
	txt := connectors.Type{Kind: connectors.KindText}
	dec := connectors.Type{Kind: connectors.KindDecimal, Precision: 38, Scale: 2}
	date := connectors.Type{Kind: connectors.KindDate}
	dt := connectors.Type{Kind: connectors.KindDateTime, Precision: 6}
	ts := connectors.Type{Kind: connectors.KindTimestamp, Precision: 6}
	tm := connectors.Type{Kind: connectors.KindTime, Precision: 6}
	js := connectors.Type{Kind: connectors.KindJSON}
	fl := connectors.Type{Kind: connectors.KindFloat, Bits: 64}
	probes := []probe{
		{"crlf", txt, "a\r\nb\rc"},
		{"nel", txt, "a\u0085b\u2028c"},
		{"bom", txt, "\uFEFFabc"},
		{"fffe", txt, "\uFFFE\uFFFF"},
		{"fffd", txt, "\uFFFD"},
		{"cdata", txt, "]]>"},
		{"ws", txt, "   "},
		{"tabs", txt, "\t\n\t"},
		{"nul", txt, "a\x00b"},
		{"del", txt, "\x7f\u0080\u009f"},
		{"quote", txt, `"'&amp;`},
		{"big", txt, strings.Repeat("x\r", 300000)},
		{"surrogateish", txt, "\xed\xa0\x80"},
		{"dec_negzero", dec, connectors.Decimal("-0")},
		{"dec_negzero2", dec, connectors.Decimal("-0.00")},
		{"dec_plus", dec, connectors.Decimal("+1.50")},
		{"dec_lead0", dec, connectors.Decimal("007.10")},
		{"dec_dot", dec, connectors.Decimal(".5")},
		{"dec_dot2", dec, connectors.Decimal("5.")},
		{"dec_long", dec, connectors.Decimal(strings.Repeat("9", 200) + "." + strings.Repeat("1", 200))},
		{"dec_exp", dec, connectors.Decimal("1E5")},
		{"dec_space", dec, connectors.Decimal(" 1")},
		{"dec_comma", dec, connectors.Decimal("1,5")},
		{"float_negzero", fl, math.Copysign(0, -1)},
		{"float_nan", fl, math.NaN()},
		{"float_big", fl, 1e308},
		{"date_y0", date, connectors.Date{Year: 0, Month: 1, Day: 1}},
		{"date_yneg", date, connectors.Date{Year: -44, Month: 3, Day: 15}},
		{"date_y10000", date, connectors.Date{Year: 10000, Month: 1, Day: 1}},
		{"date_1899", date, connectors.Date{Year: 1899, Month: 12, Day: 31}},
		{"date_1582", date, connectors.Date{Year: 1582, Month: 10, Day: 10}},
		{"date_y12", date, connectors.Date{Year: 12, Month: 1, Day: 2}},
		{"date_bad_month", date, connectors.Date{Year: 2020, Month: 13, Day: 2}},
		{"dt_ns", dt, connectors.LocalDateTime{Date: connectors.Date{Year: 2020, Month: 1, Day: 1}, Nanosecond: 1}},
		{"dt_y10000", dt, connectors.LocalDateTime{Date: connectors.Date{Year: 10000, Month: 1, Day: 1}}},
		{"dt_y0", dt, connectors.LocalDateTime{Date: connectors.Date{Year: 0, Month: 1, Day: 1}}},
		{"dt_leapsec", dt, connectors.LocalDateTime{Date: connectors.Date{Year: 2016, Month: 12, Day: 31}, Hour: 23, Minute: 59, Second: 60}},
		{"dt_h24", dt, connectors.LocalDateTime{Date: connectors.Date{Year: 2016, Month: 12, Day: 31}, Hour: 24}},
		{"ts_zone", ts, time.Date(2024, 6, 1, 12, 0, 0, 5, time.FixedZone("X", 3600+1800))},
		{"ts_y0", ts, time.Date(0, 6, 1, 12, 0, 0, 0, time.UTC)},
		//{"ts_yneg", ts, time.Date(-5, 6, 1, 12, 0, 0, 0, time.UTC)},
		//{"ts_y10000", ts, time.Date(10000, 6, 1, 12, 0, 0, 0, time.UTC)},
		//{"ts_y9999_zone", ts, time.Date(9999, 12, 31, 23, 0, 0, 0, time.FixedZone("m", -3600*5))},
		{"ts_y1_zone", ts, time.Date(1, 1, 1, 1, 0, 0, 0, time.FixedZone("p", 3600*5))},
		{"time_ns", tm, connectors.Duration(1)},
		{"time_neg", tm, connectors.Duration(-1)},
		{"time_big", tm, connectors.Duration(839 * time.Hour)},
		{"json_bad", js, connectors.JSON("\xff")},
		{"json_nul", js, connectors.JSON("\"a\x00\"")},
		{"json_crlf", js, connectors.JSON("{\r\n}")},
		{"uuid_text", connectors.Type{Kind: connectors.KindUUID}, "not-a-uuid"},
		{"int_bool", connectors.Type{Kind: connectors.KindInt, Bits: 64}, true},
		{"bool_int", connectors.Type{Kind: connectors.KindBool}, int64(1)},
		{"text_bytes_empty", txt, []byte{}},
		{"text_empty", txt, ""},
		{"bytes_text_empty", connectors.Type{Kind: connectors.KindBytes}, ""},
		{"bytes_empty", connectors.Type{Kind: connectors.KindBytes}, []byte{}},
		{"bytes_empty_len", connectors.Type{Kind: connectors.KindBytes, Length: 3}, []byte{}},
		{"float_in_dec", dec, 1.5},
		{"dec_in_float", fl, connectors.Decimal("1.5")},
		{"invdate_ctrl", date, connectors.InvalidDate{Raw: "\x00\xff"}},
	}
	tbl := &connectors.Table{Name: "edges", Columns: []connectors.Column{{Name: "id", Type: connectors.Type{Kind: connectors.KindInt, Bits: 32}, SourceType: "int"}}}
	row := []connectors.Value{int64(1)}
	for _, p := range probes {
		tbl.Columns = append(tbl.Columns, connectors.Column{Name: p.name, Type: p.typ, SourceType: p.typ.String(), Nullable: true})
		row = append(row, p.value)
	}
	dir := filepath.Join(t.TempDir(), "pkg")
	w, err := Create(dir, testMeta())
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Add(tbl, Record{Key: []connectors.Value{int64(1)}, Reason: "edge", Values: row}); err != nil {
		t.Fatal(err)
	}
	for _, p := range probes {
		if err := w.AddValue(tbl, Value{Key: []connectors.Value{int64(1)}, SourceColumn: p.name, Reason: "edge", Value: p.value}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := w.Close(created); err != nil {
		t.Fatal(err)
	}
	if probs := Verify(dir); len(probs) > 0 {
		t.Errorf("Verify: %v", probs)
	}
	validateIfPossible(t, dir)
	pkg, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	got := readAll(t, pkg, "edges")
	vals, err := pkg.Values("edges")
	if err != nil || len(vals) != len(probes) {
		t.Fatalf("%d values, %v", len(vals), err)
	}
	for i, p := range probes {
		if !sameValue(got[0].Values[i+1], p.value) {
			t.Errorf("%s (%s): record gives %#v, want %#v", p.name, p.typ, got[0].Values[i+1], p.value)
		}
		if !sameValue(vals[i].Value.Value, p.value) || vals[i].SourceColumn != p.name {
			t.Errorf("%s: value alone gives %#v, want %#v", p.name, vals[i].Value.Value, p.value)
		}
	}
}
