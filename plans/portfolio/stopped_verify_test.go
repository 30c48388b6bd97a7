package portfolio

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/regflytt/regflytt/mappings"
	"github.com/regflytt/regflytt/plans"
	"github.com/regflytt/regflytt/verify"
)

// A run that stopped after it wrote the target (interrupted as it sealed
// the archive, or unable to write its unit reports) can be verified, and
// regflytt verify may PASS what is there. The run is still not finished:
// its archive is not sealed, its unit reports not written. The follow-up
// and the review showed it verified: PASS in the status's verify column,
// and "Verification: PASS: every source record is accounted for." in the
// review, which said nothing of the stop.
func TestStoppedRunIsNotShownPassedByALaterVerify(t *testing.T) {
	plansDir, reportsDir, ps := loadedFixture(t)
	sum := fixtureHash(t, plansDir, "a-archived")
	start := time.Date(2027, 9, 2, 8, 0, 0, 0, time.UTC)
	const db = "postgres://db.example/prod"
	for _, stop := range []struct{ status, unfinished string }{
		{"interrupted", ""},
		{"", "seal the archive package: no space left on device"},
	} {
		run := struct {
			verify.Report
			Status string `json:"status,omitempty"`
		}{verify.Report{Version: 1, Register: "a-archived", Started: start, PlanHash: sum, Source: db, Target: db, Pass: true,
			Unfinished: stop.unfinished}, stop.status}
		b, _ := json.Marshal(run)
		mustWrite(t, filepath.Join(reportsDir, "a-archived", "report.json"), string(b))
		mustWriteJSON(t, filepath.Join(reportsDir, "a-archived", verify.JSONFile), &verify.Summary{Register: "a-archived",
			Started: start.Add(2 * time.Hour), PlanHash: sum, Source: db, Target: db, Pass: true})
		st, err := followUp(strategy(t), ps, reportsDir, fixtureDay)
		if err != nil {
			t.Fatal(err)
		}
		if a := st.Plans[0]; a.Verification == "PASS" || a.State == "verified" || a.State == "migrated" {
			t.Errorf("a run stopped (%s%s) and verified after: %s %s %v", stop.status, stop.unfinished, a.State, a.Verification, a.Problems)
		}
		reps, err := LoadReports(filepath.Join(reportsDir, "a-archived"))
		if err != nil {
			t.Fatal(err)
		}
		reps.planHash = sum
		var md bytes.Buffer
		if err := mappings.WriteMarkdown(&md, outcomeBlocks(reps, func(_, e string) string { return e })); err != nil {
			t.Fatal(err)
		}
		if s := md.String(); strings.Contains(s, "Verification: PASS") || !strings.Contains(s, "stopped before it finished") {
			t.Errorf("the review of a run stopped (%s%s) and verified after reads:\n%s", stop.status, stop.unfinished, s)
		}
	}
}

// A plan that seals its archive package (archive.encrypt_to) leaves
// archive.tar.age and no folder: the follow-up said the package "fails
// verification: bagit.txt: missing-file", as of a broken package. It says
// the package is sealed and how to check it; it still does not count it
// archived, since its owner and run are inside.
func TestStatusNamesASealedArchive(t *testing.T) {
	_, reportsDir, ps := loadedFixture(t)
	dir := filepath.Join(reportsDir, "a-archived", "archive")
	if err := os.RemoveAll(dir); err != nil {
		t.Fatal(err)
	}
	mustWrite(t, dir+plans.SealedSuffix, "age-encryption.org/v1\n")
	st, err := followUp(strategy(t), ps, reportsDir, fixtureDay)
	if err != nil {
		t.Fatal(err)
	}
	a := st.Plans[0]
	if why := strings.Join(a.Problems, ";"); a.State != "verified" || !strings.Contains(why, "the archive package is sealed (archive.tar.age)") || strings.Contains(why, "missing-file") {
		t.Errorf("a sealed archive package: %s %v", a.State, a.Problems)
	}
}

// A stopped run's status (report.json's, an error's text) is quoted in a
// problem line: one holding a line break wrote a row of its own into the
// status's text table, such as a registry decommissioned with PASS.
func TestStatusTextKeepsAProblemOneLine(t *testing.T) {
	plansDir, reportsDir, ps := loadedFixture(t)
	sum := fixtureHash(t, plansDir, "a-archived")
	forged := "x-forged                     x.yaml           pharos → stratum       decommissioned  PASS   Västra Götalandsregionen"
	b, _ := json.Marshal(struct {
		verify.Report
		Status string `json:"status"`
	}{verify.Report{Version: 1, Register: "a-archived", Started: time.Date(2027, 9, 2, 8, 0, 0, 0, time.UTC), PlanHash: sum}, "failed: disk\n" + forged})
	mustWrite(t, filepath.Join(reportsDir, "a-archived", "report.json"), string(b))
	st, err := followUp(strategy(t), ps, reportsDir, fixtureDay)
	if err != nil {
		t.Fatal(err)
	}
	var text bytes.Buffer
	if err := st.WriteText(&text); err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(text.String(), "\n") {
		if strings.HasPrefix(line, "x-forged") {
			t.Errorf("a report's status wrote a row of its own:\n%s", text.String())
		}
	}
}
