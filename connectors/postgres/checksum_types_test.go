package postgres_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/regflytt/regflytt/connectors"
	"github.com/regflytt/regflytt/connectors/conformance"
	"github.com/regflytt/regflytt/connectors/postgres"
	"github.com/regflytt/regflytt/connectors/postgres/pgtest"
)

// The types a PostgreSQL registry holds beside the built-in ones of
// TestChecksumSourceTypes: domains over each base type, enums, citext,
// and every type Scan reads as its text output (money, interval, timetz,
// inet, bit, arrays, ranges, xml, "char", composites), with their edge
// values. Each hashes in the server exactly as Scan's values do in Go.
// They were left to Go before (ErrNoPushdown), so a table holding one
// of them (a domain over text for identity numbers, an enum for sex) was
// not checked as read at all.
func TestChecksumTextOutputTypes(t *testing.T) {
	ctx := context.Background()
	url := pgtest.NewDatabase(t)
	pgtest.Exec(t, url,
		`CREATE EXTENSION IF NOT EXISTS citext`,
		`CREATE DOMAIN pnrtext AS text CHECK (VALUE ~ '^[0-9]{8}-[0-9]{4}$')`,
		`CREATE DOMAIN chardom AS character(4)`,
		`CREATE DOMAIN numdom AS numeric`,
		`CREATE DOMAIN numpsdom AS numeric(5,1)`,
		`CREATE DOMAIN datedom AS date`,
		`CREATE DOMAIN tsdom AS timestamp(3) with time zone`,
		`CREATE DOMAIN lts AS timestamp`,
		`CREATE DOMAIN timedom AS time`,
		`CREATE DOMAIN booldom AS boolean`,
		`CREATE DOMAIN byteadom AS bytea`,
		`CREATE DOMAIN uuiddom AS uuid`,
		`CREATE DOMAIN jsondom AS jsonb`,
		`CREATE DOMAIN smalldom AS smallint`,
		`CREATE DOMAIN domdom AS pnrtext`,
		`CREATE TYPE sex AS ENUM ('M', 'F', 'okänd', 'a"b c')`,
		`CREATE TYPE pair AS (a int, b text)`,
	)
	cases := []struct {
		name, typ string
		vals      []string
	}{
		{"citext", "citext", []string{"'Foo'", "'ö'", "''"}},
		{"pnrtext", "pnrtext", []string{"'19121212-1212'"}},
		{"chardom", "chardom", []string{"'ab'", "''", "'åäö'"}},
		{"numdom", "numdom", []string{"'NaN'", "'Infinity'", "'-Infinity'", "1.50", "-0.000"}},
		{"numpsdom", "numpsdom", []string{"60.5", "-9999.9"}},
		{"datedom", "datedom", []string{"'infinity'", "'0044-03-15 BC'", "'2020-02-29'", "'5874897-12-31'"}},
		{"tsdom", "tsdom", []string{"'infinity'", "'2020-01-01 12:00:00.5+02'", "'1901-12-13 20:45:52.123-05'"}},
		{"lts", "lts", []string{"'-infinity'", "'0001-01-01 00:00:00'", "'2024-03-31 02:30:00.000001'"}},
		{"timedom", "timedom", []string{"'24:00:00'", "'00:00:00'", "'23:59:59.999999'"}},
		{"booldom", "booldom", []string{"true", "false"}},
		{"byteadom", "byteadom", []string{`'\xff00'`, `''`}},
		{"uuiddom", "uuiddom", []string{"'12345678-9abc-def0-0102-030405060708'"}},
		{"jsondom", "jsondom", []string{`'{"b": 1, "a": [1, "ö"]}'`, `'null'`}},
		{"smalldom", "smalldom", []string{"-32768", "32767"}},
		{"domdom", "domdom", []string{"'19121212-1212'"}},
		{"enum", "sex", []string{"'okänd'", `'a"b c'`, "'M'"}},
		{"money", "money", []string{"'-92233720368547758.08'", "'0'", "'1234.56'"}},
		{"interval", "interval", []string{"'1 year 2 mons -3 days 04:05:06.789'", "'-178000000 years'", "'0'"}},
		{"timetz", "timetz", []string{"'24:00:00-15:59'", "'12:00:00.5+05:30'"}},
		{"inet", "inet", []string{"'192.168.0.1/32'", "'192.168.0.1/24'", "'::ffff:1.2.3.4'"}},
		{"cidr", "cidr", []string{"'10.0.0.0/8'", "'::/0'"}},
		{"varbit", "bit varying(16)", []string{"B''", "B'101'"}},
		{"bit", "bit(3)", []string{"B'010'"}},
		{"textarr", "text[]", []string{`'{"a\"b","c\\d",NULL,"NULL",""}'`, "'{}'"}},
		{"byteaarr", "bytea[]", []string{`'{"\\\\xff00"}'`}},
		{"datearr", "date[]", []string{"'{infinity,2020-01-01}'"}},
		{"floatarr", "float8[]", []string{"'{0.1,NaN,-0,1e300}'"}},
		{"tsarr", "timestamptz[]", []string{`'{"2020-01-01 00:00:00+02"}'`}},
		{"dims", "integer[]", []string{"'[0:1]={7,8}'", "'{{1,2},{3,4}}'"}},
		{"range", "int4range", []string{"'[1,5)'", "'empty'"}},
		{"tsrange", "tstzrange", []string{"'[2020-01-01 00:00+02,infinity)'"}},
		{"xml", "xml", []string{"'<a>å</a>'"}},
		{"qchar", `"char"`, []string{"'x'", `'\377'`}},
		{"tsvector", "tsvector", []string{"'a b:2'"}},
		{"pair", "pair", []string{`'(1,"x y")'`, "'(,)'"}},
		{"name", "name", []string{"'abc'"}},
		{"oid", "oid", []string{"4294967295"}},
		{"lsn", "pg_lsn", []string{"'16/B374D848'"}},
		{"point", "point", []string{"'(1.5,2)'"}},
	}
	cols := []string{"id integer PRIMARY KEY"}
	nrows := 1
	for _, c := range cases {
		cols = append(cols, fmt.Sprintf("c_%s %s", c.name, c.typ))
		nrows = max(nrows, len(c.vals)+1)
	}
	stmts := []string{"CREATE TABLE legacy_text_types (" + strings.Join(cols, ", ") + ")"}
	for i := 0; i < nrows; i++ {
		vals := []string{fmt.Sprint(i + 1)}
		for _, c := range cases {
			v := "NULL"
			if i < len(c.vals) {
				v = c.vals[i]
			}
			vals = append(vals, v)
		}
		stmts = append(stmts, "INSERT INTO legacy_text_types VALUES ("+strings.Join(vals, ", ")+")")
	}
	pgtest.Exec(t, url, stmts...)
	snap := snapshot(t, openSource(t, url))
	tables, err := snap.Tables(ctx)
	if err != nil || len(tables) != 1 {
		t.Fatalf("tables: %v, %v", tables, err)
	}
	caseName := func(c connectors.Column) string { return strings.TrimPrefix(c.Name, "c_") }
	defer postgres.ChecksumPath("pushdown")()
	conformance.ChecksumSourceColumns(t, snap, &tables[0], caseName)
}
