package plans_test

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"github.com/regflytt/regflytt/connectors"
	"github.com/regflytt/regflytt/mappings"
	"github.com/regflytt/regflytt/plans"
	"github.com/regflytt/regflytt/verify"
)

// A child's record is matched against the lists by the child's own
// number (person: personnr), and also holds its mother's (mor_pnr,
// pseudonymised into the receiving column mother). The mother opted
// out: her own record is excluded, but her number went on to the
// receiving platform as her pseudonym in her child's record, and in
// clear into the archive package with a child's record archived for a
// reason of its own, while the run passed. Whether a mother's opt-out
// covers her child's record is the registry holder's to say, not the
// run's to decide silently: each such kept record is counted as
// listed_number_kept, which fails the run until acknowledged. A child
// whose mother is on no list raises nothing, and a column the mapping
// drops reaches the archive only.
func TestRunFlagsAListedNumberKeptInAnotherIdentityColumn(t *testing.T) {
	for server, newDB := range serverDatabases(t) {
		t.Run(server, func(t *testing.T) {
			dir := t.TempDir()
			src := newDB(t)
			writeTables(t, src, []connectors.Table{
				{Name: "mor", PrimaryKey: []string{"id"}, Columns: []connectors.Column{intCol("id"), textCol("personnr")}},
				{Name: "barn", PrimaryKey: []string{"id"}, Columns: []connectors.Column{intCol("id"), textCol("personnr"), textCol("mor_pnr"), textCol("far_pnr")}},
				{Name: "remiss", PrimaryKey: []string{"id"}, Columns: []connectors.Column{intCol("id"), intCol("barn_id"), textCol("mor_pnr")}},
			}, map[string][][]connectors.Value{
				"mor": {
					{int64(1), "19800101-1231"}, // listed: excluded
					{int64(2), "19850303-1117"},
				},
				"barn": {
					{int64(1), "20150606-3336", "19800101-1231", nil}, // migrated with the listed mother's pseudonym
					{int64(2), "20050101-9871", "19850303-1117", nil}, // a mother on no list
					{int64(3), "x", "800101-1231", nil},               // archived for its own number, the mother in clear
					{int64(4), "20150606-3336", nil, "19800101 1231"}, // the listed number in a dropped column: migrated without it
					{int64(5), "x", nil, "19800101-1231"},             // archived with the dropped column
				},
				// A referral linked to its child by parent: alone.
				"remiss": {
					{int64(30), int64(2), "19800101-1231"}, // the listed mother's number under a child on no list
					{int64(31), int64(2), "19850303-1117"},
				},
			})
			write(t, filepath.Join(dir, "schema.yaml"), `platform: t
tables:
  - name: mother
    primary_key: [mother_id]
    columns: [{name: mother_id, type: bigint}, {name: pat, type: text}]
  - name: child
    primary_key: [child_id]
    columns: [{name: child_id, type: bigint}, {name: pat, type: text}, {name: mother, type: text}]
  - name: referral
    primary_key: [referral_id]
    columns: [{name: referral_id, type: bigint}, {name: mother, type: text}]
`)
			write(t, filepath.Join(dir, "m.yaml"), `tables:
  - target: mother
    source: mor
    person: personnr
    columns: {mother_id: id, pat: {expr: "pseudonym(personnr)"}}
  - target: child
    source: barn
    person: personnr
    columns: {child_id: id, pat: {expr: "pseudonym(personnr)"}, mother: {expr: "pseudonym(mor_pnr)"}}
    drop: {far_pnr: the father is not registered}
  - target: referral
    source: remiss
    parent: {table: barn, key: [barn_id]}
    columns: {referral_id: id, mother: {expr: "pseudonym(mor_pnr)"}}
    drop: {barn_id: the link to the child}
`)
			write(t, filepath.Join(dir, "optout.txt"), "19800101-1231\n")
			t.Setenv("REGFLYTT_TEST_KEY", "0123456789abcdef0123456789abcdef")
			run := func(extra string) (*verify.Report, error) {
				plan := writePlan(t, dir, "run: {reference_date: 2026-01-01}\npseudonymisation: {key_env: REGFLYTT_TEST_KEY}\noptout: {file: optout.txt}\nverification:\n  acknowledge:\n    archived_share.barn: a test\n"+extra)
				work := t.TempDir()
				return plans.Run(context.Background(), loadPlan(t, plan), plans.Options{SourceURL: src, TargetURL: "sqlite://" + filepath.Join(work, "t.db"), WorkDir: work})
			}
			rep, err := run("")
			if rep == nil {
				t.Fatalf("no report: %v", err)
			}
			var children, referrals verify.TableCheck
			for _, tc := range rep.Tables {
				switch tc.Source {
				case "barn":
					children = tc
				case "remiss":
					referrals = tc
				}
			}
			if got := referrals.Warnings[mappings.WarnListedNumberKept]; got != 1 || referrals.Migrated != 2 {
				t.Errorf("referrals: %d migrated, %d flagged %s; want 2 migrated, the one with the listed mother's number flagged", referrals.Migrated, got, mappings.WarnListedNumberKept)
			}
			if children.Migrated != 3 || children.Archived != 2 {
				t.Fatalf("children: %d migrated, %d archived; want 3 and 2", children.Migrated, children.Archived)
			}
			if got := children.Warnings[mappings.WarnListedNumberKept]; got != 3 {
				t.Errorf("children flagged %s: %d, want the 3 kept whose mother's column, or a dropped one archived, holds the listed number", mappings.WarnListedNumberKept, got)
			}
			if !errors.Is(err, plans.ErrNotAccounted) || rep.Pass || !strings.Contains(strings.Join(rep.Problems, "\n"), mappings.WarnListedNumberKept+".barn") {
				t.Fatalf("got %v, pass %v, problems %v; want the run failed naming %s.barn", err, rep.Pass, rep.Problems, mappings.WarnListedNumberKept)
			}
			rep, err = run("    " + mappings.WarnListedNumberKept + ".barn: the mother's opt-out covers her own registration, not her child's\n" +
				"    " + mappings.WarnListedNumberKept + ".remiss: the mother's opt-out covers her own registration, not her child's\n")
			if err != nil || !rep.Pass {
				t.Fatalf("acknowledged: got %v %v", err, rep.Problems)
			}
		})
	}
}
