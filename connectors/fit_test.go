package connectors

import (
	"strings"
	"testing"
	"time"
)

// Each rule of Fit on its own, at the edge where a one-character change
// (< for <=, precision for precision − scale) would let a value through.
// The large synthetic-platform tests catch some of these only by chance.
func TestFitRules(t *testing.T) {
	typ := func(s string) Type {
		ty, err := ParseType(s)
		if err != nil {
			t.Fatal(err)
		}
		return ty
	}
	ldt := func(y int, mo time.Month, d, h, mi, s, ns int) LocalDateTime {
		return LocalDateTime{Date{y, mo, d}, h, mi, s, ns}
	}
	cases := []struct {
		name string
		typ  string
		v    Value
		rule Rule // "" when the value fits
	}{
		// decimal(5,2) holds 3 integer digits: precision − scale, not precision.
		{"decimal at its largest", "decimal(5,2)", Decimal("999.99"), ""},
		{"decimal at its smallest", "decimal(5,2)", Decimal("-999.99"), ""},
		{"decimal leading zeros do not count", "decimal(5,2)", Decimal("000123.4"), ""},
		{"decimal 4 integer digits in decimal(5,2)", "decimal(5,2)", Decimal("1234.5"), RulePrecision},
		{"decimal 4 integer digits, no fraction", "decimal(5,2)", Decimal("1000"), RulePrecision},
		{"decimal 3 decimals in decimal(5,2)", "decimal(5,2)", Decimal("1.234"), RulePrecision},
		{"decimal(5,0) holds 5 integer digits", "decimal(5,0)", Decimal("99999"), ""},
		{"decimal(5,0) refuses 6", "decimal(5,0)", Decimal("100000"), RulePrecision},
		{"decimal malformed", "decimal(5,2)", Decimal("1.2.3"), RuleBadDecimal},
		{"decimal from a float is another kind", "decimal(5,2)", 0.5, RuleWrongKind},

		// Dates: years 1..9999 of the proleptic Gregorian calendar.
		{"date year 1", "date", Date{1, 1, 1}, ""},
		{"date year 0 (MariaDB stores 0000-01-01 in strict mode)", "date", Date{0, 1, 1}, RuleInvalidDate},
		{"date year 9999", "date", Date{9999, 12, 31}, ""},
		{"date year 10000", "date", Date{10000, 1, 1}, RuleInvalidDate},
		{"date month 0", "date", Date{2019, 0, 1}, RuleInvalidDate},
		{"date month 13", "date", Date{2019, 13, 1}, RuleInvalidDate},
		{"date day 0 (a partial date)", "date", Date{2019, 5, 0}, RuleInvalidDate},
		{"date 29 February of a leap year", "date", Date{2024, 2, 29}, ""},
		{"date 29 February of another year", "date", Date{2023, 2, 29}, RuleInvalidDate},
		{"date 29 February 1900", "date", Date{1900, 2, 29}, RuleInvalidDate},
		{"date 29 February 2000", "date", Date{2000, 2, 29}, ""},
		{"date 31 April", "date", Date{2024, 4, 31}, RuleInvalidDate},
		{"date zero date", "date", InvalidDate{"0000-00-00"}, RuleInvalidDate},

		// Datetimes: a clock within one day, 00:00:00 to 23:59:59.999999999.
		{"datetime last instant of a day", "datetime(6)", ldt(2024, 1, 2, 23, 59, 59, 999999000), ""},
		{"datetime hour 24", "datetime(6)", ldt(2024, 1, 2, 24, 0, 0, 0), RuleInvalidDate},
		{"datetime minute 60", "datetime(6)", ldt(2024, 1, 2, 1, 60, 0, 0), RuleInvalidDate},
		{"datetime second 60 (leap second)", "datetime(6)", ldt(2024, 1, 2, 1, 2, 60, 0), RuleInvalidDate},
		{"datetime negative hour", "datetime(6)", ldt(2024, 1, 2, -1, 0, 0, 0), RuleInvalidDate},
		{"datetime year 0", "datetime(6)", ldt(0, 1, 1, 0, 0, 0, 0), RuleInvalidDate},
		{"datetime year 1", "datetime(6)", ldt(1, 1, 1, 0, 0, 0, 0), ""},
		{"datetime needs 7 digits in datetime(6)", "datetime(6)", ldt(2024, 1, 2, 1, 2, 3, 100), RulePrecision},
		{"datetime whole seconds in datetime(0)", "datetime(0)", ldt(2024, 1, 2, 1, 2, 3, 0), ""},
		{"datetime a fraction in datetime(0)", "datetime(0)", ldt(2024, 1, 2, 1, 2, 3, 1000), RulePrecision},

		// Instants: years 1..9999 too.
		{"timestamp year 0", "timestamptz(6)", time.Date(0, 1, 1, 0, 0, 0, 0, time.UTC), RuleInvalidDate},
		{"timestamp year 1", "timestamptz(6)", time.Date(1, 1, 1, 0, 0, 0, 0, time.UTC), ""},

		// Time of day: 00:00:00..24:00:00 inclusive.
		{"time 24:00:00", "time(0)", Duration(24 * time.Hour), ""},
		{"time beyond 24:00:00", "time(6)", Duration(24*time.Hour + time.Microsecond), RuleTimeRange},
		{"time negative", "time(0)", Duration(-time.Second), RuleTimeRange},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := typ(c.typ).Fit(c.v)
			if c.rule == "" {
				if err != nil {
					t.Fatalf("%s in %s: %v, want it to fit", c.v, c.typ, err)
				}
				return
			}
			if !isRule(err, c.rule) {
				t.Fatalf("%s in %s: got %v, want %s", c.v, c.typ, err, c.rule)
			}
		})
	}
}

// Date.Valid and LocalDateTime.Valid are what every date path (Fit, the
// text parsers, the MariaDB and SQLite decoders) leans on.
func TestDateValidity(t *testing.T) {
	for _, c := range []struct {
		d    Date
		want bool
	}{
		{Date{0, 1, 1}, false}, {Date{1, 1, 1}, true}, {Date{-1, 1, 1}, false},
		{Date{9999, 12, 31}, true}, {Date{10000, 1, 1}, false},
		{Date{2024, 2, 29}, true}, {Date{2023, 2, 29}, false}, {Date{2024, 12, 32}, false},
	} {
		if got := c.d.Valid(); got != c.want {
			t.Errorf("%v.Valid() = %v, want %v", c.d, got, c.want)
		}
	}
	base := Date{2024, 1, 2}
	for _, c := range []struct {
		h, m, s, ns int
		want        bool
	}{
		{0, 0, 0, 0, true}, {23, 59, 59, 999999999, true},
		{24, 0, 0, 0, false}, {23, 60, 0, 0, false}, {23, 59, 60, 0, false},
		{23, 59, 59, 1e9, false}, {-1, 0, 0, 0, false}, {0, -1, 0, 0, false}, {0, 0, -1, 0, false}, {0, 0, 0, -1, false},
	} {
		dt := LocalDateTime{base, c.h, c.m, c.s, c.ns}
		if got := dt.Valid(); got != c.want {
			t.Errorf("%02d:%02d:%02d.%09d Valid() = %v, want %v", c.h, c.m, c.s, c.ns, got, c.want)
		}
	}
}

// The text parsers every text-protocol connector uses: year 0 and hour 24
// are stored text no calendar holds, so they become InvalidDate (the
// evidence a mapping archives), never a date.
func TestParseTextRefusesYearZeroAndHour24(t *testing.T) {
	for _, c := range []struct {
		k  Kind
		in string
	}{
		{KindDate, "0000-01-01"},
		{KindDate, "0000-12-31"},
		{KindDateTime, "0000-01-01 00:00:00"},
		{KindDateTime, "2024-01-02 24:00:00"},
		{KindDateTime, "2024-01-02 23:60:00"},
		{KindDateTime, "2024-01-02 23:59:60"},
		{KindTimestamp, "0000-01-01 00:00:00"},
		{KindTimestamp, "2024-01-02 24:00:00"},
	} {
		v, err := ParseText(c.k, c.in)
		if err != nil || v != (InvalidDate{c.in}) {
			t.Errorf("ParseText(%v, %q) = %#v, %v; want InvalidDate", c.k, c.in, v, err)
		}
	}
	for _, c := range []struct {
		k    Kind
		in   string
		want Value
	}{
		{KindDate, "0001-01-01", Date{1, 1, 1}},
		{KindDateTime, "2024-01-02 01:02:03", LocalDateTime{Date{2024, 1, 2}, 1, 2, 3, 0}},
		{KindDateTime, "2024-01-02 23:59:59.5", LocalDateTime{Date{2024, 1, 2}, 23, 59, 59, 5e8}},
	} {
		if v, err := ParseText(c.k, c.in); err != nil || v != c.want {
			t.Errorf("ParseText(%v, %q) = %#v, %v; want %#v", c.k, c.in, v, err, c.want)
		}
	}
}

// A partial date is refused like any other impossible date, with a detail
// that names the function that keeps it.
func TestFitNamesPartialDates(t *testing.T) {
	for _, c := range []struct {
		raw     string
		partial bool
	}{
		{"2019-05-00", true}, {"1980-00-00", true}, {"2019-05-00 00:00:00", true}, {"2019-05-00 00:00:00.000000", true},
		{"0000-00-00", false}, {"0000-05-00", false}, {"2019-13-00", false}, {"1980-00-15", false},
		{"2023-02-30", false}, {"2019-05-00 12:00:00", false}, {"2019-05", false},
	} {
		for _, typ := range []Type{{Kind: KindDate}, {Kind: KindDateTime, Precision: 6}} {
			err := typ.Fit(InvalidDate{c.raw})
			fe, ok := err.(*FitError)
			if !ok || fe.Rule != RuleInvalidDate {
				t.Fatalf("%s in %v: %v, want invalid_date", c.raw, typ, err)
			}
			if got := strings.Contains(fe.Detail, "partial_date()"); got != c.partial {
				t.Errorf("%s in %v: detail %q, partial %v, want %v", c.raw, typ, fe.Detail, got, c.partial)
			}
		}
	}
}

// daysIn is the proleptic Gregorian calendar's, as time.Date's, for every
// month of four centuries (leap years by 4, 100 and 400).
func TestDaysIn(t *testing.T) {
	for y := 1600; y <= 2000; y++ {
		for m := time.January; m <= time.December; m++ {
			if got, want := daysIn(m, y), time.Date(y, m+1, 0, 0, 0, 0, 0, time.UTC).Day(); got != want {
				t.Fatalf("daysIn(%v, %d) = %d, want %d", m, y, got, want)
			}
		}
	}
}

// Datetime text around its date part: an impossible date makes the whole
// text an InvalidDate, a malformed one (date or clock) an error.
func TestParseDateTimeTextDatePart(t *testing.T) {
	for _, in := range []string{"2024-02-30 01:02:03", "0000-00-00 00:00:00", "2023-02-29 00:00:00.5", "2024-02-30", "2024-13-01T00:00:00"} {
		if v, err := ParseDateTimeText(in); err != nil || v != (InvalidDate{in}) {
			t.Errorf("ParseDateTimeText(%q) = %#v, %v; want InvalidDate", in, v, err)
		}
	}
	for _, in := range []string{"2024-02-3x 01:02:03", "2024-02-30 01:02:0x", "2024-02-30 01:02:03.x", "2024-02-3x", "2024/02/01 00:00:00", ""} {
		if v, err := ParseDateTimeText(in); err == nil {
			t.Errorf("ParseDateTimeText(%q) = %#v; want an error", in, v)
		}
	}
	want := LocalDateTime{Date{2024, 2, 29}, 0, 0, 0, 0}
	if v, err := ParseDateTimeText("2024-02-29"); err != nil || v != want {
		t.Errorf("ParseDateTimeText(2024-02-29) = %#v, %v; want %#v", v, err, want)
	}
	if v, err := ParseDateText("2024-02-30"); err != nil || v != (InvalidDate{"2024-02-30"}) {
		t.Errorf("ParseDateText(2024-02-30) = %#v, %v; want InvalidDate", v, err)
	}
	if v, err := ParseDateText("2024-02-3x"); err == nil {
		t.Errorf("ParseDateText(2024-02-3x) = %#v; want an error", v)
	}
}
