package plans_test

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/regflytt/regflytt/connectors/all"
	"github.com/regflytt/regflytt/plans"
	"github.com/regflytt/regflytt/plans/plantest"
	"github.com/regflytt/regflytt/plans/synth"
	"github.com/regflytt/regflytt/verify"
)

const demoPlan = "../testdata/plans/demo.yaml"

// loadPlan is plantest.LoadPlan: it fails t on any diagnostic of plan
// check too.
func loadPlan(t *testing.T, path string) *plans.Plan {
	t.Helper()
	return plantest.LoadPlan(t, path)
}

// makeDemoSQLite writes the demo registry into a fresh SQLite file and
// returns its URL and what was written (plantest.DemoSQLite).
func makeDemoSQLite(t *testing.T, dir string, patients int) (string, *synth.DemoStats) {
	t.Helper()
	return plantest.DemoSQLite(t, dir, patients)
}

// makeSynthSQLite generates a synthetic legacy platform (seed 5) into a
// SQLite file in dir and gives its URL.
func makeSynthSQLite(t *testing.T, dir string, platform synth.Platform, patients int) string {
	t.Helper()
	src := "sqlite://" + filepath.Join(dir, "legacy.db")
	db, err := all.OpenTarget(context.Background(), src)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := synth.Generate(context.Background(), db.(synth.Writer), synth.Config{Platform: platform, Patients: patients, Seed: 5}); err != nil {
		t.Fatal(err)
	}
	return src
}

// checkDemoReport asserts that a demo run accounted for every row the
// generator wrote, and that every deliberate defect was archived with its
// reason (plantest.CheckDemoReport). Integration tests on real servers
// reuse it.
func checkDemoReport(t *testing.T, rep *verify.Report, st *synth.DemoStats) {
	t.Helper()
	plantest.CheckDemoReport(t, rep, st)
}

func fileHash(t *testing.T, path string) [32]byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return sha256.Sum256(b)
}

func TestRunDemoOnSQLite(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	src, st := makeDemoSQLite(t, dir, 400)
	before := fileHash(t, filepath.Join(dir, "legacy.db"))
	rep, err := plans.Run(context.Background(), loadPlan(t, demoPlan), plans.Options{
		SourceURL: src,
		TargetURL: "sqlite://" + filepath.Join(dir, "receiving.db"),
		WorkDir:   dir,
	})
	if err != nil {
		t.Fatal(err)
	}
	checkDemoReport(t, rep, st)
	if fileHash(t, filepath.Join(dir, "legacy.db")) != before {
		t.Error("the source database file changed during the run")
	}
	if _, err := os.Stat(filepath.Join(dir, "report.json")); err != nil {
		t.Errorf("no report.json beside the run: %v", err)
	}
}

func TestRunRefusesNonEmptyTarget(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	src, _ := makeDemoSQLite(t, dir, 20)
	p := loadPlan(t, demoPlan)
	tgt := "sqlite://" + filepath.Join(dir, "receiving.db")
	if _, err := plans.Run(context.Background(), p, plans.Options{SourceURL: src, TargetURL: tgt, WorkDir: filepath.Join(dir, "one")}); err != nil {
		t.Fatal(err)
	}
	_, err := plans.Run(context.Background(), p, plans.Options{SourceURL: src, TargetURL: tgt, WorkDir: filepath.Join(dir, "two")})
	if err == nil || !strings.Contains(err.Error(), "already finished") || !strings.Contains(err.Error(), "--restart") || !strings.Contains(err.Error(), "regflytt verify") {
		t.Fatalf("second run of a finished plan into the same target: got %v, want a refusal that names verify and --restart", err)
	}
	// Another plan (another register) writing the same tables is refused
	// by the tables' rows: the bookkeeping names no run of it.
	other := loadPlan(t, demoPlan)
	other.RegisterID.Value = "another-register"
	_, err = plans.Run(context.Background(), other, plans.Options{SourceURL: src, TargetURL: tgt, WorkDir: filepath.Join(dir, "three")})
	if err == nil || !strings.Contains(err.Error(), "already holds") {
		t.Fatalf("another plan into the same target: got %v, want a refusal naming the table", err)
	}
}

func TestRunRefusesUsedArchiveDir(t *testing.T) {
	dir := t.TempDir()
	src, _ := makeDemoSQLite(t, dir, 20)
	p := loadPlan(t, demoPlan)
	if err := os.MkdirAll(filepath.Join(dir, "archive"), 0o750); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "archive", "old.txt"), []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := plans.Run(context.Background(), p, plans.Options{SourceURL: src, TargetURL: "sqlite://" + filepath.Join(dir, "t.db"), WorkDir: dir})
	if err == nil || !strings.Contains(err.Error(), "not empty") {
		t.Fatalf("got %v, want a refusal to mix archives", err)
	}
}

func TestRunMappingErrorNamesFileAndLine(t *testing.T) {
	dir := t.TempDir()
	src, _ := makeDemoSQLite(t, dir, 5)
	mapping := filepath.Join(dir, "bad.yaml")
	if err := os.WriteFile(mapping, []byte("tables:\n  - target: care_unit\n    source: vardenhet\n    columns:\n      care_unit_id: idd\n      name: namn\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	p := loadPlan(t, demoPlan)
	p.Mappings[0].Value = mapping
	_, err := plans.Run(context.Background(), p, plans.Options{SourceURL: src, TargetURL: "sqlite://" + filepath.Join(dir, "t.db"), WorkDir: dir})
	if err == nil || !strings.Contains(err.Error(), "bad.yaml:5:21: error M003") {
		t.Fatalf("got %v, want an M003 at bad.yaml:5:21", err)
	}
}

// A receiving table the schema declares and no mapping fills, which
// already holds rows, is refused before anything is written, as a mapped
// one is: the run wrote every other table and only its end check failed.
func TestRunRefusesNonEmptyUnmappedReceivingTable(t *testing.T) {
	dir := t.TempDir()
	src, _ := makeDemoSQLite(t, dir, 20)
	pd := copyDemoPlan(t, filepath.Join(dir, "plan"), 5000)
	schema := filepath.Join(pd, "schema.yaml")
	b, err := os.ReadFile(schema)
	if err != nil {
		t.Fatal(err)
	}
	write(t, schema, string(b)+"  - name: extra_note\n    primary_key: [note_id]\n    columns:\n      - {name: note_id, type: integer}\n")
	tgtFile := filepath.Join(dir, "receiving.db")
	db, err := sql.Open("sqlite", "file:"+tgtFile)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{`CREATE TABLE extra_note (note_id integer PRIMARY KEY NOT NULL)`, `INSERT INTO extra_note VALUES (7)`} {
		if _, err := db.Exec(s); err != nil {
			t.Fatal(err)
		}
	}
	db.Close()
	_, err = plans.Run(context.Background(), loadPlan(t, filepath.Join(pd, "plan.yaml")), plans.Options{SourceURL: src, TargetURL: "sqlite://" + tgtFile, WorkDir: filepath.Join(dir, "w")})
	if err == nil || !strings.Contains(err.Error(), "extra_note already holds 1 rows") || !strings.Contains(err.Error(), "nothing was written") {
		t.Fatalf("a run into a target whose unmapped receiving table holds a row: got %v, want a refusal naming extra_note before writing", err)
	}
	if n := countRows(t, "sqlite://"+tgtFile, "extra_note"); n != 1 {
		t.Fatalf("extra_note holds %d rows after the refused run, want its 1", n)
	}
}
