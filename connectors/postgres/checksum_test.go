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

// The SQL encoding agrees with AppendRow on every conformance edge value
// PostgreSQL keeps, as a hashed column and as a key, on every request
// (whole tables, buckets, drill-downs, records, floats).
func TestChecksumPushdown(t *testing.T) {
	defer postgres.ChecksumPath("pushdown")()
	conformance.RunChecksum(t, openTarget(t, pgtest.NewDatabase(t)), capabilities)
}

// The binary COPY read-back decodes every conformance edge value to
// Scan's value, as a hashed column and as a key, on every request: each
// read back row hashes as HashTable hashes it, to the byte.
func TestChecksumReadBack(t *testing.T) {
	defer postgres.ChecksumPath("readback")()
	conformance.RunChecksum(t, openTarget(t, pgtest.NewDatabase(t)), capabilities)
}

// Every legacy source type of TestSourceTypes, with its edge values
// (NaN and ±Infinity numerics, padded char(n), infinite and BC dates),
// hashes in the server exactly as in Go: by its base type's expression
// (a domain) or by its text output (arrays, intervals, timetz, enum
// labels, inet…; see TestChecksumTextOutputTypes). The read-back leaves
// the text-output types, whose binary send format is not Scan's text, to
// the pushdown.
func TestChecksumSourceTypes(t *testing.T) {
	ctx := context.Background()
	url := pgtest.NewDatabase(t)
	pgtest.Exec(t, url, typeSetup...)
	cols := []string{"id integer PRIMARY KEY"}
	nrows := 1
	for _, c := range typeCases {
		cols = append(cols, fmt.Sprintf("c_%s %s", c.name, c.sqlType))
		nrows = max(nrows, len(c.vals)+1)
	}
	stmts := []string{"CREATE TABLE legacy_every_type (" + strings.Join(cols, ", ") + ")"}
	for i := 0; i < nrows; i++ {
		vals := []string{fmt.Sprint(i + 1)}
		for _, c := range typeCases {
			v := "NULL"
			if i < len(c.vals) {
				v = c.vals[i].sql
			}
			vals = append(vals, v)
		}
		stmts = append(stmts, "INSERT INTO legacy_every_type VALUES ("+strings.Join(vals, ", ")+")")
	}
	// The extremes of TestInvalidDateTextIsPostgreSQLs, as more rows.
	stmts = append(stmts, `INSERT INTO legacy_every_type (id, c_date, c_timestamp, c_timestamptz) VALUES
	  (101, '4713-01-01 BC', '4713-01-01 00:00:00 BC', '4713-01-01 00:00:00+00 BC'),
	  (102, '5874897-12-31', '294276-12-31 23:59:59.999999', '294276-12-31 23:59:59.999+00'),
	  (103, '0001-12-31 BC', '0001-12-31 23:59:59.25 BC', '0001-12-31 23:59:59.25+00 BC'),
	  (104, '1969-12-31', '1969-12-31 23:59:59.999999', '1969-12-31 23:59:59.999+00'),
	  (105, '10000-01-01', '10000-01-01 00:00:00', '10000-01-01 00:00:00+00')`)
	pgtest.Exec(t, url, stmts...)

	snap := snapshot(t, openSource(t, url))
	tables, err := snap.Tables(ctx)
	if err != nil || len(tables) != 1 {
		t.Fatalf("tables: %v, %v", tables, err)
	}
	// Column c_<name> is typeCases' case <name>.
	caseName := func(c connectors.Column) string { return strings.TrimPrefix(c.Name, "c_") }
	t.Run("pushdown", func(t *testing.T) {
		defer postgres.ChecksumPath("pushdown")()
		conformance.ChecksumSourceColumns(t, snap, &tables[0], caseName)
	})
	t.Run("readback", func(t *testing.T) {
		defer postgres.ChecksumPath("readback")()
		conformance.ChecksumSourceColumns(t, snap, &tables[0], caseName)
	})
}

// The float aggregates' SQL agrees with Go on what no receiving table is
// written with but a changed target may hold: NaN, ±Infinity, -0 and
// subnormals, in double precision and real columns, at every rounding.
func TestChecksumFloatsNotFinite(t *testing.T) {
	ctx := context.Background()
	url := pgtest.NewDatabase(t)
	pgtest.Exec(t, url, `CREATE TABLE f (id integer PRIMARY KEY, d double precision, r real)`,
		`INSERT INTO f VALUES (1, 'NaN', 'NaN'), (2, 'Infinity', 'Infinity'), (3, '-Infinity', '-Infinity'),
		  (4, '-0', '-0'), (5, 0, 0), (6, 4.9e-324, 1.4e-45), (7, -2.225073858507201e-308, -1.1754942e-38),
		  (8, 1.7976931348623157e308, 3.4028235e38), (9, NULL, NULL), (10, 0.1, 0.1), (11, -1e-300, -1e-30)`)
	snap := snapshot(t, openSource(t, url))
	tables, err := snap.Tables(ctx)
	if err != nil || len(tables) != 1 {
		t.Fatalf("tables: %v, %v", tables, err)
	}
	cs := snap.(connectors.Checksummer)
	for _, bits := range []int{0, 2, 30, 51, 52} {
		req := connectors.ChecksumRequest{Columns: []string{"id"}, Buckets: 7, Floats: []string{"d", "r"}, FloatBits: bits}
		want, err := connectors.HashTable(ctx, snap, &tables[0], req)
		if err != nil {
			t.Fatal(err)
		}
		got, err := cs.Checksum(ctx, &tables[0], req)
		if err != nil {
			t.Fatal(err)
		}
		if fmt.Sprint(got.Floats) != fmt.Sprint(want.Floats) || len(want.Floats) == 0 {
			t.Errorf("%d bits: database %v, Go %v", bits, got.Floats, want.Floats)
		}
	}
}
