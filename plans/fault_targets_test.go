package plans_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/regflytt/regflytt/connectors/mysql/mytest"
	"github.com/regflytt/regflytt/connectors/postgres/pgtest"
	"github.com/regflytt/regflytt/plans/synth"
)

// The fault test (killedRunResumes) on the other receiving platforms and
// read paths: each target kind commits its own unit (receiving rows,
// archive part and checkpoint in one transaction of its own dialect), and
// the form store reads entities and values side by side, folding value
// rows into forms and keeping parents' outcomes in memory, all of which a
// kill throws away and a resumed run must rebuild exactly.

// Into MariaDB, from SQLite: the same target and archive as a clean
// run's, PASS, after SIGKILLs at random moments. The receiving schema
// declares a default, indexes and foreign keys, which the run creates
// after the load, each ALTER TABLE committed on its own: kills land
// among them too.
func TestKilledRunResumesIntoMariaDB(t *testing.T) {
	dir := t.TempDir()
	src, _ := makeDemoSQLite(t, dir, 1500)
	plan := smallBatchDemoPlan(t, dir, 50)
	schema := filepath.Join(filepath.Dir(plan), "schema.yaml")
	b, err := os.ReadFile(schema)
	if err != nil {
		t.Fatal(err)
	}
	text := string(b)
	for _, r := range [][2]string{
		{"      - {name: region, type: varchar(40)}\n", "      - {name: region, type: varchar(40), default: okänd}\n"},
		{"      - {name: care_unit_id, type: integer, not_null: true}\n\n  - name: visit\n",
			"      - {name: care_unit_id, type: integer, not_null: true}\n    indexes:\n      - {name: ix_patient_registered, columns: [registered]}\n" +
				"    foreign_keys:\n      - {name: fk_patient_unit, columns: [care_unit_id], references: {table: care_unit, columns: [care_unit_id]}}\n\n  - name: visit\n"},
		{"      - {name: smoker, type: smallint}\n",
			"      - {name: smoker, type: smallint}\n    indexes:\n      - {name: ix_visit_date, columns: [visit_date]}\n      - {name: ix_visit_unit, columns: [care_unit_id, visit_date]}\n" +
				"    foreign_keys:\n      - {name: fk_visit_patient, columns: [patient_id], references: {table: patient, columns: [patient_id]}}\n"},
	} {
		if !strings.Contains(text, r[0]) {
			t.Fatalf("the demo schema no longer says %q: adjust the test", r[0])
		}
		text = strings.Replace(text, r[0], r[1], 1)
	}
	write(t, schema, text)
	killedRunResumesInto(t, killCase{dir: dir, plan: plan, src: src,
		cleanTgt: mytest.NewDatabase(t), tgt: mytest.NewDatabase(t), tables: demoTables})
}

// Into a SQLite file (the embedded default), from MariaDB.
func TestKilledRunResumesIntoSQLite(t *testing.T) {
	src := mytest.NewDatabase(t)
	writeDemo(t, src, 1500)
	dir := t.TempDir()
	killedRunResumesInto(t, killCase{dir: dir, plan: smallBatchDemoPlan(t, dir, 50), src: src,
		cleanTgt: "sqlite://" + filepath.Join(dir, "clean.db"), tgt: "sqlite://" + filepath.Join(dir, "t.db"), tables: demoTables})
}

// The form store into PostgreSQL, in batches of a few forms (about eight
// value rows each), so that the kills land in the middle of a form's
// value rows.
func TestKilledFormStoreRunResumes(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("REGFLYTT_PSEUDONYM_KEY", "fault tests: not a real key")
	src := makeSynthSQLite(t, dir, synth.EAV, 400)
	killedRunResumesInto(t, killCase{dir: dir, plan: testdataPlan(t, dir, "eav.yaml", 8), src: src,
		cleanTgt: pgtest.NewDatabase(t), tgt: pgtest.NewDatabase(t)})
}
