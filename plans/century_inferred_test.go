package plans_test

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/regflytt/regflytt/connectors"
	"github.com/regflytt/regflytt/connectors/mysql/mytest"
	"github.com/regflytt/regflytt/connectors/postgres/pgtest"
	"github.com/regflytt/regflytt/plans"
	"github.com/regflytt/regflytt/verify"
)

// A patient born 1912 written 121212-1212 by a legacy system that never
// wrote '+', read by pseudonym(personnr), gets the pseudonym of the
// patient born 2012 written 201212121212: two patients merged, run and
// verify PASS. plan check warns of it (M088: a birth-date column beside
// a number read without born_by), and the run's summary, report.json and
// the verification report note how many records had their century read
// against the reference date alone (pnr_century_inferred) — a note, with
// nothing to acknowledge — and the record whose own birth date (1912)
// belies the century read (2012) is a finding, pnr_century_birth_differs,
// which fails the run until acknowledged. With pseudonym(personnr, fodd)
// none appears. MariaDB to PostgreSQL.
func TestCenturyInferredNotedMariaDBToPostgreSQL(t *testing.T) {
	for _, c := range []struct {
		name, expr, ack string
		inferred        int64
	}{
		// Row 1's birth date (1912) belies the century read (2012): a
		// finding, pnr_century_birth_differs, to acknowledge.
		{"without born_by", "pseudonym(personnr)", "verification: {acknowledge: {pnr_century_birth_differs.patient: \"checked by hand\"}}\n", 1},
		// born_by resolves row 1 to 1912: pnr_century_resolved, a finding.
		{"with born_by", "pseudonym(personnr, fodd)", "verification: {acknowledge: {pnr_century_resolved.patient: \"born 1912 and checked\"}}\n", 0},
	} {
		t.Run(c.name, func(t *testing.T) {
			ctx := context.Background()
			src := mytest.NewDatabase(t)
			tgt := pgtest.NewDatabase(t)
			t.Setenv("REGFLYTT_TEST_CENTURY_KEY", "test key, never a real one, 32b")
			date := func(y, m, d int) connectors.Date { return connectors.Date{Year: y, Month: time.Month(m), Day: d} }
			writeTables(t, src, []connectors.Table{{Name: "patient", PrimaryKey: []string{"id"}, Columns: []connectors.Column{
				intCol("id"), textCol("personnr"), {Name: "fodd", Type: connectors.Type{Kind: connectors.KindDate}, Nullable: true}}}},
				map[string][][]connectors.Value{"patient": {
					{int64(1), "121212-1212", date(1912, 12, 12)},
					{int64(2), "201212121212", date(2012, 12, 12)},
					{int64(3), "121212+1212", date(1912, 12, 12)},
				}})
			dir := t.TempDir()
			writeSchema(t, dir, "patient", "patient_id", "patient_id bigint not_null", "patient varchar(32)", "fodd date")
			person := "personnr"
			if c.inferred == 0 {
				person = "{expr: \"pnr(personnr, fodd)\"}"
			}
			write(t, filepath.Join(dir, "m.yaml"), `tables:
  - target: patient
    source: patient
    person: `+person+`
    columns:
      patient_id: id
      patient: {expr: "`+c.expr+`"}
      fodd: fodd
`)
			path := writePlan(t, dir, "run: {reference_date: 2026-01-01}\noptout: {none: synthetic test data}\npseudonymisation: {key_env: REGFLYTT_TEST_CENTURY_KEY}\n"+c.ack)
			p, ds := plans.Check(path)
			if err := ds.Err(); err != nil {
				t.Fatal(err)
			}
			var m088 []string
			for _, d := range ds {
				if d.Code == "M088" {
					m088 = append(m088, d.Message)
				}
			}
			if (len(m088) == 1) != (c.inferred > 0) || len(m088) > 1 {
				t.Fatalf("plan check M088 %q, want one: %v", m088, c.inferred > 0)
			}
			work := filepath.Join(dir, "work")
			rep, err := plans.Run(ctx, p, plans.Options{SourceURL: src, TargetURL: tgt, WorkDir: work})
			if err != nil || !rep.Pass {
				t.Fatalf("run: %v %v", err, rep)
			}
			var tl verify.TableCheck
			for _, tc := range rep.Tables {
				if tc.Source == "patient" {
					tl = tc
				}
			}
			if tl.CenturyInferred != c.inferred || tl.Warnings["pnr_century_birth_differs"] != c.inferred {
				t.Fatalf("run: pnr_century_inferred %d, want %d (warnings %v)", tl.CenturyInferred, c.inferred, tl.Warnings)
			}
			var text strings.Builder
			if err := rep.WriteText(&text); err != nil {
				t.Fatal(err)
			}
			note := "note: patient: 1 record whose identity number was written with 10 digits"
			if strings.Contains(text.String(), note) != (c.inferred > 0) || strings.Contains(text.String(), "1212") {
				t.Fatalf("run summary (note %v wanted):\n%s", c.inferred > 0, text.String())
			}
			sum, err := plans.Verify(ctx, p, plans.Options{SourceURL: src, TargetURL: tgt, WorkDir: work})
			if err != nil || !sum.Pass {
				t.Fatalf("verify: %v %v", err, sum)
			}
			notes := strings.Join(sum.Notes, "\n")
			if strings.Contains(notes, "patient: 1 record whose identity number was written with 10 digits") != (c.inferred > 0) {
				t.Fatalf("verify notes (want the count %v):\n%s", c.inferred > 0, notes)
			}
			differs := false
			for _, f := range sum.Findings {
				if strings.Contains(f.ID, "inferred") {
					t.Fatalf("a finding for the note: %+v", f)
				}
				if f.ID == "pnr_century_birth_differs.patient" {
					differs = f.Count == 1 && f.Acknowledged
				}
			}
			if differs != (c.inferred > 0) {
				t.Fatalf("verify: pnr_century_birth_differs.patient (1, acknowledged) %v, want %v: %+v", differs, c.inferred > 0, sum.Findings)
			}
			for _, eq := range sum.Tables {
				if eq.Source == "patient" && eq.CenturyInferred != c.inferred {
					t.Fatalf("verify: pnr_century_inferred %d, want %d", eq.CenturyInferred, c.inferred)
				}
			}
		})
	}
}
