package plans_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/regflytt/regflytt/connectors"
	"github.com/regflytt/regflytt/connectors/mysql/mytest"
	"github.com/regflytt/regflytt/connectors/postgres/pgtest"
	"github.com/regflytt/regflytt/verify"
)

// Garbled text in real MariaDB columns (latin1, utf8mb3, utf8mb4,
// varbinary) through repair() and latin1() into PostgreSQL, where run
// and verify passed with text the holder never wrote:
//
//   - a correct MALMÖ–LUND (utf8mb4) became MALM + a Hebrew accent + LUND
//     (visit 1), and the Windows-1252 bytes of it the same (visit 7);
//   - "Smörgås" in UTF-8 bytes stored in a latin1 varchar(7), cut after
//     the lead byte of å, migrated as SmÃ¶rgÃ (visit 2), and the same
//     bytes in a varbinary(7) through latin1() too (visit 5);
//   - GÃƒÂ¶teborg, garbled twice, migrated as GÃ¶teborg (visit 3), and a
//     utf8mb3 value garbled by ISO 8859-1 then Windows-1252 with a C1
//     control, Ã + U+0096 (visit 6);
//   - Ã…re beside a correct Östersund migrated as it stood (visit 4);
//   - "Lund – Piteå" with the en dash a C1 control, U+0096, as Windows-1252
//     read as ISO 8859-1 leaves it, migrated with the control (visit 8).
//
// Now each migrates as the holder wrote it or is archived as
// encoding_ambiguous; verify, applying the same mapping, agrees.
func TestRunRepairsGarbledTextOrArchivesIt(t *testing.T) {
	if os.Getenv(mytest.EnvVar) == "" || os.Getenv(pgtest.EnvVar) == "" {
		t.Skip("needs REGFLYTT_TEST_MYSQL and REGFLYTT_TEST_PG")
	}
	src, tgt := mytest.NewDatabase(t), pgtest.NewDatabase(t)
	mytest.GarbledVisits(t, src)
	dir := t.TempDir()
	writeSchema(t, dir, "visit", "visit_id", "visit_id bigint", "name text", "town text", "street text", "code text")
	write(t, filepath.Join(dir, "m.yaml"), `version: 1
tables:
  - target: visit
    source: besok
    columns:
      visit_id: id
      name: {expr: repair(namn)}
      town: {expr: repair(ort)}
      street: {expr: repair(gata)}
      code: {expr: latin1(kod)}
`)
	plan := writePlan(t, dir, `verification:
  acknowledge:
    archived_share.besok: a test of garbled text
`)
	rep := runAndVerify(t, plan, src, tgt)
	checkLedger(t, rep, false, map[string]string{"besok": summary(5, 3, 0, map[string]int64{"encoding_ambiguous": 3})})
	want := map[int64][4]string{
		1: {"Göran", "MALMÖ–LUND", "Storgatan", "Umeå"},
		3: {"Per", "Göteborg", "Storgatan", "Lund"},
		6: {"Per", "Lund", "Östra gatan", "Lund"},
		7: {"Per", "Lund", "Storgatan", "MALMÖ–LUND"},
		8: {"Per", "Lund – Piteå", "Storgatan", "Lund"},
	}
	rows := readRows(t, tgt, "visit")
	if len(rows) != len(want) {
		t.Errorf("receiving visits %v, want %v", rows, want)
	}
	for _, r := range rows {
		id, _ := r["visit_id"].(int64)
		var got [4]string
		for i, c := range []string{"name", "town", "street", "code"} {
			got[i], _ = connectors.FormatValue(r[c])
		}
		if got != want[id] {
			t.Errorf("visit %d = %q, want %q", id, got, want[id])
		}
	}
}

// runAndVerify runs the plan from src into tgt and verifies it, failing
// the test unless both pass, and gives the run's report.
func runAndVerify(t *testing.T, plan, src, tgt string) *verify.Report {
	t.Helper()
	rep, _ := runAndVerifyIn(t, loadPlan(t, plan), src, tgt, t.TempDir())
	return rep
}
