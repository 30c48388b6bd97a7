package plans

import (
	"runtime"
	"strings"
	"testing"

	"github.com/regflytt/regflytt/connectors"
	"github.com/regflytt/regflytt/mappings"
)

var visitTable = &connectors.Table{Name: "visit", PrimaryKey: []string{"visit_id"}, Columns: []connectors.Column{
	{Name: "visit_id", Type: connectors.Type{Kind: connectors.KindInt, Bits: 64}},
	{Name: "note", Type: connectors.Type{Kind: connectors.KindText}, Nullable: true},
}}

func TestReceivingKeysClaim(t *testing.T) {
	k := newReceivingKeys()
	migrated := func(id connectors.Value) mappings.Outcome {
		return mappings.Outcome{Kind: mappings.Migrated, Row: []connectors.Value{id, "x"}}
	}
	claim := func(o mappings.Outcome, source string, key ...connectors.Value) mappings.Outcome {
		t.Helper()
		got, err := k.claim(visitTable, o, source, key)
		if err != nil {
			t.Fatal(err)
		}
		return got
	}
	if o := claim(migrated(int64(7)), "besok", int64(1)); o.Kind != mappings.Migrated {
		t.Fatalf("first record: %v %s", o.Kind, o.Reason)
	}
	// The same key as text is another key (the receiving column's type
	// decides; a mapping gives one kind per column).
	if o := claim(migrated("7"), "besok", int64(2)); o.Kind != mappings.Migrated {
		t.Fatalf("another kind of key: %v %s", o.Kind, o.Reason)
	}
	o := claim(migrated(int64(7)), "besok_gammal", "A-3", nil)
	if o.Kind != mappings.Archived || o.Reason != ReasonDuplicateKey || o.Column != "visit_id" ||
		o.Detail != "receiving table visit already has a row with this primary key, from source record of besok with key (1)" {
		t.Fatalf("duplicate: %+v", o)
	}
	o = claim(migrated("7"), "besok", int64(3))
	if !strings.HasSuffix(o.Detail, "besok with key (2)") {
		t.Fatalf("duplicate of the second: %+v", o)
	}
	// What is not migrated claims nothing.
	if o := claim(mappings.Outcome{Kind: mappings.Archived, Reason: "zero_date"}, "besok", int64(4)); o.Reason != "zero_date" {
		t.Fatalf("archived record changed: %+v", o)
	}
	noKey := &connectors.Table{Name: "log", Columns: visitTable.Columns}
	for i := 0; i < 2; i++ {
		if o, _ := k.claim(noKey, migrated(int64(7)), "besok", []connectors.Value{int64(i)}); o.Kind != mappings.Migrated {
			t.Fatalf("a table without a primary key has duplicates: %+v", o)
		}
	}
}

// BenchmarkReceivingKeys claims b.N distinct integer keys with integer
// source keys, the common case, and reports the memory each costs
// (receivingKeys' doc comment quotes it).
func BenchmarkReceivingKeys(b *testing.B) {
	k := newReceivingKeys()
	row := []connectors.Value{int64(0), "x"}
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		row[0] = int64(i)
		o, err := k.claim(visitTable, mappings.Outcome{Kind: mappings.Migrated, Row: row}, "besok", []connectors.Value{int64(1_000_000 + i)})
		if err != nil || o.Kind != mappings.Migrated {
			b.Fatal(o, err)
		}
	}
	b.StopTimer()
	runtime.GC()
	runtime.ReadMemStats(&after)
	b.ReportMetric(float64(after.HeapAlloc-before.HeapAlloc)/float64(b.N), "heap-bytes/key")
	runtime.KeepAlive(k)
}
