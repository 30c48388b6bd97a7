package sqlserver

import (
	"errors"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/regflytt/regflytt/connectors"
)

func checksumTable(cols ...connectors.Column) *connectors.Table {
	id := connectors.Column{Name: "id", SourceType: "bigint", Type: TypeOf("bigint")}
	return &connectors.Table{Name: "visit", PrimaryKey: []string{"id"}, Columns: append([]connectors.Column{id}, cols...)}
}

func col(name, sourceType string, nullable bool) connectors.Column {
	return connectors.Column{Name: name, SourceType: sourceType, Type: TypeOf(sourceType), Nullable: nullable}
}

// The query text, pinned (no server runs here): a NOT NULL bigint and a
// nullable nvarchar, as a whole-table checksum and as a drill-down step.
func TestChecksumSQL(t *testing.T) {
	tbl := checksumTable(col("name", "nvarchar(50)", true))
	d := Dialect{Schema: "dbo"}
	text := "CASE WHEN [name] IS NULL THEN 0x00 ELSE 0x05 + (CASE" +
		" WHEN DATALENGTH(CAST(CAST(CAST([name] AS nvarchar(max)) COLLATE Latin1_General_100_BIN2_UTF8 AS varchar(max)) AS varbinary(max))) < 128 THEN "
	got, err := d.ChecksumQuery(tbl, connectors.ChecksumRequest{Columns: []string{"id", "name"}, Buckets: 1}, false)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"SELECT b, COUNT_BIG(*), SUM(CAST(SUBSTRING(h, 1, 4) AS bigint)), SUM(CAST(SUBSTRING(h, 5, 4) AS bigint)), SUM(CAST(SUBSTRING(h, 9, 4) AS bigint)), SUM(CAST(SUBSTRING(h, 13, 4) AS bigint))" +
			" FROM (SELECT CAST(0 AS bigint) AS b, HASHBYTES('SHA2_256', CAST(0x02 + (0x01 + CAST(CAST([id] AS bigint) AS binary(8))) + " + text,
		" FROM [dbo].[visit]) r GROUP BY b ORDER BY b",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("checksum query\n%s\nlacks\n%s", got, want)
		}
	}
	got, err = d.ChecksumQuery(tbl, connectors.ChecksumRequest{Columns: []string{"name"}, Buckets: 16, Within: 4, In: []uint32{1, 3}}, false)
	if err != nil {
		t.Fatal(err)
	}
	kh := "CAST(SUBSTRING(HASHBYTES('SHA2_256', CAST(0x01 + (0x01 + CAST(CAST([id] AS bigint) AS binary(8))) AS varbinary(max))), 1, 4) AS bigint)"
	for _, want := range []string{"SELECT " + kh + " % 16 AS b", "WHERE " + kh + " % 4 IN (1, 3)) r"} {
		if !strings.Contains(got, want) {
			t.Errorf("drill-down query\n%s\nlacks\n%s", got, want)
		}
	}
	got, err = d.ChecksumQuery(tbl, connectors.ChecksumRequest{Columns: []string{"name"}, Buckets: 16, Within: 4, In: []uint32{2}}, true)
	if err != nil {
		t.Fatal(err)
	}
	if want := "SELECT CAST(0x01 + (0x01 + CAST(CAST([id] AS bigint) AS binary(8))) AS varbinary(max)), HASHBYTES('SHA2_256', CAST(0x01 + " + text; !strings.HasPrefix(got, want) ||
		!strings.HasSuffix(got, " FROM [dbo].[visit] WHERE "+kh+" % 4 IN (2)") {
		t.Errorf("record query\n%s", got)
	}
}

// Each type's encoding, by its distinctive part; the types without a
// proven one are refused with ErrNoPushdown, floats by the request.
func TestChecksumSQLTypes(t *testing.T) {
	pushed := map[string]string{
		"int":     "0x01 + CAST(CAST([c] AS bigint) AS binary(8))",
		"tinyint": "0x01 + CAST(CAST([c] AS bigint) AS binary(8))",
		"bit":     "CASE WHEN [c] = 1 THEN 0x0401 ELSE 0x0400 END",
		"varchar(20) COLLATE Finnish_Swedish_CI_AS": "CAST(CAST(CAST([c] AS nvarchar(max)) COLLATE Latin1_General_100_BIN2_UTF8 AS varchar(max)) AS varbinary(max))",
		"nchar(5)":          "CAST(CAST(CAST([c] AS nvarchar(max)) COLLATE Latin1_General_100_BIN2_UTF8 AS varchar(max)) AS varbinary(max))",
		"varbinary(max)":    "0x06 + (CASE WHEN DATALENGTH(CAST([c] AS varbinary(max))) < 128",
		"date":              "0x08 + CAST(CAST(DATEPART(year, [c]) AS bigint) AS binary(2)) + CAST(CAST(DATEPART(month, [c]) AS bigint) AS binary(1))",
		"datetime2(7)":      "CAST(CAST(DATEPART(nanosecond, [c]) AS bigint) AS binary(4))",
		"datetimeoffset(7)": "0x0A + CAST(CAST(DATEDIFF_BIG(second, CAST('1970-01-01' AS datetime2(7)), CAST(SWITCHOFFSET([c], '+00:00') AS datetime2(7))) AS bigint) AS binary(8))",
		"time(7)":           "0x0B + CAST(CAST(DATEDIFF_BIG(nanosecond, CAST('00:00:00' AS time(7)), [c]) AS bigint) AS binary(8))",
		"uniqueidentifier":  "0x0D + CONVERT(binary(16), REPLACE(CONVERT(char(36), [c]), '-', ''), 2)",
	}
	for st, want := range pushed {
		q, err := Dialect{}.ChecksumQuery(checksumTable(col("c", st, true)), connectors.ChecksumRequest{Columns: []string{"c"}, Buckets: 1}, true)
		if err != nil {
			t.Errorf("%s: %v", st, err)
			continue
		}
		if !strings.Contains(q, "CASE WHEN [c] IS NULL THEN 0x00 ELSE ") || !strings.Contains(q, want) {
			t.Errorf("%s: the query lacks %s:\n%s", st, want, q)
		}
		if strings.Count(q, "(") != strings.Count(q, ")") {
			t.Errorf("%s: unbalanced parentheses", st)
		}
	}
	for _, st := range []string{"decimal(10,2)", "money", "datetime", "smalldatetime", "xml", "sql_variant", "hierarchyid", "geography", "timestamp"} {
		_, err := Dialect{}.ChecksumQuery(checksumTable(col("c", st, true)), connectors.ChecksumRequest{Columns: []string{"c"}, Buckets: 1}, false)
		if !errors.Is(err, connectors.ErrNoPushdown) {
			t.Errorf("%s: got %v, want ErrNoPushdown", st, err)
		}
	}
	if _, err := (Dialect{}).ChecksumQuery(checksumTable(col("c", "float", true)), connectors.ChecksumRequest{Columns: []string{"c"}, Buckets: 1}, false); err == nil || errors.Is(err, connectors.ErrNoPushdown) {
		t.Errorf("a float column: got %v, want the request's refusal", err)
	}
}

// The 32-bit half sums the server returns recombine into the 64-bit sums
// modulo 2^64, as Aggregate.Add sums them.
func TestCombineHalves(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	var want uint64
	var hi, lo int64
	for i := 0; i < 100000; i++ {
		v := r.Uint64()
		if i%10 == 0 {
			v = ^uint64(0)
		}
		want += v
		hi += int64(v >> 32)
		lo += int64(v & 0xffffffff)
	}
	if got := combineHalves(hi, lo); got != want {
		t.Errorf("combined %d, want %d", got, want)
	}
}
