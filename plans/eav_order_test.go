package plans_test

import (
	"context"
	"database/sql"
	"path/filepath"
	"strings"
	"testing"

	"github.com/regflytt/regflytt/plans"

	_ "modernc.org/sqlite" // the driver the fixture is written with
)

// A form store whose entity ids are text under a case-blind collation
// (SQLite's NOCASE here; utf8mb4_general_ci, an ICU collation in
// PostgreSQL) reads its entities as a, B while Go orders B before a. The
// values table holds values of B only, in an order Go agrees with, so the
// values' own order check passes; the merge then met B's value while on
// entity a, took it for a value below a, and archived it as an orphan:
// B migrated without its weight, and the run passed. The run must either
// refuse the order or migrate the value.
func TestRunEAVEntitiesInAnotherCollation(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	srcPath := filepath.Join(dir, "legacy.db")
	db, err := sql.Open("sqlite", "file:"+srcPath)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{
		`CREATE TABLE instans (id TEXT COLLATE NOCASE PRIMARY KEY NOT NULL, datum TEXT)`,
		`CREATE TABLE varde (instans_id TEXT COLLATE NOCASE NOT NULL, variabel TEXT NOT NULL, varde TEXT, PRIMARY KEY (instans_id, variabel))`,
		`INSERT INTO instans VALUES ('a', '2024-01-01'), ('B', '2024-01-02')`,
		`INSERT INTO varde VALUES ('B', 'vikt', '72')`,
	} {
		if _, err := db.ExecContext(ctx, s); err != nil {
			db.Close()
			t.Fatalf("%s: %v", s, err)
		}
	}
	db.Close()
	write(t, filepath.Join(dir, "schema.yaml"), `platform: t
tables:
  - name: registration
    primary_key: [registration_id]
    columns:
      - {name: registration_id, type: text}
      - {name: registered, type: date}
      - {name: weight_kg, type: "decimal(5,1)"}
`)
	writeEAVMapping(t, dir, `    columns:
      registration_id: id
      registered: {expr: date(datum)}
      weight_kg: {expr: decimal(vikt)}
`)
	plan := writePlan(t, dir, "")
	tgtURL := "sqlite://" + filepath.Join(dir, "t.db")
	rep, err := plans.Run(ctx, loadPlan(t, plan), plans.Options{SourceURL: srcURL(srcPath), TargetURL: tgtURL, WorkDir: dir})
	if err != nil {
		if !strings.Contains(err.Error(), "order") {
			t.Fatalf("refused, but not for the order: %v", err)
		}
		return // refused before a wrong result: fine
	}
	got := ledgerOf(rep, false)
	if want := summary(1, 0, 0, map[string]int64{}); got["varde"] != want {
		t.Fatalf("values ledger %s, want %s (B's weight migrated, no orphan)", got["varde"], want)
	}
}

func srcURL(path string) string { return "sqlite://" + path }
