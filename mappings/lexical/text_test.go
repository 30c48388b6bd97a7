package lexical

import (
	"math/rand/v2"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"
)

func TestDecodeWindows1252(t *testing.T) {
	tests := []struct {
		in   []byte
		want string
	}{
		{nil, ""},
		{[]byte("plain ASCII\x00\x7f"), "plain ASCII\x00\x7f"},
		{[]byte{0x80}, "€"},
		{[]byte{0x81, 0x8D, 0x8F, 0x90, 0x9D}, "\u0081\u008d\u008f\u0090\u009d"},
		{[]byte{0x82, 0x84, 0x85, 0x91, 0x92, 0x93, 0x94, 0x96, 0x97}, "‚„…‘’“”–—"},
		{[]byte{0x8A, 0x8C, 0x8E, 0x9A, 0x9C, 0x9E, 0x9F}, "ŠŒŽšœžŸ"},
		{[]byte{0x83, 0x86, 0x87, 0x88, 0x89, 0x8B, 0x95, 0x98, 0x99, 0x9B}, "ƒ†‡ˆ‰‹•˜™›"},
		{[]byte{0xA0, 0xA7, 0xB0, 0xB5, 0xBD}, "\u00a0§°µ½"},
		{[]byte("Sm\xf6rg\xe5s \xc5sa \xd6berg \xc4"), "Smörgås Åsa Öberg Ä"},
		{[]byte{0xFF}, "ÿ"},
	}
	for _, tt := range tests {
		if got := DecodeWindows1252(tt.in); got != tt.want {
			t.Errorf("DecodeWindows1252(% x) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestDecodeLatin1(t *testing.T) {
	if got := DecodeLatin1([]byte("Sm\xf6rg\xe5s \x80")); got != "Smörgås \u0080" {
		t.Errorf("DecodeLatin1 = %q", got)
	}
	if got := DecodeLatin1(nil); got != "" {
		t.Errorf("DecodeLatin1(nil) = %q", got)
	}
}

// TestSingleByteCodecs checks every byte: each decodes to exactly one
// rune, the two code pages agree outside 0x80..0x9F, and singleByte (the
// reverse that RepairMojibake relies on) inverts both.
func TestSingleByteCodecs(t *testing.T) {
	for i := 0; i < 256; i++ {
		b := []byte{byte(i)}
		for _, dec := range []func([]byte) string{DecodeWindows1252, DecodeLatin1} {
			s := dec(b)
			r, size := utf8.DecodeRuneInString(s)
			if size != len(s) || r == utf8.RuneError {
				t.Fatalf("byte %#x decodes to %q", i, s)
			}
			if back, ok := singleByte(r); !ok || back != byte(i) {
				t.Errorf("singleByte(%U) = %#x, %v; want %#x", r, back, ok, i)
			}
		}
		if l := DecodeLatin1(b); l != string(rune(i)) {
			t.Errorf("Latin-1 byte %#x = %q", i, l)
		}
		if (i < 0x80 || i >= 0xA0) && DecodeWindows1252(b) != DecodeLatin1(b) {
			t.Errorf("byte %#x: code pages disagree", i)
		}
	}
}

// swedish is text the registries hold: letters, names, places, and the
// symbols that Windows-1252 added (the euro, typographic quotes, dashes),
// plus the letters whose UTF-8 uses the bytes Windows-1252 leaves
// undefined (Á 0x81, Í 0x8D, Ï 0x8F, Ð 0x90, Ý 0x9D).
var swedish = []string{
	"å", "ä", "ö", "Å", "Ä", "Ö", "é", "ü", "Ü", "É",
	"smörgås", "Åsa Öberg", "Malmö", "Göteborg", "Västra Götalandsregionen",
	"Region Västerbotten", "Region Skåne", "Örebro", "Ängelholm", "Ångström",
	"hjärt- och kärlsjukdom", "Svenska Korsbandsregistret – årsrapport",
	"“citat”", "’s", "…", "€ 12,50", "100 %‰", "ŠŽšžŒœŸƒˆ˜™•†‡‹›",
	"½ ¼ ¾ ° µg/l ± × ÷ § ¶ © ®", "Á Í Ï Ð Ý á í ï ð ý", "naïve café crème brûlée",
	"ß", "Ø Æ ø æ", "\u00a0", "tab\tand\nnewline ö",
	"日本", "Ελληνικά", "emoji 🙂", // multi-byte sequences of 3 and 4 bytes
}

// garble does the damage RepairMojibake undoes: UTF-8 bytes read as a
// single-byte code page.
func garble(s string, dec func([]byte) string) string { return dec([]byte(s)) }

func TestRepairMojibake(t *testing.T) {
	// The classic forms, written out so that the test does not only
	// agree with the decoder.
	for garbled, want := range map[string]string{
		"Ã¥": "å", "Ã¤": "ä", "Ã¶": "ö", "Ã…": "Å", "Ã„": "Ä", "Ã–": "Ö",
		"â‚¬": "€", "smÃ¶rgÃ¥s": "smörgås", "Ã\u0085": "Å", "â€“": "–",
		"Ã\u0081": "Á", "GÃ¶teborg 2024-05-01": "Göteborg 2024-05-01",
	} {
		if got, ok := RepairMojibake(garbled); !ok || got != want {
			t.Errorf("RepairMojibake(%q) = %q, %v; want %q", garbled, got, ok, want)
		}
	}
	for _, w := range swedish {
		for name, dec := range map[string]func([]byte) string{"1252": DecodeWindows1252, "latin1": DecodeLatin1} {
			g := garble(w, dec)
			got, ok := RepairMojibake(g)
			if !ok || got != w {
				t.Errorf("%s: RepairMojibake(%q) = %q, %v; want %q", name, g, got, ok, w)
			}
			// Twice garbled needs two repairs, and the first one gives
			// the once-garbled text.
			gg := garble(g, dec)
			once, ok1 := RepairMojibake(gg)
			twice, ok2 := RepairMojibake(once)
			if !ok1 || once != g || !ok2 || twice != w {
				t.Errorf("%s: double repair of %q = %q, %q", name, w, once, twice)
			}
		}
	}
}

func TestRepairMojibakeLeavesCorrectText(t *testing.T) {
	correct := append([]string{
		"", "ASCII only", "Ä", "Åsa Öberg", "SÃO PAULO", "Ã", "Ã ", "Â",
		"ÄÖ", "ÅÅÅ", "Ångström", "50 °C", "1 234,5 €", "“x”",
		"a\u0085b",       // a C1 control alone cannot be reversed into a sequence
		"\xff", "Ã¥\xff", // invalid UTF-8 is never touched
		"Ã¥ 日本",               // partly garbled, partly not reversible
		"Ã¥ och å",            // mixed garbled and correct
		"Â\u0085",             // would repair to the C1 control U+0085
		"À¯",                  // C0 AF: an overlong '/'
		"í\u00a0\u0080",       // ED A0 80: a surrogate
		"ô\u0090\u0080\u0080", // F4 90 80 80: past U+10FFFF
		"Ã",                   // lead byte without its continuation
		"â‚",                  // three-byte sequence cut short
		"\ufffd",              // not a single-byte rune
	}, swedish...)
	for _, s := range correct {
		if got, ok := RepairMojibake(s); ok || got != s {
			t.Errorf("RepairMojibake(%q) = %q, %v; want it unchanged", s, got, ok)
		}
	}
}

// TestRepairMojibakeProperties runs two properties over random text from a
// fixed seed: correct text that contains no rune of the garbling alphabet
// (U+0080..U+00FF and Windows-1252's extras) is never changed, and any
// text without C1 controls and with some non-ASCII is restored from its
// garbled form by either decoder.
func TestRepairMojibakeProperties(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	alphabet := []rune("abcXYZ 09-,.\t\n" + "ĀāŁłŐőŰűЖжΩω日本語한글" + "\u2028\u200b\ufeff" + "🙂𝄞")
	garbling := []rune("åäöÅÄÖéüÃÂâ€‚ƒ„…†‡ˆ‰Š‹ŒŽ‘’“”•–—˜™š›œžŸ\u00a0¡¢£¤¥¦§¨©ª«¬\u00ad®¯°±²³´µ¶·¸¹º»¼½¾¿×÷ÿ")
	randString := func(letters []rune) string {
		n := rng.IntN(20)
		var b strings.Builder
		for range n {
			b.WriteRune(letters[rng.IntN(len(letters))])
		}
		return b.String()
	}
	for range 20000 {
		s := randString(alphabet)
		if got, ok := RepairMojibake(s); ok || got != s {
			t.Fatalf("RepairMojibake(%q) = %q, %v; want it unchanged", s, got, ok)
		}
	}
	mixed := append(append([]rune{}, alphabet...), garbling...)
	for range 20000 {
		s := randString(mixed)
		// Text whose garbled form reads as correct text is left as
		// it is (readsAsWritten): a lone "Š" garbled is "Å" and a
		// no-break space, as a correct "SJUKHUS Å" followed by one.
		if strings.IndexFunc(s, func(r rune) bool { return r >= 0x80 }) < 0 || cyrillicBesideLatin(s) || !plausibleText(s) {
			continue
		}
		for _, dec := range []func([]byte) string{DecodeWindows1252, DecodeLatin1} {
			g := garble(s, dec)
			if got, ok := RepairMojibake(g); !ok || got != s {
				t.Fatalf("RepairMojibake(%q) = %q, %v; want %q", g, got, ok, s)
			}
		}
	}
}

// cyrillicBesideLatin reports whether a Cyrillic letter stands beside a
// letter of another script ("Жa", "ж한"), or a Han or Hangul one beside a
// Latin one: no word holds that, and a repair does not take it for text
// (a correct "Ñ’" is no Cyrillic ђ).
func cyrillicBesideLatin(s string) bool {
	rs := []rune(s)
	script := func(x rune) string {
		switch {
		case unicode.Is(unicode.Cyrillic, x):
			return "Cyrillic"
		case unicode.IsLetter(x) && !unicode.Is(unicode.Common, x):
			return "other"
		}
		return ""
	}
	for i := 1; i < len(rs); i++ {
		a, b := script(rs[i-1]), script(rs[i])
		if a != "" && b != "" && a != b {
			return true
		}
		// Nor a Han or Hangul letter beside a Latin one ("한ÿ"): a
		// correct "på" and two symbols reverse to one.
		if farScript(rs[i-1]) && unicode.Is(unicode.Latin, rs[i]) || unicode.Is(unicode.Latin, rs[i-1]) && farScript(rs[i]) {
			return true
		}
	}
	return false
}

func TestRepairMojibakeAllocations(t *testing.T) {
	for _, s := range []string{"Åsa Öberg, smörgås", "plain ASCII text"} {
		if n := testing.AllocsPerRun(100, func() { RepairMojibake(s) }); n != 0 {
			t.Errorf("RepairMojibake(%q) allocated %v times", s, n)
		}
	}
	g := garble("Åsa Öberg, smörgås", DecodeWindows1252)
	// The characters the repair reads, and the repaired text.
	if n := testing.AllocsPerRun(100, func() { RepairMojibake(g) }); n != 2 {
		t.Errorf("repairing allocated %v times, want 2", n)
	}
}

func TestInvalidUTF8Offset(t *testing.T) {
	tests := []struct {
		in   string
		want int
	}{
		{"", -1}, {"abc", -1}, {"smörgås", -1}, {"🙂", -1},
		{"\xff", 0}, {"a\xffb", 1}, {"å\xc3", 2}, {"\xed\xa0\x80", 0},
		{"abc\xe2\x82", 3}, {"ab\xc0\xaf", 2}, {"ok \xf4\x90\x80\x80", 3},
	}
	for _, tt := range tests {
		if got := InvalidUTF8Offset(tt.in); got != tt.want {
			t.Errorf("InvalidUTF8Offset(%q) = %d, want %d", tt.in, got, tt.want)
		}
	}
}

func TestTrimSpace(t *testing.T) {
	tests := []struct{ in, want string }{
		{"", ""}, {"   ", ""}, {"a", "a"}, {" a ", "a"},
		{"\t\r\n a b \v\f", "a b"},
		{"\u00a0a\u00a0", "a"},
		{"\ufeffa", "a"},
		{"\ufeff \u00a0a", "a"},
		{"\u202fa\u3000", "a"},
		{"a\u200b", "a\u200b"}, // zero-width space is not white space
		{"\xffa ", "\xffa"},
		{"å ", "å"}, {" ö", "ö"},
	}
	for _, tt := range tests {
		if got := TrimSpace(tt.in); got != tt.want {
			t.Errorf("TrimSpace(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// RepairTextSteps says what RepairText did, so that a count of it (scan's
// garbled_text and c1_controls) is a count of what repair() will do.
func TestRepairTextStepsSaysWhatItDid(t *testing.T) {
	twice := DecodeWindows1252([]byte(DecodeWindows1252([]byte("Göteborg"))))
	for _, c := range []struct {
		in, out string
		want    Repair
		mixed   bool
	}{
		{"Göteborg", "Göteborg", Repair{}, false},
		{DecodeWindows1252([]byte("Göteborg")), "Göteborg", Repair{Rounds: 1}, false},
		{twice, "Göteborg", Repair{Rounds: 2}, false},
		{"Lund \u0096 Piteå", "Lund – Piteå", Repair{Controls: true}, false},
		{"Lund \u0081", "Lund \u0081", Repair{}, false}, // undefined in Windows-1252: kept
		{"Göran Ã…berg", "", Repair{}, true},
		{"SmÃ¶rgÃ", "", Repair{}, true},
	} {
		out, r, err := RepairTextSteps(c.in)
		if (err != nil) != c.mixed || out != c.out || r != c.want {
			t.Errorf("RepairTextSteps(%q) = %q, %+v, %v; want %q, %+v, mixed %v", c.in, out, r, err, c.out, c.want, c.mixed)
		}
		if got, err2 := RepairText(c.in); got != out || (err2 == nil) != (err == nil) {
			t.Errorf("RepairText(%q) = %q, %v; RepairTextSteps gave %q, %v", c.in, got, err2, out, err)
		}
	}
}

// Correct upper-case Latin text whose Ø, Ù or Û is followed by a
// Windows-1252 symbol reverses to valid UTF-8 of a character of the Arabic
// block that Unicode gives no script of its own: the number mark U+0605
// and end-of-ayah U+06DD (Common, format), Arabic punctuation and the
// tatweel (Common), and the harakat U+064B..U+0655 (Inherited, combining).
// They stand only in Arabic text, as the Hebrew accent of "MALMÖ–LUND"
// does in Hebrew, so "Till BØ…" is no garbled Arabic: it stays, and its
// Windows-1252 bytes are Windows-1252, not UTF-8. (repair() made it
// "Till B" and an invisible U+0605, and migrated that.) Garbled Arabic
// text, with its comma and harakat, is still repaired.
func TestRepairLeavesArabicBlockMarksBesideLatinText(t *testing.T) {
	for _, s := range []string{
		"Till BØ…",    // D8 85: U+0605 ARABIC NUMBER MARK ABOVE
		"BØŒ 3",       // D8 8C: U+060C ARABIC COMMA
		"SVAR: OÙ’",   // D9 92: U+0652 ARABIC SUKUN after a Latin letter
		"OÙ‘ EST-IL",  // D9 91: U+0651 ARABIC SHADDA
		"PRIS Ù€ 5",   // D9 80: U+0640 ARABIC TATWEEL
		"KAP Û\u009d", // DB 9D read as ISO 8859-1: U+06DD END OF AYAH
	} {
		if got, err := RepairText(s); err != nil || got != s {
			t.Errorf("RepairText(%q) = %q, %v; want it unchanged", s, got, err)
		}
		b := encodeSingleByte(t, s)
		if got, err := DecodeUTF8OrWindows1252(b); err != nil || got != s {
			t.Errorf("DecodeUTF8OrWindows1252(% x) = %q, %v; want %q", b, got, err, s)
		}
	}
	for _, w := range []string{"مرحبًا، عالم", "شدّة؟", "كتاب؛ قلم", "شَدَّةً"} {
		g := garble(w, DecodeWindows1252)
		if got, err := RepairText(g); err != nil || got != w {
			t.Errorf("RepairText(%q) = %q, %v; want %q", g, got, err, w)
		}
	}
}

// encodeSingleByte gives the Windows-1252 (or, for a C1 control, ISO
// 8859-1) bytes of s, as a latin1 column stores it.
func encodeSingleByte(t *testing.T, s string) []byte {
	t.Helper()
	var b []byte
	for _, r := range s {
		c, ok := singleByte(r)
		if !ok {
			t.Fatalf("%q has no single-byte form", s)
		}
		b = append(b, c)
	}
	return b
}

// A lower-case å, ä or é is a three-byte UTF-8 lead: correct Swedish text
// where one is followed by two Windows-1252 symbols (a no-break space and
// an en dash, an ellipsis and a closing quote) reverses to a Han or Hangul
// character, and repair() took "Kontroll på\u00a0– ok" for garbled "p堖":
// a Chinese character between Latin letters is no text anyone wrote, as a
// Hebrew accent in "MALMÖ" is none. Garbled Chinese, Japanese and Korean
// text, beside spaces, digits and each other, is still repaired.
func TestRepairLeavesLatinTextThatReversesToFarScripts(t *testing.T) {
	for _, s := range []string{
		"Kontroll på\u00a0– ok", // E5 A0 96: U+5816
		"Kontroll på\u00a0\u00a0ok",
		"Svar: nä…”",               // E4 85 94: U+4154
		"Ring på”…",                // E5 94 85: U+5505
		"Hb 120 g/l, ok på\u00a0±", // E5 A0 B1: U+5831
		"Ré–…",                     // E9 96 85: U+9585
		"Bë–¦x",                    // EB 96 A6: U+B5A6, Hangul
	} {
		if got, err := RepairText(s); err != nil || got != s {
			t.Errorf("RepairText(%q) = %q, %v; want it unchanged", s, got, err)
		}
		// Its Windows-1252 bytes, in a column of bytes latin1() reads,
		// are no UTF-8 of a Chinese character either.
		b := encodeSingleByte(t, s)
		if got, err := DecodeUTF8OrWindows1252(b); err != nil || got != s {
			t.Errorf("DecodeUTF8OrWindows1252(% x) = %q, %v; want %q", b, got, err, s)
		}
	}
	for _, w := range []string{"日本", "日本語のテキスト", "Sony 日本 AB", "한국어 2024", "東京, 大阪", "価格 5 €"} {
		g := garble(w, DecodeWindows1252)
		if got, err := RepairText(g); err != nil || got != w {
			t.Errorf("RepairText(%q) = %q, %v; want %q", g, got, err, w)
		}
	}
}
