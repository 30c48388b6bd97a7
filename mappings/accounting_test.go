package mappings

import (
	"reflect"
	"strings"
	"testing"

	"github.com/regflytt/regflytt/connectors"
)

// applyOne compiles a visit mapping with the given columns (besok: id,
// datum, vikt, langd, personnr) and applies it to one row.
func applyOne(t *testing.T, head, columns string, row ...connectors.Value) Outcome {
	t.Helper()
	prog, ds := compileEnv(t, head+`tables:
  - target: visit
    source: besok
    granularity: value
    columns:
      visit_id: id
      visit_date: {value: "2024-01-01"}
`+columns+dropUnread(columns), testEnv(t))
	if err := ds.Err(); err != nil {
		t.Fatal(err)
	}
	return prog.ForSource("besok").Apply(row)
}

// dropUnread drops the columns of besok the mapping's columns do not name.
func dropUnread(columns string) string {
	var drop []string
	for _, c := range []string{"datum", "vikt", "langd", "personnr"} {
		if !strings.Contains(columns, c) {
			drop = append(drop, c+": not in this test")
		}
	}
	if len(drop) == 0 {
		return ""
	}
	return "    drop: {" + strings.Join(drop, ", ") + "}\n"
}

// nulledBy lists an outcome's nulled values as column:rule.
func nulledBy(o Outcome) []string {
	var out []string
	for _, n := range o.Nulled {
		out = append(out, n.Column+":"+n.Rule)
	}
	return out
}

func lostColumns(o Outcome) string {
	var out []string
	for _, n := range o.Lost {
		out = append(out, n.Column+"<-"+n.SourceColumn)
	}
	return strings.Join(out, ",")
}

// A column that read a non-NULL source value and ends as NULL is a value
// lost unless a declared rule (null_when, a code list's null, a function's
// documented NULL) made it so.
func TestValueAccounting(t *testing.T) {
	const smoking = `codelists:
  - name: size
    codes: {"1": "10", "2": "20", "9": null, "8": ~}
`
	cases := []struct {
		name, columns string
		row           []connectors.Value
		lost          string
		nulled        []string
	}{
		{"an expression giving NULL from a value", `      weight_kg: {expr: 'vikt == "-" ? nil : decimal(vikt)'}`,
			[]connectors.Value{int64(1), nil, "-", nil, nil}, "weight_kg<-vikt", nil},
		{"a map without the key", `      weight_kg: {expr: '{a: vikt}.b'}`,
			[]connectors.Value{int64(1), nil, "70", nil, nil}, "weight_kg<-vikt", nil},
		{"NULL from NULL is no loss", `      weight_kg: {expr: 'vikt == "-" ? nil : decimal(vikt)'}`,
			[]connectors.Value{int64(1), nil, nil, nil, nil}, "", nil},
		{"null_when list", `      weight_kg: {expr: 'decimal(vikt)', null_when: ["-", "?"]}`,
			[]connectors.Value{int64(1), nil, "-", nil, nil}, "", []string{"weight_kg:null_when weight_kg"}},
		{"null_when list, a value not listed", `      weight_kg: {expr: 'decimal(vikt)', null_when: ["-", "?"]}`,
			[]connectors.Value{int64(1), nil, "70", nil, nil}, "", nil},
		{"null_when expression", `      weight_kg: {expr: 'decimal(vikt)', null_when: 'vikt == "-" && langd == 0'}`,
			[]connectors.Value{int64(1), nil, "-", int64(0), nil}, "", []string{"weight_kg:null_when weight_kg"}},
		{"null_when list on from:", `      height_cm: {from: langd, null_when: ["0"]}`,
			[]connectors.Value{int64(1), nil, nil, int64(0), nil}, "", []string{"height_cm:null_when height_cm"}},
		{"code list null", `      height_cm: {from: langd, codelist: size}`,
			[]connectors.Value{int64(1), nil, nil, int64(9), nil}, "", []string{"height_cm:codelist size"}},
		{"code list ~", `      height_cm: {from: langd, codelist: size}`,
			[]connectors.Value{int64(1), nil, nil, int64(8), nil}, "", []string{"height_cm:codelist size"}},
		{"strip of blank text", `      weight_kg: {expr: 'decimal(strip(vikt))'}`,
			[]connectors.Value{int64(1), nil, "  ", nil, nil}, "", []string{"weight_kg:function strip"}},
		{"strip of NULL nulls no value", `      weight_kg: {expr: 'decimal(strip(vikt))'}`,
			[]connectors.Value{int64(1), nil, nil, nil, nil}, "", nil},
		{"strip of blank text, then a default", `      weight_kg: {expr: 'decimal(strip(vikt))', default: 0}`,
			[]connectors.Value{int64(1), nil, "  ", nil, nil}, "", nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			o := applyOne(t, smoking, c.columns+"\n", c.row...)
			if o.Kind != Migrated {
				t.Fatalf("%v %s %s", o.Kind, o.Reason, o.Detail)
			}
			if got := lostColumns(o); got != c.lost {
				t.Errorf("lost %q, want %q", got, c.lost)
			}
			if got := nulledBy(o); !reflect.DeepEqual(got, c.nulled) {
				t.Errorf("nulled %q, want %q", got, c.nulled)
			}
		})
	}
	// Quoted "null" is the text null, not NULL: a smallint cannot hold it.
	_, ds := compileEnv(t, `codelists:
  - name: size
    codes: {"1": "10", "7": "null"}
tables:
  - target: visit
    source: besok
    columns:
      visit_id: id
      visit_date: {value: "2024-01-01"}
      height_cm: {from: langd, codelist: size}
`+dropUnread("langd"), testEnv(t))
	if err := ds.Err(); err == nil || !strings.Contains(err.Error(), `maps "7" to "null"`) {
		t.Errorf("quoted null: %v, want C005", err)
	}
}

// A value archived alone keeps its source value, also when an expression
// made it: one note per source column the expression read.
func TestValueNotesKeepSourceValues(t *testing.T) {
	o := applyOne(t, "", `      weight_kg: {expr: 'decimal(vikt + "," + string(langd))'}
`, int64(1), nil, "ca 120", int64(5), nil)
	var got []string
	for _, n := range o.Values {
		s, _ := connectors.FormatValue(n.Value)
		got = append(got, n.Column+"<-"+n.SourceColumn+"="+s+" "+n.Reason)
	}
	want := []string{"weight_kg<-vikt=ca 120 bad_decimal", "weight_kg<-langd=5 bad_decimal"}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("notes %q, want %q", got, want)
	}
}

func TestNullWhenDiagnostics(t *testing.T) {
	for columns, want := range map[string]string{
		`      weight_kg: {value: "1", null_when: ["-"]}`:                    "error M030: null_when applies to from: and expr:",
		`      weight_kg: {expr: 'decimal(vikt + datum)', null_when: ["-"]}`: "error M030: a null_when list needs from: or an expression that reads one source column",
		`      weight_kg: {expr: 'decimal(vikt)', null_when: 'vikk == "-"'}`: "error M013: null_when: no source column vikk",
		`      weight_kg: {expr: 'decimal(vikt)', null_when: {a: b}}`:        "error Y001: null_when takes an expression or a list of source values",
		`      weight_kg: {expr: 'decimal(vikt)', null_when: []}`:            "error Y003: null_when lists no value",
	} {
		_, ds := compileEnv(t, `tables:
  - target: visit
    source: besok
    columns:
      visit_id: id
      visit_date: {value: "2024-01-01"}
`+columns+"\n"+dropUnread(columns), testEnv(t))
		if !strings.Contains(ds.Error(), want) {
			t.Errorf("%s:\n%v\nwant %q", columns, ds, want)
		}
	}
}

// map doc tells the registry holder which values are emptied by
// declaration.
func TestDocumentShowsDeclaredNulls(t *testing.T) {
	dir := t.TempDir()
	f, ds := ParseFile(writeFile(t, dir, "m.yaml", `codelists:
  - name: size
    codes: {"1": "10", "9": null}
tables:
  - target: visit
    source: besok
    columns:
      visit_id: id
      weight_kg: {expr: 'decimal(vikt)', null_when: ["-", "?"]}
      height_cm: {from: langd, null_when: 'langd == 0'}
`))
	if ds.Err() != nil {
		t.Fatal(ds)
	}
	schema, _ := LoadSchema(writeFile(t, dir, "schema.yaml", schemaYAML))
	var b strings.Builder
	if err := WriteMarkdown(&b, Document(DocMeta{Title: "T"}, []*File{f}, schema)); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`empty when the source value is "-" or "?"`, "empty when langd == 0", "| 9 | (empty: no value, by declaration) |"} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("map doc lacks %q:\n%s", want, b.String())
		}
	}
}

// SourceNonNull says per receiving column whether the record feeds it a
// source value: any column the column reads holds one (value_lost's own
// rule); a constant reads none.
func TestSourceNonNull(t *testing.T) {
	prog, ds := compileEnv(t, `tables:
  - target: visit
    source: besok
    columns:
      visit_id: id
      visit_date: {value: "2024-01-01"}
      weight_kg: {expr: 'decimal(vikt ?? langd)'}
    drop: {datum: not in this test, personnr: not in this test}
`, testEnv(t))
	if err := ds.Err(); err != nil {
		t.Fatal(err)
	}
	tp := prog.ForSource("besok")
	if o := tp.Apply([]connectors.Value{int64(1), nil, nil, int64(70), nil}); o.SourceNonNull != nil {
		t.Fatalf("SourceNonNull %v without CountSourceValues", o.SourceNonNull)
	}
	tp.CountSourceValues = true
	col := func(name string) int { return tp.Target.ColumnIndex(name) }
	for _, c := range []struct {
		row       []connectors.Value
		fedWeight bool
	}{
		{[]connectors.Value{int64(1), nil, nil, int64(70), nil}, true},
		{[]connectors.Value{int64(2), nil, "80", nil, nil}, true},
		{[]connectors.Value{int64(3), nil, nil, nil, nil}, false},
	} {
		o := tp.Apply(c.row)
		if o.Kind != Migrated || len(o.SourceNonNull) != len(tp.Target.Columns) {
			t.Fatalf("%v %s: SourceNonNull %v", o.Kind, o.Detail, o.SourceNonNull)
		}
		if !o.SourceNonNull[col("visit_id")] || o.SourceNonNull[col("visit_date")] || o.SourceNonNull[col("weight_kg")] != c.fedWeight {
			t.Errorf("row %v: SourceNonNull %v, want visit_id true, visit_date false, weight_kg %v", c.row, o.SourceNonNull, c.fedWeight)
		}
	}
}
