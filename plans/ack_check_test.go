package plans_test

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/regflytt/regflytt/plans"
)

// An acknowledgement is matched to a finding by its exact id
// (kind.subject): one whose kind or table is written wrong acknowledges
// nothing, verify only notes it, and the finding it was meant for fails
// the run at its end. plan check names it (P044) at its line; one whose
// finding a sample does not meet, about a table the plan has, stays
// allowed.
func TestPlanCheckAcknowledgementsNameThePlan(t *testing.T) {
	cases := []struct {
		ack  string
		want string // "" for no P044
	}{
		{"archived_share.besok", ""},
		{"archived_share.besk", `besk is no source table the plan reads or names (did you mean "besok"?)`},
		{"archived_shares.besok", `archived_shares is no kind of finding verification raises (did you mean "archived_share"?)`},
		{"archived_share", "no subject"},
		{"pnr_century_resolved.besok", ""},
		{"person_not_checked.patient", "patient is no source table"},
		{"person_not_checked_archived.besok", "counted within person_not_checked"},
		{"values_lost.besok", "fails verification whatever"},
		{"table_not_mapped.logg", ""},
		{"history_not_read.logg", ""},
		{"history_not_read.enhet", ""},
		{"large_objects_not_read.besok.vikt", ""},
		{"large_objects_not_read.besok.bild", "source table besok has no column bild"},
		{"large_objects_not_read.besk.vikt", "no <source table>.<column>"},
		{"codes_never_seen.smoking", ""},
		{"codes_never_seen.smokin", `smokin is no code list of the mappings (did you mean "smoking"?)`},
		{"list_unmatched.opt-out", ""},
		{"list_unmatched.erasure", "the plan has no erasure list"},
		{"schema_not_read.arkiv", ""},
		{"catalogue_limited.source", ""},
		{"catalogue_limited.besok", "the word source"},
		{"login_shared.visit", ""},
		{"login_shared.app_user", "app_user is no table of the receiving schema"},
	}
	dir := t.TempDir()
	writeSchema(t, dir, "visit", "visit_id", "visit_id bigint", "weight text", "smoking text")
	write(t, filepath.Join(dir, "m.yaml"), `codelists:
  - name: smoking
    codes: {J: current, N: never}
tables:
  - target: visit
    source: besok
    person: personnr
    columns: {visit_id: id, weight: vikt, smoking: {from: rok, codelist: smoking}}
    drop: {personnr: the person}
`)
	write(t, filepath.Join(dir, "optout.txt"), "")
	for _, c := range cases {
		t.Run(c.ack, func(t *testing.T) {
			path := writePlan(t, dir, "optout: {file: optout.txt}\nunmapped_tables: {enhet: care units}\nverification:\n  acknowledge:\n    "+c.ack+": a reason\n    table_not_mapped.logg: the log is archived whole\n")
			_, ds := plans.Check(path)
			var got []string
			for _, d := range ds {
				if d.Code == "P044" {
					got = append(got, d.String())
				}
			}
			switch {
			case c.want == "" && len(got) > 0:
				t.Errorf("P044 for an acknowledgement the plan can meet: %v", got)
			case c.want != "" && len(got) != 1:
				t.Errorf("want one P044 (%s), got %v", c.want, got)
			case c.want != "" && !strings.Contains(got[0], c.want):
				t.Errorf("%s, want it to say %q", got[0], c.want)
			case c.want != "" && !strings.Contains(got[0], "plan.yaml:13:5: error P044: verification.acknowledge names "+c.ack+",") && !strings.Contains(got[0], "plan.yaml:13:5: error P044: verification.acknowledge names "+c.ack+" "):
				t.Errorf("%s, want it at the acknowledgement's line, naming it", got[0])
			}
		})
	}
}

// control_groups name a receiving table and its columns, source_groups a
// source table and its columns: written wrong, the run refused the first
// only once started, and found the second only after moving every
// record, at its end check. plan check names both, at their lines.
func TestPlanCheckGroupsNameThePlan(t *testing.T) {
	cases := []struct{ groups, want string }{
		{"control_groups: {visit: [weight]}", ""},
		{"control_groups: {vissit: [weight]}", `plan.yaml:10:33: error P042: verification.control_groups names vissit, which the receiving schema does not declare (did you mean "visit"?)`},
		{"control_groups: {visit: [weigth]}", `plan.yaml:10:41: error P042: verification.control_groups.visit: receiving table visit has no column weigth (did you mean "weight"?)`},
		{"source_groups: {besok: [rok, \"year(datum)\"]}", ""},
		{"source_groups: {enhet: [region]}", ""},
		{"source_groups: {besk: [rok]}", `plan.yaml:10:32: error P043: verification.source_groups names besk, which is no source table the plan reads or names (did you mean "besok"?)`},
		{"source_groups: {besok: [rokk]}", `plan.yaml:10:32: error P043: verification.source_groups.besok: the mapping of source table besok neither maps nor drops a column rokk (did you mean "rok"?)`},
		{"source_groups: {besok: [\"year(datumm)\"]}", `plan.yaml:10:32: error P043: verification.source_groups.besok: the mapping of source table besok neither maps nor drops a column datumm (did you mean "datum"?)`},
	}
	dir := t.TempDir()
	writeSchema(t, dir, "visit", "visit_id", "visit_id bigint", "weight text", "smoking text")
	write(t, filepath.Join(dir, "m.yaml"), `tables:
  - target: visit
    source: besok
    columns: {visit_id: id, weight: vikt, smoking: rok}
    drop: {datum: not migrated}
`)
	for _, c := range cases {
		t.Run(c.groups, func(t *testing.T) {
			path := writePlan(t, dir, "optout: {none: no patients}\nverification: {"+c.groups+"}\nunmapped_tables: {enhet: care units}\n")
			_, ds := plans.Check(path)
			var got []string
			for _, d := range ds {
				if d.Code == "P042" || d.Code == "P043" {
					got = append(got, filepath.Base(d.String()))
				}
			}
			if strings.Join(got, "\n") != c.want {
				t.Errorf("got %q\nwant %q", got, c.want)
			}
		})
	}
}
