package plans

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/regflytt/regflytt/mappings"
)

// An entry of a list file that is no identity number nor a reserve number
// (a number whose check digit fails) stopped the run with the list and file named twice:
// "opt-out list, file optout.txt: opt-out list, file optout.txt line 3:
// …". Named once, with the line.
func TestListFileEntryErrorNamesTheFileOnce(t *testing.T) {
	path := filepath.Join(t.TempDir(), "optout.txt")
	if err := os.WriteFile(path, []byte("191212121212\n19121212-1213\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	list := mappings.NewPersonList(mappings.ReasonOptOut, "opt-out list")
	err := loadListFile(path, "optout.txt", time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), list)
	if err == nil {
		t.Fatal("a number whose check digit fails was read as an identity number")
	}
	msg := err.Error()
	if strings.Count(msg, "optout.txt") != 1 || strings.Count(msg, "opt-out list") != 1 || !strings.Contains(msg, "optout.txt line 2") || strings.Contains(msg, "1213") {
		t.Fatalf("the error names the list and file other than once with the line, or shows the entry: %s", msg)
	}
}
