package connectors

import "strings"

// MaskIdentityNumbers returns s with the last four digits of every
// Swedish identity number in it (personnummer, samordningsnummer: 12 or
// 10 digits, with or without the '-' or '+', or a space, before the last
// four) replaced by "****": 19121212-1212 reads 19121212-****,
// 1212121212 121212****.
//
// Messages and reports name records by their key and accounts by their
// id, and a registry may use an identity number as either: the masked
// text still tells a reader which table, column and birth date to look
// at, and no longer who. A number counts where a run of digits, '-' and
// '+' is exactly one of the four shapes, so a date (2021-03-04), an
// HSA-id (SE2321000016-1234) or a longer number pass unchanged; any ten
// or twelve digits standing alone are masked, whether or not they are a
// valid number, since a mistyped identity number is still one. Digits
// inside a long hexadecimal text (a pseudonym, a digest) are part of it,
// not a number: a pseudonym stays whole, so that a record can be found
// by it.
func MaskIdentityNumbers(s string) string {
	var b strings.Builder
	last := 0
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
		if identityRun(s[i:end]) && !inHex(s, i) && !inHex(s, end-1) {
			b.WriteString(s[last : end-4])
			b.WriteString("****")
			last = end
		} else if n := end - i; end == j && (n == 6 || n == 8) && spacedTail(s, end) && !inHex(s, i) {
			// Written with a space for the separator (19121212 1212),
			// which the number rules refuse and people still type.
			b.WriteString(s[last : end+1])
			b.WriteString("****")
			last = end + 5
			j = end + 5
		}
		i = j
	}
	if last == 0 {
		return s
	}
	b.WriteString(s[last:])
	return b.String()
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

// spacedTail says whether s holds, from at, one space and four digits
// that end a number: the last four of an identity number written with a
// space.
func spacedTail(s string, at int) bool {
	if at+5 > len(s) || s[at] != ' ' {
		return false
	}
	for k := at + 1; k < at+5; k++ {
		if !isDigit(s[k]) {
			return false
		}
	}
	return at+5 == len(s) || !isDigit(s[at+5]) && s[at+5] != '-' && s[at+5] != '+'
}

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
