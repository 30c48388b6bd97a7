package mappings

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/regflytt/regflytt/connectors"
)

// accountsCatalogue is a legacy platform whose accounts table has a
// flag aktiv, a lock date sparrad and the HSA-id its users log in with.
func accountsCatalogue() []connectors.Table {
	users := []connectors.Column{col("id", "integer", false), col("aktiv", "integer", false), col("sparrad", "date", true), col("hsa_id", "varchar(30)", true)}
	return []connectors.Table{
		{Name: "vardenhet", PrimaryKey: []string{"id"}, Columns: []connectors.Column{col("id", "integer", false)}},
		{Name: "anvandare", PrimaryKey: []string{"id"}, Columns: users},
		{Name: "behorighet", PrimaryKey: []string{"id"}, Columns: []connectors.Column{col("id", "integer", false), col("anvandare_id", "integer", false), col("roll", "varchar(3)", false), col("vardenhet_id", "integer", true)}},
	}
}

const accountsSchema = `platform: test
tables:
  - name: care_unit
    columns: [{name: care_unit_id, type: bigint}]
  - name: app_user
    columns: [{name: user_id, type: bigint}, {name: active, type: integer}, {name: hsa_id, type: varchar(30)}]
  - name: app_grant
    columns: [{name: grant_id, type: bigint}, {name: user_id, type: bigint}, {name: role, type: varchar(20)}, {name: care_unit_id, type: bigint}]
`

const accountsTables = `
tables:
  - target: care_unit
    source: vardenhet
    columns: {care_unit_id: id}
  - target: app_user
    source: anvandare
    columns: {user_id: id, active: aktiv, hsa_id: hsa_id}
    drop: {sparrad: test}
  - target: app_grant
    source: behorighet
    parent: {table: anvandare, key: [anvandare_id]}
    columns: {grant_id: id, user_id: anvandare_id, role: roll, care_unit_id: vardenhet_id}
`

// accountsAccess is an access: section whose sides' accounts: lines are
// legacy and receiving ("" for none).
func accountsAccess(legacy, receiving string) string {
	s := `access:
  units: {table: vardenhet, key: id}
  legacy:
    roles: {LAK: {access: write}}
    grants:
      - {table: behorighet, account: anvandare_id, role: roll, unit: vardenhet_id}
`
	if legacy != "" {
		s += "    accounts: " + legacy + "\n"
	}
	s += `  receiving:
    roles: {LAK: {access: write}}
    grants:
      - {table: app_grant, account: user_id, role: role, unit: care_unit_id}
`
	if receiving != "" {
		s += "    accounts: " + receiving + "\n"
	}
	return s
}

func compileAccounts(t *testing.T, mapping string, source []connectors.Table) Diagnostics {
	t.Helper()
	dir := t.TempDir()
	schema, ds := LoadSchema(writeFile(t, dir, "schema.yaml", accountsSchema))
	if ds.Err() != nil {
		t.Fatalf("schema: %v", ds)
	}
	f, ds := ParseFile(writeFile(t, dir, "m.yaml", mapping))
	if f == nil {
		return ds
	}
	_, more := Compile([]*File{f}, source, schema, nil)
	return append(ds, more...)
}

// accounts: is checked against the source and the receiving schema, and
// refused when it says nothing of which accounts are enabled (M066);
// without it, an aktiv-like column of the grants' parent table is warned
// of (M067), and only then.
func TestAccessAccountsAreChecked(t *testing.T) {
	cases := []struct {
		name, legacy, receiving string
		noSource                bool
		want                    []string // "code severity line"
	}{
		{"flag on both sides", "{table: anvandare, key: id, active: aktiv}", "{table: app_user, key: user_id, active: active}", false, nil},
		{"codes and dates", "{table: anvandare, key: id, active: aktiv, enabled: [1, 2], disabled_from: sparrad}", "{table: app_user, key: user_id, active: active, enabled: [\"1\"]}", false, nil},
		{"nothing of the state", "{table: anvandare, key: id}", "", false, []string{"M066 error 7"}},
		{"enabled without active", "{table: anvandare, key: id, valid_to: aktiv, enabled: [1]}", "", false, []string{"M066 error 7"}},
		{"an empty enabled value", "{table: anvandare, key: id, active: aktiv, enabled: [\"\"]}", "", false, []string{"M066 error 7"}},
		{"unknown field", "{table: anvandare, key: id, active: aktiv, locked: sparrad}", "", false, []string{"Y002 error 7"}},
		{"no such source table", "{table: users, key: id, active: aktiv}", "", false, []string{"M066 error 7"}},
		{"no such source column", "{table: anvandare, key: id, disabled_from: slutdatum}", "", false, []string{"M066 error 7"}},
		{"no source read", "{table: users, key: id, active: aktiv}", "", true, nil},
		{"no such receiving table", "", "{table: users, key: user_id, active: active}", false, []string{"M066 error 11", "M067 warning 2"}},
		{"no such receiving column", "{table: anvandare, key: id, active: aktiv}", "{table: app_user, key: id, active: enabled}", false, []string{"M066 error 12", "M066 error 12"}},
		{"an active-like column not named", "", "", false, []string{"M067 warning 2"}},
		{"not named, no source read", "", "", true, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			source := accountsCatalogue()
			if c.noSource {
				source = nil
			}
			ds := compileAccounts(t, accountsAccess(c.legacy, c.receiving)+accountsTables, source)
			var got []string
			for _, d := range ds {
				if c.noSource && d.Code != "M066" && d.Code != "M067" || d.Code == "P014" {
					// A compile without a source catalogue finds no source
					// tables; none of these names a login identity (P014,
					// TestAccessLoginsAreChecked): neither is what this
					// case is about.
					continue
				}
				if !c.noSource && d.Code == "M012" {
					t.Fatalf("the fixture leaves a receiving table without rows: %v", ds)
				}
				got = append(got, fmt.Sprintf("%s %s %d", d.Code, d.Severity, d.Pos.Line))
			}
			if strings.Join(got, ",") != strings.Join(c.want, ",") {
				t.Fatalf("got %v, want %v: %v", got, c.want, ds)
			}
		})
	}
}

// login: names the columns users log in with on both sides, in the same
// number (M066 when one side has none or another count, or a column the
// source or the receiving schema does not have); a section that grants
// access and names none on either side is warned of (P014). An entry
// that names only the login identity says nothing of the state: M067
// looks at its own table too.
func TestAccessLoginsAreChecked(t *testing.T) {
	const stateL, stateR = "{table: anvandare, key: id, active: aktiv", "{table: app_user, key: user_id, active: active"
	cases := []struct {
		name, legacy, receiving string
		want                    []string // "code severity line"
	}{
		{"both sides", stateL + ", login: hsa_id}", stateR + ", login: hsa_id}", nil},
		{"as a list", stateL + ", login: [hsa_id]}", stateR + ", login: [hsa_id]}", nil},
		{"neither side", stateL + "}", stateR + "}", []string{"P014 warning 2"}},
		{"no accounts", "", "", []string{"M067 warning 2", "P014 warning 2"}},
		{"login only, the state not named", "{table: anvandare, key: id, login: hsa_id}", "{table: app_user, key: user_id, login: hsa_id}", []string{"M067 warning 2"}},
		{"legacy side only", stateL + ", login: hsa_id}", stateR + "}", []string{"M066 error 7"}},
		{"receiving side only", stateL + "}", stateR + ", login: hsa_id}", []string{"M066 error 12"}},
		{"not as many", stateL + ", login: [hsa_id, id]}", stateR + ", login: hsa_id}", []string{"M066 error 12"}},
		{"named twice", stateL + ", login: [hsa_id, hsa_id]}", stateR + ", login: [hsa_id, user_id]}", []string{"M066 error 7"}},
		{"no such source column", stateL + ", login: anvnamn}", stateR + ", login: hsa_id}", []string{"M066 error 7"}},
		{"no such receiving column", stateL + ", login: hsa_id}", stateR + ", login: username}", []string{"M066 error 12"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ds := compileAccounts(t, accountsAccess(c.legacy, c.receiving)+accountsTables, accountsCatalogue())
			ds.Sort()
			var got []string
			for _, d := range ds {
				if d.Code == "M012" {
					t.Fatalf("the fixture leaves a receiving table without rows: %v", ds)
				}
				got = append(got, fmt.Sprintf("%s %s %d", d.Code, d.Severity, d.Pos.Line))
			}
			if strings.Join(got, ",") != strings.Join(c.want, ",") {
				t.Fatalf("got %v, want %v: %v", got, c.want, ds)
			}
		})
	}
}

func TestAccountStateNames(t *testing.T) {
	for name, want := range map[string]bool{
		"aktiv": true, "is_active": true, "Sparrad": true, "konto_spärrad": true, "locked": true, "inaktiv": true,
		"aktivitet": false, "last_active": false, "senast_aktiv": false, "namn": false, "anstallning": false,
		"isActive": true, "IsLocked": true, "kontoSparrad": true, "lastActive": false, "AKTIV": true,
	} {
		if got := accountStateName(name); got != want {
			t.Errorf("%s: %v, want %v", name, got, want)
		}
	}
}

// map test knows the source only as the mappings name it: a legacy
// accounts table no mapping reads (the receiving platform makes its own
// accounts, and the table is archived whole) is no reason its tests
// cannot run, since run and verify refuse a plan whose tests cannot.
func TestAccountsTableNoMappingReadsLetsTheTestsRun(t *testing.T) {
	dir := t.TempDir()
	schema, ds := LoadSchema(writeFile(t, dir, "schema.yaml", accountsSchema))
	if ds.Err() != nil {
		t.Fatalf("schema: %v", ds)
	}
	mapping := accountsAccess("{table: konto, key: id, active: aktiv}", "") + accountsTables + `
tests:
  - name: a care unit
    source: vardenhet
    rows:
      - given: {id: 1}
        migrated: {care_unit_id: 1}
`
	f, ds := ParseFile(writeFile(t, dir, "m.yaml", mapping))
	if ds.Err() != nil {
		t.Fatal(ds)
	}
	rep, ds := RunTests([]*File{f}, schema, time.Time{})
	if ds.Err() != nil {
		t.Fatalf("the tests cannot run: %v", ds)
	}
	if rep.Rows != 1 || len(rep.Failures) != 0 {
		t.Fatalf("%d rows, failures %v; want the one row to pass", rep.Rows, rep.Failures)
	}
}

// A grant row may also be revoked, deleted or cancelled by a flag or a
// date: those names read as its state too (M067 of a grant table).
func TestGrantStateNames(t *testing.T) {
	for name, want := range map[string]bool{
		"aktiv": true, "aterkallad": true, "återkallad_datum": true, "revoked": true, "isDeleted": true,
		"borttagen": true, "makulerad": true, "roll": false, "vardenhet_id": false, "last_revoked": false,
	} {
		if got := grantStateName(name); got != want {
			t.Errorf("%s: %v, want %v", name, got, want)
		}
	}
}

// validityBound reads the names legacy platforms give a grant's or an
// account's first and last day (M067 warns of one the access section
// does not name), and no other column.
func TestValidityBoundNames(t *testing.T) {
	for name, want := range map[string]string{
		"giltig_till": "valid_to", "giltig_tom": "valid_to", "giltig_t_o_m": "valid_to", "validTo": "valid_to", "valid_until": "valid_to",
		"slutdatum": "valid_to", "expires": "valid_to", "end_date": "valid_to", "tom_datum": "valid_to", "upphor": "valid_to",
		"giltig_fran": "valid_from", "validFrom": "valid_from", "startdatum": "valid_from", "start_date": "valid_from", "giltig_f_o_m": "valid_from",
		"sparrad_fran": "", "aktiv": "", "vardenhet_id": "", "roll": "", "region": "", "hsa_id": "", "utfardad_av": "", "senast_inloggad": "", "anstallning": "",
	} {
		if got := validityBound(name); got != want {
			t.Errorf("%s: %q, want %q", name, got, want)
		}
	}
}
