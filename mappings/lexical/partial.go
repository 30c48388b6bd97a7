package lexical

import (
	"time"

	"github.com/regflytt/regflytt/connectors"
)

// Precision says how much of a partial date is known.
type Precision string

// The precisions of a partial date, from the coarsest.
const (
	// PrecisionYear: only the year is known ("1980-00-00").
	PrecisionYear Precision = "year"
	// PrecisionMonth: the year and month are known ("2019-05-00").
	PrecisionMonth Precision = "month"
	// PrecisionDay: a whole date.
	PrecisionDay Precision = "day"
)

// ParsePartialDate reads a date of which registries sometimes knew only
// the year or the month, and wrote the rest as zeros: "1980-00-00" (year
// known), "2019-05-00" (month known). It gives the first day of the known
// period (1980-01-01, 2019-05-01) and its precision; a whole date is
// itself at PrecisionDay. Layouts are ParseDate's (nil means YYYY-MM-DD
// and YYYYMMDD).
//
// What is not a partial date is an error of ParseDate's kinds: the zero
// date 0000-00-00 (KindZeroDate: nothing is known), year 0000, a day
// without a month (1980-00-15), a month above 12 or a day the month does
// not have (KindInvalidDate), text of no layout's shape (KindNoLayout).
func ParsePartialDate(s string, layouts []string) (connectors.Date, Precision, error) {
	var pre []compiled
	if len(layouts) == 0 {
		layouts, pre = defaultDateLayouts[:], defaultDate
	}
	v, err := parse(s, layouts, pre, true, true)
	if err != nil {
		return connectors.Date{}, "", err
	}
	d := connectors.Date{Year: v[fYear], Month: time.Month(v[fMonth]), Day: v[fDay]}
	p := PrecisionDay
	switch {
	case d.Month == 0:
		d.Month, d.Day, p = 1, 1, PrecisionYear
	case d.Day == 0:
		d.Day, p = 1, PrecisionMonth
	}
	return d, p, nil
}

// judgePartial is judge for a date whose day, or month and day, may be
// zero: the fields that are known must still name a real year, month and
// day.
func (v *fields) judgePartial() (zero bool, reason string) {
	switch {
	case *v == (fields{}):
		return true, reasonZeroDate
	case v[fYear] == 0:
		return false, reasonYearZero
	case v[fMonth] == 0 && v[fDay] != 0:
		return false, reasonDayNoMonth
	case v[fMonth] > 12:
		return false, reasonMonthRange
	case v[fMonth] != 0 && v[fDay] > daysIn(v[fMonth], v[fYear]):
		return false, reasonDayRange
	}
	return false, ""
}
