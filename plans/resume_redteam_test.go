package plans_test

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/regflytt/regflytt/connectors"
	"github.com/regflytt/regflytt/plans"
	"github.com/regflytt/regflytt/verify"
)

// Red team of resuming (issue 15): what a stopped run read from the
// source besides its records (the opt-out table, a lookup table) may
// change before the resume; the records before the stop and after it
// would then be transformed differently.

// luhnPNR gives a valid ten-digit identity number YYMMDD-NNNC.
func luhnPNR(yy, mm, dd, serial int) string {
	base := fmt.Sprintf("%02d%02d%02d%03d", yy, mm, dd, serial)
	sum := 0
	for i, c := range base {
		d := int(c - '0')
		if i%2 == 0 {
			d *= 2
			if d > 9 {
				d -= 9
			}
		}
		sum += d
	}
	return fmt.Sprintf("%s-%s%d", base[:6], base[6:], (10-sum%10)%10)
}

const resumeRedTeamRecords = 60

// writeResumeRegistry writes a visit table of one patient per visit, a
// care-unit table the visits look their region up in, and an opt-out
// table naming visit 60's patient; the mapping pseudonymises.
func writeResumeRegistry(t *testing.T, dir string) (srcPath, planFile string) {
	t.Helper()
	srcPath = filepath.Join(dir, "legacy.db")
	writeResumeSource(t, "sqlite://"+srcPath)
	return srcPath, writeResumePlan(t, dir)
}

// writeResumeSource writes writeResumeRegistry's source tables into the
// database at url.
func writeResumeSource(t *testing.T, url string) {
	t.Helper()
	var visits [][]connectors.Value
	for i := 1; i <= resumeRedTeamRecords; i++ {
		visits = append(visits, []connectors.Value{int64(i), luhnPNR(50+i%40, 1+i%12, 1+i%28, 100+i), int64(1 + i%2)})
	}
	writeTables(t, url, []connectors.Table{
		{Name: "besok", PrimaryKey: []string{"id"}, Columns: []connectors.Column{intCol("id"), textCol("personnr"), intCol("enhet")}},
		{Name: "enhet", PrimaryKey: []string{"id"}, Columns: []connectors.Column{intCol("id"), textCol("region")}},
		{Name: "sparr", PrimaryKey: []string{"id"}, Columns: []connectors.Column{intCol("id"), textCol("personnr")}},
	}, map[string][][]connectors.Value{
		"besok": visits,
		"enhet": {{int64(1), "Norr"}, {int64(2), "Syd"}},
		"sparr": {{int64(1), visits[len(visits)-1][1].(string)}},
	})
}

// writeResumePlan writes writeResumeRegistry's plan, receiving schema and
// mapping into dir and returns the plan's path.
func writeResumePlan(t *testing.T, dir string) string {
	t.Helper()
	write(t, filepath.Join(dir, "schema.yaml"), `platform: t
tables:
  - name: unit
    primary_key: [unit_id]
    columns:
      - {name: unit_id, type: bigint}
      - {name: region, type: varchar(20)}
  - name: visit
    primary_key: [visit_id]
    columns:
      - {name: visit_id, type: bigint}
      - {name: patient, type: varchar(64)}
      - {name: region, type: varchar(20)}
`)
	write(t, filepath.Join(dir, "m.yaml"), `tables:
  - target: unit
    source: enhet
    no_person: care units
    columns: {unit_id: id, region: region}
  - target: visit
    source: besok
    person: personnr
    lookups: {unit: {table: enhet, key: id}}
    columns:
      visit_id: id
      patient: {expr: "pseudonym(personnr)"}
      region: {expr: 'lookup("unit", enhet, "region", "okänd")'}
`)
	t.Setenv("REGFLYTT_TEST_RESUME_KEY", optoutKey)
	return writePlan(t, dir, `run: {reference_date: 2026-01-01, batch_size: 10}
pseudonymisation: {key_env: REGFLYTT_TEST_RESUME_KEY}
optout: {table: sparr, column: personnr}
`)
}

// stopThenResume runs the plan until it has committed a few batches,
// lets change alter the source, and resumes: it gives the target's URL,
// a function that runs the plan again with opts, and the resume's error
// (nil when it finished and passed).
func stopThenResume(t *testing.T, change func(srcPath string)) (string, func(plans.Options) (*verify.Report, error), error) {
	t.Helper()
	dir := t.TempDir()
	srcPath, planFile := writeResumeRegistry(t, dir)
	p := loadPlan(t, planFile)
	tgt := "sqlite://" + filepath.Join(dir, "t.db")
	s := &stopAfter{n: 3, stop: make(chan struct{})}
	_, err := plans.Run(context.Background(), p, plans.Options{SourceURL: "sqlite://" + srcPath, TargetURL: tgt, WorkDir: filepath.Join(dir, "w"), Stop: s.stop, Progress: s})
	if !errors.Is(err, plans.ErrInterrupted) {
		t.Fatalf("got %v, want an interrupted run", err)
	}
	if n := len(targetColumn(t, tgt, "visit", 0)); n == 0 || n >= resumeRedTeamRecords {
		t.Fatalf("the stopped run wrote %d visits, want some and not all for this test to mean something", n)
	}
	change(srcPath)
	rep, err := plans.Run(context.Background(), loadPlan(t, planFile), plans.Options{SourceURL: "sqlite://" + srcPath, TargetURL: tgt})
	if rep != nil && !rep.Pass {
		err = fmt.Errorf("FAIL: %s: %w", strings.Join(rep.Problems, "; "), err)
	}
	again := func(o plans.Options) (*verify.Report, error) {
		o.SourceURL, o.TargetURL = "sqlite://"+srcPath, tgt
		return plans.Run(context.Background(), loadPlan(t, planFile), o)
	}
	return tgt, again, err
}

// A patient added to the opt-out table after their visit was migrated
// and before the resume: the resumed run excludes their later records
// but the one already written stays in the new registry. The resume
// must be refused, naming the opt-out table.
func TestResumeRefusesChangedOptOutTable(t *testing.T) {
	tgt, again, err := stopThenResume(t, func(src string) {
		sqliteExec(t, src, `INSERT INTO sparr (id, personnr) SELECT 2, personnr FROM besok WHERE id = 1`)
	})
	patients := targetColumn(t, tgt, "visit", 1)
	var ce *plans.ChangedError
	if !errors.As(err, &ce) || !strings.Contains(err.Error(), "opt-out table sparr (its rows in the source)") || !strings.Contains(err.Error(), "--restart") {
		t.Fatalf("resume after the opt-out table changed: %v (the target holds %d visits), want a refusal naming sparr", err, len(patients))
	}
	rep, err := again(plans.Options{Restart: true})
	if err != nil {
		t.Fatal(err)
	}
	if !rep.Pass {
		t.Fatalf("FAIL: %v", rep.Problems)
	}
	if n := len(targetColumn(t, tgt, "visit", 0)); n != resumeRedTeamRecords-2 {
		t.Errorf("after --restart the target holds %d visits, want %d (two patients opted out)", n, resumeRedTeamRecords-2)
	}
}

// A lookup table's row changed between the stop and the resume: the
// visits before the stop carry the old region, those after it the new.
func TestResumeRefusesChangedLookupTable(t *testing.T) {
	tgt, _, err := stopThenResume(t, func(src string) {
		sqliteExec(t, src, `UPDATE enhet SET region = 'Mitt' WHERE id = 1`)
	})
	regions := map[string]int{}
	for _, r := range targetColumn(t, tgt, "visit", 2) {
		regions[r]++
	}
	var ce *plans.ChangedError
	if !errors.As(err, &ce) || !strings.Contains(err.Error(), "lookup unit (source table enhet) (its rows in the source)") || strings.Contains(err.Error(), "sparr") {
		t.Fatalf("resume after the lookup table changed: %v (visit regions %v), want a refusal naming enhet", err, regions)
	}
}

// The same run resumed with nothing changed finishes and passes: the
// hashes of what it read besides the records are the same on every read.
func TestResumeWithTheSourceInputsUnchanged(t *testing.T) {
	tgt, _, err := stopThenResume(t, func(string) {})
	if err != nil {
		t.Fatal(err)
	}
	if n := len(targetColumn(t, tgt, "visit", 0)); n != resumeRedTeamRecords-1 {
		t.Errorf("the target holds %d visits, want %d (one patient opted out)", n, resumeRedTeamRecords-1)
	}
}

// A run stopped by one regflytt version and resumed by another: the
// records on either side of the stop were mapped by different code
// (a new archive reason, a code read otherwise), while report.json and
// the archive name only the second. The resume is refused, naming both.
func TestResumeRefusesAnotherRegflyttVersion(t *testing.T) {
	dir := t.TempDir()
	srcPath, planFile := writeResumeRegistry(t, dir)
	src, tgt := "sqlite://"+srcPath, "sqlite://"+filepath.Join(dir, "t.db")
	s := &stopAfter{n: 3, stop: make(chan struct{})}
	_, err := plans.Run(context.Background(), loadPlan(t, planFile), plans.Options{SourceURL: src, TargetURL: tgt, WorkDir: filepath.Join(dir, "w"), Stop: s.stop, Progress: s, ToolVersion: "v1.4.0"})
	if !errors.Is(err, plans.ErrInterrupted) {
		t.Fatalf("got %v, want an interrupted run", err)
	}
	rep, err := plans.Run(context.Background(), loadPlan(t, planFile), plans.Options{SourceURL: src, TargetURL: tgt, ToolVersion: "v1.5.0"})
	var ce *plans.ChangedError
	if !errors.As(err, &ce) || !strings.Contains(err.Error(), "the regflytt version (v1.4.0, now v1.5.0)") {
		var tool string
		if rep != nil {
			tool = rep.ToolVersion
		}
		t.Fatalf("resume by another version: %v (report.json names %q), want a refusal naming both versions", err, tool)
	}
	// The version that stopped it resumes it.
	rep, err = plans.Run(context.Background(), loadPlan(t, planFile), plans.Options{SourceURL: src, TargetURL: tgt, ToolVersion: "v1.4.0"})
	if err != nil {
		t.Fatal(err)
	}
	if !rep.Pass {
		t.Fatalf("FAIL: %v", rep.Problems)
	}
}

// Another pseudonymisation key at the resume would give the patients
// after the stop other pseudonyms than those before it: refused, naming
// the key and never showing it.
func TestResumeRefusesAnotherPseudonymisationKey(t *testing.T) {
	const other = "another test key, never a real one"
	tgt, again, err := stopThenResume(t, func(string) { t.Setenv("REGFLYTT_TEST_RESUME_KEY", other) })
	var ce *plans.ChangedError
	if !errors.As(err, &ce) || !strings.Contains(err.Error(), "the pseudonymisation key") {
		t.Fatalf("resume with another key: %v, want a refusal naming the pseudonymisation key", err)
	}
	for _, key := range []string{optoutKey, other} {
		if strings.Contains(err.Error(), key) {
			t.Fatalf("the refusal shows a key: %v", err)
		}
	}
	if n := len(targetColumn(t, tgt, "visit", 0)); n >= resumeRedTeamRecords-1 {
		t.Fatalf("the refused resume wrote: the target holds %d visits", n)
	}
	// The key it stopped with resumes it.
	t.Setenv("REGFLYTT_TEST_RESUME_KEY", optoutKey)
	rep, err := again(plans.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if !rep.Pass {
		t.Fatalf("FAIL: %v", rep.Problems)
	}
}

// A checkpoint written before the version and the source tables read
// were kept compares neither, as it knows neither; the resume that goes
// on from it must record them, or every later stop of that run resumes
// unchecked: by yet another version, or after a lookup table changed.
func TestResumeFromAnOlderCheckpointKeepsWhatItReads(t *testing.T) {
	dir := t.TempDir()
	srcPath, planFile := writeResumeRegistry(t, dir)
	src, tgt := "sqlite://"+srcPath, "sqlite://"+filepath.Join(dir, "t.db")
	stopAt := func(n int, version string) {
		t.Helper()
		s := &stopAfter{n: n, stop: make(chan struct{})}
		opts := plans.Options{SourceURL: src, TargetURL: tgt, Stop: s.stop, Progress: s, ToolVersion: version}
		if n == 2 {
			opts.WorkDir = filepath.Join(dir, "w")
		}
		if _, err := plans.Run(context.Background(), loadPlan(t, planFile), opts); !errors.Is(err, plans.ErrInterrupted) {
			t.Fatalf("got %v, want an interrupted run", err)
		}
	}
	stopAt(2, "v1.3.0")
	// What an older version's checkpoint lacks.
	sqliteExec(t, filepath.Join(dir, "t.db"), `UPDATE regflytt_checkpoint SET state = json_remove(state, '$.read', '$.tool_version')`)
	stopAt(1, "v1.4.0")
	if n := len(targetColumn(t, tgt, "visit", 0)); n >= resumeRedTeamRecords-1 {
		t.Fatalf("the target holds %d visits after two stops: this test needs a third run to resume", n)
	}
	_, err := plans.Run(context.Background(), loadPlan(t, planFile), plans.Options{SourceURL: src, TargetURL: tgt, ToolVersion: "v1.5.0"})
	var ce *plans.ChangedError
	if !errors.As(err, &ce) || !strings.Contains(err.Error(), "the regflytt version (v1.4.0, now v1.5.0)") {
		t.Fatalf("resume by another version after a resume from an older checkpoint: %v, want a refusal naming both versions", err)
	}
	sqliteExec(t, srcPath, `UPDATE enhet SET region = 'Mitt' WHERE id = 1`)
	_, err = plans.Run(context.Background(), loadPlan(t, planFile), plans.Options{SourceURL: src, TargetURL: tgt, ToolVersion: "v1.4.0"})
	if !errors.As(err, &ce) || !strings.Contains(err.Error(), "lookup unit (source table enhet) (its rows in the source)") {
		t.Fatalf("resume after the lookup table changed, after a resume from an older checkpoint: %v, want a refusal naming enhet", err)
	}
}
