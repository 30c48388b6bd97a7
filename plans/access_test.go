package plans_test

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/regflytt/regflytt/connectors"
	"github.com/regflytt/regflytt/connectors/all"
	"github.com/regflytt/regflytt/plans"
	"github.com/regflytt/regflytt/plans/synth"
	"github.com/regflytt/regflytt/verify"
	"gopkg.in/yaml.v3"
)

// readRows reads a whole table of any database regflytt reads, by column
// name.
func readRows(t *testing.T, url, table string) []map[string]connectors.Value {
	t.Helper()
	src, err := all.OpenSource(context.Background(), url)
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	snap, err := src.Snapshot(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer snap.Close()
	tables, err := snap.Tables(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var out []map[string]connectors.Value
	for i := range tables {
		if tables[i].Name != table {
			continue
		}
		rows, err := snap.Scan(context.Background(), &tables[i], connectors.ScanOptions{})
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			m := map[string]connectors.Value{}
			for j, c := range tables[i].Columns {
				m[c.Name] = rows.Row()[j]
			}
			out = append(out, m)
		}
		if err := rows.Err(); err != nil {
			t.Fatal(err)
		}
		rows.Close()
	}
	return out
}

// The demo's users and grants are carried without widening anyone's
// access: expired appointments and scopes of removed units are archived,
// not carried; a second account of one person is archived with its
// grants; no report holds a user's name or e-mail.
func TestRunCarriesAccessWithoutWidening(t *testing.T) {
	dir := t.TempDir()
	src, st := makeDemoSQLite(t, dir, 200)
	tgt := "sqlite://" + filepath.Join(dir, "receiving.db")
	rep, err := plans.Run(context.Background(), loadPlan(t, demoPlan), plans.Options{SourceURL: src, TargetURL: tgt, WorkDir: dir, UnitReports: filepath.Join(dir, "units")})
	if err != nil {
		t.Fatal(err)
	}
	checkDemoReport(t, rep, st)
	for _, d := range []string{"appointment_expired", "scope_unit_removed", "duplicate_account", "user_without_scope"} {
		if st.Defects[d] == 0 {
			t.Errorf("the generator made no %s: the test proves nothing of it", d)
		}
	}
	a := rep.Access
	if a == nil || !a.OK || a.Grants == 0 || a.LegacyGrants <= a.Grants {
		t.Fatalf("access check %+v", a)
	}
	today := time.Now().UTC()
	for _, row := range readRows(t, tgt, "app_appointment") {
		if to, ok := row["valid_to"].(connectors.Date); !ok || to.Time().Before(today.AddDate(0, 0, -1)) {
			t.Errorf("appointment %v carried, valid to %v", row["appointment_id"], row["valid_to"])
		}
	}
	if got := len(readRows(t, tgt, "app_appointment")); int64(got) != st.Rows["forordnande"]-st.Defects["appointment_expired"] {
		t.Errorf("%d appointments carried of %d, %d expired", got, st.Rows["forordnande"], st.Defects["appointment_expired"])
	}
	// Names, e-mail addresses and HSA-ids stay out of every report.
	users := readRows(t, src, "anvandare")
	var files []string
	filepath.Walk(dir, func(path string, info os.FileInfo, err error) error {
		if err == nil && !info.IsDir() && (strings.HasSuffix(path, ".json") || strings.HasSuffix(path, ".md")) && !strings.Contains(path, "archive") {
			files = append(files, path)
		}
		return nil
	})
	if len(files) < 3 {
		t.Fatalf("reports %v", files)
	}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, u := range users {
			for _, col := range []string{"namn", "epost", "hsa_id"} {
				if s, ok := u[col].(string); ok && strings.Contains(string(b), s) {
					t.Fatalf("%s holds a user's %s", f, col)
				}
			}
		}
	}
}

// A role mapping that turns a unit's reader into a reader of its whole
// region widens those accounts: the run fails, naming each by its id.
func TestRoleMappingThatWidensFailsNamingTheAccount(t *testing.T) {
	path := writeDemoPlan(t, map[string]func(string) string{
		"mapping.yaml": func(s string) string {
			return strings.Replace(s, "LAS: reader,", "LAS: regional_reader,", 1)
		},
	})
	dir := t.TempDir()
	src, _ := makeDemoSQLite(t, dir, 200)
	rep, err := plans.Run(context.Background(), loadPlan(t, path), plans.Options{SourceURL: src, TargetURL: "sqlite://" + filepath.Join(dir, "receiving.db"), WorkDir: dir})
	if !errors.Is(err, plans.ErrNotAccounted) || rep == nil || rep.Pass || rep.Access == nil || rep.Access.OK {
		t.Fatalf("run: %v", err)
	}
	// Every record is accounted for: the error the terminal prints and
	// the verdict of each report say it is access that failed.
	saysAccess := func(where, s string) {
		t.Helper()
		if strings.Contains(s, "not every source record") || !strings.Contains(s, "access") {
			t.Errorf("%s says %q, not that access failed with every record accounted for", where, s)
		}
	}
	saysAccess("the run's error", err.Error())
	saysAccess("the run's verdict", rep.VerdictLine())
	var written struct{ Verdict string }
	if b, rerr := os.ReadFile(filepath.Join(dir, "report.json")); rerr != nil || json.Unmarshal(b, &written) != nil {
		t.Fatalf("report.json: %v", rerr)
	}
	saysAccess("report.json's verdict", written.Verdict)
	// Exactly the accounts whose LAS role is scoped to a unit that shares
	// its region with another unit gain read on that other unit.
	region := map[string]string{}
	perRegion := map[string]int{}
	for _, u := range readRows(t, src, "vardenhet") {
		id, r := verify.UnitText(u["id"]), u["region"].(string)
		region[id] = r
		perRegion[r]++
	}
	// A second account of a person (the same HSA-id as an earlier one) is
	// archived with its grants (duplicates: in the demo mapping): it
	// migrates no grant to widen.
	first := map[string]int64{}
	for _, u := range readRows(t, src, "anvandare") {
		if h, ok := u["hsa_id"].(string); ok {
			if id, seen := first[h]; !seen || u["id"].(int64) < id {
				first[h] = u["id"].(int64)
			}
		}
	}
	archived := map[string]bool{}
	for _, u := range readRows(t, src, "anvandare") {
		if h, ok := u["hsa_id"].(string); ok && first[h] != u["id"].(int64) {
			archived[verify.UnitText(u["id"])] = true
		}
	}
	if len(archived) == 0 {
		t.Fatal("no second account in the demo: the exclusion below is untested")
	}
	want := map[string]bool{}
	for _, g := range readRows(t, src, "behorighet") {
		if g["roll"] == "LAS" && g["vardenhet_id"] != nil && !archived[verify.UnitText(g["anvandare_id"])] {
			if r, ok := region[verify.UnitText(g["vardenhet_id"])]; ok && perRegion[r] > 1 {
				want[verify.UnitText(g["anvandare_id"])] = true
			}
		}
	}
	if len(want) == 0 {
		t.Fatal("no LAS role in a unit: the test proves nothing")
	}
	if len(rep.Access.Widened) != len(want) {
		t.Errorf("widened %v, want %v", rep.Access.Widened, want)
	}
	for _, account := range rep.Access.Widened {
		if !want[account] {
			t.Errorf("account %s named widened", account)
		}
		found := false
		for _, p := range rep.Problems {
			found = found || strings.HasPrefix(p, "access: account "+account+": access widened: read on unit ")
		}
		if !found {
			t.Errorf("no problem names account %s: %v", account, rep.Problems)
		}
	}
	// regflytt verify proves the same from its own snapshots.
	sum, err := plans.Verify(context.Background(), loadPlan(t, path), plans.Options{SourceURL: src, TargetURL: "sqlite://" + filepath.Join(dir, "receiving.db"), WorkDir: dir})
	if !errors.Is(err, plans.ErrNotAccounted) || sum == nil || sum.Pass || sum.Access == nil || sum.Access.OK {
		t.Fatalf("verify: %v", err)
	}
	saysAccess("verify's error", err.Error())
	saysAccess("verify's verdict", sum.Verdict)
	if strings.Join(sum.Access.Widened, ",") != strings.Join(rep.Access.Widened, ",") {
		t.Errorf("verify: widened %v, the run %v", sum.Access.Widened, rep.Access.Widened)
	}
	for _, account := range sum.Access.Widened {
		found := false
		for _, p := range sum.Failures() {
			found = found || strings.HasPrefix(p, "access: account "+account+": access widened: read on unit ")
		}
		if !found {
			t.Errorf("verify: no problem names account %s: %v", account, sum.Problems)
		}
	}
}

// The access defects testdata/defects.yaml lists have, on a demo run,
// the outcomes it says.
func TestAccessDefects(t *testing.T) {
	type where struct {
		Platform, Table, Column, Outcome, Reason, Check, Note string
	}
	var cat struct {
		AccessDefects []struct {
			ID, What string
			Where    []where
		} `yaml:"access_defects"`
	}
	b, err := os.ReadFile("../testdata/defects.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if err := yaml.Unmarshal(b, &cat); err != nil {
		t.Fatal(err)
	}
	if len(cat.AccessDefects) < 4 {
		t.Fatalf("%d access defects listed", len(cat.AccessDefects))
	}
	// Each platform's run: its source, target, report, and what its
	// generator counted.
	type platformRun struct {
		src, tgt string
		tables   map[string]verify.TableCheck
		made     func(id string) int64
		// disabled: the ids of the accounts the generator disabled.
		disabled []int64
	}
	run := func(src, tgt, plan, dir string, made func(string) int64) *platformRun {
		t.Helper()
		rep, err := plans.Run(context.Background(), loadPlan(t, plan), plans.Options{SourceURL: src, TargetURL: tgt, WorkDir: dir})
		if err != nil {
			t.Fatal(err)
		}
		if !rep.Pass {
			t.Fatalf("%s: report FAIL: %v", plan, rep.Problems)
		}
		pr := &platformRun{src: src, tgt: tgt, tables: map[string]verify.TableCheck{}, made: made}
		for _, tc := range rep.Tables {
			pr.tables[tc.Source] = tc
		}
		return pr
	}
	runs := map[string]*platformRun{}
	dir := filepath.Join(t.TempDir(), "demo")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	src, st := makeDemoSQLite(t, dir, 120)
	runs["demo"] = run(src, "sqlite://"+filepath.Join(dir, "receiving.db"), demoPlan, dir, func(id string) int64 { return st.Defects[id] })
	t.Setenv("REGFLYTT_PSEUDONYM_KEY", "access defects test: not a real key")
	for _, p := range synth.Platforms() {
		if len(synth.AccessTablesOf(p)) == 0 {
			continue
		}
		dir := filepath.Join(t.TempDir(), string(p))
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		src := "sqlite://" + filepath.Join(dir, "legacy.db")
		db, err := all.OpenTarget(context.Background(), src)
		if err != nil {
			t.Fatal(err)
		}
		// Rates high enough that each defect occurs among a few dozen users.
		rates := map[synth.DefectID]float64{}
		for _, id := range synth.AccessDefectIDs() {
			rates[id] = 0.15
		}
		rates[synth.AppointmentExpired] = 0.4 // of the one user in five employed privately
		st, err := synth.Generate(context.Background(), db.(synth.Writer), synth.Config{Platform: p, Patients: 800, Seed: 3, Rates: rates})
		db.Close()
		if err != nil {
			t.Fatal(err)
		}
		runs[string(p)] = run(src, "sqlite://"+filepath.Join(dir, "receiving.db"), filepath.Join("../testdata/plans", string(p)+".yaml"), dir,
			func(id string) int64 { return st.DefectRows(synth.DefectID(id)) })
		runs[string(p)].disabled = st.DisabledAccounts
	}
	covered := map[string]bool{}
	for _, d := range cat.AccessDefects {
		for _, w := range d.Where {
			pr := runs[w.Platform]
			if pr == nil {
				t.Errorf("%s: platform %q has no access tables", d.ID, w.Platform)
				continue
			}
			covered[w.Platform+" "+d.ID] = true
			src, tgt, byTable := pr.src, pr.tgt, pr.tables
			n := pr.made(d.ID)
			if n == 0 {
				t.Errorf("%s on %s: the generator made none: the line proves nothing", d.ID, w.Platform)
			}
			switch {
			case w.Outcome == "archived":
				if got := byTable[w.Table].ArchivedBy[w.Reason]; got != n {
					t.Errorf("%s: %s archived %d as %s, the generator made %d", d.ID, w.Table, got, w.Reason, n)
				}
			case w.Outcome == "migrated" && w.Check == "disabled":
				checkCarriedDisabled(t, d.ID, pr.src, pr.tgt, pr.disabled, n)
			case w.Outcome == "migrated":
				if w.Check != "no_grants" {
					t.Fatalf("%s: check %q not known", d.ID, w.Check)
				}
				withGrant := map[string]bool{}
				for _, table := range []string{"behorighet", "forordnande"} {
					for _, g := range readRows(t, src, table) {
						withGrant[verify.UnitText(g["anvandare_id"])] = true
					}
				}
				granted := map[string]bool{}
				for _, table := range []string{"app_grant", "app_appointment"} {
					for _, g := range readRows(t, tgt, table) {
						granted[verify.UnitText(g["user_id"])] = true
					}
				}
				carried := map[string]bool{}
				for _, u := range readRows(t, tgt, "app_user") {
					carried[verify.UnitText(u["user_id"])] = true
				}
				var none int64
				for _, u := range readRows(t, src, "anvandare") {
					id := verify.UnitText(u["id"])
					if withGrant[id] {
						continue
					}
					none++
					if !carried[id] || granted[id] {
						t.Errorf("%s: account %s carried %v, granted %v", d.ID, id, carried[id], granted[id])
					}
				}
				if none != n {
					t.Errorf("%s: %d users without scope, the generator made %d", d.ID, none, n)
				}
			default:
				t.Errorf("%s: outcome %q", d.ID, w.Outcome)
			}
		}
	}
	for p := range runs {
		for _, id := range synth.AccessDefectIDs() {
			if p == "demo" && id == synth.AccountDisabled {
				continue // the demo keeps no account state
			}
			if !covered[p+" "+string(id)] {
				t.Errorf("platform %s has access tables but no access_defects line for %s", p, id)
			}
		}
	}
}
