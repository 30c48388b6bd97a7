package plans_test

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/regflytt/regflytt/archive"
	"github.com/regflytt/regflytt/plans"
	"github.com/regflytt/regflytt/plans/plantest"
)

// Without run.reference_date the day grants are judged on is the run's
// start as its checkpoint in the target and its archive package record
// it. Whoever writes both (an operator who carries expired appointments
// into the target can write its checkpoint too) moved the day back to
// before the appointments ended, and verify PASSed with them carried.
// The two witnesses agreeing proves nothing against that operator; what
// does show is a carried appointment that was valid on the day judged
// and has ended since, before verify ran: that is a finding a person
// must look at (was the run really on that day?), not a PASS.
func TestVerifyReferenceDayMovedInThePackageAndTheCheckpoint(t *testing.T) {
	dir := t.TempDir()
	srcURL, _ := makeDemoSQLite(t, dir, 300)
	p := loadPlan(t, demoPlan)
	tgtPath := filepath.Join(dir, "receiving.db")
	opts := plans.Options{SourceURL: srcURL, TargetURL: "sqlite://" + tgtPath, WorkDir: dir,
		Now: func() time.Time { return time.Date(2026, 3, 4, 5, 6, 7, 0, time.UTC) }}
	if rep, err := plans.Run(context.Background(), p, opts); err != nil || !rep.Pass {
		t.Fatalf("run: %v", err)
	}
	var carried []string
	rewritePackage(t, filepath.Join(dir, "archive"), packageEdit{
		meta: func(m *archive.Meta) { m.Run = "20240301T050607Z" },
		drop: func(table string, o *archive.Record) bool {
			if table != "forordnande" || o.Reason != "appointment_expired" {
				return false
			}
			var vals []string
			for _, v := range o.Values {
				vals = append(vals, sqlLiteral(v))
			}
			carried = append(carried, "INSERT INTO app_appointment (appointment_id, user_id, care_unit_id, region, valid_from, valid_to, issued_by) VALUES ("+strings.Join(vals, ", ")+")")
			return true
		},
	})
	if len(carried) == 0 {
		t.Fatal("the run archived no expired appointment: this test needs some")
	}
	execSQLite(t, tgtPath, carried...)
	execSQLite(t, tgtPath, `UPDATE regflytt_checkpoint SET state = replace(state, '"started":"2026-03-04T', '"started":"2024-03-01T')`)

	opts.Now = func() time.Time { return time.Date(2026, 3, 5, 0, 0, 0, 0, time.UTC) }
	sum, err := plans.Verify(context.Background(), p, opts)
	if sum == nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(sum.ReferenceDay, "2024-03-01") {
		t.Fatalf("the tamper did not move the day (judged on %q): the test no longer tests what it says", sum.ReferenceDay)
	}
	if sum.Pass || err == nil {
		t.Fatalf("verify PASSed with %d expired appointments carried and the day moved in both the package and the target's checkpoint", len(carried))
	}
	var ids []string
	for _, f := range sum.Alarms() {
		ids = append(ids, f.ID)
	}
	if !strings.Contains(strings.Join(ids, " "), plans.FindingAppointmentEndedSince+".grants") {
		t.Errorf("no alarm names the appointments that ended since the day judged: %v (problems %v)", ids, sum.Problems)
	}
}

// acknowledgeEndedSince acknowledges FindingAppointmentEndedSince in p, as
// a person who checked the run's day does (plantest.AcknowledgeEndedSince).
func acknowledgeEndedSince(p *plans.Plan) {
	plantest.AcknowledgeEndedSince(p)
}
