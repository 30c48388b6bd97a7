package connectors

import (
	"errors"
	"fmt"
	"strings"
	"testing"
)

func TestMaskIdentityNumbers(t *testing.T) {
	for in, want := range map[string]string{
		"19121212-1212":                  "19121212-****",
		"191212121212":                   "19121212****",
		"121212-1212":                    "121212-****",
		"1212121212":                     "121212****",
		"121212+1212":                    "121212+****",
		"19121272-1212":                  "19121272-****", // samordningsnummer
		"account 19700101-1111: widened": "account 19700101-****: widened",
		`["19121212-1212"]`:              `["19121212-****"]`,
		"(19121212-1212, 1212121212)":    "(19121212-****, 121212****)",
		"x19121212-1212y":                "x19121212-****y",
		"19121212-1212-":                 "19121212-****-",
		"2021-03-04":                     "2021-03-04",
		"SE2321000016-1234":              "SE2321000016-1234",
		"12345":                          "12345",
		"1234567890123":                  "1234567890123",
		"12121212-12+2":                  "12121212-12+2",
		"1212-12-1212":                   "1212-12-1212",
		"12121212--1212":                 "12121212--1212",
		"no digits here":                 "no digits here",
		"19121212 1212":                  "19121212 ****",
		"key (121212 1212)":              "key (121212 ****)",
		"121212 12123":                   "121212 12123",
		"1212 1212":                      "1212 1212",
		"19121212 1212-3":                "19121212 1212-3",
		// Separators people paste and the exclusion match reads
		// (exclusion_by_digits): en dash, other Unicode dashes, '_', '/'.
		"key (121212–1212)":                "key (121212–****)",
		"19121212—1212":                    "19121212—****",
		"19121212−1212":                    "19121212−****",
		"19121212‑1212":                    "19121212‑****",
		"19121212_1212":                    "19121212_****",
		"19121212/1212":                    "19121212/****",
		"19121212/1212/3":                  "19121212/1212/3",
		"2021–03–04":                       "2021–03–04",
		"1234–1234":                        "1234–1234",
		"19121212–12123":                   "19121212–12123",
		"ab1234567890cd0e4f5a6b7c8d9e0f1a": "ab1234567890cd0e4f5a6b7c8d9e0f1a", // a pseudonym
		"ID19121212-1212":                  "ID19121212-****",
		"sha256:9f1212121212abcdef":        "sha256:9f1212121212abcdef",
		"":                                 "",
		"row 3 of besok, key 19121212-12":  "row 3 of besok, key 19121212-12",
		// Reserve numbers (reservnummer): the serial is masked.
		"19900101-T123":                        "19900101-****",
		"900101-TF12":                          "900101-****",
		"19900101T123":                         "19900101****",
		"19900101 t123":                        "19900101 ****",
		"key (19900101-t123), row 4":           "key (19900101-****), row 4",
		"19900101+AB12.":                       "19900101+****.",
		"migrated 123456 rows":                 "migrated 123456 rows",
		"19900101 done":                        "19900101 done",
		"19900101-T1234":                       "19900101-T1234",
		"12345678-abcd-1234-9abc-def012345678": "12345678-abcd-1234-9abc-def012345678",
		"20240101T120000Z":                     "20240101T120000Z",
		"ab19900101abcd0e4f5a6b7c":             "ab19900101abcd0e4f5a6b7c",
		"1234567-T123":                         "1234567-T123",
		// Dashes between the date's parts too (YYYY-MM-DD-NNNN, a date
		// column's text with the last four added), or a date so written
		// and a separator before the last four.
		"1912-12-12-1212":                     "1912-12-12-****",
		"12-12-12-1212":                       "12-12-12-****",
		"1912-12-12+1212":                     "1912-12-12+****",
		"key (1912-12-12-1212), row 3":        "key (1912-12-12-****), row 3",
		"1912-12-72-1212":                     "1912-12-72-****", // samordningsnummer
		"1912-12-12 1212":                     "1912-12-12 ****",
		"1912-12-12–1212":                     "1912-12-12–****",
		"1912-12-12-1212-3":                   "1912-12-12-1212-3",
		"1234-56-78-9012":                     "1234-56-78-9012",
		"2021-03-04-12345":                    "2021-03-04-12345",
		"2021-03-04 12:34":                    "2021-03-04 12:34",
		"2021-03-04T12:34:56":                 "2021-03-04T12:34:56",
		"1912-1212-1212":                      "1912-1212-1212",
		"19-12-12-12-1212":                    "19-12-12-12-1212",
		"2021-03-04, 1234 rows of 2021-03-05": "2021-03-04, 1234 rows of 2021-03-05",
		// Digits of another script: full-width (U+FF10…), as an input
		// method in East Asian mode types them, and any Unicode decimal
		// digit; the full-width hyphen and plus with them.
		"１９１２１２１２１２１２":               "１９１２１２１２****",
		"１９１２１２１２－１２１２":              "１９１２１２１２－****",
		"row １２１２１２－１２１２ refused":    "row １２１２１２－**** refused",
		"１２１２１２＋１２１２":                "１２１２１２＋****",
		"１９１２１２１２　１２１２":              "１９１２１２１２　****",
		"١٩١٢١٢١٢١٢١٢":               "١٩١٢١٢١٢****",
		"19121212-１２１２":              "19121212-****",
		"１９１２-１２-１２-１２１２":            "１９１２-１２-１２-****",
		"１２３４５":                      "１２３４５",
		"１２３４５６７８９０１２３":              "１２３４５６７８９０１２３",
		"２０２１－０３－０４":                 "２０２１－０３－０４",
		"１２１２－１２－１２１２":               "１２１２－１２－１２１２",
		"９ｆ１２１２１２１２１２ａｂｃｄｅｆ":         "９ｆ１２１２１２１２１２ａｂｃｄｅｆ",
		"summa １ ２３４ kr, 2021-03-04": "summa １ ２３４ kr, 2021-03-04",
		// The blanks a word processor or a spreadsheet writes in a
		// number (no-break, narrow no-break, thin, figure space) and a
		// tab, which the exclusion match reads as a space: a listed
		// number so written was excluded and still echoed in clear.
		"19121212\u00a01212":           "19121212\u00a0****",
		"191212\u202f1212, refused":    "191212\u202f****, refused",
		"19121212\u20091212":           "19121212\u2009****",
		"1912-12-12\u20071212":         "1912-12-12\u2007****",
		"１９１２１２１２\u00a0１２１２":           "１９１２１２１２\u00a0****",
		"19121212\t1212":               "19121212\t****",
		"summa 1\u00a0234\u00a0567 kr": "summa 1\u00a0234\u00a0567 kr",
		"2021-03-04\u00a012:34":        "2021-03-04\u00a012:34",
		// Shapes a person list reads by their digits (LooseNumber) and
		// the masker left in clear: spaces around the dash, the date's
		// parts apart, a word after a space-separated number. Masked
		// when a list would match them: a birth date and a valid check
		// digit.
		"19121212 - 1212":                "19121212 - ****",
		"key (121212 - 1212), row 3":     "key (121212 - ****), row 3",
		"19121212 -1212":                 "19121212 -****",
		"19121212- 1212":                 "19121212- ****",
		"19121212 – 1212":                "19121212 – ****",
		"1912 12 12-1212":                "1912 12 12-****",
		"1912 12 12 1212":                "1912 12 12 ****",
		"12 12 12-1212":                  "12 12 12-****",
		"191212 1212 refused":            "191212 **** refused",
		"19121212 1212 refused":          "19121212 **** refused",
		"1912-12-12 1212 refused":        "1912-12-12 **** refused",
		"1912-12-12 - 1212":              "1912-12-12 - ****",
		"row 1912 12 12 - 1212 excluded": "row 1912 12 12 - **** excluded",
		// Ordinary numbers in those shapes stay: no date, a wrong check
		// digit, or more digits after.
		"2024-01-05 1234 rows":        "2024-01-05 1234 rows",
		"2024 01 05 1234 rows":        "2024 01 05 1234 rows",
		"1 000 000 rows":              "1 000 000 rows",
		"1 000 000 000 rows":          "1 000 000 000 rows",
		"2024-01-05 12:00":            "2024-01-05 12:00",
		"2024-01-05T12:00:00Z 1212":   "2024-01-05T12:00:00Z 1212",
		"rows 1000 - 2000":            "rows 1000 - 2000",
		"rows 19121212 - 19121300":    "rows 19121212 - 19121300",
		"batch 12 of 1212":            "batch 12 of 1212",
		"took 1912 ms, 12 12 batches": "took 1912 ms, 12 12 batches",
		"1912 12 12 1212 1212":        "1912 12 12 1212 1212",
		"191212 1212 1212 rows":       "191212 1212 1212 rows",
		"1912 13 12 1212":             "1912 13 12 1212",
		"1234 56 78-1212":             "1234 56 78-1212",
		"1912 12-12 1212":             "1912 12-12 1212",
	} {
		if got := MaskIdentityNumbers(in); got != want {
			t.Errorf("MaskIdentityNumbers(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestIdentityNumberShaped(t *testing.T) {
	for s, want := range map[string]bool{
		"19121212-1212": true, "191212121212": true, "121212+1212": true, "1212121212": true,
		"x19121212-1212": false, "19121212-1212 ": false, "2021-03-04": false, "": false, "-1212121212": false,
	} {
		if got := IdentityNumberShaped(s); got != want {
			t.Errorf("IdentityNumberShaped(%q) = %v", s, got)
		}
	}
}

func TestMaskErrorKeepsTheChain(t *testing.T) {
	base := errors.New("row 19121212-1212 refused")
	err := MaskError(fmt.Errorf("write: %w", base))
	if err.Error() != "write: row 19121212-**** refused" || !errors.Is(err, base) {
		t.Errorf("MaskError: %q, chain kept %v", err, errors.Is(err, base))
	}
	if plain := errors.New("no number"); MaskError(plain) != plain || MaskError(nil) != nil {
		t.Error("MaskError changed an error without an identity number")
	}
}

func TestEnvNameLike(t *testing.T) {
	for name, want := range map[string]bool{
		"REGFLYTT_SOURCE": true, "regflytt_key": true, "KEY2": true, "_X": true,
		"": false, "2KEY": false, "postgres://u:pw@h/db": false, "host=h password=pw": false,
		"c0ffee4a9b1d2e3f4a5b6c7d8e9f0a1b2c3d4e5f": false, "A" + strings.Repeat("B", 64): false, "a+b/c=": false,
	} {
		if got := EnvNameLike(name); got != want {
			t.Errorf("EnvNameLike(%q) = %v", name, got)
		}
	}
	for _, secret := range []string{"postgres://u:Hemlig@h/db", "k3yS3cretXYZabc", "JBSWY3DPEHPK3PXP", "regflytt_key"} {
		if s := ShownEnvName(secret); strings.Contains(s, secret) || strings.Contains(s, "Hemlig") {
			t.Errorf("ShownEnvName shows what may be the secret: %s", s)
		}
	}
	for _, name := range []string{"REGFLYTT_SOURCE", "PGURL", "KEY2", "_X"} {
		if s := ShownEnvName(name); s != name {
			t.Errorf("ShownEnvName(%q) = %q, want the name", name, s)
		}
	}
}
