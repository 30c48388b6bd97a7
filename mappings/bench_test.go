package mappings

import (
	"crypto/md5"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/regflytt/regflytt/connectors"
)

// BenchmarkApplyEntity measures the EAV pivot in memory, no database: one
// registration with 20 variables (12 plain, 4 through expressions, 4 coded
// with versions) per op. It reports value rows per second and allocations
// per value row.
//
//	go test ./mappings/ -run '^$' -bench ApplyEntity -benchmem
func BenchmarkApplyEntity(b *testing.B) {
	const nvars = 20
	var schema strings.Builder
	schema.WriteString("platform: b\ntables:\n  - name: reg\n    primary_key: [id]\n    columns:\n      - {name: id, type: bigint}\n")
	var cols strings.Builder
	for i := 0; i < nvars; i++ {
		switch {
		case i < 12:
			fmt.Fprintf(&schema, "      - {name: c%d, type: text}\n", i)
			fmt.Fprintf(&cols, "      c%d: v%d\n", i, i)
		case i < 16:
			fmt.Fprintf(&schema, "      - {name: c%d, type: \"decimal(6,1)\"}\n", i)
			fmt.Fprintf(&cols, "      c%d: {expr: decimal(v%d)}\n", i, i)
		default:
			fmt.Fprintf(&schema, "      - {name: c%d, type: varchar(10)}\n", i)
			fmt.Fprintf(&cols, "      c%d: {from: v%d, codelist: {name: yn, version: ver}}\n", i, i)
		}
	}
	mapping := `codelists:
  - name: yn
    versions: {"1": {"1": "yes", "2": "no"}, "2": {J: "yes", N: "no"}}
tables:
  - target: reg
    source:
      eav: {entities: inst, values: val, entity: inst_id, attribute: var, value: value, version: ver}
    columns:
      id: id
` + cols.String() + `    drop: {val_id: the value row's own number}
`
	dir := b.TempDir()
	s, ds := LoadSchema(writeFile(b, dir, "s.yaml", schema.String()))
	if ds.Err() != nil {
		b.Fatal(ds)
	}
	f, ds := ParseFile(writeFile(b, dir, "m.yaml", mapping))
	if ds.Err() != nil {
		b.Fatal(ds)
	}
	catalog := []connectors.Table{
		{Name: "inst", PrimaryKey: []string{"id"}, Columns: []connectors.Column{col("id", "bigint", false)}},
		{Name: "val", PrimaryKey: []string{"val_id"}, Columns: []connectors.Column{col("val_id", "bigint", false), col("inst_id", "bigint", false),
			col("var", "varchar(20)", false), col("value", "text", true), col("ver", "integer", true)}},
	}
	prog, ds := Compile([]*File{f}, catalog, s, &Env{})
	if ds.Err() != nil {
		b.Fatal(ds.Err())
	}
	tp := prog.Tables[0]
	entity := []connectors.Value{int64(1)}
	values := make([][]connectors.Value, nvars)
	for i := range values {
		var v connectors.Value = fmt.Sprintf("text %d", i)
		switch {
		case i >= 16:
			v = []string{"J", "N"}[i%2]
		case i >= 12:
			v = fmt.Sprintf("%d,%d", 60+i, i%10)
		}
		values[i] = []connectors.Value{int64(i), int64(1), fmt.Sprintf("v%d", i), v, int64(2)}
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		eo := tp.ApplyEntity(entity, values)
		if eo.Entity.Kind != Migrated {
			b.Fatalf("%v %s %s", eo.Entity.Kind, eo.Entity.Reason, eo.Entity.Detail)
		}
	}
	b.StopTimer()
	b.ReportMetric(float64(b.N*nvars)/b.Elapsed().Seconds(), "valuerows/s")
}

// BenchmarkApply measures a wide-table mapping: the demo's visit mapping
// (casts, a decimal padded to scale, integer checks) per source row.
func BenchmarkApply(b *testing.B) {
	prog, ds := compile(b, visitMapping)
	if ds.Err() != nil {
		b.Fatal(ds.Err())
	}
	tp := prog.ForSource("besok")
	row := []connectors.Value{int64(1), "2024-02-29", "72.5", int64(180), "x"}
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		if o := tp.Apply(row); o.Kind != Migrated {
			b.Fatal(o.Reason)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "rows/s")
}

// BenchmarkDecimalAgainstFloatLiteral measures a table rule that compares
// a decimal column with a number written with a fraction, per row: the
// literal is a float to the parser, and each comparison with a decimal
// takes it as the decimal it reads as.
func BenchmarkDecimalAgainstFloatLiteral(b *testing.B) {
	prog, ds := compile(b, `tables:
  - target: visit
    source: besok
    rules: [{when: "weight_kg > 300.5 || weight_kg == 999.9", archive: implausible}]
    columns:
      visit_id: id
      visit_date: {from: datum, cast: date}
      weight_kg: {from: vikt, cast: "decimal(5,1)"}
      height_cm: langd
    drop: {personnr: not migrated}
`)
	if ds.Err() != nil {
		b.Fatal(ds.Err())
	}
	tp := prog.ForSource("besok")
	row := []connectors.Value{int64(1), "2024-02-29", "72.5", int64(180), "x"}
	b.ReportAllocs()
	for b.Loop() {
		if o := tp.Apply(row); o.Kind != Migrated {
			b.Fatal(o.Reason)
		}
	}
}

// BenchmarkApplyIdentity12 measures the identity mapping of the issue's
// 12-column table (bigint, int, varchar(64), text, decimal(12,2), double,
// date, datetime(6) twice, boolean, varchar(10), varbinary(16) into
// bytes) per source row: no expression, no rule, each value only fitted.
// The rows cycle through 4096 distinct ones, as a batch's would.
//
//	go test ./mappings/ -run '^$' -bench ApplyIdentity12 -benchmem -count 5
func BenchmarkApplyIdentity12(b *testing.B) {
	tp, rows := identity12(b, 4096)
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		if o := tp.Apply(rows[i%len(rows)]); o.Kind != Migrated {
			b.Fatal(o.Reason, o.Column, o.Detail)
		}
		i++
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "rows/s")
}

// identity12 compiles the identity mapping of the 12-column table and
// makes n source rows of it, as the MariaDB connector decodes them.
func identity12(t testing.TB, n int) (*TableProgram, [][]connectors.Value) {
	t.Helper()
	names := strings.Fields("id patient namn anteckning belopp poang fodd besokt registrerad aktiv kod kontroll")
	source := strings.Fields("bigint integer varchar(64) text decimal(12,2) double date datetime(6) datetime(6) boolean varchar(10) varbinary(16)")
	target := strings.Fields("bigint integer varchar(64) text decimal(12,2) double date datetime(6) datetime(6) boolean varchar(10) bytes")
	var schema, mapping strings.Builder
	schema.WriteString("platform: b\ntables:\n  - name: besok\n    primary_key: [id]\n    columns:\n")
	mapping.WriteString("tables:\n  - target: besok\n    source: besok\n    columns:\n")
	cols := make([]connectors.Column, len(names))
	for i, name := range names {
		fmt.Fprintf(&schema, "      - {name: %s, type: %q}\n", name, target[i])
		fmt.Fprintf(&mapping, "      %s: %s\n", name, name)
		cols[i] = col(name, source[i], i > 1)
	}
	dir := t.TempDir()
	s, ds := LoadSchema(writeFile(t, dir, "s.yaml", schema.String()))
	if ds.Err() != nil {
		t.Fatal(ds)
	}
	f, ds := ParseFile(writeFile(t, dir, "m.yaml", mapping.String()))
	if ds.Err() != nil {
		t.Fatal(ds)
	}
	prog, ds := Compile([]*File{f}, []connectors.Table{{Name: "besok", PrimaryKey: []string{"id"}, Columns: cols}}, s, &Env{})
	if ds.Err() != nil {
		t.Fatal(ds.Err())
	}
	rows := make([][]connectors.Value, n)
	for i := range rows {
		seq := int64(i + 1)
		sum := md5.Sum([]byte(fmt.Sprint(seq)))
		rows[i] = []connectors.Value{
			seq, 100000 + seq%5000, fmt.Sprintf("Åsa Öberg %d", seq),
			"Patienten besökte mottagningen; inga komplikationer noterades.",
			connectors.Decimal(fmt.Sprintf("%d.%02d", seq%100000, seq%100)), float64(seq) / 7,
			connectors.Date{Year: 1940 + int(seq%80), Month: time.Month(1 + seq%12), Day: 1 + int(seq%28)},
			connectors.LocalDateTime{Date: connectors.Date{Year: 2020, Month: 1, Day: 1 + int(seq%28)}, Hour: int(seq % 24), Minute: int(seq % 60), Second: int(seq % 60), Nanosecond: 123456000},
			connectors.LocalDateTime{Date: connectors.Date{Year: 2020, Month: 2, Day: 1 + int(seq%28)}, Hour: int(seq % 24), Minute: int(seq % 60), Second: int(seq % 60)},
			seq%3 == 0, fmt.Sprintf("K%05d", seq%99999), sum[:],
		}
	}
	return prog.Tables[0], rows
}
