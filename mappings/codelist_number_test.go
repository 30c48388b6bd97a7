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
	for _, c := range cases {
		src := []connectors.Table{{Name: "besok", PrimaryKey: []string{"id"}, Columns: []connectors.Column{
			col("id", "integer", false), col("rok", "varchar("+width+")", true)}}}
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
			t.Errorf("%s %q: map check's misses say another spelling %v, want %v", c.policy, c.code, other, want)
		}
		switch {
		case c.want == "archived":
			if o.Kind != Archived || o.Reason != "code_unmapped" {
				t.Errorf("%s %q: %v %q %v, want archived code_unmapped", c.policy, c.code, o.Kind, o.Reason, o.Row)
			} else if c.policy != "archive" && !strings.Contains(o.Detail, detail) {
				t.Errorf("%s %q: detail %q, want it to say how the code differs", c.policy, c.code, o.Detail)
			}
		case o.Kind != Migrated || o.Row[1] != c.want:
			t.Errorf("%s %q: %v %q %v, want %v", c.policy, c.code, o.Kind, o.Reason, o.Row, c.want)
		}
	}
}
