package plans_test

import (
	"context"
	"maps"
	"path/filepath"
	"slices"
	"testing"

	"github.com/regflytt/regflytt/connectors"
	"github.com/regflytt/regflytt/connectors/mysql/mytest"
	"github.com/regflytt/regflytt/connectors/postgres/pgtest"
	"github.com/regflytt/regflytt/plans"
	"github.com/regflytt/regflytt/verify"
)

// Two source values into one receiving column: coalesce(a, b) and a ?? b
// give the first that is not NULL. When both hold a value and the values
// differ, the second reaches neither the target nor the archive; counted
// as the record's one source value of the column, it passed the value
// equation, and the run and verify passed with a registry value gone.

// choiceRows: 1 differs in weight, 2 gives equal values in both, 3 and 4
// one value each, 5 differs in height, 6 none.
var choiceRows = [][]connectors.Value{
	{int64(1), "70", "72", "170", nil},
	{int64(2), "80", "80", "180", "180"},
	{int64(3), nil, "90", nil, "160"},
	{int64(4), "65", nil, "165", nil},
	{int64(5), "66", nil, "150", "151"},
	{int64(6), nil, nil, nil, nil},
}

// choiceMapping maps visit's weight by coalesce and its height by ??,
// each with extra fields (a choice:), under granularity.
func choiceMapping(granularity, weight, height string) string {
	return `tables:
  - target: visit
    source: besok
    granularity: ` + granularity + `
    columns:
      id: id
      weight: {expr: "coalesce(vikt_ny, vikt)"` + weight + `}
      height: {expr: "langd_ny ?? langd"` + height + `}
`
}

func choiceSource(t *testing.T, dir string, mapping string) (*plans.Plan, string) {
	t.Helper()
	srcURL := "sqlite://" + filepath.Join(dir, "legacy.db")
	tables := []connectors.Table{{Name: "besok", PrimaryKey: []string{"id"}, Columns: []connectors.Column{
		intCol("id"), textCol("vikt_ny"), textCol("vikt"), textCol("langd_ny"), textCol("langd")}}}
	writeTables(t, srcURL, tables, map[string][][]connectors.Value{"besok": choiceRows})
	writeSchema(t, dir, "visit", "id", "id bigint", "weight varchar(5)", "height varchar(5)")
	write(t, filepath.Join(dir, "m.yaml"), mapping)
	return loadPlan(t, writePlan(t, dir, "verification: {archived_share_max: 0.5}\n")), srcURL
}

// runAndVerifyIn runs p into tgtURL (dir/t.db when "") with dir as the
// work folder and verifies it; both must pass.
func runAndVerifyIn(t *testing.T, p *plans.Plan, srcURL, tgtURL, dir string) (*verify.Report, *verify.Summary) {
	t.Helper()
	ctx := context.Background()
	if tgtURL == "" {
		tgtURL = "sqlite://" + filepath.Join(dir, "t.db")
	}
	opts := plans.Options{SourceURL: srcURL, TargetURL: tgtURL, WorkDir: dir}
	rep, err := plans.Run(ctx, p, opts)
	if err != nil {
		t.Fatalf("run: %v", err)
	}
	if !rep.Pass {
		t.Fatalf("run: FAIL: %v", rep.Problems)
	}
	sum, err := plans.Verify(ctx, p, opts)
	if err != nil || sum == nil || !sum.Pass {
		t.Fatalf("verify: %v %+v", err, sum)
	}
	return rep, sum
}

func tableLedger(t *testing.T, rep *verify.Report, source string) *verify.TableLedger {
	t.Helper()
	for i := range rep.Tables {
		if rep.Tables[i].Source == source {
			return &rep.Tables[i].TableLedger
		}
	}
	t.Fatalf("no ledger of %s", source)
	return nil
}

// Without a declared choice, a record whose two values for one column
// differ is archived (values_differ), naming the column and the source
// column whose value was not chosen; equal values are one value, not a
// loss, and migrate. Without the fix records 1 and 5 migrated with 70 and
// 150, and 72 and 151 were in no outcome.
func TestChoiceOfDifferingValuesIsArchived(t *testing.T) {
	dir := t.TempDir()
	p, src := choiceSource(t, dir, choiceMapping("record", "", ""))
	rep, sum := runAndVerifyIn(t, p, src, "", dir)
	checkLedger(t, rep, false, map[string]string{"besok": summary(4, 2, 0, map[string]int64{"values_differ": 2})})
	got, _ := exactRows(t, "sqlite://"+filepath.Join(dir, "t.db"), "visit")
	if _, ok := got[1]; ok {
		t.Errorf("record 1 migrated: %v", got[1])
	}
	if _, ok := got[5]; ok {
		t.Errorf("record 5 migrated: %v", got[5])
	}
	if r := got[2]; r == nil || r[1] != "80" || r[2] != "180" {
		t.Errorf("record 2 (equal values) arrived as %v", r)
	}
	arch := exactArchived(t, dir, "besok")
	if want := map[int]string{1: "values_differ weight", 5: "values_differ height"}; !maps.Equal(arch, want) {
		t.Errorf("archived %v, want %v", arch, want)
	}
	for _, c := range sum.Columns {
		if !c.OK {
			t.Errorf("%s.%s: equation fails", c.Table, c.Column)
		}
	}
}

// A column that declares its choice (choice: with the reason, reviewed by
// the registry holder) migrates the first value; the values not chosen
// are counted per receiving column (values_not_chosen_by), by run and
// verify alike.
func TestChoiceDeclaredIsCounted(t *testing.T) {
	dir := t.TempDir()
	p, src := choiceSource(t, dir, choiceMapping("record", ", choice: the 2019 form's weight replaces the old one", ", choice: measured length wins"))
	rep, sum := runAndVerifyIn(t, p, src, "", dir)
	checkLedger(t, rep, false, map[string]string{"besok": summary(6, 0, 0, map[string]int64{})})
	want := map[string]int64{"weight": 1, "height": 1}
	if l := tableLedger(t, rep, "besok"); !maps.Equal(l.ValuesNotChosenBy, want) || l.ValuesNotChosen != 2 {
		t.Errorf("run: values not chosen %d %v, want 2 %v", l.ValuesNotChosen, l.ValuesNotChosenBy, want)
	}
	for _, eq := range sum.Tables {
		if eq.Source == "besok" && !maps.Equal(eq.ValuesNotChosenBy, want) {
			t.Errorf("verify: values not chosen %v, want %v", eq.ValuesNotChosenBy, want)
		}
	}
	got, _ := exactRows(t, "sqlite://"+filepath.Join(dir, "t.db"), "visit")
	if r := got[1]; r == nil || r[1] != "70" {
		t.Errorf("record 1 arrived as %v", r)
	}
}

// Under value granularity the column's values are archived alone and the
// record migrates with the column NULL, as for any failed column.
func TestChoiceOfDifferingValuesArchivedAlone(t *testing.T) {
	dir := t.TempDir()
	p, src := choiceSource(t, dir, choiceMapping("value", "", ""))
	rep, sum := runAndVerifyIn(t, p, src, "", dir)
	l := tableLedger(t, rep, "besok")
	if l.Migrated != 6 || l.ValuesArchivedBy["values_differ"] != 4 {
		t.Errorf("migrated %d, values archived %v", l.Migrated, l.ValuesArchivedBy)
	}
	got, _ := exactRows(t, "sqlite://"+filepath.Join(dir, "t.db"), "visit")
	if r := got[1]; r == nil || r[1] != nil {
		t.Errorf("record 1 arrived as %v", r)
	}
	var eq []string
	for _, c := range sum.Columns {
		if !c.OK {
			eq = append(eq, c.Column)
		}
	}
	if !slices.Equal(eq, nil) {
		t.Errorf("equations fail: %v %v", eq, sum.Problems)
	}
}

// MariaDB to PostgreSQL: a legacy visit table with an old and a new
// weight column (decimal), merged with coalesce. The record whose two
// weights differ must not migrate with the new one while the old one is
// in no outcome; equal weights (80.0 and 80.0) migrate.
func TestChoiceMariaDBToPostgreSQL(t *testing.T) {
	legacy := mytest.NewDatabase(t)
	mytest.Exec(t, legacy,
		"CREATE TABLE besok (id int NOT NULL PRIMARY KEY, vikt_ny decimal(5,1), vikt decimal(5,1), langd_ny varchar(5), langd varchar(5)) ENGINE=InnoDB",
		"INSERT INTO besok VALUES (1, 70.0, 72.5, '170', NULL), (2, 80.0, 80.0, '180', '180'), (3, NULL, 90.0, NULL, '160'), (4, 65.0, NULL, '165', NULL), (5, 66.0, NULL, '150', '151'), (6, NULL, NULL, NULL, NULL)",
	)
	tgt := pgtest.NewDatabase(t)
	dir := t.TempDir()
	writeSchema(t, dir, "visit", "id", "id bigint", "weight decimal(5,1)", "height varchar(5)")
	write(t, filepath.Join(dir, "m.yaml"), choiceMapping("record", "", ""))
	p := loadPlan(t, writePlan(t, dir, "verification: {archived_share_max: 0.5}\n"))
	rep, _ := runAndVerifyIn(t, p, legacy, tgt, dir)
	checkLedger(t, rep, false, map[string]string{"besok": summary(4, 2, 0, map[string]int64{"values_differ": 2})})
	if arch, want := exactArchived(t, dir, "besok"), map[int]string{1: "values_differ weight", 5: "values_differ height"}; !maps.Equal(arch, want) {
		t.Errorf("archived %v, want %v", arch, want)
	}
	got, _ := exactRows(t, tgt, "visit")
	if len(got) != 4 || got[1] != nil || got[5] != nil {
		t.Errorf("target holds %v", got)
	}
}

// A form store where two variables (the weight asked on the old and the
// new form) feed one receiving column: each value row is a record of its
// own, and the one whose value was not chosen was counted migrated.
func TestChoiceFormStoreTwoVariablesOneColumn(t *testing.T) {
	dir := t.TempDir()
	srcURL := "sqlite://" + filepath.Join(dir, "legacy.db")
	tables := []connectors.Table{
		{Name: "instans", PrimaryKey: []string{"id"}, Columns: []connectors.Column{intCol("id")}},
		{Name: "varde", PrimaryKey: []string{"varde_id"}, Columns: []connectors.Column{intCol("varde_id"), intCol("instans_id"), textCol("variabel"), textCol("varde")}},
	}
	writeTables(t, srcURL, tables, map[string][][]connectors.Value{
		"instans": {{int64(1)}, {int64(2)}, {int64(3)}},
		"varde": {
			{int64(1), int64(1), "vikt_ny", "70"}, {int64(2), int64(1), "vikt", "72"}, // differ
			{int64(3), int64(2), "vikt_ny", "80"}, {int64(4), int64(2), "vikt", "80"}, // equal
			{int64(5), int64(3), "vikt", "90"},
		},
	})
	writeSchema(t, dir, "registration", "registration_id", "registration_id bigint", "weight varchar(5)")
	writeEAVMapping(t, dir, `    columns:
      registration_id: id
      weight: {expr: "coalesce(vikt_ny, vikt)"}
    drop: {varde_id: the value row's own number}
`)
	p := loadPlan(t, writePlan(t, dir, "verification: {archived_share_max: 0.5}\n"))
	rep, _ := runAndVerifyIn(t, p, srcURL, "", dir)
	checkLedger(t, rep, false, map[string]string{
		"instans": summary(2, 1, 0, map[string]int64{"values_differ": 1}),
		"varde":   summary(3, 2, 0, map[string]int64{"values_differ": 2}),
	})
}

// A merged mapping's candidates wait in the spill until the merge decides
// them: the values their declared choices left out go with them and are
// counted when they are merged, by the run and by verify.
func TestChoiceDeclaredInAMergeIsCounted(t *testing.T) {
	dir := t.TempDir()
	srcURL := "sqlite://" + filepath.Join(dir, "legacy.db")
	cols := []connectors.Column{intCol("id"), textCol("vikt_ny"), textCol("vikt")}
	writeTables(t, srcURL, []connectors.Table{
		{Name: "delreg_a", PrimaryKey: []string{"id"}, Columns: cols},
		{Name: "delreg_b", PrimaryKey: []string{"id"}, Columns: cols},
	}, map[string][][]connectors.Value{
		"delreg_a": {{int64(1), "70", "72"}, {int64(2), "80", nil}},
		"delreg_b": {{int64(1), "70", "71"}, {int64(3), "90", "91"}},
	})
	writeSchema(t, dir, "visit", "", "id bigint not_null", "weight varchar(5)")
	member := `
        columns:
          id: id
          weight: {expr: "coalesce(vikt_ny, vikt)", choice: the 2019 form's weight}`
	write(t, filepath.Join(dir, "m.yaml"), `tables:
  - target: visit
    merge: [id]
    sources:
      - source: delreg_a
        precedence: 1`+member+`
      - source: delreg_b
        precedence: 2`+member+`
`)
	rep, sum := runAndVerifyIn(t, loadPlan(t, writePlan(t, dir, "")), srcURL, "", dir)
	want := map[string]map[string]int64{"delreg_a": {"weight": 1}, "delreg_b": {"weight": 2}}
	for source, w := range want {
		if got := tableLedger(t, rep, source).ValuesNotChosenBy; !maps.Equal(got, w) {
			t.Errorf("run: %s values not chosen %v, want %v", source, got, w)
		}
		for _, eq := range sum.Tables {
			if eq.Source == source && !maps.Equal(eq.ValuesNotChosenBy, w) {
				t.Errorf("verify: %s values not chosen %v, want %v", source, eq.ValuesNotChosenBy, w)
			}
		}
	}
}
