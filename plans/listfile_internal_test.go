package plans

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/regflytt/regflytt/mappings"
)

// A list exported from Windows begins with a byte-order mark and ends
// its lines with CRLF; the mark was read as part of the first entry (or
// of a first comment line), which stopped the run as a malformed entry.
// The mark is dropped; an entry that is no number still stops the run,
// named by its line.
func TestListFileReadsWindowsExports(t *testing.T) {
	ref := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	dir := t.TempDir()
	for _, text := range []string{
		"\ufeff19121212-1212\r\n194601010301\r\n",
		"\ufeff# opted out\r\n19121212-1212\r\n\r\n194601010301\r\n19121212-1212\r\n",
	} {
		path := filepath.Join(dir, "optout.txt")
		if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
		list := mappings.NewPersonList(mappings.ReasonOptOut, "opt-out list")
		if err := loadListFile(path, "optout.txt", ref, list); err != nil {
			t.Fatalf("%q: %v", text, err)
		}
		if list.Len() < 2 {
			t.Fatalf("%q: %d entries", text, list.Len())
		}
	}
	path := filepath.Join(dir, "bad.txt")
	if err := os.WriteFile(path, []byte("\ufeff19121212-1212\r\npersonnr\r\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	err := loadListFile(path, "bad.txt", ref, mappings.NewPersonList(mappings.ReasonOptOut, "opt-out list"))
	if err == nil || !strings.Contains(err.Error(), "file bad.txt line 2") {
		t.Fatalf("a header line: got %v, want the run stopped at line 2", err)
	}
}
