package plans_test

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/regflytt/regflytt/connectors"
	"github.com/regflytt/regflytt/plans"
)

// Codes a list holds in another form than the source column's, under
// unmapped: null, through run and verify: a boolean column's true where
// the list writes "1" (visit 1), a varbinary column's "J" where it writes
// "J" (visit 1), and an integer 7 where it writes "07" and "007" (visit
// 2) each became NULL, declared by the policy, and the run passed. Now
// the boolean and the bytes are found, and the number the list writes
// twice is archived as code_unmapped.
func TestRunFindsCodesOfEveryKind(t *testing.T) {
	t.Parallel()
	run := func(t *testing.T, src, tgt string) {
		besok := connectors.Table{Name: "besok", PrimaryKey: []string{"id"}, Columns: []connectors.Column{
			intCol("id"), {Name: "rok", Type: connectors.Type{Kind: connectors.KindBool}, Nullable: true},
			{Name: "svar", Type: connectors.Type{Kind: connectors.KindBytes}, Nullable: true}, intCol("grad"),
		}}
		writeTables(t, src, []connectors.Table{besok}, map[string][][]connectors.Value{"besok": {
			{int64(1), true, []byte("J"), int64(1)},
			{int64(2), false, []byte("N"), int64(7)},
		}})
		dir := t.TempDir()
		writeSchema(t, dir, "visit", "visit_id", "visit_id bigint", "smoker text", "answer text", "grade text")
		write(t, filepath.Join(dir, "m.yaml"), `version: 1
codelists:
  - {name: yn, unmapped: "null", codes: {"1": ja, "0": nej}}
  - {name: jn, unmapped: "null", codes: {J: ja, N: nej}}
  - {name: grade, unmapped: "null", codes: {"1": mild, "07": svar, "007": mycket_svar}}
tables:
  - target: visit
    source: besok
    columns:
      visit_id: id
      smoker: {from: rok, codelist: yn}
      answer: {from: svar, codelist: jn}
      grade: {from: grad, codelist: grade}
`)
		plan := writePlan(t, dir, `verification:
  acknowledge:
    archived_share.besok: a test of two records
    codes_never_seen.grade: a test of two records
`)
		// map check says beforehand what the run does with the number
		// the list writes twice.
		ds, err := plans.CheckMappings(context.Background(), loadPlan(t, plan), plans.Options{SourceURL: src})
		if err != nil {
			t.Fatal(err)
		}
		var warned []string
		for _, d := range ds {
			if d.Code == "C006" {
				warned = append(warned, d.Message)
			}
		}
		if len(warned) != 1 || !strings.Contains(warned[0], `code list grade does not map "7", which besok holds once (for column grade): it is one number the list writes as several codes (07 and 007, or 1 and 1.0), so that record will be archived (code_unmapped) whatever unmapped: says; write each number once`) {
			t.Errorf("map check's C006 warnings %q", warned)
		}
		rep := runAndVerify(t, plan, src, tgt)
		checkLedger(t, rep, false, map[string]string{"besok": summary(1, 1, 0, map[string]int64{"code_unmapped": 1})})
		rows := readRows(t, tgt, "visit")
		if len(rows) != 1 || rows[0]["smoker"] != "ja" || rows[0]["answer"] != "ja" || rows[0]["grade"] != "mild" {
			t.Errorf("receiving visits %v, want visit 1 with ja, ja, mild", rows)
		}
	}
	t.Run("sqlite", func(t *testing.T) {
		dir := t.TempDir()
		run(t, "sqlite://"+filepath.Join(dir, "legacy.db"), "sqlite://"+filepath.Join(dir, "receiving.db"))
	})
	for name, newDB := range serverDatabases(t) {
		t.Run(name, func(t *testing.T) { run(t, newDB(t), newDB(t)) })
	}
}
