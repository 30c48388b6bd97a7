package archive_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/regflytt/regflytt/archive"
	"github.com/regflytt/regflytt/connectors"
	"github.com/regflytt/regflytt/mappings"
	"github.com/regflytt/regflytt/mappings/pnr"
)

// BenchmarkEraseFormSearch erases from a form store's package of 2000
// forms of 20 value rows each (a birth date and a last four among them,
// the rest dates and small numbers): "recorded", whose package records
// the person's variables, joins each form's rows; "unknown", written as
// before packages did, looks for two rows of one group that join into a
// listed number (and finds none) and refuses the erasure, as its rows
// sharing a version make a group too big to ask joined (the cost
// measured is the search's); "off" asks no joined number at all;
// "joined" is "recorded" with the copies joined as the CLI joins them
// (one copy of each variable a way, mappings.JoinPersonCopies).
func BenchmarkEraseFormSearch(b *testing.B) {
	ref := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	ents := &connectors.Table{Name: "instans", PrimaryKey: []string{"id"}, Columns: []connectors.Column{{Name: "id", Type: connectors.Type{Kind: connectors.KindInt, Bits: 64}}}}
	vals := &connectors.Table{Name: "varde", PrimaryKey: []string{"varde_id"}, Columns: []connectors.Column{
		{Name: "varde_id", Type: connectors.Type{Kind: connectors.KindInt, Bits: 64}},
		{Name: "instans_id", Type: connectors.Type{Kind: connectors.KindInt, Bits: 64}},
		{Name: "variabel", Type: connectors.Type{Kind: connectors.KindText}},
		{Name: "version", Type: connectors.Type{Kind: connectors.KindInt, Bits: 16}, Nullable: true},
		{Name: "varde", Type: connectors.Type{Kind: connectors.KindText}, Nullable: true},
	}}
	build := func(recorded bool) string {
		dir := filepath.Join(b.TempDir(), "pkg")
		w, err := archive.Create(dir, archive.Meta{Register: "t", Owner: "B", ReferenceDate: "2026-01-01"})
		if err != nil {
			b.Fatal(err)
		}
		if recorded {
			w.SetPersonColumns(map[string][]string{"instans": {}, "varde": {}})
			w.SetPersonForms([]archive.PersonForm{{Entities: "instans", EntityKey: "id", Values: "varde", Entity: "instans_id", Attribute: "variabel", Value: "varde", Variables: []string{"fodd", "sista4"}}})
		}
		n := int64(0)
		for f := int64(1); f <= 2000; f++ {
			if err := w.Add(ents, archive.Record{Reason: "invalid_date", Values: []connectors.Value{f}}); err != nil {
				b.Fatal(err)
			}
			rows := [][2]string{
				{"fodd", fmt.Sprintf("19%02d%02d%02d", 30+f%70, 1+f%12, 1+f%28)},
				{"sista4", fmt.Sprintf("%04d", (f*37)%10000)},
			}
			for v := int64(0); v < 18; v++ {
				val := fmt.Sprint((f + v) % 300)
				if v%3 == 0 {
					val = fmt.Sprintf("20%02d-%02d-%02d", v, 1+f%12, 1+f%28)
				}
				rows = append(rows, [2]string{fmt.Sprint("v", v), val})
			}
			for _, r := range rows {
				n++
				if err := w.Add(vals, archive.Record{Reason: "invalid_date", Values: []connectors.Value{n, f, r[0], int64(1), r[1]}}); err != nil {
					b.Fatal(err)
				}
			}
		}
		if _, err := w.Close(ref); err != nil {
			b.Fatal(err)
		}
		return dir
	}
	listed := mappings.NewPersonList(mappings.ReasonErasure, "bench")
	if err := listed.Add("19121212-1212", ref, "line 1"); err != nil {
		b.Fatal(err)
	}
	anyListed := func(ns []pnr.Number) bool {
		for _, n := range ns {
			if m, _ := listed.Match(n, false); m {
				return true
			}
		}
		return false
	}
	recorded, unknown := build(true), build(false)
	for _, c := range []struct {
		name string
		src  string
		on   bool
		join bool
	}{{"off", unknown, false, false}, {"recorded", recorded, true, false}, {"joined", recorded, true, true}, {"unknown", unknown, true, false}} {
		b.Run(c.name, func(b *testing.B) {
			for b.Loop() {
				b.StopTimer()
				dir := filepath.Join(b.TempDir(), "pkg")
				if err := exec.Command("cp", "-r", c.src, dir).Run(); err != nil {
					b.Fatal(err)
				}
				req := archive.EraseRequest{Reference: "bench", At: ref, Identifies: func(connectors.Value) bool { return false }}
				if c.on {
					req.IdentifiesSplit = func(a, v connectors.Value) bool { return anyListed(mappings.ListedNumbersSplit(a, v, ref)) }
					req.IdentifiesJoined = func(parts []connectors.Value) bool { return anyListed(mappings.ListedNumbersJoined(parts, ref)) }
					req.SplitPart = mappings.SplitPartOf
				}
				if c.join {
					req.JoinCopies = func(slots [][]connectors.Value, fn func([]connectors.Value) bool) (bool, bool) {
						return mappings.JoinPersonCopies(slots, 1<<12, false, fn)
					}
				}
				b.StartTimer()
				_, err := archive.Erase(context.Background(), dir, req)
				var unsearched *archive.SplitNumberError
				if c.name == "unknown" && errors.As(err, &unsearched) && len(unsearched.Tables) == 1 && len(unsearched.Tables[0].Unsearched) == 1 {
					err = nil
				}
				if err != nil {
					b.Fatal(err)
				}
				b.StopTimer()
				os.RemoveAll(dir)
				b.StartTimer()
			}
		})
	}
}
