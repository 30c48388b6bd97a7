package plans

import (
	"fmt"
	"math"
	"os"
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
// source keys, the common case, and reports the memory each costs in
// memory (receivingKeys' doc comment quotes it).
func BenchmarkReceivingKeys(b *testing.B) {
	k := newReceivingKeys()
	k.budget = math.MaxInt // what memory costs, never spilled
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

// With a budget of a few keys the set spills to many runs; a duplicate
// of a key in memory, in the first run or in the last is still found, and
// the record it duplicates named; keys never given still migrate, also
// those the Bloom filter of the spilled keys says yes to; Close removes
// the runs.
func TestReceivingKeysSpill(t *testing.T) {
	k := newReceivingKeys()
	k.budget = 3
	migrated := func(id int64) mappings.Outcome {
		return mappings.Outcome{Kind: mappings.Migrated, Row: []connectors.Value{id, "x"}}
	}
	claim := func(id int64, source string, key int64) mappings.Outcome {
		t.Helper()
		o, err := k.claim(visitTable, migrated(id), source, []connectors.Value{key})
		if err != nil {
			t.Fatal(err)
		}
		return o
	}
	other := &connectors.Table{Name: "other", PrimaryKey: visitTable.PrimaryKey, Columns: visitTable.Columns}
	const n = 200
	for i := int64(1); i <= n; i++ {
		if o := claim(i, "besok", 1000+i); o.Kind != mappings.Migrated {
			t.Fatalf("key %d given once: %v %s", i, o.Kind, o.Detail)
		}
		// Another table shares the budget: its keys spill too.
		if o, err := k.claim(other, migrated(i), "annat", []connectors.Value{i}); err != nil || o.Kind != mappings.Migrated {
			t.Fatalf("other table, key %d: %+v, %v", i, o, err)
		}
	}
	s := k.tables["visit"]
	if len(s.runs) < 10 || len(k.tables["other"].runs) < 10 || k.inMemory > k.budget {
		t.Fatalf("%d and %d runs, %d keys in memory: the budget of %d did not spill", len(s.runs), len(k.tables["other"].runs), k.inMemory, k.budget)
	}
	dir := k.dir
	for i := int64(n); i >= 1; i-- {
		o := claim(i, "besok_gammal", 5000+i)
		want := fmt.Sprintf("receiving table visit already has a row with this primary key, from source record of besok with key (%d)", 1000+i)
		if o.Kind != mappings.Archived || o.Reason != ReasonDuplicateKey || o.Detail != want {
			t.Fatalf("duplicate of key %d: %+v", i, o)
		}
	}
	// Keys never given that the filter of the spilled keys says yes to
	// (about one in a hundred): the runs say no.
	falseYes := 0
	for i := int64(n + 1); i <= n+100_000 && falseYes < 5; i++ {
		h, err := keyHash([]connectors.Value{i})
		if err != nil {
			t.Fatal(err)
		}
		if !s.filter.has(h) {
			continue
		}
		falseYes++
		if o := claim(i, "besok", 1000+i); o.Kind != mappings.Migrated {
			t.Fatalf("key %d never given: %v %s", i, o.Kind, o.Detail)
		}
	}
	if falseYes < 5 {
		t.Fatalf("%d false yeses of the filter: the test does not reach the runs for keys they do not have", falseYes)
	}
	if err := k.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Fatalf("the spilled runs are left in %s: %v", dir, err)
	}
}

// BenchmarkReceivingKeysSpill claims b.N distinct keys of a table whose
// receiving key is not known to be injective, with the default budget,
// and reports the largest live heap seen (after a collection every
// 250,000 keys): flat once the budget is reached, whatever b.N.
//
//	go test ./plans/ -run '^$' -bench ReceivingKeysSpill -benchtime 1000000x
//	go test ./plans/ -run '^$' -bench ReceivingKeysSpill -benchtime 3000000x
func BenchmarkReceivingKeysSpill(b *testing.B) {
	k := newReceivingKeys()
	defer k.Close()
	row := []connectors.Value{int64(0), "x"}
	var ms runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&ms)
	base, peak := ms.HeapAlloc, uint64(0)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		// Receiving keys in no order, as a computed key gives them.
		row[0] = int64(i) * 7919 % (1 << 40)
		o, err := k.claim(visitTable, mappings.Outcome{Kind: mappings.Migrated, Row: row}, "besok", []connectors.Value{int64(1_000_000 + i)})
		if err != nil || o.Kind != mappings.Migrated {
			b.Fatal(o, err)
		}
		if i%250_000 == 249_999 {
			b.StopTimer()
			runtime.GC()
			runtime.ReadMemStats(&ms)
			peak = max(peak, ms.HeapAlloc-base)
			b.StartTimer()
		}
	}
	b.StopTimer()
	b.ReportMetric(float64(peak)/(1<<20), "peak-live-MB")
	b.ReportMetric(float64(len(k.tables["visit"].runs)), "runs")
}
