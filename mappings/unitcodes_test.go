package mappings

import (
	"fmt"
	"strings"
	"testing"

	"github.com/regflytt/regflytt/connectors"
)

// The receiving platform names units by HSA-ids (text); the legacy one by
// integers.
const translatedSchema = `platform: test
tables:
  - name: care_unit
    columns: [{name: care_unit_id, type: varchar(40)}, {name: name, type: varchar(100)}]
  - name: visit
    columns: [{name: visit_id, type: bigint}, {name: care_unit_id, type: varchar(40)}, {name: weight, type: varchar(8)}]
`

// translatedMapping is a plan whose two tables translate their units by
// the list enheter; lists replaces the code lists, visitUnit the visit
// table's unit: and unitColumn its care_unit_id mapping.
func translatedMapping(lists, careUnit, visitUnit, unitColumn string) string {
	return "codelists:\n" + lists + `tables:
  - target: care_unit
    source: vardenhet
` + careUnit + `    columns: {care_unit_id: {from: id, codelist: enheter}, name: namn}
  - target: visit
    source: besok
    unit: ` + visitUnit + `
    columns: {visit_id: id, weight: vikt, care_unit_id: ` + unitColumn + `}
`
}

const (
	enheter = `  - name: enheter
    codes:
      "1": SE2321000131-E000000000101
      "02": SE2321000131-E000000000102
`
	careUnitTranslated = "    unit: {column: id, translate: enheter}\n"
	visitTranslated    = "{column: vardenhet_id, translate: enheter}"
	carriedTranslated  = "{from: vardenhet_id, codelist: enheter}"
)

func compileTranslated(t *testing.T, schemaText, mapping string) (*Program, Diagnostics) {
	t.Helper()
	dir := t.TempDir()
	schema, ds := LoadSchema(writeFile(t, dir, "schema.yaml", schemaText))
	if ds.Err() != nil {
		t.Fatalf("schema: %v", ds)
	}
	f, ds := ParseFile(writeFile(t, dir, "m.yaml", mapping))
	if f == nil {
		return nil, ds
	}
	prog, more := Compile([]*File{f}, unitCatalogue(), schema, nil)
	return prog, append(ds, more...)
}

// A declared translation compiles; each record is held to its unit's
// receiving id, and a unit the list does not name is archived as
// unit_not_translated, never migrated with another unit or none.
func TestUnitTranslationDeclared(t *testing.T) {
	prog, ds := compileTranslated(t, translatedSchema, translatedMapping(enheter, careUnitTranslated, visitTranslated, carriedTranslated))
	if err := ds.Err(); err != nil {
		t.Fatal(err)
	}
	visit := prog.ForSource("besok")
	if !visit.TranslatesUnits() {
		t.Fatal("visit does not translate its units")
	}
	for unit, want := range map[string]string{"1": "SE2321000131-E000000000101", "2": "SE2321000131-E000000000102"} {
		// "2" is an integer column's 2, which the list writes "02".
		if got, ok := visit.UnitTranslation(unit); !ok || got != want {
			t.Errorf("UnitTranslation(%s) = %q, %v; want %q", unit, got, ok, want)
		}
	}
	if got, ok := visit.UnitTranslation("3"); ok {
		t.Errorf("unit 3 is not listed, but translates to %q", got)
	}
	o := visit.Apply([]connectors.Value{int64(1), int64(2), "70"})
	if o.Kind != Migrated || o.Row[1] != "SE2321000131-E000000000102" {
		t.Fatalf("unit 2: %+v", o)
	}
	o = visit.Apply([]connectors.Value{int64(2), int64(3), "70"})
	if o.Kind != Archived || o.Reason != ReasonUnitNotTranslated {
		t.Fatalf("unit 3, which the list does not name: %+v, want archived as %s", o, ReasonUnitNotTranslated)
	}
	// The column's own reasons: still decide.
	prog, ds = compileTranslated(t, translatedSchema, translatedMapping(enheter, careUnitTranslated, visitTranslated,
		"{from: vardenhet_id, codelist: enheter, reasons: {code_unmapped: unit_closed}}"))
	if err := ds.Err(); err != nil {
		t.Fatal(err)
	}
	if o := prog.ForSource("besok").Apply([]connectors.Value{int64(2), int64(3), "70"}); o.Reason != "unit_closed" {
		t.Errorf("reasons: renamed code_unmapped, but the record is archived as %s", o.Reason)
	}
	// Under granularity: value too, the record goes, not its unit alone:
	// migrated without it, it would have lost its care provider.
	prog, ds = compileTranslated(t, translatedSchema, strings.Replace(translatedMapping(enheter, careUnitTranslated, visitTranslated, carriedTranslated),
		"    source: besok\n", "    source: besok\n    granularity: value\n", 1))
	if err := ds.Err(); err != nil {
		t.Fatal(err)
	}
	if o := prog.ForSource("besok").Apply([]connectors.Value{int64(2), int64(3), "70"}); o.Kind != Archived || o.Reason != ReasonUnitNotTranslated {
		t.Errorf("granularity: value: unit 3's record %+v, want archived as %s", o, ReasonUnitNotTranslated)
	}
	// And map check says so: the whole record, not its value alone.
	misses := 0
	prog.ForSource("besok").CodeMisses([]connectors.Value{int64(2), int64(3), "70"}, func(m CodeMiss) {
		misses++
		if m.ValueOnly {
			t.Errorf("map check says unit 3's value alone is archived under granularity: value; the run archives the record")
		}
	})
	if misses != 1 {
		t.Errorf("map check found %d code misses for unit 3, want 1", misses)
	}
	// Without a translation, nothing translates (the run holds the unit
	// to itself).
	plain := compileInline(t, unitSchema, "tables:\n  - target: visit\n    source: besok\n    unit: vardenhet_id\n    columns: {visit_id: id, weight: vikt, care_unit_id: vardenhet_id}\n", unitCatalogue(), nil)
	if tp := plain.ForSource("besok"); tp.TranslatesUnits() {
		t.Error("a table with no translate: translates")
	}
}

func lineOf(t *testing.T, text, marker string) int {
	t.Helper()
	i := strings.Index(text, marker)
	if i < 0 {
		t.Fatalf("no %q in the mapping", marker)
	}
	return strings.Count(text[:i], "\n") + 1
}

func TestUnitTranslationRefused(t *testing.T) {
	versions := `  - name: enheter
    versions:
      "1": {"1": A, "2": B}
`
	nulls := `  - name: enheter
    codes: {"1": A, "2": ~}
`
	byDefault := `  - name: enheter
    unmapped: default
    default: A
    codes: {"1": A, "2": B}
`
	cases := []struct {
		name, mapping, marker, code string
	}{
		{"translate without a column", translatedMapping(enheter, careUnitTranslated, "{none: test, translate: enheter}", carriedTranslated), "{none: test", "M054"},
		{"no such list", translatedMapping(enheter, "    unit: {column: id, translate: enheterna}\n", "{column: vardenhet_id, translate: enheterna}", carriedTranslated), "translate: enheterna}\n", "M054"},
		{"a list with versions", translatedMapping(versions, careUnitTranslated, visitTranslated, "{from: vardenhet_id, codelist: {name: enheter, version: \"1\"}}"), "translate: enheter}\n", "M054"},
		{"a unit mapped to null", translatedMapping(nulls, careUnitTranslated, visitTranslated, carriedTranslated), `"2": ~`, "M054"},
		{"unmapped: default", translatedMapping(byDefault, careUnitTranslated, visitTranslated, carriedTranslated), "unmapped: default", "M054"},
		{"no column applies it", translatedMapping(enheter, careUnitTranslated, visitTranslated, "vardenhet_id"), "vardenhet_id, translate: enheter}", "M054"},
		{"tables translate differently", translatedMapping(enheter, careUnitTranslated, "vardenhet_id", carriedTranslated), "unit: vardenhet_id", "M054"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, ds := compileTranslated(t, translatedSchema, c.mapping)
			want := fmt.Sprintf("%s %d", c.code, lineOf(t, c.mapping, c.marker))
			var got []string
			for _, d := range ds {
				if d.Severity == Error && (d.Code == "M054" || d.Code == "M056") {
					got = append(got, fmt.Sprintf("%s %d", d.Code, d.Pos.Line))
				}
			}
			if len(got) == 0 || got[0] != want {
				t.Fatalf("want %s, got %v: %v", want, got, ds)
			}
		})
	}
}

// Two legacy units translated to one receiving unit would give one care
// provider the other's records: refused before anything runs, naming the
// file, the line and both units.
func TestUnitTranslationMustBeInjective(t *testing.T) {
	merging := `  - name: enheter
    codes:
      "1": SE2321000131-E000000000101
      "2": SE2321000131-E000000000102
      "3": SE2321000131-E000000000101
`
	mapping := translatedMapping(merging, careUnitTranslated, visitTranslated, carriedTranslated)
	_, ds := compileTranslated(t, translatedSchema, mapping)
	var found []Diagnostic
	for _, d := range ds {
		if d.Code == "M056" {
			found = append(found, d)
		}
	}
	if len(found) != 1 {
		t.Fatalf("want one M056, got %v", ds)
	}
	d := found[0]
	if d.Severity != Error || !strings.HasSuffix(d.Pos.File, "m.yaml") || d.Pos.Line != lineOf(t, mapping, `"3":`) {
		t.Errorf("M056 at %s (%v), want m.yaml:%d", d.Pos, d.Severity, lineOf(t, mapping, `"3":`))
	}
	for _, part := range []string{`"1"`, `"3"`, "SE2321000131-E000000000101", fmt.Sprintf("m.yaml:%d", lineOf(t, mapping, `"1": SE`))} {
		if !strings.Contains(d.Message, part) {
			t.Errorf("message does not name %s: %s", part, d.Message)
		}
	}

	// Compared as the receiving column holds them: "101" and "0101" are
	// two units in a text column, one in an integer column.
	numbers := `  - name: enheter
    codes: {"1": "101", "2": "0101"}
`
	if _, ds := compileTranslated(t, translatedSchema, translatedMapping(numbers, careUnitTranslated, visitTranslated, carriedTranslated)); ds.Err() != nil {
		t.Errorf("101 and 0101 in a text column are two units: %v", ds)
	}
	_, ds = compileTranslated(t, unitSchema, translatedMapping(numbers, careUnitTranslated, visitTranslated, carriedTranslated))
	if !strings.Contains(fmt.Sprint(ds), "M056") {
		t.Errorf("101 and 0101 in a bigint column are one unit, not refused: %v", ds)
	}
}

// Receiving ids that differ only in case or trailing spaces are one unit
// on a receiving platform that compares them case-blind (MariaDB's
// default collations, PAD SPACE, a citext column): its care providers
// would read each other's records, and nothing the run reads back tells
// them apart. Refused as two units translated to one (M056).
func TestUnitTranslationRefusesIdsOneSpellingApart(t *testing.T) {
	for name, codes := range map[string]string{
		"case":            `{"1": SE2321000131-E000000000101, "2": se2321000131-e000000000101}`,
		"trailing spaces": `{"1": SE2321000131-E000000000101, "2": "SE2321000131-E000000000101 "}`,
		// MariaDB's utf8mb4_unicode_ci, uca1400 and swedish_ci (and an
		// ICU collation of PostgreSQL at level 1) take a full-width
		// letter for its ASCII one, a no-break space for a space and a
		// ligature for its letters, as Unicode's compatibility forms
		// (NFKC) do: one unit to them.
		"full-width":       `{"1": SE2321000131-E000000000101, "2": "ＳＥ2321000131-E000000000101"}`,
		"no-break space":   "{\"1\": SE2321000131-E000000000101, \"2\": \"SE2321000131-E000000000101\u00a0\"}",
		"full-width digit": `{"1": SE2321000131-E000000000101, "2": "SE2321000131-E00000000010１"}`,
	} {
		t.Run(name, func(t *testing.T) {
			lists := "  - name: enheter\n    codes: " + codes + "\n"
			_, ds := compileTranslated(t, translatedSchema, translatedMapping(lists, careUnitTranslated, visitTranslated, carriedTranslated))
			if !strings.Contains(fmt.Sprint(ds), "M056") {
				t.Errorf("two receiving ids one spelling apart are not refused: %v", ds)
			}
		})
	}
}
