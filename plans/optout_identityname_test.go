package plans_test

import (
	"strings"
	"testing"

	"github.com/regflytt/regflytt/connectors"
)

// P011 knew a table's identity numbers by the names person: reads and
// pseudonym() is given elsewhere: a patient table under a care unit
// (matched by no person:) whose number column has another name
// (personnummer, where the visits read personnr) passed it, and its
// opted-out patient migrated. The mapping's own steps say a column is a
// number (pnr(), pnr_kind(), pseudonym()), and so, for a copy or a
// dropped column, does a name of an identity number's (personnummer,
// pat_pnr, PersNr, samordningsnummer).
func TestRunRefusesAPatientTableWhoseNumberHasAnotherName(t *testing.T) {
	for _, c := range []struct {
		name, column, mapping string
		refused               bool
	}{
		{"pnr() of another name", "personnummer", `number: {expr: pnr(personnummer)}`, true},
		{"pnr_kind() of another name", "personnummer", `number: {expr: pnr_kind(personnummer)}`, true},
		{"pseudonym() in a let", "nummer", `number: {expr: "let n = nummer; pseudonym(n)"}`, true},
		{"a copy, named personnummer", "personnummer", `number: personnummer`, true},
		{"a copy, named pat_pnr", "pat_pnr", `number: pat_pnr`, true},
		{"a copy, named PersNr", "PersNr", `number: PersNr`, true},
		{"a copy, named samordningsnummer", "samordningsnummer", `number: samordningsnummer`, true},
		{"dropped, named personnummer", "personnummer", "number: {value: x}}\n    drop: {personnummer: not carried\n", true},
		// Not every name with digits in it is a person's.
		{"a copy, named telefonnr", "telefonnr", `number: telefonnr`, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			srcURL := writeOptoutRegistry(t, dir, []connectors.Table{
				{Name: "vardenhet", PrimaryKey: []string{"id"}, Columns: []connectors.Column{intCol("id")}},
				{Name: "patient", PrimaryKey: []string{"id"}, Columns: []connectors.Column{intCol("id"), intCol("enhet_id"), textCol(c.column)}},
				{Name: "besok", PrimaryKey: []string{"id"}, Columns: []connectors.Column{intCol("id"), textCol("personnr")}},
			}, map[string][][]connectors.Value{
				"vardenhet": {{int64(1)}},
				"besok":     {{int64(10), "19121212-1212"}},
				"patient":   {{int64(1), int64(1), "19121212-1212"}, {int64(2), int64(1), "19460101-0301"}},
			}, `platform: t
tables:
  - name: unit
    primary_key: [unit_id]
    columns: [{name: unit_id, type: bigint}]
  - name: patient
    primary_key: [patient_id]
    columns: [{name: patient_id, type: bigint}, {name: unit_id, type: bigint}, {name: number, type: text}]
  - name: visit
    primary_key: [visit_id]
    columns: [{name: visit_id, type: bigint}]
`, `tables:
  - target: unit
    source: vardenhet
    no_person: care units, no patient data
    columns: {unit_id: id}
  - target: visit
    source: besok
    person: personnr
    columns: {visit_id: id}
  - target: patient
    source: patient
    parent: {table: vardenhet, key: [enhet_id]}
    columns: {patient_id: id, unit_id: enhet_id, `+c.mapping+"}\n", "19121212-1212\n")
			t.Setenv("REGFLYTT_TEST_OPTOUT_KEY", optoutKey)
			rep, err := optoutRunner(t, dir, srcURL, "run: {reference_date: 2026-01-01}\npseudonymisation: {key_env: REGFLYTT_TEST_OPTOUT_KEY}\noptout: {file: optout.txt}\n")("")
			if !c.refused {
				if err != nil || !rep.Pass {
					t.Fatalf("got %v, want a run", err)
				}
				return
			}
			if err == nil {
				t.Fatalf("ran (pass %v, ledger %v): want refused, P011", rep.Pass, ledgerOf(rep, true))
			}
			if !strings.Contains(err.Error(), "P011") || !strings.Contains(err.Error(), "patient") || !strings.Contains(err.Error(), c.column) {
				t.Fatalf("got %v, want P011 naming patient and %s", err, c.column)
			}
		})
	}
}
