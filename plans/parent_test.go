package plans_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/regflytt/regflytt/archive"
	"github.com/regflytt/regflytt/connectors"
	"github.com/regflytt/regflytt/connectors/mysql/mytest"
	"github.com/regflytt/regflytt/connectors/postgres/pgtest"
	"github.com/regflytt/regflytt/plans"
)

// familyMapping is patient → visit → form, the visit with a duplicates
// rule; the forms are named first, so the run must reorder the tables.
const familyMapping = `tables:
  - target: form
    source: formular
    parent: {table: besok, key: [besok_id]}
    columns: {form_id: id, visit_id: besok_id, value: {expr: integer(varde)}}
  - target: visit
    source: besok
    parent: {table: patient, key: [patient_id]}
    duplicates: {same: [patient_id, visit_date], keep: earliest, by: registered}
    columns:
      visit_id: id
      patient_id: patient_id
      visit_date: {expr: date(datum)}
      registered: {expr: date(reg)}
  - target: patient
    source: patient
    person: personnr
    columns: {patient_id: id, born: {expr: date(fodd)}}
`

// writeFamily writes the legacy register, the receiving schema, the
// mapping and the plan, and returns the plan's path and the source URL.
func writeFamily(t *testing.T, dir, mapping string) (string, string) {
	t.Helper()
	return writeFamilyAt(t, dir, "sqlite://"+filepath.Join(dir, "legacy.db"), mapping)
}

func writeFamilyAt(t *testing.T, dir, srcURL, mapping string) (string, string) {
	t.Helper()
	writeTables(t, srcURL, []connectors.Table{
		{Name: "patient", PrimaryKey: []string{"id"}, Columns: []connectors.Column{intCol("id"), textCol("personnr"), textCol("fodd")}},
		{Name: "besok", PrimaryKey: []string{"id"}, Columns: []connectors.Column{intCol("id"), intCol("patient_id"), textCol("datum"), textCol("reg")}},
		{Name: "formular", PrimaryKey: []string{"id"}, Columns: []connectors.Column{intCol("id"), intCol("besok_id"), textCol("varde")}},
	}, map[string][][]connectors.Value{
		"patient": {
			{int64(1), "19121212-1212", "1912-12-12"}, // opted out
			{int64(2), "19460101-0301", "1946-01-01"},
			{int64(3), "19500303-1233", "1950-03-03"},
			{int64(4), "19711111-2228", "1971-02-30"}, // archived: no such date
		},
		"besok": {
			{int64(10), int64(1), "2024-01-10", "2024-01-10"},  // patient opted out: excluded
			{int64(11), int64(2), "2024-13-45", "2024-01-11"},  // archived: bad date
			{int64(12), int64(2), "2024-02-01", "2024-02-01"},  // migrated
			{int64(13), int64(99), "2024-03-01", "2024-03-01"}, // orphan
			{int64(14), int64(3), "2024-04-01", "2024-04-03"},  // duplicate of 15, registered later
			{int64(15), int64(3), "2024-04-01", "2024-04-02"},  // the earliest: migrated
			{int64(16), int64(4), "2024-05-01", "2024-05-01"},  // patient archived
			{int64(17), int64(3), "2024-04-01", nil},           // duplicate of 15, no registration date
			{int64(18), int64(2), "2024-02-01", "2024-02-01"},  // duplicate of 12, same date: the lower key wins
		},
		"formular": {
			{int64(100), int64(10), "1"},   // visit excluded: excluded
			{int64(101), int64(11), "1"},   // visit archived: parent_archived
			{int64(102), int64(12), "1"},   // migrated
			{int64(103), int64(13), "1"},   // visit an orphan: parent_archived
			{int64(104), int64(77), "1"},   // no such visit: orphan
			{int64(105), int64(14), "1"},   // visit a duplicate: parent_archived
			{int64(106), int64(15), "1"},   // migrated
			{int64(107), nil, "1"},         // no visit at all: orphan
			{int64(108), int64(16), "1"},   // visit of an archived patient: parent_archived
			{int64(109), int64(10), "ett"}, // a bad value, but its patient opted out: excluded, not archived
		},
	})
	write(t, filepath.Join(dir, "schema.yaml"), `platform: t
tables:
  - name: patient
    primary_key: [patient_id]
    columns: [{name: patient_id, type: bigint}, {name: born, type: date}]
  - name: visit
    primary_key: [visit_id]
    columns:
      - {name: visit_id, type: bigint}
      - {name: patient_id, type: bigint, not_null: true}
      - {name: visit_date, type: date}
      - {name: registered, type: date}
  - name: form
    primary_key: [form_id]
    columns: [{name: form_id, type: bigint}, {name: visit_id, type: bigint}, {name: value, type: integer}]
`)
	write(t, filepath.Join(dir, "m.yaml"), mapping)
	write(t, filepath.Join(dir, "optout.txt"), "# opted out\n121212+1212\n")
	return writePlan(t, dir, "run: {reference_date: 2026-01-01, batch_size: 3}\noptout: {file: optout.txt}\n"), srcURL
}

// Outcomes follow declared parents down a chain (form → visit →
// patient), orphans are archived, duplicate registrations are archived
// with the winner's key, and every source record is accounted for.
// On PostgreSQL and MariaDB too, when their variables are set.
func TestRunParentsAndDuplicates(t *testing.T) {
	sources := map[string]func(t *testing.T, dir string) string{
		"sqlite": func(t *testing.T, dir string) string { return "sqlite://" + filepath.Join(dir, "legacy.db") },
	}
	if os.Getenv("REGFLYTT_TEST_MYSQL") != "" {
		sources["mysql"] = func(t *testing.T, _ string) string { return mytest.NewDatabase(t) }
	}
	if os.Getenv("REGFLYTT_TEST_PG") != "" {
		sources["postgres"] = func(t *testing.T, _ string) string { return pgtest.NewDatabase(t) }
	}
	for name, newSource := range sources {
		t.Run(name, func(t *testing.T) { testParentsAndDuplicates(t, newSource) })
	}
	// The parents' outcomes spilled to SQLite from the first record, as
	// a parent table beyond the memory budget has them.
	t.Run("sqlite, outcomes spilled", func(t *testing.T) {
		plans.SetParentMemory(t, 0)
		testParentsAndDuplicates(t, sources["sqlite"])
	})
}

func testParentsAndDuplicates(t *testing.T, newSource func(t *testing.T, dir string) string) {
	ctx := context.Background()
	dir := t.TempDir()
	plan, srcURL := writeFamilyAt(t, dir, newSource(t, dir), familyMapping)
	tgtURL := "sqlite://" + filepath.Join(dir, "t.db")
	rep, err := plans.Run(ctx, loadPlan(t, plan), plans.Options{SourceURL: srcURL, TargetURL: tgtURL, WorkDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	if !rep.Pass {
		t.Fatalf("FAIL: %v", rep.Problems)
	}
	// A child follows its parent's exclusion: it is matched against the
	// list through the parent, not "not matched against it".
	for _, l := range rep.Lists {
		for _, name := range l.NotMatchedIn {
			if strings.HasPrefix(name, "besok") || strings.HasPrefix(name, "formular") {
				t.Errorf("%s lists %q as not matched against it", l.List, name)
			}
		}
	}
	archived, excluded := ledgerOf(rep, false), ledgerOf(rep, true)
	for table, want := range map[string]string{
		"patient":  summary(2, 1, 1, map[string]int64{"invalid_date": 1}),
		"besok":    summary(2, 6, 1, map[string]int64{"invalid_date": 1, "orphan": 1, "duplicate_registration": 3, "parent_archived": 1}),
		"formular": summary(2, 6, 2, map[string]int64{"parent_archived": 4, "orphan": 2}),
	} {
		if archived[table] != want {
			t.Errorf("%s: %s, want %s", table, archived[table], want)
		}
	}
	for table, want := range map[string]string{
		"besok":    summary(2, 6, 1, map[string]int64{"opt_out": 1}),
		"formular": summary(2, 6, 2, map[string]int64{"opt_out": 2}),
	} {
		if excluded[table] != want {
			t.Errorf("%s excluded: %s, want %s", table, excluded[table], want)
		}
	}

	for table, want := range map[string]string{"patient": "2 3", "visit": "12 15", "form": "102 106"} {
		if got := targetKeys(t, tgtURL, table); got != want {
			t.Errorf("receiving %s holds %s, want %s", table, got, want)
		}
	}

	recs := archiveRecords(t, filepath.Join(dir, "archive"), "besok")
	for key, want := range map[string]string{
		"14": "duplicate_registration: the same registration (patient_id, visit_date) as the record kept, id=15 (earliest by registered)",
		"17": "duplicate_registration: the same registration (patient_id, visit_date) as the record kept, id=15 (earliest by registered)",
		"18": "duplicate_registration: the same registration (patient_id, visit_date) as the record kept, id=12 (earliest by registered)",
		"13": "orphan: no record of patient has the key in patient_id",
		"16": "parent_archived: its parent record in patient is archived (invalid_date)",
	} {
		if recs[key] != want {
			t.Errorf("archived besok %s: %q, want %q", key, recs[key], want)
		}
	}
	forms := archiveRecords(t, filepath.Join(dir, "archive"), "formular")
	for _, key := range []string{"100", "109"} {
		if r, ok := forms[key]; ok {
			t.Errorf("form %s of an opted-out patient is in the archive: %s", key, r)
		}
	}
	if forms["107"] != "orphan: its key to a record of besok (besok_id) is empty" {
		t.Errorf("form 107: %q", forms["107"])
	}
}

// The dry run gives the same outcomes as the run, writing nothing.
func TestDryRunParentsAndDuplicates(t *testing.T) {
	dir := t.TempDir()
	plan, srcURL := writeFamily(t, dir, familyMapping)
	rep, err := plans.DryRun(context.Background(), loadPlan(t, plan), plans.Options{SourceURL: srcURL})
	if err != nil {
		t.Fatal(err)
	}
	for _, tl := range rep.Tables {
		if tl.Source == "formular" && (tl.Migrated != 2 || tl.ArchivedBy["parent_archived"] != 4 || tl.ExcludedBy["opt_out"] != 2) {
			t.Errorf("formular: %+v", tl)
		}
	}
	if rep.Written["visit"] != 2 || rep.Written["form"] != 2 {
		t.Errorf("would write %v", rep.Written)
	}
}

// A cycle of parent links is found by plan check, without a database,
// and stops a run before anything is read, at the place it is written.
func TestRunParentCycle(t *testing.T) {
	dir := t.TempDir()
	mapping := strings.Replace(familyMapping, "    person: personnr\n", "    person: personnr\n    parent: {table: formular, key: [id]}\n", 1)
	plan, srcURL := writeFamily(t, dir, mapping)
	const want = "m.yaml:18:13: error M041: parent links form a cycle (formular → besok → patient → formular)"
	if _, ds := plans.Check(plan); !strings.Contains(fmt.Sprint(ds.Err()), want) {
		t.Errorf("plan check: %v", ds)
	}
	p, ds := plans.Load(plan)
	if err := ds.Err(); err != nil {
		t.Fatal(err)
	}
	_, err := plans.Run(context.Background(), p, plans.Options{SourceURL: srcURL, TargetURL: "sqlite://" + filepath.Join(dir, "t.db"), WorkDir: dir})
	if err == nil || !strings.Contains(err.Error(), want) {
		t.Fatalf("run: %v", err)
	}
	if _, serr := os.Stat(filepath.Join(dir, "t.db")); serr == nil {
		t.Errorf("the receiving database was created by a run that could not start")
	}
}

// targetKeys lists the first column of a receiving table, in order.
func targetKeys(t *testing.T, url, table string) string {
	t.Helper()
	var keys []string
	found := false
	inTarget(t, url, func(ctx context.Context, snap connectors.Snapshot, tables []connectors.Table) {
		for i := range tables {
			if tables[i].Name != table {
				continue
			}
			found = true
			rows, err := snap.Scan(ctx, &tables[i], connectors.ScanOptions{Key: []string{tables[i].Columns[0].Name}})
			if err != nil {
				t.Fatal(err)
			}
			defer rows.Close()
			for rows.Next() {
				s, _ := connectors.FormatValue(rows.Row()[0])
				keys = append(keys, s)
			}
			if err := rows.Err(); err != nil {
				t.Fatal(err)
			}
			return
		}
	})
	if !found {
		t.Fatalf("no receiving table %s", table)
	}
	return strings.Join(keys, " ")
}

// archiveRecords reads the archived records of a source table: for each
// key, "reason: detail".
func archiveRecords(t *testing.T, dir, table string) map[string]string {
	t.Helper()
	pkg, err := archive.OpenVerified(dir)
	if err != nil {
		t.Fatal(err)
	}
	recs, err := pkg.Records(table)
	if err != nil {
		t.Fatal(err)
	}
	defer recs.Close()
	out := map[string]string{}
	for recs.Next() {
		rec := recs.Record()
		var key []*string
		if err := json.Unmarshal([]byte(rec.KeyText), &key); err != nil {
			t.Fatal(err)
		}
		var parts []string
		for _, k := range key {
			parts = append(parts, *k)
		}
		out[strings.Join(parts, ",")] = rec.Outcome.Reason + ": " + rec.Outcome.Detail
	}
	if err := recs.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// A form store's entities follow their patient, and its value rows their
// entity; a table whose parent is the form store's entity follows it.
func TestRunParentsOfAFormStore(t *testing.T) {
	dir := t.TempDir()
	srcURL := "sqlite://" + filepath.Join(dir, "legacy.db")
	writeTables(t, srcURL, []connectors.Table{
		{Name: "patient", PrimaryKey: []string{"id"}, Columns: []connectors.Column{intCol("id"), textCol("personnr"), textCol("fodd")}},
		{Name: "instans", PrimaryKey: []string{"id"}, Columns: []connectors.Column{intCol("id"), intCol("patient_id")}},
		{Name: "varde", PrimaryKey: []string{"varde_id"}, Columns: []connectors.Column{intCol("varde_id"), intCol("instans_id"), textCol("variabel"), textCol("varde")}},
		{Name: "bilaga", PrimaryKey: []string{"id"}, Columns: []connectors.Column{intCol("id"), intCol("instans_id")}},
	}, map[string][][]connectors.Value{
		"patient": {
			{int64(1), "19121212-1212", "1912-12-12"}, // opted out
			{int64(2), "19460101-0301", "1946-01-01"},
			{int64(4), "19711111-2228", "1971-02-30"}, // archived
		},
		"instans": {{int64(1), int64(1)}, {int64(2), int64(2)}, {int64(3), int64(4)}, {int64(4), int64(5)}},
		"varde": {
			{int64(1), int64(1), "vikt", "70"}, // patient opted out: excluded
			{int64(2), int64(1), "gammal", "x"},
			{int64(3), int64(2), "vikt", "71"}, // migrated
			{int64(4), int64(3), "vikt", "72"}, // patient archived
			{int64(5), int64(3), "gammal", "x"},
			{int64(6), int64(4), "vikt", "73"}, // entity an orphan
		},
		"bilaga": {{int64(1), int64(1)}, {int64(2), int64(2)}, {int64(3), int64(3)}, {int64(4), int64(4)}},
	})
	write(t, filepath.Join(dir, "schema.yaml"), `platform: t
tables:
  - name: patient
    columns: [{name: patient_id, type: bigint}, {name: born, type: date}]
  - name: registration
    columns: [{name: registration_id, type: bigint}, {name: weight, type: integer}]
  - name: attachment
    columns: [{name: attachment_id, type: bigint}]
`)
	write(t, filepath.Join(dir, "m.yaml"), `tables:
  - target: attachment
    source: bilaga
    parent: {table: instans, key: [instans_id]}
    columns: {attachment_id: id}
    drop: {instans_id: the form instance is the parent}
  - target: registration
    source:
      eav: {entities: instans, values: varde, entity: instans_id, attribute: variabel, value: varde}
    parent: {table: patient, key: [patient_id]}
    columns: {registration_id: id, weight: {expr: integer(vikt)}}
    drop: {gammal: retired, patient_id: the patient is the parent, varde_id: the value row's own number}
  - target: patient
    source: patient
    person: personnr
    columns: {patient_id: id, born: {expr: date(fodd)}}
`)
	write(t, filepath.Join(dir, "optout.txt"), "121212+1212\n")
	plan := writePlan(t, dir, "run: {reference_date: 2026-01-01}\noptout: {file: optout.txt}\n")
	rep := runOnSQLite(t, loadPlan(t, plan), srcURL, dir, nil)
	archived, excluded := ledgerOf(rep, false), ledgerOf(rep, true)
	for table, want := range map[string]string{
		"instans": summary(1, 2, 1, map[string]int64{"parent_archived": 1, "orphan": 1}),
		"varde":   summary(1, 3, 2, map[string]int64{"parent_archived": 1, "variable_not_mapped": 1, "orphan": 1}),
		"bilaga":  summary(1, 2, 1, map[string]int64{"parent_archived": 2}),
	} {
		if archived[table] != want {
			t.Errorf("%s: %s, want %s", table, archived[table], want)
		}
	}
	for table, want := range map[string]string{
		"instans": summary(1, 2, 1, map[string]int64{"opt_out": 1}),
		"varde":   summary(1, 3, 2, map[string]int64{"opt_out": 2}),
		"bilaga":  summary(1, 2, 1, map[string]int64{"opt_out": 1}),
	} {
		if excluded[table] != want {
			t.Errorf("%s excluded: %s, want %s", table, excluded[table], want)
		}
	}
}

// Sub-registers merged into one receiving table follow their patient
// before they are merged: a record of an opted-out patient is excluded,
// one of an archived patient archived, and the rest merge as before.
func TestRunMergedSourcesFollowTheirParent(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	srcURL := "sqlite://" + filepath.Join(dir, "legacy.db")
	sub := []connectors.Column{intCol("id"), intCol("patient_id"), textCol("datum"), intCol("langd")}
	writeTables(t, srcURL, []connectors.Table{
		{Name: "patient", PrimaryKey: []string{"id"}, Columns: []connectors.Column{intCol("id"), textCol("personnr"), textCol("fodd")}},
		{Name: "delreg_a", PrimaryKey: []string{"id"}, Columns: sub},
		{Name: "delreg_b", PrimaryKey: []string{"id"}, Columns: sub},
	}, map[string][][]connectors.Value{
		"patient": {
			{int64(1), "19121212-1212", "1912-12-12"}, // opted out
			{int64(2), "19460101-0301", "1946-01-01"},
			{int64(4), "19711111-2228", "1971-02-30"}, // archived
		},
		"delreg_a": {{int64(1), int64(1), "2024-01-01", nil}, {int64(2), int64(2), "2024-01-02", nil}, {int64(3), int64(4), "2024-01-03", nil}},
		"delreg_b": {{int64(1), int64(1), "2024-01-01", int64(170)}, {int64(2), int64(2), "2024-01-02", int64(180)}, {int64(3), int64(9), "2024-01-03", int64(190)}},
	})
	write(t, filepath.Join(dir, "schema.yaml"), `platform: t
tables:
  - name: patient
    columns: [{name: patient_id, type: bigint}, {name: born, type: date}]
  - name: visit
    columns: [{name: patient_id, type: bigint}, {name: visit_date, type: date}, {name: height_cm, type: smallint}]
`)
	member := `
        parent: {table: patient, key: [patient_id]}
        columns: {patient_id: patient_id, visit_date: {expr: date(datum)}, height_cm: langd}
        drop: {id: the sub-register's own number}`
	write(t, filepath.Join(dir, "m.yaml"), `tables:
  - target: visit
    merge: [patient_id, visit_date]
    sources:
      - source: delreg_a
        precedence: 1`+member+`
      - source: delreg_b
        precedence: 2`+member+`
  - target: patient
    source: patient
    person: personnr
    columns: {patient_id: id, born: {expr: date(fodd)}}
`)
	write(t, filepath.Join(dir, "optout.txt"), "121212+1212\n")
	plan := writePlan(t, dir, "run: {reference_date: 2026-01-01}\noptout: {file: optout.txt}\n")
	tgtURL := "sqlite://" + filepath.Join(dir, "t.db")
	rep, err := plans.Run(ctx, loadPlan(t, plan), plans.Options{SourceURL: srcURL, TargetURL: tgtURL, WorkDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	if !rep.Pass {
		t.Fatalf("FAIL: %v", rep.Problems)
	}
	archived, excluded := ledgerOf(rep, false), ledgerOf(rep, true)
	for table, want := range map[string]string{
		"delreg_a": summary(1, 1, 1, map[string]int64{"parent_archived": 1}),
		"delreg_b": summary(1, 1, 1, map[string]int64{"orphan": 1}),
	} {
		if archived[table] != want {
			t.Errorf("%s: %s, want %s", table, archived[table], want)
		}
	}
	if excluded["delreg_a"] != summary(1, 1, 1, map[string]int64{"opt_out": 1}) || excluded["delreg_b"] != summary(1, 1, 1, map[string]int64{"opt_out": 1}) {
		t.Errorf("excluded: %v", excluded)
	}
	// Patient 2's two records merged into one row.
	if got := targetKeys(t, tgtURL, "visit"); got != "2" {
		t.Errorf("receiving visit holds patients %s, want 2", got)
	}
}
