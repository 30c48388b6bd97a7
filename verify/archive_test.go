package verify_test

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/regflytt/regflytt/archive"
	"github.com/regflytt/regflytt/connectors"
	"github.com/regflytt/regflytt/verify"
)

// A record the package holds twice (a row and its outcome copied, the
// counts edited to match and the bag made again) is named as held twice,
// not as a record whose values or outcome differ.
func TestArchiveDrillDownNamesARecordHeldTwice(t *testing.T) {
	tbl := &connectors.Table{Name: "besok", PrimaryKey: []string{"id"}, Columns: []connectors.Column{
		{Name: "id", Type: connectors.Type{Kind: connectors.KindInt, Bits: 64}},
		{Name: "datum", Type: connectors.Type{Kind: connectors.KindText}, Nullable: true},
	}}
	rec := func(id int64) archive.Record {
		return archive.Record{Key: []connectors.Value{id}, Reason: "invalid_date", Column: "visit_date", SourceColumn: "datum",
			Detail: "not a calendar date", Values: []connectors.Value{id, "2020-02-30"}}
	}
	dir := filepath.Join(t.TempDir(), "pkg")
	w, err := archive.Create(dir, archive.Meta{Register: "t", Owner: "B", ToolVersion: "test"})
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range []int64{1, 1, 2} {
		if err := w.Add(tbl, rec(id)); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := w.Close(time.Now()); err != nil {
		t.Fatal(err)
	}
	want := verify.NewArchiveContent()
	var keys []verify.ArchivedKey
	for _, id := range []int64{1, 2} {
		if err := want.Add(tbl.Name, rec(id)); err != nil {
			t.Fatal(err)
		}
		k, err := verify.ArchivedKeyOf(rec(id))
		if err != nil {
			t.Fatal(err)
		}
		keys = append(keys, k)
	}
	res := verify.CompareArchive(dir, want)
	if res.Equation.OK || len(res.Differing[tbl.Name]) == 0 || res.Held[tbl.Name] != 3 {
		t.Fatalf("a record held twice: ok %v, differing %v, held %v, problems %v", res.Equation.OK, res.Differing, res.Held, res.Problems)
	}
	all := make([]int, 256)
	for i := range all {
		all[i] = i
	}
	diffs, err := verify.ArchiveDrillDown(dir, tbl.Name, all, keys)
	if err != nil {
		t.Fatal(err)
	}
	if len(diffs) != 1 || diffs[0].Kind != "archive_duplicate" || diffs[0].Key[0] != `["1"]` || diffs[0].Expected != 1 || diffs[0].Actual != 2 {
		t.Fatalf("drill-down %+v, want record [\"1\"] archive_duplicate, expected 1, held 2", diffs)
	}
	if got, want := diffs[0].String(), `archived besok record ["1"]: held 2 times in the archive package, the mappings archive it 1 times`; got != want {
		t.Errorf("described as %q, want %q", got, want)
	}
}

// A duplicate_key record's detail names the record its receiving key went
// to: the source record in a run, the receiving row written before the
// run resumed in a resumed one (plans' preloadKeys). Verification
// compares the detail up to that name, and the whole detail of any other
// reason.
func TestArchivedHashOfADuplicateKeysDetail(t *testing.T) {
	rec := func(reason, detail string) archive.Record {
		return archive.Record{Key: []connectors.Value{int64(7)}, Reason: reason, Column: "id", Detail: detail, Values: []connectors.Value{int64(7)}}
	}
	hash := func(r archive.Record) connectors.RowHash {
		h, err := verify.ArchivedHash(r)
		if err != nil {
			t.Fatal(err)
		}
		return h
	}
	const prefix = "receiving table visit already has a row with this primary key"
	run := hash(rec("duplicate_key", prefix+", from source record of besok with key (1)"))
	if resumed := hash(rec("duplicate_key", prefix+", from visit as written before the run resumed with key (1)")); resumed != run {
		t.Error("a resumed run's duplicate_key detail differs from a run's")
	}
	if edited := hash(rec("duplicate_key", "receiving table visit had this key first, from source record of besok with key (1)")); edited == run {
		t.Error("a duplicate_key detail edited before the record it names passes")
	}
	if other := hash(rec("lookup_missing", "no row in x, from y")); other == hash(rec("lookup_missing", "no row in x, from z")) {
		t.Error("another reason's detail is compared only in part")
	}
}
