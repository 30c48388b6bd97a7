package plans_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/regflytt/regflytt/connectors"
	"github.com/regflytt/regflytt/connectors/mysql/mytest"
	"github.com/regflytt/regflytt/connectors/postgres/pgtest"
	"github.com/regflytt/regflytt/plans"
	"github.com/regflytt/regflytt/verify"
)

// resumeOutcomesSource writes a main register and its sub-register,
// merged by a visit number the source compares blind to case, whose
// records meet every outcome of a choice, a merge key and repair():
// weights chosen by a declared choice (values_not_chosen_by), heights
// left out by ?? (values_differ), sub-register keys spelled in another
// case than the main register's (key_spelling), names garbled in part
// (encoding_ambiguous) and every third visit of a patient who opted out,
// whose sub-register record holds no identity number (excluded with its
// registration). Small batches put a registration's records, the
// exclusion mark and the sub-register record, in different batches.
// With mariadbURL the source is that MariaDB database, its keys
// utf8mb4_general_ci (blind to trailing spaces too, as every eleventh
// sub-register key is spelled); else a SQLite file in dir, its keys
// NOCASE.
func resumeOutcomesSource(t *testing.T, dir string, visits int, mariadbURL string) (planPath, src string) {
	t.Helper()
	path := filepath.Join(dir, "legacy.db")
	key := "varchar(20) COLLATE NOCASE"
	if mariadbURL != "" {
		key = "varchar(20) COLLATE utf8mb4_general_ci"
	}
	stmts := []string{
		`CREATE TABLE delreg_a (besok_id ` + key + ` PRIMARY KEY, personnr TEXT, enhet TEXT, vikt_ny TEXT, vikt TEXT, namn TEXT)`,
		`CREATE TABLE vardenhet (id varchar(4) PRIMARY KEY, namn TEXT)`,
		`INSERT INTO vardenhet VALUES ('E0', 'Norra'), ('E1', 'Södra')`,
		`CREATE TABLE enkat (id INTEGER PRIMARY KEY, enhet TEXT, svar_ny TEXT, svar TEXT, kommentar TEXT)`,
		`CREATE TABLE delreg_b (besok_id ` + key + ` PRIMARY KEY, personnr TEXT, enhet TEXT, langd_ny INTEGER, langd INTEGER)`,
	}
	for i := 1; i <= visits; i++ {
		id, person := fmt.Sprintf("v%03d", i), "'19460101-0301'"
		subID, subPerson := id, person
		if i%3 == 0 {
			person, subPerson = "'19121212-1212'", "NULL"
		}
		if i%7 == 0 {
			subID = strings.ToUpper(id)
		}
		if i%11 == 0 && mariadbURL != "" {
			subID += " "
		}
		vikt, namn := "NULL", "'Smörgås'"
		if i%2 == 0 {
			vikt = fmt.Sprintf("'%d'", 60+i%5)
		}
		if i%5 == 0 {
			namn = "'SmÃ¶rgås'"
		}
		langd := "NULL"
		if i%4 == 0 {
			langd = fmt.Sprint(150 + i%3)
		}
		stmts = append(stmts,
			fmt.Sprintf(`INSERT INTO enkat VALUES (%d, 'E%d', %s, '%d', %s)`, i, i%2, vikt, 60+i%3, namn),
			fmt.Sprintf(`INSERT INTO delreg_a VALUES ('%s', %s, 'E%d', '%d', %s, %s)`, id, person, i%2, 70+i%4, vikt, namn),
			fmt.Sprintf(`INSERT INTO delreg_b VALUES ('%s', %s, 'E%d', 150, %s)`, subID, subPerson, i%2, langd))
	}
	if mariadbURL != "" {
		mytest.Exec(t, mariadbURL, stmts...)
	} else {
		execSQLite(t, path, stmts...)
	}
	write(t, filepath.Join(dir, "schema.yaml"), `platform: t
tables:
  - name: care_unit
    primary_key: [care_unit_id]
    columns: [{name: care_unit_id, type: varchar(4)}, {name: name, type: varchar(40)}]
  - name: visit
    primary_key: [visit_id]
    columns:
      - {name: visit_id, type: text}
      - {name: patient, type: varchar(12)}
      - {name: care_unit, type: varchar(4)}
      - {name: weight, type: varchar(5)}
      - {name: name, type: varchar(40)}
      - {name: height_cm, type: smallint}
  - name: survey
    primary_key: [survey_id]
    columns:
      - {name: survey_id, type: bigint}
      - {name: care_unit, type: varchar(4)}
      - {name: answer, type: varchar(5)}
      - {name: answer_kept, type: varchar(5)}
      - {name: comment, type: varchar(40)}
`)
	write(t, filepath.Join(dir, "m.yaml"), `tables:
  - target: care_unit
    source: vardenhet
    no_person: care units, no patient data
    unit: id
    columns: {care_unit_id: id, name: namn}
  - target: survey
    source: enkat
    no_person: an anonymous survey
    granularity: value
    unit: enhet
    columns:
      survey_id: id
      care_unit: enhet
      answer: {expr: "svar_ny ?? svar"}
      answer_kept: {expr: "coalesce(svar_ny, svar)", choice: the new form's answer}
      comment: {expr: repair(kommentar)}
  - target: visit
    merge: [visit_id]
    sources:
      - source: delreg_a
        precedence: 1
        person: personnr
        unit: enhet
        columns:
          visit_id: besok_id
          care_unit: enhet
          patient: {expr: pnr(personnr)}
          weight: {expr: "coalesce(vikt_ny, vikt)", choice: the new form's weight is the measured one}
          name: {expr: repair(namn)}
      - source: delreg_b
        precedence: 2
        person: personnr
        unit: enhet
        columns:
          visit_id: besok_id
          care_unit: enhet
          patient: {expr: pnr(personnr)}
          height_cm: {expr: "langd_ny ?? langd"}
`)
	write(t, filepath.Join(dir, "optout.txt"), "19121212-1212\n")
	src = srcURL(path)
	if mariadbURL != "" {
		src = mariadbURL
	}
	return writePlan(t, dir, "run: {reference_date: 2026-01-01}\noptout: {file: optout.txt}\nverification: {archived_share_max: 0.9}\n"), src
}

// loadOutcomesPlan loads the plan resumeOutcomesSource wrote, in batches
// of 7 records.
func loadOutcomesPlan(t *testing.T, path string) *plans.Plan {
	t.Helper()
	p := loadPlan(t, path)
	p.BatchSize = 7
	return p
}

// A run stopped after k batches and resumed, with one job and with two,
// counts each record of the session's new outcomes once: report.json,
// the unit reports and verify's summary say what a clean run's say, per
// reason (values_differ, key_spelling, encoding_ambiguous, opt_out) and
// per column of values_not_chosen_by, and the target's rows are the
// registrations the ledger migrated.
func TestResumedRunCountsChoicesSpellingsAndExclusionsOnce(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	// 30 visits in batches of 7 stop 19 times, 3 of them in the merge, and
	// meet every outcome (checkOutcomesMet); stopEveryBatch fails below 10
	// stops or 2 in the merge. (60 took twice as long and proved no more.)
	planPath, src := resumeOutcomesSource(t, dir, 30, "")
	p := loadOutcomesPlan(t, planPath)
	resumedReportsAgree(t, p, src, dir)

	ctx := context.Background()
	// Stopped after every batch, each boundary is a checkpoint: of the
	// members' spills (an exclusion mark in one batch, the sub-register's
	// record in the next) and of the merge's groups.
	want := comparableReport(t, filepath.Join(dir, "clean", "report.json"))
	for _, jobs := range []int{1, 2} {
		name := fmt.Sprintf("everybatch%d", jobs)
		work, tgt := filepath.Join(dir, name), "sqlite://"+filepath.Join(dir, name+".db")
		stops := stopEveryBatch(t, p, src, tgt, work, jobs)
		if got := comparableReport(t, filepath.Join(work, "report.json")); got != want {
			t.Errorf("jobs %d, stopped after each of %d batches: report.json differs from the clean run's:\n got %s\nwant %s", jobs, stops, got, want)
		}
	}

	var clean *verify.Summary
	for _, name := range []string{"clean", "resumed1", "resumed2", "everybatch1", "everybatch2"} {
		opts := plans.Options{SourceURL: src, TargetURL: "sqlite://" + filepath.Join(dir, name+".db"), WorkDir: filepath.Join(dir, name)}
		sum, err := plans.Verify(ctx, p, opts)
		if err != nil || sum == nil || !sum.Pass {
			t.Fatalf("%s: verify: %v %+v", name, err, sum)
		}
		// report.json says what verify says, per reason and per column.
		b, err := os.ReadFile(filepath.Join(dir, name, "report.json"))
		if err != nil {
			t.Fatal(err)
		}
		var rep verify.Report
		if err := json.Unmarshal(b, &rep); err != nil {
			t.Fatal(err)
		}
		for _, eq := range sum.Tables {
			l := tableLedger(t, &rep, eq.Source)
			if l.Migrated != eq.Migrated || l.Archived != eq.Archived || l.Excluded != eq.Excluded || !maps.Equal(l.ArchivedBy, eq.ArchivedBy) ||
				!maps.Equal(l.ExcludedBy, eq.ExcludedBy) || !maps.Equal(l.ValuesNotChosenBy, eq.ValuesNotChosenBy) || !maps.Equal(l.ValuesArchivedBy, eq.ValuesArchivedBy) {
				t.Errorf("%s: report.json's ledger of %s %+v, verify's %+v", name, eq.Source, *l, eq)
			}
			if eq.Source == "enkat" {
				if rows, _ := exactRows(t, opts.TargetURL, "survey"); int64(len(rows)) != eq.Migrated {
					t.Errorf("%s: survey holds %d rows, verify says %d migrated", name, len(rows), eq.Migrated)
				}
			}
		}
		if clean == nil {
			clean = sum
			checkOutcomesMet(t, sum)
			continue
		}
		for i, eq := range sum.Tables {
			w := clean.Tables[i]
			if eq.Source != w.Source || eq.Migrated != w.Migrated || eq.Archived != w.Archived || eq.Excluded != w.Excluded ||
				eq.InArchive != w.InArchive || !maps.Equal(eq.ArchivedBy, w.ArchivedBy) || !maps.Equal(eq.ExcludedBy, w.ExcludedBy) ||
				!maps.Equal(eq.ValuesNotChosenBy, w.ValuesNotChosenBy) || !maps.Equal(eq.ValuesArchivedBy, w.ValuesArchivedBy) {
				t.Errorf("%s: verify's equation of %s %+v, the clean run's %+v", name, eq.Source, eq, w)
			}
		}
		tables := []string{"care_unit", "survey", "visit"}
		got, want := resultDigest(t, opts.TargetURL, tables, filepath.Join(opts.WorkDir, "archive")), resultDigest(t, "sqlite://"+filepath.Join(dir, "clean.db"), tables, filepath.Join(dir, "clean", "archive"))
		if got.String() != want.String() {
			t.Errorf("%s: receiving rows and archive package\n%v\nclean run's\n%v", name, got, want)
		}
	}
}

// checkOutcomesMet fails unless the clean run met every outcome the
// resumed runs are held to: a test whose fixture met none proves nothing.
func checkOutcomesMet(t *testing.T, sum *verify.Summary) {
	t.Helper()
	by := map[string]int64{}
	notChosen := int64(0)
	for _, eq := range sum.Tables {
		for r, n := range eq.ArchivedBy {
			by[r] += n
		}
		for r, n := range eq.ExcludedBy {
			by[r] += n
		}
		for _, n := range eq.ValuesNotChosenBy {
			notChosen += n
		}
		for r, n := range eq.ValuesArchivedBy {
			by["value "+r] += n
		}
	}
	for _, r := range []string{"values_differ", "key_spelling", "encoding_ambiguous", "opt_out", "value values_differ", "value encoding_ambiguous"} {
		if by[r] == 0 {
			t.Errorf("the clean run has no record archived or excluded as %s: %v", r, by)
		}
	}
	if notChosen == 0 {
		t.Errorf("the clean run counts no value not chosen: %+v", sum.Tables)
	}
}

// A resume after the mapping gained a choice: (weight's values not chosen
// counted, not archived) or lost it (archived as values_differ) would
// count the records on either side of the stop by two mappings: it is
// refused as a changed mapping, naming the file.
func TestResumeRefusesAChoiceGainedOrLost(t *testing.T) {
	t.Parallel()
	const choice = `, choice: the new form's weight is the measured one}`
	for _, c := range []struct{ name, from, to string }{
		{"gained", "}", choice},
		{"lost", choice, "}"},
	} {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			planPath, src := resumeOutcomesSource(t, dir, 30, "")
			mapping := filepath.Join(dir, "m.yaml")
			b, err := os.ReadFile(mapping)
			if err != nil {
				t.Fatal(err)
			}
			m := string(b)
			if c.name == "gained" {
				m = strings.Replace(m, choice, "}", 1)
				write(t, mapping, m)
			}
			p := loadOutcomesPlan(t, planPath)
			opts := plans.Options{SourceURL: src, TargetURL: "sqlite://" + filepath.Join(dir, "t.db"), WorkDir: filepath.Join(dir, "w")}
			s := &stopAfter{n: 3, stop: make(chan struct{})}
			o := opts
			o.Stop, o.Progress = s.stop, s
			if _, err := plans.Run(context.Background(), p, o); !errors.Is(err, plans.ErrInterrupted) {
				t.Fatalf("got %v, want an interrupted run", err)
			}
			changed := strings.Replace(m, "weight: {expr: \"coalesce(vikt_ny, vikt)\""+c.from, "weight: {expr: \"coalesce(vikt_ny, vikt)\""+c.to, 1)
			if changed == m {
				t.Fatal("the mapping did not change: the test would prove nothing")
			}
			write(t, mapping, changed)
			p = loadOutcomesPlan(t, planPath)
			rep, err := plans.Run(context.Background(), p, opts)
			var ce *plans.ChangedError
			if !errors.As(err, &ce) || !strings.Contains(err.Error(), mapping) {
				t.Fatalf("resumed with the choice %s: got %v (report %v), want a refusal naming %s", c.name, err, rep, mapping)
			}
		})
	}
}

// stopEveryBatch runs p into tgt with jobs, stopped after each committed
// batch and resumed until it finishes, and gives the number of stops; it
// fails the test unless the stops fell into the merge too.
func stopEveryBatch(t *testing.T, p *plans.Plan, src, tgt, work string, jobs int) int {
	t.Helper()
	stops, inMerge := 0, 0
	for {
		s := &stopInMerge{stopAfter: stopAfter{n: 1, stop: make(chan struct{})}}
		_, err := plans.Run(context.Background(), p, plans.Options{SourceURL: src, TargetURL: tgt, WorkDir: work, Stop: s.stop, Progress: s, Jobs: jobs})
		if err == nil {
			break
		}
		if !errors.Is(err, plans.ErrInterrupted) || stops > 200 {
			t.Fatalf("jobs %d, stop %d: %v", jobs, stops, err)
		}
		stops++
		if s.stoppedInMerge() {
			inMerge++
		}
	}
	if inMerge < 2 || stops < 10 {
		t.Fatalf("jobs %d: %d stops, %d in the merge: too few for the test to mean something", jobs, stops, inMerge)
	}
	return stops
}

// Into PostgreSQL, whose read-back computes the end check's hashes (the
// keyed one of a run that was never stopped, SHA-256 of a resumed run's
// re-read), a run stopped after every batch with two jobs reports what a
// clean run reports.
func TestResumedRunCountsChoicesOnceIntoPostgreSQL(t *testing.T) {
	t.Parallel()
	for _, source := range []string{"SQLite", "MariaDB"} {
		t.Run(source, func(t *testing.T) { resumedIntoPostgreSQL(t, source == "MariaDB") })
	}
}

func resumedIntoPostgreSQL(t *testing.T, mariadb bool) {
	pgtest.AdminURL(t)
	dir := t.TempDir()
	my := ""
	if mariadb {
		my = mytest.NewDatabase(t)
	}
	// 30 visits, as above: 18 or 19 stops, 3 in the merge.
	planPath, src := resumeOutcomesSource(t, dir, 30, my)
	p := loadOutcomesPlan(t, planPath)
	cleanTgt, tgt := pgtest.NewDatabase(t), pgtest.NewDatabase(t)
	if _, err := plans.Run(context.Background(), p, plans.Options{SourceURL: src, TargetURL: cleanTgt, WorkDir: filepath.Join(dir, "clean")}); err != nil {
		t.Fatal(err)
	}
	stops := stopEveryBatch(t, p, src, tgt, filepath.Join(dir, "resumed"), 2)
	if got, want := comparableReport(t, filepath.Join(dir, "resumed", "report.json")), comparableReport(t, filepath.Join(dir, "clean", "report.json")); got != want {
		t.Errorf("stopped after each of %d batches: report.json differs from the clean run's:\n got %s\nwant %s", stops, got, want)
	}
	var want string
	for i, url := range []string{cleanTgt, tgt} {
		sum, err := plans.Verify(context.Background(), p, plans.Options{SourceURL: src, TargetURL: url, WorkDir: filepath.Join(dir, []string{"clean", "resumed"}[i])})
		if err != nil || sum == nil || !sum.Pass {
			t.Fatalf("verify: %v %+v", err, sum)
		}
		b, _ := json.Marshal(sum.Tables)
		if i == 0 {
			checkOutcomesMet(t, sum)
			want = string(b)
		} else if string(b) != want {
			t.Errorf("verify of the resumed run:\n%s\nof the clean run:\n%s", b, want)
		}
	}
}

// Commits that fail (before: rolled back; after: done, the answer lost)
// through the members' spills and the merge, with one job and two, are
// retried in the run: its report and verify count what a clean run's do,
// each batch once.
func TestRetriedCommitsCountChoicesSpellingsAndExclusionsOnce(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	planPath, src := resumeOutcomesSource(t, dir, 60, "")
	p := loadOutcomesPlan(t, planPath)
	if _, err := plans.Run(context.Background(), p, plans.Options{SourceURL: src, TargetURL: "sqlite://" + filepath.Join(dir, "clean.db"), WorkDir: filepath.Join(dir, "clean")}); err != nil {
		t.Fatal(err)
	}
	want := comparableReport(t, filepath.Join(dir, "clean", "report.json"))
	for _, jobs := range []int{1, 2} {
		failAt := map[int]string{}
		for i := 2; i < 200; i += 3 {
			failAt[i] = []string{"before", "after"}[i%2]
		}
		ft := &faultyTarget{failAt: failAt}
		work, tgt := filepath.Join(dir, fmt.Sprint("faulted", jobs)), "sqlite://"+filepath.Join(dir, fmt.Sprint("faulted", jobs, ".db"))
		var merge lockedCountMerge
		opts := plans.Options{SourceURL: src, TargetURL: tgt, WorkDir: work, Jobs: jobs, Retry: wrapPolicyFast, Progress: &merge,
			WrapTarget: func(tg connectors.Target) connectors.Target { ft.Target = tg; return ft }}
		if _, err := plans.Run(context.Background(), p, opts); err != nil {
			t.Fatalf("jobs %d: %v", jobs, err)
		}
		// Every third commit fails, so faults fall in the merge's batches
		// too. How many commits the batches take depends on how many wait
		// to be committed together (unitsPerCommit), which the machine's
		// speed decides: 29 were seen with two jobs on a quiet machine, and
		// 20 still fail 7 of them.
		if ft.commits < 20 || merge.batches() < 3 {
			t.Fatalf("jobs %d: %d commits, %d of the merge: too few for faults to mean something", jobs, ft.commits, merge.batches())
		}
		if got := comparableReport(t, filepath.Join(work, "report.json")); got != want {
			t.Errorf("jobs %d: report.json after retried commits differs from the clean run's:\n got %s\nwant %s", jobs, got, want)
		}
		opts.WrapTarget = nil
		if sum, err := plans.Verify(context.Background(), p, opts); err != nil || sum == nil || !sum.Pass {
			t.Errorf("jobs %d: verify: %v %+v", jobs, err, sum)
		}
	}
}

// lockedCountMerge is countMerge for a run whose jobs report at once.
type lockedCountMerge struct {
	plans.NoProgress
	mu sync.Mutex
	c  countMerge
}

func (l *lockedCountMerge) Table(name string, total int64) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.c.Table(name, total)
}

func (l *lockedCountMerge) Add(n int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.c.Add(n)
}

func (l *lockedCountMerge) batches() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.c.inMerge
}
