package archive_test

import (
	"context"
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

// BenchmarkEraseSplitSearch erases from a package of 2000 wide records
// (5 dates, 20 small codes, 5 texts) whose person: columns it is not
// told: every birth date is asked joined with every last four. "off"
// asks no pair (what erase did before), for the search's cost.
func BenchmarkEraseSplitSearch(b *testing.B) {
	ref := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	tbl := &connectors.Table{Name: "besok", PrimaryKey: []string{"id"}}
	tbl.Columns = append(tbl.Columns, connectors.Column{Name: "id", Type: connectors.Type{Kind: connectors.KindInt, Bits: 32}})
	for i := 0; i < 5; i++ {
		tbl.Columns = append(tbl.Columns, connectors.Column{Name: fmt.Sprint("d", i), Type: connectors.Type{Kind: connectors.KindDate}, Nullable: true})
	}
	for i := 0; i < 20; i++ {
		tbl.Columns = append(tbl.Columns, connectors.Column{Name: fmt.Sprint("k", i), Type: connectors.Type{Kind: connectors.KindInt, Bits: 32}, Nullable: true})
	}
	for i := 0; i < 5; i++ {
		tbl.Columns = append(tbl.Columns, connectors.Column{Name: fmt.Sprint("t", i), Type: connectors.Type{Kind: connectors.KindText}, Nullable: true})
	}
	src := filepath.Join(b.TempDir(), "pkg")
	w, err := archive.Create(src, archive.Meta{Register: "t", Owner: "B", ReferenceDate: "2026-01-01"})
	if err != nil {
		b.Fatal(err)
	}
	for r := 0; r < 2000; r++ {
		vals := []connectors.Value{int64(r)}
		for i := 0; i < 5; i++ {
			vals = append(vals, connectors.Date{Year: 1930 + (r+i)%80, Month: time.Month(1 + i), Day: 1 + r%28})
		}
		for i := 0; i < 20; i++ {
			vals = append(vals, int64((r*7+i*13)%3000))
		}
		for i := 0; i < 5; i++ {
			vals = append(vals, fmt.Sprint("anteckning ", r, " ", i))
		}
		if err := w.Add(tbl, archive.Record{Reason: "code_unknown", Values: vals}); err != nil {
			b.Fatal(err)
		}
	}
	if _, err := w.Close(ref); err != nil {
		b.Fatal(err)
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
	for _, c := range []struct {
		name string
		on   bool
	}{{"off", false}, {"on", true}} {
		b.Run(c.name, func(b *testing.B) {
			for b.Loop() {
				b.StopTimer()
				dir := filepath.Join(b.TempDir(), "pkg")
				if err := exec.Command("cp", "-r", src, dir).Run(); err != nil {
					b.Fatal(err)
				}
				req := archive.EraseRequest{Reference: "bench", At: ref, Identifies: func(connectors.Value) bool { return false }}
				if c.on {
					req.IdentifiesSplit = func(a, v connectors.Value) bool { return anyListed(mappings.ListedNumbersSplit(a, v, ref)) }
					req.SplitPart = mappings.SplitPartOf
				}
				b.StartTimer()
				if _, err := archive.Erase(context.Background(), dir, req); err != nil {
					b.Fatal(err)
				}
				b.StopTimer()
				os.RemoveAll(dir)
				b.StartTimer()
			}
		})
	}
}
