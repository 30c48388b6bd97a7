package foldtest_test

import (
	"context"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/regflytt/regflytt/connectors/postgres/pgtest"
	"github.com/regflytt/regflytt/mappings"
)

// What mappings.FoldLimit says folding is sure of under a PostgreSQL
// nondeterministic ICU collation, measured against PostgreSQL's own
// equality: texts the collation groups together (GROUP BY under it) must
// fold alike whenever the limit is sure of both. The texts are printable
// ASCII, Latin letters with accents and a few no fold matches, one or
// two letters or digits (a contraction, '01' under a numeric collation)
// and letters around punctuation (ignored by ka-shifted). Each limit is
// read from the note the catalogue writes, so a locale the limit reads
// wrongly fails here before a run trusts folding with it.
func TestFoldLimitAgreesWithPostgreSQL(t *testing.T) {
	ctx := context.Background()
	u := pgtest.NewDatabase(t)
	conn, err := pgx.Connect(ctx, u)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	var texts []string
	for r := rune(0x20); r < 0x7f; r++ {
		texts = append(texts, string(r))
	}
	for _, span := range [][2]rune{{0xc0, 0x250}, {0x1e00, 0x1f00}, {0x300, 0x370}} {
		for r := span[0]; r < span[1]; r++ {
			texts = append(texts, string(r))
		}
	}
	texts = append(texts, "\t", "\u0131", "\u017f", "\U0001F600", "\U0001F601", "\u212a", "\u212b", "\uff21", "\u00ad", "\u200d", "\u00df", "ss")
	alnum := "abcdefghijklmnopqrstuvwxyz0123456789"
	for _, a := range alnum {
		for _, b := range alnum {
			texts = append(texts, string(a)+string(b))
		}
	}
	for _, p := range "-_ .,'/" {
		texts = append(texts, "a"+string(p)+"b", "ab"+string(p), string(p)+"ab")
	}
	texts = append(texts, "ab", "aab", "ccs", "cscs", "001", "0001", "a01", "a1", "a001")
	for i, locale := range []string{
		"und-u-ks-level1", "und-u-ks-level2", "und-u-ks-level3", "und-u-ks-level1-kc-true", "en-US-u-ks-level2",
		"sv-u-ks-level1", "sv-SE-u-ks-level2", "fi-u-ks-level1", "da-u-ks-level1", "nb-u-ks-level1", "de-u-ks-level1",
		"und-u-kn-true-ks-level2", "und-u-ka-shifted-ks-level2", "hu-u-ks-level2",
	} {
		t.Run(locale, func(t *testing.T) {
			name := "c" + string(rune('a'+i))
			if _, err := conn.Exec(ctx, `CREATE COLLATION `+name+` (provider = icu, locale = '`+locale+`', deterministic = false)`); err != nil {
				t.Fatal(err)
			}
			limit := mappings.FoldLimitOf(name + " (nondeterministic, icu " + locale + ")")
			if limit.Collation == "" {
				t.Fatalf("folding said to cover %s", locale)
			}
			rows, err := conn.Query(ctx, `SELECT array_agg(s) FROM unnest($1::text[]) s GROUP BY s COLLATE `+name, texts)
			if err != nil {
				t.Fatal(err)
			}
			defer rows.Close()
			for rows.Next() {
				var same []string
				if err := rows.Scan(&same); err != nil {
					t.Fatal(err)
				}
				var sure []string
				for _, s := range same {
					if limit.Sure(s) {
						sure = append(sure, s)
					}
				}
				for _, s := range sure[min(1, len(sure)):] {
					if mappings.FoldText(s) != mappings.FoldText(sure[0]) {
						t.Errorf("%s takes %q for %q, which fold apart (%q, %q), and FoldLimit is sure of both", locale, s, sure[0], mappings.FoldText(s), mappings.FoldText(sure[0]))
					}
				}
			}
			if err := rows.Err(); err != nil {
				t.Fatal(err)
			}
		})
	}
}
