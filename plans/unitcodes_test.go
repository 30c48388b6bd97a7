package plans_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/regflytt/regflytt/connectors"
	"github.com/regflytt/regflytt/connectors/mysql/mytest"
	"github.com/regflytt/regflytt/connectors/postgres/pgtest"
	"github.com/regflytt/regflytt/plans"
	"github.com/regflytt/regflytt/verify"
)

// hsaOf is the receiving platform's id of legacy care unit n in these
// tests: an HSA-id where the legacy platform numbered its units.
func hsaOf(n int) string { return fmt.Sprintf("SE2321000131-E%012d", 100+n) }

// recodedDemoPlan writes the demo plan with its care units renamed on the
// receiving platform: every care_unit_id is text and is mapped through
// the code list enheter, which lists the legacy units in codes (the
// code list's body, "{...}"). With declare, the tables with a unit column
// declare the translation (unit: {column: …, translate: enheter}).
func recodedDemoPlan(t *testing.T, codes string, declare bool, more ...func(string) string) string {
	t.Helper()
	unit := func(col, comment string) (string, string) {
		old := "    unit: " + col + comment
		if !declare {
			return old, old
		}
		return old, "    unit: {column: " + col + ", translate: enheter}" + comment
	}
	return writeDemoPlan(t, map[string]func(string) string{
		"schema.yaml": func(s string) string {
			return strings.ReplaceAll(s, "{name: care_unit_id, type: integer", "{name: care_unit_id, type: varchar(40)")
		},
		"mapping.yaml": func(s string) string {
			s = strings.Replace(s, "codelists:\n", "codelists:\n  # Legacy care units to the receiving platform's HSA-ids.\n  - name: enheter\n    codes: "+codes+"\n", 1)
			for _, u := range [][2]string{
				{"id", "                  # a care unit's own row is its own"},
				{"vardenhet_id", "        # the unit that registered the patient"},
				{"vardenhet_id", "        # the unit that reported the visit"},
			} {
				old, repl := unit(u[0], u[1])
				s = strings.Replace(s, old, repl, 1)
			}
			s = strings.Replace(s, "      care_unit_id: id\n", "      care_unit_id: {from: id, codelist: enheter}\n", 1)
			// The patient, the visit, the grant and the appointment.
			s = strings.ReplaceAll(s, "      care_unit_id: vardenhet_id\n", "      care_unit_id: {from: vardenhet_id, codelist: enheter}\n")
			for _, fn := range more {
				s = fn(s)
			}
			return s
		},
	})
}

// unitCodes is a code list body translating legacy units 1..n (skipping
// those in leave) to hsaOf.
func unitCodes(n int, leave ...int) string {
	var parts []string
	for i := 1; i <= n; i++ {
		if !containsInt(leave, i) {
			parts = append(parts, fmt.Sprintf("%q: %s", fmt.Sprint(i), hsaOf(i)))
		}
	}
	return "{" + strings.Join(parts, ", ") + "}"
}

func containsInt(s []int, v int) bool {
	for _, x := range s {
		if x == v {
			return true
		}
	}
	return false
}

// demoUnits is how many care units the demo generator writes for a
// number of patients (synth.Demo).
func demoUnits(patients int) int { return max(3, patients/15) }

// targetUnits counts a receiving table's rows per value of column.
func targetUnits(t *testing.T, tgt, table, column string) map[string]int64 {
	t.Helper()
	out := map[string]int64{}
	inTarget(t, tgt, func(ctx context.Context, snap connectors.Snapshot, tables []connectors.Table) {
		for i := range tables {
			if tables[i].Name != table {
				continue
			}
			idx := tables[i].ColumnIndex(column)
			rows, err := snap.Scan(ctx, &tables[i], connectors.ScanOptions{})
			if err != nil {
				t.Fatal(err)
			}
			defer rows.Close()
			for rows.Next() {
				out[verify.UnitText(rows.Row()[idx])]++
			}
			if err := rows.Err(); err != nil {
				t.Fatal(err)
			}
		}
	})
	return out
}

// checkTranslatedRun requires what a run whose units are translated must
// show: each legacy unit's migrated records, and none else, carry its
// receiving id in the target; the per-unit checks stay keyed by the
// legacy unit and name the receiving one; untranslated units migrate
// nothing. It returns the per-unit checks by table and unit.
func checkTranslatedRun(t *testing.T, rep *verify.Report, tgt string, units int, untranslated ...int) map[string]map[string]verify.UnitCheck {
	t.Helper()
	by := map[string]map[string]verify.UnitCheck{}
	for _, c := range rep.Units {
		if by[c.Source] == nil {
			by[c.Source] = map[string]verify.UnitCheck{}
		}
		by[c.Source][c.Unit] = c
	}
	for source, target := range map[string]string{"vardenhet": "care_unit", "patient": "patient", "besok": "visit"} {
		got := targetUnits(t, tgt, target, "care_unit_id")
		var migrated int64
		for i := 1; i <= units; i++ {
			u := fmt.Sprint(i)
			c, ok := by[source][u]
			if !ok {
				t.Errorf("%s: no per-unit check of legacy unit %s (checks keyed %v)", source, u, by[source])
				continue
			}
			if containsInt(untranslated, i) {
				if c.Migrated != 0 || c.ReceivingUnit != "" {
					t.Errorf("%s unit %s, which the translation does not list: %+v", source, u, c)
				}
				continue
			}
			if c.ReceivingUnit != hsaOf(i) {
				t.Errorf("%s unit %s names receiving unit %q, want %s", source, u, c.ReceivingUnit, hsaOf(i))
			}
			if got[hsaOf(i)] != c.Migrated {
				t.Errorf("%s: the target holds %d rows of %s, the ledger migrated %d of legacy unit %s", target, got[hsaOf(i)], hsaOf(i), c.Migrated, u)
			}
			migrated += c.Migrated
		}
		var held int64
		for u, n := range got {
			if !strings.HasPrefix(u, "SE2321000131-E") {
				t.Errorf("%s holds %d rows of unit %q, no receiving id", target, n, u)
			}
			held += n
		}
		if held != migrated || migrated == 0 {
			t.Errorf("%s holds %d rows, the translated units migrated %d", target, held, migrated)
		}
	}
	return by
}

// unitDigest prints per-unit checks by value (SourceRows is a pointer).
func unitDigest(units []verify.UnitCheck) string {
	var b strings.Builder
	for _, c := range units {
		rows := "-"
		if c.SourceRows != nil {
			rows = fmt.Sprint(*c.SourceRows)
		}
		fmt.Fprintf(&b, "%s/%s→%s rows %s %+v %v; ", c.Source, c.Unit, c.ReceivingUnit, rows, c.UnitCounts, c.OK)
	}
	return b.String()
}

// The receiving platform names care units by HSA-ids: the mapping
// translates them by a code list and says so (unit: {column: …,
// translate: enheter}). The run PASSes, holding each record to its unit's
// receiving id; the ledger, the archive and the unit reports keep the
// legacy unit and name the receiving one; the access proof compares the
// grants by legacy unit; verify, re-applying the mapping, agrees.
func TestRunTranslatesReportingUnits(t *testing.T) {
	const patients = 90
	units := demoUnits(patients)
	path := recodedDemoPlan(t, unitCodes(units), true)
	dir := t.TempDir()
	src, _ := makeDemoSQLite(t, dir, patients)
	unitDir := filepath.Join(dir, "units")
	tgt := "sqlite://" + filepath.Join(dir, "receiving.db")
	opts := plans.Options{SourceURL: src, TargetURL: tgt, WorkDir: filepath.Join(dir, "work"), UnitReports: unitDir}
	p := loadPlan(t, path)
	rep, err := plans.Run(context.Background(), p, opts)
	if err != nil || !rep.Pass {
		t.Fatalf("run: %v %v", err, rep.Problems)
	}
	if a := rep.Access; a == nil || !a.OK || a.Grants == 0 {
		t.Errorf("access proof: %+v", a)
	}
	checkTranslatedRun(t, rep, tgt, units)

	raw, err := os.ReadFile(filepath.Join(unitDir, "unit-2.json"))
	if err != nil {
		t.Fatal(err)
	}
	var ur verify.UnitReport
	if err := json.Unmarshal(raw, &ur); err != nil {
		t.Fatal(err)
	}
	if ur.Unit != "2" || ur.ReceivingUnit != hsaOf(2) || !ur.Pass {
		t.Errorf("unit 2's report: %+v", ur)
	}
	md, err := os.ReadFile(filepath.Join(unitDir, "unit-2.md"))
	if err != nil || !strings.Contains(string(md), hsaOf(2)) {
		t.Errorf("unit 2's text report does not name its receiving unit (%v):\n%s", err, md)
	}

	verifyDir := filepath.Join(dir, "verify-units")
	opts.UnitReports = ""
	sum, err := plans.VerifyWith(context.Background(), p, opts, plans.VerifyOptions{UnitReports: verifyDir})
	if err != nil || !sum.Pass {
		t.Fatalf("verify: %v %v", err, sum.Problems)
	}
	if got, want := unitDigest(sum.Units), unitDigest(rep.Units); got != want {
		t.Errorf("verify's per-unit checks differ from the run's:\nverify %s\nrun    %s", got, want)
	}
	again, err := os.ReadFile(filepath.Join(verifyDir, "unit-2.json"))
	if err != nil || !strings.Contains(string(again), hsaOf(2)) {
		t.Errorf("verify's report of unit 2 (%v): %s", err, again)
	}
}

// The same recoding without the declaration fails as before: each
// recoded record changed its owner as far as anyone can tell, and the
// problem says how to declare the translation.
func TestRunRefusesUndeclaredUnitRecoding(t *testing.T) {
	const patients = 60
	path := recodedDemoPlan(t, unitCodes(demoUnits(patients)), false)
	dir := t.TempDir()
	src, _ := makeDemoSQLite(t, dir, patients)
	rep, err := plans.Run(context.Background(), loadPlan(t, path), plans.Options{SourceURL: src, TargetURL: "sqlite://" + filepath.Join(dir, "receiving.db"), WorkDir: dir})
	if err == nil || rep == nil || rep.Pass {
		t.Fatalf("a run that recoded every unit without saying so passed: %v", err)
	}
	found := false
	for _, p := range rep.Problems {
		found = found || (strings.Contains(p, "besok") && strings.Contains(p, "another reporting unit") && strings.Contains(p, "translate:"))
	}
	if !found {
		t.Errorf("problems: %v", rep.Problems)
	}
}

// A translation that gives two legacy units one receiving unit would
// merge two care providers' records: plan check refuses it without a
// database, naming the file, the line and both units, and run refuses it
// before writing anything.
func TestPlanCheckRefusesMergingUnitTranslation(t *testing.T) {
	codes := strings.Replace(unitCodes(4), `"3": `+hsaOf(3), `"3": `+hsaOf(2), 1)
	path := recodedDemoPlan(t, codes, true)
	_, ds := plans.Check(path)
	err := ds.Err()
	if err == nil {
		t.Fatal("plan check passes a translation of units 2 and 3 to one unit")
	}
	for _, part := range []string{"M056", "mapping.yaml:", `"2"`, `"3"`, hsaOf(2)} {
		if !strings.Contains(err.Error(), part) {
			t.Errorf("plan check does not say %s: %v", part, err)
		}
	}
	dir := t.TempDir()
	src, _ := makeDemoSQLite(t, dir, 60)
	p, _ := plans.Load(path)
	_, err = plans.Run(context.Background(), p, plans.Options{SourceURL: src, TargetURL: "sqlite://" + filepath.Join(dir, "receiving.db"), WorkDir: filepath.Join(dir, "work")})
	if err == nil || !strings.Contains(err.Error(), "M056") {
		t.Fatalf("run: %v", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "receiving.db")); err == nil {
		t.Error("the refused run created the receiving database")
	}
}

// A legacy unit the translation does not list has no receiving unit: its
// records cannot keep their owner, so none migrates. Each is archived
// (unit_not_translated, or with the parent it follows), in the legacy
// unit's figures, and verify agrees with the run.
func TestUntranslatedUnitIsArchivedNotMigrated(t *testing.T) {
	const patients = 60
	units := demoUnits(patients)
	path := recodedDemoPlan(t, unitCodes(units, units), true)
	dir := t.TempDir()
	src, _ := makeDemoSQLite(t, dir, patients)
	tgt := "sqlite://" + filepath.Join(dir, "receiving.db")
	opts := plans.Options{SourceURL: src, TargetURL: tgt, WorkDir: filepath.Join(dir, "work")}
	p := loadPlan(t, path)
	rep, err := plans.Run(context.Background(), p, opts)
	if rep == nil {
		t.Fatalf("run: %v", err)
	}
	for _, prob := range rep.Problems {
		if strings.Contains(prob, "reporting unit") {
			t.Errorf("a per-unit problem: %s", prob)
		}
	}
	by := checkTranslatedRun(t, rep, tgt, units, units)
	last := fmt.Sprint(units)
	for _, table := range []string{"vardenhet", "patient"} {
		c := by[table][last]
		if c.Read == 0 || c.ArchivedBy["unit_not_translated"] != c.Read {
			t.Errorf("%s, unit %s the translation does not list: %+v, want every record archived as unit_not_translated", table, last, c)
		}
	}
	if c := by["besok"][last]; c.Read == 0 || c.Archived != c.Read {
		t.Errorf("visits of unit %s: %+v, want all archived", last, c)
	}
	sum, err := plans.Verify(context.Background(), p, opts)
	if sum == nil {
		t.Fatalf("verify: %v", err)
	}
	if got, want := unitDigest(sum.Units), unitDigest(rep.Units); got != want {
		t.Errorf("verify's per-unit checks differ from the run's:\nverify %s\nrun    %s", got, want)
	}
}

// The translated demo, MariaDB to PostgreSQL: the receiving ids are held
// and proven on real servers as on SQLite.
func TestRunTranslatesReportingUnitsMariaDBToPostgreSQL(t *testing.T) {
	src := mytest.NewDatabase(t)
	tgt := pgtest.NewDatabase(t)
	const patients = 150
	writeDemo(t, src, patients)
	units := demoUnits(patients)
	p := loadPlan(t, recodedDemoPlan(t, unitCodes(units), true))
	opts := plans.Options{SourceURL: src, TargetURL: tgt, WorkDir: t.TempDir()}
	rep, err := plans.Run(context.Background(), p, opts)
	if err != nil || !rep.Pass {
		t.Fatalf("run: %v %v", err, rep.Problems)
	}
	checkTranslatedRun(t, rep, tgt, units)
	sum, err := plans.Verify(context.Background(), p, opts)
	if err != nil || !sum.Pass {
		t.Fatalf("verify: %v %v", err, sum.Problems)
	}
	if got, want := unitDigest(sum.Units), unitDigest(rep.Units); got != want {
		t.Errorf("verify's per-unit checks differ from the run's:\nverify %s\nrun    %s", got, want)
	}
}

// The access proof reads receiving grants back to legacy units through
// the translation, and only through it: grants carried through another
// list, which gives each account its neighbour unit's receiving id, reach
// units their accounts did not before, and the run fails naming them.
func TestAccessProofHoldsGrantsToTheTranslation(t *testing.T) {
	const patients = 60
	units := demoUnits(patients)
	var shifted []string
	for i := 1; i <= units; i++ {
		shifted = append(shifted, fmt.Sprintf("%q: %s", fmt.Sprint(i), hsaOf(i%units+1)))
	}
	path := recodedDemoPlan(t, unitCodes(units), true, func(s string) string {
		s = strings.Replace(s, "codelists:\n", "codelists:\n  - name: skift\n    codes: {"+strings.Join(shifted, ", ")+"}\n", 1)
		return strings.Replace(s, "      care_unit_id: {from: vardenhet_id, codelist: enheter}\n      region: region\n\n", "      care_unit_id: {from: vardenhet_id, codelist: skift}\n      region: region\n\n", 1)
	})
	dir := t.TempDir()
	src, _ := makeDemoSQLite(t, dir, patients)
	rep, err := plans.Run(context.Background(), loadPlan(t, path), plans.Options{SourceURL: src, TargetURL: "sqlite://" + filepath.Join(dir, "receiving.db"), WorkDir: dir})
	if err == nil || rep == nil || rep.Pass {
		t.Fatalf("grants moved to other units passed: %v", err)
	}
	if a := rep.Access; a == nil || a.OK || len(a.Widened) == 0 {
		t.Fatalf("access: %+v", rep.Access)
	}
	found := false
	for _, p := range rep.Problems {
		found = found || strings.Contains(p, "access widened")
	}
	if !found {
		t.Errorf("problems: %v", rep.Problems)
	}
}

// Two sub-registers' records of one visit date merge into one
// registration; with units translated, a unit 2 record meets unit 1's
// under two receiving ids (the translation is one-to-one), so it
// conflicts and is archived in unit 2's figures, never merged into unit
// 1's registration and owned by it.
func TestRunMergeKeepsTranslatedUnitsApart(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	srcURL := "sqlite://" + filepath.Join(dir, "legacy.db")
	cols := []connectors.Column{intCol("id"), intCol("enhet"), textCol("datum"), intCol("langd")}
	writeTables(t, srcURL, []connectors.Table{
		{Name: "delreg_a", PrimaryKey: []string{"id"}, Columns: cols},
		{Name: "delreg_b", PrimaryKey: []string{"id"}, Columns: cols},
	}, map[string][][]connectors.Value{
		"delreg_a": {{int64(1), int64(1), "2024-01-01", nil}, {int64(2), int64(2), "2024-03-01", nil}},
		"delreg_b": {{int64(1), int64(2), "2024-01-01", int64(180)}},
	})
	write(t, filepath.Join(dir, "schema.yaml"), `platform: t
tables:
  - name: visit
    primary_key: [visit_date]
    columns:
      - {name: unit, type: varchar(40)}
      - {name: visit_date, type: date}
      - {name: height_cm, type: smallint}
`)
	member := `
        unit: {column: enhet, translate: enheter}
        columns:
          unit: {from: enhet, codelist: enheter}
          visit_date: {expr: date(datum)}
          height_cm: langd
        drop: {id: registration number of the sub-register}`
	write(t, filepath.Join(dir, "m.yaml"), `codelists:
  - name: enheter
    codes: {"1": `+hsaOf(1)+`, "2": `+hsaOf(2)+`}
tables:
  - target: visit
    merge: [visit_date]
    sources:
      - source: delreg_a
        precedence: 1`+member+`
      - source: delreg_b
        precedence: 2`+member+`
`)
	plan := writePlan(t, dir, "run: {reference_date: 2026-01-01}\n")
	tgt := "sqlite://" + filepath.Join(dir, "t.db")
	rep, err := plans.Run(ctx, loadPlan(t, plan), plans.Options{SourceURL: srcURL, TargetURL: tgt, WorkDir: dir})
	if err != nil || !rep.Pass {
		t.Fatalf("run: %v %v", err, rep.Problems)
	}
	for _, c := range rep.Units {
		if c.Source == "delreg_b" && (c.Unit != "2" || c.ReceivingUnit != hsaOf(2) || c.Migrated != 0 || c.ArchivedBy["merge_conflict"] != 1) {
			t.Errorf("delreg_b's unit 2 record: %+v", c)
		}
	}
	if got := targetUnits(t, tgt, "visit", "unit"); got[hsaOf(1)] != 1 || got[hsaOf(2)] != 1 {
		t.Errorf("visit rows per unit %v, want one of each", got)
	}
}
