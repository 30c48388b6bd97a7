package connectors

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// MaskIdentityNumbers returns s with the last four digits of every
// Swedish identity number in it (personnummer, samordningsnummer: 12 or
// 10 digits, with or without the '-' or '+', or a space, before the last
// four) replaced by "****": 19121212-1212 reads 19121212-****,
// 1212121212 121212****. A reserve number's serial is masked likewise:
// 19900101-T123 reads 19900101-****. A birth date written with its
// dashes counts as its digits do (1912-12-12-1212 reads 1912-12-12-****),
// and digits of another script as ASCII ones (foldDigits: full-width
// １９１２１２１２１２１２ reads １９１２１２１２****).
//
// Messages and reports name records by their key and accounts by their
// id, and a registry may use an identity number as either: the masked
// text still tells a reader which table, column and birth date to look
// at, and no longer who. A number counts where a run of digits, '-' and
// '+' is exactly one of the four shapes, so a date (2021-03-04), an
// HSA-id (SE2321000016-1234) or a longer number pass unchanged; any ten
// or twelve digits standing alone are masked, whether or not they are a
// valid number, since a mistyped identity number is still one. Looser
// groups a person list still reads by their digits (19121212 - 1212,
// 1912 12 12-1212, 1912-12-12 1212 refused: groupedNumber) count only
// as a valid number, since counts and dates are written so too
// (2024-01-05 1234 rows). Digits
// inside a long hexadecimal text (a pseudonym, a digest) are part of it,
// not a number: a pseudonym stays whole, so that a record can be found
// by it.
func MaskIdentityNumbers(s string) string {
	f, at := foldDigits(s)
	fours := maskedFours(f)
	if len(fours) == 0 {
		return s
	}
	var b strings.Builder
	last := 0
	for _, p := range fours {
		lo, hi := p, p+4
		if at != nil {
			lo, hi = at[p], at[p+4]
		}
		b.WriteString(s[last:lo])
		b.WriteString("****")
		last = hi
	}
	b.WriteString(s[last:])
	return b.String()
}

// maskedFours gives where, in s (ASCII digits, see foldDigits), each
// four characters MaskIdentityNumbers masks begin, in order; nil for
// none.
func maskedFours(s string) []int {
	var out []int
	for i := 0; i < len(s); {
		if !isDigit(s[i]) {
			i++
			continue
		}
		j := i
		for j < len(s) && (isDigit(s[j]) || s[j] == '-' || s[j] == '+') {
			j++
		}
		// A run ends at its last digit: the '-' of "1212121212-" is not
		// part of it.
		end := j
		for !isDigit(s[end-1]) {
			end--
		}
		if (identityRun(s[i:end]) || datedRun(s[i:end])) && !inHex(s, i) && !inHex(s, end-1) {
			out = append(out, end-4)
		} else if n, sep := end-i, separatorTail(s, end, end-i == 6 || end-i == 8); end == j && (n == 6 || n == 8 || datedBirth(s[i:end])) && sep > 0 && !inHex(s, i) {
			// Written with a space or another separator (19121212 1212,
			// an en dash pasted from a document, 19121212_1212,
			// 1912-12-12 1212), which the number rules refuse and people
			// still type; a run of digits whole, also before words
			// (191212 1212 refused). A date written with its dashes
			// before words (2024-01-05 1234 rows) is left to
			// groupedNumber, which holds it to a valid number.
			out = append(out, end+sep)
			j = end + sep + 4
		} else if at, ok := reserveSerial(s, i, end); ok {
			// A reserve number (19900101-T123): its serial.
			out = append(out, at)
			j = at + 4
		} else if at, ok := groupedNumber(s, i); ok && !inHex(s, i) {
			// Written in looser groups (19121212 - 1212, 1912 12 12-1212,
			// 191212 1212 refused), which a person list still reads by
			// its digits.
			out = append(out, at)
			j = at + 4
		}
		i = j
	}
	return out
}

// FoldDigits gives s as MaskIdentityNumbers reads it (foldDigits): the
// digits of any script as ASCII ones, the full-width forms of ASCII as
// ASCII. A caller that places what the masker masked by byte offsets
// (the masked text is shorter than s where s holds such characters)
// reads the folded text instead.
func FoldDigits(s string) string {
	f, _ := foldDigits(s)
	return f
}

// foldDigits gives s with what reads as an identity number's characters
// in another script written in ASCII: a decimal digit of any script
// (full-width １２, Arabic-Indic ١٢…) as its digit, the full-width forms
// of ASCII (－, ＋, Ｔ) as their ASCII, and a space of any kind (the
// ideographic, a no-break) as a space. An input method in East Asian mode, a web form or a word
// processor writes a number so, the exclusion match reads it by its
// digits (mappings.LooseNumber), and the masker must see it too. at maps
// each byte of the folded text to where it begins in s, with len(s) at
// the end; nil, and s itself, when nothing was folded: ASCII text, the
// common case, costs a scan.
func foldDigits(s string) (string, []int) {
	i := 0
	for i < len(s) && s[i] < utf8.RuneSelf {
		i++
	}
	if i == len(s) {
		return s, nil
	}
	folds := false
	for _, r := range s[i:] {
		if _, ok := foldRune(r); ok {
			folds = true
			break
		}
	}
	if !folds {
		return s, nil
	}
	b := make([]byte, 0, len(s))
	at := make([]int, 0, len(s)+1)
	for k := 0; k < len(s); {
		// A byte that is no UTF-8 reads as U+FFFD of width 1, folds to
		// nothing and is copied as it is.
		r, w := utf8.DecodeRuneInString(s[k:])
		if c, ok := foldRune(r); ok {
			b = append(b, c)
			at = append(at, k)
		} else {
			for m := k; m < k+w; m++ {
				b = append(b, s[m])
				at = append(at, m)
			}
		}
		k += w
	}
	return string(b), append(at, len(s))
}

// foldRune gives the ASCII character foldDigits writes for r, if any.
func foldRune(r rune) (byte, bool) {
	switch {
	case r < utf8.RuneSelf:
		return 0, false
	case r >= 0xFF01 && r <= 0xFF5E:
		// The full-width forms of '!' … '~'.
		return byte(r - 0xFF01 + '!'), true
	case unicode.Is(unicode.Zs, r):
		// The ideographic space, and the no-break, narrow no-break,
		// thin and figure spaces a word processor or a spreadsheet
		// puts in a number: the exclusion match reads each as a space.
		return ' ', true
	case unicode.Is(unicode.Nd, r):
		// Unicode's decimal digits come in runs of ten from a zero, and
		// adjacent runs are whole: the value is the place in the run.
		v := 0
		for unicode.Is(unicode.Nd, r-rune(v)-1) {
			v++
		}
		return byte('0' + v%10), true
	}
	return 0, false
}

// datedRun says whether r (digits, '-' and '+', starting and ending with
// a digit) is an identity number with dashes in its date too: a birth
// date of 8 or 6 digits written with its dashes (datedBirth), then '-'
// or '+' and the last four: 1912-12-12-1212, 12-12-12-1212.
func datedRun(r string) bool {
	if len(r) < 13 || !isDigit(r[len(r)-4]) || r[len(r)-5] != '-' && r[len(r)-5] != '+' {
		return false
	}
	for _, c := range []byte(r[len(r)-4:]) {
		if !isDigit(c) {
			return false
		}
	}
	return datedBirth(r[:len(r)-5])
}

// datedBirth says whether r is a birth date written with dashes as an
// identity number's (YYYY-MM-DD or YY-MM-DD): a month 01-12 and a day
// 01-31, or 61-91 for a samordningsnummer, so that no other grouping of
// digits (an order number 1234-56-78) reads as one.
func datedBirth(r string) bool {
	y := len(r) - 6
	if y != 2 && y != 4 || r[y] != '-' || r[y+3] != '-' {
		return false
	}
	for k := 0; k < len(r); k++ {
		if k != y && k != y+3 && !isDigit(r[k]) {
			return false
		}
	}
	month := int(r[y+1]-'0')*10 + int(r[y+2]-'0')
	day := int(r[y+4]-'0')*10 + int(r[y+5]-'0')
	if day > 60 {
		day -= 60
	}
	return month >= 1 && month <= 12 && day >= 1 && day <= 31
}

// MaskError returns err with the identity numbers in its text masked
// (MaskIdentityNumbers), keeping the chain for errors.Is and errors.As, as
// Scrub does for a password: a driver or a trigger can echo a value in a
// message nobody here wrote.
func MaskError(err error) error {
	if err == nil {
		return nil
	}
	text := err.Error()
	if masked := MaskIdentityNumbers(text); masked != text {
		return Withhold(err, masked)
	}
	return err
}

// tailSeparators are what else than '-' and '+' people write before the
// last four of an identity number: a space (any kind, foldDigits), a
// tab (a spreadsheet's cells pasted), '_', '/', and the Unicode
// dashes a word processor or a web form makes of '-' (hyphen, non-breaking
// hyphen, figure dash, en dash, em dash, minus sign), which the exclusion
// match reads too (exclusion_by_digits).
var tailSeparators = []string{" ", "\t", "_", "/", "\u2010", "\u2011", "\u2012", "\u2013", "\u2014", "\u2212"}

// separatorTail gives the length of the separator (tailSeparators) s
// holds at at when one stands there followed by four digits that end a
// number: the last four of an identity number so written; 0 for none.
// The same separator after the four ends the number only when words
// is true and no digit follows it (191212 1212 refused, not 191212 1212
// 1212).
func separatorTail(s string, at int, words bool) int {
	for _, sep := range tailSeparators {
		if !strings.HasPrefix(s[at:], sep) {
			continue
		}
		k := at + len(sep)
		if k+4 > len(s) {
			return 0
		}
		for m := k; m < k+4; m++ {
			if !isDigit(s[m]) {
				return 0
			}
		}
		if k+4 == len(s) || !isDigit(s[k+4]) && s[k+4] != '-' && s[k+4] != '+' && !strings.HasPrefix(s[k+4:], sep) {
			return len(sep)
		}
		if words && strings.HasPrefix(s[k+4:], sep) {
			e := k + 4
			for strings.HasPrefix(s[e:], sep) {
				e += len(sep)
			}
			if e < len(s) && !isDigit(s[e]) {
				return len(sep)
			}
		}
		return 0
	}
	return 0
}

// reserveSerial says where the serial of a reserve number (reservnummer:
// a date of 6 or 8 digits, s[i:end], an optional '-', '+' or space, and
// four letters and digits with at least one letter: 19900101-T123,
// 900101TF12) begins, when s holds one there. The serial must end the
// text or stand before anything but a letter, a digit, '-' or '+', so
// that a UUID (12345678-abcd-…) or a basic ISO time (20240101T120000) is
// none; written with a space, it holds a digit too, so that "123456
// rows" is none either.
func reserveSerial(s string, i, end int) (int, bool) {
	if n := end - i; n != 6 && n != 8 || inHex(s, i) {
		return 0, false
	}
	at, spaced := end, false
	if at < len(s) && (s[at] == '-' || s[at] == '+' || s[at] == ' ') {
		spaced = s[at] == ' '
		at++
	}
	if at+4 > len(s) {
		return 0, false
	}
	letter, digit := false, false
	for k := at; k < at+4; k++ {
		switch c := s[k]; {
		case isDigit(c):
			digit = true
		case isLetter(c):
			letter = true
		default:
			return 0, false
		}
	}
	if !letter || spaced && !digit {
		return 0, false
	}
	if at+4 < len(s) {
		if c := s[at+4]; isDigit(c) || isLetter(c) || c == '-' || c == '+' {
			return 0, false
		}
	}
	return at, true
}

func isLetter(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }

// inHex says whether s[at] is in a run of at least 16 hexadecimal
// characters.
func inHex(s string, at int) bool {
	lo, hi := at, at+1
	for lo > 0 && isHex(s[lo-1]) {
		lo--
	}
	for hi < len(s) && isHex(s[hi]) {
		hi++
	}
	return hi-lo >= 16
}

func isHex(c byte) bool { return isDigit(c) || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F' }

// IdentityNumberShaped says whether s is, whole, what MaskIdentityNumbers
// masks: 12 or 10 digits, with or without '-' or '+' before the last four.
func IdentityNumberShaped(s string) bool {
	return s != "" && isDigit(s[0]) && isDigit(s[len(s)-1]) && strings.Trim(s, "0123456789-+") == "" && identityRun(s)
}

// identityRun says whether r (digits, '-' and '+', starting and ending
// with a digit) is 12 or 10 digits, with at most one '-' or '+', which
// stands before the last four.
func identityRun(r string) bool {
	digits, seps := 0, 0
	for i := 0; i < len(r); i++ {
		if isDigit(r[i]) {
			digits++
			continue
		}
		if seps++; seps > 1 || i != len(r)-5 {
			return false
		}
	}
	return digits == 10 || digits == 12
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// groupedNumber says where the last four of an identity number begin
// when s holds one at i written in looser groups, as people type it and
// a person list still reads it by its digits alone (mappings.LooseNumber):
// the birth date whole (6 or 8 digits) or in its three parts with the
// same separator between them (1912 12 12, 1912-12-12, 12/12/12), then
// a separator (a space, or '-', '+' or a Unicode dash with up to two
// blanks either side: 19121212 - 1212), then the last four, which end
// the number (no digit or letter after them, nor a separator and a
// digit), whatever words follow (191212 1212 refused). Such groups are
// also how counts, dates and times are written (2024-01-05 1234 rows),
// so, unlike the four strict shapes, these count only as a list would
// match them: a birth date (a month, a day or a samordningsnummer's)
// and a valid check digit.
func groupedNumber(s string, i int) (int, bool) {
	k := i
	for k < len(s) && isDigit(s[k]) {
		k++
	}
	var date string
	switch n := k - i; n {
	case 6, 8:
		date = s[k-6 : k]
	case 2, 4:
		sep := dateSeparator(s, k)
		if sep == "" {
			return 0, false
		}
		m := k + len(sep)
		if !twoDigits(s, m) || !strings.HasPrefix(s[m+2:], sep) {
			return 0, false
		}
		d := m + 2 + len(sep)
		if !twoDigits(s, d) {
			return 0, false
		}
		date = s[k-2:k] + s[m:m+2] + s[d:d+2]
		k = d + 2
	default:
		return 0, false
	}
	g := lastSeparator(s, k)
	if g == 0 {
		return 0, false
	}
	at := k + g
	if at+4 > len(s) {
		return 0, false
	}
	for m := at; m < at+4; m++ {
		if !isDigit(s[m]) {
			return 0, false
		}
	}
	if e := at + 4; e < len(s) {
		if isDigit(s[e]) || isLetter(s[e]) {
			return 0, false
		}
		if g := lastSeparator(s, e); g > 0 && e+g < len(s) && isDigit(s[e+g]) {
			// More groups of digits: a longer number (191212 1212 1212).
			return 0, false
		}
	}
	if !birthDigits(date) || !luhn(date+s[at:at+4]) {
		return 0, false
	}
	return at, true
}

// dateSeparator gives the separator (tailSeparators or '-') s holds at
// at between a birth date's parts; "" for none.
func dateSeparator(s string, at int) string {
	if strings.HasPrefix(s[at:], "-") {
		return "-"
	}
	for _, sep := range tailSeparators {
		if strings.HasPrefix(s[at:], sep) {
			return sep
		}
	}
	return ""
}

// numberDashes are what stands before the last four, blanks around it
// or not: '-', '+' and the Unicode dashes of tailSeparators.
var numberDashes = []string{"-", "+", "\u2010", "\u2011", "\u2012", "\u2013", "\u2014", "\u2212"}

// lastSeparator gives the length of the separator s holds at at before
// an identity number's last four in groupedNumber: one blank, '_' or
// '/', or a dash (numberDashes) with up to two blanks either side; 0 for
// none.
func lastSeparator(s string, at int) int {
	blanks := func(k int) int {
		n := 0
		for k+n < len(s) && n < 2 && (s[k+n] == ' ' || s[k+n] == '\t') {
			n++
		}
		return n
	}
	lead := blanks(at)
	for _, d := range numberDashes {
		if strings.HasPrefix(s[at+lead:], d) {
			k := at + lead + len(d)
			return k + blanks(k) - at
		}
	}
	switch {
	case lead == 1:
		return 1
	case lead == 0 && at < len(s) && (s[at] == '_' || s[at] == '/'):
		return 1
	}
	return 0
}

// twoDigits says whether s holds two digits at at and no third after.
func twoDigits(s string, at int) bool {
	return at+2 <= len(s) && isDigit(s[at]) && isDigit(s[at+1]) && (at+2 == len(s) || !isDigit(s[at+2]))
}

// birthDigits says whether d (YYMMDD) is a birth date as an identity
// number writes it: a month 01-12, a day 01-31 or a samordningsnummer's
// 61-91.
func birthDigits(d string) bool {
	month := int(d[2]-'0')*10 + int(d[3]-'0')
	day := int(d[4]-'0')*10 + int(d[5]-'0')
	if day > 60 {
		day -= 60
	}
	return month >= 1 && month <= 12 && day >= 1 && day <= 31
}

// luhn says whether the ten digits d end in their check digit (the
// Luhn sum an identity number's last digit makes a multiple of ten).
func luhn(d string) bool {
	sum := 0
	for k := 0; k < len(d); k++ {
		v := int(d[k] - '0')
		if k%2 == 0 {
			if v *= 2; v > 9 {
				v -= 9
			}
		}
		sum += v
	}
	return sum%10 == 0
}
