package verify

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Unit reports are sent to care providers: each holds its own unit's
// figures and names no other unit.
func TestUnitReportsHoldOnlyTheirUnit(t *testing.T) {
	a, b := "SE2321000016-AAAA", "SE2321000016-B/BB"
	n := func(v int64) *int64 { return &v }
	r := &Report{Register: "demo", Pass: true, Units: []UnitCheck{
		{Unit: a, Source: "besok", SourceRows: n(41), UnitCounts: UnitCounts{Read: 41, Migrated: 40, Archived: 1, ArchivedBy: map[string]int64{"zero_date": 1}}, OK: true},
		{Unit: b, Source: "besok", SourceRows: n(977), UnitCounts: UnitCounts{Read: 977, Migrated: 970, Excluded: 7, ExcludedBy: map[string]int64{"opt_out": 7}}, OK: true},
		{Unit: NoUnit, Source: "besok", SourceRows: n(3), UnitCounts: UnitCounts{Read: 3, Archived: 3}, OK: true},
	}}
	dir := t.TempDir()
	names, err := WriteUnitReports(dir, r)
	if err != nil {
		t.Fatal(err)
	}
	if len(names) != 4 {
		t.Fatalf("files %v: want two per unit with a unit", names)
	}
	own := map[string]string{a: "977", b: "41"} // the other unit's count
	for _, name := range names {
		body, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		text := string(body)
		mine, other := a, b
		if !strings.Contains(text, a) {
			mine, other = b, a
		}
		if !strings.Contains(text, mine) {
			t.Errorf("%s names its own unit nowhere", name)
		}
		if strings.Contains(text, other) || strings.Contains(text, strings.ReplaceAll(other, "/", "_")) {
			t.Errorf("%s names the other unit %s", name, other)
		}
		if strings.Contains(text, own[mine]) {
			t.Errorf("%s holds the other unit's count %s:\n%s", name, own[mine], text)
		}
	}
}

// The units must add up to the table: a record counted for no unit fails.
func TestCheckUnitsFindsARecordOfNoUnit(t *testing.T) {
	l := NewLedger()
	tl := l.Table("besok", "visit")
	tl.ForUnit("1")
	tl.Migrate()
	tl.Migrate() // still unit 1
	tl.ForUnit("2")
	tl.Archive("zero_date")
	r := &Report{Pass: true}
	if err := CheckUnits(context.Background(), nil, nil, l, r); err != nil {
		t.Fatal(err)
	}
	if !r.Pass || len(r.Units) != 2 || r.Units[0].Migrated != 2 || r.Units[1].ArchivedBy["zero_date"] != 1 {
		t.Fatalf("%+v %v", r.Units, r.Problems)
	}
	tl.Read++ // a record counted outside any unit
	tl.Migrated++
	r = &Report{Pass: true}
	if err := CheckUnits(context.Background(), nil, nil, l, r); err != nil {
		t.Fatal(err)
	}
	if r.Pass || len(r.Problems) != 1 || !strings.Contains(r.Problems[0], "counted for no unit") {
		t.Fatalf("%v", r.Problems)
	}
}

// A unit whose records changed or lost their owner is told so in its own
// report: the run failed on the table, but unit 2's report said PASS,
// "every record the unit reported is migrated", and went to its care
// provider, whose records another provider now reads.
func TestUnitReportFailsWhenItsRecordsChangedOwner(t *testing.T) {
	l := NewLedger()
	tl := l.Table("besok", "visit")
	tl.ForUnit("1")
	tl.Migrate()
	tl.ForUnit("2")
	tl.ChangeOwner()
	tl.Migrate()
	tl.ForUnit("3")
	tl.LoseOwner()
	tl.Migrate()
	r := &Report{Pass: true}
	if err := CheckUnits(context.Background(), nil, nil, l, r); err != nil {
		t.Fatal(err)
	}
	// Unit 1's own figures add up; its report is no PASS, since the run
	// it is cut from failed (TestUnitReportIsNoPassWhenItsReportFailed).
	own, pass := map[string]bool{}, map[string]bool{}
	for _, ur := range UnitReports(r) {
		own[ur.Unit], pass[ur.Unit] = ur.UnitOK, ur.Pass
	}
	if !own["1"] || own["2"] || own["3"] || len(own) != 3 {
		t.Fatalf("unit reports' own figures ok %v, want only unit 1's (problems %v)", own, r.Problems)
	}
	if pass["1"] || pass["2"] || pass["3"] {
		t.Fatalf("unit reports pass %v in a report that failed", pass)
	}
	if r.Pass || !strings.Contains(strings.Join(r.Problems, "\n"), "reporting unit 2: 1 migrated records carry another reporting unit, 0 none") {
		t.Errorf("problems %v", r.Problems)
	}
}

func TestUnitReportTextNamesChangedOwners(t *testing.T) {
	ur := UnitReport{Unit: "2", Tables: []UnitCheck{{Unit: "2", Source: "besok", UnitCounts: UnitCounts{Read: 1, Migrated: 1, OwnerChanged: 1}}}}
	if md := ur.Markdown(); !strings.Contains(md, "FAIL") || !strings.Contains(md, "besok: 1 migrated records carry another care unit") {
		t.Errorf("%s", md)
	}
}
