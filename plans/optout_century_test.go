package plans_test

import (
	"testing"

	"github.com/regflytt/regflytt/connectors"
	"github.com/regflytt/regflytt/mappings"
)

// A twelve-digit number with a mistyped century (1205-12-12 for the
// patient born 2005 the opt-out list names as 20051212-1211) read as a
// valid number of another century: two written centuries, two people,
// and the record was held back only by list_century_differs, which an
// acknowledgement of one such record (a patient born 1912 written 2012)
// covered for all. Now no birth year before 1800 is a number: the record
// is asked by its digits and excluded (exclusion_by_digits); one whose
// ten digits no list has is archived (person_year), not migrated under a
// birth in 1205.
func TestRunExcludesAListedNumberWithAMistypedCentury(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		name, list, want string
	}{
		{"listed with its century", "20051212-1211\n", summary(0, 0, 1, map[string]int64{mappings.ReasonOptOut: 1})},
		{"listed in ten digits", "051212-1211\n", summary(0, 0, 1, map[string]int64{mappings.ReasonOptOut: 1})},
		{"not listed", "19460101-0301\n", summary(0, 1, 0, map[string]int64{"person_year": 1})},
	} {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			srcURL := writeOptoutRegistry(t, dir, []connectors.Table{
				{Name: "patient", PrimaryKey: []string{"id"}, Columns: []connectors.Column{intCol("id"), textCol("personnr")}},
				{Name: "besok", PrimaryKey: []string{"id"}, Columns: []connectors.Column{intCol("id"), textCol("personnr")}},
			}, map[string][][]connectors.Value{
				"patient": {{int64(1), "120512121211"}},
				"besok":   {{int64(10), "19460101-0301"}},
			}, `platform: t
tables:
  - name: patient
    primary_key: [patient_id]
    columns: [{name: patient_id, type: bigint}]
  - name: visit
    primary_key: [visit_id]
    columns: [{name: visit_id, type: bigint}]
`, `tables:
  - target: patient
    source: patient
    person: personnr
    columns: {patient_id: id}
  - target: visit
    source: besok
    person: personnr
    columns: {visit_id: id}
`, c.list)
			run := optoutRunner(t, dir, srcURL, "run: {reference_date: 2026-01-01}\noptout: {file: optout.txt}\n")
			rep, err := reportedRun(t, run)
			if got := ledgerOf(rep, c.name != "not listed")["patient"]; got != c.want {
				t.Fatalf("patient: %s, want %s (%v, problems %v)", got, c.want, err, rep.Problems)
			}
		})
	}
}
