package plans_test

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/regflytt/regflytt/connectors"
	"github.com/regflytt/regflytt/plans"
)

// A legacy platform that keeps an appointment's end as text in its own
// format ("31.12.2025") has it read as no end at all: the run does not
// archive the expired appointment, carries it (a text column to a text
// column, as regflytt init proposes), reads both sides as endless, and
// CheckAccess passes. An appointment that ended before the reference
// date becomes an active grant on the new platform under PASS. A
// validity bound that is not a date must stop the run (or the mapping
// must make it one), never read as open.
func TestRunAppointmentEndInAnotherDateFormat(t *testing.T) {
	dir := t.TempDir()
	src := "sqlite://" + filepath.Join(dir, "legacy.db")
	dateText := connectors.Column{Name: "giltig_till", Type: connectors.Type{Kind: connectors.KindText}, Nullable: true}
	writeTables(t, src, []connectors.Table{
		{Name: "vardenhet", PrimaryKey: []string{"id"}, Columns: []connectors.Column{intCol("id"), textCol("region")}},
		{Name: "anvandare", PrimaryKey: []string{"id"}, Columns: []connectors.Column{intCol("id")}},
		{Name: "forordnande", PrimaryKey: []string{"id"}, Columns: []connectors.Column{intCol("id"), intCol("anvandare_id"), intCol("vardenhet_id"), dateText}},
	}, map[string][][]connectors.Value{
		"vardenhet":   {{int64(1), "Skåne"}},
		"anvandare":   {{int64(7)}},
		"forordnande": {{int64(1), int64(7), int64(1), "31.12.2025"}}, // ended before 2026-01-01
	})
	write(t, filepath.Join(dir, "schema.yaml"), `platform: t
tables:
  - {name: care_unit, primary_key: [care_unit_id], columns: [{name: care_unit_id, type: bigint}, {name: region, type: text}]}
  - {name: app_user, primary_key: [user_id], columns: [{name: user_id, type: bigint}]}
  - name: app_appointment
    primary_key: [appointment_id]
    columns:
      - {name: appointment_id, type: bigint}
      - {name: user_id, type: bigint}
      - {name: care_unit_id, type: bigint}
      - {name: valid_to, type: text}
`)
	write(t, filepath.Join(dir, "m.yaml"), `access:
  units: {table: vardenhet, key: id, region: region}
  legacy:
    roles: {}
    grants:
      - {table: forordnande, account: anvandare_id, unit: vardenhet_id, valid_to: giltig_till, basis: appointment, access: write}
  receiving:
    roles: {}
    grants:
      - {table: app_appointment, account: user_id, unit: care_unit_id, valid_to: valid_to, basis: appointment, access: write}
tables:
  - {target: care_unit, source: vardenhet, columns: {care_unit_id: id, region: region}}
  - {target: app_user, source: anvandare, columns: {user_id: id}}
  - target: app_appointment
    source: forordnande
    parent: {table: anvandare, key: [anvandare_id]}
    columns: {appointment_id: id, user_id: anvandare_id, care_unit_id: vardenhet_id, valid_to: giltig_till}
`)
	plan := writePlan(t, dir, "run: {reference_date: 2026-01-01}\n")
	rep, err := plans.Run(context.Background(), loadPlan(t, plan), plans.Options{SourceURL: src, TargetURL: "sqlite://" + filepath.Join(dir, "t.db"), WorkDir: dir})
	if err == nil && rep.Pass {
		t.Fatalf("PASS with an appointment that ended 2025-12-31 carried as a grant (access %+v, ledger %v)", rep.Access, ledgerOf(rep, false))
	}
	if err != nil && (!strings.Contains(err.Error(), "forordnande") || !strings.Contains(err.Error(), "giltig_till") || strings.Contains(err.Error(), "31.12.2025")) {
		t.Fatalf("the error must name the table and column, never the value: %v", err)
	}
}
