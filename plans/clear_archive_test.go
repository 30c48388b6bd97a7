package plans_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/regflytt/regflytt/connectors"
	"github.com/regflytt/regflytt/plans"
)

// Archived records keep their source shape, identity numbers included: a
// plan that handles identities must seal its archive or say why it may
// stay in clear, else the run refuses before writing anything.
func TestRunRefusesAnArchiveOfIdentitiesInClear(t *testing.T) {
	dir := t.TempDir()
	srcURL := writeOptOutRegistry(t, dir)
	plan := write(t, filepath.Join(dir, "plan.yaml"), `plan: 1
register: {id: test, name: Test register}
system: {current: a, chosen: b}
cpua: {current: A, future: B}
rco: {current: A, future: B}
target: {schema: schema.yaml}
mappings: [m.yaml]
archive: {dir: archive}
run: {reference_date: 2026-01-01}
pseudonymisation: {key_env: REGFLYTT_TEST_OPTOUT_KEY}
unmapped_tables: {anteckning: "notes on the platform itself, no patient data"}
`)
	work := t.TempDir()
	tgtURL := "sqlite://" + filepath.Join(work, "t.db")
	_, err := plans.Run(context.Background(), loadPlan(t, plan), plans.Options{SourceURL: srcURL, TargetURL: tgtURL, WorkDir: work})
	if err == nil || !strings.Contains(err.Error(), "identity numbers in clear") || !strings.Contains(err.Error(), "archive.unencrypted_reason") {
		t.Fatalf("got %v, want a refusal naming archive.unencrypted_reason", err)
	}
	if _, err := os.Stat(filepath.Join(work, "archive")); !os.IsNotExist(err) {
		t.Fatalf("the refused run made an archive package (stat: %v)", err)
	}
	if got := targetColumn(t, tgtURL, "visit", 0); len(got) != 0 {
		t.Fatalf("the refused run wrote visits %v", got)
	}
}

// A plan that names no key, no list and no person: still handles identity
// numbers when a mapping reads a column as one (pnr()) or copies one
// named as one (personnummer): the archive would keep them in clear, and
// the run only warned that it holds the source's records in clear. A
// staff number (personal_id) is no identity number: that run goes on.
func TestRunRefusesAnArchiveOfNumbersKnownByStepOrName(t *testing.T) {
	for _, c := range []struct {
		name, column, value string
		refused             bool
	}{
		{"a personnummer copied", "personnummer", "personnummer", true},
		{"pnr() in a let", "nummer", `{expr: "let n = nummer; pnr(n)"}`, true},
		{"a staff number", "personal_id", "personal_id", false},
	} {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			srcURL := "sqlite://" + filepath.Join(dir, "legacy.db")
			writeTables(t, srcURL, []connectors.Table{
				{Name: "patient", PrimaryKey: []string{"id"}, Columns: []connectors.Column{intCol("id"), textCol(c.column)}},
			}, map[string][][]connectors.Value{"patient": {{int64(1), "19121212-1212"}}})
			write(t, filepath.Join(dir, "schema.yaml"), "platform: t\ntables:\n  - name: patient\n    primary_key: [patient_id]\n    columns: [{name: patient_id, type: bigint}, {name: number, type: text}]\n")
			write(t, filepath.Join(dir, "m.yaml"), "tables:\n  - target: patient\n    source: patient\n    columns: {patient_id: id, number: "+c.value+"}\n")
			plan := write(t, filepath.Join(dir, "plan.yaml"), `plan: 1
register: {id: test, name: Test register}
system: {current: a, chosen: b}
cpua: {current: A, future: B}
rco: {current: A, future: B}
target: {schema: schema.yaml}
mappings: [m.yaml]
archive: {dir: archive}
run: {reference_date: 2026-01-01}
`)
			work := t.TempDir()
			rep, err := plans.Run(context.Background(), loadPlan(t, plan), plans.Options{SourceURL: srcURL, TargetURL: "sqlite://" + filepath.Join(work, "t.db"), WorkDir: work})
			if !c.refused {
				if err != nil || !rep.Pass {
					t.Fatalf("got %v, want a run", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), "identity numbers in clear") || !strings.Contains(err.Error(), "patient: "+c.column) {
				t.Fatalf("got %v, want a refusal naming patient: %s", err, c.column)
			}
			if _, err := os.Stat(filepath.Join(work, "archive")); !os.IsNotExist(err) {
				t.Fatalf("the refused run made an archive package (stat: %v)", err)
			}
		})
	}
}
