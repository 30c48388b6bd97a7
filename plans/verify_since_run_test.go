package plans_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/regflytt/regflytt/connectors/mysql/mytest"
	"github.com/regflytt/regflytt/connectors/postgres/pgtest"
	"github.com/regflytt/regflytt/plans"
	"github.com/regflytt/regflytt/verify"
)

// sinceRunRows are the visits of sinceRunRegistry, and its opt-out table
// (spärr) naming the second patient.
var sinceRunRows = []string{
	`CREATE TABLE besok (id integer PRIMARY KEY NOT NULL, personnr varchar(16), datum varchar(10))`,
	`INSERT INTO besok VALUES (1, '19121212-1212', '2020-01-01'), (2, '19460101-0301', '2020-01-02'),
		(3, '19800101-0001', '2020-01-03'), (4, '19121212-1212', '2020-01-04')`,
	`CREATE TABLE sparr (id integer PRIMARY KEY NOT NULL, personnr varchar(16))`,
	`INSERT INTO sparr VALUES (1, '19460101-0301')`,
}

// sinceRunRegistry writes a plan whose opt-out list is the source's
// table sparr, and gives the plan file.
func sinceRunRegistry(t *testing.T, dir, extra string) string {
	t.Helper()
	write(t, filepath.Join(dir, "schema.yaml"), `platform: t
tables:
  - name: visit
    primary_key: [visit_id]
    columns:
      - {name: visit_id, type: bigint}
      - {name: patient, type: varchar(64)}
      - {name: visit_date, type: date}
`)
	write(t, filepath.Join(dir, "m.yaml"), `tables:
  - target: visit
    source: besok
    person: personnr
    columns:
      visit_id: id
      patient: {expr: "pseudonym(personnr)"}
      visit_date: {expr: date(datum)}
`)
	t.Setenv("REGFLYTT_TEST_OPTOUT_KEY", optoutKey)
	return writePlan(t, dir, `run: {reference_date: 2026-01-01}
pseudonymisation: {key_env: REGFLYTT_TEST_OPTOUT_KEY}
optout: {table: sparr, column: personnr}
`+extra)
}

// sinceRunServers skips without both servers, else gives a MariaDB
// source holding sinceRunRows and an empty PostgreSQL target.
func sinceRunServers(t *testing.T) (src, tgt string) {
	t.Helper()
	if os.Getenv("REGFLYTT_TEST_MYSQL") == "" || os.Getenv("REGFLYTT_TEST_PG") == "" {
		t.Skip("REGFLYTT_TEST_MYSQL and REGFLYTT_TEST_PG are not both set")
	}
	src = mytest.NewDatabase(t)
	mytest.Exec(t, src, sinceRunRows...)
	return src, pgtest.NewDatabase(t)
}

var sinceRunDay = time.Date(2026, 3, 4, 5, 6, 7, 0, time.UTC)

// runSinceRun runs the plan on its day and fails the test unless it
// PASSes.
func runSinceRun(t *testing.T, plan, src, tgt, work string) {
	t.Helper()
	rep, err := plans.Run(context.Background(), loadPlan(t, plan), plans.Options{SourceURL: src, TargetURL: tgt, WorkDir: work,
		Now: func() time.Time { return sinceRunDay }})
	if err != nil {
		t.Fatal(err)
	}
	if !rep.Pass {
		t.Fatalf("the run FAILed: %v", rep.Problems)
	}
}

func verifyText(t *testing.T, sum *verify.Summary) string {
	t.Helper()
	var b strings.Builder
	if err := sum.WriteText(&b); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

// A patient opts out after the run: the entry is added to the source's
// opt-out table and the patient's migrated visits are deleted from the
// target. verify re-reads the source with the list as it reads now, so
// every equation balances and it said PASS, its report counting the
// visits as excluded for opt_out as if the run had excluded them; the run's
// own ledger (in its checkpoint in the target) says it migrated them.
// The auditor must be told: a finding naming the table, the count and
// the run's day, which fails verify until a person acknowledges it.
func TestVerifyNamesOptOutsAddedSinceTheRun(t *testing.T) {
	src, tgt := sinceRunServers(t)
	dir := t.TempDir()
	plan := sinceRunRegistry(t, dir, "")
	runSinceRun(t, plan, src, tgt, dir)

	// The opt-out after the run, and the receiving platform's deletion.
	mytest.Exec(t, src, `INSERT INTO sparr VALUES (2, '19121212-1212')`)
	pgtest.Exec(t, tgt, `DELETE FROM visit WHERE visit_id IN (1, 4)`)

	opts := plans.Options{SourceURL: src, TargetURL: tgt, WorkDir: dir}
	sum, err := plans.Verify(context.Background(), loadPlan(t, plan), opts)
	if sum == nil {
		t.Fatal(err)
	}
	text := verifyText(t, sum)
	var f *verify.Finding
	for i := range sum.Findings {
		if sum.Findings[i].Kind == plans.FindingExcludedSinceRun {
			f = &sum.Findings[i]
		}
	}
	if f == nil {
		t.Fatalf("no %s finding: the report reads as if the run had excluded the patient's visits\n%s", plans.FindingExcludedSinceRun, text)
	}
	if f.Subject != "besok" || f.Count != 2 || !strings.Contains(f.Message, "2026-03-04") || !strings.Contains(f.Message, "opt_out") {
		t.Errorf("finding %+v: want besok, 2 records, the run's day 2026-03-04 and the reason opt_out", *f)
	}
	if sum.Pass || err == nil {
		t.Errorf("verify PASSed (%v) with exclusions the run did not make unacknowledged\n%s", err, text)
	}
	if !strings.Contains(text, "2026-03-04") || !strings.Contains(text, "2 of the 3 excluded were not excluded by the run") {
		t.Errorf("the text report names no run day, or its table reads as if the run had excluded them:\n%s", text)
	}
	html, err := os.ReadFile(filepath.Join(dir, "verify-report.html"))
	if err != nil || !strings.Contains(string(html), "2 not by the run") || !strings.Contains(string(html), "excluded_since_run.besok") {
		t.Errorf("verify-report.html (%v) does not tell the run's exclusions from verify's", err)
	}

	// Acknowledged with the reason, it passes, and still says so.
	b, _ := os.ReadFile(plan)
	write(t, plan, string(b)+"verification: {acknowledge: {excluded_since_run.besok: \"opted out 2026-03-10, visits deleted by the platform\"}}\n")
	sum, err = plans.Verify(context.Background(), loadPlan(t, plan), opts)
	if sum == nil || err != nil || !sum.Pass {
		t.Fatalf("acknowledged: err %v\n%s", err, verifyText(t, sum))
	}
	if !strings.Contains(verifyText(t, sum), "finding excluded_since_run.besok") {
		t.Errorf("acknowledged, the finding is no longer shown:\n%s", verifyText(t, sum))
	}
}

// A table in the target the receiving schema does not declare (a copy
// of visit taken before a deletion, another tool's load): verify proved
// the declared tables and said PASS, nothing of the copy. It is named as
// a finding with its rows (an alarm: the run passes, verify fails until
// a person says why it is there); the run's bookkeeping tables are not.
func TestVerifyNamesTargetTablesTheSchemaDoesNotDeclare(t *testing.T) {
	src, tgt := sinceRunServers(t)
	dir := t.TempDir()
	plan := sinceRunRegistry(t, dir, "")
	runSinceRun(t, plan, src, tgt, dir)
	pgtest.Exec(t, tgt, `CREATE TABLE visit_copy AS SELECT * FROM visit`)

	sum, err := plans.Verify(context.Background(), loadPlan(t, plan), plans.Options{SourceURL: src, TargetURL: tgt, WorkDir: dir})
	if sum == nil {
		t.Fatal(err)
	}
	var ids []string
	for _, f := range sum.Findings {
		ids = append(ids, f.ID)
		if f.Kind == plans.FindingTargetTableUndeclared && f.Subject != "visit_copy" {
			t.Errorf("finding %s names a table the schema or regflytt's bookkeeping declares", f.ID)
		}
	}
	if !strings.Contains(strings.Join(ids, " "), "target_table_undeclared.visit_copy") {
		t.Fatalf("no finding names visit_copy (findings %v)\n%s", ids, verifyText(t, sum))
	}
	if sum.Pass || err == nil {
		t.Errorf("verify PASSed with an undeclared table unacknowledged")
	}
}

// The archive package of another run of the same plan (an earlier
// rehearsal's, kept in the work directory) holds what the mappings
// archive today as well, so its content compares equal; with
// run.reference_date nothing held its run to the target's, and verify
// said PASS of a package this run never wrote. A package rewritten after
// the run (its creation logged later than the run finished) is no more
// the run's.
func TestVerifyRefusesAPackageOfAnotherRun(t *testing.T) {
	src, tgt := sinceRunServers(t)
	dir := t.TempDir()
	plan := sinceRunRegistry(t, dir, "")
	// A rehearsal a month before, into another target, whose package is
	// kept.
	rehearsal := t.TempDir()
	rep, err := plans.Run(context.Background(), loadPlan(t, plan), plans.Options{SourceURL: src, TargetURL: pgtest.NewDatabase(t), WorkDir: rehearsal,
		Now: func() time.Time { return sinceRunDay.AddDate(0, -1, 0) }})
	if err != nil || !rep.Pass {
		t.Fatalf("rehearsal: %v", err)
	}
	runSinceRun(t, plan, src, tgt, dir)
	opts := plans.Options{SourceURL: src, TargetURL: tgt, WorkDir: dir}
	if sum, err := plans.Verify(context.Background(), loadPlan(t, plan), opts); err != nil || !sum.Pass {
		t.Fatalf("verify of the run's own package: %v", err)
	}

	for name, arc := range map[string]func() string{
		"rehearsal's package": func() string { return filepath.Join(rehearsal, "archive") },
		"package rewritten after the run": func() string {
			// The run's package, rewritten with its meta kept, closed now.
			copyDir(t, filepath.Join(dir, "archive"), filepath.Join(dir, "rewritten"))
			rewritePackage(t, filepath.Join(dir, "rewritten"), packageEdit{closed: time.Now()})
			return filepath.Join(dir, "rewritten")
		},
	} {
		t.Run(name, func(t *testing.T) {
			sum, err := plans.VerifyWith(context.Background(), loadPlan(t, plan), opts, plans.VerifyOptions{ArchiveDir: arc()})
			if sum == nil {
				t.Fatal(err)
			}
			found := false
			for _, p := range sum.Problems {
				found = found || strings.Contains(p, plans.RulePackageOfAnotherRun) && strings.Contains(p, "20260304T050607Z")
			}
			if sum.Pass || err == nil || !found {
				t.Fatalf("verify with the %s: pass %v, err %v, no problem names %s and the run:\n%s", name, sum.Pass, err, plans.RulePackageOfAnotherRun, verifyText(t, sum))
			}
		})
	}
}

func copyDir(t *testing.T, from, to string) {
	t.Helper()
	if err := os.CopyFS(to, os.DirFS(from)); err != nil {
		t.Fatal(err)
	}
}

// A visit deleted after the run from the source and from the target
// alike: verify re-reads the source as it is now, every equation balances
// and it said PASS of a target that lost a record the run migrated. The
// run's ledger says it read 4 records of besok and migrated 3: the
// difference is a finding naming both counts.
func TestVerifyNamesRecordsGoneFromTheSourceSinceTheRun(t *testing.T) {
	src, tgt := sinceRunServers(t)
	dir := t.TempDir()
	plan := sinceRunRegistry(t, dir, "")
	runSinceRun(t, plan, src, tgt, dir)
	mytest.Exec(t, src, `DELETE FROM besok WHERE id = 3`)
	pgtest.Exec(t, tgt, `DELETE FROM visit WHERE visit_id = 3`)

	sum, err := plans.Verify(context.Background(), loadPlan(t, plan), plans.Options{SourceURL: src, TargetURL: tgt, WorkDir: dir})
	if sum == nil {
		t.Fatal(err)
	}
	var f *verify.Finding
	for i := range sum.Findings {
		if sum.Findings[i].Kind == plans.FindingSourceChangedSinceRun {
			f = &sum.Findings[i]
		}
	}
	if f == nil || sum.Pass || err == nil {
		t.Fatalf("a record gone from the source and the target since the run: pass %v, err %v, no %s finding\n%s", sum.Pass, err, plans.FindingSourceChangedSinceRun, verifyText(t, sum))
	}
	if f.Subject != "besok" || f.Count != 1 || !strings.Contains(f.Message, "read 4") || !strings.Contains(f.Message, "3 migrated") {
		t.Errorf("finding %+v: want besok, 1 record, the run's 4 read and 3 migrated", *f)
	}
}

// A target without the run's checkpoint (the bookkeeping tables dropped,
// or tables copied by another tool) holds nothing that ties it, or the
// archive package, to a run: verify PASSed saying nothing of it, and
// none of the checks against the run could be made. The report says so.
func TestVerifyNotesATargetWithoutTheRunsCheckpoint(t *testing.T) {
	src, tgt := sinceRunServers(t)
	dir := t.TempDir()
	plan := sinceRunRegistry(t, dir, "")
	runSinceRun(t, plan, src, tgt, dir)
	pgtest.Exec(t, tgt, `DROP TABLE regflytt_checkpoint`, `DROP TABLE regflytt_run`)

	sum, err := plans.Verify(context.Background(), loadPlan(t, plan), plans.Options{SourceURL: src, TargetURL: tgt, WorkDir: dir})
	if sum == nil {
		t.Fatal(err)
	}
	if !strings.Contains(strings.Join(sum.Notes, "\n"), "holds no checkpoint") {
		t.Fatalf("no note says the target holds no checkpoint of the run:\n%s", verifyText(t, sum))
	}
}

// The run's own package passes as the run's into either server, with the
// run's clock fixed or not: the run's start and its last checkpoint's
// time are read back from the target as they were written (a MariaDB
// target's DATETIME, PostgreSQL's timestamptz).
func TestVerifyTakesTheRunsOwnPackageOnEitherTarget(t *testing.T) {
	src, pg := sinceRunServers(t)
	for name, c := range map[string]struct {
		tgt string
		now func() time.Time
	}{
		"mariadb, fixed clock": {mytest.NewDatabase(t), func() time.Time { return sinceRunDay }},
		"mariadb, real clock":  {mytest.NewDatabase(t), nil},
		"postgres, real clock": {pg, nil},
	} {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			plan := sinceRunRegistry(t, dir, "")
			rep, err := plans.Run(context.Background(), loadPlan(t, plan), plans.Options{SourceURL: src, TargetURL: c.tgt, WorkDir: dir, Now: c.now})
			if err != nil || !rep.Pass {
				t.Fatalf("run: %v", err)
			}
			sum, err := plans.Verify(context.Background(), loadPlan(t, plan), plans.Options{SourceURL: src, TargetURL: c.tgt, WorkDir: dir})
			if sum == nil || err != nil || !sum.Pass {
				t.Fatalf("verify of the run's own package: %v\n%s", err, verifyText(t, sum))
			}
		})
	}
}

// The run whose checkpoint the target holds did not finish (stopped after
// its move; here its last checkpoint's stage is set back): its report.json
// is no PASS, while verify, finding the content whole, said PASS with no
// word of it. The report says the run did not finish.
func TestVerifyNotesARunThatDidNotFinish(t *testing.T) {
	src, tgt := sinceRunServers(t)
	dir := t.TempDir()
	plan := sinceRunRegistry(t, dir, "")
	runSinceRun(t, plan, src, tgt, dir)
	pgtest.Exec(t, tgt, `UPDATE regflytt_checkpoint SET stage = 'moved', state = replace(state, '"stage":"finished"', '"stage":"moved"')`)

	sum, err := plans.Verify(context.Background(), loadPlan(t, plan), plans.Options{SourceURL: src, TargetURL: tgt, WorkDir: dir})
	if sum == nil {
		t.Fatal(err)
	}
	if !strings.Contains(strings.Join(sum.Notes, "\n"), "did not finish") {
		t.Fatalf("no note says the run did not finish:\n%s", verifyText(t, sum))
	}
}
