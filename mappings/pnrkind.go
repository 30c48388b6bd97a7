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
// digits with at least one letter.
func reserveShape(s string) bool {
	s = strings.TrimFunc(s, unicode.IsSpace)
	s = strings.NewReplacer("-", "", "+", "", " ", "").Replace(s)
	if len(s) != 10 && len(s) != 12 {
		return false
	}
	date, serial := s[:len(s)-4], s[len(s)-4:]
	for i := 0; i < len(date); i++ {
		if !isASCIIDigit(date[i]) {
			return false
		}
	}
	letter := false
	for i := 0; i < len(serial); i++ {
		c := serial[i]
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
