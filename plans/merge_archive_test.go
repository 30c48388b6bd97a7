package plans_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/regflytt/regflytt/archive"
	"github.com/regflytt/regflytt/plans"
	"github.com/regflytt/regflytt/plans/synth"
)

// A merge member's record archived for a conflict names the source column
// that gave the value, as any record archived for a column does: the
// archive's outcome row is how a person finds what was not carried over.
// The merge's records were archived without it.
func TestMergeConflictArchiveNamesTheSourceColumn(t *testing.T) {
	dir := t.TempDir()
	src := makeSynthSQLite(t, dir, synth.MainSub, 200)
	t.Setenv("REGFLYTT_PSEUDONYM_KEY", "merge archive test: not a real key")
	p := loadPlan(t, "../testdata/plans/mainsub.yaml")
	work := filepath.Join(dir, "w")
	if _, err := plans.Run(context.Background(), p, plans.Options{SourceURL: src, TargetURL: "sqlite://" + filepath.Join(dir, "t.db"), WorkDir: work}); err != nil {
		t.Fatal(err)
	}
	pkg, err := archive.OpenVerified(filepath.Join(work, "archive"))
	if err != nil {
		t.Fatal(err)
	}
	recs, err := pkg.Records("delreg_rehab")
	if err != nil {
		t.Fatal(err)
	}
	defer recs.Close()
	conflicts := 0
	for recs.Next() {
		o := recs.Record().Outcome
		if o.Reason != "weight_disagrees" {
			continue
		}
		conflicts++
		if o.Column != "weight_kg" || o.SourceColumn != "vikt" {
			t.Errorf("a weight conflict is archived naming column %q from source column %q, want weight_kg from vikt", o.Column, o.SourceColumn)
		}
	}
	if err := recs.Err(); err != nil {
		t.Fatal(err)
	}
	if conflicts == 0 {
		t.Fatal("no rehabilitation record was archived for a weight conflict: the test proves nothing")
	}
}
