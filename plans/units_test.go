package plans_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/regflytt/regflytt/archive"
	"github.com/regflytt/regflytt/plans"
	"github.com/regflytt/regflytt/plans/demo"
	"github.com/regflytt/regflytt/verify"
)

// writeDemoPlan writes the demo's plan, schema and mapping into a new
// directory, each changed by edit (name -> text -> text), and returns the
// plan's path. An edited mapping loses its tests: tests: (withoutMappingTests).
func writeDemoPlan(t *testing.T, edit map[string]func(string) string) string {
	t.Helper()
	dir := t.TempDir()
	path, err := demo.Write(dir)
	if err != nil {
		t.Fatal(err)
	}
	for name, fn := range edit {
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		changed := fn(string(b))
		if changed == string(b) {
			t.Fatalf("the edit of %s changed nothing", name)
		}
		if name == "mapping.yaml" {
			// The demo's own tests describe the mapping unchanged; a run
			// of the edited one would stop at them before reading.
			changed = withoutMappingTests(changed)
		}
		if err := os.WriteFile(filepath.Join(dir, name), []byte(changed), 0o640); err != nil {
			t.Fatal(err)
		}
	}
	return path
}

// Each unit's records add up, the source counted per unit by the check
// itself; the archive's outcome rows name the unit of every archived
// record; every unit gets a report of its own figures only.
func TestRunReconcilesPerReportingUnit(t *testing.T) {
	dir := t.TempDir()
	src, st := makeDemoSQLite(t, dir, 400)
	unitDir := filepath.Join(dir, "units")
	rep, err := plans.Run(context.Background(), loadPlan(t, demoPlan), plans.Options{
		SourceURL:   src,
		TargetURL:   "sqlite://" + filepath.Join(dir, "receiving.db"),
		WorkDir:     dir,
		UnitReports: unitDir,
	})
	if err != nil {
		t.Fatal(err)
	}
	if !rep.Pass {
		t.Fatalf("FAIL: %v", rep.Problems)
	}
	perTable := map[string]map[string]verify.UnitCheck{}
	for _, c := range rep.Units {
		if perTable[c.Source] == nil {
			perTable[c.Source] = map[string]verify.UnitCheck{}
		}
		perTable[c.Source][c.Unit] = c
		if c.SourceRows == nil || !c.OK || *c.SourceRows != c.Migrated+c.Archived+c.Excluded {
			t.Errorf("%s unit %q: %+v", c.Source, c.Unit, c)
		}
	}
	for _, table := range []string{"vardenhet", "patient", "besok"} {
		if len(perTable[table]) < 2 {
			t.Errorf("table %s: per-unit checks %v", table, perTable[table])
		}
	}
	if _, ok := perTable["logg"]; ok {
		t.Error("the log, read by no mapping, has no units")
	}
	// The visits without a unit are the generator's missing_care_unit rows.
	none := perTable["besok"][verify.NoUnit]
	if none.Read != st.Defects["missing_care_unit"] || none.ArchivedBy["no_care_unit"] != none.Read {
		t.Errorf("visits without unit: %+v, generator wrote %d", none, st.Defects["missing_care_unit"])
	}

	// The archive names each archived record's unit, as the ledger counts.
	pkg, err := archive.Open(filepath.Join(dir, "archive"))
	if err != nil {
		t.Fatal(err)
	}
	for _, table := range []string{"patient", "besok"} {
		recs, err := pkg.Records(table)
		if err != nil {
			t.Fatal(err)
		}
		got := map[string]int64{}
		for recs.Next() {
			got[recs.Record().Outcome.CareUnit]++
		}
		if err := recs.Err(); err != nil {
			t.Fatal(err)
		}
		for unit, c := range perTable[table] {
			if got[unit] != c.Archived {
				t.Errorf("archive of %s: %d records of unit %q, the ledger %d", table, got[unit], unit, c.Archived)
			}
		}
	}

	// One report per unit, only its own.
	var units []string
	for u := range perTable["besok"] {
		if u != verify.NoUnit {
			units = append(units, u)
		}
	}
	entries, err := os.ReadDir(unitDir)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 2*len(units) {
		t.Fatalf("%d unit report files for %d units", len(entries), len(units))
	}
	for _, u := range units {
		raw, err := os.ReadFile(filepath.Join(unitDir, "unit-"+u+".json"))
		if err != nil {
			t.Fatal(err)
		}
		md, err := os.ReadFile(filepath.Join(unitDir, "unit-"+u+".md"))
		if err != nil {
			t.Fatal(err)
		}
		var ur verify.UnitReport
		if err := json.Unmarshal(raw, &ur); err != nil {
			t.Fatal(err)
		}
		if ur.Unit != u || !ur.Pass || len(ur.Tables) != 3 {
			t.Errorf("unit %s report: %+v", u, ur)
		}
		for _, tc := range ur.Tables {
			if tc.Unit != u || tc.Migrated != perTable[tc.Source][u].Migrated {
				t.Errorf("unit %s report holds %+v", u, tc)
			}
		}
		for _, other := range units {
			if other == u {
				continue
			}
			if strings.Contains(string(raw), `"unit": "`+other+`"`) || strings.Contains(string(md), "care unit "+other+"\n") {
				t.Errorf("unit %s's report names unit %s", u, other)
			}
		}
		for _, text := range []string{string(raw), string(md)} {
			if strings.Contains(text, "Vårdenhet") || strings.Contains(text, "Region") {
				t.Errorf("unit %s's report names a care unit or region: %s", u, text)
			}
		}
	}
}

// A mapping that drops the unit column is refused by plan check (no
// database) and by run before it writes anything.
func TestMappingDroppingTheUnitColumnIsRefused(t *testing.T) {
	path := writeDemoPlan(t, map[string]func(string) string{
		"mapping.yaml": func(s string) string {
			s = strings.Replace(s, "      care_unit_id: vardenhet_id\n      visit_date", "      care_unit_id: {value: \"0\"}\n      visit_date", 1)
			return s + "    drop:\n      vardenhet_id: not needed\n"
		},
	})
	_, ds := plans.Check(path)
	if err := ds.Err(); err == nil || !strings.Contains(err.Error(), "M051") || !strings.Contains(err.Error(), "dropped") {
		t.Fatalf("plan check: %v", ds)
	}
	dir := t.TempDir()
	src, _ := makeDemoSQLite(t, dir, 20)
	p, _ := plans.Load(path)
	_, err := plans.Run(context.Background(), p, plans.Options{SourceURL: src, TargetURL: "sqlite://" + filepath.Join(dir, "receiving.db"), WorkDir: filepath.Join(dir, "work")})
	if err == nil || !strings.Contains(err.Error(), "M051") {
		t.Fatalf("run: %v", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "receiving.db")); err == nil {
		t.Error("the refused run created the receiving database")
	}
}

// A unit code list that maps a unit to NULL loses the records' owner:
// the records migrate, and the run fails saying so.
func TestRunFailsWhenARecordLosesItsUnit(t *testing.T) {
	path := writeDemoPlan(t, map[string]func(string) string{
		"mapping.yaml": func(s string) string {
			s = strings.Replace(s, "codelists:\n", "codelists:\n  - name: units\n    unmapped: null\n    codes: {\"1\": \"1\"}\n", 1)
			return strings.Replace(s, "      care_unit_id: vardenhet_id\n      visit_date", "      care_unit_id: {from: vardenhet_id, codelist: units}\n      visit_date", 1)
		},
		"schema.yaml": func(s string) string {
			return strings.Replace(s, "{name: care_unit_id, type: integer, not_null: true}\n      - {name: visit_date", "{name: care_unit_id, type: integer}\n      - {name: visit_date", 1)
		},
	})
	dir := t.TempDir()
	src, _ := makeDemoSQLite(t, dir, 60)
	rep, err := plans.Run(context.Background(), loadPlan(t, path), plans.Options{SourceURL: src, TargetURL: "sqlite://" + filepath.Join(dir, "receiving.db"), WorkDir: dir})
	if err == nil || rep == nil || rep.Pass {
		t.Fatalf("run passed: %v", err)
	}
	found := false
	for _, p := range rep.Problems {
		found = found || strings.Contains(p, "lost their reporting unit")
	}
	if !found {
		t.Errorf("problems: %v", rep.Problems)
	}
}

// A child table with unit: {parent: true} counts each record under its
// parent record's unit: the visits here name no unit of their own, and
// land in their patient's unit's figures, archive rows and report.
func TestChildTakesItsParentsUnit(t *testing.T) {
	path := writeDemoPlan(t, map[string]func(string) string{
		"mapping.yaml": func(s string) string {
			return strings.Replace(s, "    unit: vardenhet_id        # the unit that reported the visit\n", "    unit: {parent: true}\n", 1)
		},
	})
	dir := t.TempDir()
	src, _ := makeDemoSQLite(t, dir, 200)
	unitDir := filepath.Join(dir, "units")
	rep, err := plans.Run(context.Background(), loadPlan(t, path), plans.Options{
		SourceURL: src, TargetURL: "sqlite://" + filepath.Join(dir, "receiving.db"), WorkDir: dir, UnitReports: unitDir,
	})
	if err != nil {
		t.Fatal(err)
	}
	if !rep.Pass {
		t.Fatalf("FAIL: %v", rep.Problems)
	}

	// Each visit's unit is its patient's, counted in the source by a join.
	db, err := sql.Open("sqlite", filepath.Join(dir, "legacy.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	rows, err := db.Query("SELECT p.vardenhet_id FROM besok b LEFT JOIN patient p ON p.id = b.patient_id")
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]int64{}
	for rows.Next() {
		var u sql.NullString
		if err := rows.Scan(&u); err != nil {
			t.Fatal(err)
		}
		want[u.String]++
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	got := map[string]verify.UnitCheck{}
	for _, c := range rep.Units {
		if c.Source != "besok" {
			continue
		}
		got[c.Unit] = c
		if !c.UnitFromParent || c.SourceRows != nil || !c.OK {
			t.Errorf("visits of unit %q: %+v", c.Unit, c)
		}
	}
	if len(want) < 2 {
		t.Fatalf("the fixture's visits belong to %d units", len(want))
	}
	for u, n := range want {
		if got[u].Read != n {
			t.Errorf("unit %q: %d visits read, its patients' visits are %d", u, got[u].Read, n)
		}
	}
	if len(got) != len(want) {
		t.Errorf("units of visits: got %d, want %d", len(got), len(want))
	}

	// The archived visits carry their patient's unit.
	pkg, err := archive.Open(filepath.Join(dir, "archive"))
	if err != nil {
		t.Fatal(err)
	}
	recs, err := pkg.Records("besok")
	if err != nil {
		t.Fatal(err)
	}
	archived := map[string]int64{}
	for recs.Next() {
		archived[recs.Record().Outcome.CareUnit]++
	}
	if err := recs.Err(); err != nil {
		t.Fatal(err)
	}
	for u, c := range got {
		if archived[u] != c.Archived {
			t.Errorf("archive of besok: %d records of unit %q, the ledger %d", archived[u], u, c.Archived)
		}
	}

	// Each unit's report holds its visits.
	for u, c := range got {
		if u == verify.NoUnit {
			continue
		}
		raw, err := os.ReadFile(filepath.Join(unitDir, "unit-"+u+".json"))
		if err != nil {
			t.Fatal(err)
		}
		var ur verify.UnitReport
		if err := json.Unmarshal(raw, &ur); err != nil {
			t.Fatal(err)
		}
		found := false
		for _, tc := range ur.Tables {
			if tc.Source == "besok" {
				found = tc.Read == c.Read && tc.UnitFromParent
			}
		}
		if !found {
			t.Errorf("unit %s's report lacks its %d visits: %+v", u, c.Read, ur.Tables)
		}
	}
}

// A unit code list that gives a record another unit's id moves the record
// to a care provider that did not report it (and takes it from the one
// that did): the content check cannot see it (the target holds what the
// mapping says) and the per-unit equations count the source's unit, so
// the run must compare each migrated record's receiving unit with its
// source unit and fail naming the table.
func TestRunFailsWhenAMappingChangesARecordsUnit(t *testing.T) {
	path := writeDemoPlan(t, map[string]func(string) string{
		"mapping.yaml": func(s string) string {
			s = strings.Replace(s, "codelists:\n", unitOneCodes, 1)
			return strings.Replace(s, "      care_unit_id: vardenhet_id\n      visit_date", "      care_unit_id: {from: vardenhet_id, codelist: units}\n      visit_date", 1)
		},
	})
	dir := t.TempDir()
	src, _ := makeDemoSQLite(t, dir, 60)
	visitsChangeOwner(t, loadPlan(t, path), plans.Options{SourceURL: src, TargetURL: "sqlite://" + filepath.Join(dir, "receiving.db"), WorkDir: dir})
}

// unitOneCodes begins a mapping's codelists: with units, a code list that
// gives every unit unit 1.
const unitOneCodes = "codelists:\n  - name: units\n    unmapped: default\n    default: \"1\"\n    codes: {\"1\": \"1\"}\n"

// visitsChangeOwner runs p, whose mapping gives visits (besok) another
// reporting unit, and fails the test unless the run and verify both fail
// saying so.
func visitsChangeOwner(t *testing.T, p *plans.Plan, opts plans.Options) {
	t.Helper()
	rep, err := plans.Run(context.Background(), p, opts)
	if err == nil || rep == nil || rep.Pass {
		t.Fatalf("a run that moved records to another care unit passed: %v", err)
	}
	changed := func(problems []string) bool {
		for _, p := range problems {
			if strings.Contains(p, "besok") && strings.Contains(p, "another reporting unit") {
				return true
			}
		}
		return false
	}
	if !changed(rep.Problems) {
		t.Errorf("run problems: %v", rep.Problems)
	}
	sum, err := plans.Verify(context.Background(), p, opts)
	if err == nil || sum == nil || sum.Pass || !changed(sum.Problems) {
		t.Fatalf("verify: %v %+v", err, sum)
	}
}

// Records that name a reporting unit the access section's units table
// does not list migrate (the unit is carried as it is), but no care
// provider's grant reaches them on the receiving platform, and a unit
// report is written for a unit nobody is: the run lists it among its
// alarms and verify fails until the plan acknowledges it with a reason.
func TestVerifyNamesRecordsOfUnknownUnits(t *testing.T) {
	dir := t.TempDir()
	src, _ := makeDemoSQLite(t, dir, 60)
	db, err := sql.Open("sqlite", filepath.Join(dir, "legacy.db"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec("UPDATE besok SET vardenhet_id = 99 WHERE id % 5 = 0 AND vardenhet_id IS NOT NULL"); err != nil {
		t.Fatal(err)
	}
	db.Close()
	opts := plans.Options{SourceURL: src, TargetURL: "sqlite://" + filepath.Join(dir, "receiving.db"), WorkDir: dir}
	p := loadPlan(t, demoPlan)
	rep, err := plans.Run(context.Background(), p, opts)
	if err != nil {
		t.Fatal(err)
	}
	migrated := int64(0)
	for _, c := range rep.Units {
		if c.Source == "besok" && c.Unit == "99" {
			migrated = c.Migrated
		}
	}
	if migrated == 0 {
		t.Fatal("no visit of unit 99 migrated")
	}
	var alarms []string
	for _, a := range rep.Alarms {
		alarms = append(alarms, a.ID)
	}
	if !slices.Contains(alarms, "unit_unknown.besok") {
		t.Errorf("the run's alarms %v do not name the visits of an unknown unit", alarms)
	}
	sum, err := plans.Verify(context.Background(), p, opts)
	if sum == nil || sum.Pass || err == nil {
		t.Fatalf("verify passes visits of a unit that does not exist: %v", err)
	}
	found := false
	for _, f := range sum.Findings {
		if f.ID == "unit_unknown.besok" {
			found = f.Count == migrated && strings.Contains(f.Message, "99") && f.Fails()
		}
	}
	if !found {
		t.Errorf("findings %+v", sum.Findings)
	}
	acked := writeDemoPlan(t, map[string]func(string) string{
		"plan.yaml": func(s string) string {
			return strings.Replace(s, "  acknowledge:\n", "  acknowledge:\n    unit_unknown.besok: unit 99 closed in 2015; its visits are the CPUA's\n", 1)
		},
	})
	sum, err = plans.Verify(context.Background(), loadPlan(t, acked), opts)
	if err != nil || sum == nil || !sum.Pass {
		t.Fatalf("acknowledged: %v", err)
	}
}
