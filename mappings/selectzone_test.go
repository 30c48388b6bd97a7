package mappings

import (
	"strings"
	"testing"

	"github.com/regflytt/regflytt/connectors"
)

// A code list's version picked by a select from an instant compared with
// a wall-clock midnight switches an hour or two late (a select runs in
// UTC), with nothing after the select able to see it: map check warns.
func TestSelectComparingAnInstantWithMidnightWarns(t *testing.T) {
	catalog := map[string]*connectors.Table{
		"besok": {Name: "besok", PrimaryKey: []string{"id"}, Columns: []connectors.Column{
			col("id", "integer", false), col("rapporterad", "timestamptz", true), col("datum", "date", true),
			col("inskriven", "datetime", true)}},
		"other": {Name: "other", Columns: []connectors.Column{col("andrad", "timestamptz", true)}},
	}
	cases := []struct {
		name, q string
		want    string // the "column 'literal'" pairs found, joined by "; "
	}{
		{"case on an instant", `SELECT id, CASE WHEN rapporterad >= '1000-01-01' AND rapporterad < '2015-01-01' THEN '1' WHEN rapporterad >= '2015-01-01 00:00:00' THEN '2' END AS ver FROM besok`,
			"rapporterad '2015-01-01'; rapporterad '2015-01-01 00:00:00'"},
		{"qualified, quoted, typed literal", "SELECT b.id FROM `besok` b WHERE b.`rapporterad` < TIMESTAMP '2015-01-01'", "rapporterad '2015-01-01'"},
		{"literal first", `SELECT id FROM besok WHERE '2015-01-01' <= rapporterad`, "rapporterad '2015-01-01'"},
		{"literal first, qualified", `SELECT b.id FROM besok b WHERE '2015-01-01' <= b.rapporterad`, "rapporterad '2015-01-01'"},
		{"between", `SELECT id FROM besok WHERE rapporterad BETWEEN '2014-01-01' AND '2015-01-01'`, "rapporterad '2014-01-01'; rapporterad '2015-01-01'"},
		// What is not warned of:
		{"a boundary written in UTC", `SELECT id FROM besok WHERE rapporterad >= '2014-12-31 23:00:00'`, ""},
		{"converted on PostgreSQL", `SELECT id, CASE WHEN rapporterad AT TIME ZONE 'Europe/Stockholm' >= '2015-01-01' THEN '2' END AS v FROM besok`, ""},
		{"converted on MariaDB", `SELECT id, CASE WHEN CONVERT_TZ(rapporterad, '+00:00', 'Europe/Stockholm') >= '2015-01-01' THEN '2' END AS v FROM besok`, ""},
		{"a date column", `SELECT id FROM besok WHERE datum >= '2015-01-01'`, ""},
		{"a wall-clock datetime", `SELECT id FROM besok WHERE inskriven >= '2015-01-01'`, ""},
		{"an instant of a table the query does not read", `SELECT id FROM besok WHERE datum >= '2015-01-01' AND 'andrad' <> ''`, ""},
		{"in a comment or a string", `SELECT id, 'rapporterad < ''2015-01-01''' AS note FROM besok -- rapporterad < '2015-01-01'`, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := strings.Join(instantComparisons(c.q, catalog), "; "); got != c.want {
				t.Errorf("found %q, want %q\nquery: %s", got, c.want, c.q)
			}
		})
	}
}

// map check gives the warning at the select, and the mapping compiles.
func TestSelectComparingAnInstantWarnsAtTheSelect(t *testing.T) {
	query := "SELECT id, CASE WHEN rapporterad < '2015-01-01' THEN '2014-12-31' ELSE '2015-01-01' END AS datum FROM besok"
	dir := t.TempDir()
	schema, ds := LoadSchema(writeFile(t, dir, "schema.yaml", schemaYAML))
	if ds.Err() != nil {
		t.Fatal(ds)
	}
	f, ds := ParseFile(writeFile(t, dir, "m.yaml", `tables:
  - target: visit
    source: {table: besok, select: "`+query+`"}
    columns: {visit_id: id, visit_date: {from: datum, cast: date}}
    drop: {rapporterad: read by the select}
`))
	if f == nil {
		t.Fatal(ds)
	}
	catalog := []connectors.Table{{Name: "besok", PrimaryKey: []string{"id"}, Columns: []connectors.Column{
		col("id", "integer", false), col("rapporterad", "timestamptz", true)}}}
	prog, more := Compile([]*File{f}, catalog, schema, &Env{Selects: map[string][]connectors.Column{
		query: {col("id", "integer", false), col("datum", "varchar(10)", false)}}})
	if more.Err() != nil || prog == nil {
		t.Fatalf("the mapping does not compile: %v", more)
	}
	var got []string
	for _, d := range more {
		if d.Code == "M022" {
			if d.Severity != Warning {
				t.Errorf("M022 is not a warning: %v", d)
			}
			got = append(got, strings.TrimPrefix(d.Pos.String(), d.Pos.File+":"))
			if !strings.Contains(d.Message, "rapporterad '2015-01-01'") || !strings.Contains(d.Message, "UTC") {
				t.Errorf("M022 does not name the comparison and UTC: %s", d.Message)
			}
		}
	}
	if strings.Join(got, ",") != "3:36" {
		t.Errorf("M022 at %v, want once at 3:36 (the select)\n%v", got, more)
	}
}
