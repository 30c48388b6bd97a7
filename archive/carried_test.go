package archive

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// carriedLogs reads, beside a sealed package, only a log whose package
// is gone and whose first entry its own log holds (carried there by an
// erasure); another package's log, one whose package is there, and a
// file no log is (one line of megabytes) are left out, not errors.
func TestCarriedLogsAreThoseItsOwnBeginsWith(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "new.tar.age")
	first := `{"event":"decrypted","at":"2026-01-01T00:00:00Z","who":"clerk","purpose":"case one","count":{"records":2}}` + "\n"
	later := `{"event":"extracted","at":"2026-01-02T00:00:00Z","who":"clerk","purpose":"case two","table":"patient","count":{"records":1}}` + "\n"
	other := `{"event":"decrypted","at":"2026-01-03T00:00:00Z","who":"clerk","purpose":"other","count":{"records":9}}` + "\n"
	for name, body := range map[string]string{
		"new.tar.age":                  "sealed",
		"new.tar.age.access.jsonl":     first,
		"old.tar.age.access.jsonl":     first + later,
		"another.tar.age.access.jsonl": other + first,
		"present.tar.age":              "sealed",
		"present.tar.age.access.jsonl": first,
		"huge.access.jsonl":            strings.Repeat("x", 2<<20) + "\n",
		"empty.tar.age.access.jsonl":   "",
		"notjson.tar.age.access.jsonl": "hello\n",
	} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	own, err := ReadAccessLog(file)
	if err != nil {
		t.Fatal(err)
	}
	got, err := carriedLogs(file, own, nil)
	if err != nil {
		t.Fatal(err)
	}
	if want := filepath.Join(dir, "old.tar.age.access.jsonl"); len(got) != 1 || got[0] != want {
		t.Fatalf("carriedLogs = %v, want [%s]", got, want)
	}
	entries, _, err := SealedLoggedAccesses(file)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 2 || entries[0].Purpose != "case one" || entries[1].Purpose != "case two" {
		t.Errorf("SealedLoggedAccesses = %+v, want case one once and case two", entries)
	}
}
