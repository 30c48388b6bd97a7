package plans_test

import (
	"context"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/regflytt/regflytt/connectors"
	"github.com/regflytt/regflytt/connectors/all"
	"github.com/regflytt/regflytt/plans"
)

// A main register with two sub-registers reporting the same patients under
// different identity formats: the same registration merges into one row,
// gaps are filled by the lower precedence, a differing value is archived
// as merge_conflict, an exact duplicate merges, and every record of both
// sub-registers is accounted for.
func TestRunMergedSubRegisters(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	srcURL := "sqlite://" + filepath.Join(dir, "legacy.db")
	cols := []connectors.Column{intCol("id"), textCol("personnr"), textCol("datum"), textCol("vikt"), intCol("langd")}
	tables := []connectors.Table{
		{Name: "delreg_a", PrimaryKey: []string{"id"}, Columns: cols},
		{Name: "delreg_b", PrimaryKey: []string{"id"}, Columns: cols},
	}
	rows := map[string][][]connectors.Value{
		"delreg_a": {
			{int64(1), "19121212-1212", "2024-01-01", "70", nil}, // gives the row
			{int64(2), "19121212-1212", "2024-01-01", "70", nil}, // exact duplicate: merges
			{int64(3), "19121212-1212", nil, "60", nil},          // no date: a registration of its own
		},
		"delreg_b": {
			{int64(1), "121212+1212", "2024-01-01", nil, int64(180)},  // fills the height
			{int64(2), "121212+1212", "2024-01-01", "71", nil},        // differs: merge_conflict
			{int64(3), "121212+1212", "2024-02-01", "72", int64(181)}, // only in b
		},
	}
	writeTables(t, srcURL, tables, rows)

	write(t, filepath.Join(dir, "schema.yaml"), `platform: t
tables:
  - name: visit
    columns:
      - {name: patient, type: varchar(12), not_null: true}
      - {name: visit_date, type: date}
      - {name: weight_kg, type: "decimal(5,1)"}
      - {name: height_cm, type: smallint}
`)
	member := `
        columns:
          patient: {expr: pnr(personnr)}
          visit_date: {expr: date(datum)}
          weight_kg: {expr: decimal(vikt)}
          height_cm: langd
        drop: {id: registration number of the sub-register}`
	write(t, filepath.Join(dir, "m.yaml"), `tables:
  - target: visit
    merge: [patient, visit_date]
    sources:
      - source: delreg_a
        precedence: 1`+member+`
      - source: delreg_b
        precedence: 2`+member+`
`)
	plan := writePlan(t, dir, `run: {reference_date: 2026-01-01}
`)
	tgtURL := "sqlite://" + filepath.Join(dir, "t.db")
	rep, err := plans.Run(ctx, loadPlan(t, plan), plans.Options{SourceURL: srcURL, TargetURL: tgtURL, WorkDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	if !rep.Pass {
		t.Fatalf("FAIL: %v", rep.Problems)
	}
	checkLedger(t, rep, false, map[string]string{
		"delreg_a": summary(3, 0, 0, map[string]int64{}),
		"delreg_b": summary(2, 1, 0, map[string]int64{"merge_conflict": 1}),
	})
	tgt, err := all.OpenSource(ctx, tgtURL)
	if err != nil {
		t.Fatal(err)
	}
	defer tgt.Close()
	snap, err := tgt.Snapshot(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer snap.Close()
	tables2, _ := snap.Tables(ctx)
	var visit *connectors.Table
	for i := range tables2 {
		if tables2[i].Name == "visit" {
			visit = &tables2[i]
		}
	}
	rs, err := snap.Scan(ctx, visit, connectors.ScanOptions{Key: []string{"patient", "visit_date", "weight_kg"}})
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for rs.Next() {
		r := rs.Row()
		out = append(out, fmtRow(r))
	}
	if err := rs.Err(); err != nil {
		t.Fatal(err)
	}
	sort.Strings(out)
	want := []string{
		"191212121212  60.0 ",              // no date: merged with nothing
		"191212121212 2024-01-01 70.0 180", // a1, a2 (duplicate) and b1 (height)
		"191212121212 2024-02-01 72.0 181", // only in b
	}
	if strings.Join(out, "|") != strings.Join(want, "|") {
		t.Errorf("target rows %q, want %q", out, want)
	}
}

func fmtRow(r []connectors.Value) string {
	s := ""
	for i, v := range r {
		if i > 0 {
			s += " "
		}
		t, _ := connectors.FormatValue(v)
		s += t
	}
	return s
}

// A sub-register's column can name the conflict in the registry's words:
// reasons: {merge_conflict: weight_disagrees} archives the record that
// disagrees on the weight under that reason, and a conflict on another
// column keeps merge_conflict.
func TestRunMergeConflictNamed(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	srcURL := "sqlite://" + filepath.Join(dir, "legacy.db")
	cols := []connectors.Column{intCol("id"), textCol("personnr"), textCol("datum"), textCol("vikt"), intCol("langd")}
	tables := []connectors.Table{
		{Name: "delreg_a", PrimaryKey: []string{"id"}, Columns: cols},
		{Name: "delreg_b", PrimaryKey: []string{"id"}, Columns: cols},
	}
	writeTables(t, srcURL, tables, map[string][][]connectors.Value{
		"delreg_a": {
			{int64(1), "19121212-1212", "2024-01-01", "70", int64(180)},
			{int64(2), "19121212-1212", "2024-02-01", "70", int64(180)},
		},
		"delreg_b": {
			{int64(1), "19121212-1212", "2024-01-01", "71", nil},       // the weight differs
			{int64(2), "19121212-1212", "2024-02-01", nil, int64(181)}, // the height differs
		},
	})
	write(t, filepath.Join(dir, "schema.yaml"), `platform: t
tables:
  - name: visit
    columns:
      - {name: patient, type: varchar(12), not_null: true}
      - {name: visit_date, type: date}
      - {name: weight_kg, type: "decimal(5,1)"}
      - {name: height_cm, type: smallint}
`)
	write(t, filepath.Join(dir, "m.yaml"), `tables:
  - target: visit
    merge: [patient, visit_date]
    sources:
      - source: delreg_a
        precedence: 1
        columns:
          patient: {expr: pnr(personnr)}
          visit_date: {expr: date(datum)}
          weight_kg: {expr: decimal(vikt)}
          height_cm: langd
        drop: {id: registration number of the sub-register}
      - source: delreg_b
        precedence: 2
        columns:
          patient: {expr: pnr(personnr)}
          visit_date: {expr: date(datum)}
          weight_kg: {expr: decimal(vikt), reasons: {merge_conflict: weight_disagrees}}
          height_cm: langd
        drop: {id: registration number of the sub-register}
`)
	plan := writePlan(t, dir, `run: {reference_date: 2026-01-01}
`)
	rep, err := plans.Run(ctx, loadPlan(t, plan), plans.Options{SourceURL: srcURL, TargetURL: "sqlite://" + filepath.Join(dir, "t.db"), WorkDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	if !rep.Pass {
		t.Fatalf("FAIL: %v", rep.Problems)
	}
	checkLedger(t, rep, false, map[string]string{
		"delreg_a": summary(2, 0, 0, map[string]int64{}),
		"delreg_b": summary(0, 2, 0, map[string]int64{"weight_disagrees": 1, "merge_conflict": 1}),
	})
}

// A merged registration keeps the unit of the records it merges: a unit
// code list on one sub-register that gives its records another unit's id
// makes them merge into (and be owned by) a unit that did not report
// them. The run fails saying so, as it does for a table of its own.
func TestRunMergeFailsWhenAUnitIsChanged(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	srcURL := "sqlite://" + filepath.Join(dir, "legacy.db")
	cols := []connectors.Column{intCol("id"), intCol("enhet"), textCol("datum"), intCol("langd")}
	writeTables(t, srcURL, []connectors.Table{
		{Name: "delreg_a", PrimaryKey: []string{"id"}, Columns: cols},
		{Name: "delreg_b", PrimaryKey: []string{"id"}, Columns: cols},
	}, map[string][][]connectors.Value{
		"delreg_a": {{int64(1), int64(1), "2024-01-01", nil}},
		// Reported by unit 2: its height fills unit 1's registration
		// once the code list says unit 2 is unit 1.
		"delreg_b": {{int64(1), int64(2), "2024-01-01", int64(180)}},
	})
	write(t, filepath.Join(dir, "schema.yaml"), `platform: t
tables:
  - name: visit
    columns:
      - {name: unit, type: integer}
      - {name: visit_date, type: date}
      - {name: height_cm, type: smallint}
`)
	member := func(unit string) string {
		return `
        unit: enhet
        columns:
          unit: ` + unit + `
          visit_date: {expr: date(datum)}
          height_cm: langd
        drop: {id: registration number of the sub-register}`
	}
	write(t, filepath.Join(dir, "m.yaml"), `codelists:
  - name: units
    codes: {"1": "1", "2": "1"}
tables:
  - target: visit
    merge: [visit_date]
    sources:
      - source: delreg_a
        precedence: 1`+member("enhet")+`
      - source: delreg_b
        precedence: 2`+member("{from: enhet, codelist: units}")+`
`)
	plan := writePlan(t, dir, "run: {reference_date: 2026-01-01}\n")
	rep, err := plans.Run(ctx, loadPlan(t, plan), plans.Options{SourceURL: srcURL, TargetURL: "sqlite://" + filepath.Join(dir, "t.db"), WorkDir: dir})
	if err == nil || rep == nil || rep.Pass {
		t.Fatalf("a merge that gave a unit 2 record to unit 1 passed: %v", err)
	}
	if !strings.Contains(strings.Join(rep.Problems, "\n"), "delreg_b: 1 migrated records carry another reporting unit") {
		t.Errorf("problems: %v", rep.Problems)
	}
}

// A merged table whose members each name their records' reporting unit
// gets its unit reports: --unit-reports was refused as naming no unit,
// since only a table's own unit: was looked at.
func TestRunUnitReportsOfAMergedTable(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	srcURL := "sqlite://" + filepath.Join(dir, "legacy.db")
	cols := []connectors.Column{intCol("id"), intCol("enhet"), textCol("datum")}
	writeTables(t, srcURL, []connectors.Table{
		{Name: "delreg_a", PrimaryKey: []string{"id"}, Columns: cols},
		{Name: "delreg_b", PrimaryKey: []string{"id"}, Columns: cols},
	}, map[string][][]connectors.Value{
		"delreg_a": {{int64(1), int64(1), "2024-01-01"}},
		"delreg_b": {{int64(1), int64(2), "2024-02-01"}},
	})
	write(t, filepath.Join(dir, "schema.yaml"), "platform: t\ntables:\n  - name: visit\n    columns:\n      - {name: unit, type: integer}\n      - {name: visit_date, type: date}\n")
	member := "\n        unit: enhet\n        columns:\n          unit: enhet\n          visit_date: {expr: date(datum)}\n        drop: {id: registration number of the sub-register}"
	write(t, filepath.Join(dir, "m.yaml"), "tables:\n  - target: visit\n    merge: [visit_date]\n    sources:\n      - source: delreg_a\n        precedence: 1"+member+"\n      - source: delreg_b\n        precedence: 2"+member+"\n")
	plan := writePlan(t, dir, "run: {reference_date: 2026-01-01}\n")
	units := filepath.Join(dir, "units")
	rep, err := plans.Run(ctx, loadPlan(t, plan), plans.Options{SourceURL: srcURL, TargetURL: "sqlite://" + filepath.Join(dir, "t.db"), WorkDir: dir, UnitReports: units})
	if err != nil || !rep.Pass {
		t.Fatalf("a merged table with its members' units and --unit-reports: %v (%v)", err, rep)
	}
	files, err := filepath.Glob(filepath.Join(units, "*.json"))
	if err != nil || len(files) != 2 {
		t.Fatalf("unit reports %v (%v), want one for each of units 1 and 2", files, err)
	}
}
