package verifytest_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"filippo.io/age"

	"github.com/regflytt/regflytt/archive"
	"github.com/regflytt/regflytt/connectors"
	"github.com/regflytt/regflytt/connectors/all"
	"github.com/regflytt/regflytt/connectors/mysql/mytest"
	"github.com/regflytt/regflytt/connectors/postgres/pgtest"
	"github.com/regflytt/regflytt/plans"
	"github.com/regflytt/regflytt/verify"
)

// tamperTarget is a fresh receiving database of one dialect: its URL, a
// way to run SQL on it, and the statements that take the primary key
// off the visit table (so that a row can be duplicated).
type tamperTarget struct {
	url    string
	exec   func(t *testing.T, stmts ...string)
	dropPK []string
	// pushdown says the target computes checksums itself; position that
	// its snapshot tells its position (MariaDB only with a binary log).
	pushdown, position bool
}

// visitRow is what the tamper cases need of a migrated visit.
type visitRow struct {
	id     int64
	height connectors.Value
}

// migratedVisits reads the target's visits through the connector.
func migratedVisits(t *testing.T, url string) []visitRow {
	t.Helper()
	ctx := context.Background()
	src, err := all.OpenSource(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	snap, err := src.Snapshot(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer snap.Close()
	tables, err := snap.Tables(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var visit *connectors.Table
	for i := range tables {
		if tables[i].Name == "visit" {
			visit = &tables[i]
		}
	}
	rows, err := snap.Scan(ctx, visit, connectors.ScanOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []visitRow
	id, h := visit.ColumnIndex("visit_id"), visit.ColumnIndex("height_cm")
	for rows.Next() {
		r := rows.Row()
		out = append(out, visitRow{id: r[id].(int64), height: r[h]})
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// exceptionKinds lists a summary's exceptions as "table key kind columns".
func exceptionKinds(s *verify.Summary) []string {
	var out []string
	for _, d := range s.Exceptions {
		out = append(out, fmt.Sprintf("%s %s %s %s", d.Table, strings.Join(d.Key, ","), d.Kind, strings.Join(d.Columns, ",")))
	}
	return out
}

// runTamperSuite migrates the demo registry from one SQLite source into
// fresh targets, tampers with each in one way, and holds verify to FAIL
// naming the key and column (or the archive file), and to PASS untouched.
func runTamperSuite(t *testing.T, newTarget func(t *testing.T) tamperTarget) {
	srcDir := t.TempDir()
	srcURL, _ := makeDemoSQLite(t, srcDir, 40)
	p := loadPlan(t, demoPlan)
	type tamper struct {
		name string
		// do tampers and returns the exceptions (sorted) or the words a
		// problem must hold.
		do func(t *testing.T, tg tamperTarget, work string, visits []visitRow) (exceptions []string, problem string)
	}
	// Two visits with different, non-NULL heights.
	pair := func(t *testing.T, visits []visitRow) (visitRow, visitRow) {
		for i := range visits {
			for j := i + 1; j < len(visits); j++ {
				a, b := visits[i], visits[j]
				if a.height != nil && b.height != nil && a.height != b.height {
					return a, b
				}
			}
		}
		t.Fatal("no two visits with different heights")
		return visitRow{}, visitRow{}
	}
	// archiveFiles lists the package's data files, largest first.
	archiveFiles := func(t *testing.T, work string) []string {
		var files []string
		root := filepath.Join(work, "archive")
		err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() {
				return err
			}
			if rel, _ := filepath.Rel(root, path); strings.HasPrefix(rel, "data"+string(filepath.Separator)) {
				files = append(files, path)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		slices.SortFunc(files, func(a, b string) int {
			sa, _ := os.Stat(a)
			sb, _ := os.Stat(b)
			return int(sb.Size() - sa.Size())
		})
		return files
	}
	cases := []tamper{
		{"untouched", func(t *testing.T, tg tamperTarget, work string, visits []visitRow) ([]string, string) {
			return nil, ""
		}},
		{"delete a row", func(t *testing.T, tg tamperTarget, work string, visits []visitRow) ([]string, string) {
			v := visits[3]
			tg.exec(t, fmt.Sprintf("DELETE FROM visit WHERE visit_id = %d", v.id))
			return []string{fmt.Sprintf("visit %d missing ", v.id)}, ""
		}},
		{"change a value", func(t *testing.T, tg tamperTarget, work string, visits []visitRow) ([]string, string) {
			v, _ := pair(t, visits)
			tg.exec(t, fmt.Sprintf("UPDATE visit SET height_cm = height_cm + 1 WHERE visit_id = %d", v.id))
			return []string{fmt.Sprintf("visit %d changed height_cm", v.id)}, ""
		}},
		{"null a value", func(t *testing.T, tg tamperTarget, work string, visits []visitRow) ([]string, string) {
			v, _ := pair(t, visits)
			tg.exec(t, fmt.Sprintf("UPDATE visit SET height_cm = NULL WHERE visit_id = %d", v.id))
			// The key and column, and the column's value equation.
			return []string{fmt.Sprintf("visit %d changed height_cm", v.id)}, "receiving column visit.height_cm: "
		}},
		{"swap two rows' values", func(t *testing.T, tg tamperTarget, work string, visits []visitRow) ([]string, string) {
			a, b := pair(t, visits)
			tg.exec(t, fmt.Sprintf("UPDATE visit SET height_cm = %v WHERE visit_id = %d", b.height, a.id),
				fmt.Sprintf("UPDATE visit SET height_cm = %v WHERE visit_id = %d", a.height, b.id))
			want := []string{fmt.Sprintf("visit %d changed height_cm", a.id), fmt.Sprintf("visit %d changed height_cm", b.id)}
			slices.Sort(want)
			return want, ""
		}},
		{"empty the table", func(t *testing.T, tg tamperTarget, work string, visits []visitRow) ([]string, string) {
			tg.exec(t, "DELETE FROM visit")
			var want []string
			for _, v := range visits {
				want = append(want, fmt.Sprintf("visit %d missing ", v.id))
			}
			slices.SortFunc(want, func(a, b string) int { return strings.Compare(strings.Fields(a)[1], strings.Fields(b)[1]) })
			return want, ""
		}},
		{"add a foreign row", func(t *testing.T, tg tamperTarget, work string, visits []visitRow) ([]string, string) {
			tg.exec(t, "INSERT INTO visit (visit_id, patient_id, care_unit_id, visit_date) VALUES (999999, 1, 1, '2020-01-01')")
			return []string{"visit 999999 foreign "}, ""
		}},
		{"duplicate a row", func(t *testing.T, tg tamperTarget, work string, visits []visitRow) ([]string, string) {
			v := visits[5]
			tg.exec(t, tg.dropPK...)
			tg.exec(t, fmt.Sprintf("INSERT INTO visit SELECT * FROM visit WHERE visit_id = %d", v.id))
			return []string{fmt.Sprintf("visit %d duplicate ", v.id)}, ""
		}},
		{"change an archived record", func(t *testing.T, tg tamperTarget, work string, visits []visitRow) ([]string, string) {
			f := archiveFiles(t, work)[0]
			b, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			i := len(b) / 2
			b[i] ^= 0x01
			if err := os.WriteFile(f, b, 0o600); err != nil {
				t.Fatal(err)
			}
			return nil, filepath.Base(f)
		}},
		{"delete an archive file", func(t *testing.T, tg tamperTarget, work string, visits []visitRow) ([]string, string) {
			f := archiveFiles(t, work)[0]
			if err := os.Remove(f); err != nil {
				t.Fatal(err)
			}
			return nil, filepath.Base(f)
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			tg := newTarget(t)
			work := t.TempDir()
			opts := plans.Options{SourceURL: srcURL, TargetURL: tg.url, WorkDir: work}
			if _, err := plans.Run(context.Background(), p, opts); err != nil {
				t.Fatalf("run: %v", err)
			}
			wantExc, wantProblem := c.do(t, tg, work, migratedVisits(t, tg.url))
			sum, err := plans.Verify(context.Background(), p, opts)
			if sum == nil {
				t.Fatalf("verify gave no summary: %v", err)
			}
			if c.name == "untouched" {
				if err != nil || !sum.Pass {
					t.Fatalf("an untouched migration fails verification: %v %v %v %v", err, sum.Problems, exceptionKinds(sum), sum.Findings)
				}
				// A server's snapshot says where it stands; SQLite's cannot.
				if tg.position != (len(sum.Positions) == 1 && sum.Positions[0].Side == "target" && sum.Positions[0].Value != "") {
					t.Errorf("snapshot positions %v", sum.Positions)
				}
				for _, c := range sum.Contents {
					if c.Pushdown != tg.pushdown || (c.ActualRows == 0 && c.Table == "visit") {
						t.Errorf("receiving table %s: pushdown %v (want %v), %d rows", c.Table, c.Pushdown, tg.pushdown, c.ActualRows)
					}
				}
				return
			}
			if sum.Pass || !errors.Is(err, plans.ErrNotAccounted) {
				t.Fatalf("tampered target passes verification (err %v)", err)
			}
			if wantProblem != "" {
				if !strings.Contains(strings.Join(sum.Problems, "\n"), wantProblem) {
					t.Fatalf("no problem names %s: %v", wantProblem, sum.Problems)
				}
				if wantExc == nil {
					return
				}
			}
			got := exceptionKinds(sum)
			if !slices.Equal(got, wantExc) {
				t.Fatalf("exceptions:\n got %q\nwant %q\nproblems %v", got, wantExc, sum.Problems)
			}
			// The files are written for the auditor even on FAIL.
			for _, name := range []string{verify.JSONFile, verify.HTMLFile} {
				if _, err := os.Stat(filepath.Join(work, name)); err != nil {
					t.Error(err)
				}
			}
		})
	}
}

func TestVerifyTamperSQLite(t *testing.T) {
	runTamperSuite(t, func(t *testing.T) tamperTarget {
		path := filepath.Join(t.TempDir(), "receiving.db")
		exec := func(t *testing.T, stmts ...string) {
			t.Helper()
			db, err := sql.Open("sqlite", path)
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			for _, s := range stmts {
				if _, err := db.Exec(s); err != nil {
					t.Fatalf("%s: %v", s, err)
				}
			}
		}
		// SQLite cannot drop a primary key: the table is made again
		// without it, with the same column types.
		dropPK := []string{
			`CREATE TABLE visit_nopk ("visit_id" INTEGER NOT NULL, "patient_id" INTEGER NOT NULL, "care_unit_id" INTEGER NOT NULL,
			 "visit_date" DATE NOT NULL, "weight_kg" DECIMAL_TEXT(5,1), "height_cm" INTEGER, "smoker" INTEGER)`,
			`INSERT INTO visit_nopk SELECT * FROM visit`,
			`DROP TABLE visit`,
			`ALTER TABLE visit_nopk RENAME TO visit`,
		}
		return tamperTarget{url: "sqlite://" + path, exec: exec, dropPK: dropPK}
	})
}

func TestVerifyTamperPostgreSQL(t *testing.T) {
	pgtest.AdminURL(t)
	runTamperSuite(t, func(t *testing.T) tamperTarget {
		url := pgtest.NewDatabase(t)
		return tamperTarget{url: url, exec: func(t *testing.T, stmts ...string) { t.Helper(); pgtest.Exec(t, url, stmts...) },
			dropPK: []string{"ALTER TABLE visit DROP CONSTRAINT visit_pkey"}, pushdown: true, position: true}
	})
}

func TestVerifyTamperMariaDB(t *testing.T) {
	mytest.ServerURL(t)
	runTamperSuite(t, func(t *testing.T) tamperTarget {
		url := mytest.NewDatabase(t)
		return tamperTarget{url: url, exec: func(t *testing.T, stmts ...string) { t.Helper(); mytest.Exec(t, url, stmts...) },
			dropPK: []string{"ALTER TABLE visit DROP PRIMARY KEY"}, pushdown: true}
	})
}

// Findings that need a person fail verification until the plan
// acknowledges them with a reason; an acknowledgement of nothing is a
// note in the report, for a person to remove.
func TestVerifyFindingsAndAcknowledgements(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	srcURL := "sqlite://" + filepath.Join(dir, "legacy.db")
	tables := []connectors.Table{{Name: "besok", PrimaryKey: []string{"id"}, Columns: []connectors.Column{intCol("id"), textCol("personnr"), textCol("datum"), intCol("niva")}}}
	var rows [][]connectors.Value
	for i := int64(1); i <= 10; i++ {
		niva := i % 5
		if i <= 2 {
			niva = 9 // out of range: archived, 2 of 10
		}
		pnr := "19121212-1212"
		if i == 5 {
			pnr = "161202-1814" // born 2016 by the reference date, but visited in 2010
		}
		rows = append(rows, []connectors.Value{i, pnr, "2010-01-01", niva})
	}
	writeTables(t, srcURL, tables, map[string][][]connectors.Value{"besok": rows})
	write(t, filepath.Join(dir, "schema.yaml"), `platform: t
tables:
  - name: visit
    primary_key: [id]
    columns:
      - {name: id, type: bigint}
      - {name: patient, type: varchar(12), not_null: true}
      - {name: level, type: smallint}
`)
	write(t, filepath.Join(dir, "m.yaml"), `tables:
  - target: visit
    source: besok
    columns:
      id: {from: id}
      patient: {expr: 'pnr(personnr, datum)'}
      level: {from: niva, rules: {range: [0, 5]}}
`)
	tgtURL := "sqlite://" + filepath.Join(dir, "t.db")
	const run = "run: {reference_date: 2026-01-01}\n"
	rep, err := plans.Run(ctx, loadPlan(t, writePlan(t, dir, run)), plans.Options{SourceURL: srcURL, TargetURL: tgtURL, WorkDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	// The run ends with the same checker: its alarms (findings not
	// acknowledged, not fatal) are listed in report.json and do not fail
	// the run; they gate verify.
	var alarms []string
	for _, f := range rep.Alarms {
		alarms = append(alarms, f.ID)
	}
	if got := strings.Join(alarms, "|"); got != "archived_share.besok|pnr_century_resolved.besok" || !rep.Pass {
		t.Errorf("run: pass %v, alarms %q, want PASS with archived_share.besok|pnr_century_resolved.besok", rep.Pass, got)
	}
	if b, err := os.ReadFile(filepath.Join(dir, "report.json")); err != nil || !strings.Contains(string(b), `"id": "archived_share.besok"`) {
		t.Errorf("report.json lacks the alarm (%v):\n%s", err, b)
	}
	cases := []struct {
		name, verification string
		pass               bool
		findings, problem  string
	}{
		{"none acknowledged", "", false,
			"archived_share.besok 2 false|pnr_century_resolved.besok 1 false", ""},
		{"both acknowledged", `verification:
  acknowledge:
    archived_share.besok: levels above 5 were a form error in 2010
    pnr_century_resolved.besok: checked by hand against the visit dates
`, true, "archived_share.besok 2 true|pnr_century_resolved.besok 1 true", ""},
		{"a higher limit", `verification:
  archived_share_max: 0.25
  acknowledge: {pnr_century_resolved.besok: checked by hand}
`, true, "pnr_century_resolved.besok 1 true", ""},
		{"an acknowledgement of nothing", `verification:
  archived_share_max: 0.25
  acknowledge: {pnr_century_resolved.besok: checked, archived_share.besok: old reason}
`, true, "pnr_century_resolved.besok 1 true", "names archived_share.besok, which is no finding"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p := loadPlan(t, writePlan(t, dir, run+tc.verification))
			sum, err := plans.Verify(ctx, p, plans.Options{SourceURL: srcURL, TargetURL: tgtURL, WorkDir: dir})
			if sum == nil {
				t.Fatal(err)
			}
			var got []string
			for _, f := range sum.Findings {
				got = append(got, fmt.Sprint(f.ID, " ", f.Count, " ", f.Acknowledged))
			}
			if strings.Join(got, "|") != tc.findings {
				t.Errorf("findings %q, want %q", strings.Join(got, "|"), tc.findings)
			}
			if sum.Pass != tc.pass || (err == nil) != tc.pass {
				t.Errorf("pass %v (err %v), want %v; problems %v", sum.Pass, err, tc.pass, sum.Problems)
			}
			if tc.problem != "" && !strings.Contains(strings.Join(sum.Notes, "\n"), tc.problem) {
				t.Errorf("notes %v lack %q", sum.Notes, tc.problem)
			}
		})
	}
}

func TestVerificationSectionErrors(t *testing.T) {
	dir := t.TempDir()
	path := writePlan(t, dir, "verification:\n  archived_share_max: lots\n  float_tolerance: 2\n  acknowledge: {archived_share.x: ''}\n  control_groups: {visit: care_unit_id}\n")
	_, ds := plans.Load(path)
	got := ds.Error()
	for _, want := range []string{"plan.yaml:10:23: error P040", "plan.yaml:11:20: error P040", "plan.yaml:12:35: error P041", "plan.yaml:13:27: error P042"} {
		if !strings.Contains(got, want) {
			t.Errorf("diagnostics lack %q:\n%s", want, got)
		}
	}
}

// The verification report's format is guarded by a golden file: the demo
// registry (seeded), verified with a fixed clock, its temporary paths
// replaced by $WORK. A renamed or removed field, or a changed hash, shows
// here; run `go test ./plans/verifytest -run TestVerifyReportGolden -update` after
// a deliberate change (and change verify.SchemaVersion when a field is
// renamed or removed).
func TestVerifyReportGolden(t *testing.T) {
	// The message below tells the user to refresh with -update: the
	// flag must exist, or go test refuses it ("flag provided but not
	// defined") and the golden cannot be refreshed as told.
	if flag.Lookup("update") == nil {
		t.Fatal("no -update flag is defined in plans/verifytest, so the golden cannot be refreshed as this test's message says")
	}
	dir := t.TempDir()
	srcURL, _ := makeDemoSQLite(t, dir, 25)
	p := loadPlan(t, demoPlan)
	clock := func() time.Time { return time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC) }
	opts := plans.Options{SourceURL: srcURL, TargetURL: "sqlite://" + filepath.Join(dir, "receiving.db"), WorkDir: dir, Now: clock, ToolVersion: "v0.0.0-test"}
	if _, err := plans.Run(context.Background(), p, opts); err != nil {
		t.Fatal(err)
	}
	if _, err := plans.Verify(context.Background(), p, opts); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(filepath.Join(dir, verify.JSONFile))
	if err != nil {
		t.Fatal(err)
	}
	// Both reports name the version of the plan they are of, as its
	// registry holder approves it: portfolio status tells a stale report
	// by it.
	in, ds := p.LoadInputs()
	if ds.Err() != nil {
		t.Fatal(ds)
	}
	hash, err := p.Hash(in)
	if err != nil {
		t.Fatal(err)
	}
	var run verify.Report
	var ver verify.Summary
	rb, err := os.ReadFile(filepath.Join(dir, "report.json"))
	if err != nil || json.Unmarshal(rb, &run) != nil || json.Unmarshal(b, &ver) != nil || run.PlanHash != hash || ver.PlanHash != hash {
		t.Errorf("plan hash %q in report.json and %q in %s, want %q (%v)", run.PlanHash, ver.PlanHash, verify.JSONFile, hash, err)
	}
	// Hashes of the plan's files and of the demo's content change with
	// every edit of the demo mapping or generator: the format is what is
	// guarded here (the tamper tests guard the hashes' meaning).
	got := strings.ReplaceAll(string(b), dir, "$WORK")
	got = regexp.MustCompile(`"(sha256|plan_fingerprint|plan_hash|sum1|sum2)": "[0-9a-f]+"`).ReplaceAllString(got, `"$1": "$$HEX"`)
	golden := filepath.Join("testdata", "verify-report.golden.json")
	if *update {
		if err := os.MkdirAll("testdata", 0o750); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(golden, []byte(got), 0o640); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if got != string(want) {
		t.Errorf("%s differs from the golden file %s (go test ./plans/verifytest -run TestVerifyReportGolden -update after a deliberate change):\n%s", verify.JSONFile, golden, got)
	}
}

// The archive package is read record by record through archive.Reader
// and compared with what the mappings archive: a package intact in
// itself (every digest right) whose records differ from the source's —
// here the source changed after the run — fails, naming the record.
func TestVerifyArchiveContentAgainstSource(t *testing.T) {
	dir := t.TempDir()
	srcURL, _ := makeDemoSQLite(t, dir, 20)
	p := loadPlan(t, demoPlan)
	opts := plans.Options{SourceURL: srcURL, TargetURL: "sqlite://" + filepath.Join(dir, "receiving.db"), WorkDir: dir}
	if _, err := plans.Run(context.Background(), p, opts); err != nil {
		t.Fatal(err)
	}
	db, err := sql.Open("sqlite", strings.TrimPrefix(srcURL, "sqlite://"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec("UPDATE logg SET handelse = 'något annat' WHERE id = 2"); err != nil {
		t.Fatal(err)
	}
	db.Close()
	sum, err := plans.Verify(context.Background(), p, opts)
	if sum == nil || sum.Pass || !errors.Is(err, plans.ErrNotAccounted) {
		t.Fatalf("verify passes an archive that differs from the source: %v", err)
	}
	var got []string
	for _, d := range sum.ArchiveExceptions {
		got = append(got, d.Table+" "+strings.Join(d.Key, ",")+" "+d.Kind)
	}
	if want := []string{`logg ["2"] archive_changed`}; !slices.Equal(got, want) {
		t.Fatalf("archive exceptions %q, want %q (problems %v)", got, want, sum.Problems)
	}
	if len(sum.Exceptions) != 0 || !sum.Archive.Manifest {
		t.Errorf("receiving exceptions %v, manifest ok %v: only the archive differs", sum.Exceptions, sum.Archive.Manifest)
	}
}

// A run that seals its archive removes the package in clear: verify says
// so and how to go on, and verifies the decrypted package given with
// --archive.
func TestVerifySealedArchive(t *testing.T) {
	dir := t.TempDir()
	srcURL, _ := makeDemoSQLite(t, dir, 15)
	id, err := age.GenerateX25519Identity()
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"schema.yaml", "mapping.yaml"} {
		b, err := os.ReadFile(filepath.Join("..", "demo", name))
		if err != nil {
			t.Fatal(err)
		}
		write(t, filepath.Join(dir, name), string(b))
	}
	b, err := os.ReadFile(filepath.Join("..", "demo", "plan.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	text := regexp.MustCompile(`unencrypted_reason: .*`).ReplaceAllString(string(b), "encrypt_to: ["+id.Recipient().String()+"]")
	p := loadPlan(t, write(t, filepath.Join(dir, "plan.yaml"), text))
	work := filepath.Join(dir, "work")
	opts := plans.Options{SourceURL: srcURL, TargetURL: "sqlite://" + filepath.Join(dir, "receiving.db"), WorkDir: work}
	if _, err := plans.Run(context.Background(), p, opts); err != nil {
		t.Fatal(err)
	}
	_, err = plans.Verify(context.Background(), p, opts)
	if err == nil || !strings.Contains(err.Error(), "is sealed in") || !strings.Contains(err.Error(), "--archive") {
		t.Fatalf("verify of a sealed package: %v", err)
	}
	clear := filepath.Join(dir, "clear")
	if _, err := archive.Decrypt(context.Background(), filepath.Join(work, "archive"+plans.SealedSuffix), clear, id); err != nil {
		t.Fatal(err)
	}
	sum, err := plans.VerifyWith(context.Background(), p, opts, plans.VerifyOptions{ArchiveDir: clear})
	if err != nil || !sum.Pass {
		t.Fatalf("verify of the decrypted package: %v", err)
	}
}

// Each receiving column's values, recomputed: non-NULL, archived alone,
// made NULL by null_when; the verification passes with them declared.
func TestVerifyColumnEquations(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	srcURL := "sqlite://" + filepath.Join(dir, "legacy.db")
	tables := []connectors.Table{{Name: "besok", PrimaryKey: []string{"id"}, Columns: []connectors.Column{intCol("id"), textCol("langd"), textCol("rok")}}}
	writeTables(t, srcURL, tables, map[string][][]connectors.Value{"besok": {
		{int64(1), "172", "ja"}, {int64(2), "ca 180", "nej"}, {int64(3), nil, "-"}, {int64(4), "165", nil},
	}})
	write(t, filepath.Join(dir, "schema.yaml"), `platform: t
tables:
  - name: visit
    primary_key: [id]
    columns:
      - {name: id, type: bigint}
      - {name: length_cm, type: "decimal(5,1)"}
      - {name: smoker, type: varchar(3)}
`)
	write(t, filepath.Join(dir, "m.yaml"), `tables:
  - target: visit
    source: besok
    granularity: value
    columns:
      id: {from: id}
      length_cm: {expr: decimal(langd)}
      smoker: {from: rok, null_when: ["-"]}
`)
	// One record of four migrates with a value archived alone: more than
	// the default share, which this test of the equations accepts.
	p := loadPlan(t, writePlan(t, dir, "verification: {acknowledge: {values_archived_share.besok: a test of the column equations}}\n"))
	opts := plans.Options{SourceURL: srcURL, TargetURL: "sqlite://" + filepath.Join(dir, "t.db"), WorkDir: dir}
	if _, err := plans.Run(ctx, p, opts); err != nil {
		t.Fatal(err)
	}
	sum, err := plans.Verify(ctx, p, opts)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, c := range sum.Columns {
		got = append(got, fmt.Sprintf("%s.%s rows %d non-NULL %d alone %d null_when %d lost %d", c.Table, c.Column, c.Rows, c.NonNull, c.ArchivedAlone, c.NulledByRule, c.Lost))
	}
	want := []string{
		"visit.id rows 4 non-NULL 4 alone 0 null_when 0 lost 0",
		"visit.length_cm rows 4 non-NULL 2 alone 1 null_when 0 lost 0",
		"visit.smoker rows 4 non-NULL 2 alone 0 null_when 1 lost 0",
	}
	if !slices.Equal(got, want) {
		t.Fatalf("column equations\n got %q\nwant %q", got, want)
	}
	// The value archived alone is compared with the package's, value for
	// value: the source now says another thing than the archive holds.
	db, err := sql.Open("sqlite", filepath.Join(dir, "legacy.db"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec("UPDATE besok SET langd = 'ca 190' WHERE id = 2"); err != nil {
		t.Fatal(err)
	}
	db.Close()
	sum, err = plans.Verify(ctx, p, opts)
	if !errors.Is(err, plans.ErrNotAccounted) || !strings.Contains(strings.Join(sum.Problems, "\n"), "values archived alone of besok") {
		t.Fatalf("a value archived alone that differs from the source passes: %v %v", err, sum.Problems)
	}
}

// A code list with codes no source record uses is a finding: the list may
// be for another platform version, or a code may be written wrong.
func TestVerifyCodesNeverSeen(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	srcURL := "sqlite://" + filepath.Join(dir, "legacy.db")
	tables := []connectors.Table{{Name: "besok", PrimaryKey: []string{"id"}, Columns: []connectors.Column{intCol("id"), textCol("rok")}}}
	writeTables(t, srcURL, tables, map[string][][]connectors.Value{"besok": {{int64(1), "J"}, {int64(2), "N"}, {int64(3), "J"}}})
	write(t, filepath.Join(dir, "schema.yaml"), `platform: t
tables:
  - name: visit
    primary_key: [id]
    columns:
      - {name: id, type: bigint}
      - {name: smoker, type: varchar(10)}
`)
	write(t, filepath.Join(dir, "m.yaml"), `codelists:
  - name: smoking
    unmapped: archive
    codes: {J: current, N: never, F: former, X: ~}
tables:
  - target: visit
    source: besok
    columns:
      id: {from: id}
      smoker: {from: rok, codelist: smoking}
`)
	opts := plans.Options{SourceURL: srcURL, TargetURL: "sqlite://" + filepath.Join(dir, "t.db"), WorkDir: dir}
	if _, err := plans.Run(ctx, loadPlan(t, writePlan(t, dir, "")), opts); err != nil {
		t.Fatal(err)
	}
	sum, err := plans.Verify(ctx, loadPlan(t, writePlan(t, dir, "")), opts)
	if sum == nil || len(sum.Findings) != 1 || sum.Findings[0].ID != "codes_never_seen.smoking" || sum.Findings[0].Count != 2 || sum.Findings[0].Of != 4 || sum.Pass {
		t.Fatalf("findings %+v (err %v), want codes_never_seen.smoking: 2 of 4 (F and X), unacknowledged", sum.Findings, err)
	}
	ack := "verification: {acknowledge: {codes_never_seen.smoking: F and X are for later form versions}}\n"
	if sum, err := plans.Verify(ctx, loadPlan(t, writePlan(t, dir, ack)), opts); err != nil || !sum.Pass {
		t.Fatalf("acknowledged: %v", err)
	}
}

// Control groups: the rows per care unit, expected and in the target. A
// visit moved to another care unit changes two groups' counts (and the
// content check names the visit and the column).
func TestVerifyControlGroups(t *testing.T) {
	dir := t.TempDir()
	srcURL, _ := makeDemoSQLite(t, dir, 30)
	for _, name := range []string{"schema.yaml", "mapping.yaml"} {
		b, err := os.ReadFile(filepath.Join("..", "demo", name))
		if err != nil {
			t.Fatal(err)
		}
		write(t, filepath.Join(dir, name), string(b))
	}
	b, err := os.ReadFile(filepath.Join("..", "demo", "plan.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	text := strings.Replace(string(b), "verification:\n", "verification:\n  control_groups:\n    visit: [care_unit_id]\n", 1)
	planPath := write(t, filepath.Join(dir, "plan.yaml"), text)
	p := loadPlan(t, planPath)
	tgt := filepath.Join(dir, "receiving.db")
	opts := plans.Options{SourceURL: srcURL, TargetURL: "sqlite://" + tgt, WorkDir: dir}
	if _, err := plans.Run(context.Background(), p, opts); err != nil {
		t.Fatal(err)
	}
	sum, err := plans.Verify(context.Background(), p, opts)
	if err != nil {
		t.Fatal(err)
	}
	var total int64
	for _, g := range sum.Groups {
		if !g.OK || g.Table != "visit" || len(g.Group) != 1 {
			t.Errorf("group %+v", g)
		}
		total += g.Actual
	}
	var visits int64
	for _, c := range sum.Contents {
		if c.Table == "visit" {
			visits = c.ActualRows
		}
	}
	if len(sum.Groups) < 2 || total != visits {
		t.Fatalf("%d groups holding %d rows, want the %d visits in several care units", len(sum.Groups), total, visits)
	}
	db, err := sql.Open("sqlite", tgt)
	if err != nil {
		t.Fatal(err)
	}
	from, to := sum.Groups[0].Group[0], sum.Groups[1].Group[0]
	if _, err := db.Exec("UPDATE visit SET care_unit_id = " + to + " WHERE visit_id = (SELECT min(visit_id) FROM visit WHERE care_unit_id = " + from + ")"); err != nil {
		t.Fatal(err)
	}
	db.Close()
	sum, err = plans.Verify(context.Background(), p, opts)
	if !errors.Is(err, plans.ErrNotAccounted) {
		t.Fatalf("a visit moved to another care unit passes: %v", err)
	}
	var bad []string
	for _, g := range sum.Groups {
		if !g.OK {
			bad = append(bad, fmt.Sprintf("%s %d→%d", g.Group[0], g.Expected, g.Actual))
		}
	}
	if len(bad) != 2 || len(sum.Exceptions) != 1 || !slices.Equal(sum.Exceptions[0].Columns, []string{"care_unit_id"}) {
		t.Fatalf("groups differing %v, exceptions %v", bad, exceptionKinds(sum))
	}
}

// A plan without a reference date judges grants on the day the run
// started; verify judges on that day too (the archive package records
// it), not on its own: an appointment valid to 2099 that a run in 2026
// carried is no difference in a verification in 2100. It is an alarm
// (appointment_ended_since) until a person who checked the run's day
// acknowledges it: the day comes from records whoever writes the target
// can move (TestVerifyReferenceDayMovedInThePackageAndTheCheckpoint).
func TestVerifyJudgesOnTheRunsDay(t *testing.T) {
	dir := t.TempDir()
	// Enough patients for appointments that are valid to 2099 (the
	// smallest demos have only the expired one).
	srcURL, _ := makeDemoSQLite(t, dir, 300)
	p := loadPlan(t, demoPlan)
	if !p.ReferenceDate.IsZero() {
		t.Skip("the demo plan has a reference date now")
	}
	opts := plans.Options{SourceURL: srcURL, TargetURL: "sqlite://" + filepath.Join(dir, "receiving.db"), WorkDir: dir,
		Now: func() time.Time { return time.Date(2026, 3, 4, 5, 6, 7, 0, time.UTC) }}
	if _, err := plans.Run(context.Background(), p, opts); err != nil {
		t.Fatal(err)
	}
	opts.Now = func() time.Time { return time.Date(2100, 1, 1, 0, 0, 0, 0, time.UTC) }
	sum, err := plans.Verify(context.Background(), p, opts)
	if sum == nil {
		t.Fatal(err)
	}
	if fs := sum.Failures(); len(fs) != 0 || len(sum.Alarms()) != 1 || sum.Alarms()[0].ID != plans.FindingAppointmentEndedSince+".grants" {
		t.Fatalf("verify in 2100 of a run in 2026: failures %v, alarms %v, want only %s", fs, sum.Alarms(), plans.FindingAppointmentEndedSince)
	}
	acknowledgeEndedSince(p)
	sum, err = plans.Verify(context.Background(), p, opts)
	if err != nil {
		t.Fatalf("verify in 2100 of a run in 2026, the run's day checked: %v %v", err, exceptionKinds(sum))
	}
	if !strings.HasPrefix(sum.ReferenceDay, "2026-03-04") || !sum.Finished.Equal(time.Date(2100, 1, 1, 0, 0, 0, 0, time.UTC)) {
		t.Errorf("reference day %q, finished %v", sum.ReferenceDay, sum.Finished)
	}
}

// Traps through the transformation, on every target: JSON with spacing
// a server could normalise, fractional seconds, a time of day, a decimal
// padded to its scale, trailing spaces, the empty string against NULL against the text NULL.
// An untouched migration passes (no false difference); each tamper is
// named by key and column.
func runTrapsThroughMapping(t *testing.T, newTarget func(t *testing.T) tamperTarget) {
	dir := t.TempDir()
	srcURL := "sqlite://" + filepath.Join(dir, "legacy.db")
	cols := []connectors.Column{intCol("id"), textCol("j"), textCol("dt"), textCol("ts"), textCol("tm"), textCol("d"), textCol("s")}
	writeTables(t, srcURL, []connectors.Table{{Name: "t", PrimaryKey: []string{"id"}, Columns: cols}}, map[string][][]connectors.Value{"t": {
		{int64(1), `{"b": 1,  "a": [1, 2]}`, "2024-01-02 03:04:05.123456", "2024-01-02T03:04:05.5Z", "12:34:56.5", "1.5", "x  "},
		{int64(2), nil, "2024-01-02 03:04:05", nil, nil, "-0.5", ""},
		{int64(3), `[]`, nil, nil, nil, nil, "NULL"},
		{int64(4), nil, nil, nil, nil, nil, nil},
	}})
	write(t, filepath.Join(dir, "schema.yaml"), `platform: t
tables:
  - name: x
    primary_key: [id]
    columns:
      - {name: id, type: bigint}
      - {name: j, type: json}
      - {name: dt, type: datetime(6)}
      - {name: ts, type: timestamptz(6)}
      - {name: tm, type: time(6)}
      - {name: d, type: "decimal(5,2)"}
      - {name: s, type: varchar(10)}
`)
	write(t, filepath.Join(dir, "m.yaml"), `tables:
  - target: x
    source: t
    columns:
      id: {from: id}
      j: {from: j, cast: json}
      dt: {from: dt, cast: datetime(6)}
      ts: {from: ts, cast: timestamptz(6)}
      tm: {from: tm, cast: time(6)}
      d: {from: d, cast: "decimal(5,2)"}
      s: {from: s}
`)
	p := loadPlan(t, writePlan(t, dir, ""))
	for _, c := range []struct {
		name, tamper string
		want         []string
	}{
		{"untouched", "", nil},
		{"a trailing space less", "UPDATE x SET s = 'x ' WHERE id = 1", []string{"x 1 changed s"}},
		{"NULL for ''", "UPDATE x SET s = NULL WHERE id = 2", []string{"x 2 changed s"}},
		{"'' for 'NULL'", "UPDATE x SET s = '' WHERE id = 3", []string{"x 3 changed s"}},
		{"the decimal's last digit", "UPDATE x SET d = 1.51 WHERE id = 1", []string{"x 1 changed d"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			tg := newTarget(t)
			work := t.TempDir()
			opts := plans.Options{SourceURL: srcURL, TargetURL: tg.url, WorkDir: work}
			if _, err := plans.Run(context.Background(), p, opts); err != nil {
				t.Fatalf("run: %v", err)
			}
			if c.tamper != "" {
				tg.exec(t, c.tamper)
			}
			sum, err := plans.Verify(context.Background(), p, opts)
			if sum == nil {
				t.Fatal(err)
			}
			for _, tc := range sum.Tables {
				if tc.Migrated != 4 {
					t.Fatalf("%s: %d of 4 migrated (%v): the corpus must migrate whole", tc.Source, tc.Migrated, tc.ArchivedBy)
				}
			}
			var got []string
			for _, d := range sum.Exceptions {
				got = append(got, fmt.Sprintf("%s %s %s %s", d.Table, strings.Join(d.Key, ","), d.Kind, strings.Join(d.Columns, ",")))
			}
			if !slices.Equal(got, c.want) || (c.want == nil) != sum.Pass {
				t.Fatalf("exceptions %q (pass %v), want %q; problems %v", got, sum.Pass, c.want, sum.Problems)
			}
		})
	}
}

func TestVerifyTrapsSQLite(t *testing.T) {
	runTrapsThroughMapping(t, func(t *testing.T) tamperTarget {
		path := filepath.Join(t.TempDir(), "receiving.db")
		return tamperTarget{url: "sqlite://" + path, exec: func(t *testing.T, stmts ...string) {
			t.Helper()
			db, err := sql.Open("sqlite", path)
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			for _, s := range stmts {
				if _, err := db.Exec(s); err != nil {
					t.Fatalf("%s: %v", s, err)
				}
			}
		}}
	})
}

func TestVerifyTrapsPostgreSQL(t *testing.T) {
	pgtest.AdminURL(t)
	runTrapsThroughMapping(t, func(t *testing.T) tamperTarget {
		url := pgtest.NewDatabase(t)
		return tamperTarget{url: url, exec: func(t *testing.T, stmts ...string) { t.Helper(); pgtest.Exec(t, url, stmts...) }}
	})
}

func TestVerifyTrapsMariaDB(t *testing.T) {
	mytest.ServerURL(t)
	runTrapsThroughMapping(t, func(t *testing.T) tamperTarget {
		url := mytest.NewDatabase(t)
		return tamperTarget{url: url, exec: func(t *testing.T, stmts ...string) { t.Helper(); mytest.Exec(t, url, stmts...) }}
	})
}
