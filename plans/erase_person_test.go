package plans_test

import (
	"context"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/regflytt/regflytt/archive"
	"github.com/regflytt/regflytt/connectors"
	"github.com/regflytt/regflytt/mappings"
	"github.com/regflytt/regflytt/mappings/pnr"
	"github.com/regflytt/regflytt/plans"
)

// A run's package records the columns each mapping's person: read: a
// number split over two columns (the birth date, the last four) is no
// value of its own, and archive erase, which pairs no columns the
// package does not name, refused the erasure or (before it refused) left
// the record. Erasing the patient of a visit archived for its date now
// removes that visit and keeps another patient's, with no plan given.
func TestRunRecordsPersonColumnsForErasure(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	src := "sqlite://" + filepath.Join(dir, "legacy.db")
	writeTables(t, src, []connectors.Table{{Name: "besok", PrimaryKey: []string{"id"}, Columns: []connectors.Column{intCol("id"), textCol("fodd"), textCol("sista4"), textCol("datum")}}},
		map[string][][]connectors.Value{"besok": {
			{int64(1), "19121212", "1212", "2024-13-45"}, // archived: invalid date; erased later
			{int64(2), "19460101", "0301", "2020-02-30"}, // archived, kept
			{int64(3), "19121212", "1212", "2020-02-03"},
		}})
	write(t, filepath.Join(dir, "schema.yaml"), "platform: t\ntables:\n  - name: visit\n    primary_key: [id]\n    columns:\n      - {name: id, type: bigint}\n      - {name: visit_date, type: date}\n")
	write(t, filepath.Join(dir, "m.yaml"), "tables:\n  - target: visit\n    source: besok\n    person: {expr: 'fodd + \"-\" + sista4'}\n    columns:\n      id: id\n      visit_date: {expr: date(datum)}\n")
	p := loadPlan(t, writePlan(t, dir, "run: {reference_date: 2026-01-01}\noptout: {none: no one opted out}\nverification: {archived_share_max: 0.9}\n"))
	if _, err := plans.Run(ctx, p, plans.Options{SourceURL: src, TargetURL: "sqlite://" + filepath.Join(dir, "t.db"), WorkDir: dir}); err != nil {
		t.Fatal(err)
	}
	arc := filepath.Join(dir, "archive")
	pkg, err := archive.Open(arc)
	if err != nil {
		t.Fatal(err)
	}
	tables := pkg.Tables()
	if len(tables) != 1 || tables[0].Person == nil || !slices.Equal(tables[0].Person.Columns, []string{"fodd", "sista4"}) {
		t.Fatalf("the package does not record the person: columns: %+v", tables)
	}

	ref := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	listed := mappings.NewPersonList(mappings.ReasonErasure, "test")
	if err := listed.Add("19121212-1212", ref, "line 1"); err != nil {
		t.Fatal(err)
	}
	anyListed := func(ns []pnr.Number) bool {
		for _, n := range ns {
			if m, _ := listed.Match(n, false); m {
				return true
			}
		}
		return false
	}
	res, err := archive.Erase(context.Background(), arc, archive.EraseRequest{Reference: "Dnr 12", Who: "test", At: time.Now(), Tool: "regflytt test",
		Identifies:      func(v connectors.Value) bool { return false },
		IdentifiesSplit: func(a, b connectors.Value) bool { return anyListed(mappings.ListedNumbersSplit(a, b, ref)) },
		SplitPart:       mappings.SplitPartOf})
	if err != nil {
		t.Fatal(err)
	}
	if res.Records["besok"] != 1 {
		t.Errorf("records erased %v, want the listed patient's visit", res.Records)
	}
	pkg, err = archive.Open(arc)
	if err != nil {
		t.Fatal(err)
	}
	if tables := pkg.Tables(); len(tables) != 1 || tables[0].Records != 1 || tables[0].Person == nil {
		t.Fatalf("after the erasure: %+v, want one visit left and the person: columns still recorded", tables)
	}
}
