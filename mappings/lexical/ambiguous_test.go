package lexical

import (
	"testing"

	"github.com/regflytt/regflytt/connectors"
)

// A mapping that lists DD/MM/YYYY and MM/DD/YYYY does so because the
// legacy column holds both; 02/03/2024 is then 2 March or 3 February, and
// the first layout decided silently. A value two layouts read as two
// different dates is refused (KindAmbiguousDate); one they read alike, or
// that only one reads, is a date.
func TestParseRefusesLayoutsThatReadTwoDates(t *testing.T) {
	dmyMdy := []string{"DD/MM/YYYY", "MM/DD/YYYY"}
	for _, c := range []struct {
		in      string
		layouts []string
		want    connectors.Date // zero: refused as ambiguous
	}{
		{"02/03/2024", dmyMdy, connectors.Date{}},
		{"13/02/2024", dmyMdy, connectors.Date{Year: 2024, Month: 2, Day: 13}},
		{"02/13/2024", dmyMdy, connectors.Date{Year: 2024, Month: 2, Day: 13}},
		{"05/05/2024", dmyMdy, connectors.Date{Year: 2024, Month: 5, Day: 5}},
		{"1.2.2024", []string{"D.M.YYYY", "DD.MM.YYYY"}, connectors.Date{Year: 2024, Month: 2, Day: 1}},
		{"01.02.2024", []string{"D.M.YYYY", "DD.MM.YYYY"}, connectors.Date{Year: 2024, Month: 2, Day: 1}},
		{"2024-01-02", []string{"YYYY-MM-DD", "YYYY-DD-MM"}, connectors.Date{}},
	} {
		d, err := ParseDate(c.in, c.layouts)
		if c.want == (connectors.Date{}) {
			if KindOf(err) != KindAmbiguousDate {
				t.Errorf("ParseDate(%q, %q) = %v, %v; want refused as ambiguous", c.in, c.layouts, d, err)
			}
			continue
		}
		if err != nil || d != c.want {
			t.Errorf("ParseDate(%q, %q) = %v, %v; want %v", c.in, c.layouts, d, err, c.want)
		}
	}
	dt, err := ParseDateTime("02/03/2024 10:00", []string{"DD/MM/YYYY HH:mm", "MM/DD/YYYY HH:mm"})
	if KindOf(err) != KindAmbiguousDate {
		t.Errorf("ParseDateTime = %v, %v; want refused as ambiguous", dt, err)
	}
}
