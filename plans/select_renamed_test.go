package plans_test

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"github.com/regflytt/regflytt/connectors"
	"github.com/regflytt/regflytt/plans"
)

// A select: stands for its table's records, and a result column named
// like a column of the table claims to be that column. A select that
// gives the name to something else — another column renamed into it
// (two columns swapped), a join's column of the same name — left the
// table's own column read by nothing, while M010, which looks at names,
// saw every column selected: the run and verify passed with the values
// swapped. Verify holds every such column to the table's own, by key,
// through the source database's checksum.
func TestVerifyHoldsASelectsColumnsToItsTable(t *testing.T) {
	for name, newSource := range serverDatabases(t) {
		t.Run(name, func(t *testing.T) {
			for _, c := range []struct {
				name, sel string
				pass      bool
				differ    string
			}{
				{"as the table holds them", "SELECT r.id, r.reg_nr, r.version, r.note, u.region FROM reg r LEFT JOIN unit u ON u.id = r.reg_nr", true, ""},
				{"two columns swapped", "SELECT id, version AS reg_nr, reg_nr AS version, note, 'x' AS region FROM reg", false, "reg_nr, version"},
				{"a joined column under the table's name", "SELECT r.id, r.reg_nr, r.version, u.region AS note, u.region FROM reg r LEFT JOIN unit u ON u.id = r.reg_nr", false, "note"},
			} {
				t.Run(c.name, func(t *testing.T) { testSelectColumnsHeld(t, newSource(t), c.sel, c.pass, c.differ) })
			}
		})
	}
}

func testSelectColumnsHeld(t *testing.T, src, sel string, pass bool, differ string) {
	ctx := context.Background()
	dir := t.TempDir()
	writeTables(t, src, []connectors.Table{
		{Name: "reg", PrimaryKey: []string{"id"}, Columns: []connectors.Column{intCol("id"), intCol("reg_nr"), intCol("version"), textCol("note")}},
		{Name: "unit", PrimaryKey: []string{"id"}, Columns: []connectors.Column{intCol("id"), textCol("region")}},
	}, map[string][][]connectors.Value{
		"reg":  {{int64(1), int64(100), int64(1), "a"}, {int64(2), int64(100), int64(2), "b"}, {int64(3), int64(101), int64(1), nil}},
		"unit": {{int64(100), "Syd"}, {int64(101), "Norr"}},
	})
	write(t, filepath.Join(dir, "schema.yaml"), `platform: t
tables:
  - name: registration
    primary_key: [reg_id]
    columns:
      - {name: reg_id, type: bigint}
      - {name: reg_nr, type: bigint}
      - {name: version, type: bigint}
      - {name: note, type: text}
      - {name: region, type: text}
`)
	write(t, filepath.Join(dir, "m.yaml"), `tables:
  - target: registration
    source:
      table: reg
      select: "`+sel+`"
    columns:
      reg_id: id
      reg_nr: reg_nr
      version: version
      note: note
      region: region
`)
	p := loadPlan(t, writePlan(t, dir, "run: {reference_date: 2026-01-01}\noptout: {none: no patients in this test}\nunmapped_tables: {unit: \"care units: no patient data\"}\nverification: {acknowledge: {archived_share.unit: the units are archived whole}}\n"))
	opts := plans.Options{SourceURL: src, TargetURL: "sqlite://" + filepath.Join(dir, "t.db"), WorkDir: filepath.Join(dir, "work")}
	rep, err := plans.Run(ctx, p, opts)
	if pass && err != nil {
		t.Fatalf("run: %v", err)
	}
	if !pass && (!errors.Is(err, plans.ErrNotAccounted) || rep == nil || rep.Pass) {
		// The run's own end check holds the columns so too.
		t.Fatalf("run of a select giving another column under the table's name: %v, want its end check to fail", err)
	}
	sum, err := plans.Verify(ctx, p, opts)
	if pass {
		if err != nil || !sum.Pass {
			t.Fatalf("verify of a select giving the table's columns as they are: %v, problems %v", err, sum)
		}
		var checked bool
		for _, sr := range sum.SourceReads {
			checked = checked || sr.Table == "reg" && sr.Check != nil && sr.OK
		}
		if !checked {
			t.Fatalf("the select's columns were not held to the table: %+v", sum.SourceReads)
		}
		return
	}
	if !errors.Is(err, plans.ErrNotAccounted) || sum == nil || sum.Pass {
		t.Fatalf("verify of a select giving another column under the table's name: %v, want it to fail", err)
	}
	problems := strings.Join(sum.Problems, "\n")
	if !strings.Contains(problems, "reg") || !strings.Contains(problems, "select:") || !strings.Contains(problems, differ) {
		t.Fatalf("problems do not name the table, the select and columns %s:\n%s", differ, problems)
	}
}
