package mappings

import (
	"strings"
	"testing"

	"github.com/regflytt/regflytt/connectors"
)

// A code list's codes are text, and a number column's code was looked up
// by its printed form: a decimal(3,1) column's 1.0 is not the listed "1",
// nor its version 2.0 the version "2", so under unmapped: null every
// record's code became NULL and the run passed. A number column's code
// and version are now found by value when the list does not write them
// as printed; a list that writes one value twice ("1" and "01") is
// matched by text only.
func TestCodeListMatchesNumberColumnsByValue(t *testing.T) {
	for _, c := range []struct {
		typ     string
		code    connectors.Value
		version connectors.Value
		want    connectors.Value
	}{
		{"decimal(3,1)", connectors.Decimal("1.0"), connectors.Decimal("2.0"), "current"},
		{"decimal(3,1)", connectors.Decimal("2.0"), int64(1), "no"},
		{"integer", int64(3), int64(2), "former"},
		{"integer", int64(7), int64(2), "seven"},                   // "07" in the list
		{"decimal(3,1)", connectors.Decimal("9.0"), int64(2), nil}, // 9: null by declaration
		{"decimal(3,1)", connectors.Decimal("4.5"), int64(2), nil}, // unmapped: null
		{"double", float64(1), float64(1), "yes"},
	} {
		src := []connectors.Table{{Name: "besok", PrimaryKey: []string{"id"}, Columns: []connectors.Column{
			col("id", "integer", false), col("rok", c.typ, true), col("ver", c.typ, true)}}}
		prog := compileInline(t, `platform: test
tables:
  - name: visit
    primary_key: [visit_id]
    columns:
      - {name: visit_id, type: bigint}
      - {name: smoking, type: text}
`, `codelists:
  - name: smoking
    unmapped: null
    versions:
      "1": {"1": "yes", "2": "no"}
      "2": {"1": "current", "2": never, "3": former, "07": seven, "9": ~}
tables:
  - target: visit
    source: besok
    columns:
      visit_id: id
      smoking: {from: rok, codelist: {name: smoking, version: ver}}
`, src, testEnv(t))
		tp := prog.ForSource("besok")
		row := []connectors.Value{int64(1), c.code, c.version}
		o := tp.Apply(row)
		if o.Kind != Migrated || o.Row[1] != c.want {
			t.Errorf("%s code %v version %v: %v %q %#v, want %#v", c.typ, c.code, c.version, o.Kind, o.Reason, o.Row, c.want)
		}
		var misses []CodeMiss
		tp.CodeMisses(row, func(m CodeMiss) { misses = append(misses, m) })
		if wantMiss := c.code == connectors.Decimal("4.5"); (len(misses) > 0) != wantMiss {
			t.Errorf("%s code %v version %v: map check's misses %+v, want a miss %v", c.typ, c.code, c.version, misses, wantMiss)
		}
	}
}

// A code list whose unmapped: policy is null or default took a code that
// differs from a listed one only in case or trailing spaces ("j", the
// "J " of a char(2) column) for an unknown code: NULL or the default for
// every such record, where the legacy platform, comparing under a
// case-blind collation, read it as J. Such a code is refused whatever the
// policy (code_unmapped, saying so); a code no spelling of which is
// listed still follows the policy.
func TestCodeListRefusesCodesListedInAnotherSpelling(t *testing.T) {
	checkCodeSpellings(t, "2", `{J: "ja", N: "nej"}`, "only in case, trailing spaces", []spellingCase{
		{"null", "J", "ja"},
		{"null", "j", "archived"},
		{"null", "J ", "archived"},
		{"null", "X", nil},
		{"default", "n", "archived"},
		{"default", "X", "okänd"},
		{"archive", "j", "archived"},
	})
}

// spellingCase is one code of a code-spelling test: the receiving value,
// or "archived".
type spellingCase struct {
	policy, code string
	want         any
}

// checkCodeSpellings maps each case's code of a varchar(width) column
// through a list yn of codes under the case's unmapped: policy, and holds
// the outcome and map check's miss to it: an archived code is a code in
// another spelling (detail names how), any other follows the policy.
func checkCodeSpellings(t *testing.T, width, codes, detail string, cases []spellingCase) {
	t.Helper()
	forms := make([]codeForm, len(cases))
	for i, c := range cases {
		forms[i] = codeForm{c.policy, c.code, c.want}
	}
	checkCodeForms(t, "varchar("+width+")", codes, detail, forms)
}

// codeForm is one code of a column of any type: the receiving value, or
// "archived".
type codeForm struct {
	policy string
	code   connectors.Value
	want   any
}

// checkCodeForms is checkCodeSpellings for a column of type typ.
func checkCodeForms(t *testing.T, typ, codes, detail string, cases []codeForm) {
	t.Helper()
	for _, c := range cases {
		src := []connectors.Table{{Name: "besok", PrimaryKey: []string{"id"}, Columns: []connectors.Column{
			col("id", "integer", false), col("rok", typ, true)}}}
		prog := compileInline(t, `platform: test
tables:
  - name: visit
    primary_key: [visit_id]
    columns:
      - {name: visit_id, type: bigint}
      - {name: smoker, type: text}
`, `codelists:
  - {name: yn, unmapped: `+c.policy+`, default: "okänd", codes: `+codes+`}
tables:
  - target: visit
    source: besok
    columns:
      visit_id: id
      smoker: {from: rok, codelist: yn}
`, src, testEnv(t))
		tp := prog.ForSource("besok")
		o := tp.Apply([]connectors.Value{int64(1), c.code})
		var other []bool
		tp.CodeMisses([]connectors.Value{int64(1), c.code}, func(m CodeMiss) { other = append(other, m.OtherSpelling) })
		if want := c.want == "archived"; len(other) > 0 && other[0] != want || want && len(other) == 0 {
			t.Errorf("%s %s %#v: map check's misses say another spelling %v, want %v", typ, c.policy, c.code, other, want)
		}
		switch {
		case c.want == "archived":
			if o.Kind != Archived || o.Reason != "code_unmapped" {
				t.Errorf("%s %s %#v: %v %q %v, want archived code_unmapped", typ, c.policy, c.code, o.Kind, o.Reason, o.Row)
			} else if c.policy != "archive" && !strings.Contains(o.Detail, detail) {
				t.Errorf("%s %s %#v: detail %q, want it to say how the code differs", typ, c.policy, c.code, o.Detail)
			}
		case o.Kind != Migrated || o.Row[1] != c.want:
			t.Errorf("%s %s %#v: %v %q %v, want %v", typ, c.policy, c.code, o.Kind, o.Reason, o.Row, c.want)
		}
	}
}

// A number, boolean or bytes code that the list holds in another form
// was taken for an unknown code: under unmapped: null the column was
// empty, under default the default, and the run passed. An integer 7
// where the list writes "07" and "007" (or a decimal 1.00 where it
// writes "1" and "1.0"), a PostgreSQL boolean true where it writes "1",
// the bytes "J" of a varbinary column where it writes "J". A boolean is
// now found as true/false or as 1/0, bytes as their UTF-8 text, and a
// number the list writes twice, a boolean it names neither way and bytes
// that are no text are archived whatever the policy.
func TestCodeListFindsCodesOfEveryKindOrArchives(t *testing.T) {
	for _, policy := range []string{"null", "default"} {
		checkCodeForms(t, "integer", `{"07": a, "007": b, "1": c}`, "several codes", []codeForm{
			{policy, int64(7), "archived"}, {policy, int64(1), "c"}, {policy, int64(2), map[string]any{"null": nil, "default": "okänd"}[policy]},
		})
		checkCodeForms(t, "decimal(3,2)", `{"1": a, "1.0": b}`, "several codes", []codeForm{
			{policy, connectors.Decimal("1.00"), "archived"}, {policy, connectors.Decimal("1.0"), "b"},
		})
		checkCodeForms(t, "boolean", `{"1": ja, "0": nej}`, "", []codeForm{
			{policy, true, "ja"}, {policy, false, "nej"},
		})
		checkCodeForms(t, "boolean", `{"true": ja, "false": nej}`, "", []codeForm{
			{policy, true, "ja"}, {policy, false, "nej"},
		})
		checkCodeForms(t, "boolean", `{"J": ja, "N": nej}`, "boolean", []codeForm{
			{policy, true, "archived"}, {policy, false, "archived"},
		})
		checkCodeForms(t, "bytes", `{"J": ja, "N": nej}`, "only in case", []codeForm{
			{policy, []byte("J"), "ja"}, {policy, []byte("j"), "archived"}, {policy, []byte("X"), map[string]any{"null": nil, "default": "okänd"}[policy]},
		})
		checkCodeForms(t, "bytes", `{"J": ja, "N": nej}`, "not UTF-8", []codeForm{{policy, []byte{0xff}, "archived"}})
	}
}
