package verify

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Two care units whose ids differ only in case ("kir1" and "KIR1", a
// legacy platform that compares ids byte for byte) got unit-kir1.json and
// unit-KIR1.json: one file on a case-blind file system (macOS's and
// Windows' defaults, an SMB share the registry sends the reports from),
// where the second unit's report replaced the first's under the first's
// name, and the care provider of KIR1 was sent kir1's figures, with exit
// 0. A unit's file name must differ from every other unit's however the
// file system compares names.
func TestUnitReportNamesDifferBeyondCase(t *testing.T) {
	n := func(v int64) *int64 { return &v }
	units := []string{"kir1", "KIR1", "Kir1", "kir1-00000000", "SE2321000016-AAAA", "101"}
	r := &Report{Register: "demo", Pass: true}
	for i, u := range units {
		r.Units = append(r.Units, UnitCheck{Unit: u, Source: "besok", SourceRows: n(int64(i + 1)), UnitCounts: UnitCounts{Read: int64(i + 1), Migrated: int64(i + 1)}, OK: true})
	}
	dir := t.TempDir()
	names, err := WriteUnitReports(dir, r)
	if err != nil {
		t.Fatal(err)
	}
	if len(names) != 2*len(units) {
		t.Fatalf("files %v: want two per unit", names)
	}
	folded := map[string]string{}
	for _, name := range names {
		k := strings.ToLower(name)
		if prev, dup := folded[k]; dup {
			t.Errorf("%s and %s are one file on a case-blind file system", prev, name)
		}
		folded[k] = name
	}
	// Ids a care provider reads as they are keep their names.
	for _, plain := range []string{"unit-SE2321000016-AAAA.json", "unit-101.json", "unit-KIR1.json"} {
		if _, err := os.Stat(filepath.Join(dir, plain)); err != nil {
			t.Errorf("%s: %v", plain, err)
		}
	}
}
