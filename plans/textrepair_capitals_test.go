package plans_test

import (
	"encoding/hex"
	"os"
	"path/filepath"
	"testing"

	"github.com/regflytt/regflytt/connectors"
	"github.com/regflytt/regflytt/connectors/mysql/mytest"
	"github.com/regflytt/regflytt/connectors/postgres/pgtest"
	"github.com/regflytt/regflytt/mappings/lexical"
)

// Correct Swedish text in capitals whose Å or Ä ends a word before an en
// dash or an ellipsis, in real MariaDB columns (utf8mb4, latin1 and the
// Windows-1252 bytes of it in a varbinary), went through repair() and
// latin1() into PostgreSQL as another text, and run and verify passed:
// UMEÅ–SUNDSVALL as UMEŖSUNDSVALL, LULEÅ… as LULEŅ; KNÄ–HÖFTLED was
// archived. Now each migrates as written; garbled text of the same is
// repaired exactly, garbled names of Latin Extended letters still are,
// a latin1 column holding C3 A5 gives latin1() the text "Ã¥" it holds
// (repair() makes it "å"), and a value garbled in one place and correct
// in another is archived.
func TestRunKeepsSwedishCapitalsBeforePunctuation(t *testing.T) {
	if os.Getenv(mytest.EnvVar) == "" || os.Getenv(pgtest.EnvVar) == "" {
		t.Skip("needs REGFLYTT_TEST_MYSQL and REGFLYTT_TEST_PG")
	}
	src, tgt := mytest.NewDatabase(t), pgtest.NewDatabase(t)
	garbled := func(s string) string { return lexical.DecodeWindows1252([]byte(s)) }
	utf8mb4 := func(s string) string { return "_utf8mb4 X'" + hex.EncodeToString([]byte(s)) + "'" }
	mytest.Exec(t, src,
		`CREATE TABLE ort (id int NOT NULL PRIMARY KEY, u varchar(40) CHARACTER SET utf8mb4,
			l varchar(40) CHARACTER SET latin1, b varbinary(40))`,
		// Correct text in each column (the varbinary in Windows-1252).
		`INSERT INTO ort VALUES (1, 'UMEÅ–SUNDSVALL', 'UMEÅ–SUNDSVALL', X'554D45C596`+`53554E445356414C4C')`,
		`INSERT INTO ort VALUES (2, 'LULEÅ…', 'KNÄ–HÖFTLED', X'4C554C45C585')`,
		// Garbled: the UTF-8 of the same text read as Windows-1252; UTF-8
		// in the latin1 column and in the varbinary.
		`INSERT INTO ort VALUES (3, `+utf8mb4(garbled("UMEÅ–SUNDSVALL"))+`, _latin1 X'554D45C385E2809353554E445356414C4C', X'`+hex.EncodeToString([]byte("PETROVIĆ"))+`')`,
		`INSERT INTO ort VALUES (4, `+utf8mb4(garbled("Petrović"))+`, _latin1 X'C3A5', X'C3A5')`,
		// Garbled beside correct capitals.
		`INSERT INTO ort VALUES (5, `+utf8mb4(garbled("Göran")+" UMEÅ–SUNDSVALL")+`, 'ÖREBRO-LÄN', X'4C554E44')`,
	)
	dir := t.TempDir()
	writeSchema(t, dir, "ort", "id", "id bigint", "u text", "l text", "lx text", "b text")
	write(t, filepath.Join(dir, "m.yaml"), `version: 1
tables:
  - target: ort
    source: ort
    columns:
      id: id
      u: {expr: repair(u)}
      l: {expr: repair(l)}
      lx: {expr: latin1(l)}
      b: {expr: latin1(b)}
`)
	plan := writePlan(t, dir, `verification:
  acknowledge:
    archived_share.ort: a test of garbled text
`)
	rep := runAndVerify(t, plan, src, tgt)
	checkLedger(t, rep, false, map[string]string{"ort": summary(4, 1, 0, map[string]int64{"encoding_ambiguous": 1})})
	want := map[int64][4]string{
		1: {"UMEÅ–SUNDSVALL", "UMEÅ–SUNDSVALL", "UMEÅ–SUNDSVALL", "UMEÅ–SUNDSVALL"},
		2: {"LULEÅ…", "KNÄ–HÖFTLED", "KNÄ–HÖFTLED", "LULEÅ…"},
		3: {"UMEÅ–SUNDSVALL", "UMEÅ–SUNDSVALL", garbled("UMEÅ–SUNDSVALL"), "PETROVIĆ"},
		4: {"Petrović", "å", "Ã¥", "å"},
	}
	rows := readRows(t, tgt, "ort")
	if len(rows) != len(want) {
		t.Errorf("receiving rows %v, want %v", rows, want)
	}
	for _, r := range rows {
		id, _ := r["id"].(int64)
		var got [4]string
		for i, c := range []string{"u", "l", "lx", "b"} {
			got[i], _ = connectors.FormatValue(r[c])
		}
		if got != want[id] {
			t.Errorf("row %d = %q, want %q", id, got, want[id])
		}
	}
}
