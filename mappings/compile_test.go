package mappings

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/regflytt/regflytt/connectors"
)

func col(name, typ string, nullable bool) connectors.Column {
	t, err := connectors.ParseType(typ)
	if err != nil {
		panic(err)
	}
	return connectors.Column{Name: name, Type: t, SourceType: typ, Nullable: nullable}
}

// legacy is a small source catalogue, as a connector would describe it.
func legacy() []connectors.Table {
	return []connectors.Table{{
		Name:       "besok",
		PrimaryKey: []string{"id"},
		Columns: []connectors.Column{
			col("id", "integer", false),
			col("datum", "varchar(10)", true),
			col("vikt", "varchar(8)", true),
			col("langd", "integer", true),
			col("personnr", "varchar(13)", true),
		},
	}, {
		Name:    "nokey",
		Columns: []connectors.Column{col("x", "integer", true), col("d", "varchar(10)", true)},
	}}
}

const schemaYAML = `platform: test
tables:
  - name: visit
    primary_key: [visit_id]
    columns:
      - {name: visit_id, type: bigint}
      - {name: visit_date, type: date, not_null: true}
      - {name: weight_kg, type: "decimal(5,1)"}
      - {name: height_cm, type: smallint}
`

func writeFile(t testing.TB, dir, name, text string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func compile(t testing.TB, mapping string) (*Program, Diagnostics) {
	t.Helper()
	return compileEnv(t, mapping, nil)
}

func compileEnv(t testing.TB, mapping string, env *Env) (*Program, Diagnostics) {
	t.Helper()
	dir := t.TempDir()
	schema, ds := LoadSchema(writeFile(t, dir, "schema.yaml", schemaYAML))
	if ds.Err() != nil {
		t.Fatalf("schema: %v", ds)
	}
	f, ds := ParseFile(writeFile(t, dir, "m.yaml", mapping))
	if f == nil {
		return nil, ds
	}
	prog, more := Compile([]*File{f}, legacy(), schema, env)
	return prog, append(ds, more...)
}

func TestCompileDiagnostics(t *testing.T) {
	cases := []struct {
		name    string
		mapping string
		want    []string // "line:col code" of each error, in order
	}{
		{"valid", `tables:
  - target: visit
    source: besok
    columns:
      visit_id: id
      visit_date: {from: datum, cast: date}
      weight_kg: {from: vikt, cast: "decimal(5,1)"}
      height_cm: langd
    drop: {personnr: not migrated}
`, nil},
		{"unknown source column", `tables:
  - target: visit
    source: besok
    columns:
      visit_id: id
      visit_date: {from: datumm, cast: date}
    drop: {datum: misspelt above, vikt: not in this test, langd: not in this test, personnr: not in this test}
`, []string{"6:26 M003"}},
		{"unknown target column and table", `tables:
  - target: visit
    source: besok
    columns:
      visit_id: id
      visit_day: {from: datum, cast: date}
    drop: {vikt: not in this test, langd: not in this test, personnr: not in this test}
  - target: visits
    source: besok
    columns: {x: id}
`, []string{"2:5 M005", "3:13 M010", "6:7 M004", "8:13 M002"}},
		{"unknown source table", `tables:
  - target: visit
    source: besk
    columns: {visit_id: id}
`, []string{"3:13 M001"}},
		{"type mismatch without cast", `tables:
  - target: visit
    source: besok
    columns:
      visit_id: id
      visit_date: datum
    drop: {vikt: not in this test, langd: not in this test, personnr: not in this test}
`, []string{"6:19 M006"}},
		{"cast to another kind than the column", `tables:
  - target: visit
    source: besok
    columns:
      visit_id: id
      visit_date: {from: datum, cast: integer}
    drop: {vikt: not in this test, langd: not in this test, personnr: not in this test}
`, []string{"6:39 M007"}},
		{"typo in a field", `tables:
  - target: visit
    source: besok
    colums: {visit_id: id}
`, []string{"2:5 Y003", "4:5 Y002"}},
		{"no key", `tables:
  - target: visit
    source: nokey
    columns: {visit_id: x, visit_date: {from: d, cast: date}}
`, []string{"3:13 M009"}},
		{"column mapped twice", `tables:
  - target: visit
    source: besok
    columns:
      visit_id: id
      visit_id: langd
      visit_date: {from: datum, cast: date}
    drop: {vikt: not in this test, personnr: not in this test}
`, []string{"3:13 M010", "6:7 Y004", "6:7 M008"}},
		{"drop without reason", `tables:
  - target: visit
    source: besok
    columns: {visit_id: id, visit_date: {from: datum, cast: date}}
    drop: {personnr: "", vikt: not in this test, langd: not in this test}
`, []string{"3:13 M010", "5:22 Y003"}},
		{"not YAML", "tables: [\n", []string{"1 Y001"}},
		{"order_by names an unknown column, one twice, and a direction", `tables:
  - target: visit
    source: besok
    order_by: [datumm, langd, langd, "vikt desc"]
    columns: {visit_id: id, visit_date: {from: datum, cast: date}}
    drop: {vikt: not in this test, langd: orders only, personnr: not in this test}
`, []string{"4:16 M080", "4:31 M080", "4:38 M080"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, ds := compile(t, c.mapping)
			ds.Sort()
			var got []string
			for _, d := range ds {
				if d.Severity != Error {
					continue
				}
				if !strings.HasSuffix(d.Pos.File, "m.yaml") {
					t.Errorf("diagnostic names file %q, want the mapping file", d.Pos.File)
				}
				got = append(got, strings.TrimPrefix(d.Pos.String(), d.Pos.File+":")+" "+d.Code)
			}
			if strings.Join(got, ", ") != strings.Join(c.want, ", ") {
				t.Fatalf("errors %v, want %v\nall diagnostics:\n%v", got, c.want, ds)
			}
		})
	}
}

// order_by compiles into the processing order: its columns, then the
// key columns it does not name; a nullable one is warned of (M082) at its
// line; a select: source cannot be ordered (M081).
func TestCompileOrderBy(t *testing.T) {
	for _, c := range []struct {
		orderBy, scan string
		warn          []string
	}{
		{"[langd]", "langd id", []string{"4:16 M082"}},
		{"[langd, id]", "langd id", []string{"4:16 M082"}},
		{"[id]", "id", nil},
		{"[vikt, id]", "vikt id", []string{"4:16 M082"}},
		{"", "id", nil},
	} {
		line := ""
		if c.orderBy != "" {
			line = "    order_by: " + c.orderBy + "\n"
		}
		prog, ds := compile(t, `tables:
  - target: visit
    source: besok
`+line+`    columns: {visit_id: id, visit_date: {from: datum, cast: date}}
    drop: {vikt: not in this test, langd: orders only, personnr: not in this test}
`)
		if ds.Err() != nil {
			t.Fatalf("%s: %v", c.orderBy, ds)
		}
		tp := prog.Tables[0]
		if got := strings.Join(tp.ScanKey, " "); got != c.scan || strings.Join(tp.Key, " ") != "id" {
			t.Errorf("order_by %s: processing order %s (key %v), want %s (key id)", c.orderBy, got, tp.Key, c.scan)
		}
		for i, k := range tp.ScanKey {
			if tp.Source.Columns[tp.ScanKeyIndex[i]].Name != k {
				t.Errorf("order_by %s: ScanKeyIndex %v does not point at %v", c.orderBy, tp.ScanKeyIndex, tp.ScanKey)
			}
		}
		var warns []string
		for _, d := range ds {
			if d.Severity == Warning {
				warns = append(warns, strings.TrimPrefix(d.Pos.String(), d.Pos.File+":")+" "+d.Code)
			}
		}
		if strings.Join(warns, ", ") != strings.Join(c.warn, ", ") {
			t.Errorf("order_by %s: warnings %v, want %v", c.orderBy, warns, c.warn)
		}
	}
	query := "SELECT id, datum FROM besok"
	_, ds := compileEnv(t, `tables:
  - target: visit
    source: {table: besok, select: "`+query+`"}
    order_by: [datum]
    columns: {visit_id: id, visit_date: {from: datum, cast: date}}
    drop: {vikt: not selected, langd: not selected, personnr: not selected}
`, &Env{Selects: map[string][]connectors.Column{query: {col("id", "integer", false), col("datum", "varchar(10)", false)}}})
	var got []string
	for _, d := range ds {
		if d.Severity == Error {
			got = append(got, strings.TrimPrefix(d.Pos.String(), d.Pos.File+":")+" "+d.Code)
		}
	}
	if strings.Join(got, ", ") != "4:16 M081" {
		t.Errorf("order_by on a select: gives %v, want 4:16 M081\n%v", got, ds)
	}
}

// A float column cannot be ordered by: its resume position may not
// compare equal to itself on the server.
func TestCompileOrderByRefusesFloat(t *testing.T) {
	dir := t.TempDir()
	schema, _ := LoadSchema(writeFile(t, dir, "schema.yaml", schemaYAML))
	f, ds := ParseFile(writeFile(t, dir, "m.yaml", `tables:
  - target: visit
    source: matning
    order_by: [varde]
    columns: {visit_id: id, visit_date: {from: datum, cast: date}}
    drop: {varde: orders only}
`))
	if f == nil {
		t.Fatal(ds)
	}
	catalog := []connectors.Table{{Name: "matning", PrimaryKey: []string{"id"}, Columns: []connectors.Column{
		col("id", "integer", false), col("datum", "varchar(10)", false), col("varde", "double", false)}}}
	_, ds = Compile([]*File{f}, catalog, schema, nil)
	var got []string
	for _, d := range ds {
		got = append(got, strings.TrimPrefix(d.Pos.String(), d.Pos.File+":")+" "+d.Code)
		if !SourceDiagnostic(d) {
			t.Errorf("plan check, which knows no types, would not agree: %v", d)
		}
	}
	if strings.Join(got, ", ") != "4:16 M080" {
		t.Errorf("got %v, want 4:16 M080\n%v", got, ds)
	}
}

// A source column left out of a mapping would be neither migrated nor
// archived: the run must refuse, not warn (a warning that -q hides let a
// whole column vanish under PASS).
func TestUnmappedSourceColumnIsAnError(t *testing.T) {
	_, ds := compile(t, `tables:
  - target: visit
    source: besok
    columns: {visit_id: id, visit_date: {from: datum, cast: date}}
    drop: {langd: measured again at the next visit}
`)
	var named []string
	for _, d := range ds {
		if d.Code != "M010" {
			t.Errorf("unexpected diagnostic %v", d)
			continue
		}
		if d.Severity != Error {
			t.Errorf("M010 is a %v, want an error: %v", d.Severity, d)
		}
		named = append(named, d.Message)
	}
	if len(named) != 2 || !strings.Contains(named[0]+named[1], "besok.vikt") || !strings.Contains(named[0]+named[1], "besok.personnr") {
		t.Fatalf("M010 diagnostics %q, want one for each of besok.vikt and besok.personnr", named)
	}
	if ds.Err() == nil {
		t.Fatal("a source column neither mapped nor dropped compiled without an error")
	}
}

func TestDiagnosticsErrorText(t *testing.T) {
	_, ds := compile(t, "tables:\n  - target: visit\n    source: besok\n    columns: {visit_id: idd}\n")
	err := ds.Err()
	if err == nil {
		t.Fatal("no error")
	}
	msg := err.Error()
	if !strings.Contains(msg, "m.yaml:4:") || !strings.Contains(msg, "error M003: source table besok has no column idd") || !strings.Contains(msg, `did you mean "id"?`) {
		t.Fatalf("error text %q lacks file:line, code or suggestion", msg)
	}
}
