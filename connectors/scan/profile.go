package scan

import (
	"math"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/regflytt/regflytt/connectors"
	"github.com/regflytt/regflytt/mappings/lexical"
	"github.com/regflytt/regflytt/mappings/pnr"
)

// columnStat follows one column (or one EAV attribute's values) through
// a stream of values. Its memory is bounded: at most bound distinct
// values are remembered, then a HyperLogLog sketch takes over.
type columnStat struct {
	col   connectors.Column
	opts  *Options
	ref   connectors.Date
	refAt time.Time
	bound int

	values, nulls int64

	exact  map[uint64]*entry // nil once the bound is passed
	sketch *hll

	min, max connectors.Value

	lenMin, lenMax int
	lenBuckets     [len(lengthEdges) + 1]int64
	totalChars     int64

	// identity numbers
	pnrShaped, pnrValid, coord, spaced, ambiguous int64
	formats                                       map[string]int64
	invalid                                       map[pnr.Rule]int64
	shapes                                        map[string]int64

	// dates
	dateLike, zero, partial, impossible, outOfRange, future int64

	// text, counted by the functions a mapping calls (mappings/lexical's
	// RepairTextSteps for repair(), DecodeUTF8OrWindows1252 for
	// latin1()), so that the report says what the run will do: values
	// repair() puts right (garbled, and of them garbledTwice garbled more
	// than once), values whose C1 controls it makes Windows-1252
	// characters (controls) and values it archives as encoding_ambiguous
	// (textAmbiguous), and values it keeps only because a capital and
	// punctuation in them read as written (asWritten: "UMEÅ–SUNDSVALL",
	// which garbled would be "UMEŖSUNDSVALL"); values latin1() reads as
	// Windows-1252 (invalidText) and archives (bytesAmbiguous), and
	// values of bytes, or text, beyond ASCII that it reads as UTF-8
	// (utf8Text: beside invalidText, a guess the report names); blob
	// values that are UTF-8 (blobText).
	garbled, garbledTwice, controls, textAmbiguous, asWritten int64
	invalidText, bytesAmbiguous, blobText, utf8Text           int64

	// numbers in text
	numbers, comma, notNumber int64
	// the range of the numbers and dates text holds, by value, not by
	// spelling ("99.9" sorts after "100.5" as text)
	textNumMin, textNumMax   connectors.Value
	textDateMin, textDateMax connectors.Value

	// what the proposal needs
	fitType connectors.Type
	fitOK   bool
	unfit   map[connectors.Rule]int64
	// nonFinite counts a decimal column's NaN and infinities (a
	// PostgreSQL numeric's, read as floats), which no receiving decimal
	// holds.
	nonFinite        int64
	maxChars         int
	hasUint64        bool
	intDigits, scale int
	beyondDay        bool
}

// entry is one distinct value: the value itself when it is short enough
// to show (long text never is), and its count.
type entry struct {
	v connectors.Value
	n int64
}

// lengthEdges are the upper bounds of the length buckets.
var lengthEdges = [...]int{0, 1, 2, 4, 8, 16, 32, 64, 128, 256, 1024}

func newColumnStat(c connectors.Column, opts *Options, bound int) *columnStat {
	s := &columnStat{col: c, opts: opts, bound: bound, exact: map[uint64]*entry{}, lenMin: -1,
		formats: map[string]int64{}, invalid: map[pnr.Rule]int64{}, shapes: map[string]int64{}, unfit: map[connectors.Rule]int64{}}
	s.refAt = opts.ReferenceDate
	s.ref = connectors.DateOf(opts.ReferenceDate)
	if t, err := connectors.ReceivingType(c); err == nil {
		// The proposal widens text and unsigned integers to what the
		// values need; what no widening helps is what Unfit counts.
		t.Length = 0
		if t.Kind == connectors.KindInt {
			t.Bits, t.Unsigned = 64, false
		}
		s.fitType, s.fitOK = t, true
	}
	return s
}

// identityName reports whether a column's name says it holds identity
// numbers.
func identityName(name string) bool {
	n := strings.ToLower(name)
	for _, w := range []string{"personnr", "personnummer", "pnr", "ssn", "samordningsnr", "personid_nr"} {
		if strings.Contains(n, w) {
			return true
		}
	}
	return false
}

func (s *columnStat) add(v connectors.Value) {
	if v == nil {
		s.nulls++
		return
	}
	s.values++
	s.distinct(v)
	s.minMax(v)
	if f, ok := v.(float64); ok && s.col.Type.Kind == connectors.KindDecimal && (math.IsNaN(f) || math.IsInf(f, 0)) {
		s.nonFinite++
	}
	if s.fitOK {
		if err := s.fitType.Fit(v); err != nil {
			if fe, ok := err.(*connectors.FitError); ok {
				switch fe.Rule {
				case connectors.RuleInvalidDate, connectors.RuleTimeRange:
					// counted as dates and durations below
				case connectors.RuleIntRange:
					if _, big := v.(uint64); !big {
						s.unfit[fe.Rule]++
					}
				default:
					s.unfit[fe.Rule]++
				}
			}
		}
	}
	switch x := v.(type) {
	case string:
		s.text(x)
	case []byte:
		s.length(len(x))
		if utf8.Valid(x) {
			s.blobText++
			// A BINARY or BLOB column of identity numbers holds them as
			// text does.
			s.identity(string(x))
		}
		s.latin1(x)
	case int64:
		if x > 0 {
			s.integerIdentity(strconv.FormatInt(x, 10))
		}
	case uint64:
		s.hasUint64 = true
	case float64:
		// A DOUBLE, REAL or FLOAT of identity numbers (a spreadsheet
		// import): a double holds every whole number of twelve digits
		// exactly, so a whole one's digits are the number's.
		if x > 0 && x < 1e12 && x == math.Trunc(x) {
			s.integerIdentity(strconv.FormatFloat(x, 'f', -1, 64))
		}
	case connectors.Decimal:
		s.decimalDigits(string(x))
		// A DECIMAL(12,0) or NUMERIC of identity numbers: the integer
		// part of a decimal whose fraction is all zeros.
		if ip, fp, _ := strings.Cut(string(x), "."); strings.Trim(fp, "0") == "" && ip != "" && strings.Trim(ip, "0123456789") == "" {
			s.integerIdentity(ip)
		}
	case connectors.InvalidDate:
		s.invalidDate(x.Raw)
	case connectors.Date:
		if dateAfter(x, s.ref) {
			s.future++
		}
	case connectors.LocalDateTime:
		if dateAfter(x.Date, s.ref) {
			s.future++
		}
	case time.Time:
		if dateAfter(connectors.DateOf(x), s.ref) {
			s.future++
		}
	case connectors.Duration:
		if d := time.Duration(x); d < 0 || d > 24*time.Hour {
			s.beyondDay = true
		}
	}
}

func dateAfter(a, b connectors.Date) bool {
	if a.Year != b.Year {
		return a.Year > b.Year
	}
	if a.Month != b.Month {
		return a.Month > b.Month
	}
	return a.Day > b.Day
}

func (s *columnStat) distinct(v connectors.Value) {
	if s.exact == nil {
		s.sketch.add(hashValue(v))
		return
	}
	h := hashValue(v)
	if e := s.exact[h]; e != nil {
		e.n++
		return
	}
	if len(s.exact) >= s.bound {
		s.sketch = &hll{}
		for k := range s.exact {
			s.sketch.add(k)
		}
		s.exact = nil
		s.sketch.add(h)
		return
	}
	e := &entry{n: 1}
	switch x := v.(type) {
	case string:
		if len(x) <= 64 {
			e.v = strings.Clone(x)
		}
	case []byte, connectors.JSON:
		// never shown
	default:
		e.v = v
	}
	s.exact[h] = e
}

func hashValue(v connectors.Value) uint64 {
	switch x := v.(type) {
	case int64:
		return mix64(uint64(x))
	case string:
		return hashString(x)
	case []byte:
		return hashString(string(x))
	}
	t, _ := connectors.FormatValue(v)
	return hashString(t)
}

func (s *columnStat) minMax(v connectors.Value) {
	switch x := v.(type) {
	case connectors.InvalidDate, []byte, connectors.JSON, bool, connectors.UUID:
		return
	case float64:
		// A numeric's NaN and infinities read as floats among its
		// decimals, which they do not compare with: the decimals make
		// its range, and unfit_value counts them.
		if math.IsNaN(x) || s.col.Type.Kind == connectors.KindDecimal {
			return
		}
	case string:
		v = strings.Clone(x)
	}
	if s.min == nil || less(v, s.min) {
		s.min = v
	}
	if s.max == nil || less(s.max, v) {
		s.max = v
	}
}

func (s *columnStat) length(n int) {
	if s.lenMin < 0 || n < s.lenMin {
		s.lenMin = n
	}
	if n > s.lenMax {
		s.lenMax = n
	}
	s.totalChars += int64(n)
	i := sort.SearchInts(lengthEdges[:], n)
	s.lenBuckets[i]++
}

func (s *columnStat) text(x string) {
	n := utf8.RuneCountInString(x)
	s.length(n)
	if n > s.maxChars {
		s.maxChars = n
	}
	if !utf8.ValidString(x) {
		s.latin1([]byte(x))
	} else {
		s.repair(x)
		if !isASCII(x) {
			// latin1() keeps it as the text it is.
			s.utf8Text++
		}
	}
	t := strings.TrimFunc(x, unicode.IsSpace)
	if t == "" {
		return
	}
	if s.identity(x) {
		return
	}
	if len(t) <= 32 {
		if d, err := lexical.ParseDecimal(t); err == nil {
			s.numbers++
			if strings.Contains(t, ",") {
				s.comma++
			}
			s.decimalDigits(string(d))
			s.textNumMin, s.textNumMax = widen(s.textNumMin, s.textNumMax, d)
			return
		} else if strings.IndexFunc(t, unicode.IsDigit) >= 0 {
			s.notNumber++
		}
	}
	if len(t) >= 8 && len(t) <= 29 && t[0] >= '0' && t[0] <= '9' {
		s.textDate(t)
	}
}

// repair counts what repair() does with a value of text: the same
// function, so that a count is a promise the run keeps.
func (s *columnStat) repair(x string) {
	_, r, err := lexical.RepairTextSteps(x)
	if err != nil {
		s.textAmbiguous++
		return
	}
	if r.Rounds > 0 {
		s.garbled++
	}
	if r.Rounds > 1 {
		s.garbledTwice++
	}
	if r.Controls {
		s.controls++
	}
	if r.AsWritten {
		s.asWritten++
	}
}

// maxLatin1Bytes bounds the values latin1() is tried on: it reads a
// value into a slice of eight bytes per byte, and the scan's memory must
// not grow with a column of scanned documents or images, which are no
// text a mapping decodes. Text in a value this long is not counted.
const maxLatin1Bytes = 1 << 20

// latin1 counts what latin1() does with bytes, or with text that is not
// valid UTF-8: read as Windows-1252 (invalidText) or archived as
// encoding_ambiguous (bytesAmbiguous). UTF-8 it reads as it is.
func (s *columnStat) latin1(b []byte) {
	if len(b) > maxLatin1Bytes {
		return
	}
	out, err := lexical.DecodeUTF8OrWindows1252(b)
	switch {
	case err != nil:
		s.bytesAmbiguous++
	case out != string(b):
		s.invalidText++
	case !isASCII(out):
		s.utf8Text++
	}
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// textDate reads text that may be a date with the ISO layouts every
// locale reads alike.
func (s *columnStat) textDate(t string) {
	d, err := lexical.ParseDate(t, nil)
	if err == nil {
		s.dateLike++
		s.textDateMin, s.textDateMax = widen(s.textDateMin, s.textDateMax, d)
		if dateAfter(d, s.ref) {
			s.future++
		}
		return
	}
	if lexical.KindOf(err) == lexical.KindNoLayout {
		dt, err2 := lexical.ParseDateTime(t, nil)
		if err2 == nil {
			s.dateLike++
			s.textDateMin, s.textDateMax = widen(s.textDateMin, s.textDateMax, dt)
			if dateAfter(dt.Date, s.ref) {
				s.future++
			}
			return
		}
		err = err2
	}
	switch lexical.KindOf(err) {
	case lexical.KindZeroDate, lexical.KindInvalidDate:
		s.dateLike++
		s.invalidDate(t)
	}
}

// invalidDate sorts a stored date no calendar holds: all zero, a zero
// day or month (a partial date), or a day the month does not have.
func (s *columnStat) invalidDate(raw string) {
	if beyondCalendar(raw) {
		s.outOfRange++
		return
	}
	var parts []int
	cur, in := 0, false
	for i := 0; i < len(raw) && len(parts) < 3; i++ {
		c := raw[i]
		if c >= '0' && c <= '9' {
			cur, in = cur*10+int(c-'0'), true
			if len(parts) == 0 && i == 7 && !strings.ContainsAny(raw[:8], "-./") {
				// YYYYMMDD
				parts = []int{cur / 10000, cur / 100 % 100, cur % 100}
				in = false
			}
			continue
		}
		if in {
			parts = append(parts, cur)
		}
		cur, in = 0, false
	}
	if in && len(parts) < 3 {
		parts = append(parts, cur)
	}
	for len(parts) < 3 {
		parts = append(parts, 0)
	}
	switch {
	case parts[0] == 0 && parts[1] == 0 && parts[2] == 0:
		s.zero++
	case parts[1] == 0 || parts[2] == 0:
		s.partial++
	default:
		s.impossible++
	}
}

// beyondCalendar reports whether raw is PostgreSQL's text of a date or
// timestamp outside years 1..9999 ("infinity", "-infinity", "… BC",
// "10000-01-01"), which no target's calendar holds, rather than a date
// with zero or impossible fields.
func beyondCalendar(raw string) bool {
	if strings.Contains(raw, "infinity") || strings.HasSuffix(raw, " BC") {
		return true
	}
	i := 0
	for i < len(raw) && raw[i] >= '0' && raw[i] <= '9' {
		i++
	}
	return i > 4 && i < len(raw) && raw[i] == '-'
}

// integerIdentity looks at the digits of a positive integer that may be
// an identity number kept as a number: 12 digits, 10, or 9 when a birth
// year 2000-2009 lost its leading zero.
func (s *columnStat) integerIdentity(digits string) {
	digits = strings.TrimLeft(digits, "0")
	switch len(digits) {
	case 9:
		s.identity("0" + digits)
	case 10, 12:
		s.identity(digits)
	}
}

// identity looks at text that may be an identity number; it reports
// whether the value had an identity number's shape.
func (s *columnStat) identity(x string) bool {
	t := strings.TrimFunc(x, unicode.IsSpace)
	format := pnrFormat(t)
	if format == "" {
		return false
	}
	s.pnrShaped++
	if len(t) != len(x) {
		s.spaced++
	}
	s.formats[format]++
	n, notes, err := pnr.ParseNotes(x, s.refAt)
	if err != nil {
		var rule pnr.Rule = "invalid"
		if pe, ok := err.(*pnr.Error); ok {
			rule = pe.Rule
		}
		s.invalid[rule]++
	} else {
		s.pnrValid++
		if n.Coordination() {
			s.coord++
		}
		if notes.Has(pnr.NoteCentury) && format == "YYMMDDNNNN" {
			s.ambiguous++
		}
	}
	if len(s.shapes) < 64 || s.shapes[shapeOf(t, 24)] > 0 {
		s.shapes[shapeOf(t, 24)]++
	}
	return true
}

// pnrFormat names the shape of a value that looks like an identity
// number, or "" when it does not: 10 or 12 digits with at most one '-' or
// '+' among them.
func pnrFormat(t string) string {
	if len(t) < 10 || len(t) > 13 {
		return ""
	}
	digits, sep, at := 0, byte(0), -1
	for i := 0; i < len(t); i++ {
		switch c := t[i]; {
		case c >= '0' && c <= '9':
			digits++
		case (c == '-' || c == '+') && sep == 0:
			sep, at = c, i
		default:
			return ""
		}
	}
	if digits != 10 && digits != 12 {
		return ""
	}
	year := "YY"
	if digits == 12 {
		year = "YYYY"
	}
	switch {
	case sep == 0:
		return year + "MMDDNNNN"
	case at == len(t)-5:
		return year + "MMDD" + string(sep) + "NNNN"
	}
	return "other (" + strconv.Itoa(digits) + " digits, misplaced separator)"
}

// shapeOf gives a value's shape: digits as 9, letters as A or a, other
// characters kept, cut after max runes. A shape says what a value looks
// like without saying what it is.
func shapeOf(s string, max int) string {
	var b strings.Builder
	n := 0
	for _, r := range s {
		if n == max {
			b.WriteString("…")
			break
		}
		switch {
		case unicode.IsDigit(r):
			b.WriteByte('9')
		case unicode.IsUpper(r):
			b.WriteByte('A')
		case unicode.IsLetter(r):
			b.WriteByte('a')
		case r == ' ':
			b.WriteByte(' ')
		case unicode.IsSpace(r):
			b.WriteString("␣")
		case r < 0x80 && unicode.IsPrint(r):
			b.WriteRune(r)
		default:
			b.WriteString("·")
		}
		n++
	}
	return b.String()
}

// decimalDigits records the integer digits and scale a decimal needs.
func (s *columnStat) decimalDigits(d string) {
	d = strings.TrimPrefix(d, "-")
	ip, fp, _ := strings.Cut(d, ".")
	ip = strings.TrimLeft(ip, "0")
	if len(ip) > s.intDigits {
		s.intDigits = len(ip)
	}
	if len(fp) > s.scale {
		s.scale = len(fp)
	}
}

// widen extends a range by v (values of one kind; see less).
func widen(lo, hi, v connectors.Value) (connectors.Value, connectors.Value) {
	if lo == nil || less(v, lo) {
		lo = v
	}
	if hi == nil || less(hi, v) {
		hi = v
	}
	return lo, hi
}

// less orders two canonical values of one column's kind.
func less(a, b connectors.Value) bool {
	switch x := a.(type) {
	case int64:
		switch y := b.(type) {
		case int64:
			return x < y
		case uint64:
			return true
		}
	case uint64:
		switch y := b.(type) {
		case uint64:
			return x < y
		case int64:
			return false
		}
	case float64:
		if y, ok := b.(float64); ok {
			return x < y
		}
	case string:
		if y, ok := b.(string); ok {
			return x < y
		}
	case connectors.Decimal:
		if y, ok := b.(connectors.Decimal); ok {
			c, ok := connectors.CompareDecimal(x, y)
			return ok && c < 0
		}
	case connectors.Date:
		if y, ok := b.(connectors.Date); ok {
			return dateAfter(y, x)
		}
	case connectors.LocalDateTime:
		if y, ok := b.(connectors.LocalDateTime); ok {
			return x.Time().Before(y.Time())
		}
	case time.Time:
		if y, ok := b.(time.Time); ok {
			return x.Before(y)
		}
	case connectors.Duration:
		if y, ok := b.(connectors.Duration); ok {
			return x < y
		}
	}
	return false
}
