package archive_test

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/regflytt/regflytt/archive"
	"github.com/regflytt/regflytt/connectors"
)

// A package written before runs linked a form's value rows to it holds
// value rows archived because their form was (parent_archived, the
// form's patient archived): erase refused it, even when given the form
// store (the plan's), as it could follow no link to them. Told the form
// store, erase links them to their form as a run now does, and erasing
// the patient takes the form and its value rows; the other patient's
// stay.
func TestEraseLinksAnOldFormsValueRows(t *testing.T) {
	ref := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	i64 := connectors.Type{Kind: connectors.KindInt, Bits: 64}
	patient := &connectors.Table{Name: "patient", PrimaryKey: []string{"id"}, Columns: []connectors.Column{{Name: "id", Type: i64}, {Name: "personnr", Type: connectors.Type{Kind: connectors.KindText}, Nullable: true}}}
	ents := &connectors.Table{Name: "instans", PrimaryKey: []string{"id"}, Columns: []connectors.Column{{Name: "id", Type: i64}, {Name: "patient_id", Type: i64}},
		ForeignKeys: []connectors.ForeignKey{{Name: archive.ParentKey, Columns: []string{"patient_id"}, RefTable: "patient", RefColumns: []string{"id"}}}}
	vals := &connectors.Table{Name: "varde", PrimaryKey: []string{"instans_id", "variabel"}, Columns: []connectors.Column{
		{Name: "instans_id", Type: i64}, {Name: "variabel", Type: connectors.Type{Kind: connectors.KindText}}, {Name: "varde", Type: connectors.Type{Kind: connectors.KindText}, Nullable: true}}}
	build := func() string {
		dir := filepath.Join(t.TempDir(), "pkg")
		w, err := archive.Create(dir, archive.Meta{Register: "t", Owner: "B", ReferenceDate: "2026-01-01"})
		if err != nil {
			t.Fatal(err)
		}
		add := func(tbl *connectors.Table, reason string, v ...connectors.Value) {
			if err := w.Add(tbl, archive.Record{Reason: reason, Values: v}); err != nil {
				t.Fatal(err)
			}
		}
		add(patient, "no_care_unit", int64(1), "listed")
		add(patient, "no_care_unit", int64(2), "other")
		add(ents, "parent_archived", int64(10), int64(1))
		add(ents, "parent_archived", int64(20), int64(2))
		add(vals, "parent_archived", int64(10), "vikt", "70")
		add(vals, "parent_archived", int64(20), "vikt", "80")
		if _, err := w.Close(ref); err != nil {
			t.Fatal(err)
		}
		return dir
	}
	req := archive.EraseRequest{Reference: "Dnr 30", Who: "test", At: ref, Tool: "regflytt test",
		Identifies: func(v connectors.Value) bool { return v == "listed" }}
	if _, err := archive.Erase(context.Background(), build(), req); err == nil || !strings.Contains(err.Error(), "varde") {
		t.Fatalf("erase of an old form store not told of it: %v, want the refusal naming varde", err)
	}
	req.PersonForms = []archive.PersonForm{{Entities: "instans", Values: "varde", Entity: "instans_id", Attribute: "variabel", Value: "varde", Variables: []string{}}}
	dir := build()
	res, err := archive.Erase(context.Background(), dir, req)
	if err != nil {
		t.Fatal(err)
	}
	if res.Records["patient"] != 1 || res.Linked["instans"] != 1 || res.Linked["varde"] != 1 {
		t.Errorf("erased %v, linked %v: want the patient, its form and the form's value row", res.Records, res.Linked)
	}
	p, err := archive.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	recs, err := p.Records("varde")
	if err != nil {
		t.Fatal(err)
	}
	var left []any
	for recs.Next() {
		left = append(left, recs.Record().Values[0])
	}
	if err := errors.Join(recs.Err(), recs.Close()); err != nil {
		t.Fatal(err)
	}
	if len(left) != 1 || left[0] != int64(20) {
		t.Errorf("value rows left of forms %v, want only 20's", left)
	}
}
