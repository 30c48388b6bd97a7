package plans_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/regflytt/regflytt/plans"
)

// A duplicates rule picked its winner before the access rules had their
// say: of two appointments of one account at one unit, the latest (by
// valid_from) won, and the second read then archived it as expired
// (appointment_expired) and the other, still valid, as a
// duplicate_registration of "the record kept", which was not kept. The
// account lost a valid appointment, the archive named a kept record that
// is nowhere in the target, and the run passed. Only records that would
// migrate compete, as the README says: the valid appointment migrates.
func TestDuplicatesCompeteAfterTheAccessRules(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	srcPath := filepath.Join(dir, "legacy.db")
	execSQLite(t, srcPath,
		`CREATE TABLE vardenhet (id INTEGER PRIMARY KEY NOT NULL, namn TEXT NOT NULL, region TEXT)`,
		`CREATE TABLE forordnande (id INTEGER PRIMARY KEY NOT NULL, anvandare_id INTEGER NOT NULL, vardenhet_id INTEGER, region TEXT, giltig_fran TEXT NOT NULL, giltig_till TEXT NOT NULL)`,
		`INSERT INTO vardenhet VALUES (1, 'Kirurgen', 'Norr')`,
		`INSERT INTO forordnande VALUES (1, 7, 1, 'Norr', '2020-01-01', '2030-12-31'), (2, 7, 1, 'Norr', '2022-01-01', '2023-12-31')`,
	)
	write(t, filepath.Join(dir, "schema.yaml"), `platform: t
tables:
  - name: care_unit
    primary_key: [care_unit_id]
    columns:
      - {name: care_unit_id, type: integer}
      - {name: name, type: text, not_null: true}
      - {name: region, type: text}
  - name: app_appointment
    primary_key: [appointment_id]
    columns:
      - {name: appointment_id, type: bigint}
      - {name: user_id, type: bigint, not_null: true}
      - {name: care_unit_id, type: integer}
      - {name: region, type: text}
      - {name: valid_from, type: date, not_null: true}
      - {name: valid_to, type: date, not_null: true}
`)
	write(t, filepath.Join(dir, "m.yaml"), `access:
  units: {table: vardenhet, key: id, region: region}
  legacy:
    grants:
      - {table: forordnande, account: anvandare_id, unit: vardenhet_id, region: region, valid_from: giltig_fran, valid_to: giltig_till, basis: appointment, access: write}
  receiving:
    grants:
      - {table: app_appointment, account: user_id, unit: care_unit_id, region: region, valid_from: valid_from, valid_to: valid_to, basis: appointment, access: write}
tables:
  - target: care_unit
    source: vardenhet
    no_person: care units
    unit: id
    columns: {care_unit_id: id, name: namn, region: region}
  - target: app_appointment
    source: forordnande
    no_person: staff appointments
    unit: {none: an appointment is access to units}
    duplicates: {same: [user_id, care_unit_id], keep: latest, by: valid_from}
    columns:
      appointment_id: id
      user_id: anvandare_id
      care_unit_id: vardenhet_id
      region: region
      valid_from: {expr: date(giltig_fran)}
      valid_to: {expr: date(giltig_till)}
`)
	plan := writePlan(t, dir, "run: {reference_date: 2026-01-01}\nverification: {acknowledge: {archived_share.forordnande: a test of two appointments}}\n")
	tgt := "sqlite://" + filepath.Join(dir, "t.db")
	opts := plans.Options{SourceURL: srcURL(srcPath), TargetURL: tgt, WorkDir: dir}
	rep, err := plans.Run(ctx, loadPlan(t, plan), opts)
	if err != nil || !rep.Pass {
		t.Fatalf("run: %v", err)
	}
	recs := archiveRecords(t, filepath.Join(dir, "archive"), "forordnande")
	rows := readRows(t, tgt, "app_appointment")
	if len(rows) != 1 || rows[0]["appointment_id"] != int64(1) {
		t.Fatalf("receiving appointments %v, want the valid one (1); archive %v", rows, recs)
	}
	if got, want := ledgerOf(rep, false)["forordnande"], summary(1, 1, 0, map[string]int64{plans.ReasonAppointmentExpired: 1}); got != want {
		t.Fatalf("ledger %s, want %s", got, want)
	}
	if sum, err := plans.Verify(ctx, loadPlan(t, plan), opts); err != nil || !sum.Pass {
		t.Fatalf("verify of the run: %v", err)
	}
}
