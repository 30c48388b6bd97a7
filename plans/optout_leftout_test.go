package plans_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/regflytt/regflytt/connectors"
	"github.com/regflytt/regflytt/mappings"
	"github.com/regflytt/regflytt/plans"
)

// A patient who opted out while they had a samordningsnummer
// (19121272-1219, day + 60) and was later given a personnummer: the
// registry keeps both, and person: reads the personnummer where there is
// one, the samordningsnummer else (coalesce). The list names the number
// the patient had when they opted out. Before, the record was asked of
// the lists with the personnummer alone: it migrated, and run and verify
// passed, the entry matching the patient's visit written with the
// samordningsnummer. Every number person: reads is the record's person's:
// one the expression left out that a list names excludes the record,
// flagged (exclusion_by_left_out_value), in any of its shapes. Another
// patient's record, whose numbers no list names, migrates.
func TestRunExcludesAListedNumberPersonLeftOut(t *testing.T) {
	for _, written := range []string{"19121272-1219", "121272-1219", "１２１２７２－１２１９", "121272 1219"} {
		t.Run(written, func(t *testing.T) {
			dir := t.TempDir()
			srcURL := writeOptoutRegistry(t, dir, []connectors.Table{
				{Name: "patient", PrimaryKey: []string{"id"}, Columns: []connectors.Column{intCol("id"), textCol("personnr"), textCol("samnr")}},
			}, map[string][][]connectors.Value{
				"patient": {
					{int64(1), "19460101-0301", written},
					{int64(2), nil, "19121272-1219"},
					{int64(3), "19121212-1212", nil},
				},
			}, `platform: t
tables:
  - name: patient
    primary_key: [patient_id]
    columns: [{name: patient_id, type: bigint}]
`, `tables:
  - target: patient
    source: patient
    person: {expr: "coalesce(personnr, samnr)"}
    columns: {patient_id: id}
`, "19121272-1219\n")
			ack := "verification: {acknowledge: {exclusion_by_left_out_value.patient: \"checked: the samordningsnummer is the patient's\"}}\n"
			plan := writePlan(t, dir, "run: {reference_date: 2026-01-01}\noptout: {file: optout.txt}\n"+ack)
			work := t.TempDir()
			opts := plans.Options{SourceURL: srcURL, TargetURL: "sqlite://" + filepath.Join(work, "t.db"), WorkDir: work}
			rep, err := plans.Run(context.Background(), loadPlan(t, plan), opts)
			if rep == nil {
				t.Fatalf("run: %v", err)
			}
			tc := rep.Tables[0]
			if tc.Migrated != 1 || tc.Excluded != 2 || tc.Warnings[mappings.WarnExclusionByLeftOutValue] != 1 {
				t.Fatalf("%d migrated, %d excluded, warnings %v; want 1, 2 and one %s (err %v)", tc.Migrated, tc.Excluded, tc.Warnings, mappings.WarnExclusionByLeftOutValue, err)
			}
			if err != nil || !rep.Pass {
				t.Fatalf("the acknowledged run: %v %+v", err, rep.Problems)
			}
		})
	}
}

// A visit that names its patient by the identity number (the patient
// table keyed by it) and has no person: of its own follows its patient:
// excluded with a listed one. One that writes the number in another
// shape than the patient table (121212-1212, 191212121212 beside
// 19121212-1212), or whose patient record is gone (erased at the
// source, the visits left), finds no parent and was archived as an
// orphan: the opted-out patient's visit, pseudonym and all, went into
// the archive package, and the run passed. An orphan's key to its
// parent that names a listed person excludes it; one naming nobody
// listed is archived as an orphan, as before.
func TestRunExcludesAnOrphanWhoseKeyNamesAListedPerson(t *testing.T) {
	t.Setenv("REGFLYTT_TEST_CENTURY_KEY", "test key, never a real one, 32b")
	dir := t.TempDir()
	srcURL := writeOptoutRegistry(t, dir, []connectors.Table{
		{Name: "patient", PrimaryKey: []string{"personnr"}, Columns: []connectors.Column{textCol("personnr")}},
		{Name: "besok", PrimaryKey: []string{"id"}, Columns: []connectors.Column{intCol("id"), textCol("pnr")}},
	}, map[string][][]connectors.Value{
		"patient": {{"19121212-1212"}, {"19460101-0301"}},
		"besok": {
			{int64(10), "19121212-1212"}, {int64(11), "121212-1212"}, {int64(12), "191212121212"}, {int64(13), "１９１２１２１２－１２１２"},
			// The listed patient born 1917, whose patient record is gone.
			{int64(14), "19170101-1239"},
			{int64(20), "19460101-0301"}, {int64(21), "460101-0301"},
		},
	}, `platform: t
tables:
  - name: patient
    primary_key: [patient]
    columns: [{name: patient, type: varchar(64)}]
  - name: visit
    primary_key: [visit_id]
    columns: [{name: visit_id, type: bigint}, {name: patient, type: varchar(64)}]
`, `tables:
  - target: patient
    source: patient
    person: personnr
    columns: {patient: {expr: pseudonym(personnr)}}
  - target: visit
    source: besok
    parent: {table: patient, key: [pnr]}
    columns: {visit_id: id, patient: {expr: pseudonym(pnr)}}
`, "19121212-1212\n19170101-1239\n")
	ack := "verification: {acknowledge: {archived_share.besok: small test, exclusion_century_ambiguous.besok: checked, exclusion_by_digits.besok: checked}}\n"
	plan := writePlan(t, dir, "run: {reference_date: 2026-01-01}\noptout: {file: optout.txt}\npseudonymisation: {key_env: REGFLYTT_TEST_CENTURY_KEY}\n"+ack)
	work := t.TempDir()
	opts := plans.Options{SourceURL: srcURL, TargetURL: "sqlite://" + filepath.Join(work, "t.db"), WorkDir: work}
	rep, err := plans.Run(context.Background(), loadPlan(t, plan), opts)
	if rep == nil {
		t.Fatalf("run: %v", err)
	}
	for _, tc := range rep.Tables {
		if tc.Source != "besok" {
			continue
		}
		// 10-14 the listed patients'; 20 migrates under its patient, and
		// 21, another shape of an unlisted patient's number, is an orphan.
		if tc.Excluded != 5 || tc.Migrated != 1 || tc.Archived != 1 || tc.ArchivedBy["orphan"] != 1 {
			t.Fatalf("besok: %d excluded, %d migrated, %d archived %v; want 5, 1, 1 orphan (err %v)", tc.Excluded, tc.Migrated, tc.Archived, tc.ArchivedBy, err)
		}
	}
	if err != nil || !rep.Pass {
		t.Fatalf("the run: %v %v", err, rep.Problems)
	}
	sum, err := plans.Verify(context.Background(), loadPlan(t, plan), opts)
	if err != nil || sum == nil || !sum.Pass {
		t.Fatalf("verify: %v %+v", err, sum)
	}
}
