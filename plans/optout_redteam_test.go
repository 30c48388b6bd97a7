package plans_test

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"github.com/regflytt/regflytt/connectors"
	"github.com/regflytt/regflytt/mappings"
	"github.com/regflytt/regflytt/plans"
	"github.com/regflytt/regflytt/verify"
)

// writeListedChildRegistry writes a patient table and a visit table that
// repeats the patient's identity number, each matched against an opt-out
// list naming 19121212-1212; unit is a parent with no patient data.
func writeListedChildRegistry(t *testing.T, dir string, patients, visits [][]connectors.Value) string {
	t.Helper()
	return writeOptoutRegistry(t, dir, []connectors.Table{
		{Name: "vardenhet", PrimaryKey: []string{"id"}, Columns: []connectors.Column{intCol("id")}},
		{Name: "patient", PrimaryKey: []string{"id"}, Columns: []connectors.Column{intCol("id"), textCol("personnr")}},
		{Name: "besok", PrimaryKey: []string{"id"}, Columns: []connectors.Column{intCol("id"), intCol("patient_id"), textCol("personnr")}},
		{Name: "remiss", PrimaryKey: []string{"id"}, Columns: []connectors.Column{intCol("id"), intCol("enhet_id"), textCol("personnr")}},
	}, map[string][][]connectors.Value{
		"vardenhet": {{int64(1)}},
		"patient":   patients,
		"besok":     visits,
		// A referral's parent is a care unit: its opt-out keeps the unit.
		"remiss": {{int64(30), int64(1), "19121212-1212"}},
	}, `platform: t
tables:
  - name: unit
    primary_key: [unit_id]
    columns: [{name: unit_id, type: bigint}]
  - name: patient
    primary_key: [patient_id]
    columns: [{name: patient_id, type: bigint}]
  - name: visit
    primary_key: [visit_id]
    columns: [{name: visit_id, type: bigint}, {name: patient_id, type: bigint}]
  - name: referral
    primary_key: [referral_id]
    columns: [{name: referral_id, type: bigint}, {name: unit_id, type: bigint}]
`, `tables:
  - target: unit
    source: vardenhet
    no_person: care units, no patient data
    columns: {unit_id: id}
  - target: patient
    source: patient
    person: personnr
    columns: {patient_id: id}
  - target: visit
    source: besok
    person: personnr
    parent: {table: patient, key: [patient_id]}
    columns: {visit_id: id, patient_id: patient_id}
  - target: referral
    source: remiss
    person: personnr
    parent: {table: vardenhet, key: [enhet_id]}
    columns: {referral_id: id, unit_id: enhet_id}
`, "19121212-1212\n")
}

// writeOptoutRegistry writes dir's legacy.db holding tables with rows, its
// schema.yaml and m.yaml, and optout.txt holding list; it returns the
// source's URL.
func writeOptoutRegistry(t *testing.T, dir string, tables []connectors.Table, rows map[string][][]connectors.Value, schema, mapping, list string) string {
	t.Helper()
	srcURL := "sqlite://" + filepath.Join(dir, "legacy.db")
	writeTables(t, srcURL, tables, rows)
	write(t, filepath.Join(dir, "schema.yaml"), schema)
	write(t, filepath.Join(dir, "m.yaml"), mapping)
	write(t, filepath.Join(dir, "optout.txt"), list)
	return srcURL
}

// optoutRunner returns a run of the plan in dir, head (its run: and
// optout: sections) and then extra, from srcURL into a target of its own.
func optoutRunner(t *testing.T, dir, srcURL, head string) func(extra string) (*verify.Report, error) {
	return func(extra string) (*verify.Report, error) {
		plan := writePlan(t, dir, head+extra)
		work := t.TempDir()
		return plans.Run(context.Background(), loadPlan(t, plan), plans.Options{SourceURL: srcURL, TargetURL: "sqlite://" + filepath.Join(work, "t.db"), WorkDir: work})
	}
}

// reportedRun runs run with nothing extra and fails t unless it gives a
// report.
func reportedRun(t *testing.T, run func(extra string) (*verify.Report, error)) (*verify.Report, error) {
	t.Helper()
	rep, err := run("")
	if rep == nil {
		t.Fatalf("no report: %v", err)
	}
	return rep, err
}

// wantListCenturyDiffers fails t unless the run failed naming
// list_century_differs on patient.
func wantListCenturyDiffers(t *testing.T, rep *verify.Report, err error) {
	t.Helper()
	if !errors.Is(err, plans.ErrNotAccounted) || rep.Pass || !strings.Contains(strings.Join(rep.Problems, "\n"), mappings.WarnListCenturyDiffers+".patient") {
		t.Fatalf("got %v, pass %v, problems %v; want the run failed naming %s.patient", err, rep.Pass, rep.Problems, mappings.WarnListCenturyDiffers)
	}
}

// wantCenturyApartAcknowledged fails t unless run passes with the plan
// acknowledging list_century_differs on patient.
func wantCenturyApartAcknowledged(t *testing.T, run func(extra string) (*verify.Report, error)) {
	t.Helper()
	rep, err := run("verification: {acknowledge: {" + mappings.WarnListCenturyDiffers + ".patient: \"born 2012, another person than the 1912 patient who opted out\"}}\n")
	if err != nil || !rep.Pass {
		t.Fatalf("acknowledged: got %v %v", err, rep.Problems)
	}
}

// An opted-out patient's main record with no number of its own (NULL in
// the patient table, the number kept in the visits), or with another
// number (a samordningsnummer the patient had before the personnummer
// the visits and the list write), migrated while its visits, matched by
// their own number, were excluded: the entry matched, and the run passed
// with the opted-out patient on the receiving platform. The run cannot
// exclude the parent (it is written before its children are read), so
// each such child is counted as exclusion_parent_kept, a finding that
// fails the run until the plan acknowledges it (a newborn's own opt-out
// under the mother's record). A parent with no patient data (a care
// unit) raises nothing.
func TestRunFlagsTheKeptParentOfAnExcludedRecord(t *testing.T) {
	withParentOutcomesSpilled(t, testFlagsTheKeptParent)
}

func testFlagsTheKeptParent(t *testing.T) {
	for _, c := range []struct {
		name     string
		patients [][]connectors.Value
		flagged  int64
		// unchecked counts the patients migrated without a number to
		// ask the list with (person_not_checked.patient).
		unchecked int64
	}{
		{"the parent's number NULL", [][]connectors.Value{{int64(1), nil}, {int64(3), "19460101-0301"}}, 2, 1},
		{"the parent under a samordningsnummer", [][]connectors.Value{{int64(1), "19121272-1219"}, {int64(3), "19460101-0301"}}, 2, 0},
		{"the parent listed too", [][]connectors.Value{{int64(1), "121212+1212"}, {int64(3), "19460101-0301"}}, 0, 0},
	} {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			srcURL := writeListedChildRegistry(t, dir, c.patients, [][]connectors.Value{
				{int64(10), int64(1), "19121212-1212"},
				{int64(11), int64(1), "121212+1212"},
				{int64(12), int64(3), "19460101-0301"},
			})
			var opts plans.Options
			var plan string
			run := func(extra string) (*verify.Report, error) {
				plan = writePlan(t, dir, "run: {reference_date: 2026-01-01}\noptout: {file: optout.txt}\n"+extra)
				work := t.TempDir()
				opts = plans.Options{SourceURL: srcURL, TargetURL: "sqlite://" + filepath.Join(work, "t.db"), WorkDir: work}
				return plans.Run(context.Background(), loadPlan(t, plan), opts)
			}
			rep, err := run("")
			if rep == nil {
				t.Fatalf("no report: %v", err)
			}
			var visits, referrals, patients verify.TableCheck
			for _, tc := range rep.Tables {
				switch tc.Source {
				case "besok":
					visits = tc
				case "remiss":
					referrals = tc
				case "patient":
					patients = tc
				}
			}
			if got := patients.Warnings[mappings.WarnPersonNotChecked]; got != c.unchecked {
				t.Fatalf("patients flagged %s: %d, want %d", mappings.WarnPersonNotChecked, got, c.unchecked)
			}
			if visits.ExcludedBy["opt_out"] != 2 {
				t.Fatalf("visits excluded %v, want the two of the listed patient", visits.ExcludedBy)
			}
			if n := referrals.Warnings[plans.WarnExclusionParentKept]; n != 0 || referrals.ExcludedBy["opt_out"] != 1 {
				t.Fatalf("a referral under a care unit: %d flagged, excluded %v; want excluded, unflagged", n, referrals.ExcludedBy)
			}
			if got := visits.Warnings[plans.WarnExclusionParentKept]; got != c.flagged {
				t.Fatalf("visits flagged %s: %d, want %d", plans.WarnExclusionParentKept, got, c.flagged)
			}
			if c.flagged == 0 {
				if err != nil || !rep.Pass {
					t.Fatalf("nothing kept: got %v %v", err, rep.Problems)
				}
				return
			}
			if !errors.Is(err, plans.ErrNotAccounted) || rep.Pass {
				t.Fatalf("the opted-out patient's record migrated: got %v, pass %v; want the run failed", err, rep.Pass)
			}
			var text strings.Builder
			if err := rep.WriteText(&text); err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(text.String(), plans.WarnExclusionParentKept) || strings.Contains(text.String(), "1212") {
				t.Fatalf("the summary does not name the finding, or names the number:\n%s", text.String())
			}
			// Acknowledged, the run passes.
			ack := ""
			if c.unchecked > 0 {
				ack = ", " + mappings.WarnPersonNotChecked + ".patient: a patient registered without a number"
			}
			rep, err = run("verification: {acknowledge: {" + plans.WarnExclusionParentKept + ".besok: the visits' own opt-out" + ack + "}}\n")
			if err != nil || !rep.Pass {
				t.Fatalf("acknowledged: got %v %v", err, rep.Problems)
			}
			// regflytt verify finds the same, acknowledged.
			sum, err := plans.Verify(context.Background(), loadPlan(t, plan), opts)
			if err != nil || !sum.Pass {
				t.Fatalf("verify: %v %v", err, sum.Problems)
			}
			found := false
			for _, f := range sum.Findings {
				found = found || f.ID == plans.WarnExclusionParentKept+".besok" && f.Acknowledged
			}
			if !found {
				t.Fatalf("verify's findings %+v lack %s.besok, acknowledged", sum.Findings, plans.WarnExclusionParentKept)
			}
		})
	}
}

// With an opt-out list, a mapped table must be matched against it: by a
// person:, or through a parent: that is. A patient table whose parent is
// a care unit (no_person:) passed P011 for having a parent:, and
// migrated an opted-out patient's record; when the entry matched the
// patient's visits the run PASSed, the report only listing the table
// among those not matched. A table under such a parent that holds an
// identity number (one a person: reads or pseudonym() is given, mapped
// or dropped) is refused before anything is read; one that declares
// no_person: itself runs, and one holding none follows its parent's
// declaration (a staff account's grants, testdata's behorighet).
func TestRunRefusesATableOfPersonsNotMatched(t *testing.T) {
	for _, c := range []struct {
		name, mapping string
		refused       bool
	}{
		{"a parent with no person", `    parent: {table: vardenhet, key: [enhet_id]}
    columns: {patient_id: id, unit_id: enhet_id, pseudonym: {expr: pseudonym(personnr)}}
`, true},
		{"declared no patient's", `    parent: {table: vardenhet, key: [enhet_id]}
    no_person: wards, no patient data
    columns: {patient_id: id, unit_id: enhet_id, pseudonym: {expr: personnr}}
`, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			srcURL := writeOptoutRegistry(t, dir, []connectors.Table{
				{Name: "vardenhet", PrimaryKey: []string{"id"}, Columns: []connectors.Column{intCol("id")}},
				{Name: "patient", PrimaryKey: []string{"id"}, Columns: []connectors.Column{intCol("id"), intCol("enhet_id"), textCol("personnr")}},
				{Name: "besok", PrimaryKey: []string{"id"}, Columns: []connectors.Column{intCol("id"), textCol("personnr")}},
			}, map[string][][]connectors.Value{
				"vardenhet": {{int64(1)}},
				"besok":     {{int64(10), "19121212-1212"}},
				"patient":   {{int64(1), int64(1), "19121212-1212"}, {int64(2), int64(1), "19460101-0301"}},
			}, `platform: t
tables:
  - name: unit
    primary_key: [unit_id]
    columns: [{name: unit_id, type: bigint}]
  - name: patient
    primary_key: [patient_id]
    columns: [{name: patient_id, type: bigint}, {name: unit_id, type: bigint}, {name: pseudonym, type: text}]
  - name: visit
    primary_key: [visit_id]
    columns: [{name: visit_id, type: bigint}]
`, `tables:
  - target: unit
    source: vardenhet
    no_person: care units, no patient data
    columns: {unit_id: id}
  - target: visit
    source: besok
    person: personnr
    columns: {visit_id: id}
  - target: patient
    source: patient
`+c.mapping, "19121212-1212\n")
			t.Setenv("REGFLYTT_TEST_OPTOUT_KEY", optoutKey)
			rep, err := optoutRunner(t, dir, srcURL, "run: {reference_date: 2026-01-01}\npseudonymisation: {key_env: REGFLYTT_TEST_OPTOUT_KEY}\noptout: {file: optout.txt}\n")("")
			if !c.refused {
				if err != nil || !rep.Pass {
					t.Fatalf("declared: got %v, want a run", err)
				}
				return
			}
			if err == nil {
				t.Fatalf("ran (pass %v, ledger %v): want refused, P011", rep.Pass, ledgerOf(rep, true))
			}
			if !strings.Contains(err.Error(), "P011") || !strings.Contains(err.Error(), "patient") {
				t.Fatalf("got %v, want P011 naming patient", err)
			}
		})
	}
}

// A legacy system that widened ten-digit numbers to twelve wrote
// 20121212-1212 for the 1912 patient the opt-out list names as
// 19121212-1212: two written centuries, two people to the match, and
// the record migrated under PASS while the patient's visits written in
// ten digits matched the entry. It is counted as list_century_differs
// and the run fails until the plan acknowledges that they are two
// people.
func TestRunFailsOnAListEntryACenturyApart(t *testing.T) {
	dir := t.TempDir()
	srcURL := writeOptoutRegistry(t, dir, []connectors.Table{
		{Name: "patient", PrimaryKey: []string{"id"}, Columns: []connectors.Column{intCol("id"), textCol("personnr")}},
		{Name: "besok", PrimaryKey: []string{"id"}, Columns: []connectors.Column{intCol("id"), textCol("personnr")}},
	}, map[string][][]connectors.Value{
		"patient": {{int64(1), "201212121212"}, {int64(2), "19460101-0301"}},
		"besok":   {{int64(10), "121212+1212"}},
	}, `platform: t
tables:
  - name: patient
    primary_key: [patient_id]
    columns: [{name: patient_id, type: bigint}]
  - name: visit
    primary_key: [visit_id]
    columns: [{name: visit_id, type: bigint}]
`, `tables:
  - target: patient
    source: patient
    person: personnr
    columns: {patient_id: id}
  - target: visit
    source: besok
    person: personnr
    columns: {visit_id: id}
`, "191212121212\n")
	run := optoutRunner(t, dir, srcURL, "run: {reference_date: 2026-01-01}\noptout: {file: optout.txt}\n")
	rep, err := reportedRun(t, run)
	if got := ledgerOf(rep, true)["patient"]; got != summary(2, 0, 0, map[string]int64{}) {
		t.Fatalf("patients: %s, want both migrated (two written centuries)", got)
	}
	wantListCenturyDiffers(t, rep, err)
	if strings.Contains(strings.Join(rep.Problems, "\n"), "1212") {
		t.Fatalf("problems name the number: %v", rep.Problems)
	}
	// map dry-run shows the same problem.
	dry, err := plans.DryRun(context.Background(), loadPlan(t, filepath.Join(dir, "plan.yaml")), plans.Options{SourceURL: srcURL})
	if err != nil || !strings.Contains(strings.Join(dry.Problems, "\n"), mappings.WarnListCenturyDiffers+".patient") {
		t.Fatalf("dry run: %v, problems %v; want %s.patient", err, dry.Problems, mappings.WarnListCenturyDiffers)
	}
	wantCenturyApartAcknowledged(t, run)
}

// The same for a form store whose person is a form variable: the form
// of an opted-out patient whose patient record has no number is
// excluded, and the patient record kept is flagged on the form.
func TestRunFlagsTheKeptParentOfAnExcludedForm(t *testing.T) {
	dir := t.TempDir()
	srcURL := writeOptoutRegistry(t, dir, []connectors.Table{
		{Name: "patient", PrimaryKey: []string{"id"}, Columns: []connectors.Column{intCol("id"), textCol("personnr")}},
		{Name: "instans", PrimaryKey: []string{"id"}, Columns: []connectors.Column{intCol("id"), intCol("patient_id")}},
		{Name: "varde", PrimaryKey: []string{"varde_id"}, Columns: []connectors.Column{intCol("varde_id"), intCol("instans_id"), textCol("variabel"), textCol("varde")}},
	}, map[string][][]connectors.Value{
		"patient": {{int64(1), nil}, {int64(2), "19460101-0301"}},
		"instans": {{int64(1), int64(1)}, {int64(2), int64(2)}},
		"varde": {
			{int64(1), int64(1), "personnr", "19121212-1212"},
			{int64(2), int64(1), "vikt", "70"},
			{int64(3), int64(2), "personnr", "19460101-0301"},
			{int64(4), int64(2), "vikt", "71"},
		},
	}, `platform: t
tables:
  - name: patient
    columns: [{name: patient_id, type: bigint}]
  - name: registration
    columns: [{name: registration_id, type: bigint}, {name: weight, type: integer}]
`, `tables:
  - target: registration
    source:
      eav: {entities: instans, values: varde, entity: instans_id, attribute: variabel, value: varde}
    parent: {table: patient, key: [patient_id]}
    person: personnr
    columns: {registration_id: id, weight: {expr: integer(vikt)}}
    drop: {patient_id: the patient is the parent, varde_id: the value row's own number}
  - target: patient
    source: patient
    person: personnr
    columns: {patient_id: id}
`, "19121212-1212\n")
	rep, err := optoutRunner(t, dir, srcURL, "run: {reference_date: 2026-01-01}\noptout: {file: optout.txt}\n")("")
	if rep == nil {
		t.Fatalf("no report: %v", err)
	}
	flagged := int64(0)
	for _, tc := range rep.Tables {
		flagged += tc.Warnings[plans.WarnExclusionParentKept]
	}
	if flagged != 1 || !errors.Is(err, plans.ErrNotAccounted) || rep.Pass {
		t.Fatalf("flagged %d, err %v, pass %v (ledger %v); want the one form flagged and the run failed", flagged, err, rep.Pass, ledgerOf(rep, true))
	}
}

// The same for a record a column's failure archives: the archive package
// holds its number, and the listed patient's record, as much as a target
// would.
func TestRunFailsOnAListEntryACenturyApartArchived(t *testing.T) {
	dir := t.TempDir()
	patients := [][]connectors.Value{{int64(1), "201212121212", "Karl-Johan"}}
	for i := int64(2); i <= 20; i++ {
		patients = append(patients, []connectors.Value{i, "19460101-0301", "Eva"})
	}
	srcURL := writeOptoutRegistry(t, dir, []connectors.Table{
		{Name: "patient", PrimaryKey: []string{"id"}, Columns: []connectors.Column{intCol("id"), textCol("personnr"), textCol("namn")}},
	}, map[string][][]connectors.Value{"patient": patients}, `platform: t
tables:
  - name: patient
    primary_key: [patient_id]
    columns: [{name: patient_id, type: bigint}, {name: namn, type: varchar(4)}]
`, `tables:
  - target: patient
    source: patient
    person: personnr
    columns: {patient_id: id, namn: namn}
`, "191212121212\n")
	// The entry matches no record: acknowledged, so that the century
	// apart alone decides.
	run := optoutRunner(t, dir, srcURL, "run: {reference_date: 2026-01-01}\noptout: {file: optout.txt, unmatched: {acknowledged: 1, reason: \"not in this registry\"}}\n")
	rep, err := reportedRun(t, run)
	if got := ledgerOf(rep, true)["patient"]; got != summary(19, 1, 0, map[string]int64{}) {
		t.Fatalf("patients: %s, want 19 migrated and the one a century apart archived (premise)", got)
	}
	wantListCenturyDiffers(t, rep, err)
	wantCenturyApartAcknowledged(t, run)
}
