package lexical

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/regflytt/regflytt/connectors"
)

func date(y int, m time.Month, d int) connectors.Date {
	return connectors.Date{Year: y, Month: m, Day: d}
}

func TestParseDate(t *testing.T) {
	tests := []struct {
		in      string
		layouts []string
		want    connectors.Date
		kind    Kind   // "" for success
		reason  string // checked when set
		layout  string // Error.Layout, checked on failure
	}{
		// Defaults: ISO extended and basic.
		{in: "2024-05-01", want: date(2024, 5, 1)},
		{in: "20240501", want: date(2024, 5, 1)},
		{in: "2024-02-29", want: date(2024, 2, 29)},
		{in: "2000-02-29", want: date(2000, 2, 29)},
		{in: "0001-01-01", want: date(1, 1, 1)},
		{in: "9999-12-31", want: date(9999, 12, 31)},
		{in: "0000-00-00", kind: KindZeroDate, reason: reasonZeroDate, layout: "YYYY-MM-DD"},
		{in: "00000000", kind: KindZeroDate, layout: "YYYYMMDD"},
		{in: "2024-05-00", kind: KindInvalidDate, reason: reasonDayZero, layout: "YYYY-MM-DD"},
		{in: "2024-00-01", kind: KindInvalidDate, reason: reasonMonthZero},
		{in: "2024-13-01", kind: KindInvalidDate, reason: reasonMonthRange},
		{in: "2023-02-29", kind: KindInvalidDate, reason: reasonDayRange},
		{in: "1900-02-29", kind: KindInvalidDate, reason: reasonDayRange},
		{in: "2023-02-30", kind: KindInvalidDate, reason: reasonDayRange},
		{in: "2023-04-31", kind: KindInvalidDate, reason: reasonDayRange},
		{in: "0000-05-01", kind: KindInvalidDate, reason: reasonYearZero},
		{in: "0000-00-01", kind: KindInvalidDate, reason: reasonYearZero},
		{in: "0000-01-01", kind: KindInvalidDate, reason: reasonYearZero}, // MariaDB stores it in strict mode
		{in: "00000101", kind: KindInvalidDate, reason: reasonYearZero},
		{in: "", kind: KindNoLayout},
		{in: "2024-5-1", kind: KindNoLayout},
		{in: " 2024-05-01", kind: KindNoLayout},
		{in: "2024-05-01 ", kind: KindNoLayout},
		{in: "2024-05-01 00:00:00", kind: KindNoLayout},
		{in: "24-05-01", kind: KindNoLayout},
		{in: "2024-05-011", kind: KindNoLayout},
		{in: "２０２４-05-01", kind: KindNoLayout}, // full-width digits are not digits here
		{in: "2024/05/01", kind: KindNoLayout},

		// Explicit layouts.
		{in: "01.05.2024", layouts: []string{"DD.MM.YYYY"}, want: date(2024, 5, 1)},
		{in: "1.5.2024", layouts: []string{"D.M.YYYY"}, want: date(2024, 5, 1)},
		{in: "01.05.2024", layouts: []string{"D.M.YYYY"}, want: date(2024, 5, 1)},
		{in: "31/12/1999", layouts: []string{"DD/MM/YYYY"}, want: date(1999, 12, 31)},
		{in: "12/31/1999", layouts: []string{"MM/DD/YYYY"}, want: date(1999, 12, 31)},
		{in: "2024-05-01", layouts: []string{"YYYY-MM-DD"}, want: date(2024, 5, 1)},
		{in: "2024 05 01", layouts: []string{"YYYY MM DD"}, want: date(2024, 5, 1)},
		{in: "2024--05", layouts: []string{"YYYY--MM"}, kind: KindBadLayout, reason: reasonLayoutMissing},
		{in: "1.5.2024", layouts: []string{"DD.MM.YYYY"}, kind: KindNoLayout, layout: "DD.MM.YYYY"},
		{in: "00.00.0000", layouts: []string{"DD.MM.YYYY"}, kind: KindZeroDate, layout: "DD.MM.YYYY"},
		{in: "0.0.0000", layouts: []string{"D.M.YYYY"}, kind: KindZeroDate},
		{in: "1.5.2024", layouts: []string{"D.M.YYYY "}, kind: KindNoLayout},

		// Order: the one real date wins, two different ones are refused
		// (named by the second layout); else the first shape match decides.
		{in: "13/05/2024", layouts: []string{"MM/DD/YYYY", "DD/MM/YYYY"}, want: date(2024, 5, 13)},
		{in: "01/02/2024", layouts: []string{"MM/DD/YYYY", "DD/MM/YYYY"}, kind: KindAmbiguousDate, reason: reasonAmbiguous, layout: "DD/MM/YYYY"},
		{in: "01/02/2024", layouts: []string{"DD/MM/YYYY", "MM/DD/YYYY"}, kind: KindAmbiguousDate, reason: reasonAmbiguous, layout: "MM/DD/YYYY"},
		{in: "01/01/2024", layouts: []string{"DD/MM/YYYY", "MM/DD/YYYY"}, want: date(2024, 1, 1)},
		{in: "13/13/2024", layouts: []string{"MM/DD/YYYY", "DD/MM/YYYY"}, kind: KindInvalidDate, reason: reasonMonthRange, layout: "MM/DD/YYYY"},
		{in: "2024-05-01", layouts: []string{"DD.MM.YYYY", "YYYY-MM-DD"}, want: date(2024, 5, 1)},
		{in: "2024-05-01", layouts: []string{"DD.MM.YYYY", "YYYYMMDD"}, kind: KindNoLayout, layout: ""},

		// Bad layouts are reported whatever the value, even after a match.
		{in: "2024-05-01", layouts: []string{"YYYY-MM-DD", "YY-MM-DD"}, kind: KindBadLayout, reason: reasonLayoutYY, layout: "YY-MM-DD"},
		{in: "2024-05-01", layouts: []string{"YYYY-MM-DD HH:mm"}, kind: KindBadLayout, reason: reasonLayoutTime},
		{in: "2024-05-01", layouts: []string{""}, kind: KindBadLayout, reason: reasonLayoutEmpty},
	}
	for _, tt := range tests {
		got, err := ParseDate(tt.in, tt.layouts)
		name := tt.in + " " + strings.Join(tt.layouts, "|")
		if tt.kind == "" {
			if err != nil || got != tt.want {
				t.Errorf("%s: got %v, %v; want %v", name, got, err, tt.want)
			}
			continue
		}
		checkErr(t, name, err, tt.kind, tt.reason)
		if tt.layout != "" || tt.kind == KindNoLayout && len(tt.layouts) > 1 {
			if e := err.(*Error); e.Layout != tt.layout {
				t.Errorf("%s: layout %q, want %q", name, e.Layout, tt.layout)
			}
		}
		if got != (connectors.Date{}) {
			t.Errorf("%s: got %v with an error", name, got)
		}
	}
}

func TestParseDateTime(t *testing.T) {
	ldt := func(y int, m time.Month, d, h, mi, s, ns int) connectors.LocalDateTime {
		return connectors.LocalDateTime{Date: date(y, m, d), Hour: h, Minute: mi, Second: s, Nanosecond: ns}
	}
	tests := []struct {
		in      string
		layouts []string
		want    connectors.LocalDateTime
		kind    Kind
		reason  string
	}{
		{in: "2024-05-01 13:45:59", want: ldt(2024, 5, 1, 13, 45, 59, 0)},
		{in: "2024-05-01T13:45:59", want: ldt(2024, 5, 1, 13, 45, 59, 0)},
		{in: "2024-05-01 13:45", want: ldt(2024, 5, 1, 13, 45, 0, 0)},
		{in: "2024-05-01T13:45", want: ldt(2024, 5, 1, 13, 45, 0, 0)},
		{in: "20240501T134559", want: ldt(2024, 5, 1, 13, 45, 59, 0)},
		{in: "2024-05-01 13:45:59.5", want: ldt(2024, 5, 1, 13, 45, 59, 500000000)},
		{in: "2024-05-01 13:45:59.123456", want: ldt(2024, 5, 1, 13, 45, 59, 123456000)},
		{in: "2024-05-01 13:45:59.000000", want: ldt(2024, 5, 1, 13, 45, 59, 0)},
		{in: "2024-05-01 13:45:59.123456789", want: ldt(2024, 5, 1, 13, 45, 59, 123456789)},
		{in: "2024-05-01 13:45:59.1234567891", kind: KindNoLayout},
		{in: "2024-05-01 13:45:59.", kind: KindNoLayout},
		{in: "2024-05-01 00:00:00", want: ldt(2024, 5, 1, 0, 0, 0, 0)},
		{in: "2024-05-01 23:59:59", want: ldt(2024, 5, 1, 23, 59, 59, 0)},
		{in: "2024-05-01", kind: KindNoLayout},
		{in: "2024-05-01 24:00:00", kind: KindInvalidDate, reason: reasonHourRange},
		{in: "2024-05-01 24:00", kind: KindInvalidDate, reason: reasonHourRange},
		{in: "2024-05-01T24:00:00.000000", kind: KindInvalidDate, reason: reasonHourRange},
		{in: "0000-01-01 01:02:03", kind: KindInvalidDate, reason: reasonYearZero},
		{in: "2024-05-01 01:02:03", want: ldt(2024, 5, 1, 1, 2, 3, 0)},
		{in: "2024-05-01 12:60:00", kind: KindInvalidDate, reason: reasonMinuteRange},
		{in: "2016-12-31 23:59:60", kind: KindInvalidDate, reason: reasonSecondRange},
		{in: "0000-00-00 00:00:00", kind: KindZeroDate, reason: reasonZeroDate},
		{in: "0000-00-00 00:00:00.000000", kind: KindZeroDate},
		{in: "0000-00-00 12:00:00", kind: KindInvalidDate, reason: reasonYearZero},
		{in: "2024-05-00 00:00:00", kind: KindInvalidDate, reason: reasonDayZero},
		{in: "2023-02-30 10:00:00", kind: KindInvalidDate, reason: reasonDayRange},
		{in: "2024-05-01 1:02:03", kind: KindNoLayout},
		{in: "2024-05-01 13:45:59Z", kind: KindNoLayout},
		{in: "2024-05-01 13:45:59+02:00", kind: KindNoLayout},

		{in: "2024-05-01", layouts: []string{"YYYY-MM-DD"}, want: ldt(2024, 5, 1, 0, 0, 0, 0)},
		{in: "0000-00-00", layouts: []string{"YYYY-MM-DD"}, kind: KindZeroDate},
		{in: "1.5.2024 9:05", layouts: []string{"D.M.YYYY H:mm"}, want: ldt(2024, 5, 1, 9, 5, 0, 0)},
		{in: "01.05.2024 09.05.07", layouts: []string{"DD.MM.YYYY HH.mm.ss"}, want: ldt(2024, 5, 1, 9, 5, 7, 0)},
		{in: "2024-05-01 13:45:59,25", layouts: []string{"YYYY-MM-DD HH:mm:ss,ff"}, want: ldt(2024, 5, 1, 13, 45, 59, 250000000)},
		{in: "2024-05-01 13:45:59.25", layouts: []string{"YYYY-MM-DD HH:mm:ss,ff"}, kind: KindNoLayout},
		{in: "2024-05-01 13:45:59.255", layouts: []string{"YYYY-MM-DD HH:mm:ss.ff"}, kind: KindNoLayout},
		{in: "2024-05-01 13", layouts: []string{"YYYY-MM-DD HH"}, want: ldt(2024, 5, 1, 13, 0, 0, 0)},
		{in: "x", layouts: []string{"YYYY-MM-DD ss"}, kind: KindBadLayout, reason: reasonLayoutOrder},
	}
	for _, tt := range tests {
		got, err := ParseDateTime(tt.in, tt.layouts)
		name := tt.in + " " + strings.Join(tt.layouts, "|")
		if tt.kind == "" {
			if err != nil || got != tt.want {
				t.Errorf("%s: got %v, %v; want %v", name, got, err, tt.want)
			}
			if err == nil && !got.Valid() {
				t.Errorf("%s: %v not Valid", name, got)
			}
			continue
		}
		checkErr(t, name, err, tt.kind, tt.reason)
	}
}

// checkErr asserts err is an *Error of the kind (and reason, if given).
func checkErr(t *testing.T, name string, err error, kind Kind, reason string) {
	t.Helper()
	var e *Error
	if !errors.As(err, &e) {
		t.Errorf("%s: error %v (%T), want *Error of kind %s", name, err, err, kind)
		return
	}
	if e.Kind != kind {
		t.Errorf("%s: kind %s (%v), want %s", name, e.Kind, err, kind)
	}
	if reason != "" && e.Reason != reason {
		t.Errorf("%s: reason %q, want %q", name, e.Reason, reason)
	}
	if KindOf(err) != kind || !errors.Is(err, &Error{Kind: kind}) {
		t.Errorf("%s: KindOf/errors.Is disagree with %s", name, kind)
	}
}

func TestCheckLayout(t *testing.T) {
	good := []string{
		"YYYY-MM-DD", "YYYYMMDD", "DD.MM.YYYY", "DD/MM/YYYY", "D.M.YYYY", "M/D/YYYY",
		"YYYY-MM-DD HH:mm:ss", "YYYY-MM-DDTHH:mm:ss", "YYYY-MM-DD HH:mm:ss.ffffff",
		"YYYY-MM-DD HH:mm:ss.f", "YYYY-MM-DD HH:mm:ss.fffffffff", "YYYY-MM-DD HH:mm:ss,fff",
		"YYYYMMDDHHmmss", "YYYYMMDDTHHmmss", "D.M.YYYY H:mm", "YYYY-MM-D", "YYYY-MM-DD HH",
		"[YYYY-MM-DD]", "DD MM YYYY", "YYYY-MM-DD HH:mm:ss.f ", "YYYY-MM-DD mm:ss.fHH",
	}
	for _, l := range good {
		if err := CheckLayout(l); err != nil {
			t.Errorf("CheckLayout(%q) = %v", l, err)
		}
	}
	bad := []struct {
		layout string
		reason string
		off    int
	}{
		{"", reasonLayoutEmpty, -1},
		{strings.Repeat("-", 65), reasonLayoutLong, 64},
		{"YY-MM-DD", reasonLayoutYY, 0},
		{"DD.MM.YY", reasonLayoutYY, 6},
		{"YYY-MM-DD", reasonLayoutYear, 0},
		{"YYYYY-MM-DD", reasonLayoutYear, 0},
		{"YYYY-MMM-DD", reasonLayoutMonth, 5},
		{"YYYY-MM-DDD", reasonLayoutDay, 8},
		{"YYYY-MM-DD HHH", reasonLayoutHour, 11},
		{"YYYY-MM-DD HH:m", reasonLayoutMinute, 14},
		{"YYYY-MM-DD HH:mm:s", reasonLayoutSecond, 17},
		{"YYYY-MM-DD HH:mm:ssfff", reasonLayoutFrac, 19},
		{"YYYY-MM-DD HH:mm:ss.ffffffffff", reasonLayoutFrac, 20},
		{"YYYY-MM-DD HH:mm.fff", reasonLayoutFrac, 17},
		{"YYYY-MM-DD HH:mm:ss:fff", reasonLayoutFrac, 20},
		{"YYYY-MM-DD-YYYY", reasonLayoutTwice, 11},
		{"YYYY-MM-DD hh:mm", reasonLayoutLetter, 11},
		{"YYYY-MM-DDZ", reasonLayoutLetter, 10},
		{"yyyy-MM-dd", reasonLayoutLetter, 0},
		{"YYYY-MM-DD 00:00", reasonLayoutDigit, 11},
		{"YYYY\u2013MM\u2013DD", reasonLayoutNonASCII, 4},
		{"YYYY\tMM-DD", reasonLayoutNonASCII, 4},
		{"DMYYYY", reasonLayoutAdjacent, 1},
		{"YYYYMDD", reasonLayoutAdjacent, 5},
		{"YYYY-MM-DD mm:ss.ffHH", reasonLayoutAdjacent, 19},
		{"YYYY-MM", reasonLayoutMissing, -1},
		{"HH:mm:ss", reasonLayoutMissing, -1},
		{"YYYY-MM-DD mm", reasonLayoutOrder, -1},
		{"YYYY-MM-DD HH ss", reasonLayoutOrder, -1},
		{strings.Repeat("-", 30) + "YYYY-MM-DD", reasonLayoutLong, 35},
	}
	for _, tt := range bad {
		err := CheckLayout(tt.layout)
		checkErr(t, tt.layout, err, KindBadLayout, tt.reason)
		if e, ok := err.(*Error); ok {
			if e.Offset != tt.off || e.Layout != tt.layout {
				t.Errorf("CheckLayout(%q): offset %d layout %q, want %d", tt.layout, e.Offset, e.Layout, tt.off)
			}
		}
	}
	if err := CheckDateLayout("YYYY-MM-DD HH:mm"); KindOf(err) != KindBadLayout {
		t.Errorf("CheckDateLayout with time = %v", err)
	}
	if err := CheckDateLayout("YYYY-MM-DD"); err != nil {
		t.Errorf("CheckDateLayout = %v", err)
	}
	for _, l := range append(DefaultDateLayouts(), DefaultDateTimeLayouts()...) {
		if err := CheckLayout(l); err != nil {
			t.Errorf("default layout %q: %v", l, err)
		}
	}
	for _, l := range DefaultDateLayouts() {
		if err := CheckDateLayout(l); err != nil {
			t.Errorf("default date layout %q: %v", l, err)
		}
	}
}

func TestAsInvalidDate(t *testing.T) {
	for _, in := range []string{"0000-00-00", "2024-05-00", "2023-02-30"} {
		_, err := ParseDate(in, nil)
		got, ok := AsInvalidDate(in, err)
		if !ok || got != (connectors.InvalidDate{Raw: in}) {
			t.Errorf("AsInvalidDate(%q, %v) = %v, %v", in, err, got, ok)
		}
	}
	for _, in := range []string{"2024-05-01", "garbage"} {
		_, err := ParseDate(in, nil)
		if got, ok := AsInvalidDate(in, err); ok {
			t.Errorf("AsInvalidDate(%q, %v) = %v, true", in, err, got)
		}
	}
}

// TestDateRoundTrip formats every day of a few years (leap and not,
// century and not) by several layouts and parses it back.
func TestDateRoundTrip(t *testing.T) {
	layouts := []string{"YYYY-MM-DD", "YYYYMMDD", "DD.MM.YYYY", "D.M.YYYY", "M/D/YYYY"}
	for _, y := range []int{1, 1900, 1999, 2000, 2023, 2024, 9999} {
		for d := time.Date(y, 1, 1, 0, 0, 0, 0, time.UTC); d.Year() == y; d = d.AddDate(0, 0, 1) {
			want := connectors.DateOf(d)
			for _, l := range layouts {
				s := formatLayout(l, connectors.LocalDateTime{Date: want})
				got, err := ParseDate(s, []string{l})
				if err != nil || got != want {
					t.Fatalf("ParseDate(%q, %q) = %v, %v; want %v", s, l, got, err, want)
				}
			}
		}
	}
}

// formatLayout writes v by a valid layout; the tests' inverse of parsing.
func formatLayout(layout string, v connectors.LocalDateTime) string {
	c, _, reason := compile(layout)
	if reason != "" {
		panic(reason)
	}
	var b []byte
	num := func(n, width int) {
		s := []byte{}
		for ; n > 0 || len(s) < width; n /= 10 {
			s = append([]byte{byte('0' + n%10)}, s...)
		}
		b = append(b, s...)
	}
	for _, it := range c.items[:c.n] {
		switch it.f {
		case fLit:
			b = append(b, it.lit)
		case fYear:
			num(v.Year, 4)
		case fMonth:
			num(int(v.Month), int(it.min))
		case fDay:
			num(v.Day, int(it.min))
		case fHour:
			num(v.Hour, int(it.min))
		case fMinute:
			num(v.Minute, 2)
		case fSecond:
			num(v.Second, 2)
		case fFrac:
			if v.Nanosecond != 0 {
				b = append(b, it.lit)
				num(v.Nanosecond, 9)
				b = b[:len(b)-(9-int(it.max))]
			}
		}
	}
	return string(b)
}
