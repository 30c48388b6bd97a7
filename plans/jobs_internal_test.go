package plans

import (
	"context"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/regflytt/regflytt/archive"
	"github.com/regflytt/regflytt/connectors"
	"github.com/regflytt/regflytt/mappings"
)

// Units that depend on each other land in one group, in their order:
// parent chains, programs writing one receiving table (a merge among
// them), programs reading one source table; the rest stand alone.
func TestGroupUnitsKeepsDependentUnitsTogether(t *testing.T) {
	tbl := func(name string) *connectors.Table { return &connectors.Table{Name: name} }
	prog := func(src, tgt string) *mappings.TableProgram {
		return &mappings.TableProgram{Source: tbl(src), Target: tbl(tgt)}
	}
	patient, visit, lab := prog("patient", "patient"), prog("besok", "visit"), prog("prov", "lab")
	visit.Parent = &mappings.ParentProgram{Table: patient}
	lab.Parent = &mappings.ParentProgram{Table: visit} // a chain of three
	unit := prog("enhet", "care_unit")
	a, b := prog("form_a", "form"), prog("form_b", "form")
	m := &mappings.MergeProgram{Target: tbl("form"), Members: []*mappings.TableProgram{a, b}}
	a.Merge, b.Merge, b.Member = m, m, 1
	// Two receiving tables from one source table.
	s1, s2 := prog("svar", "answer"), prog("svar", "answer_note")
	units := []moveUnit{
		{name: "program:patient", tp: patient}, {name: "program:care_unit", tp: unit}, {name: "program:visit", tp: visit},
		{name: "program:form_a", tp: a}, {name: "program:answer", tp: s1}, {name: "program:lab", tp: lab},
		{name: "program:form_b", tp: b}, {name: "program:answer_note", tp: s2},
		{name: "merge:form", merge: m}, {name: "table:logg", table: tbl("logg")}, {name: "table:kalender", table: tbl("kalender")},
	}
	var got []string
	for _, g := range groupUnits(units) {
		var names []string
		for _, u := range g.units {
			names = append(names, strings.SplitN(u.name, ":", 2)[1])
		}
		got = append(got, strings.Join(names, " "))
	}
	want := []string{"patient visit lab", "care_unit", "form_a form_b form", "answer answer_note", "logg", "kalender"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("groups %q, want %q", got, want)
	}
}

// The package is assembled from the parts in the units' order, then the
// batches' order, however the jobs' batches interleaved; parts written
// before parts named their unit keep the order of their numbers.
func TestPartsAssembleInUnitOrder(t *testing.T) {
	dir := t.TempDir()
	pp, err := openParts(dir, 0)
	if err != nil {
		t.Fatal(err)
	}
	tb := &connectors.Table{Name: "t"}
	jobs := map[string]*parts{"u1": pp.job(1), "u2": pp.job(2)}
	// Batches 1..4 handed over by two jobs in turn: u2, u1, u2, u1.
	for seq, unit := range []string{"u2", "u1", "u2", "u1"} {
		p := jobs[unit]
		p.unit = unit
		if err := p.Add(tb, archive.Record{Reason: unit + "-" + string(rune('1'+seq))}); err != nil {
			t.Fatal(err)
		}
		if err := p.seal(int64(seq + 1)); err != nil {
			t.Fatal(err)
		}
	}
	rank := map[string]int{"u1": 0, "u2": 1}
	reasons := func(order func(string) int, upTo int64) string {
		var got recordingArchive
		if err := replayPartsInOrder(context.Background(), dir, upTo, map[string]*connectors.Table{"t": tb}, &got, order); err != nil {
			t.Fatal(err)
		}
		var rs []string
		for _, r := range got.recs {
			rs = append(rs, r.Reason)
		}
		return strings.Join(rs, " ")
	}
	if got, want := reasons(func(u string) int { return rank[u] }, 4), "u1-2 u1-4 u2-1 u2-3"; got != want {
		t.Errorf("in unit order: %s, want %s", got, want)
	}
	if got, want := reasons(func(u string) int { return rank[u] }, 3), "u1-2 u2-1 u2-3"; got != want {
		t.Errorf("up to batch 3: %s, want %s", got, want)
	}
	if got, want := reasons(nil, 4), "u2-1 u1-2 u2-3 u1-4"; got != want {
		t.Errorf("by number: %s, want %s", got, want)
	}
	// A part that names no unit: by number, all of them.
	old := &parts{dir: dir, tmp: "old" + partTmpSuffix, tables: map[string]*connectors.Table{}}
	if err := old.Add(tb, archive.Record{Reason: "old-5"}); err != nil {
		t.Fatal(err)
	}
	if err := old.seal(5); err != nil {
		t.Fatal(err)
	}
	if got, want := reasons(func(u string) int { return rank[u] }, 5), "u2-1 u1-2 u2-3 u1-4 old-5"; got != want {
		t.Errorf("with an unnamed part: %s, want %s", got, want)
	}
	// A part never sealed is removed when the parts are opened again.
	p := pp.job(3)
	if err := p.Add(tb, archive.Record{Reason: "torn"}); err != nil {
		t.Fatal(err)
	}
	p.w.Flush()
	if _, err := openParts(dir, 5); err != nil {
		t.Fatal(err)
	}
	if left, _ := filepath.Glob(filepath.Join(dir, "*"+partTmpSuffix)); len(left) != 0 {
		t.Errorf("unsealed parts left: %v", left)
	}
	p.f.Close()
}

// A checkpoint written before jobs (one unit in progress) reads as one
// unit in Moving; moved keeps the others and replaces or drops one.
func TestCheckpointUnitsInProgress(t *testing.T) {
	c, err := decodeCheckpoint([]byte(`{"seq": 3, "unit": "program:visit<-besok", "after": "AQI=", "done": ["program:patient<-patient"]}`))
	if err != nil {
		t.Fatal(err)
	}
	if c.Unit != "" || len(c.Moving) != 1 || c.Moving[0].Unit != "program:visit<-besok" || string(c.Moving[0].After) != "\x01\x02" {
		t.Fatalf("old checkpoint read as %+v", c)
	}
	c.Moving = c.moved("table:logg", &unitAt{Unit: "table:logg", After: []byte{9}})
	if at := c.moving("program:visit<-besok"); at == nil || string(at.After) != "\x01\x02" {
		t.Errorf("visit lost its position: %+v", c.Moving)
	}
	c.Moving = c.moved("program:visit<-besok", nil)
	if len(c.Moving) != 1 || c.moving("table:logg") == nil {
		t.Errorf("after visit finished: %+v", c.Moving)
	}
}
