package faulttest_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/regflytt/regflytt/connectors"
	"github.com/regflytt/regflytt/connectors/all"
	"github.com/regflytt/regflytt/plans/plantest"
	"github.com/regflytt/regflytt/plans/synth"
)

// The fixtures the fault tests share with the tests of plans: the digests
// of plantest, and small ones written again here.

type digest = plantest.Digest

var demoTables = []string{"care_unit", "patient", "visit"}

func targetDigest(t *testing.T, url string, tables []string) digest {
	t.Helper()
	return plantest.TargetDigest(t, url, tables)
}

func archiveDigest(t *testing.T, dir string) digest {
	t.Helper()
	return plantest.ArchiveDigest(t, dir)
}

func resultDigest(t *testing.T, url string, tables []string, archiveDir string) digest {
	t.Helper()
	return plantest.ResultDigest(t, url, tables, archiveDir)
}

func receivingTables(t *testing.T, url string) []string {
	t.Helper()
	return plantest.ReceivingTables(t, url)
}

func inTarget(t *testing.T, url string, fn func(ctx context.Context, snap connectors.Snapshot, tables []connectors.Table)) {
	t.Helper()
	plantest.InTarget(t, url, fn)
}

func itoa(n int64) string { return fmt.Sprint(n) }

func write(t testing.TB, path, text string) string {
	t.Helper()
	if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// dbName gives the name of the database a server URL names.
func dbName(t *testing.T, raw string) string {
	t.Helper()
	return plantest.DBName(t, raw)
}

// writeDemo fills the database at dbURL with the demo platform's
// synthetic patients (seed 7).
func writeDemo(t *testing.T, dbURL string, patients int) {
	t.Helper()
	plantest.WriteDemo(t, dbURL, patients, 7)
}

// makeDemoSQLite writes the demo platform's synthetic patients (seed 42)
// into dir/legacy.db and gives its URL.
func makeDemoSQLite(t *testing.T, dir string, patients int) string {
	t.Helper()
	src, _ := plantest.DemoSQLite(t, dir, patients)
	return src
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

// copyDemoPlan is plantest.CopyDemoPlan of this package's demo plan.
func copyDemoPlan(t *testing.T, dir string, batch int) string {
	return plantest.CopyDemoPlan(t, "../demo", dir, batch)
}
