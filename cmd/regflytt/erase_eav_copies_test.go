package main

import (
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/regflytt/regflytt/archive"
)

// copiesCase is a form store whose forms may hold a person's value more
// than once: value rows (instans_id, variabel, varde) of forms 1 (the
// listed patient's), 2 (another person's) and 3 (another person's,
// migrated), forms 1 and 2 archived whole for a visit date no calendar
// has.
type copiesCase struct {
	name   string
	person string // the person: expression
	// entCol declares an entity column ("fodd text"); ents gives each
	// form's value of it (SQL).
	entCol string
	ents   map[int]string
	rows   []string // value rows "(instans_id, 'variabel', varde)"
	list   string
	// want is the value rows left, formValuesLeft's.
	want string
	// migrate gives every form a visit date: they all migrate, and the
	// package holds value rows of no form (orphans) alone.
	migrate bool
}

// copiesRun runs c's form store under a plan that lists nobody (the
// erasure decision came after the run) and gives the package.
func copiesRun(t *testing.T, c copiesCase) string {
	t.Helper()
	dir := t.TempDir()
	src := filepath.Join(dir, "legacy.db")
	db, err := sql.Open("sqlite", "file:"+src)
	if err != nil {
		t.Fatal(err)
	}
	ent, ents := `CREATE TABLE instans (id integer PRIMARY KEY NOT NULL)`, `INSERT INTO instans VALUES (1), (2), (3)`
	if c.entCol != "" {
		ent = `CREATE TABLE instans (id integer PRIMARY KEY NOT NULL, ` + c.entCol + `)`
		ents = fmt.Sprintf("INSERT INTO instans VALUES (1, %s), (2, %s), (3, %s)", c.ents[1], c.ents[2], c.ents[3])
	}
	rows := append([]string{"(1, 'besok', '2024-13-45')", "(2, 'besok', '2020-02-30')", "(3, 'besok', '2020-02-03')"}, c.rows...)
	if c.migrate {
		rows[0], rows[1] = "(1, 'besok', '2020-01-01')", "(2, 'besok', '2020-01-02')"
	}
	for i := range rows {
		rows[i] = strings.TrimSuffix(rows[i], ")") + fmt.Sprintf(", %d)", i+1)
	}
	for _, s := range []string{ent,
		`CREATE TABLE varde (instans_id integer NOT NULL, variabel text NOT NULL, varde text, varde_id integer PRIMARY KEY NOT NULL)`,
		ents, `INSERT INTO varde VALUES ` + strings.Join(rows, ", ")} {
		if _, err := db.Exec(s); err != nil {
			t.Fatalf("%s: %v", s, err)
		}
	}
	db.Close()
	files := map[string]string{
		"schema.yaml": "platform: t\ntables:\n  - name: registration\n    primary_key: [registration_id]\n    columns:\n" +
			"      - {name: registration_id, type: bigint}\n      - {name: visit_date, type: date}\n",
		"m.yaml": "tables:\n  - target: registration\n    source:\n      eav: {entities: instans, values: varde, entity: instans_id, attribute: variabel, value: varde}\n" +
			"    person: {expr: '" + c.person + "'}\n    unit: {none: a test form store without units}\n" +
			"    columns:\n      registration_id: id\n      visit_date: {expr: date(besok)}\n    drop:\n      varde_id: the value row's own number\n",
		"plan.yaml": "plan: 1\nregister: {id: test, name: Test register}\nsystem: {current: a, chosen: b}\ncpua: {current: A, future: B}\nrco: {current: A, future: B}\n" +
			"target: {schema: schema.yaml}\nmappings: [m.yaml]\narchive: {dir: archive, unencrypted_reason: synthetic test data}\n" +
			"run: {reference_date: 2026-01-01}\noptout: {none: no one opted out}\nverification: {archived_share_max: 0.9}\n",
	}
	for name, text := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	code, out, errs := cli(t, "run", filepath.Join(dir, "plan.yaml"), "--source", "sqlite://"+src, "--target", "sqlite://"+filepath.Join(dir, "receiving.db"),
		"--work", filepath.Join(dir, "work"), "--quiet")
	if code != exitOK {
		t.Fatalf("run: exit %d\n%s\n%s", code, out, errs)
	}
	pkg := filepath.Join(dir, "work", "archive")
	if c.migrate {
		p, err := archive.Open(pkg)
		if err != nil {
			t.Fatal(err)
		}
		for _, tbl := range p.Tables() {
			if tbl.Table == "instans" {
				t.Fatalf("the run archived forms: %+v", tbl)
			}
		}
	} else if left := recordsLeft(t, pkg, "instans"); left != "1 2" {
		t.Fatalf("the run archived forms %q, want 1 2", left)
	}
	return pkg
}

// A form archived whole may hold the person's values more than once:
// a variable repeated (another person's value first, or a NULL or empty
// one), spelled in another case or with a trailing space, stored under
// the name of the entity column person: reads, or a number over three
// variables some of which repeat. The run joins every way of taking the
// copies (mappings' person copies); erase must find such a form of a
// listed person and remove it with all its value rows, not say the
// person was found in no archived record and exit 0, nor remove the one
// value row holding the number and leave the form.
func TestArchiveEraseFormStorePersonCopies(t *testing.T) {
	split := `fodd + "-" + sista4`
	other := []string{"(2, 'fodd', '19460101')", "(2, 'sista4', '0301')", "(3, 'fodd', '19460101')", "(3, 'sista4', '0301')"}
	for _, c := range []copiesCase{
		{name: "S1 parts repeated, other first", person: split, list: "19121212-1212", want: "2:besok 2:fodd 2:sista4",
			rows: append([]string{"(1, 'fodd', '19460101')", "(1, 'sista4', '0301')", "(1, 'fodd', '19121212')", "(1, 'sista4', '1212')"}, other...)},
		{name: "S4 birth date NULL then listed", person: split, list: "19121212-1212", want: "2:besok 2:fodd 2:sista4",
			rows: append([]string{"(1, 'fodd', NULL)", "(1, 'sista4', '1212')", "(1, 'fodd', '19121212')"}, other...)},
		{name: "S5 birth date empty then listed", person: split, list: "19121212-1212", want: "2:besok 2:fodd 2:sista4",
			rows: append([]string{"(1, 'fodd', '')", "(1, 'sista4', '1212')", "(1, 'fodd', '19121212')"}, other...)},
		{name: "S7 integer last four repeated", person: split, list: "121272-0302", want: "2:besok 2:fodd 2:sista4",
			rows: append([]string{"(1, 'fodd', '460101')", "(1, 'sista4', '301')", "(1, 'fodd', '121272')", "(1, 'sista4', '302')"}, other...)},
		{name: "S8 parts repeated spelled otherwise", person: split, list: "19121212-1212", want: "2:besok 2:fodd 2:sista4",
			rows: append([]string{"(1, 'fodd', '19460101')", "(1, 'sista4', '0301')", "(1, 'FODD', '19121212')", "(1, 'Sista4 ', '1212')"}, other...)},
		{name: "P2 one variable NULL then listed", person: "personnr", list: "19121212-1212", want: "2:besok 2:personnr",
			rows: []string{"(1, 'personnr', NULL)", "(1, 'personnr', '19121212-1212')", "(2, 'personnr', '19460101-0301')", "(3, 'personnr', '19460101-0301')"}},
		{name: "E1 value row named as the entity column", person: "personnr", list: "19121212-1212", want: "2:besok 2:vikt",
			entCol: "personnr text", ents: map[int]string{1: "'19460101-0301'", 2: "'19460101-0301'", 3: "'19460101-0301'"},
			rows: []string{"(1, 'personnr', '19121212-1212')", "(1, 'vikt', '70')", "(2, 'vikt', '80')"}},
		{name: "E3 birth date in a value row named as the entity column", person: split, list: "19121212-1212", want: "2:besok 2:sista4",
			entCol: "fodd text", ents: map[int]string{1: "'19460101'", 2: "'19460101'", 3: "'19460101'"},
			rows: []string{"(1, 'Fodd', '19121212')", "(1, 'sista4', '1212')", "(2, 'sista4', '0301')", "(3, 'sista4', '0301')"}},
		{name: "O1 orphan rows repeated", person: split, list: "19121212-1212", want: "2:besok 2:fodd 2:sista4",
			rows: append([]string{"(1, 'fodd', '19121212')", "(1, 'sista4', '1212')", "(4, 'fodd', '19460101')", "(4, 'fodd', '19121212')", "(4, 'sista4', '1212')", "(4, 'vikt', '70')"}, other...)},
		{name: "T1 three parts, two repeated", person: `ar + md + "-" + sista4`, list: "19121212-1212", want: "2:besok 2:ar 2:md 2:sista4",
			rows: []string{"(1, 'ar', '1946')", "(1, 'md', '0101')", "(1, 'ar', '1912')", "(1, 'md', '1212')", "(1, 'sista4', '1212')",
				"(2, 'ar', '1946')", "(2, 'md', '0101')", "(2, 'sista4', '0301')", "(3, 'ar', '1946')", "(3, 'md', '0101')", "(3, 'sista4', '0301')"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			pkg := copiesRun(t, c)
			// The package holds the listed patient's rows (the orphan
			// rows of id 4 too) before the erasure.
			before := formValuesLeft(t, pkg)
			for _, r := range c.rows {
				if id := r[1:2]; (id == "1" || id == "4") && !strings.Contains(before, id+":") {
					t.Fatalf("the run archived value rows %q: none of form %s", before, id)
				}
			}
			list := personListFile(t, c.list)
			code, out, errs := cli(t, "archive", "erase", pkg, "--person-list", list, "--reference", "Dnr 40")
			if code != exitOK {
				t.Fatalf("erase: exit %d\n%s\n%s", code, out, errs)
			}
			wantAllFound(t, out)
			if left := recordsLeft(t, pkg, "instans"); left != "2" {
				t.Errorf("forms left %q, want only 2 (another person's)\n%s", left, out)
			}
			if left := formValuesLeft(t, pkg); left != c.want {
				t.Errorf("value rows left %q, want %q (form 2's)\n%s", left, c.want, out)
			}
			if shown := strings.ReplaceAll(out+errs, pkg, "PKG"); strings.Contains(shown, "1912") || strings.Contains(shown, "1212") {
				t.Errorf("erase shows the person's number:\n%s\n%s", out, errs)
			}
		})
	}
}

// manyCopies gives form id's value rows of the names, each n times with
// values of(name, i).
func manyCopies(id int, n int, names []string, of func(name string, i int) string) []string {
	var rows []string
	for i := 0; i < n; i++ {
		for _, name := range names {
			rows = append(rows, fmt.Sprintf("(%d, '%s', '%s')", id, name, of(name, i)))
		}
	}
	return rows
}

// A form holding more copies of its person's values than the run joins
// (17 birth dates and 17 last fours: 289 ways) was archived whole (by the
// run as person_copies, when a list was given): erase, which joins more,
// finds the listed person's way among them. Over three variables, 17
// copies each is more ways than erase joins too, and two at a time do
// not cover them: erase refuses, nothing changed, naming the package and
// the form store, never the number; it did not say "found in no archived
// record" and exit 0.
func TestArchiveEraseFormStoreTooManyCopies(t *testing.T) {
	two := copiesCase{person: `fodd + "-" + sista4`,
		rows: append(manyCopies(1, 17, []string{"fodd", "sista4"}, func(name string, i int) string {
			if i == 16 {
				return map[string]string{"fodd": "19121212", "sista4": "1212"}[name]
			}
			return map[string]string{"fodd": fmt.Sprintf("194601%02d", i+1), "sista4": fmt.Sprintf("%04d", 3000+i)}[name]
		}), "(2, 'fodd', '19460101')", "(2, 'sista4', '0301')")}
	pkg := copiesRun(t, two)
	list := personListFile(t, "19121212-1212")
	code, out, errs := cli(t, "archive", "erase", pkg, "--person-list", list, "--reference", "Dnr 41")
	if code != exitOK {
		t.Fatalf("erase: exit %d\n%s\n%s", code, out, errs)
	}
	wantAllFound(t, out)
	if left := formValuesLeft(t, pkg); left != "2:besok 2:fodd 2:sista4" {
		t.Errorf("value rows left %q, want only form 2's\n%s", left, out)
	}

	three := copiesCase{person: `ar + md + "-" + sista4`,
		rows: append(manyCopies(1, 17, []string{"ar", "md", "sista4"}, func(name string, i int) string {
			if i == 16 {
				return map[string]string{"ar": "1912", "md": "1212", "sista4": "1212"}[name]
			}
			return map[string]string{"ar": fmt.Sprintf("%d", 1930+i), "md": fmt.Sprintf("01%02d", i+1), "sista4": fmt.Sprintf("%04d", 3000+i)}[name]
		}), "(2, 'ar', '1946')", "(2, 'md', '0101')", "(2, 'sista4', '0301')")}
	pkg = copiesRun(t, three)
	before := formValuesLeft(t, pkg)
	code, out, errs = cli(t, "archive", "erase", pkg, "--person-list", list, "--reference", "Dnr 42")
	if code != exitError {
		t.Fatalf("erase of a form with more ways than it joins: exit %d, want %d\n%s\n%s", code, exitError, out, errs)
	}
	for _, want := range []string{pkg, "instans", "varde", "1 forms"} {
		if !strings.Contains(errs, want) {
			t.Errorf("the refusal does not name %q:\n%s", want, errs)
		}
	}
	if shown := strings.ReplaceAll(out+errs, pkg, "PKG"); strings.Contains(shown, "1912") || strings.Contains(shown, "1212") {
		t.Errorf("the refusal shows the person's number:\n%s\n%s", out, errs)
	}
	if left := formValuesLeft(t, pkg); left != before {
		t.Errorf("a refused erasure changed the package: value rows %q, were %q", left, before)
	}
}

// Value rows whose form does not exist (orphans) are archived alone
// when no list names them at the run; the package then holds no record
// of the entities table. A row named as the entity column person: reads
// is a copy of the person's value to the run (which excludes the id's
// rows on it): erase must find the listed person's orphan rows by it,
// alone or joined with the other variable, and erase all of that id's
// rows, not only the row holding the number, or none.
func TestArchiveEraseOrphanRowsNamedAsTheEntityColumn(t *testing.T) {
	for _, c := range []copiesCase{
		{name: "whole number", person: "personnr", list: "19121212-1212", migrate: true, want: "5:personnr 5:vikt",
			entCol: "personnr text", ents: map[int]string{1: "'19460101-0301'", 2: "'19460101-0301'", 3: "'19460101-0301'"},
			rows: []string{"(4, 'personnr', '19121212-1212')", "(4, 'vikt', '70')", "(5, 'personnr', '19460101-0301')", "(5, 'vikt', '80')"}},
		{name: "birth date", person: `fodd + "-" + sista4`, list: "19121212-1212", migrate: true, want: "5:Fodd 5:sista4 5:vikt",
			entCol: "fodd text", ents: map[int]string{1: "'19460101'", 2: "'19460101'", 3: "'19460101'"},
			rows: []string{"(1, 'sista4', '0301')", "(2, 'sista4', '0301')", "(3, 'sista4', '0301')",
				"(4, 'Fodd', '19121212')", "(4, 'sista4', '1212')", "(4, 'vikt', '70')", "(5, 'Fodd', '19460101')", "(5, 'sista4', '0301')", "(5, 'vikt', '80')"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			pkg := copiesRun(t, c)
			if before := formValuesLeft(t, pkg); !strings.Contains(before, "4:") {
				t.Fatalf("the run archived value rows %q: none of id 4", before)
			}
			list := personListFile(t, c.list)
			code, out, errs := cli(t, "archive", "erase", pkg, "--person-list", list, "--reference", "Dnr 43")
			if code != exitOK {
				t.Fatalf("erase: exit %d\n%s\n%s", code, out, errs)
			}
			wantAllFound(t, out)
			if left := formValuesLeft(t, pkg); left != c.want {
				t.Errorf("value rows left %q, want %q (id 5's)\n%s", left, c.want, out)
			}
		})
	}
}
