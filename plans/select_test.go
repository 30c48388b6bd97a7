package plans_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/regflytt/regflytt/connectors"
	"github.com/regflytt/regflytt/connectors/mysql/mytest"
	"github.com/regflytt/regflytt/connectors/postgres/pgtest"
	"github.com/regflytt/regflytt/plans"
)

// A select: source joins each visit to its patient's identity number, so
// opted-out patients' visits are excluded without the patient table in
// memory. The LEFT JOIN keeps every visit; an inner join that drops the
// orphan visit is caught by verification, not trusted.
func TestRunSelectSource(t *testing.T) {
	t.Parallel()
	sources := map[string]func(t *testing.T, dir string) string{
		"sqlite": func(t *testing.T, dir string) string { return "sqlite://" + filepath.Join(dir, "legacy.db") },
	}
	if os.Getenv("REGFLYTT_TEST_MYSQL") != "" {
		sources["mysql"] = func(t *testing.T, _ string) string { return mytest.NewDatabase(t) }
	}
	if os.Getenv("REGFLYTT_TEST_PG") != "" {
		sources["postgres"] = func(t *testing.T, _ string) string { return pgtest.NewDatabase(t) }
	}
	for name, newSource := range sources {
		for _, c := range []struct {
			join string
			pass bool
		}{{"LEFT JOIN", true}, {"JOIN", false}} {
			t.Run(name+" "+c.join, func(t *testing.T) { testSelectSource(t, newSource, c.join, c.pass) })
		}
	}
}

func testSelectSource(t *testing.T, newSource func(t *testing.T, dir string) string, join string, pass bool) {
	dir := t.TempDir()
	srcURL := newSource(t, dir)
	writeTables(t, srcURL, []connectors.Table{
		{Name: "patient", PrimaryKey: []string{"id"}, Columns: []connectors.Column{intCol("id"), textCol("personnr")}},
		{Name: "besok", PrimaryKey: []string{"id"}, Columns: []connectors.Column{intCol("id"), intCol("patient_id"), textCol("datum")}},
	}, map[string][][]connectors.Value{
		"patient": {{int64(1), "19121212-1212"}, {int64(2), "19460101-0301"}},
		"besok":   {{int64(1), int64(1), "2024-01-01"}, {int64(2), int64(2), "2024-01-02"}, {int64(3), int64(9), "2024-01-03"}},
	})
	write(t, filepath.Join(dir, "schema.yaml"), `platform: t
tables:
  - name: visit
    primary_key: [visit_id]
    columns:
      - {name: visit_id, type: bigint}
      - {name: visit_date, type: date}
  - name: patient
    primary_key: [patient_id]
    columns:
      - {name: patient_id, type: bigint}
`)
	write(t, filepath.Join(dir, "m.yaml"), `tables:
  - target: visit
    source:
      table: besok
      select: SELECT b.id, b.datum, p.personnr FROM besok b `+join+` patient p ON p.id = b.patient_id
    person: personnr
    columns:
      visit_id: id
      visit_date: {expr: date(datum)}
    drop: {patient_id: the join's key to the patient}
  - target: patient
    source: patient
    person: personnr
    columns:
      patient_id: id
`)
	plan := writePlan(t, dir, `run: {reference_date: 2026-01-01}
optout: {file: optout.txt}
`)
	write(t, filepath.Join(dir, "optout.txt"), "# opted out\n121212+1212\n")
	rep, err := plans.Run(context.Background(), loadPlan(t, plan), plans.Options{SourceURL: srcURL, TargetURL: "sqlite://" + filepath.Join(dir, "t.db"), WorkDir: dir})
	if pass {
		if err != nil {
			t.Fatal(err)
		}
		got := ledgerOf(rep, true)
		// Visit 3's patient does not exist: it has no identity to match
		// against the opt-outs, and migrates (its person is NULL).
		if got["besok"] != summary(2, 0, 1, map[string]int64{"opt_out": 1}) || got["patient"] != summary(1, 0, 1, map[string]int64{"opt_out": 1}) {
			t.Fatalf("ledger %v", got)
		}
		return
	}
	if !errors.Is(err, plans.ErrNotAccounted) || rep == nil || !strings.Contains(strings.Join(rep.Problems, "\n"), "source table besok: 3 rows, but 2 read") {
		t.Fatalf("an inner join that drops a visit: got %v, problems %v", err, rep)
	}
}
