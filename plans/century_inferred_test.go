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
		// Rows 1 and 3 are one ten digits read as 2012 and as 1912 ('+'):
		// pnr_century_pair, acknowledged with it.
		{"without born_by", "pseudonym(personnr)", "verification: {acknowledge: {pnr_century_birth_differs.patient: \"checked by hand\", pnr_century_pair.patient: \"the same patient, checked\"}}\n", 1},
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

// centuryInferredOf gives each source table's pnr_century_inferred, of a
// run's report and of its verification.
func centuryInferredOf(rep *verify.Report, sum *verify.Summary) (run, verified map[string]int64) {
	run, verified = map[string]int64{}, map[string]int64{}
	for _, tc := range rep.Tables {
		run[tc.Source] = tc.CenturyInferred
	}
	for _, eq := range sum.Tables {
		verified[eq.Source] = eq.CenturyInferred
	}
	return run, verified
}

// A form store's form and a merged sub-register's record whose number
// is written with 10 digits and no '+' have its century read against the
// reference date alone, as a plain table's record has: run and verify
// count them, pnr_century_inferred, per source table (the form's entity
// table; each merged source). Before, a plain table's record was counted
// and the others not: a registry kept as forms or merged from
// sub-registers got no note of the patients born 1912 read as 2012.
func TestCenturyInferredCountedForFormsAndMerges(t *testing.T) {
	ctx := context.Background()
	t.Setenv("REGFLYTT_TEST_CENTURY_KEY", "test key, never a real one, 32b")
	t.Run("form store", func(t *testing.T) {
		dir := t.TempDir()
		path := filepath.Join(dir, "legacy.db")
		execSQLite(t, path,
			`CREATE TABLE instans (id integer PRIMARY KEY NOT NULL)`,
			`CREATE TABLE varde (instans_id integer NOT NULL, variabel text NOT NULL, varde text, PRIMARY KEY (instans_id, variabel))`,
			`INSERT INTO instans VALUES (1), (2), (3)`,
			`INSERT INTO varde VALUES (1, 'personnr', '121212-1212'), (2, 'personnr', '19460101-0301'), (3, 'personnr', '4601010301')`)
		writeSchema(t, dir, "registration", "registration_id", "registration_id bigint", "patient varchar(32)")
		writeEAVMapping(t, dir, "    person: personnr\n    unit: {none: a test form store}\n    columns:\n      registration_id: id\n      patient: {expr: pseudonym(personnr)}\n")
		plan := writePlan(t, dir, "run: {reference_date: 2026-01-01}\noptout: {none: synthetic test data}\npseudonymisation: {key_env: REGFLYTT_TEST_CENTURY_KEY}\n")
		opts := plans.Options{SourceURL: srcURL(path), TargetURL: "sqlite://" + filepath.Join(dir, "t.db"), WorkDir: dir}
		rep, err := plans.Run(ctx, loadPlan(t, plan), opts)
		if err != nil || !rep.Pass {
			t.Fatalf("run: %v %+v", err, rep)
		}
		sum, err := plans.Verify(ctx, loadPlan(t, plan), opts)
		if err != nil || !sum.Pass {
			t.Fatalf("verify: %v %+v", err, sum)
		}
		run, verified := centuryInferredOf(rep, sum)
		if run["instans"] != 2 || verified["instans"] != 2 {
			t.Errorf("pnr_century_inferred of the forms: run %v, verify %v, want instans 2 in both", run, verified)
		}
	})
	t.Run("merge", func(t *testing.T) {
		dir := t.TempDir()
		path := filepath.Join(dir, "legacy.db")
		execSQLite(t, path,
			`CREATE TABLE delreg_a (besok_id INTEGER PRIMARY KEY, personnr TEXT, vikt TEXT)`,
			`CREATE TABLE delreg_b (besok_id INTEGER PRIMARY KEY, personnr TEXT, langd INTEGER)`,
			`INSERT INTO delreg_a VALUES (1, '121212-1212', '70'), (2, '19460101-0301', '71')`,
			`INSERT INTO delreg_b VALUES (1, '121212-1212', 180), (2, '4601010301', 181), (3, '5001010304', 182)`)
		writeSchema(t, dir, "visit", "visit_id", "visit_id bigint", "patient varchar(32)", "weight_kg decimal(5,1)", "height_cm smallint")
		write(t, filepath.Join(dir, "m.yaml"), `tables:
  - target: visit
    merge: [visit_id]
    sources:
      - source: delreg_a
        precedence: 1
        person: personnr
        unit: {none: a test register}
        columns: {visit_id: besok_id, patient: {expr: pseudonym(personnr)}, weight_kg: {expr: decimal(vikt)}}
      - source: delreg_b
        precedence: 2
        person: personnr
        unit: {none: a test register}
        columns: {visit_id: besok_id, patient: {expr: pseudonym(personnr)}, height_cm: langd}
`)
		plan := writePlan(t, dir, "run: {reference_date: 2026-01-01}\noptout: {none: synthetic test data}\npseudonymisation: {key_env: REGFLYTT_TEST_CENTURY_KEY}\n")
		opts := plans.Options{SourceURL: srcURL(path), TargetURL: "sqlite://" + filepath.Join(dir, "t.db"), WorkDir: dir}
		rep, err := plans.Run(ctx, loadPlan(t, plan), opts)
		if err != nil || !rep.Pass {
			t.Fatalf("run: %v %+v", err, rep)
		}
		sum, err := plans.Verify(ctx, loadPlan(t, plan), opts)
		if err != nil || !sum.Pass {
			t.Fatalf("verify: %v %+v", err, sum)
		}
		run, verified := centuryInferredOf(rep, sum)
		for table, want := range map[string]int64{"delreg_a": 1, "delreg_b": 3} {
			if run[table] != want || verified[table] != want {
				t.Errorf("pnr_century_inferred of %s: run %d, verify %d, want %d", table, run[table], verified[table], want)
			}
		}
	})
}
