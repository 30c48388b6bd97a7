package plans_test

import (
	"context"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/regflytt/regflytt/connectors"
	"github.com/regflytt/regflytt/plans"
)

// A legacy platform may revoke a grant by a flag on its row (aktiv 0)
// and keep the row, as it disables an account: the revoked grant reaches
// nothing there. The proof read every grant row as in force, so a
// mapping that dropped the flag (the receiving grants have none) carried
// the revoked grant as a live one, and the run PASSed with the account
// reading a unit it no longer could. A grant table's active: names the
// flag: a revoked grant reaches nothing on its side, and one carried live
// fails as widened; carried with its state, it passes. Not named while
// the grant table has such a column, plan check warns (M067).
func TestRevokedLegacyGrantCarriedLiveFails(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		// legacy and receiving are added to the grant entries; state is
		// how app_grant.active is mapped ("" drops aktiv).
		legacy, receiving, state string
		widened                  bool
	}{
		{"flag dropped", ", active: aktiv", "", "", true},
		{"flag carried", ", active: aktiv", ", active: active", "active: aktiv\n", false},
		{"flag carried as a constant", ", active: aktiv", ", active: active", "active: {expr: \"1\"}\n", true},
		{"flag read by its values", ", active: aktiv, enabled: [\"1\"]", ", active: active, enabled: [\"1\"]", "active: aktiv\n", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			src := "sqlite://" + filepath.Join(dir, "legacy.db")
			writeTables(t, src, []connectors.Table{
				{Name: "vardenhet", PrimaryKey: []string{"id"}, Columns: []connectors.Column{intCol("id"), textCol("region")}},
				{Name: "anvandare", PrimaryKey: []string{"id"}, Columns: []connectors.Column{intCol("id")}},
				{Name: "behorighet", PrimaryKey: []string{"id"}, Columns: []connectors.Column{intCol("id"), intCol("anvandare_id"), textCol("roll"), intCol("vardenhet_id"), intCol("aktiv")}},
			}, map[string][][]connectors.Value{
				"vardenhet": {{int64(1), "Skåne"}, {int64(2), "Skåne"}},
				"anvandare": {{int64(3)}},
				// Account 3 reads unit 1; its grant on unit 2 is revoked.
				"behorighet": {{int64(1), int64(3), "LAK", int64(1), int64(1)}, {int64(2), int64(3), "LAK", int64(2), int64(0)}},
			})
			write(t, filepath.Join(dir, "schema.yaml"), `platform: t
tables:
  - {name: care_unit, primary_key: [care_unit_id], columns: [{name: care_unit_id, type: bigint}, {name: region, type: text}]}
  - {name: app_user, primary_key: [user_id], columns: [{name: user_id, type: bigint}]}
  - name: app_grant
    primary_key: [grant_id]
    columns:
      - {name: grant_id, type: bigint}
      - {name: user_id, type: bigint}
      - {name: role, type: text}
      - {name: care_unit_id, type: bigint}
      - {name: active, type: bigint}
`)
			drop, state := "    drop: {aktiv: the receiving grants keep no state}\n", ""
			if tc.state != "" {
				state = "      " + tc.state
			}
			if strings.Contains(tc.state, "aktiv") {
				drop = ""
			}
			write(t, filepath.Join(dir, "m.yaml"), `access:
  units: {table: vardenhet, key: id, region: region}
  legacy:
    roles: {LAK: {access: write}}
    grants:
      - {table: behorighet, account: anvandare_id, role: roll, unit: vardenhet_id`+tc.legacy+`}
  receiving:
    roles: {LAK: {access: write}}
    grants:
      - {table: app_grant, account: user_id, role: role, unit: care_unit_id`+tc.receiving+`}
tables:
  - {target: care_unit, source: vardenhet, columns: {care_unit_id: id, region: region}}
  - {target: app_user, source: anvandare, columns: {user_id: id}}
  - target: app_grant
    source: behorighet
    parent: {table: anvandare, key: [anvandare_id]}
`+drop+`    columns:
      grant_id: id
      user_id: anvandare_id
      role: roll
      care_unit_id: vardenhet_id
`+state)
			plan := writePlan(t, dir, "run: {reference_date: 2026-01-01}\noptout: {none: synthetic test data}\n")
			rep, err := plans.Run(context.Background(), loadPlan(t, plan), plans.Options{SourceURL: src, TargetURL: "sqlite://" + filepath.Join(dir, "t.db"), WorkDir: dir})
			if err != nil && !tc.widened {
				t.Fatalf("run: %v\n%s", err, strings.Join(rep.Problems, "\n"))
			}
			if rep == nil || rep.Access == nil {
				t.Fatalf("no access check: %v", err)
			}
			if got := slices.Contains(rep.Access.Widened, "3"); got != tc.widened || rep.Pass == tc.widened {
				t.Fatalf("account 3 widened %v, pass %v, want widened %v: %q", got, rep.Pass, tc.widened, rep.Access.Problems)
			}
			if tc.widened && !strings.Contains(strings.Join(rep.Access.Problems, "\n"), "unit 2") {
				t.Errorf("the problem does not name unit 2: %q", rep.Access.Problems)
			}
		})
	}
}

// A legacy grant table with a column named like a state (aktiv,
// spärrad, …) that its access: entry does not name: plan check warns
// (M067), as it does of such a column of the accounts.
func TestGrantTableStateColumnNotNamedWarns(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, entry string
		warned      bool
	}{
		{"not named", "", true},
		{"named", ", active: aktiv", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			src := "sqlite://" + filepath.Join(dir, "legacy.db")
			writeTables(t, src, []connectors.Table{
				{Name: "vardenhet", PrimaryKey: []string{"id"}, Columns: []connectors.Column{intCol("id"), textCol("region")}},
				{Name: "behorighet", PrimaryKey: []string{"id"}, Columns: []connectors.Column{intCol("id"), intCol("anvandare_id"), textCol("roll"), intCol("vardenhet_id"), intCol("aktiv")}},
			}, nil)
			write(t, filepath.Join(dir, "schema.yaml"), `platform: t
tables:
  - {name: care_unit, primary_key: [care_unit_id], columns: [{name: care_unit_id, type: bigint}, {name: region, type: text}]}
  - {name: app_grant, primary_key: [grant_id], columns: [{name: grant_id, type: bigint}, {name: user_id, type: bigint}, {name: role, type: text}, {name: care_unit_id, type: bigint}]}
`)
			write(t, filepath.Join(dir, "m.yaml"), `access:
  units: {table: vardenhet, key: id, region: region}
  legacy:
    roles: {LAK: {access: write}}
    grants:
      - {table: behorighet, account: anvandare_id, role: roll, unit: vardenhet_id`+tc.entry+`}
  receiving:
    roles: {LAK: {access: write}}
    grants:
      - {table: app_grant, account: user_id, role: role, unit: care_unit_id}
tables:
  - {target: care_unit, source: vardenhet, columns: {care_unit_id: id, region: region}}
  - target: app_grant
    source: behorighet
    drop: {aktiv: the receiving grants keep no state}
    columns: {grant_id: id, user_id: anvandare_id, role: roll, care_unit_id: vardenhet_id}
`)
			plan := writePlan(t, dir, "optout: {none: synthetic test data}\n")
			ds, err := plans.CheckMappings(context.Background(), loadPlan(t, plan), plans.Options{SourceURL: src})
			if err != nil {
				t.Fatal(err)
			}
			warned := false
			for _, d := range ds {
				if d.Code == "M067" && strings.Contains(d.Message, "behorighet") && strings.Contains(d.Message, "aktiv") {
					warned = true
				}
			}
			if warned != tc.warned {
				t.Errorf("M067 on behorighet.aktiv %v, want %v: %v", warned, tc.warned, ds)
			}
		})
	}
}

// A legacy grant or account table with a column giving its last (or
// first) day that the access section does not name: the proof reads every
// row as in force with no end. A role grant that ended in 2024, its
// giltig_till dropped by the mapping (the receiving grants keep no end),
// was carried as live and the run PASSed with the account reading the
// unit again (MariaDB to PostgreSQL, mainsub platform), with no word of
// it. Like a state column, such a column is warned of (M067) until it is
// named (valid_to:, valid_from:; for an account disabled_from: too).
func TestValidityColumnNotNamedWarns(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, grantCol, grantEntry, accountCol, accountEntry string
		warned                                               string
	}{
		{"grant end not named", "giltig_till", "", "", "", "behorighet giltig_till"},
		{"grant end named", "giltig_till", ", valid_to: giltig_till", "", "", ""},
		{"grant start not named", "validFrom", "", "", "", "behorighet validFrom"},
		{"grant start named", "validFrom", ", valid_from: validFrom", "", "", ""},
		{"account end not named", "", "", "slutdatum", "", "anvandare slutdatum"},
		{"account end named", "", "", "slutdatum", ", valid_to: slutdatum", ""},
		{"account lock date named", "", "", "slutdatum", ", disabled_from: slutdatum", ""},
		{"no date", "", "", "", "", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			src := "sqlite://" + filepath.Join(dir, "legacy.db")
			grants := []connectors.Column{intCol("id"), intCol("anvandare_id"), textCol("roll"), intCol("vardenhet_id")}
			accounts := []connectors.Column{intCol("id"), textCol("hsa_id"), intCol("aktiv")}
			grantDrop, accountDrop := "", ""
			if tc.grantCol != "" {
				grants = append(grants, textCol(tc.grantCol))
				grantDrop = "    drop: {" + tc.grantCol + ": the receiving grants keep no dates}\n"
			}
			if tc.accountCol != "" {
				accounts = append(accounts, textCol(tc.accountCol))
				accountDrop = "    drop: {" + tc.accountCol + ": the receiving accounts keep no dates}\n"
			}
			writeTables(t, src, []connectors.Table{
				{Name: "vardenhet", PrimaryKey: []string{"id"}, Columns: []connectors.Column{intCol("id"), textCol("region")}},
				{Name: "anvandare", PrimaryKey: []string{"id"}, Columns: accounts},
				{Name: "behorighet", PrimaryKey: []string{"id"}, Columns: grants},
			}, nil)
			write(t, filepath.Join(dir, "schema.yaml"), `platform: t
tables:
  - {name: care_unit, primary_key: [care_unit_id], columns: [{name: care_unit_id, type: bigint}, {name: region, type: text}]}
  - {name: app_user, primary_key: [user_id], columns: [{name: user_id, type: bigint}, {name: hsa_id, type: text}, {name: active, type: bigint}]}
  - {name: app_grant, primary_key: [grant_id], columns: [{name: grant_id, type: bigint}, {name: user_id, type: bigint}, {name: role, type: text}, {name: care_unit_id, type: bigint}]}
`)
			write(t, filepath.Join(dir, "m.yaml"), `access:
  units: {table: vardenhet, key: id, region: region}
  legacy:
    roles: {LAK: {access: write}}
    grants:
      - {table: behorighet, account: anvandare_id, role: roll, unit: vardenhet_id`+tc.grantEntry+`}
    accounts: {table: anvandare, key: id, active: aktiv, login: hsa_id`+tc.accountEntry+`}
  receiving:
    roles: {LAK: {access: write}}
    grants:
      - {table: app_grant, account: user_id, role: role, unit: care_unit_id}
    accounts: {table: app_user, key: user_id, active: active, login: hsa_id}
tables:
  - {target: care_unit, source: vardenhet, columns: {care_unit_id: id, region: region}}
  - target: app_user
    source: anvandare
`+accountDrop+`    columns: {user_id: id, hsa_id: hsa_id, active: aktiv}
  - target: app_grant
    source: behorighet
    parent: {table: anvandare, key: [anvandare_id]}
`+grantDrop+`    columns: {grant_id: id, user_id: anvandare_id, role: roll, care_unit_id: vardenhet_id}
`)
			plan := writePlan(t, dir, "optout: {none: synthetic test data}\n")
			ds, err := plans.CheckMappings(context.Background(), loadPlan(t, plan), plans.Options{SourceURL: src})
			if err != nil {
				t.Fatal(err)
			}
			var warned []string
			for _, d := range ds {
				if d.Code == "M067" {
					warned = append(warned, d.Message)
				}
			}
			want := strings.Fields(tc.warned)
			switch {
			case len(want) == 0 && len(warned) > 0:
				t.Errorf("M067 %q, want none", warned)
			case len(want) > 0 && (len(warned) != 1 || !strings.Contains(warned[0], want[0]) || !strings.Contains(warned[0], want[1])):
				t.Errorf("M067 %q, want one naming %s.%s (all diagnostics: %v)", warned, want[0], want[1], ds)
			}
		})
	}
}
