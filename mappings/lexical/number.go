package lexical

import (
	"strings"

	"github.com/regflytt/regflytt/connectors"
)

// ParseDecimal reads s as an exact decimal number written the Swedish way
// or the SQL way, and gives it in the canonical form of connectors.Decimal.
//
// Accepted: surrounding white space (see TrimSpace); one leading '+', '-'
// or U+2212 MINUS SIGN; digits; one decimal mark, '.' or ','; digits
// before or after the mark may be missing but not both (",5" is 0.5, "5,"
// is 5). The integer part may be grouped in threes by spaces, U+00A0 or
// U+202F (one kind throughout), as Swedish text writes "1 234 567,5",
// but not when the decimal mark is '.', which would mix two conventions.
//
// Refused, as KindBadDecimal: empty text; a value with both '.' and ','
// ("1,234.5" is 1234.5 in English and nonsense in Swedish, and this
// function does not guess which convention a column used: a mapping that
// knows can strip the separators first); '.' or ',' used to group digits;
// NaN and infinities; exponent forms ("1e5"), because a DECIMAL column
// never prints them and text like "1.2E-7" came from a float whose exact
// value was already lost; more than one sign.
//
// The canonical form has an optional '-', no '+', no grouping, no leading
// zeros except a lone "0" before the mark, a '.' mark only when digits
// follow it, and the scale the source wrote ("12,50" gives "12.50"). A
// negative zero loses its sign ("-0,00" gives "0.00"), so that equal
// numbers of equal scale are equal text. The canonical form parses to
// itself. When s is already canonical the result shares its memory and
// nothing is allocated.
func ParseDecimal(s string) (connectors.Decimal, error) {
	t, base := trimSpace(s)
	if t == "" {
		return "", numErr(KindBadDecimal, reasonEmpty, -1)
	}
	i, neg, plain := sign(t)
	if i < len(t) && (t[i] == '+' || t[i] == '-' || strings.HasPrefix(t[i:], "\u2212")) {
		return "", numErr(KindBadDecimal, reasonSigns, base+i)
	}

	// Integer part, with optional grouping.
	intStart := i
	var sep rune    // the grouping separator in use, or 0
	groupLen := 0   // digits since the last separator
	intDigits := 0  // digits in the integer part
	leadZeros := 0  // leading zeros in the integer part
	allZero := true // every digit so far is '0'
	for i < len(t) {
		c := t[i]
		if isDigit(c) {
			if c != '0' {
				allZero = false
			} else if allZero {
				leadZeros++
			}
			intDigits++
			groupLen++
			i++
			continue
		}
		r, size := groupSep(t[i:])
		if r == 0 {
			break
		}
		switch {
		case intDigits == 0:
			return "", numErr(KindBadDecimal, reasonSpace, base+i)
		case sep != 0 && r != sep:
			return "", numErr(KindBadDecimal, reasonMixedGroups, base+i)
		case sep == 0 && groupLen > 3, sep != 0 && groupLen != 3:
			return "", numErr(KindBadDecimal, reasonGrouping, base+i)
		}
		sep, groupLen = r, 0
		plain = false
		i += size
	}
	if sep != 0 && groupLen != 3 {
		return "", numErr(KindBadDecimal, reasonGrouping, base+i)
	}

	// Decimal mark and fraction.
	var mark byte
	if i < len(t) && (t[i] == '.' || t[i] == ',') {
		mark = t[i]
		i++
	}
	fracStart := i
	for i < len(t) && isDigit(t[i]) {
		if t[i] != '0' {
			allZero = false
		}
		i++
	}
	fracDigits := i - fracStart

	if i < len(t) {
		return "", numErr(KindBadDecimal, decimalReason(t, i, mark), base+i)
	}
	if intDigits+fracDigits == 0 {
		return "", numErr(KindBadDecimal, reasonNoDigits, -1)
	}
	if sep != 0 && mark == '.' {
		return "", numErr(KindBadDecimal, reasonGroupingDot, base+fracStart-1)
	}

	if neg && allZero {
		neg, plain = false, false
	}
	// The integer digits without leading zeros; a lone "0" if none remain.
	keepZero := 0
	if intDigits == leadZeros {
		keepZero = 1
	}
	// Already canonical: hand back the input's own memory.
	if plain && mark != ',' && (mark == 0) == (fracDigits == 0) &&
		intDigits >= 1 && (leadZeros == 0 || intDigits == 1) {
		return connectors.Decimal(t), nil
	}

	var b strings.Builder
	b.Grow(1 + (intDigits - leadZeros + keepZero) + 1 + fracDigits)
	if neg {
		b.WriteByte('-')
	}
	if keepZero == 1 {
		b.WriteByte('0')
	}
	skipped := 0
	for k := intStart; k < fracStart; k++ {
		c := t[k]
		if !isDigit(c) {
			continue
		}
		if skipped < leadZeros {
			skipped++
			continue
		}
		b.WriteByte(c)
	}
	if fracDigits > 0 {
		b.WriteByte('.')
		b.WriteString(t[fracStart : fracStart+fracDigits])
	}
	return connectors.Decimal(b.String()), nil
}

// sign reads an optional sign at the start of t. plain is false when the
// sign is one the canonical form does not keep.
func sign(t string) (i int, neg, plain bool) {
	switch {
	case t[0] == '-':
		return 1, true, true
	case t[0] == '+':
		return 1, false, false
	case strings.HasPrefix(t, "\u2212"):
		return len("\u2212"), true, false
	}
	return 0, false, true
}

// groupSep reports whether t starts with a digit-grouping separator.
func groupSep(t string) (rune, int) {
	switch {
	case t[0] == ' ':
		return ' ', 1
	case strings.HasPrefix(t, "\u00a0"):
		return '\u00a0', 2
	case strings.HasPrefix(t, "\u202f"):
		return '\u202f', 3
	}
	return 0, 0
}

// decimalReason explains why t[i] ends a decimal too early. The integer
// part and an optional mark have been read, so t[i] is not a digit.
func decimalReason(t string, i int, mark byte) string {
	c := t[i]
	switch {
	case c == '.' || c == ',':
		// mark is set here: a first '.' or ',' would have been read as it.
		if c != mark || strings.IndexByte(t[i:], otherMark(c)) >= 0 {
			return reasonBothMarks
		}
		return reasonTwoMarks
	case (c == 'e' || c == 'E') && i > 0 && (isDigit(t[i-1]) || t[i-1] == '.' || t[i-1] == ','):
		return reasonExponent
	case c == '+' || c == '-' || strings.HasPrefix(t[i:], "\u2212"):
		return reasonSignPlace
	case c == 'n' || c == 'N' || c == 'i' || c == 'I':
		return reasonNaNInf
	case c == '\t':
		return reasonSpace
	}
	if r, _ := groupSep(t[i:]); r != 0 {
		return reasonSpace
	}
	return reasonChar
}

func otherMark(c byte) byte {
	if c == '.' {
		return ','
	}
	return '.'
}

func numErr(k Kind, reason string, off int) *Error {
	return &Error{Kind: k, Reason: reason, Offset: off}
}

// ParseInt reads s as a base-10 int64: surrounding white space (see
// TrimSpace), one optional leading '+', '-' or U+2212, then ASCII digits
// only. No grouping, no decimal mark ("12.0" is refused: a mapping that
// means to truncate says so with ParseDecimal). A value that is well
// formed but does not fit is KindOutOfRange; anything else is
// KindBadInteger.
func ParseInt(s string) (int64, error) {
	t, base := trimSpace(s)
	if t == "" {
		return 0, numErr(KindBadInteger, reasonEmpty, -1)
	}
	i, neg, _ := sign(t)
	start := i
	for ; i < len(t); i++ {
		if !isDigit(t[i]) {
			reason := reasonChar
			switch {
			case t[i] == '+' || t[i] == '-' || strings.HasPrefix(t[i:], "\u2212"):
				reason = reasonSigns
				if i > start {
					reason = reasonSignPlace
				}
			case t[i] == ' ':
				reason = reasonSpace
			}
			return 0, numErr(KindBadInteger, reason, base+i)
		}
	}
	if i == start {
		return 0, numErr(KindBadInteger, reasonNoDigits, -1)
	}
	// Accumulate the magnitude in uint64 so that -9223372036854775808,
	// whose magnitude is one past MaxInt64, still fits.
	limit := uint64(1<<63 - 1)
	if neg {
		limit = 1 << 63
	}
	var u uint64
	for k := start; k < len(t); k++ {
		d := uint64(t[k] - '0')
		if u > (limit-d)/10 {
			return 0, numErr(KindOutOfRange, reasonTooBig, -1)
		}
		u = u*10 + d
	}
	if neg {
		// Two's complement negation in uint64 then conversion gives the
		// right int64 for every magnitude up to 1<<63.
		return int64(-u), nil
	}
	return int64(u), nil
}
