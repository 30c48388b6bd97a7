package plans_test

import (
	"context"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/regflytt/regflytt/connectors"
	"github.com/regflytt/regflytt/plans"
	"github.com/regflytt/regflytt/verify"
)

// unreadPersonRows are visits whose identity number is NULL, empty,
// blank, no number at all, or a number with a bad check digit, beside one
// of a patient on no list and one of a patient who opted out.
var unreadPersonRows = [][]connectors.Value{
	{int64(1), nil, "2010-05-01"},
	{int64(2), "", "2010-05-01"},
	{int64(3), "   ", "2010-05-01"},
	{int64(4), "okänd", "2010-05-01"},
	{int64(5), "000000-0000", "2010-05-01"},
	{int64(6), "x", "2010-05-01"},
	{int64(7), "191212121213", "2010-05-01"},
	{int64(8), "191212121212", "2010-05-01"},
	{int64(9), "194601010301", "2010-05-01"},
}

// runUnreadPersons runs (and verifies) a visit table of unreadPersonRows
// whose person: is person, against an opt-out list naming visit 9's
// patient, with the plan's extra lines.
func runUnreadPersons(t *testing.T, person, extra string) (*verify.Report, error, *verify.Summary, error, []string) {
	t.Helper()
	return runPersonRows(t, unreadPersonRows, person, extra)
}

// runPersonRows is runUnreadPersons over other visits.
func runPersonRows(t *testing.T, rows [][]connectors.Value, person, extra string) (*verify.Report, error, *verify.Summary, error, []string) {
	t.Helper()
	dir := t.TempDir()
	src := "sqlite://" + filepath.Join(dir, "legacy.db")
	writeTables(t, src, []connectors.Table{
		{Name: "besok", PrimaryKey: []string{"id"}, Columns: []connectors.Column{intCol("id"), textCol("personnr"), textCol("datum")}},
	}, map[string][][]connectors.Value{"besok": rows})
	write(t, filepath.Join(dir, "schema.yaml"), "platform: t\ntables:\n  - name: visit\n    primary_key: [visit_id]\n    columns:\n      - {name: visit_id, type: bigint}\n      - {name: visit_date, type: date}\n")
	write(t, filepath.Join(dir, "m.yaml"), "tables:\n  - target: visit\n    source: besok\n    person: "+person+"\n    unit: {none: test}\n    columns:\n      visit_id: id\n      visit_date: {expr: date(datum)}\n")
	write(t, filepath.Join(dir, "optout.txt"), "19460101-0301\n")
	plan := writePlan(t, dir, "run: {reference_date: 2026-01-01}\noptout: {file: optout.txt}\n"+extra)
	opts := plans.Options{SourceURL: src, TargetURL: "sqlite://" + filepath.Join(dir, "t.db"), WorkDir: dir}
	rep, runErr := plans.Run(context.Background(), loadPlan(t, plan), opts)
	if rep == nil {
		t.Fatalf("run: %v", runErr)
	}
	sum, verErr := plans.Verify(context.Background(), loadPlan(t, plan), opts)
	if sum == nil {
		t.Fatalf("verify: %v", verErr)
	}
	return rep, runErr, sum, verErr, targetColumn(t, opts.TargetURL, "visit", 0)
}

// A record whose person: reads NULL and that is archived for another
// reason (here a date that is none) goes into the archive package
// unchecked: the package is the registry's data too, and a patient who
// opted out may be in it. Before, only migrated records were counted:
// the archived one was not, and verification passed. Now both are counted
// in the one finding person_not_checked (report.json splits off the
// archived ones as person_not_checked_archived), acknowledged by the same
// key as before; an archived record whose number was asked is not.
func TestRunPersonNotCheckedArchived(t *testing.T) {
	t.Parallel()
	rows := [][]connectors.Value{
		{int64(1), nil, "2010-05-01"},
		{int64(2), nil, "not a date"},
		{int64(3), "191212121212", "not a date"},
		{int64(4), "194601010301", "not a date"},
		{int64(5), "191212121212", "2010-05-01"},
	}
	share := "verification: {acknowledge: {archived_share.besok: small test table"
	for _, c := range []struct {
		name     string
		rows     [][]connectors.Value
		migrated string
		// unread counts the records whose person could not be read,
		// archived those of them archived; message is the finding's.
		unread, archived int64
		message          string
	}{
		{"both", rows, "1,5", 2, 1, "2 records of besok whose person could not be read (1 migrated, 1 archived): not checked against the opt-out and erasure lists"},
		// Before, this run and its verification passed, exit 0.
		{"archived only", rows[1:], "5", 1, 1, "1 record of besok whose person could not be read (0 migrated, 1 archived): not checked against the opt-out and erasure lists"},
	} {
		t.Run(c.name, func(t *testing.T) {
			rep, runErr, sum, verErr, ids := runPersonRows(t, c.rows, "personnr", share+"}}\n")
			if got := strings.Join(ids, ","); got != c.migrated {
				t.Fatalf("migrated visits %s, want %s", got, c.migrated)
			}
			if runErr != nil {
				t.Fatalf("run: %v %v", runErr, rep.Problems)
			}
			var tc verify.TableCheck
			for _, x := range rep.Tables {
				if x.Source == "besok" {
					tc = x
				}
			}
			if tc.Archived != 2 || tc.Excluded != 1 {
				t.Fatalf("besok: %d archived, %d excluded, want 2 and 1", tc.Archived, tc.Excluded)
			}
			if tc.Warnings["person_not_checked"] != c.unread || tc.Warnings["person_not_checked_archived"] != c.archived {
				t.Errorf("report.json: besok warnings %v, want person_not_checked %d, of them person_not_checked_archived %d", tc.Warnings, c.unread, c.archived)
			}
			if verErr == nil || sum.Pass {
				t.Fatalf("verification passes with a record archived unchecked")
			}
			var f *verify.Finding
			for i := range sum.Findings {
				if sum.Findings[i].ID == "person_not_checked_archived.besok" {
					t.Errorf("a second finding for the same records: %+v", sum.Findings[i])
				}
				if sum.Findings[i].ID == "person_not_checked.besok" {
					f = &sum.Findings[i]
				}
			}
			if f == nil || f.Count != c.unread || f.Acknowledged || f.Message != c.message {
				t.Fatalf("verification's finding %+v, want person_not_checked.besok counting %d, unacknowledged, saying %q", f, c.unread, c.message)
			}
			_, runErr, sum, verErr, _ = runPersonRows(t, c.rows, "personnr", share+", person_not_checked.besok: visits registered without an identity number}}\n")
			if runErr != nil || verErr != nil || !sum.Pass {
				t.Fatalf("acknowledged: run %v, verify %v", runErr, verErr)
			}
		})
	}
}

// A record whose person: reads NULL cannot be asked of the opt-out and
// erasure lists: if its patient opted out, the record migrates and
// nobody can tell. Before, it migrated uncounted and unflagged, run and
// verify PASS (the numbers that are no numbers were archived, each with
// its reason). It is counted per table as person_not_checked, shown in
// report.json, the run's summary and the verification report, and fails
// verification until the plan acknowledges it.
func TestRunPersonNotChecked(t *testing.T) {
	t.Parallel()
	// Small tables archive more than 5% of their records: acknowledged,
	// so that only the new finding can fail verification.
	share := "verification: {acknowledge: {archived_share.besok: small test table"
	for _, c := range []struct {
		name, person string
		// migrated are the visits that migrate, unread those of them
		// whose person could not be read.
		migrated, unread string
	}{
		{"column", "personnr", "1,8", "1"},
		// A declared NULL for what is no number: those records are no
		// better checked than a NULL in the source.
		{"null_when", "{from: personnr, null_when: ['', 'okänd', '000000-0000']}", "1,2,4,5,8", "1,2,4,5"},
		{"strip", "{expr: 'strip(personnr)'}", "1,2,3,8", "1,2,3"},
		{"pnr", "{expr: 'pnr(personnr)'}", "1,8", "1"},
	} {
		t.Run(c.name, func(t *testing.T) {
			n := int64(strings.Count(c.unread, ",") + 1)
			rep, runErr, sum, verErr, ids := runUnreadPersons(t, c.person, share+"}}\n")
			if got := strings.Join(ids, ","); got != c.migrated {
				t.Fatalf("migrated visits %s, want %s", got, c.migrated)
			}
			if runErr != nil {
				t.Fatalf("run: %v %v", runErr, rep.Problems)
			}
			var tc verify.TableCheck
			for _, x := range rep.Tables {
				if x.Source == "besok" {
					tc = x
				}
			}
			if tc.Warnings["person_not_checked"] != n {
				t.Errorf("report.json: besok warnings %v, want person_not_checked %d", tc.Warnings, n)
			}
			var text strings.Builder
			if err := rep.WriteText(&text); err != nil {
				t.Fatal(err)
			}
			want := "whose person could not be read (" + strconv.FormatInt(n, 10) + " migrated, 0 archived): not checked against the opt-out and erasure lists"
			if !strings.Contains(text.String(), want) || !strings.Contains(text.String(), "acknowledges person_not_checked.besok") {
				t.Errorf("the run's summary does not name the unchecked records:\n%s", text.String())
			}
			if verErr == nil || sum.Pass {
				t.Fatalf("verification passes with %d records migrated unchecked", n)
			}
			var f *verify.Finding
			for i := range sum.Findings {
				if sum.Findings[i].ID == "person_not_checked.besok" {
					f = &sum.Findings[i]
				}
			}
			if f == nil || f.Count != n || f.Acknowledged || !strings.Contains(f.Message, want) {
				t.Fatalf("verification's finding %+v, want person_not_checked.besok counting %d, unacknowledged, saying %q", f, n, want)
			}
			var html strings.Builder
			if err := sum.WriteHTML(&html); err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(html.String(), "person_not_checked.besok") || !strings.Contains(html.String(), want) {
				t.Fatalf("the verification report's HTML does not show the finding")
			}

			// Acknowledged (the data does not say whose records they are):
			// PASS, the finding still shown with its reason.
			_, runErr, sum, verErr, _ = runUnreadPersons(t, c.person, share+", person_not_checked.besok: visits registered without an identity number}}\n")
			if runErr != nil || verErr != nil || !sum.Pass {
				t.Fatalf("acknowledged: run %v, verify %v", runErr, verErr)
			}
		})
	}
}

// Without an opt-out or erasure list no record is asked of one, so none
// is counted as unchecked: the plan says why it has no list, and the
// report says no record could have been excluded.
func TestRunPersonNotCheckedNeedsAList(t *testing.T) {
	rep, runErr, _, _, _ := runUnreadPersons(t, "personnr", "verification: {acknowledge: {archived_share.besok: small test table}}\n")
	if runErr != nil {
		t.Fatal(runErr)
	}
	dir := t.TempDir()
	src := "sqlite://" + filepath.Join(dir, "legacy.db")
	writeTables(t, src, []connectors.Table{
		{Name: "besok", PrimaryKey: []string{"id"}, Columns: []connectors.Column{intCol("id"), textCol("personnr"), textCol("datum")}},
	}, map[string][][]connectors.Value{"besok": unreadPersonRows[:1]})
	write(t, filepath.Join(dir, "schema.yaml"), "platform: t\ntables:\n  - name: visit\n    primary_key: [visit_id]\n    columns:\n      - {name: visit_id, type: bigint}\n")
	write(t, filepath.Join(dir, "m.yaml"), "tables:\n  - target: visit\n    source: besok\n    person: personnr\n    unit: {none: test}\n    columns:\n      visit_id: id\n    drop: {datum: not needed here}\n")
	plan := writePlan(t, dir, "run: {reference_date: 2026-01-01}\noptout: {none: no list}\n")
	opts := plans.Options{SourceURL: src, TargetURL: "sqlite://" + filepath.Join(dir, "t.db"), WorkDir: dir}
	rep2, err := plans.Run(context.Background(), loadPlan(t, plan), opts)
	if err != nil {
		t.Fatal(err)
	}
	if len(rep2.Tables[0].Warnings) != 0 || rep.Tables[0].Warnings["person_not_checked"] != 1 {
		t.Fatalf("warnings without lists %v (want none), with %v", rep2.Tables[0].Warnings, rep.Tables[0].Warnings)
	}
}

// A record whose own number is missing is checked as its parent's when
// its parent's table is matched against the lists (an excluded parent
// excludes it): a visit under a patient whose number was asked is not
// counted. Under a patient that was not checked either it is, and so is
// a referral whose parent is a care unit (no_person:), which no list
// asks about. verify counts as the run did, also with the parents'
// outcomes spilled to disk.
func TestRunPersonNotCheckedFollowsParent(t *testing.T) {
	withParentOutcomesSpilled(t, func(t *testing.T) {
		dir := t.TempDir()
		srcURL := writeListedChildRegistry(t, dir,
			[][]connectors.Value{{int64(1), "19460101-0301"}, {int64(2), nil}},
			[][]connectors.Value{{int64(10), int64(1), nil}, {int64(11), int64(2), nil}, {int64(12), int64(2), "19460101-0301"}, {int64(13), int64(1), ""}})
		// The listed referral (30) matches the list; 31 has no number.
		execSQLite(t, filepath.Join(dir, "legacy.db"), "INSERT INTO remiss VALUES (31, 1, NULL)")
		ack := "verification: {acknowledge: {archived_share.besok: small test, person_not_checked.patient: test, person_not_checked.besok: test, person_not_checked.remiss: test}}\n"
		plan := writePlan(t, dir, "run: {reference_date: 2026-01-01}\noptout: {file: optout.txt}\n"+ack)
		work := t.TempDir()
		opts := plans.Options{SourceURL: srcURL, TargetURL: "sqlite://" + filepath.Join(work, "t.db"), WorkDir: work}
		rep, err := plans.Run(context.Background(), loadPlan(t, plan), opts)
		if err != nil {
			t.Fatalf("run: %v %v", err, rep)
		}
		want := map[string]int64{"patient": 1, "besok": 1, "remiss": 1}
		for _, tc := range rep.Tables {
			if got := tc.Warnings["person_not_checked"]; got != want[tc.Source] {
				t.Errorf("%s: %d records counted person_not_checked, want %d (warnings %v, ledger %v)", tc.Source, got, want[tc.Source], tc.Warnings, ledgerOf(rep, false))
			}
		}
		sum, err := plans.Verify(context.Background(), loadPlan(t, plan), opts)
		if err != nil || !sum.Pass {
			t.Fatalf("verify: %v", err)
		}
		for _, f := range sum.Findings {
			if f.Kind == "person_not_checked" && f.Count != want[f.Subject] {
				t.Errorf("verify's finding %s counts %d, want %d", f.ID, f.Count, want[f.Subject])
			}
		}
	})
}

// A merged registration is checked when one of its records was asked of
// the lists (an excluded one excludes the registration): a
// sub-register's record without a number, merged with the main
// register's, is not counted; one that makes a registration of its own
// is. Before the merge decided, every such record was counted as it was
// spilled, also one the merge then excluded.
func TestRunPersonNotCheckedInAMerge(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "legacy.db")
	execSQLite(t, path,
		`CREATE TABLE delreg_a (besok_id INTEGER PRIMARY KEY, personnr TEXT, vikt TEXT)`,
		`CREATE TABLE delreg_b (besok_id INTEGER PRIMARY KEY, personnr TEXT, langd INTEGER)`,
		`INSERT INTO delreg_a VALUES (1, '19121212-1212', '70'), (2, '19460101-0301', '71')`,
		`INSERT INTO delreg_b VALUES (1, NULL, 180), (2, NULL, 181), (3, NULL, 182)`)
	writeSchema(t, dir, "visit", "visit_id", "visit_id bigint", "patient varchar(12)", "weight_kg decimal(5,1)", "height_cm smallint")
	write(t, filepath.Join(dir, "m.yaml"), `tables:
  - target: visit
    merge: [visit_id]
    sources:
      - source: delreg_a
        precedence: 1
        person: personnr
        columns: {visit_id: besok_id, patient: {expr: pnr(personnr)}, weight_kg: {expr: decimal(vikt)}}
      - source: delreg_b
        precedence: 2
        person: personnr
        columns: {visit_id: besok_id, patient: {expr: pnr(personnr)}, height_cm: langd}
`)
	write(t, filepath.Join(dir, "optout.txt"), "19121212-1212\n")
	plan := writePlan(t, dir, "run: {reference_date: 2026-01-01}\noptout: {file: optout.txt}\nverification: {acknowledge: {person_not_checked.delreg_b: visit 3 has no patient}}\n")
	opts := plans.Options{SourceURL: srcURL(path), TargetURL: "sqlite://" + filepath.Join(dir, "t.db"), WorkDir: dir}
	rep, err := plans.Run(context.Background(), loadPlan(t, plan), opts)
	if err != nil {
		t.Fatalf("run: %v %v", err, rep)
	}
	checkLedger(t, rep, true, map[string]string{
		"delreg_a": summary(1, 0, 1, map[string]int64{"opt_out": 1}),
		"delreg_b": summary(2, 0, 1, map[string]int64{"opt_out": 1}),
	})
	for _, tc := range rep.Tables {
		if want := map[string]int64{"delreg_b": 1}[tc.Source]; tc.Warnings["person_not_checked"] != want {
			t.Errorf("%s: person_not_checked %d, want %d (visit 3 only)", tc.Source, tc.Warnings["person_not_checked"], want)
		}
	}
	sum, err := plans.Verify(context.Background(), loadPlan(t, plan), opts)
	if err != nil || !sum.Pass {
		t.Fatalf("verify: %v", err)
	}
	for _, f := range sum.Findings {
		if f.ID == "person_not_checked.delreg_b" && f.Count != 1 {
			t.Errorf("verify counts %d, want 1", f.Count)
		}
	}
}

// A record without a number of its own archived under a parent archived
// unchecked (here for a birth date that is none), or as an orphan with
// no parent to check it, goes into the archive package unchecked and is
// counted; one under a parent whose number was asked is not, archived or
// migrated. Before, none of them was counted.
func TestRunPersonNotCheckedArchivedFollowsParent(t *testing.T) {
	withParentOutcomesSpilled(t, func(t *testing.T) {
		dir := t.TempDir()
		srcURL := writeOptoutRegistry(t, dir, []connectors.Table{
			{Name: "patient", PrimaryKey: []string{"id"}, Columns: []connectors.Column{intCol("id"), textCol("personnr"), textCol("fodd")}},
			{Name: "besok", PrimaryKey: []string{"id"}, Columns: []connectors.Column{intCol("id"), intCol("patient_id"), textCol("personnr")}},
		}, map[string][][]connectors.Value{
			"patient": {{int64(1), nil, "bad"}, {int64(2), "19121212-1212", "bad"}, {int64(3), "19121212-1212", "2000-01-01"}},
			"besok": {{int64(10), int64(1), nil}, {int64(11), int64(2), nil}, {int64(12), int64(3), nil},
				{int64(13), int64(99), nil}, {int64(14), int64(1), "19121212-1212"}},
		}, `platform: t
tables:
  - name: patient
    primary_key: [patient_id]
    columns: [{name: patient_id, type: bigint}, {name: born, type: date}]
  - name: visit
    primary_key: [visit_id]
    columns: [{name: visit_id, type: bigint}, {name: patient_id, type: bigint}]
`, `tables:
  - target: patient
    source: patient
    person: personnr
    columns: {patient_id: id, born: {expr: date(fodd)}}
  - target: visit
    source: besok
    person: personnr
    parent: {table: patient, key: [patient_id]}
    columns: {visit_id: id, patient_id: patient_id}
`, "19460101-0301\n")
		ack := "verification: {acknowledge: {archived_share.patient: small test, archived_share.besok: small test, person_not_checked.patient: test, person_not_checked.besok: test}}\n"
		plan := writePlan(t, dir, "run: {reference_date: 2026-01-01}\noptout: {file: optout.txt, unmatched: {acknowledged: 1, reason: no such patient here}}\n"+ack)
		work := t.TempDir()
		opts := plans.Options{SourceURL: srcURL, TargetURL: "sqlite://" + filepath.Join(work, "t.db"), WorkDir: work}
		rep, err := plans.Run(context.Background(), loadPlan(t, plan), opts)
		if err != nil {
			t.Fatalf("run: %v %v", err, rep)
		}
		// patient 1; visits 10 (under patient 1) and 13 (an orphan).
		want := map[string]int64{"patient": 1, "besok": 2}
		for _, tc := range rep.Tables {
			if got, a := tc.Warnings["person_not_checked"], tc.Warnings["person_not_checked_archived"]; got != want[tc.Source] || a != want[tc.Source] {
				t.Errorf("%s: %d records counted person_not_checked, %d of them archived, want %d and %d (warnings %v)", tc.Source, got, a, want[tc.Source], want[tc.Source], tc.Warnings)
			}
		}
		sum, err := plans.Verify(context.Background(), loadPlan(t, plan), opts)
		if err != nil || !sum.Pass {
			t.Fatalf("verify: %v", err)
		}
		n := 0
		for _, f := range sum.Findings {
			if f.Kind == "person_not_checked" {
				n++
				if f.Count != want[f.Subject] {
					t.Errorf("verify's finding %s counts %d, want %d", f.ID, f.Count, want[f.Subject])
				}
			}
		}
		if n != 2 {
			t.Errorf("%d person_not_checked findings, want 2", n)
		}
	})
}
