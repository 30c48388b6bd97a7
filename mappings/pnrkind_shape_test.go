package mappings

import (
	"strings"
	"testing"
	"unicode"
)

// reserveShapeByReplacer is reserveShape as it was first written (a
// replacer and a copy): the in-place one must agree with it exactly.
func reserveShapeByReplacer(s string) bool {
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

var reserveShapeCases = []string{
	"", " ", "-", "19900101-T123", "900101-TF12", "19900101T123", "900101TF12",
	" 19900101-T123\t", "\u00a019900101-T123\u2003", "19900101 - T123", "1990-01-01-T123",
	"19900101+T123", "19900101--T123", "19900101-1234", "900101-1234", "19900101-T12",
	"19900101-T1234", "1990010-T123", "199001011-T123", "X9900101-T123", "19900101-T12Ö",
	"19900101-Ö123", "1990010Ö-T12", "19900101-t123", "19900101-T_23", "19900101-T 1 2 3",
	"1 9 9 0 0 1 0 1 T 1 2 3", "19900101-T123 ", "1990 0101T123", "199001011234567",
	"++++++++++++++++", "19900101-T123-", "A", "ÅÄÖÅÄÖ", "900101-T1\u00e9", "9001011\u00e9T1",
	"19900101\u2010T123", "19900101\tT123", "19900101\nT123", "          19900101T123",
}

func TestReserveShapeAgreesWithReplacer(t *testing.T) {
	for _, s := range reserveShapeCases {
		if got, want := reserveShape(s), reserveShapeByReplacer(s); got != want {
			t.Errorf("reserveShape(%q) = %v, the replacer's reading says %v", s, got, want)
		}
	}
}

func FuzzReserveShape(f *testing.F) {
	for _, s := range reserveShapeCases {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if got, want := reserveShape(s), reserveShapeByReplacer(s); got != want {
			t.Errorf("reserveShape(%q) = %v, the replacer's reading says %v", s, got, want)
		}
	})
}
