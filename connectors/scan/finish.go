package scan

import (
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/regflytt/regflytt/connectors"
	"github.com/regflytt/regflytt/mappings/pnr"
)

// Column classes.
const (
	ClassIdentity = "identity"
	ClassFreeText = "free_text"
	ClassCode     = "code"
	ClassDate     = "date"
	ClassNumber   = "number"
	ClassKey      = "key"
	ClassValue    = "value"
)

// report turns what was counted into a column profile, suppressing what
// could be personal data. key says the column is (part of) a key.
func (s *columnStat) report(key bool) *Column {
	c := &Column{
		Name: s.col.Name, SourceType: s.col.SourceType, Charset: s.col.Charset, Nullable: s.col.Nullable,
		Values: s.values, Nulls: s.nulls,
	}
	if s.col.Type.Kind != connectors.KindInvalid {
		c.Canonical = s.col.Type.String()
	}
	if s.exact != nil {
		c.Distinct, c.DistinctExact = int64(len(s.exact)), true
	} else {
		c.Distinct = s.sketch.estimate()
	}
	c.Class = s.class(key)
	kind := s.col.Type.Kind
	isText := kind == connectors.KindText || kind == connectors.KindBytes || kind == connectors.KindJSON

	if s.lenMin >= 0 {
		l := &Lengths{Min: s.lenMin, Max: s.lenMax}
		for i, n := range s.lenBuckets {
			if n == 0 {
				continue
			}
			l.Buckets = append(l.Buckets, Count{Value: bucketLabel(i), Count: n})
		}
		c.Lengths = l
	}

	// Minimum and maximum: values for numbers and dates and for codes
	// that many rows share; shapes where a value could be a person's.
	if s.min != nil {
		lo, _ := connectors.FormatValue(s.min)
		hi, _ := connectors.FormatValue(s.max)
		showValues := !isText || (c.Class == ClassCode && s.countOf(s.min) >= int64(s.opts.MinCell) && s.countOf(s.max) >= int64(s.opts.MinCell))
		if c.Class == ClassIdentity || c.Class == ClassFreeText {
			showValues = false
		}
		if connectors.MaskIdentityNumbers(lo) != lo || connectors.MaskIdentityNumbers(hi) != hi {
			// One patient's number typed into a code column many times
			// is still a person's.
			showValues = false
		}
		if showValues {
			c.Min, c.Max = lo, hi
		} else {
			c.Min, c.Max, c.MinMaxShapes = shapeOf(lo, 24), shapeOf(hi, 24), true
		}
	}

	// Text that holds numbers or dates: their range by value. A weight
	// or a visit date is no identity; the range says what a mapping's
	// rules must accept.
	if isText && c.Class == ClassNumber && s.textNumMin != nil {
		c.Min, _ = connectors.FormatValue(s.textNumMin)
		c.Max, _ = connectors.FormatValue(s.textNumMax)
		// An identity number typed as a weight is a number too.
		c.Min, c.Max = connectors.MaskIdentityNumbers(c.Min), connectors.MaskIdentityNumbers(c.Max)
		c.MinMaxShapes = false
	}
	if isText && c.Class == ClassDate && s.textDateMin != nil {
		c.Min, _ = connectors.FormatValue(s.textDateMin)
		c.Max, _ = connectors.FormatValue(s.textDateMax)
		c.MinMaxShapes = false
	}

	// Most frequent values.
	switch {
	case c.Class == ClassIdentity:
		c.Top, c.TopShapes = s.topShapes(), true
		c.TopNote = "identity numbers: shapes only"
	case c.Class == ClassFreeText:
		c.TopNote = "free text: not shown"
	case s.exact == nil:
		c.TopNote = fmt.Sprintf("more than %d distinct values: not counted", s.bound)
	case kind == connectors.KindBytes || kind == connectors.KindJSON:
		c.TopNote = "binary or JSON: not shown"
	default:
		c.Top, c.TopNote = s.topValues()
	}

	if s.pnrShaped > 0 && c.Class == ClassIdentity {
		id := &Identity{Valid: s.pnrValid, Coordination: s.coord, Spaced: s.spaced, AmbiguousCentury: s.ambiguous}
		id.Formats = sortedCounts(s.formats)
		for r, n := range s.invalid {
			id.Invalid = append(id.Invalid, Count{Value: string(r), Count: n})
		}
		sortCounts(id.Invalid)
		c.Identity = id
	}
	if kind == connectors.KindDate || kind == connectors.KindDateTime || kind == connectors.KindTimestamp || c.Class == ClassDate {
		c.Dates = &Dates{Zero: s.zero, Partial: s.partial, Impossible: s.impossible, OutOfRange: s.outOfRange, Future: s.future}
	}
	// A blob column's bytes are counted as text only when most of its
	// values are UTF-8: latin1() is for text, not for images.
	bytesText := kind != connectors.KindBytes || s.blobText*2 >= s.values
	if s.garbled > 0 || s.controls > 0 || s.textAmbiguous > 0 || s.asWritten > 0 || (s.invalidText > 0 || s.bytesAmbiguous > 0) && bytesText {
		c.Text = &TextDamage{Garbled: s.garbled, GarbledTwice: s.garbledTwice, Controls: s.controls, Ambiguous: s.textAmbiguous, AsWritten: s.asWritten}
		if bytesText {
			c.Text.Invalid, c.Text.InvalidAmbiguous = s.invalidText, s.bytesAmbiguous
			if s.invalidText > 0 {
				// UTF-8 beside bytes that are not: latin1() reads
				// each value by itself, and these as UTF-8.
				c.Text.UTF8BesideInvalid = s.utf8Text
			}
		}
	}
	if kind == connectors.KindText && s.numericText() {
		c.Numeric = &NumericText{Numbers: s.numbers, DecimalComma: s.comma, NotNumber: s.notNumber}
	}
	for r, n := range s.unfit {
		c.Unfit = append(c.Unfit, Count{Value: string(r), Count: n})
	}
	sortCounts(c.Unfit)
	return c
}

// numericText: text of which nine in ten non-empty values are numbers.
func (s *columnStat) numericText() bool {
	return s.numbers > 0 && s.numbers*10 >= (s.numbers+s.notNumber)*9 && s.numbers*2 >= s.values
}

func (s *columnStat) class(key bool) string {
	kind := s.col.Type.Kind
	switch {
	case identityName(s.col.Name) || s.values > 0 && s.pnrShaped*2 >= s.values && s.plausiblePNR()*2 >= s.pnrShaped:
		return ClassIdentity
	case key:
		return ClassKey
	case kind == connectors.KindBytes && s.blobText*2 >= s.values && s.values > 0:
		return ClassFreeText
	case kind == connectors.KindText && personalName(s.col.Name):
		// Names, addresses and contact details are personal data even
		// when they are short and repeat: never shown.
		return ClassFreeText
	case kind == connectors.KindText:
		avg := int64(0)
		if s.values > 0 {
			avg = s.totalChars / s.values
		}
		switch {
		case s.maxChars > 60 || avg > 30:
			return ClassFreeText
		case s.values > 0 && s.dateLike*2 >= s.values:
			return ClassDate
		case s.numericText() && (s.exact == nil || len(s.exact) > 50):
			return ClassNumber
		case s.exact != nil && len(s.exact) <= 50 && s.maxChars <= 20:
			return ClassCode
		}
	case kind == connectors.KindDate || kind == connectors.KindDateTime || kind == connectors.KindTimestamp:
		return ClassDate
	case kind == connectors.KindInt || kind == connectors.KindDecimal || kind == connectors.KindFloat:
		if s.exact != nil && len(s.exact) <= 20 && kind == connectors.KindInt {
			return ClassCode
		}
		return ClassNumber
	case kind == connectors.KindBool:
		return ClassCode
	}
	return ClassValue
}

func (s *columnStat) countOf(v connectors.Value) int64 {
	if s.exact == nil {
		return 0
	}
	if e := s.exact[hashValue(v)]; e != nil {
		return e.n
	}
	return 0
}

// topValues gives up to ten most frequent values whose count reaches
// MinCell, and a note of what was held back.
func (s *columnStat) topValues() ([]Count, string) {
	type kv struct {
		s string
		n int64
	}
	var all []kv
	var small, long int64
	for _, e := range s.exact {
		if e.n < int64(s.opts.MinCell) {
			small++
			continue
		}
		if e.v == nil {
			long++
			continue
		}
		t, _ := connectors.FormatValue(e.v)
		// A code column's value that holds an identity number is
		// counted masked (19121212-****): the count says a person's
		// number stands where a code should, the mask not whose.
		all = append(all, kv{connectors.MaskIdentityNumbers(t), e.n})
	}
	sort.Slice(all, func(i, j int) bool {
		if all[i].n != all[j].n {
			return all[i].n > all[j].n
		}
		return all[i].s < all[j].s
	})
	var out []Count
	for i := 0; i < len(all) && i < s.opts.TopN; i++ {
		out = append(out, Count{Value: all[i].s, Count: all[i].n})
	}
	var notes []string
	if small > 0 {
		notes = append(notes, fmt.Sprintf("%d value(s) held by fewer than %d rows not shown", small, s.opts.MinCell))
	}
	if long > 0 {
		notes = append(notes, fmt.Sprintf("%d long value(s) not shown", long))
	}
	return out, strings.Join(notes, "; ")
}

func (s *columnStat) topShapes() []Count {
	var out []Count
	for sh, n := range s.shapes {
		if n >= int64(s.opts.MinCell) {
			out = append(out, Count{Value: sh, Count: n})
		}
	}
	sortCounts(out)
	if len(out) > s.opts.TopN {
		out = out[:s.opts.TopN]
	}
	return out
}

func sortedCounts(m map[string]int64) []Count {
	out := make([]Count, 0, len(m))
	for k, n := range m {
		out = append(out, Count{Value: k, Count: n})
	}
	sortCounts(out)
	return out
}

func sortCounts(c []Count) {
	sort.Slice(c, func(i, j int) bool {
		if c[i].Count != c[j].Count {
			return c[i].Count > c[j].Count
		}
		return c[i].Value < c[j].Value
	})
}

func bucketLabel(i int) string {
	switch {
	case i == 0:
		return "0"
	case i == len(lengthEdges):
		return ">" + strconv.Itoa(lengthEdges[i-1])
	case lengthEdges[i-1]+1 == lengthEdges[i]:
		return strconv.Itoa(lengthEdges[i])
	}
	return strconv.Itoa(lengthEdges[i-1]+1) + "-" + strconv.Itoa(lengthEdges[i])
}

// personalName reports whether a column's name says it holds a person's
// name, address or contact details.
func personalName(name string) bool {
	return nameHas(name, "namn", "name", "adress", "address", "gata", "street", "telefon", "phone", "mobil", "epost", "email", "e_post", "mail")
}

// plausiblePNR counts the identity-shaped values that name a birth date:
// valid, or broken only in the check digit, the day, by lying ahead or by
// a century before any living person's.
// Ten-digit running numbers (month 00) are not identity numbers; typed
// identity numbers with bad check digits still are.
func (s *columnStat) plausiblePNR() int64 {
	return s.pnrValid + s.invalid[pnr.RuleChecksum] + s.invalid[pnr.RuleDay] + s.invalid[pnr.RuleFuture] + s.invalid[pnr.RuleYear]
}
