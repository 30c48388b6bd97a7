package plans_test

import (
	"context"
	"errors"
	"maps"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/regflytt/regflytt/connectors"
	"github.com/regflytt/regflytt/plans"
)

// A select: column computed from another column (a cast, trim, concat)
// under the name of one of the table's columns claims to be that column
// as much as one merely renamed into it. The checksum check held only the
// columns of the table's kind, so a swap through an expression (the cast
// makes text of integers) left both columns out, named in
// columns_not_checked, and run and verify passed with exit 0 and the
// values swapped. Such a column is now held to the table's column by key
// (read side by side through the connector, compared by their text), and
// a legitimate select — a computed column under a new name, the table's
// column cast to text as it is, a join adding columns — still passes.
// The run's own end check holds them so too: it said PASS where verify
// failed.
//
// A source whose connector computes no checksum (SQLite) held nothing of
// a select: to its table, not even two columns swapped by name: the by-key
// comparison holds them there too.
func TestVerifyHoldsASelectsComputedColumnsToItsTable(t *testing.T) {
	sources := map[string]func(t testing.TB) string{"sqlite": func(t testing.TB) string { return "sqlite://" + filepath.Join(t.TempDir(), "src.db") }}
	if os.Getenv("REGFLYTT_TEST_MYSQL") != "" || os.Getenv("REGFLYTT_TEST_PG") != "" {
		maps.Copy(sources, serverDatabases(t))
	}
	for name, newSource := range sources {
		t.Run(name, func(t *testing.T) {
			text := "CHAR"
			if name != "mariadb" {
				text = "text"
			}
			for _, c := range []struct {
				name, sel string
				pass      bool
				differ    string
			}{
				{"two columns swapped", "SELECT id, version AS reg_nr, reg_nr AS version, note, sign, note AS extra FROM reg", false, "reg_nr, version"},
				{"swapped through a cast", "SELECT id, CAST(version AS " + text + ") AS reg_nr, CAST(reg_nr AS " + text + ") AS version, note, sign, note AS extra FROM reg", false, "reg_nr, version"},
				{"swapped through trim", "SELECT id, reg_nr, version, trim(sign) AS note, trim(note) AS sign, note AS extra FROM reg", false, "note, sign"},
				{"swapped through concat", "SELECT id, reg_nr, version, concat(sign, '') AS note, concat(note, '') AS sign, note AS extra FROM reg", false, "note, sign"},
				{"an integer put as text under another's name", "SELECT id, reg_nr, trim(CAST(reg_nr AS " + text + ")) AS version, note, sign, note AS extra FROM reg", false, "version"},
				{"the key cast too, columns swapped", "SELECT CAST(id AS " + text + ") AS id, version AS reg_nr, reg_nr AS version, note, sign, note AS extra FROM reg", false, "reg_nr, version"},
				{"a column cast to text as it is", "SELECT id, CAST(reg_nr AS " + text + ") AS reg_nr, version, note, sign, note AS extra FROM reg", true, ""},
				{"a computed column under a new name", "SELECT id, reg_nr, version, note, sign, concat(trim(note), '-', sign) AS extra FROM reg", true, ""},
				{"a join adding a column under a new name", "SELECT r.id, r.reg_nr, r.version, r.note, r.sign, u.region AS extra FROM reg r LEFT JOIN unit u ON u.id = r.reg_nr", true, ""},
			} {
				t.Run(c.name, func(t *testing.T) { testSelectComputedHeld(t, newSource(t), c.sel, c.pass, c.differ) })
			}
		})
	}
}

func testSelectComputedHeld(t *testing.T, src, sel string, pass bool, differ string) {
	ctx := context.Background()
	dir := t.TempDir()
	writeTables(t, src, []connectors.Table{
		{Name: "reg", PrimaryKey: []string{"id"}, Columns: []connectors.Column{intCol("id"), intCol("reg_nr"), intCol("version"), textCol("note"), textCol("sign")}},
		{Name: "unit", PrimaryKey: []string{"id"}, Columns: []connectors.Column{intCol("id"), textCol("region")}},
	}, map[string][][]connectors.Value{
		"reg":  {{int64(1), int64(100), int64(1), "a", "x"}, {int64(2), int64(100), int64(2), "b", "y"}, {int64(3), int64(101), int64(1), "c", "z"}},
		"unit": {{int64(100), "Syd"}, {int64(101), "Norr"}},
	})
	writeSchema(t, dir, "registration", "reg_id", "reg_id bigint", "reg_nr bigint", "version bigint", "note text", "sign text", "extra text")
	write(t, filepath.Join(dir, "m.yaml"), `tables:
  - target: registration
    source:
      table: reg
      select: "`+sel+`"
    columns:
      reg_id: {expr: integer(id)}
      reg_nr: {expr: integer(reg_nr)}
      version: {expr: integer(version)}
      note: note
      sign: sign
      extra: extra
`)
	p := loadPlan(t, writePlan(t, dir, "run: {reference_date: 2026-01-01}\noptout: {none: no patients in this test}\nunmapped_tables: {unit: \"care units: no patient data\"}\nverification: {acknowledge: {archived_share.unit: the units are archived whole}}\n"))
	opts := plans.Options{SourceURL: src, TargetURL: "sqlite://" + filepath.Join(dir, "t.db"), WorkDir: filepath.Join(dir, "work")}
	// The run's own end check holds the select's columns to the table
	// as verify does: a run that passes where verify fails would say
	// PASS of values swapped.
	rep, err := plans.Run(ctx, p, opts)
	if pass && err != nil {
		t.Fatalf("run of a legitimate select: %v", err)
	}
	if !pass {
		if !errors.Is(err, plans.ErrNotAccounted) || rep == nil || rep.Pass {
			t.Fatalf("run of a select giving a computed column under the table's name: %v, want its end check to fail", err)
		}
		problems := strings.Join(rep.Problems, "\n")
		if !strings.Contains(problems, "select:") || !strings.Contains(problems, differ) {
			t.Fatalf("the run's problems do not name the select and columns %s:\n%s", differ, problems)
		}
	}
	sum, err := plans.Verify(ctx, p, opts)
	if pass {
		if err != nil || !sum.Pass {
			t.Fatalf("verify of a legitimate select: %v, problems %v", err, sum.Problems)
		}
		return
	}
	if !errors.Is(err, plans.ErrNotAccounted) || sum == nil || sum.Pass {
		t.Fatalf("verify of a select giving a computed column under the table's name: %v, want it to fail", err)
	}
	problems := strings.Join(sum.Problems, "\n")
	t.Log(problems)
	if !strings.Contains(problems, "reg") || !strings.Contains(problems, "select:") || !strings.Contains(problems, differ) {
		t.Fatalf("problems do not name the table, the select and columns %s:\n%s", differ, problems)
	}
}

// Float columns are not in the source database's checksum (its float
// text is not the stored bits), so a select swapping two of them was
// held to nothing: they are held to the table by key, as read.
func TestVerifyHoldsASelectsFloatColumnsToItsTable(t *testing.T) {
	sources := map[string]func(t testing.TB) string{"sqlite": func(t testing.TB) string { return "sqlite://" + filepath.Join(t.TempDir(), "src.db") }}
	if os.Getenv("REGFLYTT_TEST_MYSQL") != "" || os.Getenv("REGFLYTT_TEST_PG") != "" {
		maps.Copy(sources, serverDatabases(t))
	}
	for name, newSource := range sources {
		t.Run(name, func(t *testing.T) {
			for _, c := range []struct {
				name, sel string
				pass      bool
			}{
				{"as the table holds them", "SELECT id, langd, vikt FROM matning", true},
				{"two floats swapped", "SELECT id, vikt AS langd, langd AS vikt FROM matning", false},
			} {
				t.Run(c.name, func(t *testing.T) {
					ctx := context.Background()
					dir := t.TempDir()
					src := newSource(t)
					double := connectors.Type{Kind: connectors.KindFloat, Bits: 64}
					writeTables(t, src, []connectors.Table{{Name: "matning", PrimaryKey: []string{"id"}, Columns: []connectors.Column{
						intCol("id"), {Name: "langd", Type: double, Nullable: true}, {Name: "vikt", Type: double, Nullable: true}}}},
						map[string][][]connectors.Value{"matning": {{int64(1), 180.5, 75.25}, {int64(2), 165.0, 60.5}}})
					writeSchema(t, dir, "measurement", "m_id", "m_id bigint", "langd double", "vikt double")
					write(t, filepath.Join(dir, "m.yaml"), "tables:\n  - target: measurement\n    source: {table: matning, select: \""+c.sel+"\"}\n    columns: {m_id: id, langd: langd, vikt: vikt}\n")
					p := loadPlan(t, writePlan(t, dir, "run: {reference_date: 2026-01-01}\noptout: {none: no patients in this test}\n"))
					opts := plans.Options{SourceURL: src, TargetURL: "sqlite://" + filepath.Join(dir, "t.db"), WorkDir: filepath.Join(dir, "work")}
					rep, err := plans.Run(ctx, p, opts)
					if c.pass != (err == nil) {
						t.Fatalf("run: %v, want pass %v (problems %v)", err, c.pass, rep)
					}
					sum, err := plans.Verify(ctx, p, opts)
					if c.pass != (err == nil && sum != nil && sum.Pass) {
						var problems []string
						if sum != nil {
							problems = sum.Problems
						}
						t.Fatalf("verify: %v, want pass %v; problems %v", err, c.pass, problems)
					}
					if !c.pass && !strings.Contains(strings.Join(sum.Problems, "\n"), "langd, vikt") {
						t.Fatalf("problems do not name langd, vikt: %v", sum.Problems)
					}
				})
			}
		})
	}
}
