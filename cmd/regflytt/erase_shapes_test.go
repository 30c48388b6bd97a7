package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/regflytt/regflytt/archive"
	"github.com/regflytt/regflytt/connectors"
)

// A run archives a record whose identity number has a bad shape
// (person_digits, person_length): exactly the records an archive holds
// in odd shapes. Erasure matched only well-shaped text and integers, so
// it left "19121212 1212", an en-dashed number, a NUMERIC(12,0) column's
// decimal and an integer that lost its leading zero in the package and
// reported success. Each is erased now; another person's number in a bad
// shape stays.
func TestArchiveEraseBadShapesAndNumericColumns(t *testing.T) {
	ref := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	tbl := &connectors.Table{Name: "patient", PrimaryKey: []string{"id"}, Columns: []connectors.Column{
		{Name: "id", Type: connectors.Type{Kind: connectors.KindInt, Bits: 32}},
		{Name: "ident", Type: connectors.Type{Kind: connectors.KindText}, Nullable: true},
		{Name: "ident_num", Type: connectors.Type{Kind: connectors.KindDecimal, Precision: 12}, Nullable: true},
	}}
	pkg := filepath.Join(t.TempDir(), "pkg")
	w, err := archive.Create(pkg, archive.Meta{Register: "t", Owner: "B", ReferenceDate: "2026-01-01"})
	if err != nil {
		t.Fatal(err)
	}
	for i, v := range [][2]connectors.Value{
		{"19121212 1212", nil},
		{"121212–1212", nil},
		{nil, connectors.Decimal("191212121212")},
		{"512121211", nil}, // 051212-1211 from an integer column
		{"19460101 0301", nil},
	} {
		if err := w.Add(tbl, archive.Record{Reason: "person_digits", Values: []connectors.Value{int64(i + 1), v[0], v[1]}}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := w.Close(ref); err != nil {
		t.Fatal(err)
	}
	list := filepath.Join(t.TempDir(), "list.txt")
	os.WriteFile(list, []byte("19121212-1212\n20051212-1211\n"), 0o600)
	if code, out, errs := cli(t, "archive", "erase", pkg, "--person-list", list, "--reference", "Dnr 4"); code != exitOK {
		t.Fatalf("erase: exit %d\n%s\n%s", code, out, errs)
	}
	p, err := archive.Open(pkg)
	if err != nil {
		t.Fatal(err)
	}
	recs, _ := p.Records("patient")
	defer recs.Close()
	var left []string
	for recs.Next() {
		left = append(left, fmt.Sprint(recs.Record().Values[0]))
	}
	if strings.Join(left, " ") != "5" {
		t.Fatalf("records left: %v, want only 5 (another person)", left)
	}
}
