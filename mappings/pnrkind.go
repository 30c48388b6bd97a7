package mappings

import (
	"strings"
	"unicode"
)

// Identity numbers come in kinds that migrate differently: a personnummer
// and a samordningsnummer (co-ordination number, day + 60) identify a
// person nationally; a reservnummer (a reserve or interim number a region
// gives someone without one, written with letters in the serial:
// 19900101-T123, 900101-TF12) identifies them only in that region's
// records; anything else identifies nobody. pnr_kind() tells them apart,
// so a table rule can archive what cannot migrate with a reason the
// mapping names:
//
//	rules:
//	  - {when: 'pnr_kind(src.personnr) == "reservnummer"', archive: no_national_id}

// The kinds pnr_kind gives.
const (
	KindPersonnummer      = "personnummer"
	KindSamordningsnummer = "samordningsnummer"
	KindReservnummer      = "reservnummer"
	KindNone              = "none"
)

var pnrKindFunction = Function{Name: "pnr_kind", Signature: "pnr_kind(text[, born_by date]) text",
	Doc:     "The kind of an identity number: \"personnummer\", \"samordningsnummer\" (day + 60), \"reservnummer\" (a reserve or interim number: a date of 6 or 8 digits and a serial of 4 with at least one letter, separators allowed: 19900101-T123) or \"none\" (empty, malformed, a failed check digit); NULL for NULL. It never archives: a table rule decides what each kind becomes. born_by works as in pnr().",
	Example: `pnr_kind("19900101-T123")`, Result: "reservnummer", impl: fnPNRKind}

func fnPNRKind(env *Env, args []any) (any, error) {
	if nilArg(args) {
		return nil, nil
	}
	s, err := textArg("pnr_kind", args[0])
	if err != nil {
		return nil, err
	}
	if reserveShape(s) {
		return KindReservnummer, nil
	}
	n, err := parsePNR("pnr_kind", env, args)
	if err != nil {
		if _, ok := err.(*reasonError); ok {
			return KindNone, nil
		}
		return nil, err
	}
	if n.Coordination() {
		return KindSamordningsnummer, nil
	}
	return KindPersonnummer, nil
}

// reserveShape reports whether s is written as a reserve number: 6 or 8
// digits of a date, an optional separator, and a serial of 4 letters and
// digits with at least one letter. Surrounding white space is ignored, and
// every '-', '+' and ' ' inside. It runs on every patient row a rule names
// it on, so it reads s in place: no replacer, no copy.
func reserveShape(s string) bool {
	s = strings.TrimFunc(s, unicode.IsSpace)
	// Each kept byte is a digit or an ASCII letter: a non-ASCII byte
	// fails the shape wherever it stands, so bytes and runes agree.
	var kept [12]byte
	n := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == '-' || c == '+' || c == ' ' {
			continue
		}
		if n == len(kept) {
			return false
		}
		kept[n] = c
		n++
	}
	if n != 10 && n != 12 {
		return false
	}
	date, serial := kept[:n-4], kept[n-4:n]
	for _, c := range date {
		if !isASCIIDigit(c) {
			return false
		}
	}
	letter := false
	for _, c := range serial {
		switch {
		case isASCIIDigit(c):
		case c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z':
			letter = true
		default:
			return false
		}
	}
	return letter
}

func isASCIIDigit(c byte) bool { return c >= '0' && c <= '9' }
