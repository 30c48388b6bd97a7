package synth_test

import (
	"sort"
	"strings"
	"testing"

	"github.com/regflytt/regflytt/plans/synth"
	"github.com/regflytt/regflytt/verify"
)

// unitTables are, per platform, the source tables whose mappings name a
// reporting unit, and whether the unit is a column of the table (else it
// is its entity's: a form store's values).
var unitTables = map[synth.Platform]map[string]bool{
	synth.EAV:     {"vardenhet": true, "formular_instans": true, "formular_varde": false},
	synth.MainSub: {"vardenhet": true, "delreg_kirurgi": true, "delreg_rehab": true},
	// The unit reaches the operation's receiving row through lookup().
	// A follow-up takes its operation's unit (unit: {parent: true}).
	synth.Wide: {"vardenhet": true, "operation": true, "uppfoljning": false},
}

// unitFromParent are the source tables whose records take their parent
// record's unit.
var unitFromParent = map[string]bool{"uppfoljning": true}

// checkUnitEquations checks the per-unit reconciliation of a defect run:
// every unit's equation holds, the source counted per unit where the unit
// is a column, and the units of a table add up to it — including the
// records a defect left without a unit.
func checkUnitEquations(t *testing.T, p synth.Platform, rep *verify.Report) {
	t.Helper()
	want := unitTables[p]
	sums := map[string]*verify.UnitCounts{}
	for _, c := range rep.Units {
		counted, ok := want[c.Source]
		if !ok {
			t.Errorf("%s: table %s has per-unit figures", p, c.Source)
			continue
		}
		if !c.OK || (c.SourceRows != nil) != counted || c.UnitFromParent != unitFromParent[c.Source] {
			t.Errorf("%s: table %s unit %q: %+v", p, c.Source, c.Unit, c)
		}
		if c.SourceRows != nil && *c.SourceRows != c.Migrated+c.Archived+c.Excluded {
			t.Errorf("%s: table %s unit %q: %d source rows, %d accounted", p, c.Source, c.Unit, *c.SourceRows, c.Migrated+c.Archived+c.Excluded)
		}
		s := sums[c.Source]
		if s == nil {
			s = &verify.UnitCounts{}
			sums[c.Source] = s
		}
		s.Read, s.Migrated, s.Archived, s.Excluded = s.Read+c.Read, s.Migrated+c.Migrated, s.Archived+c.Archived, s.Excluded+c.Excluded
	}
	var missing []string
	for table := range want {
		if sums[table] == nil {
			missing = append(missing, table)
		}
	}
	sort.Strings(missing)
	if len(missing) > 0 {
		t.Errorf("%s: no per-unit figures for %s", p, strings.Join(missing, ", "))
	}
	for _, tc := range rep.Tables {
		s := sums[tc.Source]
		if s == nil {
			continue
		}
		if s.Read != tc.Read || s.Migrated != tc.Migrated || s.Archived != tc.Archived || s.Excluded != tc.Excluded {
			t.Errorf("%s: table %s: units add up to %+v, the table is %+v", p, tc.Source, *s, tc.TableLedger)
		}
	}
}
