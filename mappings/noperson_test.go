package mappings

import (
	"strings"
	"testing"
)

// no_person: states why a table's records are no patient's; empty, or
// beside a person:, it says nothing a reviewer can rely on (M055).
func TestNoPersonDiagnostics(t *testing.T) {
	for _, c := range []struct{ name, table, want string }{
		{"a reason", "    no_person: care units, no patient data\n", ""},
		{"empty", "    no_person: \"\"\n", "M055"},
		{"beside person:", "    person: personnr\n    no_person: care units\n", "M055"},
	} {
		t.Run(c.name, func(t *testing.T) {
			path := writeFile(t, t.TempDir(), "m.yaml", "tables:\n  - target: unit\n    source: vardenhet\n"+c.table+"    columns: {unit_id: id}\n")
			f, ds := ParseFile(path)
			got := ""
			for _, d := range ds {
				if d.Code == "M055" {
					got = d.Code
				}
			}
			if got != c.want {
				t.Fatalf("diagnostics %v, want %q", ds, c.want)
			}
			if c.want == "" && (f == nil || len(f.Tables) != 1 || !strings.Contains(f.Tables[0].NoPerson.Value, "care units")) {
				t.Fatalf("no_person not read: %+v", f)
			}
		})
	}
}
