package main

import (
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/regflytt/regflytt/archive"
	"github.com/regflytt/regflytt/connectors"
)

// formStoreRun builds a form store whose person: reads the patient's
// number from two variables, value rows of their own (the birth date,
// fodd, and the last four, sista4), runs the plan over it and gives the
// package and the plan. Form 1 is the listed patient's (19121212-1212)
// and form 2 another person's (19460101-0301), both archived for a visit
// date no calendar has; form 3, the listed patient's too, migrates. The
// plan lists nobody: the erasure decision came after the run.
// personExpr is the person: expression, reading the variables it
// names; rows holds each form's value rows after the visit date's.
func formStoreRun(t *testing.T, personExpr string, rows map[int][][2]string) (pkg, plan string) {
	t.Helper()
	return formStoreRunWith(t, personExpr, nil, rows)
}

// formStoreRunWith is formStoreRun with an entity column personnr
// holding entityPnr's numbers (nil: no such column).
func formStoreRunWith(t *testing.T, personExpr string, entityPnr map[int]string, rows map[int][][2]string) (pkg, plan string) {
	t.Helper()
	dir := t.TempDir()
	src := filepath.Join(dir, "legacy.db")
	db, err := sql.Open("sqlite", "file:"+src)
	if err != nil {
		t.Fatal(err)
	}
	stmts := []string{
		`CREATE TABLE instans (id integer PRIMARY KEY NOT NULL)`,
		`CREATE TABLE varde (instans_id integer NOT NULL, variabel text NOT NULL, varde text, PRIMARY KEY (instans_id, variabel))`,
		`INSERT INTO instans VALUES (1), (2), (3)`,
		`INSERT INTO varde VALUES (1, 'besok', '2024-13-45'), (2, 'besok', '2020-02-30'), (3, 'besok', '2020-02-03')`,
	}
	for id, vs := range rows {
		for _, v := range vs {
			stmts = append(stmts, "INSERT INTO varde VALUES ("+string(rune('0'+id))+", '"+v[0]+"', '"+v[1]+"')")
		}
	}
	if entityPnr != nil {
		stmts[0] = `CREATE TABLE instans (id integer PRIMARY KEY NOT NULL, personnr text)`
		stmts[2] = "INSERT INTO instans VALUES (1, '" + entityPnr[1] + "'), (2, '" + entityPnr[2] + "'), (3, '" + entityPnr[3] + "')"
	}
	for _, s := range stmts {
		if _, err := db.Exec(s); err != nil {
			t.Fatalf("%s: %v", s, err)
		}
	}
	db.Close()
	files := map[string]string{
		"schema.yaml": "platform: t\ntables:\n  - name: registration\n    primary_key: [registration_id]\n    columns:\n" +
			"      - {name: registration_id, type: bigint}\n      - {name: visit_date, type: date}\n",
		"m.yaml": "tables:\n  - target: registration\n    source:\n      eav: {entities: instans, values: varde, entity: instans_id, attribute: variabel, value: varde}\n" +
			"    person: {expr: '" + personExpr + "'}\n    unit: {none: a test form store without units}\n" +
			"    columns:\n      registration_id: id\n      visit_date: {expr: date(besok)}\n",
		"plan.yaml": "plan: 1\nregister: {id: test, name: Test register}\nsystem: {current: a, chosen: b}\ncpua: {current: A, future: B}\nrco: {current: A, future: B}\n" +
			"target: {schema: schema.yaml}\nmappings: [m.yaml]\narchive: {dir: archive, unencrypted_reason: synthetic test data}\n" +
			"run: {reference_date: 2026-01-01}\noptout: {none: no one opted out}\nverification: {archived_share_max: 0.9}\n",
	}
	for name, text := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	plan = filepath.Join(dir, "plan.yaml")
	code, out, errs := cli(t, "run", plan, "--source", "sqlite://"+src, "--target", "sqlite://"+filepath.Join(dir, "receiving.db"),
		"--work", filepath.Join(dir, "work"), "--quiet")
	if code != exitOK {
		t.Fatalf("run: exit %d\n%s\n%s", code, out, errs)
	}
	pkg = filepath.Join(dir, "work", "archive")
	if left := recordsLeft(t, pkg, "instans"); left != "1 2" {
		t.Fatalf("the run archived forms %q, want 1 2", left)
	}
	return pkg, plan
}

// formValuesLeft gives the archived value rows of the form store as
// "entity:variable" pairs, space separated, in the package's order.
func formValuesLeft(t *testing.T, pkg string) string {
	t.Helper()
	p, err := archive.Open(pkg)
	if err != nil {
		t.Fatal(err)
	}
	recs, err := p.Records("varde")
	if err != nil {
		t.Fatal(err)
	}
	defer recs.Close()
	var left []string
	for recs.Next() {
		v := recs.Record().Values
		left = append(left, strings.TrimSpace(strings.Join([]string{fmtValue(v[0]), fmtValue(v[1])}, ":")))
	}
	if err := recs.Err(); err != nil {
		t.Fatal(err)
	}
	return strings.Join(left, " ")
}

func fmtValue(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case int64:
		return string(rune('0' + x))
	}
	return "?"
}

// twoVariables is the listed patient's number split over two variables
// in forms 1 and 3, another person's in form 2.
var twoVariables = map[int][][2]string{
	1: {{"fodd", "19121212"}, {"sista4", "1212"}},
	2: {{"fodd", "19460101"}, {"sista4", "0301"}},
	3: {{"fodd", "19121212"}, {"sista4", "1212"}},
}

// A form store's person: reads the patient's number from two variables,
// each a value row of its own. A form archived with its value rows holds
// the number only joined across two records of the values table, and
// erase, which looks at one record at a time, found nothing: it left
// the listed patient's form and its value rows in the package, said the
// person was found in no archived record, and exited 0. It must erase
// the form and its value rows, and keep the other person's.
func TestArchiveEraseFormStoreSplitNumber(t *testing.T) {
	pkg, _ := formStoreRun(t, `fodd + "-" + sista4`, twoVariables)
	// The package records what the person: reads, and the values' link
	// to their form.
	p, err := archive.Open(pkg)
	if err != nil {
		t.Fatal(err)
	}
	for _, tbl := range p.Tables() {
		if tbl.Person == nil || tbl.Person.Form == nil || fmt.Sprint(tbl.Person.Form.Variables) != "[fodd sista4]" || tbl.Person.Form.Entity != "instans_id" {
			t.Errorf("table %s: person %+v, want the form's variables fodd and sista4", tbl.Table, tbl.Person)
		}
		if tbl.Table == "varde" && (len(tbl.ForeignKeys) != 1 || !tbl.ForeignKeys[0].Parent || tbl.ForeignKeys[0].RefTable != "instans") {
			t.Errorf("the value rows are not linked to their form: %+v", tbl.ForeignKeys)
		}
	}
	list := personListFile(t, "19121212-1212")
	code, out, errs := cli(t, "archive", "erase", pkg, "--person-list", list, "--reference", "Dnr 20")
	if code != exitOK {
		t.Fatalf("erase: exit %d\n%s\n%s", code, out, errs)
	}
	wantAllFound(t, out)
	if left := recordsLeft(t, pkg, "instans"); left != "2" {
		t.Errorf("forms left %q, want only 2 (another person's)\n%s", left, out)
	}
	if left := formValuesLeft(t, pkg); left != "2:besok 2:fodd 2:sista4" {
		t.Errorf("value rows left %q, want only form 2's\n%s", left, out)
	}
	if shown := strings.ReplaceAll(out+errs, pkg, "PKG"); strings.Contains(shown, "1912") {
		t.Errorf("erase shows the person's number:\n%s\n%s", out, errs)
	}
	// The new version says what the old said of the form store.
	if p, err = archive.Open(pkg); err != nil {
		t.Fatal(err)
	}
	for _, tbl := range p.Tables() {
		if tbl.Person == nil || tbl.Person.Form == nil {
			t.Errorf("after the erasure, table %s does not record the form store's person: %+v", tbl.Table, tbl.Person)
		}
	}
}

// A person: can read three parts (here the year of birth, the month and
// day, the last four, three variables, no two of which make a number):
// the run joins them with its expression; erase must join the three.
func TestArchiveEraseFormStoreNumberOverThreeVariables(t *testing.T) {
	pkg, _ := formStoreRun(t, `ar + md + "-" + sista4`, map[int][][2]string{
		1: {{"ar", "1912"}, {"md", "1212"}, {"sista4", "1212"}},
		2: {{"ar", "1946"}, {"md", "0101"}, {"sista4", "0301"}},
		3: {{"ar", "1912"}, {"md", "1212"}, {"sista4", "1212"}},
	})
	list := personListFile(t, "19121212-1212")
	code, out, errs := cli(t, "archive", "erase", pkg, "--person-list", list, "--reference", "Dnr 21")
	if code != exitOK {
		t.Fatalf("erase: exit %d\n%s\n%s", code, out, errs)
	}
	wantAllFound(t, out)
	if left := formValuesLeft(t, pkg); left != "2:ar 2:besok 2:md 2:sista4" {
		t.Errorf("value rows left %q, want only form 2's\n%s", left, out)
	}
}

// A form whose entity holds the whole number (an entity column its
// person: reads) was erased alone: its value rows, which no foreign key
// the source declared links to it, stayed in the package (the person's
// visit date, and the rest of the form) and erase said nothing of them.
// They go with their form now, and the other person's form stays whole;
// a value row of a form that migrated is counted as left.
func TestArchiveEraseFormStoreTakesTheFormsValueRows(t *testing.T) {
	pkg, _ := formStoreRunWith(t, "personnr", map[int]string{1: "19121212-1212", 2: "19460101-0301", 3: "19121212-1212"},
		map[int][][2]string{1: {{"vikt", "70"}}, 2: {{"vikt", "80"}}, 3: {{"vikt", "75"}}})
	list := personListFile(t, "19121212-1212")
	code, out, errs := cli(t, "archive", "erase", pkg, "--person-list", list, "--reference", "Dnr 22")
	if code != exitOK {
		t.Fatalf("erase: exit %d\n%s\n%s", code, out, errs)
	}
	wantAllFound(t, out)
	if left := recordsLeft(t, pkg, "instans"); left != "2" {
		t.Errorf("forms left %q, want only 2\n%s", left, out)
	}
	// 3:vikt, no column's variable, was archived alone from form 3,
	// which migrated: the package does not hold whose it is, and erase
	// says it left it.
	if left := formValuesLeft(t, pkg); left != "2:besok 2:vikt 3:vikt" {
		t.Errorf("value rows left %q, want form 2's and 3:vikt\n%s", left, out)
	}
	if !strings.Contains(out, "records left whose parent record migrated: varde 1") {
		t.Errorf("erase does not say it left the value row of a form that migrated:\n%s", out)
	}
}

// oldFormPackage writes a package as a regflytt before packages kept
// the person: did, of the form store formStoreRun builds: forms 1 (the
// listed patient's, 19121212-1212 over the variables fodd and sista4)
// and 2 (another person's) with their value rows, and neither what the
// person: reads nor the link from a value row to its form.
func oldFormPackage(t *testing.T) string {
	t.Helper()
	ents := &connectors.Table{Name: "instans", PrimaryKey: []string{"id"}, Columns: []connectors.Column{{Name: "id", Type: connectors.Type{Kind: connectors.KindInt, Bits: 64}}}}
	vals := &connectors.Table{Name: "varde", PrimaryKey: []string{"instans_id", "variabel"}, Columns: []connectors.Column{
		{Name: "instans_id", Type: connectors.Type{Kind: connectors.KindInt, Bits: 64}},
		{Name: "variabel", Type: connectors.Type{Kind: connectors.KindText}},
		nullableText("varde"),
	}}
	pkg := filepath.Join(t.TempDir(), "pkg")
	w, err := archive.Create(pkg, archive.Meta{Register: "t", Owner: "B", ReferenceDate: eraseRef.Format("2006-01-02")})
	if err != nil {
		t.Fatal(err)
	}
	for i, date := range []string{"2024-13-45", "2020-02-30"} {
		id := int64(i + 1)
		if err := w.Add(ents, archive.Record{Reason: "invalid_date", Values: []connectors.Value{id}}); err != nil {
			t.Fatal(err)
		}
		parts := twoVariables[int(id)]
		for _, v := range [][2]string{{"besok", date}, parts[0], parts[1]} {
			if err := w.Add(vals, archive.Record{Reason: "invalid_date", Values: []connectors.Value{id, v[0], v[1]}}); err != nil {
				t.Fatal(err)
			}
		}
	}
	if _, err := w.Close(eraseRef); err != nil {
		t.Fatal(err)
	}
	return pkg
}

// A package written before packages recorded what a form store's
// person: reads holds the listed patient's number over two value rows
// of one form: erase, not told the variables, must refuse (exit 1,
// nothing changed), naming the package, the table, the columns and
// --plan, never the number; given the plan the package was written
// under, it erases the form and its value rows.
func TestArchiveEraseOldFormStorePackage(t *testing.T) {
	pkg := oldFormPackage(t)
	list := personListFile(t, "19121212-1212")
	code, out, errs := cli(t, "archive", "erase", pkg, "--person-list", list, "--reference", "Dnr 23")
	if code != exitError {
		t.Fatalf("erase not told the form store's variables: exit %d, want %d\n%s\n%s", code, exitError, out, errs)
	}
	for _, want := range []string{pkg, "varde", "instans_id", "--plan"} {
		if !strings.Contains(errs, want) {
			t.Errorf("the refusal does not name %q:\n%s", want, errs)
		}
	}
	if shown := strings.ReplaceAll(errs, pkg, "PKG"); strings.Contains(shown, "1912") || strings.Contains(shown, "1212") {
		t.Errorf("the refusal shows the person's number:\n%s", errs)
	}
	if left := formValuesLeft(t, pkg); left != "1:besok 1:fodd 1:sista4 2:besok 2:fodd 2:sista4" {
		t.Fatalf("a refused erasure changed the package: value rows %q", left)
	}

	_, plan := formStoreRun(t, `fodd + "-" + sista4`, twoVariables)
	code, out, errs = cli(t, "archive", "erase", pkg, "--person-list", list, "--reference", "Dnr 23", "--plan", plan)
	if code != exitOK {
		t.Fatalf("erase --plan: exit %d\n%s\n%s", code, out, errs)
	}
	wantAllFound(t, out)
	if left := recordsLeft(t, pkg, "instans"); left != "2" {
		t.Errorf("forms left %q, want only 2\n%s", left, out)
	}
	if left := formValuesLeft(t, pkg); left != "2:besok 2:fodd 2:sista4" {
		t.Errorf("value rows left %q, want only form 2's\n%s", left, out)
	}
}

// A form of an old package (no record of what its person: reads) with
// more than 256 values that may be a split number's parts (a big form's
// short numeric answers, each 1-4 digits like a last four) was skipped
// by the refusal's search: erase left the listed patient's birth date
// and last four in the package, said the person was found in no
// archived record and exited 0. A group is bounded by the pairs it asks
// (birth dates times last fours), not by its records.
func TestArchiveEraseOldFormStoreBigForm(t *testing.T) {
	ents := &connectors.Table{Name: "instans", PrimaryKey: []string{"id"}, Columns: []connectors.Column{{Name: "id", Type: connectors.Type{Kind: connectors.KindInt, Bits: 64}}}}
	vals := &connectors.Table{Name: "varde", PrimaryKey: []string{"instans_id", "variabel"}, Columns: []connectors.Column{
		{Name: "instans_id", Type: connectors.Type{Kind: connectors.KindInt, Bits: 64}},
		{Name: "variabel", Type: connectors.Type{Kind: connectors.KindText}},
		nullableText("varde"),
	}}
	pkg := filepath.Join(t.TempDir(), "pkg")
	w, err := archive.Create(pkg, archive.Meta{Register: "t", Owner: "B", ReferenceDate: eraseRef.Format("2006-01-02")})
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Add(ents, archive.Record{Reason: "invalid_date", Values: []connectors.Value{int64(1)}}); err != nil {
		t.Fatal(err)
	}
	rows := [][2]string{{"besok", "2024-13-45"}, {"fodd", "19121212"}, {"sista4", "1212"}}
	for i := range 300 {
		rows = append(rows, [2]string{fmt.Sprintf("fraga%03d", i), fmt.Sprint(i%5 + 1)})
	}
	for _, v := range rows {
		if err := w.Add(vals, archive.Record{Reason: "invalid_date", Values: []connectors.Value{int64(1), v[0], v[1]}}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := w.Close(eraseRef); err != nil {
		t.Fatal(err)
	}
	list := personListFile(t, "19121212-1212")
	code, out, errs := cli(t, "archive", "erase", pkg, "--person-list", list, "--reference", "Dnr 24")
	if code != exitError {
		t.Fatalf("erase of an old package's big form not told the variables: exit %d, want %d\n%s\n%s", code, exitError, out, errs)
	}
	for _, want := range []string{"varde", "instans_id", "--plan"} {
		if !strings.Contains(errs, want) {
			t.Errorf("the refusal does not name %q:\n%s", want, errs)
		}
	}
}

// A form of an old package holding more birth dates times last fours
// than erase asks joined (a big form's many short numeric answers and
// many dates) was skipped by the refusal's search: its listed birth
// date and last four stayed in the package, "found in no archived
// record", exit 0. Such a form is refused too, exit 1, nothing changed,
// naming the table and the columns, never the number.
func TestArchiveEraseOldFormStoreTooBigToSearch(t *testing.T) {
	ents := &connectors.Table{Name: "instans", PrimaryKey: []string{"id"}, Columns: []connectors.Column{{Name: "id", Type: connectors.Type{Kind: connectors.KindInt, Bits: 64}}}}
	vals := &connectors.Table{Name: "varde", PrimaryKey: []string{"instans_id", "variabel"}, Columns: []connectors.Column{
		{Name: "instans_id", Type: connectors.Type{Kind: connectors.KindInt, Bits: 64}},
		{Name: "variabel", Type: connectors.Type{Kind: connectors.KindText}},
		nullableText("varde"),
	}}
	pkg := filepath.Join(t.TempDir(), "pkg")
	w, err := archive.Create(pkg, archive.Meta{Register: "t", Owner: "B", ReferenceDate: eraseRef.Format("2006-01-02")})
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Add(ents, archive.Record{Reason: "invalid_date", Values: []connectors.Value{int64(1)}}); err != nil {
		t.Fatal(err)
	}
	rows := [][2]string{{"besok", "2024-13-45"}, {"fodd", "19121212"}, {"sista4", "1212"}}
	// 140 dates and 140 answers of four digits: 141 times 141 pairs.
	for i := range 140 {
		rows = append(rows, [2]string{fmt.Sprintf("datum%03d", i), fmt.Sprintf("2001%02d%02d", i%12+1, i%28+1)})
		rows = append(rows, [2]string{fmt.Sprintf("fraga%03d", i), fmt.Sprint(3000 + i)})
	}
	for _, v := range rows {
		if err := w.Add(vals, archive.Record{Reason: "invalid_date", Values: []connectors.Value{int64(1), v[0], v[1]}}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := w.Close(eraseRef); err != nil {
		t.Fatal(err)
	}
	before := treeDigest(t, pkg)
	list := personListFile(t, "19121212-1212")
	code, out, errs := cli(t, "archive", "erase", pkg, "--person-list", list, "--reference", "Dnr 25")
	if code != exitError {
		t.Fatalf("erase of an old package's form too big to search: exit %d, want %d\n%s\n%s", code, exitError, out, errs)
	}
	for _, want := range []string{"varde", "instans_id", "--plan"} {
		if !strings.Contains(errs, want) {
			t.Errorf("the refusal does not name %q:\n%s", want, errs)
		}
	}
	if strings.Contains(out+errs, "19121212") {
		t.Errorf("the refusal shows a part of the number:\n%s\n%s", out, errs)
	}
	if after := treeDigest(t, pkg); after != before {
		t.Error("the refusal changed the package")
	}
}
