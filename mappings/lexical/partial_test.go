package lexical

import (
	"testing"
)

func TestParsePartialDate(t *testing.T) {
	tests := []struct {
		in      string
		layouts []string
		want    string // "YYYY-MM-DD precision", or the error's kind
		reason  string
	}{
		{in: "1980-00-00", want: "1980-01-01 year"},
		{in: "2019-05-00", want: "2019-05-01 month"},
		{in: "2019-05-17", want: "2019-05-17 day"},
		{in: "19800000", want: "1980-01-01 year"},
		{in: "20190500", want: "2019-05-01 month"},
		{in: "2024-02-00", want: "2024-02-01 month"},
		{in: "2024-02-29", want: "2024-02-29 day"},
		{in: "0001-00-00", want: "0001-01-01 year"},
		{in: "9999-12-00", want: "9999-12-01 month"},
		{in: "00.05.2019", layouts: []string{"DD.MM.YYYY"}, want: "2019-05-01 month"},
		{in: "00.00.1980", layouts: []string{"DD.MM.YYYY"}, want: "1980-01-01 year"},

		{in: "0000-00-00", want: string(KindZeroDate), reason: reasonZeroDate},
		{in: "0000-05-00", want: string(KindInvalidDate), reason: reasonYearZero},
		{in: "0000-01-01", want: string(KindInvalidDate), reason: reasonYearZero},
		{in: "1980-00-15", want: string(KindInvalidDate), reason: reasonDayNoMonth},
		{in: "2019-13-00", want: string(KindInvalidDate), reason: reasonMonthRange},
		{in: "2023-02-29", want: string(KindInvalidDate), reason: reasonDayRange},
		{in: "2019-04-31", want: string(KindInvalidDate), reason: reasonDayRange},
		{in: "2019-05", want: string(KindNoLayout)},
		{in: "2019-05-00 00:00:00", want: string(KindNoLayout)},
		{in: "x", layouts: []string{"YYYY-MM-DD HH"}, want: string(KindBadLayout)},
	}
	for _, tt := range tests {
		d, p, err := ParsePartialDate(tt.in, tt.layouts)
		got := d.String() + " " + string(p)
		if err != nil {
			got = string(KindOf(err))
			var e *Error
			if tt.reason != "" && (!asError(err, &e) || e.Reason != tt.reason) {
				t.Errorf("ParsePartialDate(%q): %v, want reason %q", tt.in, err, tt.reason)
			}
		}
		if got != tt.want {
			t.Errorf("ParsePartialDate(%q, %q) = %s (%v), want %s", tt.in, tt.layouts, got, err, tt.want)
		}
	}
}

// A partial date is ParseDate's date whenever ParseDate reads one: the
// two never disagree on a whole date.
func TestParsePartialDateAgreesWithParseDate(t *testing.T) {
	for _, s := range []string{"2024-05-01", "20240501", "2024-02-29", "0001-01-01", "9999-12-31", "2019-05-00", "1980-00-00", "2023-02-30"} {
		want, werr := ParseDate(s, nil)
		got, p, err := ParsePartialDate(s, nil)
		if werr == nil && (err != nil || got != want || p != PrecisionDay) {
			t.Errorf("%q: ParseDate %v, ParsePartialDate %v %s %v", s, want, got, p, err)
		}
	}
}

func asError(err error, e **Error) bool {
	x, ok := err.(*Error)
	*e = x
	return ok
}
