package verify

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// A unit report reads PASS only when the report it is cut from passed:
// the content check, the archive and the findings are the register's,
// not any unit's, and a unit whose figures add up in a FAILed run or
// verification (its records' values changed, say) read "Migration
// finished: PASS. Every record the unit reported is migrated" beside a
// report.json or verify-report.json with pass: false.
func TestUnitReportIsNoPassWhenItsReportFailed(t *testing.T) {
	n := func(v int64) *int64 { return &v }
	units := []UnitCheck{{Unit: "1", Source: "besok", SourceRows: n(3), UnitCounts: UnitCounts{Read: 3, Migrated: 3}, OK: true}}
	for _, pass := range []bool{true, false} {
		dir := t.TempDir()
		if _, err := WriteUnitReports(dir, &Report{Register: "r", Pass: pass, Units: units}); err != nil {
			t.Fatal(err)
		}
		urs := UnitReports(&Report{Register: "r", Pass: pass, Units: units})
		if len(urs) != 1 || urs[0].Pass != pass || !urs[0].UnitOK {
			t.Errorf("report pass %v: unit reports %+v, want pass %v with the unit's own figures ok", pass, urs, pass)
		}
		md, err := os.ReadFile(filepath.Join(dir, "unit-1.md"))
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(string(md), "PASS") != pass || strings.Contains(string(md), "FAIL") == pass {
			t.Errorf("report pass %v: unit-1.md:\n%s", pass, md)
		}
	}
}
