package plans_test

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/regflytt/regflytt/archive"
	"github.com/regflytt/regflytt/plans"
	"github.com/regflytt/regflytt/verify"
)

// A grant (or a record) naming its care unit in another spelling than
// the units table (case, trailing spaces) is joined to that unit by the
// legacy database's case-blind collation: the account read the unit's
// records there. regflytt compares unit ids exactly, as the receiving
// platform does, so the grant is archived and the record is named as of
// a unit nobody reaches, which is what happens on the receiving side; but
// the grant's reason said the unit was not in the units table, and the
// finding that no care unit lists the record's unit, as if it had been
// removed, where the unit is there and its care provider loses it. Both
// now name the unit it is spelled as and say the legacy join reached it.
func TestUnitSpelledOtherwiseIsNamed(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	db := filepath.Join(dir, "legacy.db")
	execSQLite(t, db,
		`CREATE TABLE vardenhet (id TEXT COLLATE NOCASE PRIMARY KEY NOT NULL, region TEXT)`,
		`CREATE TABLE anvandare (id INTEGER PRIMARY KEY NOT NULL)`,
		`CREATE TABLE behorighet (id INTEGER PRIMARY KEY NOT NULL, anvandare_id INTEGER NOT NULL, roll TEXT NOT NULL, vardenhet_id TEXT COLLATE NOCASE)`,
		`CREATE TABLE besok (id INTEGER PRIMARY KEY NOT NULL, vardenhet_id TEXT COLLATE NOCASE)`,
		`INSERT INTO vardenhet VALUES ('SE2321000131-E000000000101', 'Skåne'), ('SE2321000131-E000000000102', 'Skåne')`,
		`INSERT INTO anvandare VALUES (3), (4)`,
		// Account 3 names unit 101 in lower case; account 4 a unit that is gone.
		`INSERT INTO behorighet VALUES (1, 3, 'LAK', 'se2321000131-e000000000101'), (2, 4, 'LAK', 'SE2321000131-E000000000109')`,
		`INSERT INTO besok VALUES (1, 'SE2321000131-E000000000101'), (2, 'se2321000131-e000000000102'), (3, 'SE2321000131-E000000000109')`,
	)
	write(t, filepath.Join(dir, "schema.yaml"), `platform: t
tables:
  - {name: care_unit, primary_key: [care_unit_id], columns: [{name: care_unit_id, type: text}, {name: region, type: text}]}
  - {name: app_user, primary_key: [user_id], columns: [{name: user_id, type: bigint}]}
  - {name: app_grant, primary_key: [grant_id], columns: [{name: grant_id, type: bigint}, {name: user_id, type: bigint}, {name: role, type: text}, {name: care_unit_id, type: text}]}
  - {name: visit, primary_key: [visit_id], columns: [{name: visit_id, type: bigint}, {name: care_unit_id, type: text}]}
`)
	write(t, filepath.Join(dir, "m.yaml"), `access:
  units: {table: vardenhet, key: id, region: region}
  legacy:
    roles: {LAK: {access: write}}
    grants:
      - {table: behorighet, account: anvandare_id, role: roll, unit: vardenhet_id}
  receiving:
    roles: {LAK: {access: write}}
    grants:
      - {table: app_grant, account: user_id, role: role, unit: care_unit_id}
tables:
  - {target: care_unit, source: vardenhet, unit: id, columns: {care_unit_id: id, region: region}}
  - {target: app_user, source: anvandare, unit: {none: accounts}, columns: {user_id: id}}
  - target: app_grant
    source: behorighet
    unit: {none: grants}
    parent: {table: anvandare, key: [anvandare_id]}
    columns: {grant_id: id, user_id: anvandare_id, role: roll, care_unit_id: vardenhet_id}
  - {target: visit, source: besok, unit: vardenhet_id, columns: {visit_id: id, care_unit_id: vardenhet_id}}
`)
	plan := writePlan(t, dir, "run: {reference_date: 2026-01-01}\noptout: {none: synthetic test data}\n")
	rep, err := plans.Run(context.Background(), loadPlan(t, plan), plans.Options{SourceURL: "sqlite://" + db, TargetURL: "sqlite://" + filepath.Join(dir, "t.db"), WorkDir: dir})
	if rep == nil {
		t.Fatalf("run: %v", err)
	}
	details := archivedDetailsByKey(t, filepath.Join(dir, "archive"), "behorighet")
	if len(details) != 2 {
		t.Fatalf("archived grants %q, want 2 (err %v)", details, err)
	}
	spelled, gone := details["1"], details["2"]
	if !strings.Contains(spelled, "SE2321000131-E000000000101") || !strings.Contains(spelled, "another spelling") {
		t.Errorf("the grant naming unit 101 in lower case: %q; want it to name the unit and its other spelling", spelled)
	}
	if strings.Contains(gone, "another spelling") {
		t.Errorf("the grant of a unit that is gone: %q", gone)
	}
	var finding string
	for _, a := range rep.Alarms {
		if a.Kind == "unit_unknown" && a.Subject == "besok" {
			finding = a.Message
		}
	}
	if !strings.Contains(finding, "another spelling") || !strings.Contains(finding, "se2321000131-e000000000102 as SE2321000131-E000000000102") {
		t.Errorf("the unit_unknown finding %q does not name the record's unit spelled otherwise", finding)
	}
}

// archivedDetailsByKey gives the details of the archived records of table
// in the archive package at dir by their key's text.
func archivedDetailsByKey(t *testing.T, dir, table string) map[string]string {
	t.Helper()
	pkg, err := archive.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	recs, err := pkg.Records(table)
	if err != nil {
		t.Fatal(err)
	}
	defer recs.Close()
	out := map[string]string{}
	for recs.Next() {
		r := recs.Record()
		out[verify.UnitText(r.Values[0])] = r.Outcome.Detail
	}
	if err := recs.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}
