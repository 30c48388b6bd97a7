package mappings

import (
	"slices"
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"

	"github.com/regflytt/regflytt/connectors"
)

// FoldLimit is what folding (FoldText) can be trusted with under the
// collations of a key's columns. Folding joins case, trailing spaces and
// the accents of Latin letters; a blind collation may join more:
// MariaDB's utf8mb4_general_ci takes 'ß' for 's' and every character
// outside the Basic Multilingual Plane for every other, utf8mb4_swedish_ci
// 'ü' for 'y', latin1_swedish_ci '[' for 'Å', utf8mb4_unicode_ci ignores
// NUL, uca1400 takes 'æ' for 'ae', german2 'ä' for 'ae'. A key folding
// cannot match with another may then be the same key to the source, and
// regflytt cannot tell: Sure says which keys it can.
//
// Sure keys are those whose spellings under the collation fold alike,
// measured on MariaDB 10.11 (TestFoldLimitAgreesWithMariaDB): printable
// ASCII under every collation (but '[', '\', ']' under latin1_swedish_ci),
// and Latin letters with accents, written composed or not, under the
// untailored collations (general, unicode, unicode_520, uca1400) and the
// Swedish ones (but 'ü', which they take for 'y'); other MariaDB
// collations (german2, danish, and every one of a character set other
// than the UTF-8 ones and latin1, unmeasured) are sure of printable ASCII
// only, Turkish and Azerbaijani ones of it less 'I' and 'i' (which they
// keep apart: 'I' is the capital of 'ı'), lithuanian ('y' is 'i') and
// roman ('j' is 'i') of nothing.
//
// A PostgreSQL nondeterministic collation is read by its ICU locale, as
// the catalogue writes it after the name (see icuTailoring), measured on
// PostgreSQL 15 (TestFoldLimitAgreesWithPostgreSQL): the root locale
// (und, en) at a strength of 1 to 3 is untailored, a Swedish or Finnish
// one Swedish, a Danish, Norwegian or German one sure of printable ASCII
// only; any other locale or keyword (kn takes '01' for '1', ka-shifted
// 's-ab' for 'sab'), a collation with rules of its own, and one whose
// locale is not named, are sure of nothing. A SQL Server collation
// (_CI_AS, _CI_AI, _CS_AI) is read by its locale, unmeasured (see
// sqlServerTailoring); none named is taken for untailored, unmeasured.
type FoldLimit struct {
	// Collation names the first collation that joins more than folding
	// does; "" when folding covers every one, and every key is sure.
	Collation string
	// Accents says Latin letters with accents are sure too; Swedish that
	// 'ü' and 'ę' are not, and Latin1Swedish that '[', '\' and ']' are not.
	Accents, Swedish, Latin1Swedish bool
	// None says no text is sure, not even printable ASCII: a collation
	// may join any two.
	None bool
	// NotSure lists printable ASCII characters that are not sure either
	// (a SQL Server Swedish collation's 'v' and 'w').
	NotSure string
}

// FoldLimitOf gives the limit of a key compared under the collations
// given (as the catalogue names them, Column.Collation): the first that
// folding does not cover decides it, and a later one can only narrow it.
func FoldLimitOf(collations ...string) FoldLimit {
	var l FoldLimit
	for _, c := range collations {
		if foldCovers(c) {
			continue
		}
		untailored, swedish, none := tailoring(c)
		l.None = l.None || none
		if swedish && sqlServerName(strings.ToLower(c)) {
			l.NotSure += "VWvw"
		}
		if turkic(c) {
			l.NotSure += "Ii"
		}
		if l.Collation == "" {
			l = FoldLimit{Collation: c, Accents: untailored || swedish, None: none, NotSure: l.NotSure}
			if l.Collation == "" {
				l.Collation = "unknown"
			}
		} else if !untailored && !swedish {
			l.Accents = false
		}
		l.Swedish = l.Swedish || swedish
		l.Latin1Swedish = l.Latin1Swedish || (swedish && strings.HasPrefix(strings.ToLower(c), "latin1_"))
	}
	return l
}

// foldCovers says whether folding joins every two texts a collation
// joins: a byte-wise one, one blind to trailing spaces only, and SQLite's
// NOCASE, which folds ASCII letters only.
func foldCovers(collation string) bool {
	caseAccent, _ := connectors.KeyBlindness(collation)
	return !caseAccent || strings.EqualFold(collation, "nocase")
}

// tailoring reads a collation's name: untailored (MariaDB's and MySQL's
// general, unicode, unicode_520 and uca1400 ones of a UTF-8 character
// set, which take each Latin letter with accents for its base letter),
// Swedish, or another MariaDB or MySQL one (german2 takes 'ä' for 'ae',
// danish 'aa' for 'å': neither untailored nor swedish). A PostgreSQL
// nondeterministic collation is read by its ICU locale (icuTailoring), a
// SQL Server one by its name (sqlServerTailoring); none says no text is
// sure. Any other name (none, an unknown one) is taken
// for untailored, as regflytt folded every blind key before.
func tailoring(collation string) (untailored, swedish, none bool) {
	c := strings.ToLower(collation)
	if i := strings.LastIndex(c, " (nondeterministic"); i >= 0 {
		return icuTailoring(c[i+1:])
	}
	if sqlServerName(c) {
		return sqlServerTailoring(c)
	}
	for _, p := range asciiUnsure {
		if strings.HasPrefix(c, p) {
			return false, false, true
		}
	}
	if strings.Contains(c, "swedish") {
		return false, true, false
	}
	mariadb, charset := false, ""
	for _, cs := range mariaDBCharsets {
		if strings.HasPrefix(c, cs+"_") {
			mariadb, charset = true, cs
			c = strings.TrimPrefix(c, cs+"_")
			break
		}
	}
	if !mariadb {
		return true, false, false
	}
	// Lithuanian takes 'y' for 'i' and 'ch' for 'c', roman 'j' for 'i'
	// and 'v' for 'u': printable ASCII folding keeps apart
	// (TestFoldLimitAgreesWithMariaDB, every collation of the server),
	// whatever the character set. By the locale's word in the name:
	// romanian holds "roman" but tailors only letters with diacritics.
	for _, w := range strings.Split(c, "_") {
		if w == "lithuanian" || w == "roman" {
			return false, false, true
		}
	}
	// The general ones of another character set (latin2, cp1250, koi8r)
	// are not measured with accents: printable ASCII only.
	if !slices.Contains(untailoredCharsets, charset) {
		return false, false, false
	}
	for _, base := range []string{"general_", "unicode_", "unicode_520_", "uca1400_"} {
		switch rest, ok := strings.CutPrefix(c, base); {
		case !ok:
		case rest == "ci", rest == "nopad_ci", rest == "ai_ci", rest == "as_ci", rest == "nopad_ai_ci", rest == "nopad_as_ci":
			return true, false, false
		}
	}
	return false, false, false
}

// sqlServerName says whether a collation's name (lower case) is SQL
// Server's blind kind: case-insensitive, or accent-insensitive (MariaDB's
// write the accents first, _ai_ci, _as_ci).
func sqlServerName(c string) bool {
	return strings.Contains(c, "_ci_as") || strings.Contains(c, "_ci_ai") || strings.Contains(c, "_cs_ai")
}

// sqlServerTailoring reads a SQL Server collation's name by its locale,
// unmeasured (no server here): Latin1_General (and SQL_Latin1_General_*)
// is taken for untailored; Finnish_Swedish and the SQL_ Swedish and
// Scandinavian ones for Swedish, less 'v' and 'w' (the traditional
// Swedish sort took 'w' for 'v', and whether a _CI_ collation still
// joins them is not known here); Danish, Norwegian and German phone
// book ones ('aa' is 'å', 'ä' is 'ae') are sure of printable ASCII only;
// any other locale (Hungarian takes 'ccs' for 'cscs', Lithuanian 'y'
// for 'i') of nothing.
func sqlServerTailoring(c string) (untailored, swedish, none bool) {
	has := func(prefixes ...string) bool {
		for _, p := range prefixes {
			if strings.HasPrefix(c, p) {
				return true
			}
		}
		return false
	}
	switch {
	case has("latin1_general_", "sql_latin1_general_"):
		return true, false, false
	case has("finnish_swedish_", "sql_swedishstd_", "sql_swedishphone_", "sql_scandinavian_"):
		return false, true, false
	case has("danish_", "norwegian_", "sql_danish_", "german_phonebook_"):
		return false, false, false
	}
	return false, false, true
}

// icuTailoring reads the note the PostgreSQL catalogue writes after a
// nondeterministic collation's name, "(nondeterministic, icu LOCALE)"
// with ", rules" after it for one with rules of its own: a locale of a
// language (with a script and a region) and the keywords ks (strength),
// kc (case level) and kf (case first), which change how much is equal
// but not what equals what, is read by its language; any other part of
// the locale (a variant, kn, ka, kr, co, an @ attribute of ICU's older
// syntax), rules, or a note without a locale is sure of nothing.
func icuTailoring(note string) (untailored, swedish, none bool) {
	locale, ok := strings.CutPrefix(note, "(nondeterministic, icu ")
	locale, ok2 := strings.CutSuffix(locale, ")")
	if !ok || !ok2 || strings.ContainsAny(locale, "@,() ") {
		return false, false, true
	}
	subtags := strings.Split(strings.ReplaceAll(locale, "_", "-"), "-")
	lang := subtags[0]
	rest := subtags[1:]
	// A script (four letters) and a region (two letters or three digits).
	if len(rest) > 0 && len(rest[0]) == 4 && isAlpha(rest[0]) {
		rest = rest[1:]
	}
	if len(rest) > 0 && (len(rest[0]) == 2 && isAlpha(rest[0]) || len(rest[0]) == 3 && allDigits(rest[0])) {
		rest = rest[1:]
	}
	if len(rest) > 0 {
		if rest[0] != "u" || len(rest)%2 != 1 {
			return false, false, true
		}
		for i := 1; i < len(rest); i += 2 {
			switch k, v := rest[i], rest[i+1]; {
			case k == "ks" && (v == "level1" || v == "level2" || v == "level3"):
			case k == "kc" && (v == "true" || v == "false"):
			case k == "kf" && (v == "upper" || v == "lower" || v == "false"):
			default:
				return false, false, true
			}
		}
	}
	switch lang {
	case "", "und", "root", "en":
		return true, false, false
	case "sv", "fi":
		return false, true, false
	case "da", "nb", "nn", "no", "de":
		return false, false, false
	}
	return false, false, true
}

func isAlpha(s string) bool {
	for _, r := range s {
		if r < 'a' || r > 'z' {
			return false
		}
	}
	return s != ""
}

// mariaDBCharsets begin the names of MariaDB's and MySQL's collations:
// MariaDB 10.11's SHOW CHARACTER SET, and MySQL's utf8 and cp1252. A
// name beginning with none of them is taken for untailored (tailoring).
var mariaDBCharsets = []string{"utf8mb4", "utf8mb3", "utf8", "latin1", "latin2", "latin5", "latin7", "ucs2", "utf16", "utf16le", "utf32",
	"cp1250", "cp1251", "cp1252", "cp1256", "cp1257", "cp850", "cp852", "cp866", "cp932", "ascii", "binary", "big5", "dec8", "hp8",
	"koi8r", "koi8u", "swe7", "ujis", "sjis", "hebrew", "tis620", "euckr", "gb2312", "greek", "gbk", "armscii8", "keybcs2",
	"macce", "macroman", "geostd8", "eucjpms"}

// asciiUnsure begin the names of MariaDB's collations that join
// printable ASCII folding keeps apart, or keep apart what it joins,
// measured on MariaDB 10.11 (TestFoldLimitAgreesWithMariaDB): big5 takes
// '`' for 'E', gb2312 and gbk '~' for 'Y', macce 'n' for 'm', dec8's
// swedish '[' for 'Å', geostd8 '`' for '@', koi8u and cp1251_ukrainian
// '`' for ' ', and latin7 and cp866 keep 't' and 'T', 'j' and 'J' apart:
// sure of nothing.
var asciiUnsure = []string{"big5_", "gb2312_", "gbk_", "macce_", "dec8_", "geostd8_", "koi8u_", "cp1251_ukrainian_", "latin7_", "cp866_"}

// untailoredCharsets are the character sets whose general, unicode,
// unicode_520 and uca1400 collations take Latin letters with accents for
// their base letters, measured for utf8mb4 and latin1
// (TestFoldLimitAgreesWithMariaDB).
var untailoredCharsets = []string{"utf8mb4", "utf8mb3", "utf8", "latin1", "ucs2", "utf16", "utf16le", "utf32"}

// turkic says whether a MariaDB or MySQL collation is Turkish or
// Azerbaijani: 'I' is the capital of dotless 'ı' there, and 'İ' of 'i',
// so 'SIV' and 'siv' are two keys that folding joins
// (TestFoldLimitAgreesWithMariaDB, both ways).
func turkic(collation string) bool {
	for _, w := range strings.Split(strings.ToLower(collation), "_") {
		if w == "turkish" || w == "azerbaijani" {
			return true
		}
	}
	return false
}

// Sure says whether folding joins every spelling of v the collation
// joins: no text, or text of characters folding is sure of.
func (l FoldLimit) Sure(v connectors.Value) bool {
	s, ok := v.(string)
	if !ok || l.Collation == "" {
		return true
	}
	if l.None {
		return false
	}
	for i := 0; i < len(s); i++ {
		b := s[i]
		switch {
		case b < 0x20 || b == 0x7f:
			return false
		case b >= 0x80:
			return l.Accents && l.sureLatin(s[i:])
		case l.Latin1Swedish && (b == '[' || b == '\\' || b == ']'), strings.IndexByte(l.NotSure, b) >= 0:
			return false
		}
	}
	return true
}

// sureLatin is Sure of the rest of a text from its first byte not ASCII:
// Latin letters with accents, composed (an ASCII letter and combining
// marks, canonically) or not.
func (l FoldLimit) sureLatin(s string) bool {
	for _, r := range s {
		switch {
		case r < 0x80:
			if r < 0x20 || r == 0x7f || l.Latin1Swedish && (r == '[' || r == '\\' || r == ']') || strings.IndexByte(l.NotSure, byte(r)) >= 0 {
				return false
			}
		case isAccent(r):
		default:
			d := norm.NFD.String(string(r))
			base := rune(d[0])
			if len(d) < 2 || base >= 0x80 || !unicode.IsLetter(base) {
				return false
			}
			for _, m := range d[1:] {
				if !isAccent(m) {
					return false
				}
				// Swedish collations take ü (and ű) for y, ICU's
				// (CLDR's) ę for ä.
				if l.Swedish && (base == 'u' || base == 'U') && (m == '\u0308' || m == '\u030b') {
					return false
				}
				if l.Swedish && (base == 'e' || base == 'E') && m == '\u0328' {
					return false
				}
			}
		}
	}
	return true
}

// isAccent says whether r is a combining diacritical mark folding strips
// and the collations above ignore or join with its letter: not U+0345,
// whose upper case is the Greek iota, nor the combining Latin letters
// U+0363 to U+036F, which the UCA collations take for 'a' to 'x'.
func isAccent(r rune) bool {
	return r >= 0x300 && r <= 0x362 && r != 0x345
}
