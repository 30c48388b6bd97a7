package plans_test

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"

	"github.com/regflytt/regflytt/connectors"
	"github.com/regflytt/regflytt/connectors/mysql/mytest"
	"github.com/regflytt/regflytt/connectors/postgres/pgtest"
	"github.com/regflytt/regflytt/plans"
)

// A registry the tool has never seen, written as legacy databases write
// one: a weight in a decimal(5,1) column with 999.9 for "not measured", a
// journal number in a double, a care unit's id in text where the unit
// table keys it as an integer, a smoking answer that may be empty. With
// a first mapping a new user would write, each of these ran to PASS with
// a changed value: the sentinel migrated as 999.9 kg (the rule's == never
// held), the journal number arrived as 1.234567e+06, every visit got the
// lookup's default region, and an empty smoking answer became 0, "no".
// Now the sentinel is archived by its rule, the journal number keeps its
// digits, and the lookup and the empty answer fail their values, archived
// with what to do (granularity: value keeps the records).
func TestRunLegacyValuesKeepTheirMeaning(t *testing.T) {
	t.Parallel()
	for _, src := range []struct {
		name string
		url  func(t *testing.T, dir string) string
	}{
		{"sqlite", func(t *testing.T, dir string) string { return "sqlite://" + filepath.Join(dir, "legacy.db") }},
		{"mariadb", func(t *testing.T, dir string) string { return mytest.NewDatabase(t) }},
		{"postgres", func(t *testing.T, dir string) string { return pgtest.NewDatabase(t) }},
	} {
		t.Run(src.name, func(t *testing.T) {
			dir := t.TempDir()
			legacyValuesRun(t, dir, src.url(t, dir))
		})
	}
}

func legacyValuesRun(t *testing.T, dir, srcURL string) {
	dec := connectors.Column{Name: "vikt", Type: connectors.Type{Kind: connectors.KindDecimal, Precision: 5, Scale: 1}, Nullable: true}
	dbl := connectors.Column{Name: "journalnr", Type: connectors.Type{Kind: connectors.KindFloat, Bits: 64}, Nullable: true}
	writeTables(t, srcURL, []connectors.Table{
		{Name: "enhet", PrimaryKey: []string{"id"}, Columns: []connectors.Column{intCol("id"), textCol("region")}},
		{Name: "besok", PrimaryKey: []string{"id"}, Columns: []connectors.Column{intCol("id"), dec, dbl, textCol("enhet"), textCol("rok")}},
	}, map[string][][]connectors.Value{
		"enhet": {{int64(12), "Norr"}},
		"besok": {
			{int64(1), connectors.Decimal("72.5"), float64(1234567), "12", "J"},
			{int64(2), connectors.Decimal("999.9"), float64(7654321), "12", "N"},
			{int64(3), connectors.Decimal("80.0"), float64(1000000), "12", nil},
		},
	})
	write(t, filepath.Join(dir, "schema.yaml"), `platform: t
tables:
  - name: unit
    primary_key: [unit_id]
    columns:
      - {name: unit_id, type: bigint}
      - {name: region, type: varchar(20)}
  - name: visit
    primary_key: [visit_id]
    columns:
      - {name: visit_id, type: bigint}
      - {name: weight_kg, type: "decimal(5,1)"}
      - {name: journal, type: varchar(20)}
      - {name: region, type: varchar(20)}
      - {name: smoker, type: smallint}
`)
	write(t, filepath.Join(dir, "m.yaml"), `tables:
  - target: unit
    source: enhet
    no_person: care units
    columns: {unit_id: id, region: region}
  - target: visit
    source: besok
    granularity: value
    lookups: {unit: {table: enhet, key: id}}
    rules:
      - {when: "weight_kg == 999.9", archive: not_measured}
    columns:
      visit_id: id
      weight_kg: vikt
      journal: {from: journalnr, cast: text}
      region: {expr: 'lookup("unit", enhet, "region", "okänd")'}
      smoker: {expr: 'rok == "J" ? 1 : 0'}
`)
	work := t.TempDir()
	target := "sqlite://" + filepath.Join(work, "t.db")
	rep, err := plans.Run(context.Background(), loadPlan(t, writePlan(t, dir, "")), plans.Options{SourceURL: srcURL, TargetURL: target, WorkDir: work})
	if err != nil {
		t.Fatal(err)
	}
	if !rep.Pass {
		t.Fatalf("FAIL: %v", rep.Problems)
	}
	checkLedger(t, rep, false, map[string]string{"besok": "migrated 2 archived 1 excluded 0 map[not_measured:1]"})
	for _, tc := range rep.Tables {
		if got := fmt.Sprint(tc.ValuesArchivedBy); tc.Source == "besok" && got != "map[expression_failed:1 lookup_missing:2]" {
			t.Errorf("values archived: %s, want map[expression_failed:1 lookup_missing:2]", got)
		}
	}
	want := []string{`[1 72.5 1234567 <nil> 1]`, `[3 80.0 1000000 <nil> <nil>]`}
	var got []string
	inTarget(t, target, func(ctx context.Context, snap connectors.Snapshot, tables []connectors.Table) {
		for i := range tables {
			if tables[i].Name != "visit" {
				continue
			}
			rows, err := snap.Scan(ctx, &tables[i], connectors.ScanOptions{})
			if err != nil {
				t.Fatal(err)
			}
			for rows.Next() {
				got = append(got, fmt.Sprint(rows.Row()))
			}
			if err := rows.Err(); err != nil {
				t.Fatal(err)
			}
			rows.Close()
		}
	})
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("visit rows:\n%v\nwant:\n%v", got, want)
	}
}
