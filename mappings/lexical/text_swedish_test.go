package lexical

import (
	"testing"
)

// correctRegistryText is correct text of the kind Swedish registries hold:
// places, hospitals and units in capitals, clinic names with dashes and en
// dashes, abbreviations, quotes, units and symbols, no-break spaces,
// Finnish and Sami names. None of it is garbled: repair() must give it
// back as it is, and its Windows-1252 bytes (where it has them) read
// through latin1() must give it back too.
var correctRegistryText = []string{
	// A capital Å, Ä or É (a UTF-8 lead byte) and a Windows-1252
	// symbol (a continuation byte) after it reverse to a letter of Latin
	// Extended: these were "repaired" into another text.
	"UMEÅ–SUNDSVALL", "LULEÅ–KIRUNA", "UMEÅ—LULEÅ", "KNÄ–HÖFTLED", "KNÄ–HÖFT",
	"AVD. Å–Ö", "REGISTER A–Å", "Å–Ö", "PITEÅ–", "ORT: UMEÅ–",
	"LULEÅ…", "SVAR: NÄ…", "”UMEÅ”", "»LULEÅ»", "”Å”", "”Ä”", "’SKÅ’",
	// (UMEÅ<NBSP>SJUKHUS reads as a garbled Š too: refused,
	// TestRepairRefusesCapitalAndNoBreakSpaceInsideAWord.)
	"SJUKHUS Å\u00a0", "UMEÅ\u00a0", "Å\u00a03", "VÄSTERÅ\u00adS",
	"CAFÉ–BAR", "ANDRÉ”", "JOSÉ…", "RENÉ\u00a0", "FRANÇ–", "ÆRØ–SKÆ–",
	"LULEÅ–KIRUNA ”NORR”", "UMEÅ–SUNDSVALL (NUS)",
	// The brief's suspects and their relatives.
	"ÖREBRO-LÄN", "ÖREBRO LÄN", "SJUKHUS Å", "Ä.", "Ö.", "Ä-", "Å.", "Åsa", "ÅÄÖ",
	"MÖLNDAL/ÅRE", "Å. NILSSON", "VÄXJÖ–KALMAR", "MALMÖ–LUND", "GÄVLE–FALUN",
	"Norrlands universitetssjukhus, Umeå – Akuten", "NORRLANDS UNIVERSITETSSJUKHUS, UMEÅ – AKUTEN",
	"Hjärtkliniken, Sahlgrenska Universitetssjukhuset – Mölndal", "Kl. 08.00–16.30",
	"Region Västerbotten – Umeå", "Ärende nr 5–7", "Storgatan 5\u00a0B", "10\u00a0000 kr",
	"Avd. 12, ”Hjärtat”", "t.\u00a0ex. Å-ÅÄ", "§ 12", "§12", "50 °C", "37,5°", "5 µg/l", "3 × 5", "± 2",
	"½ tablett", "Åsa\u00a0Öberg", "ÅSA ÖBERG", "ÅSA\u00a0ÖBERG",
	// Finnish and Sami.
	"Hämeenlinna", "ÄHTÄRI", "SEINÄJOKI", "JYVÄSKYLÄ", "ÄÄNEKOSKI", "PIETARSAARI–JAKOBSTAD",
	"Jåhkåmåhkke", "Ájtte", "Árjepluovve", "Ođđasat", "Čohkkiras", "Sámi", "ÁJTTE–JOKKMOKK",
	// Garbled text of correct text that is written like garbling: left
	// alone because no repair makes sense of it.
	"MÜLLER–LÜDENSCHEIDT", "BJØRN–", "SÃO PAULO",
}

// garbledRegistryText is correct text that a legacy platform garbled:
// repair() must give it back exactly, whether garbled once or twice, by
// Windows-1252 or by ISO 8859-1.
var garbledRegistryText = []string{
	"UMEÅ–SUNDSVALL", "LULEÅ…", "SJUKHUS Å", "MÖLNDAL/ÅRE", "Smörgås", "Åsa Öberg", "ÅÄÖ",
	"Hjärtkliniken – Mölndal", "”UMEÅ”", "UMEÅ\u00a0", "Kl. 08.00–16.30",
	"§ 12 ½ tablett, 5 µg/l, 3 × 5 ± 2 °C",
	// Names of other languages, whose letters garbled are a capital
	// Ä or Å and a Windows-1252 symbol.
	"Petrović", "PETROVIĆ", "Dąbrowski", "DĄBROWSKI", "Jurgaitytė", "Šimon", "ŠIMON", "ŠIMIĆ",
	"Żaneta", "ŻUKOWSKI", "İbrahim", "İSMAİL", "Łukasz", "Kościuszko", "Ėglė", "Ērika", "ĒRIKS",
	"Jåhkåmåhkke", "Ođđasat", "Čohkkiras",
}

func TestRepairLeavesCorrectRegistryText(t *testing.T) {
	for _, s := range correctRegistryText {
		if got, err := RepairText(s); err != nil || got != s {
			t.Errorf("RepairText(%q) = %q, %v; want it unchanged", s, got, err)
		}
		b, ok := windows1252Bytes(s)
		if !ok {
			continue
		}
		if got, err := DecodeUTF8OrWindows1252(b); err != nil || got != s {
			t.Errorf("DecodeUTF8OrWindows1252(% x) = %q, %v; want %q", b, got, err, s)
		}
	}
}

func TestRepairRestoresGarbledRegistryText(t *testing.T) {
	for _, w := range garbledRegistryText {
		for name, dec := range map[string]func([]byte) string{"1252": DecodeWindows1252, "latin1": DecodeLatin1} {
			once := garble(w, dec)
			if got, err := RepairText(once); err != nil || got != w {
				t.Errorf("%s: RepairText(%q) = %q, %v; want %q", name, once, got, err, w)
			}
			twice := garble(once, dec)
			if got, err := RepairText(twice); err != nil || got != w {
				t.Errorf("%s: RepairText(%q) = %q, %v; want %q", name, twice, got, err, w)
			}
		}
		// ISO 8859-1 first, then Windows-1252: the middle state holds
		// C1 controls.
		mixed := garble(garble(w, DecodeLatin1), DecodeWindows1252)
		if got, err := RepairText(mixed); err != nil || got != w {
			t.Errorf("RepairText(%q) = %q, %v; want %q", mixed, got, err, w)
		}
		// UTF-8 bytes in a column of bytes latin1() reads.
		if got, err := DecodeUTF8OrWindows1252([]byte(w)); err != nil || got != w {
			t.Errorf("DecodeUTF8OrWindows1252(% x) = %q, %v; want %q", w, got, err, w)
		}
	}
}

// A value garbled in one place and correct in another is no text the
// repair can settle: it is refused, not made into a third text.
func TestRepairRefusesGarbledTextBesideCorrectCapitals(t *testing.T) {
	for _, s := range []string{
		garble("Göran", DecodeWindows1252) + " UMEÅ–SUNDSVALL",
		"UMEÅ–SUNDSVALL " + garble("Petrović", DecodeWindows1252),
		garble("Smörgås", DecodeWindows1252) + " ”LULEÅ”",
	} {
		if got, err := RepairText(s); KindOf(err) != KindMixedEncoding {
			t.Errorf("RepairText(%q) = %q, %v; want it refused as mixed", s, got, err)
		}
	}
}

// windows1252Bytes gives the Windows-1252 bytes of s, as a latin1 column
// stores it, or false if s holds a character Windows-1252 has not.
func windows1252Bytes(s string) ([]byte, bool) {
	var b []byte
	for _, r := range s {
		c, ok := singleByte(r)
		if !ok || r >= 0x80 && r < 0xA0 {
			return nil, false
		}
		b = append(b, c)
	}
	return b, true
}

// What readsAsWritten decides where the text cannot: a capital letter
// and a dash, an ellipsis, a closing quote or a no-break space ending a
// word in capitals is Swedish text, not a garbled letter of Latin
// Extended, so a Lithuanian name in capitals ending in a garbled Ė stays
// as it is stored; a value with other garbled letters in it is refused.
// Windows-1252 text read as ISO 8859-1 (the en dash a C1 control) reads as
// the same text, and the control becomes the dash.
func TestRepairReadsCapitalAndPunctuationAsWritten(t *testing.T) {
	for in, want := range map[string]string{
		"KAZLAUSKIENÄ–":           "KAZLAUSKIENÄ–",
		"UMEÅ\u0096SUNDSVALL":     "UMEÅ–SUNDSVALL",
		"LULEÅ\u0085":             "LULEÅ…",
		"\u0094UMEÅ\u0094":        "”UMEÅ”",
		"Kazlauskien" + "Ä—":      "Kazlauskienė", // after a lower-case letter: garbled
		"Ä–glÄ—":                  "Ėglė",
		"DÄ…browski":              "Dąbrowski",
		"Å\u00a0imon Å\u00a0IMON": "Šimon ŠIMON",
	} {
		if got, err := RepairText(in); err != nil || got != want {
			t.Errorf("RepairText(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	if got, err := RepairText("KAZLAUSKIENÄ– " + garble("Göran", DecodeWindows1252)); KindOf(err) != KindMixedEncoding {
		t.Errorf("RepairText = %q, %v; want it refused as mixed", got, err)
	}
}

// RepairTextSteps says when the text it kept is kept only because a
// capital and punctuation read as written, so that scan can count what
// repair() took for correct text where garbled text has the same shape.
func TestRepairTextStepsSaysWhatItReadAsWritten(t *testing.T) {
	for _, c := range []struct {
		in   string
		want Repair
	}{
		{"UMEÅ–SUNDSVALL", Repair{AsWritten: true}},
		{"KAZLAUSKIENÄ–", Repair{AsWritten: true}},
		{"UMEÅ–SUNDSVALL LULEÅ…", Repair{AsWritten: true}},
		{"”UMEÅ” LULEÅ…", Repair{}}, // a lone ”: no UTF-8 garbled as a whole
		{garble(garble("UMEÅ–SUNDSVALL", DecodeWindows1252), DecodeWindows1252), Repair{Rounds: 2, AsWritten: true}},
		{"UMEÅ\u0096SUNDSVALL", Repair{Controls: true, AsWritten: true}}, // or Ŗ garbled by ISO 8859-1
		{"KNÄ–HÖFTLED", Repair{}},                                        // a lone Ö: not garbled as a whole
		{"MALMÖ–LUND", Repair{}},                                         // a Hebrew accent: no reading to weigh
		{"Göteborg", Repair{}},
		{garble("Petrović", DecodeWindows1252), Repair{Rounds: 1}},
	} {
		if _, r, err := RepairTextSteps(c.in); err != nil || r != c.want {
			t.Errorf("RepairTextSteps(%q) = %+v, %v; want %+v", c.in, r, err, c.want)
		}
	}
}

// A capital Å and a no-break space inside a word in capitals read two
// ways alike: correct Swedish text with a no-break space between words
// ("UMEÅ<NBSP>SJUKHUS") and a garbled capital Š inside a name ("DUŠAN",
// "KOŠICE": C5 A0 read as Windows-1252 is "Å" and a no-break space). Read
// as written, every garbled Š in a name in capitals migrated garbled
// ("DUÅ<NBSP>AN") under PASS; read as garbled, the correct text became
// "UMEŠSJUKHUS". Neither is safe: the value is refused (archived as
// encoding_ambiguous), as text (repair()) and as bytes (latin1()).
func TestRepairRefusesCapitalAndNoBreakSpaceInsideAWord(t *testing.T) {
	for _, s := range []string{"UMEÅ\u00a0SJUKHUS", "DUŠAN", "HAŠIM", "KOŠICE", "VIŠNJA", "LÄKARE DUŠAN"} {
		text := s
		if s != "UMEÅ\u00a0SJUKHUS" {
			text = garble(s, DecodeWindows1252)
		}
		if got, err := RepairText(text); KindOf(err) != KindMixedEncoding {
			t.Errorf("RepairText(%q) = %q, %v; want it refused as ambiguous", text, got, err)
		}
		b, ok := windows1252Bytes(text)
		if !ok {
			t.Fatalf("%q has no Windows-1252 bytes", text)
		}
		if got, err := DecodeUTF8OrWindows1252(b); KindOf(err) != KindMixedEncoding {
			t.Errorf("DecodeUTF8OrWindows1252(% x) = %q, %v; want it refused as ambiguous", b, got, err)
		}
	}
	// At a word's start a garbled Š is a letter of the word after it;
	// at its end, the no-break space before no letter is written so.
	for in, want := range map[string]string{
		garble("ŠIMON", DecodeWindows1252): "ŠIMON",
		garble("Dušan", DecodeWindows1252): "Dušan",
		"UMEÅ\u00a0":                       "UMEÅ\u00a0",
		"SJUKHUS Å\u00a0":                  "SJUKHUS Å\u00a0",
		// A correct Ö beside it: the value is not garbled as a whole.
		"UMEÅ\u00a0SJUKHUS, VÄXJÖ": "UMEÅ\u00a0SJUKHUS, VÄXJÖ",
	} {
		if got, err := RepairText(in); err != nil || got != want {
			t.Errorf("RepairText(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
}
