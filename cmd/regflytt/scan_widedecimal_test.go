package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/regflytt/regflytt/connectors/mysql/mytest"
	"github.com/regflytt/regflytt/connectors/postgres/pgtest"
)

// A new user's MariaDB registry declares an amount DECIMAL(65,30). The
// scan's mapping skeleton listed the column under drop: ("no receiving
// type holds it as it is"), the scan's report named no finding for it,
// and the skeleton's run passed with every value of the column left
// behind: neither migrated nor archived. The skeleton now maps it as
// text, which keeps every digit, and the run carries each value.
func TestScanSkeletonKeepsAWideDecimal(t *testing.T) {
	if os.Getenv(mytest.EnvVar) == "" || os.Getenv(pgtest.EnvVar) == "" {
		t.Skipf("needs %s and %s", mytest.EnvVar, pgtest.EnvVar)
	}
	src := mytest.NewDatabase(t)
	wide := "12345678901234567890123456789012345.123456789012345678901234567890"
	mytest.Exec(t, src,
		"CREATE TABLE belopp (id int NOT NULL PRIMARY KEY, summa decimal(65,30))",
		"INSERT INTO belopp VALUES (1, "+wide+"), (2, -0.5), (3, NULL)",
	)
	tgt := pgtest.NewDatabase(t)
	dir := filepath.Join(t.TempDir(), "skeleton")
	report := filepath.Join(t.TempDir(), "scan.json")
	if code, _, errs := cli(t, "scan", src, "--reference-date", "2026-01-01", "--out", report, "--mapping-skeleton", dir, "-q"); code != exitOK {
		t.Fatalf("scan: exit %d: %s", code, errs)
	}
	raw, _ := os.ReadFile(report)
	if !strings.Contains(string(raw), `"column": "summa"`) {
		t.Errorf("the scan names no finding for summa:\n%s", raw)
	}
	mapping, _ := os.ReadFile(filepath.Join(dir, "mapping.yaml"))
	if strings.Contains(string(mapping), "drop:") {
		t.Fatalf("the skeleton drops a column:\n%s", mapping)
	}
	t.Setenv("REGFLYTT_SOURCE", src)
	t.Setenv("REGFLYTT_TARGET", tgt)
	work := t.TempDir()
	if code, out, errs := cli(t, "run", filepath.Join(dir, "plan.yaml"), "--work", work, "-q"); code != exitOK {
		t.Fatalf("run: exit %d: %s%s", code, out, errs)
	}
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, tgt)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	got := map[int]string{}
	rows, err := conn.Query(ctx, "SELECT id, coalesce(summa::text, 'NULL') FROM belopp")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var id int
		var s string
		if err := rows.Scan(&id, &s); err != nil {
			t.Fatal(err)
		}
		got[id] = s
	}
	want := map[int]string{1: wide, 2: "-0.500000000000000000000000000000", 3: "NULL"}
	for id, w := range want {
		if got[id] != w {
			t.Errorf("belopp %d: summa %q in the target, want %q", id, got[id], w)
		}
	}
}
