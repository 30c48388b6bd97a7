package verify_test

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/regflytt/regflytt/verify"
)

// A verification that failed only on who may see what (an account
// widened) said "not every source record is accounted for" on the
// terminal, or named nothing, although every record was: an auditor reads
// the verdict line first. Each report, text, HTML and JSON, says what
// failed: the records, access, or both.
func TestVerdictSaysRecordsOrAccess(t *testing.T) {
	access := &verify.AccessCheck{OK: false, Widened: []string{"2"}, Problems: []string{"account 2: access widened: read on unit 2, which it did not have before"}}
	for _, c := range []struct {
		name            string
		records, access bool
		want, never     []string
	}{
		{"access only", false, true, []string{"every source record is accounted for", "access"}, []string{"not every source record"}},
		{"records only", true, false, []string{"not every source record is accounted for"}, []string{"access"}},
		{"both", true, true, []string{"not every source record is accounted for", "access"}, nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			check := func(where, verdict string) {
				t.Helper()
				for _, w := range c.want {
					if !strings.Contains(verdict, w) {
						t.Errorf("%s verdict %q lacks %q", where, verdict, w)
					}
				}
				for _, n := range c.never {
					if strings.Contains(verdict, n) {
						t.Errorf("%s verdict %q says %q", where, verdict, n)
					}
				}
			}

			// The run's report: its text summary and report.json.
			r := &verify.Report{Tables: []verify.TableCheck{{TableLedger: verify.TableLedger{Source: "besok"}, SourceRows: 3, OK: !c.records}}, Pass: true}
			if c.records {
				r.Pass = false
				r.Problems = append(r.Problems, "source table besok: 3 rows, but 2 read")
			}
			if c.access {
				r.AddAccess(*access)
			}
			var b bytes.Buffer
			if err := r.WriteText(&b); err != nil {
				t.Fatal(err)
			}
			lines := strings.Split(strings.TrimSpace(b.String()), "\n")
			text := lines[len(lines)-1]
			check("run text", text)
			path := filepath.Join(t.TempDir(), "report.json")
			if err := r.WriteJSON(path); err != nil {
				t.Fatal(err)
			}
			var j struct {
				Verdict string `json:"verdict"`
			}
			raw, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			if err := json.Unmarshal(raw, &j); err != nil {
				t.Fatal(err)
			}
			if j.Verdict != text {
				t.Errorf("report.json verdict %q, the text's %q", j.Verdict, text)
			}

			// verify's summary: text, HTML and JSON from one verdict.
			s := &verify.Summary{Register: "demo", Tables: []verify.TableEquation{{Source: "besok", SourceRecords: 3, Read: 3, Migrated: 3, OK: !c.records}},
				Archive: verify.ArchiveEquation{OK: true, Manifest: true}}
			if c.access {
				a := *access
				s.Access = &a
			} else {
				s.Access = &verify.AccessCheck{OK: true}
			}
			s.Finish(time.Now())
			if s.Pass {
				t.Fatal("the summary passes")
			}
			check("verify summary", s.Verdict)
			var h, st bytes.Buffer
			if err := s.WriteHTML(&h); err != nil {
				t.Fatal(err)
			}
			if err := s.WriteText(&st); err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(h.String(), strings.ReplaceAll(s.Verdict, "'", "&#39;")) || !strings.HasSuffix(st.String(), s.Verdict+"\n") {
				t.Errorf("HTML or text lacks the verdict %q", s.Verdict)
			}
		})
	}
}
