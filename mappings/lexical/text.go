package lexical

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/regflytt/regflytt/connectors"
)

// TrimSpace is strings.TrimSpace that also strips U+FEFF, the byte order
// mark that text exported from Windows tools carries at its start and that
// a legacy column then keeps. (U+00A0 NO-BREAK SPACE is already white
// space to unicode.IsSpace, as are U+0085 and U+202F.) Invalid UTF-8 at
// either end is kept, not guessed at.
func TrimSpace(s string) string {
	t, _ := trimSpace(s)
	return t
}

// trimSpace is TrimSpace that also gives the offset of the result in s, so
// that parse errors can name a byte offset in the caller's value.
func trimSpace(s string) (string, int) {
	// Fast path: most values have no padding at all.
	if len(s) == 0 || !mayTrim(s[0]) && !mayTrim(s[len(s)-1]) {
		return s, 0
	}
	t := strings.TrimLeftFunc(s, isTrimSpace)
	off := len(s) - len(t)
	return strings.TrimRightFunc(t, isTrimSpace), off
}

// mayTrim reports whether b may begin or end a white-space rune.
func mayTrim(b byte) bool {
	return b >= utf8.RuneSelf || b == ' ' || b >= '\t' && b <= '\r'
}

func isTrimSpace(r rune) bool { return r == '\ufeff' || unicode.IsSpace(r) }

// win1252 is connectors' table of Windows-1252's bytes 0x80..0x9F (the
// others are their own code points; the five it leaves undefined map to
// the C1 controls of the same number, as MariaDB's "latin1", which is
// Windows-1252, does). One table serves the connectors that build legacy
// platforms and the functions that decode and repair text here.
var win1252 = func() (t [32]rune) {
	for i := range t {
		t[i] = connectors.Windows1252Rune(byte(0x80 + i))
	}
	return t
}()

// DecodeWindows1252 decodes b as Windows-1252, MariaDB's "latin1". Every
// byte sequence decodes; the result is valid UTF-8.
func DecodeWindows1252(b []byte) string {
	return decodeSingleByte(b, true)
}

// DecodeLatin1 decodes b as ISO 8859-1, where each byte is the code point
// of the same number (0x80..0x9F become C1 controls). Use it for sources
// that really are ISO 8859-1, such as PostgreSQL's LATIN1 encoding; a
// MariaDB "latin1" column needs DecodeWindows1252.
func DecodeLatin1(b []byte) string {
	return decodeSingleByte(b, false)
}

func decodeSingleByte(b []byte, cp1252 bool) string {
	n := 0 // bytes of UTF-8 output
	for _, c := range b {
		switch {
		case c < 0x80:
			n++
		case cp1252 && c < 0xA0:
			n += utf8.RuneLen(win1252[c-0x80])
		default:
			n += 2
		}
	}
	if n == len(b) {
		return string(b) // all ASCII: one copy, nothing to decode
	}
	var sb strings.Builder
	sb.Grow(n)
	for _, c := range b {
		switch {
		case c < 0x80:
			sb.WriteByte(c)
		case cp1252 && c < 0xA0:
			sb.WriteRune(win1252[c-0x80])
		default:
			sb.WriteRune(rune(c))
		}
	}
	return sb.String()
}

// singleByte gives the byte a rune came from if it was decoded from one
// byte as Windows-1252 or as ISO 8859-1: code points up to U+00FF are
// their own byte (ISO 8859-1, and the C1 controls MariaDB gives for
// Windows-1252's undefined bytes), and the 27 Windows-1252 extras map
// back to 0x80..0x9F. Accepting both readings at once repairs text that
// passed through either kind of decoder, and costs nothing: the two never
// disagree on a rune.
func singleByte(r rune) (byte, bool) {
	if r < 0x100 {
		return byte(r), true
	}
	for i, w := range win1252 {
		if w == r {
			return byte(0x80 + i), true
		}
	}
	return 0, false
}

// RepairMojibake undoes one round of the most common text damage in
// legacy registries: UTF-8 bytes read as Windows-1252 or ISO 8859-1 and
// stored again as UTF-8, so that "å" became "Ã¥", "Ö" became "Ã–" and "€"
// became "â‚¬".
//
// It repairs only when the whole reverse transform succeeds: every rune of
// s maps back to one byte (see DecodeWindows1252), those bytes are valid
// UTF-8, they hold at least one multi-byte sequence, and the result has no
// C1 control characters (U+0080..U+009F, which real text never holds but
// a wrong repair can make) unless the result is itself repairable, being
// the middle of a double garbling. Otherwise s is returned unchanged with
// changed false.
//
// Correct Swedish text survives because Å, Ä, Ö, å, ä and ö are, as
// bytes, UTF-8 lead bytes that must be followed by bytes 0x80..0xBF,
// which in Windows-1252 are symbols and a few foreign letters, never ASCII
// and never a Swedish letter: "Åsa Öberg" and "smörgås" do not reverse to
// valid UTF-8. What can be misread is correct text whose every non-ASCII
// character pairs up that way (a lone "Ã©" meant literally); registry text
// practically never has that shape. Text that was garbled twice needs two
// calls; a mapping decides whether to make them.
//
// Text that is not valid UTF-8 is returned unchanged. Nothing is
// allocated unless s is repaired.
func RepairMojibake(s string) (repaired string, changed bool) {
	// First pass: check the reverse transform without building anything,
	// so that the common case (correct text) costs no allocation.
	var (
		seq   [utf8.UTFMax]byte // the UTF-8 sequence being assembled
		have  int               // bytes of seq so far
		want  int               // length the lead byte announced
		n     int               // bytes of output
		multi bool              // a multi-byte sequence was completed
		c1    bool              // the result holds a C1 control
	)
	// Most text is ASCII, which has nothing to repair.
	i := 0
	for i < len(s) && s[i] < utf8.RuneSelf {
		i++
	}
	if i == len(s) {
		return s, false
	}
	n = i
	for i < len(s) {
		if s[i] < utf8.RuneSelf {
			if want != 0 {
				return s, false // a sequence cut short
			}
			n++
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			return s, false
		}
		i += size
		b, ok := singleByte(r)
		if !ok {
			return s, false
		}
		n++
		if want == 0 {
			switch { // b >= 0x80 here: ASCII was handled above
			case b >= 0xC2 && b <= 0xDF:
				want = 2
			case b >= 0xE0 && b <= 0xEF:
				want = 3
			case b >= 0xF0 && b <= 0xF4:
				want = 4
			default:
				return s, false
			}
			seq[0], have = b, 1
			continue
		}
		if b&0xC0 != 0x80 {
			return s, false
		}
		seq[have] = b
		have++
		if have == want {
			// utf8.Valid catches what the lead-byte table does not:
			// overlong forms, surrogates, and code points past U+10FFFF.
			if !utf8.Valid(seq[:have]) {
				return s, false
			}
			if r, _ := utf8.DecodeRune(seq[:have]); r < 0xA0 {
				c1 = true
			}
			multi = true
			want = 0
		}
	}
	if want != 0 || !multi {
		return s, false
	}
	var sb strings.Builder
	sb.Grow(n)
	for _, r := range s {
		b, _ := singleByte(r)
		sb.WriteByte(b)
	}
	out := sb.String()
	// Real text holds no C1 controls, so a result with one is a wrong
	// repair ("Â…" would become U+0085) unless it is itself garbled text
	// one round further in: text garbled twice through a Latin-1 decoder
	// shows C1 controls after the first repair. Each round shrinks the
	// text, so the recursion is shallow.
	if c1 {
		if _, again := RepairMojibake(out); !again {
			return s, false
		}
	}
	return out, true
}

// InvalidUTF8Offset gives the byte offset of the first byte of s that is
// not part of valid UTF-8, or -1 if s is valid. An error can then say
// where a value is damaged without printing it.
func InvalidUTF8Offset(s string) int {
	if utf8.ValidString(s) {
		return -1
	}
	for i := 0; i < len(s); {
		if s[i] < utf8.RuneSelf {
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			return i
		}
		i += size
	}
	return -1 // unreachable: ValidString said otherwise
}
