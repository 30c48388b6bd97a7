package verify_test

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/regflytt/regflytt/archive"
	"github.com/regflytt/regflytt/connectors"
	"github.com/regflytt/regflytt/verify"
)

// A value archived alone is named in the package by its record's key
// alone (the values table holds no record). A text key that is not UTF-8
// (a legacy code in Latin-1: 'Ö1' is D6 31, 'Ä1' C4 31) was written with
// each bad byte replaced by U+FFFD, so two records' keys read the same:
// their values archived alone could be swapped in the package, or each
// given to the other record by an honest writer, and verification (which
// renders the expected side's keys the same way) passed; the package no
// longer said whose value each was.
func TestValuesAloneOfKeysThatAreNotUTF8StayApart(t *testing.T) {
	tbl := &connectors.Table{Name: "besok", PrimaryKey: []string{"kod"}, Columns: []connectors.Column{
		{Name: "kod", Type: connectors.Type{Kind: connectors.KindText}},
		{Name: "vikt", Type: connectors.Type{Kind: connectors.KindText}, Nullable: true},
	}}
	val := func(key, v string) archive.Value {
		return archive.Value{Key: []connectors.Value{key}, Column: "weight", SourceColumn: "vikt", Reason: "invalid_number", Value: v}
	}
	if a, b := verify.KeyText([]connectors.Value{"\xd61"}), verify.KeyText([]connectors.Value{"\xc41"}); a == b {
		t.Errorf("keys D6 31 and C4 31 both render as %s", a)
	}
	if got := verify.KeyText([]connectors.Value{"\xd61"}); got != `["\\xd631"]` {
		t.Errorf("key D6 31 renders as %s, want its bytes", got)
	}
	dir := filepath.Join(t.TempDir(), "pkg")
	w, err := archive.Create(dir, archive.Meta{Register: "t", Owner: "B", ToolVersion: "test"})
	if err != nil {
		t.Fatal(err)
	}
	// The package gives each record the other's value.
	for _, v := range []archive.Value{val("\xd61", "82 kg"), val("\xc41", "61 kg")} {
		if err := w.AddValue(tbl, v); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := w.Close(time.Now()); err != nil {
		t.Fatal(err)
	}
	want := verify.NewArchiveContent()
	for _, v := range []archive.Value{val("\xd61", "61 kg"), val("\xc41", "82 kg")} {
		if err := want.AddValue(tbl.Name, v); err != nil {
			t.Fatal(err)
		}
	}
	res := verify.CompareArchive(dir, want)
	if !res.Differs {
		t.Fatalf("two records' values archived alone swapped: the package passes (problems %v)", res.Problems)
	}
}
