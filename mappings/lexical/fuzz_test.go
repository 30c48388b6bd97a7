package lexical

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/regflytt/regflytt/connectors"
)

// Seeds beyond these live in testdata/fuzz/<FuzzName>/, where crashers
// found later are kept too.

// checkPkgErr asserts the shape every error of this package has: an
// *Error of one of the kinds, with a reason from the fixed list, so that
// no input text can have reached the message.
func checkPkgErr(t *testing.T, err error, kinds ...Kind) *Error {
	t.Helper()
	var e *Error
	if !errors.As(err, &e) {
		t.Fatalf("error %v is %T, not *Error", err, err)
	}
	if !slices.Contains(kinds, e.Kind) {
		t.Fatalf("kind %s, want one of %v", e.Kind, kinds)
	}
	if !slices.Contains(reasons, e.Reason) {
		t.Fatalf("reason %q is not a fixed reason", e.Reason)
	}
	_ = e.Error()
	return e
}

func FuzzParseDecimal(f *testing.F) {
	for _, s := range []string{
		"12.5", "12,5", "-0,75", "+3", " 1 234,5 ", "1\u00a0234,5", "-0,00", ",5", "5.",
		"1,234.5", "1e5", "NaN", "--1", "", "007", "\u22121", "1\u202f234",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, err := ParseDecimal(s)
		if err != nil {
			e := checkPkgErr(t, err, KindBadDecimal)
			if e.Offset < -1 || e.Offset > len(s) {
				t.Fatalf("offset %d outside the value", e.Offset)
			}
			if d != "" {
				t.Fatalf("value %q with an error", d)
			}
			return
		}
		if !canonicalDecimal(string(d)) {
			t.Fatalf("ParseDecimal(%q) = %q, not canonical", s, d)
		}
		if again, err := ParseDecimal(string(d)); err != nil || again != d {
			t.Fatalf("ParseDecimal(%q) = %q, %v; the canonical form must parse to itself", d, again, err)
		}
		// The same digits in the same order, up to leading zeros.
		if a, b := significant(s), significant(string(d)); a != b {
			t.Fatalf("ParseDecimal(%q) = %q: digits %q became %q", s, d, a, b)
		}
		neg := strings.ContainsAny(s, "-\u2212") && significant(s) != ""
		if neg != strings.HasPrefix(string(d), "-") {
			t.Fatalf("ParseDecimal(%q) = %q: sign changed", s, d)
		}
	})
}

// canonicalDecimal checks the documented form of connectors.Decimal by
// hand, independently of the parser.
func canonicalDecimal(d string) bool {
	if strings.HasPrefix(d, "-") {
		d = d[1:]
		if strings.Trim(d, "0.") == "" {
			return false // negative zero
		}
	}
	intPart, frac, hasMark := strings.Cut(d, ".")
	isDigits := func(s string) bool {
		return s != "" && strings.Trim(s, "0123456789") == ""
	}
	if !isDigits(intPart) || hasMark && !isDigits(frac) {
		return false
	}
	return len(intPart) == 1 || intPart[0] != '0'
}

// significant gives the ASCII digits of s with leading zeros dropped.
func significant(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if isDigit(s[i]) && (b.Len() > 0 || s[i] != '0') {
			b.WriteByte(s[i])
		}
	}
	return b.String()
}

func FuzzParseDate(f *testing.F) {
	for _, c := range [][2]string{
		{"2024-05-01", "YYYY-MM-DD"}, {"0000-00-00", "YYYY-MM-DD"}, {"2024-05-00", "YYYY-MM-DD"},
		{"2023-02-30", "YYYY-MM-DD"}, {"1.5.2024", "D.M.YYYY"}, {"20240501", "YYYYMMDD"},
		{"2024-05-01 13:45:59.123", "YYYY-MM-DD HH:mm:ss.fffffffff"}, {"24-05-01", "YY-MM-DD"},
		{"2024-05-01T13:45", "YYYY-MM-DDTHH:mm"}, {"x", ""},
	} {
		f.Add(c[0], c[1])
	}
	dateKinds := []Kind{KindZeroDate, KindInvalidDate, KindNoLayout, KindBadLayout}
	f.Fuzz(func(t *testing.T, s, layout string) {
		layouts := []string{layout}

		d, err := ParseDate(s, layouts)
		if CheckDateLayout(layout) != nil {
			if KindOf(err) != KindBadLayout {
				t.Fatalf("bad date layout %q accepted: %v", layout, err)
			}
		} else if err != nil {
			checkPkgErr(t, err, KindZeroDate, KindInvalidDate, KindNoLayout)
		} else {
			if !d.Valid() {
				t.Fatalf("ParseDate(%q, %q) = %v, not Valid", s, layout, d)
			}
			back := formatLayout(layout, connectors.LocalDateTime{Date: d})
			if d2, err := ParseDate(back, layouts); err != nil || d2 != d {
				t.Fatalf("%v formatted %q by %q reads as %v, %v", d, back, layout, d2, err)
			}
		}

		dt, err := ParseDateTime(s, layouts)
		if CheckLayout(layout) != nil {
			if KindOf(err) != KindBadLayout {
				t.Fatalf("bad layout %q accepted: %v", layout, err)
			}
		} else if err != nil {
			checkPkgErr(t, err, dateKinds...)
		} else {
			if !dt.Valid() {
				t.Fatalf("ParseDateTime(%q, %q) = %v, not Valid", s, layout, dt)
			}
			back := formatLayout(layout, dt)
			if dt2, err := ParseDateTime(back, layouts); err != nil || dt2 != dt {
				t.Fatalf("%v formatted %q by %q reads as %v, %v", dt, back, layout, dt2, err)
			}
			if err == nil && d != (connectors.Date{}) && dt.Date != d {
				t.Fatalf("ParseDate and ParseDateTime disagree: %v, %v", d, dt)
			}
		}

		// A partial date is a real first day of its period, and a whole
		// date whenever ParseDate reads one.
		pd, p, perr := ParsePartialDate(s, layouts)
		switch {
		case perr != nil:
			if CheckDateLayout(layout) != nil {
				if KindOf(perr) != KindBadLayout {
					t.Fatalf("bad date layout %q accepted by ParsePartialDate: %v", layout, perr)
				}
			} else {
				checkPkgErr(t, perr, KindZeroDate, KindInvalidDate, KindNoLayout)
			}
		case !pd.Valid() || (p != PrecisionDay && pd.Day != 1) || (p == PrecisionYear && pd.Month != 1):
			t.Fatalf("ParsePartialDate(%q, %q) = %v %s", s, layout, pd, p)
		}
		if dd, err := ParseDate(s, layouts); err == nil && (perr != nil || pd != dd || p != PrecisionDay) {
			t.Fatalf("ParseDate(%q) = %v but ParsePartialDate = %v %s %v", s, dd, pd, p, perr)
		}

		// The defaults: whatever parses prints in ISO form, which parses back.
		if d, err := ParseDate(s, nil); err == nil {
			if d2, err := ParseDate(d.String(), nil); err != nil || d2 != d {
				t.Fatalf("default date %v does not reparse: %v", d, err)
			}
		} else {
			checkPkgErr(t, err, KindZeroDate, KindInvalidDate, KindNoLayout)
		}
		if dt, err := ParseDateTime(s, nil); err == nil {
			if dt2, err := ParseDateTime(dt.String(), nil); err != nil || dt2 != dt {
				t.Fatalf("default datetime %v does not reparse: %v, %v", dt, dt2, err)
			}
		} else {
			checkPkgErr(t, err, KindZeroDate, KindInvalidDate, KindNoLayout)
		}
	})
}

func FuzzRepairMojibake(f *testing.F) {
	for _, s := range []string{
		"Ã¥", "smÃ¶rgÃ¥s", "â‚¬", "Åsa Öberg", "Ã", "SÃO", "Ã\u0081", "Â\u0085", "\xff",
		"ÃƒÂ¥", "plain", "",
		"UMEÅ–SUNDSVALL", "LULEÅ…", "Å\u00a0imon", "PetroviÄ‡", "KNÄ–HÖFTLED",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		out, changed := RepairMojibake(s)
		valid := utf8.ValidString(s)
		if !changed {
			if out != s {
				t.Fatalf("RepairMojibake(%q) = %q without changed", s, out)
			}
		} else {
			if !valid || !utf8.ValidString(out) || len(out) >= len(s) {
				t.Fatalf("RepairMojibake(%q) = %q: input valid %v", s, out, valid)
			}
			// The repair is exactly the reverse of a single-byte decoding.
			var rev []byte
			for _, r := range s {
				b, ok := singleByte(r)
				if !ok {
					t.Fatalf("repaired %q though %U has no single byte", s, r)
				}
				rev = append(rev, b)
			}
			if string(rev) != out {
				t.Fatalf("RepairMojibake(%q) = %q, want %q", s, out, rev)
			}
		}

		// Garbling correct text and repairing it gives the text back,
		// when the text has something to garble and no C1 control.
		// (and each of its characters is one a repair takes for text
		// where it stands: no Hebrew accent after a Latin letter).
		if valid && strings.IndexFunc(s, func(r rune) bool { return r >= 0x80 }) >= 0 &&
			strings.IndexFunc(s, func(r rune) bool { return r >= 0x80 && r < 0xA0 }) < 0 && plausibleText(s) {
			for _, dec := range []func([]byte) string{DecodeWindows1252, DecodeLatin1} {
				g := dec([]byte(s))
				if back, ok := RepairMojibake(g); !ok || back != s {
					t.Fatalf("RepairMojibake(%q) = %q, %v; want %q", g, back, ok, s)
				}
			}
		}

		// The helpers agree with the standard library.
		off := InvalidUTF8Offset(s)
		if (off < 0) != valid {
			t.Fatalf("InvalidUTF8Offset(%q) = %d, valid %v", s, off, valid)
		}
		if off >= 0 {
			if !utf8.ValidString(s[:off]) {
				t.Fatalf("InvalidUTF8Offset(%q) = %d, but earlier bytes are invalid", s, off)
			}
			if r, size := utf8.DecodeRuneInString(s[off:]); r != utf8.RuneError || size != 1 {
				t.Fatalf("InvalidUTF8Offset(%q) = %d, but a rune starts there", s, off)
			}
		}
		if tr := TrimSpace(s); !strings.Contains(s, tr) || TrimSpace(tr) != tr {
			t.Fatalf("TrimSpace(%q) = %q", s, tr)
		}
	})
}

// plausibleText reports whether every non-ASCII character of s is one
// plausible takes for repaired text where it stands, garbled as
// Windows-1252 reads its UTF-8.
func plausibleText(s string) bool {
	var pieces []piece
	for _, r := range s {
		b := utf8.AppendRune(nil, r)
		first, last := win1252Rune(b[0]), win1252Rune(b[len(b)-1])
		pieces = append(pieces, piece{r: r, first: first, last: last, repaired: r >= 0x80})
	}
	_, wrong, _ := judge(pieces, false)
	return wrong == 0
}
