package plans_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/regflytt/regflytt/mappings"
	"github.com/regflytt/regflytt/plans"
)

func TestCheckDemoPlan(t *testing.T) {
	_, ds := plans.Check(demoPlan)
	if err := ds.Err(); err != nil {
		t.Fatal(err)
	}
}

func TestCheckReportsEveryProblemWithPosition(t *testing.T) {
	dir := t.TempDir()
	plan := `plan: 1
register: {id: x, name: X}
system: {current: a, chosen: b}
cpua: {current: Region A}
rco: {current: A, future: B, futur: C}
source: {url: "postgres://u:hemligt@h/db"}
target: {schema: missing.yaml}
mappings: [m.yaml]
archive: {dir: out}
`
	if err := os.WriteFile(filepath.Join(dir, "m.yaml"), []byte("tables:\n  - target: t\n    source: s\n    columns: {a: b}\n    filter: x\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "plan.yaml")
	if err := os.WriteFile(path, []byte(plan), 0o600); err != nil {
		t.Fatal(err)
	}
	_, ds := plans.Check(path)
	err := ds.Err()
	if err == nil {
		t.Fatal("no error")
	}
	text := err.Error()
	for _, want := range []string{
		"plan.yaml:4:7: error Y003: missing field \"future\"",
		"plan.yaml:5:30: error Y002: unknown field \"futur\" (did you mean \"future\"?)",
		"plan.yaml:6:15: error P004",
		"missing.yaml: error Y001",
		"m.yaml:5:5: error Y002: unknown field \"filter\"",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("diagnostics lack %q:\n%s", want, text)
		}
	}
	if strings.Contains(text, "hemligt") {
		t.Errorf("a password reached the diagnostics:\n%s", text)
	}
}

func TestPlanDuplicateKeyNamesBothPlaces(t *testing.T) {
	dir := t.TempDir()
	write(t, filepath.Join(dir, "schema.yaml"), "platform: x\ntables: []\n")
	write(t, filepath.Join(dir, "m.yaml"), "tables: []\n")
	path := writePlan(t, dir, "run: {batch_size: 10}\nrun: {batch_size: 20}\n")
	_, ds := plans.Check(path)
	want := path + ":10:1: error Y004: key run is given twice in this mapping (first at " + path + ":9:1)"
	if !strings.Contains(ds.Error(), want) {
		t.Fatalf("diagnostics lack %q:\n%s", want, ds.Error())
	}
}

// A plan's paths stay inside its directory (the archive inside the work
// directory) unless the plan says allow_outside: true; they resolve
// against the plan's directory whatever the current directory is.
func TestPlanPathsStayInside(t *testing.T) {
	root := t.TempDir()
	dir := filepath.Join(root, "plan")
	if err := os.MkdirAll(filepath.Join(dir, "sub"), 0o700); err != nil {
		t.Fatal(err)
	}
	write(t, filepath.Join(dir, "schema.yaml"), "platform: x\ntables: []\n")
	write(t, filepath.Join(dir, "sub", "m.yaml"), "tables: []\n")
	write(t, filepath.Join(root, "m.yaml"), "tables: []\n")
	plan := func(extra, mappingsLine, archive string) string {
		return write(t, filepath.Join(dir, "plan.yaml"), `plan: 1
register: {id: test, name: Test register}
system: {current: a, chosen: b}
cpua: {current: A, future: B}
rco: {current: A, future: B}
target: {schema: schema.yaml}
mappings: [`+mappingsLine+`]
archive: {dir: `+archive+`}
`+extra)
	}
	cases := []struct {
		name, extra, mappings, archive string
		want                           []string // P008 errors, as line:col
		warn                           bool
	}{
		{"inside", "", "sub/m.yaml", "archive", nil, false},
		{"inside, climbing back", "", "sub/../sub/m.yaml", "out/../archive", nil, false},
		{"parent", "", "../m.yaml", "archive", []string{"7:12"}, false},
		{"absolute mapping", "", filepath.Join(root, "m.yaml"), "archive", []string{"7:12"}, false},
		{"absolute archive", "", "sub/m.yaml", filepath.Join(root, "arc"), []string{"8:16"}, false},
		{"archive climbs out of the work directory", "", "sub/m.yaml", "../arc", []string{"8:16"}, false},
		{"key file outside", "pseudonymisation: {key_file: ../key}\n", "sub/m.yaml", "archive", []string{"9:30"}, false},
		{"opt-out file outside", "optout: {file: /etc/optout.txt}\n", "sub/m.yaml", "archive", []string{"9:16"}, false},
		{"allowed", "allow_outside: true\n", "../m.yaml", filepath.Join(root, "arc"), nil, false},
		{"allowed but not needed", "allow_outside: true\n", "sub/m.yaml", "archive", nil, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			path := plan(c.extra, c.mappings, c.archive)
			_, ds := plans.Check(path)
			var got []string
			warned := false
			for _, d := range ds {
				if d.Code != "P008" {
					continue
				}
				if d.Severity == mappings.Warning {
					warned = true
					continue
				}
				got = append(got, strings.TrimPrefix(d.Pos.String(), path+":"))
			}
			if strings.Join(got, " ") != strings.Join(c.want, " ") || warned != c.warn {
				t.Fatalf("P008 errors at %v (warning %v), want %v (warning %v):\n%v", got, warned, c.want, c.warn, ds)
			}
			for _, d := range ds {
				if d.Severity == mappings.Error && d.Code != "P008" {
					t.Errorf("unexpected %v", d)
				}
			}
		})
	}

	// From another directory, the plan still finds its files.
	plan("", "sub/m.yaml", "archive")
	wd, _ := os.Getwd()
	defer os.Chdir(wd)
	if err := os.Chdir(root); err != nil {
		t.Fatal(err)
	}
	if _, ds := plans.Check(filepath.Join("plan", "plan.yaml")); ds.Err() != nil {
		t.Fatalf("relative to the plan, from elsewhere: %v", ds)
	}
}

// plan check compiles the mappings against the receiving schema without a
// database: what would stop run is found here, with its place.
func TestPlanCheckCompilesWithoutADatabase(t *testing.T) {
	dir := t.TempDir()
	write(t, filepath.Join(dir, "schema.yaml"), `platform: t
tables:
  - name: visit
    primary_key: [visit_id]
    columns:
      - {name: visit_id, type: bigint}
      - {name: visit_date, type: date, not_null: true}
      - {name: smoking, type: smallint}
      - {name: weight, type: "decimal(5,1)"}
`)
	write(t, filepath.Join(dir, "lists.yaml"), `codelists:
  - name: smoking
    codes: {J: "1", N: "ja"}
`)
	write(t, filepath.Join(dir, "m.yaml"), `codelists:
  - lists.yaml
  - name: smoking
    codes: {J: "1", N: "2"}
tables:
  - target: visit
    source: besok
    columns:
      visit_id: id
      visit_date: {expr: datum_fran_text(datum)}
      smoking: {from: rok, codelist: smoking}
      weight: {from: vikt, cast: integer}
      langd: {from: langd}
      visit_date: {value: "not a date"}
`)
	path := writePlan(t, dir, "")
	_, ds := plans.Check(path)
	var got []string
	for _, d := range ds {
		if d.Severity == mappings.Error {
			got = append(got, filepath.Base(d.Pos.File)+":"+strings.TrimPrefix(d.Pos.String(), d.Pos.File+":")+" "+d.Code)
		}
	}
	want := []string{
		"lists.yaml:2:5 C005", // the list maps N to "ja", which smallint cannot hold
		"m.yaml:3:11 C002",    // code list smoking defined twice (first in lists.yaml)
		"m.yaml:10:26 M013",   // unknown function
		"m.yaml:12:34 M007",   // cast to integer, but weight is a decimal
		"m.yaml:13:7 M004",    // no receiving column langd
		"m.yaml:14:7 Y004",    // visit_date given twice
		"m.yaml:14:7 M008",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("errors:\n%s\nwant:\n%s\nall:\n%v", strings.Join(got, "\n"), strings.Join(want, "\n"), ds)
	}
}

// The plans of the synthetic platforms compile without a database, with
// no error and no warning about the source plan check cannot see.
func TestPlanCheckTestdataPlans(t *testing.T) {
	plans_, _ := filepath.Glob("../testdata/plans/*.yaml")
	if len(plans_) == 0 {
		t.Fatal("no plans")
	}
	for _, path := range plans_ {
		_, ds := plans.Check(path)
		if err := ds.Err(); err != nil {
			t.Errorf("%s: %v", path, err)
		}
		for _, d := range ds {
			if mappings.SourceDiagnostic(d) {
				t.Errorf("%s: a diagnostic about the source: %v", path, d)
			}
		}
	}
}
