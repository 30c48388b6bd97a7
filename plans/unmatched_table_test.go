package plans_test

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/regflytt/regflytt/connectors"
	"github.com/regflytt/regflytt/plans"
)

// With an opt-out list, a mapped table with neither person: nor parent:
// is not matched against it. A form table whose identity column the
// mapping drops ("not needed") migrates an opted-out patient's answers;
// the run prints the table under "tables not matched against it" and
// PASSes, exit 0. A table archived whole must be declared (P010); a
// mapped one is let through. It must be refused the same way unless the
// plan says why it holds no patient's data.
func TestRunMappedTableWithoutPersonWithAList(t *testing.T) {

	dir := t.TempDir()
	src := "sqlite://" + filepath.Join(dir, "legacy.db")
	writeTables(t, src, []connectors.Table{
		{Name: "patient", PrimaryKey: []string{"id"}, Columns: []connectors.Column{intCol("id"), textCol("personnr")}},
		{Name: "enkat", PrimaryKey: []string{"id"}, Columns: []connectors.Column{intCol("id"), textCol("personnr"), textCol("svar")}},
	}, map[string][][]connectors.Value{
		"patient": {{int64(1), "19121212-1212"}, {int64(2), "19460101-0301"}},
		"enkat":   {{int64(1), "19121212-1212", "ett svar"}},
	})
	write(t, filepath.Join(dir, "schema.yaml"), `platform: t
tables:
  - name: patient
    primary_key: [patient_id]
    columns: [{name: patient_id, type: bigint}]
  - name: survey
    primary_key: [survey_id]
    columns: [{name: survey_id, type: bigint}, {name: answer, type: text}]
`)
	write(t, filepath.Join(dir, "m.yaml"), `tables:
  - target: patient
    source: patient
    person: personnr
    columns: {patient_id: id}
  - target: survey
    source: enkat
    columns: {survey_id: id, answer: svar}
    drop: {personnr: not needed}
`)
	write(t, filepath.Join(dir, "optout.txt"), "19121212-1212\n")
	plan := writePlan(t, dir, "run: {reference_date: 2026-01-01}\noptout: {file: optout.txt}\n")
	rep, err := plans.Run(context.Background(), loadPlan(t, plan), plans.Options{SourceURL: src, TargetURL: "sqlite://" + filepath.Join(dir, "t.db"), WorkDir: dir})
	if err == nil && rep.Pass && ledgerOf(rep, true)["enkat"] == summary(1, 0, 0, map[string]int64{}) {
		t.Fatalf("PASS with the opted-out patient's survey answer migrated")
	}
}

// With an opt-out list, a table declared under unmapped_tables as holding
// no patient's data is archived whole, every row as it is. One whose
// column is named as an identity number (pnr: the old opt-out table an
// exported file replaced) put the listed patients' numbers into the
// archive package, and the run PASSed, "opt-out list: 1 entry, 1 matched".
// The declaration contradicts the column's name, which P011 already
// reads as an identity number in a mapped table: it is refused (P010),
// naming the table and the column, before anything is written.
func TestRunUnmappedTableWithAnIdentityColumnWithAList(t *testing.T) {
	dir := t.TempDir()
	src := "sqlite://" + filepath.Join(dir, "legacy.db")
	writeTables(t, src, []connectors.Table{
		{Name: "patient", PrimaryKey: []string{"id"}, Columns: []connectors.Column{intCol("id"), textCol("personnr")}},
		{Name: "sparr", PrimaryKey: []string{"id"}, Columns: []connectors.Column{intCol("id"), textCol("pat_pnr")}},
		{Name: "kodverk", PrimaryKey: []string{"id"}, Columns: []connectors.Column{intCol("id"), textCol("kod")}},
	}, map[string][][]connectors.Value{
		"patient": {{int64(1), "19121212-1212"}, {int64(2), "19460101-0301"}},
		"sparr":   {{int64(1), "19121212-1212"}},
		"kodverk": {{int64(1), "A"}},
	})
	write(t, filepath.Join(dir, "schema.yaml"), `platform: t
tables:
  - name: patient
    primary_key: [patient_id]
    columns: [{name: patient_id, type: bigint}]
`)
	write(t, filepath.Join(dir, "m.yaml"), `tables:
  - target: patient
    source: patient
    person: personnr
    columns: {patient_id: id}
`)
	write(t, filepath.Join(dir, "optout.txt"), "19121212-1212\n")
	plan := writePlan(t, dir, "run: {reference_date: 2026-01-01}\noptout: {file: optout.txt}\nunmapped_tables:\n  sparr: the old opt-out table, replaced by the exported file\n  kodverk: code lists\n")
	rep, err := plans.Run(context.Background(), loadPlan(t, plan), plans.Options{SourceURL: src, TargetURL: "sqlite://" + filepath.Join(dir, "t.db"), WorkDir: dir})
	if err == nil {
		t.Fatalf("run not refused (pass %v): the listed patient's number archived with sparr", rep.Pass)
	}
	for _, want := range []string{"P010", "sparr", "pat_pnr"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not name %s", err, want)
		}
	}
	if strings.Contains(err.Error(), "kodverk") || strings.Contains(err.Error(), "1212") {
		t.Errorf("error %q names a table without an identity column, or a number", err)
	}
}
