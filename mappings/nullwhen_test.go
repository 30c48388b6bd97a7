package mappings

import (
	"testing"

	"github.com/regflytt/regflytt/connectors"
)

// null_when lists source values "as text", and a number column's value
// was matched by its printed form: a decimal(5,2) column's sentinel
// 999.90 is not the listed 999.9, nor a double column's 1e+06 the
// listed 1000000, so the sentinel migrated as a weight and the run
// passed. A number column's values are matched by value.
func TestNullWhenListMatchesNumbersByValue(t *testing.T) {
	for _, c := range []struct {
		typ, list string
		v         connectors.Value
		null      bool
	}{
		{"decimal(5,2)", `[999.9]`, connectors.Decimal("999.90"), true},
		{"decimal(5,2)", `["999.90"]`, connectors.Decimal("999.90"), true},
		{"decimal(5,2)", `[999.9]`, connectors.Decimal("999.91"), false},
		{"decimal(5,2)", `[-1]`, connectors.Decimal("-1.00"), true},
		{"decimal(5,2)", `[0]`, connectors.Decimal("0.00"), true},
		{"double", `[1000000]`, float64(1e6), true},
		{"double", `[0.1]`, float64(0.1), true},
		{"double", `[999.9]`, float64(999.8), false},
		{"integer", `["09"]`, int64(9), true},
		{"integer", `["-", "?", 0]`, int64(0), true},
		{"integer", `["-", "?", 0]`, int64(5), false},
	} {
		cast := ""
		if c.typ == "double" || c.typ == "integer" {
			cast = ", cast: \"decimal(12,2)\""
		}
		if null, ok := nullWhenGivesNull(t, c.typ, `"decimal(12,2)"`, c.list+cast, c.v); ok && null != c.null {
			t.Errorf("%s %v null_when %s: NULL %v, want %v", c.typ, c.v, c.list, null, c.null)
		}
	}
}

// nullWhenGivesNull maps one value of a source column of type typ to a
// receiving column of type target under null_when: list (and what
// follows it in the column's mapping), and says whether it became NULL;
// ok is false (the test failed) when it did not migrate.
func nullWhenGivesNull(t *testing.T, typ, target, list string, v connectors.Value) (null, ok bool) {
	t.Helper()
	src := []connectors.Table{{Name: "besok", PrimaryKey: []string{"id"}, Columns: []connectors.Column{
		col("id", "integer", false), col("vikt", typ, true)}}}
	prog := compileInline(t, `platform: test
tables:
  - name: visit
    primary_key: [visit_id]
    columns:
      - {name: visit_id, type: bigint}
      - {name: weight, type: `+target+`}
`, `tables:
  - target: visit
    source: besok
    columns:
      visit_id: id
      weight: {from: vikt, null_when: `+list+`}
`, src, testEnv(t))
	o := prog.ForSource("besok").Apply([]connectors.Value{int64(1), v})
	if o.Kind != Migrated {
		t.Errorf("%s %#v null_when %s: %v %q", typ, v, list, o.Kind, o.Reason)
		return false, false
	}
	return o.Row[1] == nil, true
}

// A null_when list was compared with a bytes column's printed form
// (\x2d for "-") and a boolean's "true"/"false" alone, so a varbinary
// column's "-", declared no value, migrated as the byte "-", and a
// boolean listed as 0 migrated as false, with the run passing. A bytes
// value is compared as its UTF-8 text, a boolean also as 1 or 0, as a
// code list finds them.
func TestNullWhenListMatchesBytesAndBooleans(t *testing.T) {
	for _, c := range []struct {
		typ, list string
		v         connectors.Value
		null      bool
	}{
		{"bytes", `["-"]`, []byte("-"), true},
		{"bytes", `["-"]`, []byte("x"), false},
		{"bytes", `["-"]`, []byte{0xff}, false},
		{"boolean", `["0"]`, false, true},
		{"boolean", `["false"]`, false, true},
		{"boolean", `["0"]`, true, false},
		{"boolean", `[1]`, true, true},
	} {
		if null, ok := nullWhenGivesNull(t, c.typ, c.typ, c.list, c.v); ok && null != c.null {
			t.Errorf("%s %#v null_when %s: NULL %v, want %v", c.typ, c.v, c.list, null, c.null)
		}
	}
}
