package archive

import (
	"path/filepath"
	"testing"

	"github.com/regflytt/regflytt/connectors"
)

// A reporting unit named in Latin-1 ('Malmö', 'Malmä': 4D 61 6C 6D F6,
// E4) was written with U+FFFD for the bad byte: both units read
// 'Malm\uFFFD' in the outcome table, and the package no longer said
// which unit reported each record. The unit is held as its bytes.
func TestCareUnitThatIsNotUTF8IsHeldAsItsBytes(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "pkg")
	w, err := Create(dir, testMeta())
	if err != nil {
		t.Fatal(err)
	}
	units := []string{"Malm\xf6", "Malm\xe4", "Malmö"}
	for i, u := range units {
		if err := w.Add(besok, Record{Key: []connectors.Value{int64(i)}, Reason: "r", CareUnit: u, Values: []connectors.Value{int64(i), nil, nil}}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := w.Close(created); err != nil {
		t.Fatal(err)
	}
	if probs := Verify(dir); len(probs) > 0 {
		t.Fatalf("Verify: %v", probs)
	}
	p, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{`\x4d616c6df6`, `\x4d616c6de4`, "Malmö"}
	for i, rec := range readAll(t, p, "besok") {
		if rec.Outcome.CareUnit != want[i] {
			t.Errorf("unit %q is held as %q, want %q", units[i], rec.Outcome.CareUnit, want[i])
		}
	}
}
