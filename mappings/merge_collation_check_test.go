package mappings

import (
	"strings"
	"testing"

	"github.com/regflytt/regflytt/connectors"
)

// map check warns (M087) of a merge column fed from text whose collation
// joins spellings folding cannot tell apart (utf8mb4_general_ci takes 'ß'
// for 's'): a run stops at the first record whose key holds such text
// (UnsureMergeKeyError), so the plan's author hears of it before the
// run. A column whose collation the catalogue does not
// name (a select:'s) is taken for blind, and warned of too; a byte-wise
// collation says nothing.
func TestMergeKeyCollationWarning(t *testing.T) {
	const schema = "platform: t\ntables:\n  - name: visit\n    primary_key: [patient]\n    columns:\n      - {name: patient, type: text}\n      - {name: vikt, type: text}\n"
	const mapping = `tables:
  - target: visit
    merge: [patient]
    sources:
      - source: delreg_a
        precedence: 1
        columns: {patient: pat, vikt: vikt}
      - source: delreg_b
        precedence: 2
        columns: {patient: pat}
`
	for _, c := range []struct {
		typ, collationA, collationB string
		warn                        bool
	}{
		{"varchar(20)", "utf8mb4_general_ci", "utf8mb4_general_ci", true},
		{"varchar(20)", "utf8mb4_bin", "latin1_swedish_ci", true},
		{"varchar(20)", "utf8mb4_bin", "utf8mb4_bin", false},
		{"varchar(20)", "utf8mb4_bin", "", true},
	} {
		src := []connectors.Table{
			{Name: "delreg_a", PrimaryKey: []string{"pat"}, Columns: []connectors.Column{col("pat", c.typ, false), col("vikt", "varchar(5)", true)}},
			{Name: "delreg_b", PrimaryKey: []string{"pat"}, Columns: []connectors.Column{col("pat", c.typ, false)}},
		}
		src[0].Columns[0].Collation, src[1].Columns[0].Collation = c.collationA, c.collationB
		dir := t.TempDir()
		s, ds := LoadSchema(writeFile(t, dir, "schema.yaml", schema))
		if ds.Err() != nil {
			t.Fatal(ds)
		}
		f, ds := ParseFile(writeFile(t, dir, "m.yaml", mapping))
		if ds.Err() != nil {
			t.Fatal(ds)
		}
		_, ds = Compile([]*File{f}, src, s, nil)
		if err := ds.Err(); err != nil {
			t.Fatalf("%v: %v", c, err)
		}
		var got []Diagnostic
		for _, d := range ds {
			if d.Code == "M087" {
				got = append(got, d)
			}
		}
		if (len(got) > 0) != c.warn {
			t.Errorf("%s under %s and %s: M087 %v, want %v", c.typ, c.collationA, c.collationB, got, c.warn)
			continue
		}
		if c.warn && (got[0].Severity != Warning || got[0].Pos.Line != 3 || !strings.Contains(got[0].Message, "patient") || !strings.Contains(got[0].Message, "collation")) {
			t.Errorf("M087 %+v: want a warning at the merge: line naming the column and the collation", got[0])
		}
	}
}
