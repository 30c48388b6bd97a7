package portfolio

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/regflytt/regflytt/verify"
)

// A report edited after regflytt wrote it to say PASS, while what it
// lists fails (a problem, an exception, a table whose counts do not add
// up), is no PASS: the follow-up and the review take the verdict from
// what the report holds, not from its pass field alone. A careless
// operator who flips "pass" in verify-report.json or report.json, or
// who edits a count, must not turn a failed migration into a verified
// one on the national follow-up.
func TestStatusRefusesAPassItsReportContradicts(t *testing.T) {
	plansDir, reportsDir, ps := loadedFixture(t)
	sum := fixtureHash(t, plansDir, "a-archived")
	work := filepath.Join(reportsDir, "a-archived")
	runStart := time.Date(2027, 9, 2, 8, 0, 0, 0, time.UTC)
	const prod = "postgres://db.example/prod"
	writeRun := func(rep verify.Report) {
		rep.Version, rep.Register, rep.Started, rep.Finished = 1, "a-archived", runStart, runStart.Add(time.Hour)
		rep.Target, rep.PlanHash = prod, sum
		mustWriteJSON(t, filepath.Join(work, "report.json"), rep)
	}
	writeVerify := func(s *verify.Summary) {
		os.Remove(filepath.Join(work, verify.JSONFile))
		if s == nil {
			return
		}
		s.Register, s.Started, s.Target, s.PlanHash = "a-archived", runStart.Add(24*time.Hour), prod, sum
		s.Verdict = "PASS: every source record is accounted for, and the target and archive hold exactly what the mappings give"
		mustWriteJSON(t, filepath.Join(work, verify.JSONFile), s)
	}
	state := func() PlanStatus {
		t.Helper()
		st, err := followUp(strategy(t), ps, reportsDir, fixtureDay)
		if err != nil {
			t.Fatal(err)
		}
		return st.Plans[0]
	}
	review := func() string {
		t.Helper()
		reps, err := LoadReports(work)
		if err != nil {
			t.Fatal(err)
		}
		return reviewMarkdown(t, ps[0], nil, sum, reps)
	}
	balanced := verify.TableEquation{Source: "besok", Target: "visit", SourceRecords: 10, Read: 10, Migrated: 9, Archived: 1, InArchive: 1, OK: true}
	archiveOK := verify.ArchiveEquation{Dir: "archive", Expected: 1, Records: 1, Manifest: true, OK: true}

	// What regflytt writes for a migration that passes is a PASS.
	writeRun(verify.Report{Pass: true, Tables: []verify.TableCheck{{TableLedger: verify.TableLedger{Source: "besok", Read: 10, Migrated: 9, Archived: 1}, SourceRows: 10, OK: true}}})
	writeVerify(&verify.Summary{Pass: true, Tables: []verify.TableEquation{balanced}, Archive: archiveOK})
	if s := state(); s.Verification != "PASS" {
		t.Fatalf("an honest PASS is not one: %s %v", s.Verification, s.Problems)
	}

	edited := []struct {
		name string
		run  verify.Report
		ver  *verify.Summary
	}{
		{name: "verify: pass flipped, its problem kept", run: verify.Report{Pass: true},
			ver: &verify.Summary{Pass: true, Tables: []verify.TableEquation{balanced}, Archive: archiveOK,
				Problems: []string{"source table besok: the mappings archive 1 records, the archive package holds 0"}}},
		{name: "verify: pass flipped, a missing record kept", run: verify.Report{Pass: true},
			ver: &verify.Summary{Pass: true, Tables: []verify.TableEquation{balanced}, Archive: archiveOK,
				Exceptions: []verify.Difference{{Table: "visit", Key: []string{"3"}, Kind: "missing", Expected: 1}}}},
		{name: "verify: a table's migrated count raised, ok left", run: verify.Report{Pass: true},
			ver: &verify.Summary{Pass: true, Archive: archiveOK,
				Tables: []verify.TableEquation{{Source: "besok", Target: "visit", SourceRecords: 10, Read: 10, Migrated: 8, Archived: 1, InArchive: 1, OK: true}}}},
		{name: "verify: a column's target count raised, ok left", run: verify.Report{Pass: true},
			ver: &verify.Summary{Pass: true, Tables: []verify.TableEquation{balanced}, Archive: archiveOK,
				Columns: []verify.ColumnEquation{{Table: "visit", Column: "height_cm", SourceValues: 9, TargetNonNull: 8, OK: true}}}},
		{name: "run: pass flipped, its problem kept", ver: nil,
			run: verify.Report{Pass: true, Problems: []string{"target table visit holds 8 rows, the run wrote 9"}}},
		{name: "run: a table's migrated count raised, ok left", ver: nil,
			run: verify.Report{Pass: true, Tables: []verify.TableCheck{{TableLedger: verify.TableLedger{Source: "besok", Read: 10, Migrated: 8, Archived: 1}, SourceRows: 10, OK: true}}}},
	}
	for _, c := range edited {
		t.Run(c.name, func(t *testing.T) {
			writeRun(c.run)
			writeVerify(c.ver)
			s := state()
			if s.Verification == "PASS" || s.State == "verified" || s.State == "archived" || s.State == "decommissioned" {
				t.Errorf("a report whose content fails shows %s (%s): %v", s.Verification, s.State, s.Problems)
			}
			if !strings.Contains(strings.Join(s.Problems, ";"), "edited") {
				t.Errorf("no problem says the report contradicts itself: %v", s.Problems)
			}
			if md := review(); strings.Contains(md, "Verification: PASS") {
				t.Errorf("the review shows an edited report as a PASS")
			}
		})
	}
}
