package plans_test

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/regflytt/regflytt/connectors"
	"github.com/regflytt/regflytt/plans"
)

// Under granularity: value a column the mapping cannot read (dates in
// another layout than the mapping names) has every value archived alone
// and its records migrate: the run and verify passed with the column
// empty in the target, while the same mistake under granularity: record
// raises archived_share. More values archived alone than the plan's share
// of the table's records is a finding too, values_archived_share.TABLE,
// that fails verify until acknowledged.
func TestValuesArchivedAloneBeyondTheShareAreAFinding(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	srcURL := "sqlite://" + filepath.Join(dir, "legacy.db")
	tables := []connectors.Table{{Name: "besok", PrimaryKey: []string{"id"}, Columns: []connectors.Column{intCol("id"), textCol("datum")}}}
	var rows [][]connectors.Value
	for i := int64(1); i <= 20; i++ {
		rows = append(rows, []connectors.Value{i, fmt.Sprintf("2020-01-%02d", i)})
	}
	writeTables(t, srcURL, tables, map[string][][]connectors.Value{"besok": rows})
	write(t, filepath.Join(dir, "schema.yaml"), `platform: t
tables:
  - name: visit
    primary_key: [id]
    columns:
      - {name: id, type: bigint}
      - {name: visit_date, type: date}
`)
	// The registry wrote ISO dates; the mapping's author expected the
	// Swedish form: every value fails date_format.
	write(t, filepath.Join(dir, "m.yaml"), `tables:
  - target: visit
    source: besok
    granularity: value
    columns:
      id: id
      visit_date: {expr: 'date(datum, "DD.MM.YYYY")'}
`)
	tgtURL := "sqlite://" + filepath.Join(dir, "t.db")
	const run = "optout: {none: a test}\n"
	rep, err := plans.Run(ctx, loadPlan(t, writePlan(t, dir, run)), plans.Options{SourceURL: srcURL, TargetURL: tgtURL, WorkDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	var alarms []string
	for _, f := range rep.Alarms {
		alarms = append(alarms, f.ID)
	}
	if got := strings.Join(alarms, "|"); got != "values_archived_share.besok" {
		t.Errorf("run: alarms %q, want values_archived_share.besok (20 of 20 dates archived alone)", got)
	}
	for _, tc := range []struct {
		name, verification string
		pass               bool
	}{
		{"not acknowledged", "", false},
		{"acknowledged", "verification: {acknowledge: {values_archived_share.besok: the dates are moved by hand}}\n", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := loadPlan(t, writePlan(t, dir, run+tc.verification))
			sum, err := plans.Verify(ctx, p, plans.Options{SourceURL: srcURL, TargetURL: tgtURL, WorkDir: dir})
			if sum == nil {
				t.Fatal(err)
			}
			if sum.Pass != tc.pass {
				t.Errorf("verify pass %v, want %v; findings %+v", sum.Pass, tc.pass, sum.Findings)
			}
		})
	}
}
