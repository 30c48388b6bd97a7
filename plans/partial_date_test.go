package plans_test

import (
	"context"
	"database/sql"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/regflytt/regflytt/connectors"
	"github.com/regflytt/regflytt/connectors/all"
	"github.com/regflytt/regflytt/connectors/conformance"
	"github.com/regflytt/regflytt/plans"
)

// Partial dates end to end on embedded SQLite: a text column and a DATE
// column holding 1980-00-00 and 2019-05-00. With partial_date() they
// migrate at their precision; with date() they are archived, and the
// archive holds their text as the source stored it.
func TestRunPartialDates(t *testing.T) {
	for _, c := range []struct {
		name, date, precision string
		ledger                string
		archived              []string // texts the archive must hold
	}{
		{"partial_date", "{expr: partial_date(datum)}", "{expr: partial_date_precision(datum)}",
			summary(4, 1, 0, map[string]int64{"zero_date": 1}), []string{"0000-00-00"}},
		{"date", "{expr: date(datum)}", "{value: day}",
			summary(1, 4, 0, map[string]int64{"invalid_date": 3, "zero_date": 1}), []string{"1980-00-00", "2019-05-00", "2019-00-00", "0000-00-00"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			ctx := context.Background()
			dir := t.TempDir()
			srcPath := filepath.Join(dir, "legacy.db")
			db, err := sql.Open("sqlite", "file:"+srcPath)
			if err != nil {
				t.Fatal(err)
			}
			for _, s := range []string{
				"CREATE TABLE diagnos (id INTEGER PRIMARY KEY, datum VARCHAR(10), debut DATE)",
				"INSERT INTO diagnos VALUES (1, '1980-00-00', '1980-00-00'), (2, '2019-05-00', '2019-05-00'), (3, '2019-05-17', NULL), (4, '0000-00-00', NULL), (5, '2019-00-00', '2019-05-17')",
			} {
				if _, err := db.ExecContext(ctx, s); err != nil {
					db.Close()
					t.Fatal(err)
				}
			}
			db.Close()
			write(t, filepath.Join(dir, "schema.yaml"), `platform: t
tables:
  - name: diagnosis
    primary_key: [diagnosis_id]
    columns:
      - {name: diagnosis_id, type: bigint}
      - {name: diagnosed_on, type: date}
      - {name: diagnosed_precision, type: varchar(5)}
      - {name: onset, type: date}
      - {name: onset_precision, type: varchar(5)}
`)
			write(t, filepath.Join(dir, "m.yaml"), `tables:
  - target: diagnosis
    source: diagnos
    columns:
      diagnosis_id: id
      diagnosed_on: `+c.date+`
      diagnosed_precision: `+c.precision+`
      onset: {expr: partial_date(debut)}
      onset_precision: {expr: partial_date_precision(debut)}
`)
			tgt := "sqlite://" + filepath.Join(dir, "receiving.db")
			rep, err := plans.Run(ctx, loadPlan(t, writePlan(t, dir, "")), plans.Options{SourceURL: "sqlite://" + srcPath, TargetURL: tgt, WorkDir: dir})
			if err != nil {
				t.Fatal(err)
			}
			if got := ledgerOf(rep, false)["diagnos"]; got != c.ledger {
				t.Fatalf("ledger %s, want %s", got, c.ledger)
			}
			// Searched in every file of the package, whatever its format.
			var arc strings.Builder
			err = filepath.WalkDir(filepath.Join(dir, "archive"), func(path string, d fs.DirEntry, err error) error {
				if err != nil || d.IsDir() {
					return err
				}
				b, err := os.ReadFile(path)
				arc.Write(b)
				return err
			})
			if err != nil {
				t.Fatal(err)
			}
			for _, text := range c.archived {
				if !strings.Contains(arc.String(), text) {
					t.Errorf("the archive does not hold %s", text)
				}
			}
			if c.name != "partial_date" {
				return
			}
			target, err := all.OpenTarget(ctx, tgt)
			if err != nil {
				t.Fatal(err)
			}
			defer target.Close()
			var rows []string
			for _, r := range conformance.ReadAll(t, target, "diagnosis", connectors.ScanOptions{}) {
				rows = append(rows, fmt.Sprint(r))
			}
			want := "[1 1980-01-01 year 1980-01-01 year] [2 2019-05-01 month 2019-05-01 month] [3 2019-05-17 day <nil> <nil>] [5 2019-01-01 year 2019-05-17 day]"
			if strings.Join(rows, " ") != want {
				t.Errorf("target holds %s, want %s", strings.Join(rows, " "), want)
			}
		})
	}
}
