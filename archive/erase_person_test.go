package archive

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/regflytt/regflytt/connectors"
)

// A package that does not say which column is a table's person (written
// before packages recorded person:, no plan given) holding a listed
// number beside another person's in one record (a child's record naming
// its mother) refuses the erasure, nothing changed: erasing on any
// column removed the child's record with the mother's number.
func TestEraseRefusesARecordOfUnknownPersonNamingAnother(t *testing.T) {
	barn := &connectors.Table{Name: "barn", PrimaryKey: []string{"id"}, Columns: []connectors.Column{
		{Name: "id", Type: connectors.Type{Kind: connectors.KindInt, Bits: 32}},
		{Name: "personnr", Type: connectors.Type{Kind: connectors.KindText, Length: 13}, Nullable: true},
		{Name: "mor_pnr", Type: connectors.Type{Kind: connectors.KindText, Length: 13}, Nullable: true},
	}}
	dir := filepath.Join(t.TempDir(), "pkg")
	w, err := Create(dir, testMeta())
	if err != nil {
		t.Fatal(err)
	}
	for i, v := range [][2]string{{"child", "mother"}, {"mother", ""}} {
		vals := []connectors.Value{int64(i + 1), v[0], nil}
		if v[1] != "" {
			vals[2] = v[1]
		}
		if err := w.Add(barn, Record{Key: []connectors.Value{int64(i + 1)}, Reason: "not_null", Values: vals}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := w.Close(created); err != nil {
		t.Fatal(err)
	}
	req := EraseRequest{Identifies: func(v connectors.Value) bool { return v == "mother" }, NamesPerson: func(v connectors.Value) bool { return v == "mother" || v == "child" },
		Reference: "Dnr 41", Who: "test", At: created.Add(time.Hour)}
	_, err = Erase(context.Background(), dir, req)
	var unknown *UnknownPersonError
	if !errors.As(err, &unknown) || !strings.Contains(err.Error(), "barn.mor_pnr (1 records)") || !strings.Contains(err.Error(), "--plan") {
		t.Fatalf("got %v, want a refusal naming barn.mor_pnr and asking for --plan", err)
	}
	// Told the person column, the child's record is kept, her number
	// erased from it, and her own removed.
	req.PersonColumns = map[string][]string{"barn": {"personnr"}}
	res, err := Erase(context.Background(), dir, req)
	if err != nil {
		t.Fatal(err)
	}
	if res.Records["barn"] != 1 || res.Blanked["barn"] != 1 {
		t.Errorf("removed %v, blanked %v; want her record removed and her number in her child's blanked", res.Records, res.Blanked)
	}
	pkg, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	recs, err := pkg.Records("barn")
	if err != nil {
		t.Fatal(err)
	}
	defer recs.Close()
	var left [][]connectors.Value
	for recs.Next() {
		left = append(left, recs.Record().Values)
	}
	if len(left) != 1 || left[0][1] != "child" || left[0][2] != nil {
		t.Errorf("records left %v, want the child's, its mother's number NULL", left)
	}
	events, err := pkg.Events()
	if err != nil {
		t.Fatal(err)
	}
	if last := events[len(events)-1]; last.Event != "erased" || last.Count["values_blanked.barn"] != 1 || last.Count["records_removed.barn"] != 1 {
		t.Errorf("last event %+v, want the erasure logging the value blanked in barn and the record removed from it", last)
	}
}
