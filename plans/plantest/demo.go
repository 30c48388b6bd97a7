package plantest

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/regflytt/regflytt/connectors/all"
	"github.com/regflytt/regflytt/mappings"
	"github.com/regflytt/regflytt/plans"
	"github.com/regflytt/regflytt/plans/synth"
	"github.com/regflytt/regflytt/verify"
)

// The demo registry's source and plan, and what a run of it must report:
// shared by the tests of plans and of plans/resiliencetest.

// LoadPlan loads the plan file at path and fails t on any diagnostic.
func LoadPlan(t testing.TB, path string) *plans.Plan {
	t.Helper()
	// Check, not only Load: every plan a test runs must also pass plan
	// check, which compiles without a database (no false errors there).
	p, ds := plans.Check(path)
	if err := ds.Err(); err != nil {
		t.Fatal(err)
	}
	return p
}

// WriteDemo writes the demo registry's synthetic patients (with seed)
// into the database at dbURL through its connector, as `regflytt synth`
// would, and gives what it wrote.
func WriteDemo(t testing.TB, dbURL string, patients int, seed uint64) *synth.DemoStats {
	t.Helper()
	ctx := context.Background()
	tgt, err := all.OpenTarget(ctx, dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer tgt.Close()
	st, err := synth.Demo(ctx, tgt, synth.DemoConfig{Patients: patients, Seed: seed})
	if err != nil {
		t.Fatal(err)
	}
	return st
}

// DemoSQLite writes the demo registry (seed 42) into a fresh SQLite file
// dir/legacy.db and gives its URL and what was written.
func DemoSQLite(t testing.TB, dir string, patients int) (string, *synth.DemoStats) {
	t.Helper()
	url := "sqlite://" + filepath.Join(dir, "legacy.db")
	return url, WriteDemo(t, url, patients, 42)
}

// CheckDemoReport asserts that a demo run accounted for every row the
// generator wrote (st), and that every deliberate defect was archived
// with its reason.
func CheckDemoReport(t testing.TB, rep *verify.Report, st *synth.DemoStats) {
	t.Helper()
	if !rep.Pass {
		t.Fatalf("report FAIL: %v", rep.Problems)
	}
	if a := rep.Access; a == nil || !a.OK || a.Grants == 0 || len(rep.Units) == 0 {
		t.Errorf("the demo's access proof or per-unit figures are missing: %+v, %d unit checks", a, len(rep.Units))
	}
	byTable := map[string]verify.TableCheck{}
	for _, tc := range rep.Tables {
		byTable[tc.Source] = tc
	}
	for table, n := range st.Rows {
		tc, ok := byTable[table]
		if !ok || tc.SourceRows != n || tc.Read != n {
			t.Errorf("table %s: report has %+v, generator wrote %d rows", table, tc, n)
		}
	}
	reasons := map[string]int64{}
	for _, tc := range rep.Tables {
		for r, n := range tc.ArchivedBy {
			reasons[r] += n
		}
	}
	want := map[string]int64{
		"zero_date":                st.Defects["zero_date"],
		"bad_decimal":              st.Defects["bad_decimal"],
		"no_care_unit":             st.Defects["missing_care_unit"],
		"implausible_height":       st.Defects["height_out_of_range"],
		plans.ReasonTableNotMapped: st.Defects["log_rows"],
		// Visits of archived patients, and the access tables' (units_test.go,
		// access_test.go of plans): the grants of a second account go
		// with it.
		"parent_archived":              st.Defects["visit_of_archived_patient"] + st.Defects["duplicate_account"],
		"duplicate_registration":       st.Defects["duplicate_account"],
		plans.ReasonUnitNotFound:       st.Defects["scope_unit_removed"],
		plans.ReasonAppointmentExpired: st.Defects["appointment_expired"],
	}
	for r, n := range want {
		if n == 0 {
			t.Errorf("generator made no %s defects: the test would prove nothing", r)
		}
		if reasons[r] != n {
			t.Errorf("archived %d records for %s, generator made %d", reasons[r], r, n)
		}
	}
	if len(reasons) != len(want) {
		t.Errorf("archive reasons %v, want exactly %v", reasons, want)
	}
}

// AcknowledgeEndedSince acknowledges FindingAppointmentEndedSince in p, as
// a person who checked the run's day does.
func AcknowledgeEndedSince(p *plans.Plan) {
	if p.Verification.Acknowledge == nil {
		p.Verification.Acknowledge = map[string]mappings.Str{}
	}
	p.Verification.Acknowledge[plans.FindingAppointmentEndedSince+".grants"] = mappings.Str{Value: "the run started on the day its checkpoint and package say"}
}
