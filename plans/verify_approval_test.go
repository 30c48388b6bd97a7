package plans_test

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/regflytt/regflytt/connectors"
	"github.com/regflytt/regflytt/plans"
)

// A plan edited after its registry holder approved it (a code list's
// code mapped elsewhere) runs and verifies as any other: the approval is
// stale, but nothing the run or verify printed said so, and both passed
// with exit 0 on a version nobody approved. The verification's notes now
// name it; an approval of the version verified gives no such note.
func TestVerifyNotesAPlanNotApprovedInThisVersion(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	srcURL := "sqlite://" + filepath.Join(dir, "legacy.db")
	writeTables(t, srcURL, []connectors.Table{{Name: "besok", PrimaryKey: []string{"id"}, Columns: []connectors.Column{intCol("id"), textCol("kon")}}},
		map[string][][]connectors.Value{"besok": {{int64(1), "M"}, {int64(2), "K"}}})
	write(t, filepath.Join(dir, "schema.yaml"), "platform: t\ntables:\n  - name: visit\n    primary_key: [id]\n    columns:\n      - {name: id, type: bigint}\n      - {name: sex, type: varchar(1)}\n")
	write(t, filepath.Join(dir, "codes.yaml"), "codelists:\n  - name: sex\n    codes: {M: M, K: F}\n")
	write(t, filepath.Join(dir, "m.yaml"), "codelists: [codes.yaml]\ntables:\n  - target: visit\n    source: besok\n    columns:\n      id: id\n      sex: {from: kon, codelist: sex}\n")
	path := writePlan(t, dir, "optout: {none: synthetic test data}\nstep: B\n")
	p := loadPlan(t, path)
	in, ds := p.LoadInputs()
	if ds.Err() != nil {
		t.Fatal(ds)
	}
	if _, err := p.Approve(in, "Anna Andersson", "registerhållare", plans.Today()); err != nil {
		t.Fatal(err)
	}
	opts := plans.Options{SourceURL: srcURL, TargetURL: "sqlite://" + filepath.Join(dir, "t.db"), WorkDir: dir}
	if _, err := plans.Run(ctx, loadPlan(t, path), opts); err != nil {
		t.Fatal(err)
	}
	const note = "is not the version its registry holder approved"
	verifyNotes := func() string {
		t.Helper()
		sum, err := plans.Verify(ctx, loadPlan(t, path), opts)
		if err != nil || sum == nil || !sum.Pass {
			t.Fatalf("verify: %v", err)
		}
		return strings.Join(sum.Notes, "\n")
	}
	if n := verifyNotes(); strings.Contains(n, note) {
		t.Errorf("the approved version is noted as not approved:\n%s", n)
	}
	// The code list changes after the approval; the run's target is
	// emptied and written again from the edited version.
	write(t, filepath.Join(dir, "codes.yaml"), "codelists:\n  - name: sex\n    codes: {M: M, K: M}\n")
	opts.Restart = true
	if _, err := plans.Run(ctx, loadPlan(t, path), opts); err != nil {
		t.Fatal(err)
	}
	opts.Restart = false
	if n := verifyNotes(); !strings.Contains(n, note) || !strings.Contains(n, "Anna Andersson") {
		t.Errorf("verify of a version nobody approved does not say so:\n%s", n)
	}
}
