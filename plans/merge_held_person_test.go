package plans_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/regflytt/regflytt/connectors/mysql/mytest"
	"github.com/regflytt/regflytt/connectors/postgres/pgtest"
	"github.com/regflytt/regflytt/plans"
	"github.com/regflytt/regflytt/verify"
)

// A registration's record whose person reads NULL is unchecked against
// the opt-out list unless another record of the registration was asked
// of it. A sub-register's record its own mapping archives is held for
// the merge (stop 35) and counts among the registration's records: one
// whose number was read and asked checks the registration (registration
// 3), but one archived because its number cannot be read (person_length,
// registration 1) was asked of nothing, and must not mark the
// registration's person as checked: person_not_checked undercounted,
// and verify passed a registration whose person nobody checked.
// Registration 4 is an opted-out patient's. MariaDB to PostgreSQL.
func TestRunMergeHeldRecordChecksItsRegistrationsPersonOnlyWhenRead(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	src := mytest.NewDatabase(t)
	tgt := pgtest.NewDatabase(t)
	mytest.Exec(t, src,
		`CREATE TABLE delreg_a (besok_id int PRIMARY KEY, personnr varchar(13) NULL, vikt varchar(10))`,
		`CREATE TABLE delreg_b (besok_id int PRIMARY KEY, personnr varchar(13) NULL, langd varchar(10))`,
		`INSERT INTO delreg_a VALUES (1, NULL, '70'), (2, '19460101-0301', '71'), (3, NULL, '72'), (4, '19121212-1212', '73')`,
		`INSERT INTO delreg_b VALUES (1, '1912', '180'), (2, '19460101-0301', '181'), (3, '19460101-0301', 'lång'), (4, '19121212-1212', '183')`)
	writeSchema(t, dir, "visit", "visit_id", "visit_id bigint", "patient varchar(12)", "weight_kg decimal(5,1)", "height_cm smallint")
	write(t, filepath.Join(dir, "m.yaml"), `tables:
  - target: visit
    merge: [visit_id]
    sources:
      - source: delreg_a
        precedence: 1
        person: personnr
        columns: {visit_id: besok_id, patient: {expr: pnr(personnr)}, weight_kg: {expr: decimal(vikt)}}
      - source: delreg_b
        precedence: 2
        person: personnr
        columns: {visit_id: besok_id, height_cm: {expr: integer(langd)}}
`)
	write(t, filepath.Join(dir, "optout.txt"), "19121212-1212\n")
	plan := writePlan(t, dir, "run: {reference_date: 2026-01-01}\noptout: {file: optout.txt}\nverification: {acknowledge: {archived_share.delreg_b: a test}}\n")
	opts := plans.Options{SourceURL: src, TargetURL: tgt, WorkDir: dir}
	rep, err := plans.Run(ctx, loadPlan(t, plan), opts)
	if rep == nil {
		t.Fatalf("run: %v", err)
	}
	recs := archiveRecords(t, filepath.Join(dir, "archive"), "delreg_b")
	if len(recs) != 2 {
		t.Fatalf("delreg_b archived %v, want records 1 (its number) and 3 (its height)", recs)
	}
	var a verify.TableCheck
	for _, x := range rep.Tables {
		if x.Source == "delreg_a" {
			a = x
		}
	}
	if a.Warnings["person_not_checked"] != 1 {
		t.Errorf("delreg_a: person_not_checked %d, want 1 (registration 1: its record read NULL, the sub-register's record archived for a number that cannot be read; registration 3's is checked by the sub-register's number) (warnings %v, ledger %v)",
			a.Warnings["person_not_checked"], a.Warnings, ledgerOf(rep, true))
	}
	sum, verr := plans.Verify(ctx, loadPlan(t, plan), opts)
	if sum == nil {
		t.Fatal(verr)
	}
	var f *verify.Finding
	for i := range sum.Findings {
		if sum.Findings[i].ID == "person_not_checked.delreg_a" {
			f = &sum.Findings[i]
		}
	}
	if f == nil || f.Count != 1 || f.Acknowledged || sum.Pass || verr == nil {
		t.Fatalf("verify: pass %v, finding person_not_checked.delreg_a %+v, want one record, unacknowledged, failing (findings %+v)", sum.Pass, f, sum.Findings)
	}
}
