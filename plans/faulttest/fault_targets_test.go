package faulttest_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

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
// declares what the run creates after the load (constrainedDemoPlan),
// each ALTER TABLE committed on its own: kills land among them too.
func TestKilledRunResumesIntoMariaDB(t *testing.T) {
	dir := t.TempDir()
	src := makeDemoSQLite(t, dir, 1000)
	killedRunResumesInto(t, killCase{dir: dir, plan: constrainedDemoPlan(t, dir, 50), src: src,
		cleanTgt: mytest.NewDatabase(t), tgt: mytest.NewDatabase(t), tables: demoTables})
}

// constrainedDemoPlan is smallBatchDemoPlan whose receiving schema
// declares a default, an identity, indexes and foreign keys.
func constrainedDemoPlan(t *testing.T, dir string, batch int) string {
	t.Helper()
	plan := smallBatchDemoPlan(t, dir, batch)
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
		{"      - {name: visit_id, type: bigint}\n", "      - {name: visit_id, type: bigint, identity: true}\n"},
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
	return plan
}

// constraintsMade are the indexes and foreign keys constrainedDemoPlan
// declares.
var constraintsMade = []string{"ix_patient_registered", "fk_patient_unit", "ix_visit_date", "ix_visit_unit", "fk_visit_patient"}

// Runs killed while they create the constraints on a MariaDB target,
// with some of them made and the others not (MariaDB commits each ALTER
// TABLE by itself, so the kill leaves them so): the resumed run makes the
// rest, once, and ends as a clean run does. The random kills above land
// there only by chance.
func TestKilledAmongMariaDBConstraints(t *testing.T) {
	dir := t.TempDir()
	src := makeDemoSQLite(t, dir, 1000)
	plan := constrainedDemoPlan(t, dir, 5000)
	bin := buildRegflytt(t)
	cleanTgt, tgt := mytest.NewDatabase(t), mytest.NewDatabase(t)
	cleanWork, work := filepath.Join(dir, "clean"), filepath.Join(dir, "killed")
	if code, out := runBin(t, bin, "run", plan, "--source", src, "--target", cleanTgt, "--work", cleanWork); code != 0 {
		t.Fatalf("clean run: exit %d\n%s", code, out)
	}
	db := mytest.Open(t, tgt)
	made := func() (int, error) {
		args := []any{dbName(t, tgt)}
		for _, c := range constraintsMade {
			args = append(args, c)
		}
		// An index named like the foreign key comes with it (InnoDB's
		// own): constraint names count once.
		var n int
		err := db.QueryRow("SELECT count(DISTINCT name) FROM (SELECT index_name AS name FROM information_schema.statistics WHERE table_schema = ? AND index_name IN (?, ?, ?, ?, ?)) AS made", args...).Scan(&n)
		return n, err
	}
	var kills []int
	finished := false
	for i := 0; i < 3 && !finished; i++ {
		cmd := exec.Command(bin, "run", plan, "--source", src, "--target", tgt, "--work", work)
		var out strings.Builder
		cmd.Stdout, cmd.Stderr = &out, &out
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { cmd.Process.Kill() })
		done := make(chan error, 1)
		go func() { done <- cmd.Wait() }()
	watch:
		for {
			select {
			case err := <-done:
				if err != nil {
					t.Fatalf("run %d ended by itself: %v\n%s", i, err, out.String())
				}
				finished = true
				break watch
			case <-time.After(time.Millisecond):
			}
			n, err := made()
			if err != nil || n == 0 || n == len(constraintsMade) {
				continue
			}
			if !freeze(t, cmd.Process) {
				continue // it ended: done says how
			}
			// Frozen, it makes no more: the kill leaves what a look sees.
			if n, err = made(); err != nil {
				t.Fatal(err)
			}
			if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
				t.Fatal(err)
			}
			if err := <-done; !killedBySIGKILL(err) {
				t.Fatalf("run %d: %v", i, err)
			}
			kills = append(kills, n)
			break watch
		}
	}
	t.Logf("constraints made at each kill (of %d): %v", len(constraintsMade), kills)
	if len(kills) == 0 {
		t.Fatal("no run was killed among the constraints: the test proved nothing")
	}
	if !finished {
		if code, out := runBin(t, bin, "run", plan, "--source", src, "--target", tgt, "--work", work); code != 0 {
			t.Fatalf("the resuming run: exit %d\n%s", code, out)
		}
	}
	if !reportPass(t, work) {
		t.Error("the resumed run's report does not PASS")
	}
	if got, want := catalogue(t, tgt, demoTables), catalogue(t, cleanTgt, demoTables); got != want {
		t.Errorf("the receiving tables are not made as a clean run's:\n got %s\nwant %s", got, want)
	}
	if got, want := resultDigest(t, tgt, demoTables, filepath.Join(work, "archive")), resultDigest(t, cleanTgt, demoTables, filepath.Join(cleanWork, "archive")); got.String() != want.String() {
		t.Errorf("the target or archive differs from a clean run's:\n got %s\nwant %s", got, want)
	}
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
