package mappings

import (
	"fmt"
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"
)

// What a message may show of a source value. Messages, reports and dry
// runs are read, mailed and pasted into tickets; a source value in them
// can be personal data (an identity number in a code column, free text, a
// date of birth). So a value is shown only when it is plainly a short
// code; anything else is shown by its shape: "YYYYMMDD-NNNN" for an
// identity number, "NNNN-NN-NN" for a date, "text, length 42" for free
// text.

// identityShape matches the Swedish identity-number forms: 10 or 12
// digits, with or without the separator.
var identityShape = regexp.MustCompile(`^(\d{2})?\d{6}[-+]?\d{4}$`)

// maxShapeRunes is the longest value whose shape is drawn rune by rune;
// longer ones are given by their length only.
const maxShapeRunes = 16

// Shape describes a value without showing it: an identity number by its
// form, a short value rune by rune (digit N, letter A, other characters
// kept, so a date reads NNNN-NN-NN), text with spaces or a long value by
// its length.
func Shape(s string) string {
	n := utf8.RuneCountInString(s)
	switch {
	case s == "":
		return "empty text"
	case identityShape.MatchString(s):
		var b strings.Builder
		if len(s)-strings.Count(s, "-")-strings.Count(s, "+") == 12 {
			b.WriteString("YYYYMMDD")
		} else {
			b.WriteString("YYMMDD")
		}
		if i := strings.IndexAny(s, "-+"); i >= 0 {
			b.WriteByte(s[i])
		}
		b.WriteString("NNNN")
		return "identity-number shape " + b.String()
	case n > maxShapeRunes || strings.IndexFunc(s, unicode.IsSpace) >= 0:
		return fmt.Sprintf("text, length %d", n)
	}
	var b strings.Builder
	for _, r := range s {
		switch {
		case unicode.IsDigit(r):
			b.WriteByte('N')
		case unicode.IsLetter(r):
			b.WriteByte('A')
		case r < 0x20 || r == 0x7f || !unicode.IsPrint(r):
			b.WriteByte('?')
		default:
			b.WriteRune(r)
		}
	}
	return "shape " + b.String()
}

// maxCodeRunes is the longest code shown as it is.
const maxCodeRunes = 8

// SafeCode gives a code a source holds as a message may show it: the code
// itself, quoted, when it is short (at most 8 characters of letters, digits, '.',
// '_' and '-', fewer than 6 of them digits), else its Shape. Codes of a
// code list are what a registry holder must see to complete the list;
// anything longer or identity-like is not a code but data that landed in
// a code column.
func SafeCode(s string) string {
	if PlainCode(s) {
		return fmt.Sprintf("%q", s)
	}
	return Shape(s)
}

// SafeName gives a name read from the source (a form store's variable) as
// a message may show it: an identifier of up to 64 characters as it is,
// anything else by its Shape.
func SafeName(s string) string {
	if PlainName(s) {
		return s
	}
	return Shape(s)
}

// PlainCode reports whether SafeCode shows s as it is.
func PlainCode(s string) bool { return plain(s, maxCodeRunes) }

// PlainName reports whether SafeName shows s as it is.
func PlainName(s string) bool { return plain(s, 64) }

// plain reports whether s is short, made of letters (å, ä and ö too:
// Swedish variable names have them), ASCII digits, '.', '_' and '-', and
// holds fewer than six digits (six are a date of birth).
func plain(s string, max int) bool {
	if s == "" || utf8.RuneCountInString(s) > max {
		return false
	}
	digits := 0
	for _, r := range s {
		switch {
		case r < utf8.RuneSelf && unicode.IsDigit(r):
			digits++
		case unicode.IsLetter(r), r == '.', r == '_', r == '-':
		default:
			return false
		}
	}
	return digits < 6
}
