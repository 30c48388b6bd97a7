package verify_test

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/regflytt/regflytt/verify"
)

// failedSummary is a FAIL with one of everything the report shows.
func failedSummary() *verify.Summary {
	s := &verify.Summary{Register: "demo", RegisterName: "Demo <register> & co", Plan: "plan.yaml",
		Source: "mysql://reader:xxxxx@legacy/db", Target: "postgres://w:xxxxx@recv/db", ToolVersion: "v1.2.3",
		Started: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC), PlanFingerprint: "ab12", HashAlgorithm: "regflytt-sum-1/sha256/regflytt-row-1",
		Files:     []verify.FileFingerprint{{Role: "plan", Path: "plan.yaml", SHA256: "ab12"}},
		Positions: []verify.Position{{Side: "target", Kind: "postgres_lsn", Value: "0/16B3748"}},
		Tables: []verify.TableEquation{
			{Source: "besok", Target: "visit", SourceRecords: 10, Read: 10, Migrated: 7, Archived: 2, Excluded: 1, InArchive: 2, ArchivedBy: map[string]int64{"rule_range": 2}, OK: true},
			{Source: "logg", SourceRecords: 5, Read: 5, Archived: 5, InArchive: 4, OK: false},
		},
		Contents: []*verify.ContentCheck{{Table: "visit", ExpectedRows: 7, ActualRows: 7, Buckets: 16, Differences: []verify.Difference{
			{Table: "visit", Key: []string{"42"}, Kind: "changed", Columns: []string{"height_cm"}, Expected: 1, Actual: 1}}}},
		Archive:  verify.ArchiveEquation{Dir: "archive", Expected: 7, Records: 6},
		Findings: []verify.Finding{{ID: "archived_share.besok", Kind: "archived_share", Subject: "besok", Count: 2, Of: 10, Message: "2 of 10 records of besok archived"}},
	}
	s.Fail("the archive package holds 6 records, the mappings archive 7")
	s.Finish(time.Date(2026, 1, 2, 3, 4, 6, 0, time.UTC))
	return s
}

// The HTML report is one file that needs nothing from anywhere: no
// script, style sheet, font or image fetched, no link out; names are
// escaped.
func TestHTMLSelfContained(t *testing.T) {
	var b bytes.Buffer
	if err := failedSummary().WriteHTML(&b); err != nil {
		t.Fatal(err)
	}
	html := b.String()
	// The SVG namespace is a name, not a fetch.
	rest := strings.ReplaceAll(html, `xmlns="http://www.w3.org/2000/svg"`, "")
	for _, bad := range []string{"http:", "https:", "<script", "<link", "src=", "@import", "url(", "<img", "<iframe"} {
		if strings.Contains(strings.ToLower(rest), bad) {
			t.Errorf("the report holds %q: it must not need the network", bad)
		}
	}
	for _, want := range []string{"FAIL", "<svg", "Demo &lt;register&gt; &amp; co", "height_cm", "archived_share.besok", "NOT ACKNOWLEDGED",
		"0/16B3748", "@media print", "the archive package holds 6 records"} {
		if !strings.Contains(html, want) {
			t.Errorf("the report lacks %q", want)
		}
	}
}

// Each cell of a value equation shows its count: a column with no
// declared NULL shows 0 under "NULL by a declared rule", not a blank
// that reads as "not counted".
func TestHTMLValueEquationCells(t *testing.T) {
	s := failedSummary()
	s.Columns = []verify.ColumnEquation{
		{Table: "visit", Column: "height_cm", SourceValues: 7, TargetNonNull: 7, OK: true},
		{Table: "visit", Column: "weight_kg", SourceValues: 7, TargetNonNull: 5, NulledBy: map[string]int64{"null_when": 2}, OK: true},
	}
	var b bytes.Buffer
	if err := s.WriteHTML(&b); err != nil {
		t.Fatal(err)
	}
	html := b.String()
	for _, want := range []string{
		`<td>visit.height_cm</td><td class="n">7</td><td class="n">7</td><td class="n">0</td><td class="n">0</td><td>0</td>`,
		`<td>visit.weight_kg</td><td class="n">7</td><td class="n">5</td><td class="n">0</td><td class="n">0</td><td>null_when: 2</td>`,
	} {
		if !strings.Contains(html, want) {
			t.Errorf("the report lacks %s", want)
		}
	}
}

// The source tables as read: a checked table shows both sides' rows, one
// whose types the database cannot encode says why it is not checked, and
// a mismatch fails the summary.
func TestHTMLSourceReads(t *testing.T) {
	s := failedSummary()
	s.SourceReads = []*verify.SourceReadCheck{
		{Table: "besok", RowsRead: 10, Check: &verify.ContentCheck{Table: "besok", ExpectedRows: 10, ActualRows: 10, Buckets: 16, OK: false, HashedColumns: []string{"id", "namn"}}},
		{Table: "karta", RowsRead: 3, NotChecked: "the source database computes no checksum of this table's column types (geometry)", OK: true},
	}
	var b bytes.Buffer
	if err := s.WriteHTML(&b); err != nil {
		t.Fatal(err)
	}
	html := b.String()
	for _, want := range []string{
		`<td>besok</td><td class="n">10</td><td class="n">10</td><td class="n">16</td>`,
		`<td>id, namn</td><td class="fail">MISMATCH</td>`,
		`<td>karta</td><td class="n">3</td><td colspan="5">not checked: the source database computes no checksum of this table&#39;s column types (geometry)</td><td class="pass">not checked</td>`,
	} {
		if !strings.Contains(html, want) {
			t.Errorf("the report lacks %s", want)
		}
	}
	// Everything else balanced: the source read alone decides.
	s.Problems, s.Tables, s.Contents, s.Findings = nil, s.Tables[:1], nil, nil
	s.Archive.OK = true
	s.Finish(time.Now())
	if s.Pass {
		t.Errorf("a source table read differently passes")
	}
	s.SourceReads[0].OK = true
	s.Finish(time.Now())
	if !s.Pass {
		t.Errorf("fails with every source table read as the database holds it: %v", s.Failures())
	}
}

// The JSON and the HTML come from one value: what one says, the other does.
func TestJSONAndHTMLAgree(t *testing.T) {
	s := failedSummary()
	var j, h bytes.Buffer
	if err := s.WriteJSON(&j); err != nil {
		t.Fatal(err)
	}
	if err := s.WriteHTML(&h); err != nil {
		t.Fatal(err)
	}
	for _, v := range []string{`"pass": false`, `"schema_version": "regflytt-verify-report/1"`, `"kind": "changed"`} {
		if !strings.Contains(j.String(), v) {
			t.Errorf("JSON lacks %s", v)
		}
	}
	if s.Pass || !strings.Contains(h.String(), s.Verdict) {
		t.Errorf("HTML lacks the verdict %q", s.Verdict)
	}
}

// chromium finds a headless Chromium, or skips saying how to get one.
func chromium(t *testing.T) string {
	for _, name := range []string{"/usr/bin/chromium", "/usr/bin/chromium-browser"} {
		if _, err := os.Stat(name); err == nil {
			return name
		}
	}
	t.Skip("no Chromium at /usr/bin/chromium: skipping the test that opens the HTML report in a browser (apt-get install chromium; .ci/run installs it)")
	return ""
}

// The report opens in a real browser, with the network cut off, and its
// DOM holds the verdict, the equations and the chart; it prints to PDF.
func TestHTMLInHeadlessChromium(t *testing.T) {
	bin := chromium(t)
	dir := t.TempDir()
	if err := failedSummary().WriteFiles(dir); err != nil {
		t.Fatal(err)
	}
	page := "file://" + filepath.Join(dir, verify.HTMLFile)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	common := []string{"--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--user-data-dir=" + filepath.Join(dir, "profile"),
		"--proxy-server=127.0.0.1:9", "--host-resolver-rules=MAP * ~NOTFOUND"}
	out, err := exec.CommandContext(ctx, bin, append(common, "--dump-dom", page)...).Output()
	if err != nil {
		t.Fatalf("chromium --dump-dom: %v", err)
	}
	dom := string(out)
	for _, want := range []string{`id="verdict"`, "FAIL", "<svg", "besok", "height_cm"} {
		if !strings.Contains(dom, want) {
			t.Errorf("the DOM Chromium built lacks %q", want)
		}
	}
	if n := len(regexp.MustCompile(`<rect`).FindAllString(dom, -1)); n < 6 {
		t.Errorf("the chart has %d bars and keys, want at least 6", n)
	}
	pdf := filepath.Join(dir, "report.pdf")
	if err := exec.CommandContext(ctx, bin, append(common, "--print-to-pdf="+pdf, page)...).Run(); err != nil {
		t.Fatalf("chromium --print-to-pdf: %v", err)
	}
	if st, err := os.Stat(pdf); err != nil || st.Size() < 1000 {
		t.Fatalf("printing the report gave no PDF: %v", err)
	}
}
