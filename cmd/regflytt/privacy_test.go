package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/regflytt/regflytt/connectors"
	"github.com/regflytt/regflytt/connectors/all"
)

// identities are the personal values the privacy fixture hides in code
// columns, variable names and free text: no output may show them.
var identities = []string{
	"19121212-1212", "191212121212", "121212-1212", "1212121212", "19460101-0301",
	"460101-0301", "Kalle Anka", "Storgatan 1",
}

// privacyFixture is a legacy registry where data about persons sits
// where codes are expected, and a plan over it.
func privacyFixture(t *testing.T) (plan, srcURL string) {
	t.Helper()
	dir := t.TempDir()
	srcURL = "sqlite://" + filepath.Join(dir, "legacy.db")
	text := func(n string) connectors.Column {
		return connectors.Column{Name: n, Type: connectors.Type{Kind: connectors.KindText}, Nullable: true}
	}
	id := func(n string) connectors.Column {
		return connectors.Column{Name: n, Type: connectors.Type{Kind: connectors.KindInt, Bits: 64}, Nullable: n != "id" && n != "varde_id"}
	}
	tables := []connectors.Table{
		{Name: "besok", PrimaryKey: []string{"id"}, Columns: []connectors.Column{id("id"), text("rok"), text("sida")}},
		{Name: "instans", PrimaryKey: []string{"id"}, Columns: []connectors.Column{id("id")}},
		{Name: "varde", PrimaryKey: []string{"varde_id"}, Columns: []connectors.Column{id("varde_id"), id("instans_id"), text("variabel"), text("varde")}},
	}
	rows := map[string][][]connectors.Value{
		"besok": {
			{int64(1), "J", "H"},
			{int64(2), "19121212-1212", "V"},
			{int64(3), "191212121212", "19460101-0301"},
			{int64(4), "121212-1212", "Kalle Anka"},
			{int64(5), "1212121212", "H"},
			{int64(6), "Storgatan 1", "460101-0301"},
			{int64(7), "X", "H"},
		},
		"instans": {{int64(1)}, {int64(2)}},
		"varde": {
			{int64(1), int64(1), "rok", "19460101-0301"},
			{int64(2), int64(1), "19121212-1212", "x"},
			{int64(3), int64(2), "rok", "Kalle Anka"},
			{int64(4), int64(2), "460101-0301", "Storgatan 1"},
		},
	}
	ctx := context.Background()
	db, err := all.OpenTarget(ctx, srcURL)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := db.Create(ctx, tables); err != nil {
		t.Fatal(err)
	}
	for i := range tables {
		tx, err := db.Begin(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := tx.Write(ctx, &tables[i], rows[tables[i].Name]); err != nil {
			t.Fatal(err)
		}
		if err := tx.Commit(); err != nil {
			t.Fatal(err)
		}
	}
	files := map[string]string{
		"schema.yaml": `platform: t
tables:
  - name: visit
    primary_key: [visit_id]
    columns:
      - {name: visit_id, type: bigint}
      - {name: smoking, type: varchar(10)}
      - {name: side, type: varchar(1)}
  - name: form
    primary_key: [form_id]
    columns:
      - {name: form_id, type: bigint}
      - {name: smoking, type: varchar(10)}
`,
		"m.yaml": `codelists:
  - name: smoking
    codes: {J: current, N: never}
tables:
  - target: visit
    source: besok
    granularity: value
    columns:
      visit_id: id
      smoking: {from: rok, codelist: smoking}
      side: {from: sida, rules: {enum: [H, V]}}
  - target: form
    source:
      eav: {entities: instans, values: varde, entity: instans_id, attribute: variabel, value: varde}
    columns:
      form_id: id
      smoking: {from: rok, codelist: smoking}
    drop: {varde_id: the value row's own number}
`,
		"plan.yaml": `plan: 1
register: {id: p, name: Privacy}
system: {current: a, chosen: b}
cpua: {current: A, future: B}
rco: {current: A, future: B}
target: {schema: schema.yaml}
mappings: [m.yaml]
archive: {dir: archive}
`,
	}
	for name, text := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return filepath.Join(dir, "plan.yaml"), srcURL
}

// map check, map dry-run (text and JSON) and run, verbose, never print an
// identity number or free text found in a code column or a variable's
// name: they show counts and shapes.
func TestNoSourceValueInAnyOutput(t *testing.T) {
	plan, src := privacyFixture(t)
	work := t.TempDir()
	runs := [][]string{
		{"map", "check", plan, "--source", src, "-v"},
		{"map", "dry-run", plan, "--source", src, "-v"},
		{"map", "dry-run", plan, "--source", src, "--json"},
		{"run", plan, "--source", src, "--target", "sqlite://" + filepath.Join(work, "r.db"), "--work", work, "-v"},
	}
	shapes := 0
	for _, args := range runs {
		code, out, errs := cli(t, args...)
		if code != exitOK {
			t.Fatalf("%v: exit %d\n%s%s", args[:2], code, out, errs)
		}
		for _, v := range identities {
			if strings.Contains(out+errs, v) {
				t.Errorf("%v shows %q:\n%s%s", args[:2], v, out, errs)
			}
		}
		shapes += strings.Count(out+errs, "identity-number shape")
	}
	if b, err := os.ReadFile(filepath.Join(work, "report.json")); err != nil {
		t.Fatal(err)
	} else {
		for _, v := range identities {
			if strings.Contains(string(b), v) {
				t.Errorf("report.json shows %q", v)
			}
		}
	}
	// The codes that are codes are still shown, and the rest by shape.
	_, out, _ := cli(t, "map", "dry-run", plan, "--source", src)
	for _, want := range []string{
		`besok.rok code_unmapped: "X" x 1`,
		`besok.rok code_unmapped: identity-number shape YYYYMMDD-NNNN x 1`,
		`besok.rok code_unmapped: text, length 11 x 1`,
		`besok.sida rule_enum: text, length 10 x 1`,
		`varde.variabel variable_not_mapped: identity-number shape YYMMDD-NNNN x 1`,
	} {
		if !strings.Contains(out, want) {
			t.Errorf("dry run lacks %q:\n%s", want, out)
		}
	}
	// Under granularity: value the run archives the value, not the record,
	// and map check says so.
	if _, _, errs := cli(t, "map", "check", plan, "--source", src); !strings.Contains(errs, `does not map "X", which besok holds once (for column smoking): that value (granularity: value) will be archived`) {
		t.Errorf("map check does not say the value alone is archived:\n%s", errs)
	}
	if shapes == 0 {
		t.Error("no output showed a shape: the fixture no longer reaches the code that hides values")
	}
}

// map doc refuses a plan whose mappings do not compile against the
// receiving schema, so that nobody approves a mapping run would refuse;
// plan check finds the same without a database.
func TestMapDocRefusesAMappingThatDoesNotCompile(t *testing.T) {
	plan, _ := privacyFixture(t)
	m := filepath.Join(filepath.Dir(plan), "m.yaml")
	b, err := os.ReadFile(m)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(m, []byte(strings.Replace(string(b), "side: {from: sida", "sidan: {from: sida", 1)), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{{"map", "doc", plan}, {"plan", "check", plan}} {
		code, out, errs := cli(t, args...)
		if code != exitUsage || !strings.Contains(errs, "error M004: column sidan is not in receiving table visit") {
			t.Errorf("%v: exit %d\n%s%s", args[:2], code, out, errs)
		}
		if strings.Contains(out, "# Mappings") {
			t.Errorf("%v printed a document of a broken mapping", args[:2])
		}
	}
}
