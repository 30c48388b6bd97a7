package mappings

import (
	"errors"
	"testing"

	"github.com/regflytt/regflytt/mappings/lexical"
)

// evalText runs a one-argument text expression (repair(v), latin1(v)) on
// one value as a column's expression runs it: the text it gives, or the
// reason it archives the value with.
func evalText(t *testing.T, expr string, v any) (string, string) {
	t.Helper()
	ce, err := compileExpr(Str{Value: expr}, []string{"v"}, testEnv(t))
	if err != nil {
		t.Fatal(err)
	}
	var st applyState
	st.env.R = []any{v}
	out, err := ce.run(&st.vm, &st.env)
	if err != nil {
		var re *reasonError
		if !errors.As(err, &re) {
			t.Fatalf("%s of %q: %v, not a reason", expr, v, err)
		}
		return "", re.Reason
	}
	s, _ := out.(string)
	return s, ""
}

// garbled gives s as a legacy platform stored it after reading its UTF-8
// bytes as Windows-1252 (MariaDB's latin1) or ISO 8859-1, rounds times.
func garbled(s string, rounds int, latin1 bool) string {
	for range rounds {
		if latin1 {
			s = lexical.DecodeLatin1([]byte(s))
		} else {
			s = lexical.DecodeWindows1252([]byte(s))
		}
	}
	return s
}

// repair() gives the text the registry holder meant, or archives a value
// whose meaning the text does not settle; it never migrates a value it
// made up or one still garbled.
func TestRepairGivesTheMeantTextOrArchives(t *testing.T) {
	migrated := map[string]string{
		// Correct upper-case Swedish text whose Ö is followed by a
		// Windows-1252 symbol reverses to valid UTF-8 of a Hebrew or
		// Armenian mark between Latin letters: not garbled, kept.
		"MALMÖ–LUND": "MALMÖ–LUND", "Resa till MALMÖ…": "Resa till MALMÖ…", "TEMP Ö° 5": "TEMP Ö° 5",
		"Åsa Öberg": "Åsa Öberg", "SÃO PAULO": "SÃO PAULO", "50 °C": "50 °C",
		// Garbled once, by either decoder.
		garbled("Göran Åberg", 1, false): "Göran Åberg", garbled("Petrović", 1, false): "Petrović",
		garbled("Иван", 1, false): "Иван", garbled("דוד", 1, true): "דוד",
		garbled("\ufeffUmeå", 1, false): "\ufeffUmeå", garbled("Go\u0308ran", 1, false): "Go\u0308ran",
		garbled("MALMÖ–LUND", 1, false):                  "MALMÖ–LUND",
		garbled("5 μg/l, 10 kΩ, β-blockerare", 1, false): "5 μg/l, 10 kΩ, β-blockerare",
		// Garbled twice or three times: the value the holder meant, not
		// a middle state (which for ISO 8859-1 then Windows-1252 held a
		// C1 control, "Ã\u0096").
		garbled("Göran", 2, false): "Göran", garbled("Göran", 3, false): "Göran",
		garbled(garbled("Öberg", 1, true), 1, false): "Öberg",
		// Windows-1252 text read as ISO 8859-1 (a PostgreSQL LATIN1
		// database a Windows application wrote, a migration that
		// decoded MariaDB's latin1 so): C1 controls where the holder
		// read €, – and ’.
		"Pris 5 \u0080": "Pris 5 €", "Smörgås \u0096 gott": "Smörgås – gott", "Anna\u0092s": "Anna’s",
		"Â\u0085": "Â…",
	}
	for in, want := range migrated {
		got, reason := evalText(t, "repair(v)", in)
		if reason != "" || got != want {
			t.Errorf("repair(%q) = %q, archived %q; want %q", in, got, reason, want)
		}
	}
	for _, in := range []string{
		"Göran Ã…berg", // half repaired: correct ö beside a garbled Å
		"SmÃ¶rgÃ",      // garbled "Smörgå" cut after its lead byte by a VARCHAR(7)
		garbled("Göran", 1, false) + " 日本",
		garbled("Göran", 1, false) + " MALMÖ–LUND",
	} {
		if got, reason := evalText(t, "repair(v)", in); reason != "encoding_ambiguous" {
			t.Errorf("repair(%q) = %q, archived %q; want encoding_ambiguous", in, got, reason)
		}
	}
}

// latin1() reads bytes as UTF-8 or as Windows-1252, and archives bytes
// that are partly one and partly the other.
func TestLatin1GivesTheMeantTextOrArchives(t *testing.T) {
	for in, want := range map[string]string{
		"Ume\xe5": "Umeå", "Umeå": "Umeå", "\x80": "€", "caf\xc3\xa9": "café",
		// Windows-1252 bytes of MALMÖ–LUND (D6 96) are valid UTF-8 of a
		// Hebrew accent between Latin letters.
		"MALM\xd6\x96LUND": "MALMÖ–LUND", "\xc2\x85": "Â…",
	} {
		got, reason := evalText(t, "latin1(v)", []byte(in))
		if reason != "" || got != want {
			t.Errorf("latin1(% x) = %q, archived %q; want %q", in, got, reason, want)
		}
	}
	for _, in := range []string{
		"Sm\xc3\xb6rg\xc3",      // UTF-8 of "Smörgå" cut in half by a byte limit
		"G\xc3\xb6ran \xc5berg", // UTF-8 and Latin-1 in one value
	} {
		if got, reason := evalText(t, "latin1(v)", []byte(in)); reason != "encoding_ambiguous" {
			t.Errorf("latin1(% x) = %q, archived %q; want encoding_ambiguous", in, got, reason)
		}
	}
}

// Correct text in capitals whose Å, Ä or É stands before a dash, an
// ellipsis, a closing quote or a no-break space reverses to valid UTF-8
// of a Latin Extended letter: repair() migrated "UMEÅ–SUNDSVALL" as
// "UMEŖSUNDSVALL" and latin1() its Windows-1252 bytes the same, under
// PASS (verify re-applies the same function), archived "KNÄ–HÖFTLED" and
// "”UMEÅ”" as encoding_ambiguous, and repaired a garbled
// "UMEÃ…â€“SUNDSVALL" one round too far, into "UMEŖSUNDSVALL". Now the
// text comes through as written, garbled text of it is repaired exactly,
// and garbled names of Latin Extended letters still are.
func TestRepairKeepsCapitalsBeforePunctuation(t *testing.T) {
	for in, want := range map[string]string{
		"UMEÅ–SUNDSVALL": "UMEÅ–SUNDSVALL", "LULEÅ…": "LULEÅ…", "KNÄ–HÖFTLED": "KNÄ–HÖFTLED",
		"”UMEÅ”": "”UMEÅ”", "UMEÅ\u00a0": "UMEÅ\u00a0", "CAFÉ–BAR": "CAFÉ–BAR",
		"ÖREBRO-LÄN": "ÖREBRO-LÄN", "MÖLNDAL/ÅRE": "MÖLNDAL/ÅRE", "SJUKHUS Å": "SJUKHUS Å",
		garbled("UMEÅ–SUNDSVALL", 1, false): "UMEÅ–SUNDSVALL",
		garbled("UMEÅ–SUNDSVALL", 2, false): "UMEÅ–SUNDSVALL",
		garbled("UMEÅ–SUNDSVALL", 1, true):  "UMEÅ–SUNDSVALL",
		garbled("PETROVIĆ", 1, false):       "PETROVIĆ", garbled("Dąbrowski", 1, false): "Dąbrowski",
		garbled("ŠIMON", 1, false): "ŠIMON", garbled("Jurgaitytė", 1, false): "Jurgaitytė",
	} {
		if got, reason := evalText(t, "repair(v)", in); reason != "" || got != want {
			t.Errorf("repair(%q) = %q, archived %q; want %q", in, got, reason, want)
		}
	}
	for in, want := range map[string]string{
		"UME\xc5\x96SUNDSVALL": "UMEÅ–SUNDSVALL", "LULE\xc5\x85": "LULEÅ…", "KN\xc4\x96H\xd6FTLED": "KNÄ–HÖFTLED",
		"PETROVI\xc4\x86": "PETROVIĆ", "\xc5\xa0IMON": "ŠIMON",
	} {
		if got, reason := evalText(t, "latin1(v)", []byte(in)); reason != "" || got != want {
			t.Errorf("latin1(% x) = %q, archived %q; want %q", in, got, reason, want)
		}
	}
	// Garbled beside correct capitals: which was meant, a person says.
	in := garbled("Göran", 1, false) + " UMEÅ–SUNDSVALL"
	if got, reason := evalText(t, "repair(v)", in); reason != "encoding_ambiguous" {
		t.Errorf("repair(%q) = %q, archived %q; want encoding_ambiguous", in, got, reason)
	}
	// A capital and a no-break space inside a word in capitals: correct
	// "UMEÅ<NBSP>SJUKHUS" or a garbled Š ("DUŠAN"); they migrated as
	// they stood, the garbled name under PASS. A person says.
	for _, in := range []string{"UMEÅ\u00a0SJUKHUS", garbled("DUŠAN", 1, false)} {
		if got, reason := evalText(t, "repair(v)", in); reason != "encoding_ambiguous" {
			t.Errorf("repair(%q) = %q, archived %q; want encoding_ambiguous", in, got, reason)
		}
	}
	if got, reason := evalText(t, "latin1(v)", []byte("DU\xc5\xa0AN")); reason != "encoding_ambiguous" {
		t.Errorf("latin1(UTF-8 DUŠAN) = %q, archived %q; want encoding_ambiguous", got, reason)
	}
}

// latin1() decodes bytes; text a source has already decoded it keeps. A
// MariaDB latin1 column holding C3 A5 (Latin-1 "Ã¥", itself UTF-8 of "å"
// garbled) arrives as the text "Ã¥" and stays that (repair() makes it
// "å"); the same two bytes in a column of bytes are UTF-8 and read "å",
// as the documentation says, which is the text repair() makes of the
// Latin-1 reading. Text a PostgreSQL LATIN1 database decoded, its C1
// controls included, is not read again as bytes.
func TestLatin1KeepsDecodedTextAndReadsUTF8Bytes(t *testing.T) {
	for _, in := range []string{"Ã¥", "GÃ¶ran", "MAŠEK", "UMEŖSUNDSVALL", "Lund \u0096 Piteå", "Umeå"} {
		if got, reason := evalText(t, "latin1(v)", in); reason != "" || got != in {
			t.Errorf("latin1(%q as text) = %q, archived %q; want it kept", in, got, reason)
		}
	}
	if got, reason := evalText(t, "latin1(v)", []byte{0xC3, 0xA5}); reason != "" || got != "å" {
		t.Errorf("latin1(c3 a5) = %q, archived %q; want å", got, reason)
	}
	if got, reason := evalText(t, "repair(v)", "Ã¥"); reason != "" || got != "å" {
		t.Errorf("repair(Ã¥) = %q, archived %q; want å", got, reason)
	}
}
