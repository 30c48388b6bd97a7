package plans_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/regflytt/regflytt/connectors"
	"github.com/regflytt/regflytt/mappings"
	"github.com/regflytt/regflytt/plans"
	"github.com/regflytt/regflytt/verify"
)

// verdicts is what plan check, map check, map dry-run and run say of one
// plan: each refusal's "file:line:col: error CODE"s (the whole text when
// it names no place), "" when it accepts.
type verdicts struct {
	plan, mapCheck, dry, run string
	dryRep                   *plans.DryRunReport
	rep                      *verify.Report
}

var errorAt = regexp.MustCompile(`[^\s:]+\.yaml:\d+:\d+: error [A-Z]\d+`)

// refusal gives the places and codes of the errors in text, sorted ("" for
// none); text that names no place but is an error is returned whole.
func refusal(text string) string {
	ms := errorAt.FindAllString(text, -1)
	if len(ms) == 0 {
		return text
	}
	for i, m := range ms {
		ms[i] = filepath.Base(m)
	}
	sort.Strings(ms)
	return strings.Join(slices.Compact(ms), ", ")
}

// errorsOf gives the error diagnostics of ds as text.
func errorsOf(ds mappings.Diagnostics) string {
	var out []string
	for _, d := range ds {
		if d.Severity == mappings.Error {
			out = append(out, d.String())
		}
	}
	return strings.Join(out, "\n")
}

// fourChecks runs plan check, map check, map dry-run and run (into
// dir/t.db) on the plan at path, over the source at srcURL.
func fourChecks(t *testing.T, path, srcURL, dir string) verdicts {
	t.Helper()
	ctx := context.Background()
	var v verdicts
	_, ds := plans.Check(path)
	v.plan = refusal(errorsOf(ds))
	p, ds := plans.Load(path)
	if err := ds.Err(); err != nil {
		t.Fatalf("load: %v", err)
	}
	opts := plans.Options{SourceURL: srcURL}
	mds, err := plans.CheckMappings(ctx, p, opts)
	var stopped mappings.Diagnostics
	switch {
	case errors.As(err, &stopped):
		v.mapCheck = refusal(errorsOf(stopped))
	case err != nil:
		v.mapCheck = refusal(err.Error())
	default:
		v.mapCheck = refusal(errorsOf(mds))
	}
	if v.dryRep, err = plans.DryRun(ctx, p, opts); err != nil {
		v.dry = refusal(err.Error())
	} else if len(v.dryRep.Problems) > 0 || v.dryRep.ValuesLost() > 0 {
		v.dry = "problems: " + strings.Join(v.dryRep.Problems, "; ")
	}
	opts.TargetURL, opts.WorkDir = "sqlite://"+filepath.Join(dir, "t.db"), dir
	if v.rep, err = plans.Run(ctx, p, opts); err != nil {
		v.run = refusal(err.Error())
	} else if !v.rep.Pass {
		v.run = "FAIL: " + strings.Join(v.rep.Problems, "; ")
	}
	return v
}

// What plan check finds of the names the verification section uses, map
// check, the dry run and the run find alike, at the same place with the
// same code; what only the source can tell (a source group of a table no
// mapping reads, unmapped_tables naming a table the source lacks) map
// check, the dry run and the run refuse alike, the run before its first
// write: before, a source group written wrong stopped the run after every
// record moved, and map check passed a stale unmapped_tables entry the
// run refused.
func TestChecksAgreeOnVerificationNames(t *testing.T) {
	cases := []struct {
		name, extra string
		plan, rest  string // rest: map check, dry run and run
	}{
		{"control group of no receiving table", "verification: {control_groups: {vissit: [weight]}}\n", "plan.yaml:11:33: error P042", "plan.yaml:11:33: error P042"},
		{"control group of no column", "verification: {control_groups: {visit: [weigth]}}\n", "plan.yaml:11:41: error P042", "plan.yaml:11:41: error P042"},
		{"source group of no table", "verification: {source_groups: {besk: [rok]}}\n", "plan.yaml:11:32: error P043", "plan.yaml:11:32: error P043"},
		{"source group of no column", "verification: {source_groups: {besok: [rokk]}}\n", "plan.yaml:11:32: error P043", "plan.yaml:11:32: error P043"},
		{"acknowledgement of no table", "verification: {acknowledge: {archived_share.besk: a typo}}\n", "plan.yaml:11:30: error P044", "plan.yaml:11:30: error P044"},
		{"source group of an unmapped table's missing column", "unmapped_tables: {enhet: care units}\nverification: {source_groups: {enhet: [region2]}}\n", "",
			"plan.yaml:12:32: verification.source_groups.enhet: source table enhet has no column region2"},
		{"unmapped_tables names a table the source lacks", "unmapped_tables: {enhet: care units, enhett: a typo}\n", "",
			"plan.yaml:11:46: unmapped_tables names enhett, which the source does not have"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			srcURL := "sqlite://" + filepath.Join(dir, "legacy.db")
			writeTables(t, srcURL, []connectors.Table{
				{Name: "besok", PrimaryKey: []string{"id"}, Columns: []connectors.Column{intCol("id"), textCol("vikt"), textCol("rok")}},
				{Name: "enhet", PrimaryKey: []string{"id"}, Columns: []connectors.Column{intCol("id"), textCol("region")}},
			}, map[string][][]connectors.Value{"besok": {{int64(1), "70", "J"}, {int64(2), "-", "9"}}, "enhet": {{int64(1), "Norr"}}})
			writeSchema(t, dir, "visit", "visit_id", "visit_id bigint", "weight text", "smoking text")
			write(t, filepath.Join(dir, "m.yaml"), "tables:\n  - target: visit\n    source: besok\n    columns: {visit_id: id, weight: vikt, smoking: rok}\n")
			v := fourChecks(t, writePlan(t, dir, "run: {reference_date: 2026-01-01}\noptout: {none: no patients}\n"+c.extra), srcURL, dir)
			if v.plan != c.plan {
				t.Errorf("plan check: %q, want %q", v.plan, c.plan)
			}
			for what, got := range map[string]string{"map check": v.mapCheck, "dry run": v.dry, "run": v.run} {
				if !strings.Contains(got, c.rest) || (c.rest == "") != (got == "") {
					t.Errorf("%s: %q, want %q", what, got, c.rest)
				}
			}
			if v.run != "" && checkpointTables(t, "sqlite://"+filepath.Join(dir, "t.db")) > 0 {
				t.Errorf("the run wrote before it refused")
			}
		})
	}
}

// checkpointTables counts the tables of the database at url (0 when it
// was never created).
func checkpointTables(t *testing.T, url string) int {
	t.Helper()
	path := strings.TrimPrefix(url, "sqlite://")
	if _, err := os.Stat(path); err != nil {
		return 0
	}
	n := 0
	inTarget(t, url, func(_ context.Context, _ connectors.Snapshot, tables []connectors.Table) { n = len(tables) })
	return n
}

// A mapping whose own tests (tests:) fail is refused by the run before
// its first write; map check and the dry run passed it, and the dry run
// showed outcomes the run would never give. Now the three refuse it
// alike, naming the failing test at its line.
func TestChecksAgreeOnFailingMappingTests(t *testing.T) {
	dir := t.TempDir()
	srcURL := "sqlite://" + filepath.Join(dir, "legacy.db")
	writeTables(t, srcURL, []connectors.Table{{Name: "besok", PrimaryKey: []string{"id"}, Columns: []connectors.Column{intCol("id"), textCol("vikt")}}},
		map[string][][]connectors.Value{"besok": {{int64(1), "70"}}})
	writeSchema(t, dir, "visit", "visit_id", "visit_id bigint", "weight text")
	write(t, filepath.Join(dir, "m.yaml"), `tables:
  - target: visit
    source: besok
    columns: {visit_id: id, weight: vikt}
tests:
  - name: the weight is kept
    source: besok
    rows:
      - given: {id: 1, vikt: "70"}
        migrated: {visit_id: 1, weight: "71"}
`)
	v := fourChecks(t, writePlan(t, dir, "run: {reference_date: 2026-01-01}\noptout: {none: no patients}\n"), srcURL, dir)
	const want = `m.yaml:10:33: test "the weight is kept" row 1: column weight: want "71", got "70"`
	for what, got := range map[string]string{"map check": v.mapCheck, "dry run": v.dry, "run": v.run} {
		if !strings.Contains(got, want) || !strings.Contains(got, "the mappings' own tests fail") {
			t.Errorf("%s: %q, want the failing test named: %s", what, got, want)
		}
	}
}
