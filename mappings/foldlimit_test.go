package mappings

import "testing"

// A PostgreSQL nondeterministic collation is read by the ICU locale the
// catalogue writes after its name: only a locale FoldLimit has been
// measured on (TestFoldLimitAgreesWithPostgreSQL in plans/foldtest) keeps what
// folding is sure of; a numeric (kn) or punctuation-blind (ka-shifted)
// one, another language, rules of its own, or no locale named is sure of
// no text, not even 'sa1': every nondeterministic collation was taken for
// untailored, and under und-u-kn-true a value row of 'sa1', its form's
// 'sa01' to PostgreSQL, was archived as an orphan.
func TestFoldLimitOfPostgreSQLNondeterministic(t *testing.T) {
	for _, c := range []struct {
		note                 string
		ascii, accent, umlau bool
	}{
		{"ci (nondeterministic, icu und-u-ks-level2)", true, true, true},
		{"ci (nondeterministic, icu und-u-ks-level1-kc-true)", true, true, true},
		{"ci (nondeterministic, icu en-US-u-ks-level2)", true, true, true},
		{"Ci (nondeterministic, icu sv-SE-u-ks-level1)", true, true, false},
		{"ci (nondeterministic, icu sv_SE-u-kf-upper-ks-level2)", true, true, false},
		{"ci (nondeterministic, icu da-u-ks-level1)", true, false, false},
		{"ci (nondeterministic, icu und-u-kn-true-ks-level2)", false, false, false},
		{"ci (nondeterministic, icu und-u-ka-shifted-ks-level2)", false, false, false},
		{"ci (nondeterministic, icu und-u-ks-identic)", false, false, false},
		{"ci (nondeterministic, icu und@colstrength=secondary)", false, false, false},
		{"ci (nondeterministic, icu en-US-posix-u-ks-level2)", false, false, false},
		{"ci (nondeterministic, icu hu-u-ks-level2)", false, false, false},
		{"ci (nondeterministic, icu und-u-ks-level2, rules)", false, false, false},
		{"ci (nondeterministic)", false, false, false},
		// A name holding what looks like a note: the last parenthesis is.
		{"a (nondeterministic, icu und-u-ks-level2) (nondeterministic)", false, false, false},
	} {
		l := FoldLimitOf(c.note)
		if l.Collation != c.note {
			t.Errorf("%s: limit named %q", c.note, l.Collation)
		}
		if got := l.Sure("sa1"); got != c.ascii {
			t.Errorf("%s: sure of 'sa1' %v, want %v", c.note, got, c.ascii)
		}
		if got := l.Sure("s\u00e9"); got != c.accent {
			t.Errorf("%s: sure of 's\u00e9' %v, want %v", c.note, got, c.accent)
		}
		if got := l.Sure("\u00fcab"); got != c.umlau {
			t.Errorf("%s: sure of '\u00fcab' %v, want %v", c.note, got, c.umlau)
		}
	}
	// A deterministic collation compares bytes: folding covers it.
	if l := FoldLimitOf("sv-SE-x-icu (deterministic)"); l.Collation != "" {
		t.Errorf("a deterministic collation limits folding: %+v", l)
	}
}

// SQL Server's default collations are case-insensitive; what folding is
// sure of under each is read from its name (no server here to measure
// it): Latin1_General as untailored, the Swedish ones as Swedish less 'v'
// and 'w', the Danish and Norwegian ones ASCII only, any other locale
// nothing. Every SQL Server name was taken for untailored: a value row
// of a form store under Hungarian_CI_AS ('ccs' is 'cscs') with an id of
// printable ASCII its form's to the source was archived as an orphan.
// A case-sensitive, accent-sensitive or binary name is left to folding
// (connectors.KeyBlindness).
func TestFoldLimitOfSQLServer(t *testing.T) {
	for _, c := range []struct {
		name                     string
		ascii, vw, accent, umlau bool
	}{
		{"SQL_Latin1_General_CP1_CI_AS", true, true, true, true},
		{"Latin1_General_100_CI_AI_SC_UTF8", true, true, true, true},
		{"Latin1_General_CI_AS", true, true, true, true},
		{"Finnish_Swedish_CI_AS", true, false, true, false},
		{"Finnish_Swedish_100_CI_AI", true, false, true, false},
		{"SQL_SwedishStd_Pref_CP1_CI_AS", true, false, true, false},
		{"Danish_Norwegian_CI_AS", true, true, false, false},
		{"Hungarian_CI_AS", false, false, false, false},
		{"Lithuanian_100_CI_AI", false, false, false, false},
		{"Turkish_CI_AS", false, false, false, false},
	} {
		l := FoldLimitOf(c.name)
		if l.Collation != c.name {
			t.Errorf("%s: limit named %q", c.name, l.Collation)
		}
		for _, probe := range []struct {
			text string
			want bool
		}{{"sa1", c.ascii}, {"Vikt", c.vw}, {"s\u00e9", c.accent}, {"\u00fcab", c.umlau}} {
			if got := l.Sure(probe.text); got != probe.want {
				t.Errorf("%s: sure of %q %v, want %v", c.name, probe.text, got, probe.want)
			}
		}
	}
	for _, name := range []string{"Finnish_Swedish_CS_AS", "Latin1_General_100_BIN2", "Latin1_General_BIN"} {
		if l := FoldLimitOf(name); l.Collation != "" {
			t.Errorf("%s limits folding: %+v", name, l)
		}
	}
}

// MariaDB's lithuanian and roman collations take printable ASCII for
// other ASCII ('y' for 'i', 'j' for 'i'), so FoldLimit is sure of nothing
// under them; romanian, whose name holds "roman", tailors only letters
// with diacritics and is sure of printable ASCII as german2 and danish
// are. It was taken for roman, and a key of plain ASCII under it refused.
func TestFoldLimitOfMariaDBRomanAndRomanian(t *testing.T) {
	for _, c := range []struct {
		name  string
		ascii bool
	}{
		{"utf8mb4_roman_ci", false},
		{"utf8mb3_roman_ci", false},
		{"utf8mb4_uca1400_roman_ai_ci", false},
		{"utf8mb4_lithuanian_ci", false},
		{"utf8mb4_uca1400_lithuanian_nopad_as_ci", false},
		{"utf8mb4_romanian_ci", true},
		{"utf8mb3_romanian_ci", true},
		{"utf8mb4_uca1400_romanian_ai_ci", true},
		{"utf8mb4_german2_ci", true},
	} {
		if got := FoldLimitOf(c.name).Sure("sa1"); got != c.ascii {
			t.Errorf("%s: sure of %q %v, want %v", c.name, "sa1", got, c.ascii)
		}
	}
}

// MariaDB's Turkish and Azerbaijani collations keep 'I' and 'i' apart
// ('I' is the capital of dotless 'ı', 'İ' of 'i'), which folding joins:
// a key holding either is not sure, under any character set; other
// printable ASCII is. A collation of a character set regflytt did not
// list (latin5, cp1257, latin7, koi8r) was taken for untailored, sure of
// Latin letters with accents too.
func TestFoldLimitOfMariaDBTurkishAndOtherCharsets(t *testing.T) {
	for _, c := range []struct {
		name, text string
		sure       bool
	}{
		{"utf8mb4_turkish_ci", "SIV", false},
		{"utf8mb4_turkish_ci", "siv", false},
		{"utf8mb4_turkish_ci", "sab", true},
		{"utf8mb3_turkish_ci", "siv", false},
		{"latin5_turkish_ci", "SIV", false},
		{"latin5_turkish_nopad_ci", "siv", false},
		{"utf8mb4_uca1400_turkish_ai_ci", "SIV", false},
		{"utf8mb4_uca1400_azerbaijani_nopad_as_ci", "siv", false},
		{"utf8mb4_uca1400_azerbaijani_ai_ci", "sab", true},
		{"cp1257_lithuanian_ci", "sab", false},
		{"latin7_general_ci", "sab", false},
		{"macce_general_ci", "sam", false},
		{"dec8_swedish_ci", "s[b", false},
		{"cp1251_ukrainian_ci", "sab", false},
		{"cp1251_general_ci", "sab", true},
		{"koi8r_general_ci", "s\u00e5b", false},
		{"latin2_croatian_ci", "s\u00e5b", false},
		{"latin2_croatian_ci", "sab", true},
		{"utf8mb4_general_ci", "s\u00e5b", true},
		{"latin1_general_ci", "s\u00e5b", true},
	} {
		if got := FoldLimitOf(c.name).Sure(c.text); got != c.sure {
			t.Errorf("%s: sure of %q %v, want %v", c.name, c.text, got, c.sure)
		}
	}
}
