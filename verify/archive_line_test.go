package verify_test

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/regflytt/regflytt/verify"
)

// A package whose records differ from what the mappings archive (a value
// edited, the manifests written again) holds as many records as expected
// and its manifest checks: the archive's line read "7 records expected, 7
// held, manifest ok" in the text and the HTML, which an auditor reads as
// an archive that passed. It says the content's verdict too. The report
// also says which run it held the target and package to, and the day
// grants and dates were judged on.
func TestReportsSayTheArchiveContentsVerdictAndTheRun(t *testing.T) {
	s := &verify.Summary{Register: "demo", Plan: "plan.yaml", Started: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC),
		ReferenceDay: "2026-01-01 (the plan's reference date)",
		Run:          "started 2026-01-01T10:00:00Z (package.json run 20260101T100000Z), last checkpoint 2026-01-01T10:05:00Z, finished",
		Archive:      verify.ArchiveEquation{Dir: "archive", Expected: 7, Records: 7, Manifest: true, OK: false}}
	s.Finish(time.Date(2026, 1, 2, 3, 4, 6, 0, time.UTC))
	var text bytes.Buffer
	if err := s.WriteText(&text); err != nil {
		t.Fatal(err)
	}
	var html bytes.Buffer
	if err := s.WriteHTML(&html); err != nil {
		t.Fatal(err)
	}
	for name, out := range map[string]string{"text": text.String(), "html": html.String()} {
		line := ""
		for _, l := range strings.Split(out, "\n") {
			if strings.Contains(l, "7 records expected, 7 held") {
				line = l
			}
		}
		if !strings.Contains(line, "content MISMATCH") {
			t.Errorf("%s: the archive's line does not say its content differs: %q", name, line)
		}
		if !strings.Contains(out, "started 2026-01-01T10:00:00Z") || !strings.Contains(out, "reference day") && strings.Contains(out, "2026-01-01 (the plan") {
			t.Errorf("%s names neither the run verified nor the reference day:\n%s", name, out)
		}
	}
}
