package plans_test

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/regflytt/regflytt/archive"
	"github.com/regflytt/regflytt/connectors"
	"github.com/regflytt/regflytt/connectors/mysql/mytest"
	"github.com/regflytt/regflytt/connectors/postgres/pgtest"
	"github.com/regflytt/regflytt/plans"
)

// A plan without run.reference_date judges grants on the day its run
// started, and verify read that day from the archive package alone. Whoever
// can rewrite the package (and its checksums) moved the day back to before
// the expired appointments ended, carried them into the target and left
// them out of the package: verify judged them valid and PASSed. The day
// must also agree with what the run wrote into the target itself
// (regflytt_checkpoint), or verify fails naming the rule.
func TestVerifyReferenceDayMovedInThePackage(t *testing.T) {
	if testing.Short() {
		t.Skip("real servers")
	}
	src := mytest.NewDatabase(t)
	tgt := pgtest.NewDatabase(t)
	writeDemo(t, src, 300)
	p := loadPlan(t, demoPlan)
	if !p.ReferenceDate.IsZero() {
		t.Fatal("the demo plan names a reference date: this test needs one that does not")
	}
	dir := t.TempDir()
	opts := plans.Options{SourceURL: src, TargetURL: tgt, WorkDir: dir,
		Now: func() time.Time { return time.Date(2026, 3, 4, 5, 6, 7, 0, time.UTC) }}
	rep, err := plans.Run(context.Background(), p, opts)
	if err != nil {
		t.Fatal(err)
	}
	if !rep.Pass {
		t.Fatalf("the run FAILed: %v", rep.Problems)
	}
	arcDir := filepath.Join(dir, "archive")

	// The tamper: every appointment the run archived as expired (they
	// ended 2024-06-30) is carried into the target, left out of the
	// package, and the package's run day moved to 2024-03-01, when they
	// were still valid (and the valid ones, from 2024-01-01, already).
	var carried []string
	rewritePackage(t, arcDir, packageEdit{
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
	pgtest.Exec(t, tgt, carried...)

	sum, err := plans.Verify(context.Background(), p, plans.Options{SourceURL: src, TargetURL: tgt, WorkDir: dir,
		Now: func() time.Time { return time.Date(2026, 3, 5, 0, 0, 0, 0, time.UTC) }})
	if sum == nil {
		t.Fatal(err)
	}
	if sum.Pass || err == nil {
		t.Fatalf("verify PASSed with %d expired appointments carried and the package's day moved (reference day %s)", len(carried), sum.ReferenceDay)
	}
	found := false
	for _, pr := range sum.Problems {
		if strings.Contains(pr, "reference_day_differs") && strings.Contains(pr, "2024-03-01") && strings.Contains(pr, "2026-03-04") {
			found = true
		}
	}
	if !found {
		t.Errorf("no problem names the rule and both days: %v (err %v, failures %v, alarms %v)", sum.Problems, err, sum.Failures(), sum.Alarms())
	}
	if !strings.HasPrefix(sum.ReferenceDay, "2026-03-04") {
		t.Errorf("judged on %q, want the run's day from the target, 2026-03-04", sum.ReferenceDay)
	}
}

// sqlLiteral writes an archived source value as an SQL literal.
func sqlLiteral(v connectors.Value) string {
	switch x := v.(type) {
	case nil:
		return "NULL"
	case string:
		return "'" + strings.ReplaceAll(x, "'", "''") + "'"
	case []byte:
		return "'" + strings.ReplaceAll(string(x), "'", "''") + "'"
	case fmt.Stringer:
		return "'" + x.String() + "'"
	default:
		return fmt.Sprint(x)
	}
}

// Without run.reference_date and without the run's checkpoint in the
// target (dropped, or a target no run of this plan wrote), nothing
// confirms the package's day: a plan that judges grants fails naming the
// rule and what to add.
func TestVerifyReferenceDayUnconfirmedWithoutTheTargetsCheckpoint(t *testing.T) {
	dir := t.TempDir()
	srcURL, _ := makeDemoSQLite(t, dir, 300)
	p := loadPlan(t, demoPlan)
	tgtPath := filepath.Join(dir, "receiving.db")
	opts := plans.Options{SourceURL: srcURL, TargetURL: "sqlite://" + tgtPath, WorkDir: dir,
		Now: func() time.Time { return time.Date(2026, 3, 4, 5, 6, 7, 0, time.UTC) }}
	if _, err := plans.Run(context.Background(), p, opts); err != nil {
		t.Fatal(err)
	}
	execSQLite(t, tgtPath, "DROP TABLE regflytt_checkpoint")
	sum, err := plans.Verify(context.Background(), p, opts)
	if sum == nil {
		t.Fatal(err)
	}
	found := false
	for _, pr := range sum.Problems {
		found = found || strings.Contains(pr, "reference_day_unconfirmed") && strings.Contains(pr, "run.reference_date") && strings.Contains(pr, "2026-03-04")
	}
	if sum.Pass || err == nil || !found {
		t.Fatalf("verify without the run's checkpoint: pass %v, problems %v", sum.Pass, sum.Problems)
	}
}
