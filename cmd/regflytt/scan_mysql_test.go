package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/regflytt/regflytt/connectors/mysql/mytest"
	"github.com/regflytt/regflytt/connectors/postgres/pgtest"
)

// A MariaDB table with bigint unsigned at its maximum and TIME beyond a
// day: the scan's proposal and skeleton create and load it on
// PostgreSQL without a reject, and the scan says why TIME became text.
func TestScanMariaDBProposalLoadsOnPostgres(t *testing.T) {
	if os.Getenv(mytest.EnvVar) == "" || os.Getenv(pgtest.EnvVar) == "" {
		t.Skipf("needs %s and %s", mytest.EnvVar, pgtest.EnvVar)
	}
	src := mytest.NewDatabase(t)
	mytest.Exec(t, src,
		`CREATE TABLE probe (id int NOT NULL PRIMARY KEY, stor bigint unsigned, tid time, kort time, namn varchar(5) CHARACTER SET latin1)`,
		`INSERT INTO probe VALUES (1, 18446744073709551615, '838:59:59', '08:30:00', 'Åsa'), (2, 0, '-12:00:00', '23:59:59', NULL), (3, NULL, NULL, NULL, 'abc')`,
	)
	tgt := pgtest.NewDatabase(t)
	dir := filepath.Join(t.TempDir(), "skeleton")
	report := filepath.Join(t.TempDir(), "scan.json")
	code, _, errs := cli(t, "scan", src, "--reference-date", "2026-01-01", "--out", report, "--mapping-skeleton", dir, "-q")
	if code != exitOK {
		t.Fatalf("scan: exit %d: %s", code, errs)
	}
	raw, _ := os.ReadFile(report)
	if !strings.Contains(string(raw), `"code": "time_beyond_day"`) {
		t.Errorf("the report has no time_beyond_day finding")
	}
	schema, _ := os.ReadFile(filepath.Join(dir, "schema.yaml"))
	for _, want := range []string{`{name: "stor", type: "decimal(20,0)"}`, `{name: "tid", type: "text"}`, `{name: "kort", type: "time"}`} {
		if !strings.Contains(string(schema), want) {
			t.Errorf("schema.yaml lacks %s:\n%s", want, schema)
		}
	}
	t.Setenv("REGFLYTT_SOURCE", src)
	t.Setenv("REGFLYTT_TARGET", tgt)
	work := t.TempDir()
	code, out, errs := cli(t, "run", filepath.Join(dir, "plan.yaml"), "--work", work, "-q")
	if code != exitOK {
		t.Fatalf("run: exit %d: %s%s", code, out, errs)
	}
	rep, _ := os.ReadFile(filepath.Join(work, "report.json"))
	if !strings.Contains(string(rep), `"migrated": 3`) || strings.Contains(string(rep), `"archived_by"`) {
		t.Errorf("not every row migrated:\n%s", rep)
	}
}
