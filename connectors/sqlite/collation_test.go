package sqlite_test

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	gosqlite "modernc.org/sqlite"

	"github.com/regflytt/regflytt/connectors"
	"github.com/regflytt/regflytt/connectors/conformance"
)

var (
	registerSwedish sync.Once
	registerErr     error
)

// Each text column's Collation is the one its table's SQL gives it (the
// pragmas do not say), BINARY where it gives none, as
// connectors.KeyBlindness reads it: BINARY and RTRIM exactly, NOCASE and
// a collation of the application's own as blind. The file is asked
// whether 'ABC' is 'abc', 'é' is 'e' and 'a' is 'a ' under each column:
// where it joins a pair the fold must join it too (or a merge splits
// what the source joins), and under BINARY and RTRIM the fold must keep
// apart what the file keeps apart (or a record that could migrate is
// archived). The catalogue named no collation, and every key was taken
// for blind.
func TestCatalogueCollations(t *testing.T) {
	ctx := context.Background()
	// An application's own collation, registered once for the driver:
	// the file cannot be written without it, and regflytt cannot know
	// how it compares.
	registerSwedish.Do(func() {
		registerErr = gosqlite.RegisterCollationUtf8("swedish_ci", func(a, b string) int { return strings.Compare(strings.ToLower(a), strings.ToLower(b)) })
	})
	if registerErr != nil {
		t.Fatal(registerErr)
	}
	path := filepath.Join(t.TempDir(), "legacy.db")
	want := map[string]string{"plain": "BINARY", "b": "BINARY", "nc": "NOCASE", "rt": "rtrim", "q": "nocase", "br": "RTRIM",
		"Kod": "NOCASE", "dflt": "BINARY", "sw": "swedish_ci"}
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var names []string
	for n := range want {
		names = append(names, `"`+n+`"`)
	}
	all := strings.Join(names, ", ")
	stmts := []string{
		`CREATE TABLE p (id INTEGER PRIMARY KEY, plain TEXT, b TEXT COLLATE BINARY, nc TEXT COLLATE NOCASE,
		  rt VARCHAR(10) COLLATE rtrim, q TEXT COLLATE "nocase", br TEXT /* COLLATE NOCASE */ COLLATE [RTRIM],
		  "Kod" TEXT NOT NULL DEFAULT '' COLLATE NOCASE, dflt TEXT DEFAULT ('a' COLLATE NOCASE) CHECK (dflt <> 'x' COLLATE NOCASE),
		  sw TEXT COLLATE swedish_ci, n INTEGER)`,
		// A key's collation joins its keys whatever the column's own;
		// two that differ are unknown.
		`CREATE TABLE k (a TEXT, b TEXT COLLATE NOCASE, c TEXT, UNIQUE (a COLLATE NOCASE), CONSTRAINT pk PRIMARY KEY (b COLLATE RTRIM))`,
	}
	for i, v := range conformance.KeyProbes {
		stmts = append(stmts, fmt.Sprintf(`INSERT INTO p (id, %s) VALUES (%d%s)`, all, i, strings.Repeat(", '"+v+"'", len(names))))
	}
	for _, s := range stmts {
		if _, err := db.ExecContext(ctx, s); err != nil {
			t.Fatalf("%s: %v", s, err)
		}
	}

	_, tables := catalogueOf(t, path)
	byName := map[string]*connectors.Table{}
	for i := range tables {
		byName[tables[i].Name] = &tables[i]
	}
	for table, w := range map[string]map[string]string{"p": {"n": ""}, "k": {"a": "NOCASE", "b": "", "c": "BINARY"}} {
		for name, coll := range w {
			if c := byName[table].Column(name); c == nil || c.Collation != coll {
				t.Errorf("column %s.%s reads %+v, want collation %q", table, name, c, coll)
			}
		}
	}
	for name, w := range want {
		c := byName["p"].Column(name)
		if c == nil {
			t.Fatalf("no column %s", name)
		}
		if c.Collation != w {
			t.Errorf("column %s (%s) reads collation %q, want %q", name, c.SourceType, c.Collation, w)
		}
		exact := strings.EqualFold(w, "BINARY") || strings.EqualFold(w, "RTRIM")
		conformance.CheckKeyBlindness(t, c, exact, func(i, j int) bool {
			var equal bool
			q := `SELECT a."` + name + `" = b."` + name + `" FROM p a, p b WHERE a.id = ? AND b.id = ?`
			if err := db.QueryRowContext(ctx, q, i, j).Scan(&equal); err != nil {
				t.Fatalf("%s: %v", q, err)
			}
			return equal
		})
	}
}
