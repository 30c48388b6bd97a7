package scan

import (
	"math"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/regflytt/regflytt/connectors"
	"github.com/regflytt/regflytt/mappings/lexical"
)

func testOpts() *Options {
	o := &Options{ReferenceDate: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	if err := o.defaults(); err != nil {
		panic(err)
	}
	return o
}

// Distinct counts are exact up to the bound and estimated within a few
// per cent beyond it.
func TestDistinctExactThenEstimated(t *testing.T) {
	for _, n := range []int{10, 999, 1000, 5000, 100_000} {
		s := newColumnStat(connectors.Column{Name: "x", Type: connectors.Type{Kind: connectors.KindInt, Bits: 64}}, testOpts(), 1000)
		for i := 0; i < n; i++ {
			s.add(int64(i))
			s.add(int64(i)) // repeats do not count
		}
		c := s.report(false)
		if n <= 1000 {
			if !c.DistinctExact || c.Distinct != int64(n) {
				t.Errorf("%d values: distinct %d exact %v, want %d exact", n, c.Distinct, c.DistinctExact, n)
			}
			continue
		}
		if c.DistinctExact {
			t.Errorf("%d values: distinct claimed exact beyond the bound", n)
		}
		if e := float64(c.Distinct-int64(n)) / float64(n); e > 0.05 || e < -0.05 {
			t.Errorf("%d values: estimate %d is %.1f %% off", n, c.Distinct, e*100)
		}
	}
}

// A code column shows its frequent values, never those held by fewer
// rows than the smallest cell; an identity column shows shapes only.
func TestTopValuesSuppressed(t *testing.T) {
	s := newColumnStat(connectors.Column{Name: "rokning", Type: connectors.Type{Kind: connectors.KindText, Length: 2}}, testOpts(), 1000)
	for i := 0; i < 20; i++ {
		s.add("J")
	}
	for i := 0; i < 4; i++ {
		s.add("X")
	}
	c := s.report(false)
	if c.Class != ClassCode || len(c.Top) != 1 || c.Top[0] != (Count{"J", 20}) || c.TopNote == "" {
		t.Errorf("code column: class %s top %v note %q", c.Class, c.Top, c.TopNote)
	}
	if c.Min != "A" || c.Max != "A" || !c.MinMaxShapes {
		t.Errorf("min %q max %q shapes %v: X is held by 4 rows and must not be shown", c.Min, c.Max, c.MinMaxShapes)
	}

	p := newColumnStat(connectors.Column{Name: "nummer", Type: connectors.Type{Kind: connectors.KindText}}, testOpts(), 1000)
	for i := 0; i < 10; i++ {
		p.add("19121212-1212")
	}
	c = p.report(false)
	if c.Class != ClassIdentity || !c.TopShapes || len(c.Top) != 1 || c.Top[0].Value != "99999999-9999" || c.Min != "99999999-9999" {
		t.Errorf("identity column: class %s top %v min %q", c.Class, c.Top, c.Min)
	}
}

// Dates no calendar holds are told apart: zero, partial and impossible.
func TestInvalidDates(t *testing.T) {
	s := newColumnStat(connectors.Column{Name: "d", Type: connectors.Type{Kind: connectors.KindText}}, testOpts(), 1000)
	for _, v := range []string{"0000-00-00", "2019-05-00", "2019-00-00", "2023-02-30", "2023-04-31", "2024-01-01", "2031-01-01", "0000-00-00 00:00:00"} {
		s.add(v)
	}
	c := s.report(false)
	if d := c.Dates; d == nil || *d != (Dates{Zero: 2, Partial: 2, Impossible: 2, Future: 1}) {
		t.Errorf("dates: %+v", c.Dates)
	}
}

// Identity numbers are counted per format, with co-ordination numbers,
// invalid ones by rule and the ambiguous century.
func TestIdentityFormats(t *testing.T) {
	s := newColumnStat(connectors.Column{Name: "personnr", Type: connectors.Type{Kind: connectors.KindText}}, testOpts(), 1000)
	for _, v := range []string{"19121212-1212", "121212-1212", "1212121212", "191212121212", "121212+1212", "19121272-1219", "19121212-1213", " 19121212-1212\u00a0"} {
		s.add(v)
	}
	c := s.report(false)
	id := c.Identity
	if id == nil {
		t.Fatal("no identity profile")
	}
	want := map[string]int64{"YYYYMMDD-NNNN": 4, "YYMMDD-NNNN": 1, "YYMMDDNNNN": 1, "YYYYMMDDNNNN": 1, "YYMMDD+NNNN": 1}
	for _, f := range id.Formats {
		if want[f.Value] != f.Count {
			t.Errorf("format %s: %d, want %d", f.Value, f.Count, want[f.Value])
		}
	}
	if id.AmbiguousCentury != 1 || id.Coordination != 1 || id.Spaced != 1 || len(id.Invalid) != 1 || id.Invalid[0] != (Count{"checksum", 1}) {
		t.Errorf("identity: %+v", id)
	}
	for _, f := range id.Formats {
		if _, err := strconv.Atoi(f.Value); err == nil {
			t.Errorf("a format is a number: %q", f.Value)
		}
	}
}

// A short, repeated text in a column named for a person's name is free
// text: neither its values nor its range are shown, however often they
// occur.
func TestPersonalNamesNotShown(t *testing.T) {
	s := newColumnStat(connectors.Column{Name: "efternamn", Type: connectors.Type{Kind: connectors.KindText, Length: 40}}, testOpts(), 1000)
	for i := 0; i < 50; i++ {
		s.add("Andersson")
	}
	c := s.report(false)
	if c.Class != ClassFreeText || len(c.Top) != 0 || !c.MinMaxShapes || c.Min == "Andersson" {
		t.Errorf("a name column: class %s top %v min %q", c.Class, c.Top, c.Min)
	}
}

// Text that holds numbers or dates shows its range by value, not by
// spelling.
func TestTextNumberAndDateRanges(t *testing.T) {
	num := newColumnStat(connectors.Column{Name: "vikt", Type: connectors.Type{Kind: connectors.KindText, Length: 10}}, testOpts(), 1000)
	for i := 0; i < 60; i++ {
		num.add(strconv.Itoa(40+i) + ",5")
	}
	num.add("100.5")
	num.add("99.9")
	if c := num.report(false); c.Class != ClassNumber || c.Min != "40.5" || c.Max != "100.5" || c.MinMaxShapes {
		t.Errorf("numbers in text: class %s range %q … %q shapes %v", c.Class, c.Min, c.Max, c.MinMaxShapes)
	}
	d := newColumnStat(connectors.Column{Name: "datum", Type: connectors.Type{Kind: connectors.KindText, Length: 10}}, testOpts(), 1000)
	for _, v := range []string{"2019-05-01", "2003-12-31", "0000-00-00", "2024-02-29"} {
		d.add(v)
	}
	if c := d.report(false); c.Class != ClassDate || c.Min != "2003-12-31" || c.Max != "2024-02-29" {
		t.Errorf("dates in text: class %s range %q … %q", c.Class, c.Min, c.Max)
	}
}

// Identity numbers kept in an integer column under a name that says
// nothing are recognised, and their range is shown as shapes.
func TestIdentityNumbersAsIntegers(t *testing.T) {
	s := newColumnStat(connectors.Column{Name: "nr", Type: connectors.Type{Kind: connectors.KindInt, Bits: 64}}, testOpts(), 1000)
	for _, v := range []int64{191212121212, 1212121212, 12121212} {
		for i := 0; i < 5; i++ {
			s.add(v)
		}
	}
	c := s.report(false)
	if c.Class != ClassIdentity || !c.MinMaxShapes || !c.TopShapes || c.Min == "12121212" || c.Max == "191212121212" {
		t.Errorf("integer identity numbers: class %s range %q … %q top %v", c.Class, c.Min, c.Max, c.Top)
	}
	seq := newColumnStat(connectors.Column{Name: "id", Type: connectors.Type{Kind: connectors.KindInt, Bits: 64}}, testOpts(), 1000)
	for i := int64(1_000_000_000); i < 1_000_000_100; i++ {
		seq.add(i)
	}
	if c := seq.report(true); c.Class == ClassIdentity {
		t.Errorf("a sequence of 10-digit keys taken for identity numbers")
	}
	bad := newColumnStat(connectors.Column{Name: "nr", Type: connectors.Type{Kind: connectors.KindText}}, testOpts(), 1000)
	for i := 0; i < 10; i++ {
		bad.add("19121212-1213") // a wrong check digit is still a person's number
	}
	if c := bad.report(false); c.Class != ClassIdentity {
		t.Errorf("identity numbers with wrong check digits: class %s", c.Class)
	}
}

// Identity numbers kept as a DECIMAL(12,0) or NUMERIC (as legacy
// platforms that learnt from Oracle's NUMBER do) or as bytes (a BINARY or
// BLOB column) are recognised as those in an integer or a text column
// are: the report found no identity numbers in them and showed the
// smallest and largest as they are, and the skeleton migrated them
// without pseudonym().
func TestIdentityNumbersAsDecimalsAndBytes(t *testing.T) {
	numbers := []string{"191212121212", "191212121212", "1212121212", "195001011234", "195001011234"}
	cases := []struct {
		typ   connectors.Type
		value func(string) connectors.Value
	}{
		{connectors.Type{Kind: connectors.KindDecimal, Precision: 12}, func(s string) connectors.Value { return connectors.Decimal(s) }},
		{connectors.Type{Kind: connectors.KindDecimal, Precision: 14, Scale: 2}, func(s string) connectors.Value { return connectors.Decimal(s + ".00") }},
		{connectors.Type{Kind: connectors.KindBytes, Length: 13}, func(s string) connectors.Value { return []byte(s) }},
		// A DOUBLE, REAL or FLOAT holds every twelve-digit number exactly.
		{connectors.Type{Kind: connectors.KindFloat, Bits: 64}, func(s string) connectors.Value {
			f, _ := strconv.ParseFloat(s, 64)
			return f
		}},
	}
	for _, c := range cases {
		s := newColumnStat(connectors.Column{Name: "nr", Type: c.typ}, testOpts(), 1000)
		for i := 0; i < 4; i++ {
			for _, n := range numbers {
				s.add(c.value(n))
			}
		}
		col := s.report(false)
		if col.Class != ClassIdentity || col.Identity == nil || col.Identity.Valid+int64(len(col.Identity.Invalid)) == 0 {
			t.Errorf("%s: class %s identity %+v: identity numbers not recognised", c.typ, col.Class, col.Identity)
		}
		if !col.MinMaxShapes && col.Min+col.Max != "" {
			t.Errorf("%s: the range %s to %s is shown as values", c.typ, col.Min, col.Max)
		}
		for _, shown := range []string{col.Min, col.Max} {
			for _, n := range numbers {
				if strings.Contains(shown, n) {
					t.Errorf("%s: the report shows the identity number %s as its range", c.typ, shown)
				}
			}
		}
	}
	// A decimal amount with twelve digits and decimals is no person.
	amount := newColumnStat(connectors.Column{Name: "belopp", Type: connectors.Type{Kind: connectors.KindDecimal, Precision: 14, Scale: 2}}, testOpts(), 1000)
	for i := 0; i < 20; i++ {
		amount.add(connectors.Decimal("1912121212.5" + strconv.Itoa(i%10)))
	}
	if c := amount.report(false); c.Class == ClassIdentity {
		t.Errorf("decimal amounts taken for identity numbers")
	}
	// Nor is a double measurement with a fraction.
	weight := newColumnStat(connectors.Column{Name: "vikt", Type: connectors.Type{Kind: connectors.KindFloat, Bits: 64}}, testOpts(), 1000)
	for i := 0; i < 20; i++ {
		weight.add(191212121212.5 + float64(i))
	}
	if c := weight.report(false); c.Class == ClassIdentity {
		t.Errorf("doubles with a fraction taken for identity numbers")
	}
}

// A text column's findings count what repair() will do with its values,
// and a blob's what latin1() will: the scan said "repair() undoes it" of
// a value repair() archives (garbled once over text garbled in part) and
// counted a value garbled in part, or holding a C1 control, not at all.
func TestTextFindingsSayWhatRepairWillDo(t *testing.T) {
	w1252 := func(s string) string { return lexical.DecodeWindows1252([]byte(s)) }
	text := newColumnStat(connectors.Column{Name: "ort", Type: connectors.Type{Kind: connectors.KindText}}, testOpts(), 1000)
	for _, v := range []string{
		"Göteborg", "MALMÖ–LUND", // correct
		w1252("Umeå"), w1252(w1252("Göteborg")), // garbled once, twice
		"Lund \u0096 Piteå",       // a C1 control
		"Göran Ã…berg", "SmÃ¶rgÃ", // garbled in part, cut short
		w1252("Göran Ã…berg"), // garbled once over text garbled in part
		"UMEÅ–SUNDSVALL",      // correct, or a garbled UMEŖSUNDSVALL
		"KNÄ–HÖFTLED",         // correct: its lone Ö is no garbling
	} {
		text.add(v)
	}
	blob := newColumnStat(connectors.Column{Name: "kod", Type: connectors.Type{Kind: connectors.KindBytes}}, testOpts(), 1000)
	for _, v := range []string{"Lund", "Lund", "Ume\xe5", "MALM\xd6\x96LUND", "Sm\xc3\xb6rg\xc3", "\xc3\xa5", "caf\xc3\xa9", "Lund"} {
		blob.add([]byte(v))
	}
	// Text as SQLite keeps it: the bytes an application wrote, Latin-1
	// beside UTF-8 (or Latin-1 whose bytes happen to be UTF-8).
	raw := newColumnStat(connectors.Column{Name: "rad", Type: connectors.Type{Kind: connectors.KindText}}, testOpts(), 1000)
	for _, v := range []string{"Ume\xe5", "\xc3\xa5", "Lund"} {
		raw.add(v)
	}
	// A latin1 column the source decoded holds no bytes to weigh.
	decoded := newColumnStat(connectors.Column{Name: "namn", Type: connectors.Type{Kind: connectors.KindText}}, testOpts(), 1000)
	for _, v := range []string{"Umeå", "Ã¥ och Ã¶", "Lund"} {
		decoded.add(v)
	}
	var findings []Finding
	for _, s := range []*columnStat{text, blob, raw, decoded} {
		findings = append(findings, columnFindings("besok", s.report(false), "", "2026-01-01")...)
	}
	got := map[string]int64{}
	for _, f := range findings {
		got[f.Column+" "+f.Code] = f.Count
		if f.Code == "ambiguous_text" && !strings.Contains(f.Message, "encoding_ambiguous") {
			t.Errorf("%s: %q does not name the reason a run archives with", f.Column, f.Message)
		}
	}
	want := map[string]int64{
		"ort garbled_text": 2, "ort c1_controls": 1, "ort ambiguous_text": 3, "ort text_as_written": 1,
		"kod invalid_text": 2, "kod ambiguous_text": 1, "kod utf8_beside_latin1": 2,
		"rad invalid_text": 1, "rad utf8_beside_latin1": 1, "rad unfit_value": 1, "namn garbled_text": 1,
	}
	for k, n := range want {
		if got[k] != n {
			t.Errorf("%s: %d, want %d (all: %v)", k, got[k], n, got)
		}
	}
	for k := range got {
		if _, ok := want[k]; !ok {
			t.Errorf("unexpected finding %s: %d", k, got[k])
		}
	}
}

// PostgreSQL's dates beyond every target's calendar (infinity, -infinity,
// BC, year 10000 on) read as InvalidDate: they were counted as zero dates
// ("0000-00-00") and as dates no calendar holds ("2023-02-30"), which
// sends whoever reads the report looking for the wrong values. They have
// a count and a finding of their own.
func TestPostgresDatesBeyondTheCalendar(t *testing.T) {
	s := newColumnStat(connectors.Column{Name: "d", SourceType: "date", Type: connectors.Type{Kind: connectors.KindDate}}, testOpts(), 1000)
	for _, raw := range []string{"infinity", "-infinity", "0044-03-15 BC", "5874897-12-31", "10000-01-01 00:00:00", "0044-03-15 12:00:00+00 BC"} {
		s.add(connectors.InvalidDate{Raw: raw})
	}
	s.add(connectors.InvalidDate{Raw: "0000-00-00"})
	c := s.report(false)
	if d := c.Dates; d == nil || *d != (Dates{Zero: 1, OutOfRange: 6}) {
		t.Errorf("dates: %+v", c.Dates)
	}
}

// A PostgreSQL numeric holding NaN or ±Infinity reads them as float64
// among its decimals, and min … max compared values of one kind only: the
// first infinity became both ends ("+Inf … +Inf") whatever the decimals
// were. The decimals make the range; the infinities are counted apart
// (unfit_value, rule not_finite).
func TestDecimalRangeLeavesInfinitiesOut(t *testing.T) {
	s := newColumnStat(connectors.Column{Name: "lab", SourceType: "numeric", Type: connectors.Type{Kind: connectors.KindDecimal}}, testOpts(), 1000)
	for _, v := range []connectors.Value{math.NaN(), math.Inf(1), connectors.Decimal("0.000000000000000000000000000001"), connectors.Decimal("-123.5"), math.Inf(-1), connectors.Decimal("7")} {
		s.add(v)
	}
	if s.min != connectors.Decimal("-123.5") || s.max != connectors.Decimal("7") {
		t.Errorf("range %v … %v, want -123.5 … 7", s.min, s.max)
	}
}
