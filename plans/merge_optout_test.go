package plans_test

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/regflytt/regflytt/plans"
)

// A main register's visit of a patient who opted out is excluded; the
// sub-register's record of the same visit, merged with it by the visit
// number, is the patient's too, but holds no identity number the list
// can match (left empty, or no column for it: the person is in the main
// register). The merge never saw the excluded record, wrote the
// sub-register's as a registration of its own, and the opted-out
// patient's height reached the receiving platform, run and verify
// passing. A registration with an excluded record is excluded whole, in
// any spelling of its key, as a child follows its excluded parent. Where
// the main register's key is a choice leaving a differing old number out
// (besok_id ?? gammalt_id), the excluded record's key is the
// registration's all the same: nothing of it migrates, so nothing is left
// out (it was not computed, values_differ, and the sub-register's record
// migrated).
func TestRunMergeExcludesTheRegistrationOfAnExcludedRecord(t *testing.T) {
	t.Parallel()
	const noPerson = "no_person: the sub-register names the visit, its person is in the main register\n        columns: {visit_id: besok_id, height_cm: langd}\n        drop: {personnr: never filled in}"
	for _, c := range []struct {
		name, visit, subVisit, subPerson, subMapping string
		// mainKey maps delreg_a's visit_id (besok_id when empty), oldID
		// is the opted-out record's gammalt_id (NULL when empty).
		mainKey, oldID string
	}{
		{"sub-register record without the number", "INTEGER", "1", "NULL",
			"person: personnr\n        columns: {visit_id: besok_id, patient: {expr: pnr(personnr)}, height_cm: langd}", "", ""},
		{"sub-register without a person column", "INTEGER", "1", "NULL", noPerson, "", ""},
		// A case-blind source joins 'V1' with 'v1'.
		{"sub-register key in another case", "TEXT COLLATE NOCASE", "'V1'", "NULL",
			"person: personnr\n        columns: {visit_id: besok_id, patient: {expr: pnr(personnr)}, height_cm: langd}", "", ""},
		{"main register's key a choice leaving a differing number out", "INTEGER", "1", "NULL", noPerson, `{expr: "besok_id ?? gammalt_id"}`, "9"},
	} {
		t.Run(c.name, func(t *testing.T) {
			ctx := context.Background()
			dir := t.TempDir()
			path := filepath.Join(dir, "legacy.db")
			v1, v2, visitType := "1", "2", "bigint"
			mainKey, oldID, mainDrop := "besok_id", "NULL", "\n        drop: {gammalt_id: never filled in}"
			if c.mainKey != "" {
				mainKey, oldID, mainDrop = c.mainKey, c.oldID, ""
			}
			if strings.HasPrefix(c.visit, "TEXT") {
				v1, v2, visitType = "'v1'", "'v2'", "text"
			}
			execSQLite(t, path,
				`CREATE TABLE delreg_a (besok_id `+c.visit+` PRIMARY KEY, gammalt_id INTEGER, personnr TEXT, vikt TEXT)`,
				`CREATE TABLE delreg_b (besok_id `+c.visit+` PRIMARY KEY, personnr TEXT, langd INTEGER)`,
				`INSERT INTO delreg_a VALUES (`+v1+`, `+oldID+`, '19121212-1212', '70'), (`+v2+`, NULL, '19460101-0301', '71')`,
				`INSERT INTO delreg_b VALUES (`+c.subVisit+`, `+c.subPerson+`, 180), (`+v2+`, '19460101-0301', 181)`)
			writeSchema(t, dir, "visit", "visit_id", "visit_id "+visitType, "patient varchar(12)", "weight_kg decimal(5,1)", "height_cm smallint")
			write(t, filepath.Join(dir, "m.yaml"), `tables:
  - target: visit
    merge: [visit_id]
    sources:
      - source: delreg_a
        precedence: 1
        person: personnr
        columns: {visit_id: `+mainKey+`, patient: {expr: pnr(personnr)}, weight_kg: {expr: decimal(vikt)}}`+mainDrop+`
      - source: delreg_b
        precedence: 2
        `+c.subMapping+`
`)
			write(t, filepath.Join(dir, "optout.txt"), "19121212-1212\n")
			// Source groups: each group of each table balances as a whole does.
			plan := writePlan(t, dir, "run: {reference_date: 2026-01-01}\noptout: {file: optout.txt}\nverification: {source_groups: {delreg_a: [vikt], delreg_b: [langd]}}\n")
			opts := plans.Options{SourceURL: srcURL(path), TargetURL: "sqlite://" + filepath.Join(dir, "t.db"), WorkDir: dir}
			rep, rows := runMerge(t, plan, opts)
			if want := []string{"194601010301 71.0 181"}; rows != strings.Join(want, "|") {
				t.Errorf("receiving rows %q, want %q: the opted-out patient's sub-register record migrated (pass %v, ledger %v)", rows, want, rep.Pass, ledgerOf(rep, true))
			}
			checkLedger(t, rep, true, map[string]string{
				"delreg_a": summary(1, 0, 1, map[string]int64{"opt_out": 1}),
				"delreg_b": summary(1, 0, 1, map[string]int64{"opt_out": 1}),
			})
			if !rep.Pass {
				t.Fatalf("run failed: %v", rep.Problems)
			}
			sum, err := plans.Verify(ctx, loadPlan(t, plan), opts)
			if err != nil || !sum.Pass {
				t.Fatalf("verify of the run: %v %+v", err, sum)
			}
			// delreg_b's group 180 holds the record the merge excluded.
			found := false
			for _, g := range sum.SourceGroups {
				if g.Source == "delreg_b" && g.Value == "180" {
					found = true
					if !g.OK || g.SourceRows != 1 || g.Excluded != 1 {
						t.Errorf("delreg_b's group langd 180: %+v, want its one record excluded and the equation balanced", g)
					}
				}
			}
			if !found {
				t.Errorf("no source group langd 180 of delreg_b in the report: %+v", sum.SourceGroups)
			}
		})
	}
}
