package plans_test

import (
	"context"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/regflytt/regflytt/connectors/mysql/mytest"
	"github.com/regflytt/regflytt/connectors/postgres/pgtest"
	"github.com/regflytt/regflytt/plans"
)

// reserveRows are the visits of reserveRegistry: a patient with a
// personnummer, one known only by a reserve number who opted out (2, the
// list writes it in lower case), one by another reserve number who did
// not (3), one by a 6-digit reserve number who demanded erasure (4).
var reserveRows = []string{
	`CREATE TABLE besok (id integer PRIMARY KEY NOT NULL, personnr varchar(16), datum varchar(10))`,
	`INSERT INTO besok VALUES (1, '19121212-1212', '2020-01-01'), (2, '19900101-T123', '2020-01-02'),
		(3, '19900101-T124', '2020-01-03'), (4, '900101-TF12', '2020-01-04')`,
}

// reserveRegistry writes the schema, the mapping (a reserve number no
// list names is archived as no_national_id) and the lists into dir, and
// gives the plan.
func reserveRegistry(t *testing.T, dir, optout string) string {
	t.Helper()
	write(t, filepath.Join(dir, "schema.yaml"), `platform: t
tables:
  - name: visit
    primary_key: [visit_id]
    columns:
      - {name: visit_id, type: bigint}
      - {name: patient, type: varchar(64)}
      - {name: visit_date, type: date}
`)
	write(t, filepath.Join(dir, "m.yaml"), `tables:
  - target: visit
    source: besok
    person: personnr
    rules:
      - {when: 'pnr_kind(src.personnr) == "reservnummer"', archive: no_national_id}
    columns:
      visit_id: id
      patient: {expr: "pseudonym(personnr)"}
      visit_date: {expr: date(datum)}
`)
	write(t, filepath.Join(dir, "optout.txt"), optout)
	write(t, filepath.Join(dir, "erasure.txt"), "900101 tf12\n")
	t.Setenv("REGFLYTT_TEST_OPTOUT_KEY", optoutKey)
	return writePlan(t, dir, `run: {reference_date: 2026-01-01}
pseudonymisation: {key_env: REGFLYTT_TEST_OPTOUT_KEY}
optout: {file: optout.txt}
erasure: {file: erasure.txt}
verification: {acknowledge: {archived_share.besok: a test of four records}}
`)
}

// A patient known only by a reserve number who opted out: the list names
// the number, and the record is excluded, in neither the target nor the
// archive, and the run and its verification PASS. Before, the list entry
// stopped the run ("no identity number"), and the only way on was to
// delete it, which archived the patient's record with the number.
// MariaDB to PostgreSQL.
func TestRunExcludesListedReserveNumber(t *testing.T) {
	if os.Getenv("REGFLYTT_TEST_MYSQL") == "" || os.Getenv("REGFLYTT_TEST_PG") == "" {
		t.Skip("REGFLYTT_TEST_MYSQL and REGFLYTT_TEST_PG are not both set")
	}
	ctx := context.Background()
	dir := t.TempDir()
	src := mytest.NewDatabase(t)
	mytest.Exec(t, src, reserveRows...)
	tgt := pgtest.NewDatabase(t)
	plan := reserveRegistry(t, dir, "# opted out\n19900101-t123\n")
	if _, ds := plans.Check(plan); ds.Err() != nil {
		t.Fatalf("plan check: %v", ds)
	}
	opts := plans.Options{SourceURL: src, TargetURL: tgt, WorkDir: dir}
	rep, err := plans.Run(ctx, loadPlan(t, plan), opts)
	if err != nil {
		t.Fatal(err)
	}
	if !rep.Pass {
		t.Fatalf("run did not pass: %v", rep.Problems)
	}
	want := summary(1, 1, 2, map[string]int64{"erasure": 1, "opt_out": 1})
	if got := ledgerOf(rep, true)["besok"]; got != want {
		t.Fatalf("ledger %s, want %s", got, want)
	}
	sum, err := plans.Verify(ctx, loadPlan(t, plan), opts)
	if err != nil || !sum.Pass {
		var b strings.Builder
		if sum != nil {
			sum.WriteText(&b)
		}
		t.Fatalf("verify: %v, pass %v\n%s", err, sum != nil && sum.Pass, b.String())
	}
	recs := archiveRecords(t, filepath.Join(dir, "archive"), "besok")
	if len(recs) != 1 || !strings.HasPrefix(recs["3"], "no_national_id") {
		t.Fatalf("archived %v, want record 3 alone, no_national_id", recs)
	}
	// Neither listed number is anywhere in the package; the unlisted
	// one is, so the files are read as written.
	unlisted := false
	filepath.WalkDir(filepath.Join(dir, "archive"), func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		unlisted = unlisted || strings.Contains(string(b), "19900101-T124")
		for _, n := range []string{"T123", "TF12"} {
			if strings.Contains(string(b), n) {
				t.Errorf("%s holds a listed reserve number (%s)", path, n)
			}
		}
		return nil
	})
	if !unlisted {
		t.Error("the archive holds the unlisted reserve number nowhere: the files are not read as written")
	}
	if got := targetColumn(t, tgt, "visit", 0); strings.Join(got, ",") != "1" {
		t.Fatalf("target visits %v, want 1 alone", got)
	}
}

// A reserve number entry that matches no record fails the run as any
// entry does; an entry that is neither a number nor a reserve number
// still stops plan check (P013) and the run.
func TestRunReserveEntryUnmatchedOrMalformed(t *testing.T) {
	for name, c := range map[string]struct {
		list, want string
		check      bool // plan check refuses it
	}{
		"unmatched": {"19900101-T123\n19771212-A999\n", "line 2", false},
		"malformed": {"19900101-T123\n19900101-T12\n", "line 2", true},
	} {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, "legacy.db")
			execSQLite(t, path, reserveRows...)
			plan := reserveRegistry(t, dir, c.list)
			_, ds := plans.Check(plan)
			if (ds.Err() != nil) != c.check || c.check && !strings.Contains(ds.Err().Error(), "P013") {
				t.Fatalf("plan check: %v", ds)
			}
			text := ""
			p, lds := plans.Load(plan)
			if err := lds.Err(); err != nil {
				text = err.Error()
			} else {
				rep, err := plans.Run(context.Background(), p, plans.Options{SourceURL: srcURL(path), TargetURL: "sqlite://" + filepath.Join(dir, "t.db"), WorkDir: dir})
				if err == nil && rep.Pass {
					t.Fatal("the run passed")
				}
				if err != nil {
					text = err.Error()
				}
				if rep != nil {
					text += strings.Join(rep.Problems, "\n")
				}
			}
			if !strings.Contains(text, c.want) || strings.Contains(text, "A999") || strings.Contains(text, "T12\n") {
				t.Fatalf("run: %q, want %q named and no number", text, c.want)
			}
		})
	}
}

// Merged sources ask the lists as a plain table does: the main
// register's visit of a patient known by a listed reserve number is
// excluded, and with it the sub-register's record of the same visit,
// which holds no number; another reserve number's visit is archived by
// the rule (no_national_id).
func TestRunMergeExcludesAListedReserveNumber(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	path := filepath.Join(dir, "legacy.db")
	execSQLite(t, path,
		`CREATE TABLE delreg_a (besok_id INTEGER PRIMARY KEY, personnr TEXT, vikt TEXT)`,
		`CREATE TABLE delreg_b (besok_id INTEGER PRIMARY KEY, personnr TEXT, langd INTEGER)`,
		`INSERT INTO delreg_a VALUES (1, '19900101-T123', '70'), (2, '19460101-0301', '71'), (3, '19900101-T124', '72')`,
		`INSERT INTO delreg_b VALUES (1, NULL, 180), (2, '19460101-0301', 181)`)
	writeSchema(t, dir, "visit", "visit_id", "visit_id bigint", "patient varchar(12)", "weight_kg decimal(5,1)", "height_cm smallint")
	write(t, filepath.Join(dir, "m.yaml"), `tables:
  - target: visit
    merge: [visit_id]
    sources:
      - source: delreg_a
        precedence: 1
        person: personnr
        rules:
          - {when: 'pnr_kind(src.personnr) == "reservnummer"', archive: no_national_id}
        columns: {visit_id: besok_id, patient: {expr: pnr(personnr)}, weight_kg: {expr: decimal(vikt)}}
      - source: delreg_b
        precedence: 2
        no_person: the sub-register names the visit, its person is in the main register
        columns: {visit_id: besok_id, height_cm: langd}
        drop: {personnr: never filled in}
`)
	write(t, filepath.Join(dir, "optout.txt"), "19900101-t123\n")
	plan := writePlan(t, dir, "run: {reference_date: 2026-01-01}\noptout: {file: optout.txt}\nverification: {acknowledge: {archived_share.delreg_a: a test of three visits}}\n")
	opts := plans.Options{SourceURL: srcURL(path), TargetURL: "sqlite://" + filepath.Join(dir, "t.db"), WorkDir: dir}
	rep, rows := runMerge(t, plan, opts)
	if want := "194601010301 71.0 181"; rows != want {
		t.Errorf("receiving rows %q, want %q", rows, want)
	}
	checkLedger(t, rep, true, map[string]string{
		"delreg_a": summary(1, 1, 1, map[string]int64{"opt_out": 1}),
		"delreg_b": summary(1, 0, 1, map[string]int64{"opt_out": 1}),
	})
	if !rep.Pass {
		t.Fatalf("run failed: %v", rep.Problems)
	}
	sum, err := plans.Verify(ctx, loadPlan(t, plan), opts)
	if err != nil || !sum.Pass {
		var b strings.Builder
		if sum != nil {
			sum.WriteText(&b)
		}
		t.Fatalf("verify: %v\n%s", err, b.String())
	}
}

// A form store's form whose person's variable holds a listed reserve
// number is excluded with its value rows, in neither the target nor the
// archive: the number alone, a repeat of the variable holding another
// number first, the variable spelled otherwise (a left-out copy). Read
// from SQLite, and from MariaDB when REGFLYTT_TEST_MYSQL is set.
func TestRunEAVExcludesListedReserveNumber(t *testing.T) {
	cases := []formCase{
		{name: "R1 alone", ents: []string{"(1)"}, vals: []string{"(1,1,'personnr','19900101-T123')", "(5,1,'vikt','70')"}, person: "person: personnr", list: "19900101-t123"},
		{name: "R2 repeated, other first", ents: []string{"(1)"}, vals: []string{"(1,1,'personnr','19900101-T124')", "(3,1,'personnr','19900101 t123')", "(5,1,'vikt','70')"}, person: "person: personnr", list: "19900101-T123"},
		{name: "R3 spelled otherwise", ents: []string{"(1)"}, vals: []string{"(1,1,'personnr','19460101-0301')", "(3,1,'PERSONNR','900101-tf12')", "(5,1,'vikt','70')"}, person: "person: personnr", list: "900101-TF12"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) { checkPersonCopies(t, c) })
		if os.Getenv("REGFLYTT_TEST_MYSQL") != "" {
			c.mariadb = true
			t.Run(c.name+" MariaDB", func(t *testing.T) { checkPersonCopies(t, c) })
		}
	}
}
