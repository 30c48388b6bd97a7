package archive

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/regflytt/regflytt/connectors"
)

// An instant outside the years 1-9999 in UTC (PostgreSQL's timestamptz
// holds 4713 BC to 294276 AD, and 9999-12-31 23:00 at -05:00 is already
// in the year 10000) is archived raw and reads back as the same instant;
// its raw text did not parse, so the run's package failed its own end
// check and the value was never read back.
func TestTimestampsBeyondTheCalendarReadBack(t *testing.T) {
	instants := []time.Time{
		time.Date(10000, 1, 1, 4, 0, 0, 0, time.UTC),
		time.Date(9999, 12, 31, 23, 0, 0, 5, time.FixedZone("-05:00", -5*3600)),
		time.Date(294276, 12, 31, 23, 59, 59, 999999000, time.UTC),
		time.Date(0, 2, 29, 12, 0, 0, 0, time.UTC),
		time.Date(-4712, 1, 1, 0, 0, 0, 0, time.UTC),
		time.Date(-5, 6, 1, 12, 30, 0, 123, time.UTC),
	}
	ts := connectors.Type{Kind: connectors.KindTimestamp, Precision: 6}
	tbl := &connectors.Table{Name: "t", Columns: []connectors.Column{{Name: "id", Type: connectors.Type{Kind: connectors.KindInt, Bits: 64}}, {Name: "at", Type: ts, Nullable: true}}}
	dir := filepath.Join(t.TempDir(), "pkg")
	w, err := Create(dir, testMeta())
	if err != nil {
		t.Fatal(err)
	}
	for i, at := range instants {
		key := []connectors.Value{int64(i)}
		if err := w.Add(tbl, Record{Key: key, Reason: "edge", Values: []connectors.Value{int64(i), at}}); err != nil {
			t.Fatal(err)
		}
		if err := w.AddValue(tbl, Value{Key: key, SourceColumn: "at", Reason: "edge", Value: at}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := w.Close(created); err != nil {
		t.Fatal(err)
	}
	if probs := Verify(dir); len(probs) > 0 {
		t.Fatalf("Verify: %v", probs)
	}
	validateIfPossible(t, dir)
	p, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	got := readAll(t, p, "t")
	vals, err := p.Values("t")
	if err != nil || len(got) != len(instants) || len(vals) != len(instants) {
		t.Fatalf("%d records, %d values, %v", len(got), len(vals), err)
	}
	for i, at := range instants {
		if !sameValue(got[i].Values[1], at) {
			t.Errorf("record %d: %v, want %v", i, got[i].Values[1], at)
		}
		if !sameValue(vals[i].Value.Value, at) {
			t.Errorf("value %d: %v, want %v", i, vals[i].Value.Value, at)
		}
	}
	// A raw text that is not exactly what the writer writes is refused.
	for _, bad := range []string{"+10000-1-01T04:00:00.000000000Z", "+10000-01-01T04:00:00Z ", "10000-01-01T04:00:00.000000000Z", "+10000-02-30T00:00:00.000000000Z"} {
		if v, err := decodeRaw("timestamp", []byte(bad)); err == nil {
			t.Errorf("raw timestamp %q read as %v", bad, v)
		}
	}
}
