package plans_test

import (
	"context"
	"fmt"
	"maps"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/regflytt/regflytt/plans"
	"github.com/regflytt/regflytt/verify"
)

// centuryPairPlan writes a registry whose patient table writes the
// number with its century (19121212-1212, born 1912) and whose visit
// table writes the same patient's number with 10 digits and no '+'
// (121212-1212), as legacy systems did, both pseudonymised; ack is the
// plan's verification: section ("" for none). Another patient, born
// 1946, is written both ways too, and one born 2012 is written with 12
// digits and visited with 10: read in one century either way. jobs is
// the run's jobs: with two, the tables move at the same time.
func centuryPairPlan(t *testing.T, jobs int, ack string) (plan string, opts plans.Options) {
	t.Helper()
	dir := t.TempDir()
	path := filepath.Join(dir, "legacy.db")
	execSQLite(t, path,
		`CREATE TABLE patient (id INTEGER PRIMARY KEY, personnr TEXT)`,
		`CREATE TABLE besok (id INTEGER PRIMARY KEY, personnr TEXT, datum TEXT)`,
		`INSERT INTO patient VALUES (1, '19121212-1212'), (2, '19460101-0301'), (3, '20121212-1212')`,
		`INSERT INTO besok VALUES (10, '121212-1212', '2001-02-03'), (11, '4601010301', '2001-02-04'), (12, '121212-1212', '2020-02-05'), (13, '460101-0301', '2003-01-01')`)
	write(t, filepath.Join(dir, "schema.yaml"), `platform: t
tables:
  - name: patient
    primary_key: [patient_id]
    columns:
      - {name: patient_id, type: bigint}
      - {name: patient, type: varchar(32)}
  - name: visit
    primary_key: [visit_id]
    columns:
      - {name: visit_id, type: bigint}
      - {name: patient, type: varchar(32)}
      - {name: visit_date, type: date}
`)
	write(t, filepath.Join(dir, "m.yaml"), `tables:
  - target: patient
    source: patient
    person: personnr
    unit: {none: a test register}
    columns: {patient_id: id, patient: {expr: pseudonym(personnr)}}
  - target: visit
    source: besok
    person: personnr
    unit: {none: a test register}
    columns: {visit_id: id, patient: {expr: pseudonym(personnr)}, visit_date: {expr: date(datum)}}
`)
	plan = writePlan(t, dir, fmt.Sprintf("run: {reference_date: 2026-01-01, jobs: %d}\n", jobs)+"optout: {none: synthetic test data}\npseudonymisation: {key_env: REGFLYTT_TEST_CENTURY_KEY}\n"+ack)
	return plan, plans.Options{SourceURL: srcURL(path), TargetURL: "sqlite://" + filepath.Join(dir, "t.db"), WorkDir: filepath.Join(dir, "work")}
}

// findingOf gives the finding id of a summary, and whether it is there.
func findingOf(sum *verify.Summary, id string) (verify.Finding, bool) {
	for _, f := range sum.Findings {
		if f.ID == id {
			return f, true
		}
	}
	return verify.Finding{}, false
}

// A patient born 1912 written 19121212-1212 in one table and 121212-1212
// (no '+') in another gets two pseudonyms: the 10 digits are read
// against the reference date alone, as born 2012. The visits lose their
// patient in the receiving platform, and run and verify passed, with a
// note (pnr_century_inferred) that is no finding. Now the same ten
// digits read in two centuries in one run, one of them from the
// reference date alone, are a finding, pnr_century_pair, on the table
// that read the century so, counted once per number: an alarm of the
// run, and verify fails, until the plan acknowledges it (or gives
// born_by). The patient
// born 2012 and the one born 1946, read in one century either way, are
// no pair.
func TestRunFindsTheSameTenDigitsReadInTwoCenturies(t *testing.T) {
	t.Setenv("REGFLYTT_TEST_CENTURY_KEY", "test key, never a real one, 32b")
	ctx := context.Background()
	for _, jobs := range []int{1, 2} {
		t.Run(fmt.Sprint(jobs, " jobs"), func(t *testing.T) {
			plan, opts := centuryPairPlan(t, jobs, "")
			rep, err := plans.Run(ctx, loadPlan(t, plan), opts)
			if err != nil || rep == nil || len(rep.Alarms) != 1 || rep.Alarms[0].ID != "pnr_century_pair.besok" || rep.Alarms[0].Count != 1 {
				t.Fatalf("the run raises no alarm of a patient split into two pseudonyms: %v %+v", err, rep)
			}
			sum, err := plans.Verify(ctx, loadPlan(t, plan), opts)
			if sum == nil || sum.Pass {
				t.Fatalf("verify passes a patient split into two pseudonyms: %v", err)
			}
			f, ok := findingOf(sum, "pnr_century_pair.besok")
			if !ok || f.Count != 1 || f.Acknowledged {
				t.Fatalf("pnr_century_pair.besok: %+v (found %v), want 1 number, unacknowledged; findings %+v", f, ok, sum.Findings)
			}
			if _, ok := findingOf(sum, "pnr_century_pair.patient"); ok {
				t.Errorf("the table that wrote the century has the finding too: %+v", sum.Findings)
			}

			plan, opts = centuryPairPlan(t, jobs, "verification: {acknowledge: {pnr_century_pair.besok: \"checked: visits of 1912 patients\"}}\n")
			if rep, err := plans.Run(ctx, loadPlan(t, plan), opts); err != nil || !rep.Pass || len(rep.Alarms) > 0 {
				t.Fatalf("the acknowledged run: %v %+v", err, rep)
			}
			if sum, err := plans.Verify(ctx, loadPlan(t, plan), opts); err != nil || !sum.Pass {
				t.Fatalf("the acknowledged verify: %v %+v", err, sum)
			}
		})
	}
}

// A record can carry more than one identity number (the patient's and a
// relative's), and the pair is found whichever of them holds it: here
// the patient table writes the century of two numbers in one record
// (19000101-1238 first, 19121212-1212 second), the visit table reads
// 121212-1212 second after a number of 1946, and the lab table reads
// 1701011239 beside a patient record whose second number wrote 1917. A
// number pnr() or pseudonym() cannot read (a wrong check digit) is
// checked for nothing: it is counted, per table, and the report says so,
// rather than leave the auditor to think every number was checked.
func TestRunFindsACenturyPairInAnyOfARecordsNumbers(t *testing.T) {
	t.Setenv("REGFLYTT_TEST_CENTURY_KEY", "test key, never a real one, 32b")
	ctx := context.Background()
	for _, jobs := range []int{1, 2} {
		t.Run(fmt.Sprint(jobs, " jobs"), func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, "legacy.db")
			execSQLite(t, path,
				`CREATE TABLE patient (id INTEGER PRIMARY KEY, personnr TEXT, anhorig TEXT)`,
				`CREATE TABLE besok (id INTEGER PRIMARY KEY, personnr TEXT, anhorig TEXT)`,
				`CREATE TABLE lab (id INTEGER PRIMARY KEY, personnr TEXT)`,
				`INSERT INTO patient VALUES (1, '19000101-1238', '19121212-1212'), (2, '19000101-1238', '19170101-1239'), (3, '19460101-0301', NULL)`,
				`INSERT INTO besok VALUES (10, '4601010301', '121212-1212'), (11, '4601010301', '1212121213'), (12, '4601010301', NULL)`,
				`INSERT INTO lab VALUES (20, '000101-1238'), (21, '1701011239')`)
			write(t, filepath.Join(dir, "schema.yaml"), `platform: t
tables:
  - name: patient
    primary_key: [id]
    columns:
      - {name: id, type: bigint}
      - {name: patient, type: varchar(64)}
      - {name: relative, type: varchar(64)}
  - name: visit
    primary_key: [id]
    columns:
      - {name: id, type: bigint}
      - {name: patient, type: varchar(64)}
      - {name: relative, type: varchar(64)}
  - name: lab
    primary_key: [id]
    columns:
      - {name: id, type: bigint}
      - {name: patient, type: varchar(64)}
`)
			write(t, filepath.Join(dir, "m.yaml"), `tables:
  - target: patient
    source: patient
    person: personnr
    unit: {none: a test register}
    columns: {id: id, patient: {expr: pseudonym(personnr)}, relative: {expr: pseudonym(anhorig)}}
  - target: visit
    source: besok
    person: personnr
    unit: {none: a test register}
    columns: {id: id, patient: {expr: pseudonym(personnr)}, relative: {expr: pseudonym(anhorig)}}
  - target: lab
    source: lab
    person: personnr
    unit: {none: a test register}
    columns: {id: id, patient: {expr: pseudonym(personnr)}}
`)
			plan := writePlan(t, dir, fmt.Sprintf("run: {reference_date: 2026-01-01, jobs: %d}\n", jobs)+"optout: {none: synthetic test data}\npseudonymisation: {key_env: REGFLYTT_TEST_CENTURY_KEY}\n")
			opts := plans.Options{SourceURL: srcURL(path), TargetURL: "sqlite://" + filepath.Join(dir, "t.db"), WorkDir: filepath.Join(dir, "work")}
			if _, err := plans.Run(ctx, loadPlan(t, plan), opts); err != nil {
				t.Fatal(err)
			}
			sum, err := plans.Verify(ctx, loadPlan(t, plan), opts)
			if sum == nil {
				t.Fatal(err)
			}
			for table, want := range map[string]int64{"besok": 1, "lab": 2} {
				if f, ok := findingOf(sum, FindingCenturyPairOf(table)); !ok || f.Count != want {
					t.Errorf("%s: %+v (found %v), want %d numbers; findings %+v", FindingCenturyPairOf(table), f, ok, want, sum.Findings)
				}
			}
			if f, _ := findingOf(sum, FindingCenturyPairOf("besok")); !strings.Contains(f.Message, "and 1 more of besok could not be read") {
				t.Errorf("the finding of besok does not say a number of it was not read: %s", f.Message)
			}
			if f, ok := findingOf(sum, FindingCenturyPairOf("patient")); ok {
				t.Errorf("the table that wrote the centuries has a finding: %+v", f)
			}
			unread := map[string]int64{}
			for _, tq := range sum.Tables {
				unread[tq.Source] = tq.CenturyUnread
			}
			if want := map[string]int64{"patient": 0, "besok": 1, "lab": 0}; !maps.Equal(unread, want) {
				t.Errorf("numbers not read per table %v, want %v", unread, want)
			}
			if !slices.ContainsFunc(sum.Notes, func(n string) bool {
				return strings.HasPrefix(n, "besok: 1 identity number ") && strings.Contains(n, plans.FindingCenturyPair)
			}) {
				t.Errorf("no note says besok's number was not read: %q", sum.Notes)
			}
		})
	}
}

// FindingCenturyPairOf is the finding id of a table's century pairs.
func FindingCenturyPairOf(table string) string { return plans.FindingCenturyPair + "." + table }
