package mappings

import (
	"slices"
	"strings"

	"github.com/regflytt/regflytt/connectors"
	"github.com/regflytt/regflytt/mappings/lexical"
)

// Partial dates: registries wrote a date of which only the year or the
// month was known with zeros for the rest ("1980-00-00", "2019-05-00").
// No date column holds them, and date() refuses them (invalid_date), so
// the record is archived with its text unless the mapping keeps them at
// their precision: partial_date() gives the first day of the known period
// for a date column, and partial_date_precision() the precision for a
// second column, so that the receiving platform can tell 2019-05-01 the
// date from May 2019.

// partialDateFunction and partialDatePrecisionFunction are listed by
// Functions.
var (
	partialDateFunction = Function{Name: "partial_date", Signature: "partial_date(text, layout...) date",
		Doc:     "A date of which only the year or the month may be known, written with zeros for the rest (\"1980-00-00\", \"2019-05-00\", also a DATE column's zero-day value): the first day of the known period (1980-01-01, 2019-05-01); a whole date is itself. Layouts as for date(). Pair it with partial_date_precision() in a second column, or the precision is lost. 0000-00-00 (nothing known), year 0000 and a day without a month are refused.",
		Reasons: []string{"zero_date", "invalid_date", "date_format", "date_ambiguous"},
		Example: `string(partial_date("2019-05-00"))`, Result: "2019-05-01", impl: fnPartialDate}
	partialDatePrecisionFunction = Function{Name: "partial_date_precision", Signature: "partial_date_precision(text, layout...) text",
		Doc:     "How much of a partial date is known: \"year\", \"month\" or \"day\" (a whole date); NULL for NULL. It reads and refuses exactly what partial_date() does.",
		Reasons: []string{"zero_date", "invalid_date", "date_format", "date_ambiguous"},
		Example: `partial_date_precision("1980-00-00")`, Result: "year", impl: fnPartialDatePrecision}
)

func fnPartialDate(env *Env, args []any) (any, error) {
	d, _, err := partialDate(args)
	if err != nil || d == nil {
		return nil, err
	}
	return *d, nil
}

func fnPartialDatePrecision(env *Env, args []any) (any, error) {
	d, p, err := partialDate(args)
	if err != nil || d == nil {
		return nil, err
	}
	return string(p), nil
}

// partialDate reads the first argument by the layouts that follow; a nil
// date with no error is NULL.
func partialDate(args []any) (*connectors.Date, lexical.Precision, error) {
	if len(args) == 0 || args[0] == nil {
		return nil, "", nil
	}
	var s string
	switch x := args[0].(type) {
	case connectors.Date:
		if x.Valid() {
			return &x, lexical.PrecisionDay, nil
		}
		s = x.String()
	case connectors.InvalidDate:
		// A DATE column's 2019-05-00, as MariaDB stores it.
		s = x.Raw
	default:
		var err error
		if s, err = textArg("partial_date", args[0]); err != nil {
			return nil, "", err
		}
	}
	ls, err := layouts(args[1:])
	if err != nil {
		return nil, "", err
	}
	d, p, err := lexical.ParsePartialDate(s, ls)
	if err != nil {
		return nil, "", lexicalReason(err)
	}
	return &d, p, nil
}

// partialCall is a partial_date or partial_date_precision call of a
// column's expression, and the source columns its value reads.
type partialCall struct {
	precision bool
	reads     []int
}

// partialPrecision requires, of each partial_date of a column, a
// partial_date_precision of the same source columns in a column of the
// table (M085): without it, a date of which only the year or month was
// known arrives as a whole date (2019-05-00 as 2019-05-01), and nothing
// says otherwise.
func (c *compiler) partialPrecision(tp *TableProgram) {
	var kept [][]int
	for i := range tp.cols {
		if e := tp.cols[i].expr; e != nil {
			for _, pc := range e.partials {
				if pc.precision {
					kept = append(kept, pc.reads)
				}
			}
		}
	}
	for i := range tp.cols {
		cp := &tp.cols[i]
		if cp.expr == nil {
			continue
		}
		for _, pc := range cp.expr.partials {
			if pc.precision || len(pc.reads) == 0 || slices.ContainsFunc(kept, func(k []int) bool { return sameSet(k, pc.reads) }) {
				continue
			}
			var names []string
			for _, r := range pc.reads {
				names = append(names, c.st.Columns[r].Name)
			}
			c.ds.add(cp.pos, "M085", "%s: partial_date of %s, and no column keeps its precision: a date of which only the year or month is known would arrive as a whole date; map partial_date_precision(%s) in another column, or use date(), which archives a partial date", cp.target.Name, strings.Join(names, ", "), strings.Join(names, ", "))
		}
	}
}
