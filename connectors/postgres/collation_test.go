package postgres_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/regflytt/regflytt/connectors"
	"github.com/regflytt/regflytt/connectors/conformance"
	"github.com/regflytt/regflytt/connectors/postgres/pgtest"
)

// Each text column's Collation says how the server compares its values,
// as connectors.KeyBlindness reads it: a deterministic collation byte for
// byte (character(n) but for trailing spaces), whatever its name and
// provider, a nondeterministic one blind, a domain's as the domain's
// unless the column says otherwise, a type with an equality of its own
// (citext) blind. The server is asked whether 'ABC' is 'abc', 'é' is 'e'
// and 'a' is 'a ' under each column: where it joins a pair the fold must
// join it too (or a merge splits what the source joins), and where a
// column is read as deterministic it must keep apart what the server
// keeps apart (or a record that could migrate is archived). The
// catalogue named no collation, and every key was taken for blind. A
// nondeterministic collation's note names its ICU locale, which says
// what it joins besides case (mappings.FoldLimitOf reads it): without
// it, 'sa01' under und-u-kn-true was taken for an id folding is sure of.
func TestCatalogueCollations(t *testing.T) {
	ctx := context.Background()
	url := pgtest.NewDatabase(t)
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	var citext bool
	if err := conn.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM pg_available_extensions WHERE name = 'citext')`).Scan(&citext); err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"plain": "default (deterministic)", "c": "C (deterministic)", "icu": "und-x-icu (deterministic)",
		"padded": "default (deterministic, pad space)", "nm": "C (deterministic)",
		"dom_ci": "ci1 (nondeterministic, icu und-u-ks-level1)", "dom_plain": "default (deterministic)",
		"dom_char": "default (deterministic, pad space)", "dom_c": "C (deterministic)",
		"ci2": "ci2 (nondeterministic, icu und-u-ks-level2)", "cs3": "cs3 (nondeterministic, icu und-u-ks-level3)",
	}
	cols := `plain text, c varchar(10) COLLATE "C", icu text COLLATE "und-x-icu", padded char(5), nm name,
	  dom_ci code_ci, dom_plain code_plain, dom_char code_char, dom_c code_ci COLLATE "C",
	  ci2 text COLLATE ci2, cs3 text COLLATE cs3`
	stmts := []string{
		`CREATE COLLATION ci1 (provider = icu, locale = 'und-u-ks-level1', deterministic = false)`,
		`CREATE COLLATION ci2 (provider = icu, locale = 'und-u-ks-level2', deterministic = false)`,
		`CREATE COLLATION cs3 (provider = icu, locale = 'und-u-ks-level3', deterministic = false)`,
		`CREATE DOMAIN code_ci AS text COLLATE ci1`,
		`CREATE DOMAIN code_plain AS varchar(10)`,
		`CREATE DOMAIN code_char AS char(5)`,
	}
	if citext {
		stmts = append(stmts, `CREATE EXTENSION citext`)
		cols += `, ci citext`
		want["ci"] = ""
	}
	names := make([]string, 0, len(want))
	for n := range want {
		names = append(names, n)
	}
	all := strings.Join(names, ", ")
	stmts = append(stmts, `CREATE TABLE p (id int PRIMARY KEY, `+cols+`, n int)`)
	for i, v := range conformance.KeyProbes {
		stmts = append(stmts, fmt.Sprintf(`INSERT INTO p (id, %s) SELECT %d%s`, all, i, strings.Repeat(", '"+v+"'", len(names))))
	}
	pgtest.Exec(t, url, stmts...)

	tables, err := snapshot(t, openSource(t, url)).Tables(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(tables) != 1 {
		t.Fatalf("tables %+v", tables)
	}
	if c := tables[0].Column("n"); c == nil || c.Collation != "" {
		t.Errorf("an integer column reads collation %+v, want none", c)
	}
	for name, w := range want {
		c := tables[0].Column(name)
		if c == nil {
			t.Fatalf("no column %s", name)
		}
		if c.Collation != w {
			t.Errorf("column %s (%s) reads collation %q, want %q", name, c.SourceType, c.Collation, w)
		}
		conformance.CheckKeyBlindness(t, c, strings.Contains(w, "(deterministic"), func(i, j int) bool {
			var equal bool
			q := `SELECT a.` + name + ` = b.` + name + ` FROM p a, p b WHERE a.id = $1 AND b.id = $2`
			if err := conn.QueryRow(ctx, q, i, j).Scan(&equal); err != nil {
				t.Fatalf("%s: %v", q, err)
			}
			return equal
		})
	}
}

// A select: source's column that is a table's column as it is has the
// table column's collation, as the catalogue reads it: without it a key
// under a nondeterministic collation read through a select: was taken
// for untailored (mappings.FoldLimitOf), and under und-u-kn-true 'sa1',
// its parent's 'sa01' to PostgreSQL, for an orphan. A computed column
// names none.
func TestDescribeQueryCollations(t *testing.T) {
	ctx := context.Background()
	url := pgtest.NewDatabase(t)
	pgtest.Exec(t, url,
		`CREATE COLLATION num (provider = icu, locale = 'und-u-kn-true-ks-level2', deterministic = false)`,
		`CREATE DOMAIN code_num AS varchar(10) COLLATE num`,
		`CREATE TABLE t (id integer PRIMARY KEY, k varchar(10) COLLATE num, d code_num, p char(3), plain text)`)
	qs := snapshot(t, openSource(t, url)).(connectors.Querier)
	cols, err := qs.DescribeQuery(ctx, `SELECT t.id, t.k, t.d, t.p, s.plain, lower(t.plain) AS computed, lower(t.k) AS computed_k, t.k || '' AS computed_k2, 1 AS one FROM t JOIN (SELECT id, plain FROM t) s ON s.id = t.id`)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"id": "", "k": "num (nondeterministic, icu und-u-kn-true-ks-level2)", "d": "num (nondeterministic, icu und-u-kn-true-ks-level2)",
		"p": "default (deterministic, pad space)", "plain": "default (deterministic)", "computed": "default (deterministic)",
		// A computed column compares under the collation of what it reads.
		"computed_k": "num (nondeterministic, icu und-u-kn-true-ks-level2)", "computed_k2": "num (nondeterministic, icu und-u-kn-true-ks-level2)", "one": "",
	}
	for _, c := range cols {
		if c.Collation != want[c.Name] {
			t.Errorf("column %s reads collation %q, want %q", c.Name, c.Collation, want[c.Name])
		}
	}
}
