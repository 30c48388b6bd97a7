package plans_test

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/regflytt/regflytt/connectors"
	"github.com/regflytt/regflytt/mappings/pnr"
	"github.com/regflytt/regflytt/plans"
	"github.com/regflytt/regflytt/verify"
)

const optoutKey = "a test key, never a real one, 32b"

var ref2026 = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

// writeOptOutRegistry writes a visit table whose patients are written in
// both shapes, an opt-out list and an erasure list, and a mapping that
// gives each visit its patient's pseudonym with the visit date as
// evidence of the century.
func writeOptOutRegistry(t *testing.T, dir string) string {
	t.Helper()
	srcURL := "sqlite://" + filepath.Join(dir, "legacy.db")
	writeTables(t, srcURL, []connectors.Table{
		{Name: "besok", PrimaryKey: []string{"id"}, Columns: []connectors.Column{intCol("id"), textCol("personnr"), textCol("datum")}},
		{Name: "vardenhet", PrimaryKey: []string{"id"}, Columns: []connectors.Column{intCol("id"), textCol("namn")}},
		{Name: "anteckning", PrimaryKey: []string{"id"}, Columns: []connectors.Column{intCol("id"), textCol("text")}},
	}, map[string][][]connectors.Value{"vardenhet": {{int64(1), "Kirurgen"}}, "anteckning": {{int64(1), "no mapping reads this"}}, "besok": {
		// Opted out as 161202-1814: read against 2026 that is 2016,
		// while the table writes 1916.
		{int64(1), "191612021814", "2010-05-01"},
		{int64(2), "161202-1814", "2010-05-01"},
		// Born 1920: ten digits read against 2026 say 2020, after the
		// visit; twelve digits say 1920. One person, one pseudonym.
		{int64(3), "200301-1232", "2015-06-01"},
		{int64(4), "192003011232", "2015-06-01"},
		// Demanded erasure.
		{int64(5), "19460101-0301", "2024-01-02"},
	}})
	write(t, filepath.Join(dir, "schema.yaml"), `platform: t
tables:
  - name: visit
    primary_key: [visit_id]
    columns:
      - {name: visit_id, type: bigint}
      - {name: patient, type: varchar(32)}
      - {name: visit_date, type: date}
  - name: unit
    primary_key: [unit_id]
    columns:
      - {name: unit_id, type: bigint}
      - {name: name, type: text}
`)
	write(t, filepath.Join(dir, "m.yaml"), `tables:
  - target: unit
    source: vardenhet
    no_person: care units, no patient data
    columns: {unit_id: id, name: namn}
  - target: visit
    source: besok
    person: personnr
    columns:
      visit_id: id
      patient: {expr: "pseudonym(personnr, datum)"}
      visit_date: {expr: date(datum)}
`)
	// Line 3 names a patient the source does not have.
	write(t, filepath.Join(dir, "optout.txt"), "# opted out\n161202-1814\n811218-9876\n")
	write(t, filepath.Join(dir, "erasure.txt"), "194601010301\n")
	t.Setenv("REGFLYTT_TEST_OPTOUT_KEY", optoutKey)
	return srcURL
}

func runOptOutPlan(t *testing.T, dir, srcURL, extra string) (*verify.Report, error) {
	t.Helper()
	plan := writePlan(t, dir, `run: {reference_date: 2026-01-01}
pseudonymisation: {key_env: REGFLYTT_TEST_OPTOUT_KEY}
unmapped_tables: {anteckning: "notes on the platform itself, no patient data"}
`+extra)
	work := t.TempDir()
	return plans.Run(context.Background(), loadPlan(t, plan), plans.Options{SourceURL: srcURL, TargetURL: "sqlite://" + filepath.Join(work, "t.db"), WorkDir: work})
}

// targetColumn reads one column of a receiving table.
func targetColumn(t *testing.T, url, table string, col int) []string {
	t.Helper()
	var out []string
	inTarget(t, url, func(ctx context.Context, snap connectors.Snapshot, tables []connectors.Table) {
		for i := range tables {
			if tables[i].Name != table {
				continue
			}
			rows, err := snap.Scan(ctx, &tables[i], connectors.ScanOptions{})
			if err != nil {
				t.Fatal(err)
			}
			for rows.Next() {
				s, _ := connectors.FormatValue(rows.Row()[col])
				out = append(out, s)
			}
			if err := rows.Err(); err != nil {
				t.Fatal(err)
			}
			rows.Close()
		}
	})
	return out
}

func pseudonymOf(t *testing.T, s string) string {
	t.Helper()
	ps, err := pnr.NewPseudonymiser([]byte(optoutKey))
	if err != nil {
		t.Fatal(err)
	}
	n, err := pnr.Parse(s, ref2026)
	if err != nil {
		t.Fatal(err)
	}
	return ps.Pseudonym(n)
}

// The case: a list writes 161202-1814, the table 191612021814.
// The patient is excluded in both shapes; the list entry that matches
// nobody fails the run, named by its line, until the plan acknowledges
// it; a ten-digit number whose birth would follow its visit gets the
// earlier century's pseudonym, counted as a warning.
func TestRunOptOutAcrossCenturies(t *testing.T) {
	dir := t.TempDir()
	srcURL := writeOptOutRegistry(t, dir)
	lists := `optout: {file: optout.txt}
erasure: {file: erasure.txt}
`
	rep, err := runOptOutPlan(t, dir, srcURL, lists)
	if !errors.Is(err, plans.ErrNotAccounted) || rep == nil || rep.Pass {
		t.Fatalf("an opt-out entry matching nobody: got %v, want a failed verification", err)
	}
	problems := strings.Join(rep.Problems, "\n")
	if !strings.Contains(problems, "opt-out list: 1 of 2 entries match no person in the source (file optout.txt line 3)") {
		t.Fatalf("problems %q do not name line 3 of the list", problems)
	}
	if strings.Contains(problems, "811218") || strings.Contains(problems, "9876") {
		t.Fatalf("problems %q print the number", problems)
	}
	if len(rep.Lists) != 2 || rep.Lists[0].List != "opt-out" || rep.Lists[0].OK || !rep.Lists[1].OK {
		t.Fatalf("lists %+v", rep.Lists)
	}

	// Acknowledged with the exact count: PASS.
	work := t.TempDir()
	plan := writePlan(t, dir, `run: {reference_date: 2026-01-01}
pseudonymisation: {key_env: REGFLYTT_TEST_OPTOUT_KEY}
unmapped_tables: {anteckning: "notes on the platform itself, no patient data"}
optout: {file: optout.txt, unmatched: {acknowledged: 1, reason: a patient who never reported}}
erasure: {file: erasure.txt}
`)
	tgtURL := "sqlite://" + filepath.Join(work, "t.db")
	rep, err = plans.Run(context.Background(), loadPlan(t, plan), plans.Options{SourceURL: srcURL, TargetURL: tgtURL, WorkDir: work})
	if err != nil {
		t.Fatalf("acknowledged: %v %v", err, rep.Problems)
	}
	got := ledgerOf(rep, true)["besok"]
	if want := summary(2, 0, 3, map[string]int64{"opt_out": 2, "erasure": 1}); got != want {
		t.Fatalf("ledger %s, want %s", got, want)
	}
	var tl verify.TableCheck
	for _, tc := range rep.Tables {
		if tc.Source == "besok" {
			tl = tc
		}
	}
	if tl.Warnings["pnr_century_resolved"] != 1 || tl.Warnings["exclusion_century_ambiguous"] != 1 {
		t.Fatalf("warnings %v, want one pnr_century_resolved (visit 3) and one exclusion_century_ambiguous (visit 1)", tl.Warnings)
	}
	var text strings.Builder
	if err := rep.WriteText(&text); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"warning pnr_century_resolved 1", "opt-out list: 2 entries, 1 matched, 1 unmatched, 1 acknowledged, ok"} {
		if !strings.Contains(text.String(), want) {
			t.Fatalf("summary lacks %q:\n%s", want, text.String())
		}
	}
	patients := targetColumn(t, tgtURL, "visit", 1)
	p1920 := pseudonymOf(t, "192003011232")
	if strings.Join(patients, ",") != p1920+","+p1920 {
		t.Fatalf("receiving patients %v, want visits 3 and 4 under the one pseudonym of 1920", patients)
	}

	// An acknowledgement that no longer fits fails again.
	rep, err = runOptOutPlan(t, dir, srcURL, `optout: {file: optout.txt, unmatched: {acknowledged: 2, reason: two who never reported}}
`)
	if !errors.Is(err, plans.ErrNotAccounted) || !strings.Contains(strings.Join(rep.Problems, "\n"), "but the plan acknowledges 2 at") {
		t.Fatalf("a stale acknowledgement: got %v, %v", err, rep)
	}
}

// An erasure entry that matches nobody fails the run like an opt-out.
func TestRunErasureUnmatched(t *testing.T) {
	dir := t.TempDir()
	srcURL := writeOptOutRegistry(t, dir)
	write(t, filepath.Join(dir, "erasure.txt"), "194601010301\n\n8112189876\n")
	rep, err := runOptOutPlan(t, dir, srcURL, "optout: {file: optout.txt, unmatched: {acknowledged: 1, reason: never reported}}\nerasure: {file: erasure.txt}\n")
	if !errors.Is(err, plans.ErrNotAccounted) || !strings.Contains(strings.Join(rep.Problems, "\n"), "erasure list: 1 of 2 entries match no person in the source (file erasure.txt line 3)") {
		t.Fatalf("got %v, %v", err, rep)
	}
}

func TestPlanAcknowledgementNeedsCount(t *testing.T) {
	dir := t.TempDir()
	plan := writePlan(t, dir, "optout: {file: optout.txt, unmatched: {reason: some}}\nerasure: {table: x}\n")
	_, ds := plans.Load(plan)
	got := ds.Error()
	for _, want := range []string{"P009", "optout.unmatched needs acknowledged: N", "P007", "erasure: a table needs the column"} {
		if !strings.Contains(got, want) {
			t.Fatalf("diagnostics %q lack %q", got, want)
		}
	}
	// The erasure file stays inside the plan's directory like the opt-out file.
	plan = writePlan(t, dir, "erasure: {file: ../erasure.txt}\n")
	_, ds = plans.Load(plan)
	if got := ds.Error(); !strings.Contains(got, "P008") || !strings.Contains(got, "the erasure file") {
		t.Fatalf("diagnostics %q: want the erasure file refused outside the plan's directory", got)
	}
}

// A mapping that matches persons in the opt-out table itself would match
// every entry with itself: no entry could ever be reported unmatched.
func TestRunRefusesPersonOnListTable(t *testing.T) {
	dir := t.TempDir()
	srcURL := writeOptOutRegistry(t, dir)
	_, err := runOptOutPlan(t, dir, srcURL, "optout: {table: besok, column: personnr}\n")
	if err == nil || !strings.Contains(err.Error(), "source table besok is an opt-out or erasure list") {
		t.Fatalf("got %v", err)
	}
}

// A dry run shows what the run would check: the unmatched entry by its
// place, and the warnings per table.
func TestDryRunShowsListsAndWarnings(t *testing.T) {
	dir := t.TempDir()
	srcURL := writeOptOutRegistry(t, dir)
	plan := writePlan(t, dir, `run: {reference_date: 2026-01-01}
pseudonymisation: {key_env: REGFLYTT_TEST_OPTOUT_KEY}
unmapped_tables: {anteckning: "notes on the platform itself, no patient data"}
optout: {file: optout.txt}
`)
	rep, err := plans.DryRun(context.Background(), loadPlan(t, plan), plans.Options{SourceURL: srcURL})
	if err != nil {
		t.Fatal(err)
	}
	var text strings.Builder
	if err := rep.WriteText(&text, 10); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"warning exclusion_century_ambiguous: 1", "warning pnr_century_resolved: 1",
		"opt-out list: 2 entries, 1 matched, 1 unmatched, 0 acknowledged",
		"problem (the run would fail): opt-out list: 1 of 2 entries match no person in the source (file optout.txt line 3)",
		"tables not matched against it: vardenhet (no_person: care units, no patient data), anteckning (archived whole)",
	} {
		if !strings.Contains(text.String(), want) {
			t.Fatalf("dry run text lacks %q:\n%s", want, text.String())
		}
	}
}

// A table no mapping reads is archived whole, where no list can take out
// a listed patient's rows: with a list in the plan, it must be declared
// as holding no patient's data, and the declaration cannot go stale.
func TestRunRefusesUndeclaredUnmappedTableWithAList(t *testing.T) {
	dir := t.TempDir()
	srcURL := writeOptOutRegistry(t, dir)
	for _, c := range []struct{ name, extra, want string }{
		{"undeclared", "", "source tables anteckning are read by no mapping"},
		{"not in the source", "unmapped_tables: {anteckning: no patient data, gone: dropped long ago}\n", "unmapped_tables names gone, which the source does not have"},
		{"mapped", "unmapped_tables: {anteckning: no patient data, besok: oops}\n", "unmapped_tables names besok, which a mapping reads"},
	} {
		t.Run(c.name, func(t *testing.T) {
			plan := writePlan(t, dir, `run: {reference_date: 2026-01-01}
pseudonymisation: {key_env: REGFLYTT_TEST_OPTOUT_KEY}
optout: {file: optout.txt, unmatched: {acknowledged: 1, reason: a patient who never reported}}
`+c.extra)
			work := t.TempDir()
			tgtURL := "sqlite://" + filepath.Join(work, "t.db")
			_, err := plans.Run(context.Background(), loadPlan(t, plan), plans.Options{SourceURL: srcURL, TargetURL: tgtURL, WorkDir: work})
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("run: got %v, want an error containing %q", err, c.want)
			}
			if got := targetColumn(t, tgtURL, "visit", 0); len(got) != 0 {
				t.Fatalf("the refused run wrote visits %v", got)
			}
			if _, err := plans.DryRun(context.Background(), loadPlan(t, plan), plans.Options{SourceURL: srcURL}); err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("dry run: got %v, want an error containing %q", err, c.want)
			}
		})
	}
}
