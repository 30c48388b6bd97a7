package plans_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/regflytt/regflytt/archive"
	"github.com/regflytt/regflytt/connectors"
	"github.com/regflytt/regflytt/connectors/mysql/mytest"
	"github.com/regflytt/regflytt/connectors/postgres/pgtest"
	"github.com/regflytt/regflytt/connectors/sqlite"
	"github.com/regflytt/regflytt/mappings"
	"github.com/regflytt/regflytt/plans"
)

// A register of reports (anmalan) in which a patient is reported more
// than once; the receiving table holds one row per patient, so all but
// one report of a patient are archived as duplicate_key. Which one
// migrates is the first in processing order: with order_by: [reported]
// the earliest report, without it the lowest id.

func dateOf(s string) connectors.Date {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		panic(err)
	}
	return connectors.DateOf(t)
}

// writeReports writes the source table anmalan with rows into
// dir/legacy.db (once), the receiving schema and a mapping (with orderBy
// as its order_by line, or none), and returns the plan.
func writeReports(t *testing.T, dir string, rows [][]connectors.Value, orderBy, extra string) string {
	t.Helper()
	if _, err := os.Stat(filepath.Join(dir, "legacy.db")); err != nil {
		writeReportsSource(t, "sqlite://"+filepath.Join(dir, "legacy.db"), rows, false)
	}
	return writeReportsPlan(t, dir, orderBy, extra)
}

// writeReportsSource creates anmalan in the database at url and fills it.
func writeReportsSource(t *testing.T, url string, rows [][]connectors.Value, nullable bool) {
	t.Helper()
	writeTables(t, url, []connectors.Table{
		{Name: "anmalan", PrimaryKey: []string{"id"}, Columns: []connectors.Column{intCol("id"), textCol("patient"),
			{Name: "reported", Type: connectors.Type{Kind: connectors.KindDate}, Nullable: nullable}}},
	}, map[string][][]connectors.Value{"anmalan": rows})
}

func writeReportsPlan(t *testing.T, dir, orderBy, extra string) string {
	t.Helper()
	write(t, filepath.Join(dir, "schema.yaml"), `platform: t
tables:
  - name: first_report
    primary_key: [patient]
    columns:
      - {name: patient, type: varchar(32)}
      - {name: reported, type: date}
      - {name: report_id, type: bigint}
`)
	write(t, filepath.Join(dir, "m.yaml"), `tables:
  - target: first_report
    source: anmalan
    no_person: synthetic test reports
`+orderBy+extra+`    columns:
      patient: patient
      reported: reported
      report_id: id
`)
	return writePlan(t, dir, `verification:
  acknowledge:
    archived_share.anmalan: patients reported more than once, on purpose
`)
}

// reportIDs reads first_report as patient=report_id pairs.
func reportIDs(t *testing.T, url string) string {
	t.Helper()
	patients := targetColumn(t, url, "first_report", 0)
	ids := targetColumn(t, url, "first_report", 2)
	var out []string
	for i := range patients {
		out = append(out, patients[i]+"="+ids[i])
	}
	return strings.Join(out, " ")
}

// archivedKeys lists the archived records of anmalan as key:reason.
func archivedKeys(t *testing.T, dir string) string {
	t.Helper()
	pkg, err := archive.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	recs, err := pkg.Records("anmalan")
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for recs.Next() {
		r := recs.Record()
		out = append(out, r.KeyText+":"+r.Outcome.Reason)
	}
	if err := recs.Err(); err != nil {
		t.Fatal(err)
	}
	return strings.Join(out, " ")
}

// The earliest report wins with order_by, the lowest id without; each
// run's own verification and a separate `regflytt verify` PASS (verify
// recomputes the winners in the same order), and the archived records
// keep the source table's key, not the processing order's.
func TestRunOrderByDecidesTheWinner(t *testing.T) {
	rows := [][]connectors.Value{
		{int64(1), "P1", dateOf("2021-03-01")},
		{int64(2), "P1", dateOf("2020-01-15")}, // P1's earliest report
		{int64(3), "P2", dateOf("2019-06-01")}, // P2's earliest report
		{int64(4), "P2", dateOf("2022-01-01")},
		{int64(5), "P1", dateOf("2020-01-16")},
	}
	for _, c := range []struct {
		name, orderBy, winners, archived string
	}{
		{"order_by", "    order_by: [reported]\n", "P1=2 P2=3", "(3 rows)"},
		{"key order", "", "P1=1 P2=3", "(3 rows)"},
	} {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			plan := writeReports(t, dir, rows, c.orderBy, "")
			p := loadPlan(t, plan)
			rep := runOnSQLite(t, p, "sqlite://"+filepath.Join(dir, "legacy.db"), dir, nil)
			checkLedger(t, rep, false, map[string]string{"anmalan": summary(2, 3, 0, map[string]int64{"duplicate_key": 3})})
			tgt := "sqlite://" + filepath.Join(dir, "t.db")
			if got := reportIDs(t, tgt); got != c.winners {
				t.Errorf("receiving rows %s, want %s", got, c.winners)
			}
			sum, err := plans.Verify(context.Background(), p, plans.Options{SourceURL: "sqlite://" + filepath.Join(dir, "legacy.db"), TargetURL: tgt, WorkDir: dir})
			if err != nil || !sum.Pass {
				t.Fatalf("verify after a run with %s: %v %v", c.name, err, sum.Failures())
			}
			// The losers are archived under their own key (id), in
			// processing order.
			keys := archivedKeys(t, filepath.Join(dir, "archive"))
			want := map[string]string{"order_by": `["5"]:duplicate_key ["1"]:duplicate_key ["4"]:duplicate_key`, "key order": `["2"]:duplicate_key ["4"]:duplicate_key ["5"]:duplicate_key`}[c.name]
			if keys != want {
				t.Errorf("archived %s, want %s", keys, want)
			}
		})
	}
}

// verify recomputes with the mapping as it stands: a target written in
// key order does not pass a verification whose mapping now orders by
// report date (the winners differ), so verify does read in order_by's
// order and the run's PASS above is not vacuous.
func TestVerifyRecomputesInProcessingOrder(t *testing.T) {
	dir := t.TempDir()
	rows := [][]connectors.Value{
		{int64(1), "P1", dateOf("2021-03-01")},
		{int64(2), "P1", dateOf("2020-01-15")},
	}
	p := loadPlan(t, writeReports(t, dir, rows, "", ""))
	src, tgt := "sqlite://"+filepath.Join(dir, "legacy.db"), "sqlite://"+filepath.Join(dir, "t.db")
	runOnSQLite(t, p, src, dir, nil)
	p = loadPlan(t, writeReports(t, dir, rows, "    order_by: [reported]\n", ""))
	sum, err := plans.Verify(context.Background(), p, plans.Options{SourceURL: src, TargetURL: tgt, WorkDir: dir})
	if !errors.Is(err, plans.ErrNotAccounted) || sum == nil || sum.Pass {
		t.Fatalf("verify PASSes a target whose winner the mapping's order_by would not pick: %v", err)
	}
	differs := false
	for _, c := range sum.Contents {
		differs = differs || (c.Table == "first_report" && !c.OK)
	}
	if !differs {
		t.Errorf("verify fails, but not on first_report's content: %v", sum.Failures())
	}
}

// A duplicates rule without by: keeps the first record in processing
// order (the earliest report), and keep: latest the last; ties of by:
// go by processing order too, not by the source key.
func TestRunOrderByDecidesDuplicates(t *testing.T) {
	t.Parallel()
	rows := [][]connectors.Value{
		{int64(1), "P1", dateOf("2021-03-01")},
		{int64(2), "P1", dateOf("2020-01-15")},
		{int64(3), "P1", dateOf("2022-01-01")},
		{int64(4), "P2", dateOf("2019-06-01")},
	}
	for _, c := range []struct {
		name, orderBy, dups, winners string
	}{
		{"earliest in order", "    order_by: [reported]\n", "    duplicates: {same: [patient], keep: earliest}\n", "P1=2 P2=4"},
		{"latest in order", "    order_by: [reported]\n", "    duplicates: {same: [patient], keep: latest}\n", "P1=3 P2=4"},
		{"earliest by key", "", "    duplicates: {same: [patient], keep: earliest}\n", "P1=1 P2=4"},
		// by: patient ties within a patient: the tie goes by the order.
		{"tie in order", "    order_by: [reported]\n", "    duplicates: {same: [patient], keep: earliest, by: patient}\n", "P1=2 P2=4"},
		{"tie by key", "", "    duplicates: {same: [patient], keep: earliest, by: patient}\n", "P1=1 P2=4"},
	} {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			p := loadPlan(t, writeReports(t, dir, rows, c.orderBy, c.dups))
			src, tgt := "sqlite://"+filepath.Join(dir, "legacy.db"), "sqlite://"+filepath.Join(dir, "t.db")
			rep := runOnSQLite(t, p, src, dir, nil)
			checkLedger(t, rep, false, map[string]string{"anmalan": summary(2, 2, 0, map[string]int64{"duplicate_registration": 2})})
			if got := reportIDs(t, tgt); got != c.winners {
				t.Errorf("receiving rows %s, want %s", got, c.winners)
			}
			sum, err := plans.Verify(context.Background(), p, plans.Options{SourceURL: src, TargetURL: tgt, WorkDir: dir})
			if err != nil || !sum.Pass {
				t.Fatalf("verify: %v %v", err, sum.Failures())
			}
		})
	}
}

// tiedReports gives n reports of n/3 patients on four report dates, each
// date a run of n/4 records whose ids are out of date order, so that
// processing order, key order and the batches all differ.
func tiedReports(n int) [][]connectors.Value {
	dates := []string{"2021-01-01", "2019-01-01", "2020-01-01", "2018-01-01"}
	var rows [][]connectors.Value
	for i := 0; i < n; i++ {
		rows = append(rows, []connectors.Value{int64(i + 1), fmt.Sprintf("P%02d", (i*7)%(n/3)), dateOf(dates[i%4])})
	}
	return rows
}

// A run stopped at batch boundaries that fall inside runs of equal
// order_by values (batches of 7 records, runs of 30) resumes after its
// last committed record in processing order: it neither skips nor
// repeats a record, and ends with the target and archive of a run never
// stopped. Resuming by order_by alone (without the key breaking ties)
// skips the rest of the run the batch ended in.
func TestRunOrderByResumesInsideTies(t *testing.T) {
	for _, dups := range []string{"", "    duplicates: {same: [patient], keep: latest}\n"} {
		name := "claims"
		if dups != "" {
			name = "duplicates (replay)"
		}
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			src := "sqlite://" + filepath.Join(dir, "legacy.db")
			writeReportsSource(t, src, tiedReports(120), false)
			resumeInsideTies(t, dir, src, dups)
		})
	}
}

// The same from PostgreSQL and MariaDB sources, which read the table in
// one ordered query (a cursor; a streamed result), sort NULLs apart and
// compare the resume position on the server: the earliest report wins,
// verify PASSes, and a stopped run resumes exactly.
func TestRunOrderByOnServers(t *testing.T) {
	for _, c := range []struct {
		name string
		db   func(testing.TB) string
	}{{"postgres", pgtest.NewDatabase}, {"mariadb", mytest.NewDatabase}} {
		t.Run(c.name, func(t *testing.T) {
			src := c.db(t)
			writeReportsSource(t, src, tiedReports(120), false)
			dir := t.TempDir()
			resumeInsideTies(t, dir, src, "")
			// Each patient's earliest report migrated.
			earliest := map[string]string{}
			for _, r := range tiedReports(120) {
				p, d := r[1].(string), r[2].(connectors.Date).String()
				if e, ok := earliest[p]; !ok || d < e {
					earliest[p] = d
				}
			}
			tgt := "sqlite://" + filepath.Join(dir, "clean.db")
			patients := targetColumn(t, tgt, "first_report", 0)
			dates := targetColumn(t, tgt, "first_report", 1)
			for i, d := range dates {
				if d != earliest[patients[i]] {
					t.Errorf("patient %s: report of %s migrated, want the earliest, of %s", patients[i], d, earliest[patients[i]])
				}
			}
			if len(dates) != 40 {
				t.Fatalf("%d receiving rows, want 40", len(dates))
			}
		})
	}
}

// resumeInsideTies runs the reports plan from src into a clean target,
// then into another target stopped after 1, 2, 3 and 5 batches, then
// once more failing for good at a commit, and resumed, and requires the
// same target and archive; both runs PASS.
func resumeInsideTies(t *testing.T, dir, src, dups string) {
	t.Helper()
	p := loadPlan(t, writeReportsPlan(t, dir, "    order_by: [reported]\n", dups))
	p.BatchSize = 7
	cleanTgt := "sqlite://" + filepath.Join(dir, "clean.db")
	rep, err := plans.Run(context.Background(), p, plans.Options{SourceURL: src, TargetURL: cleanTgt, WorkDir: filepath.Join(dir, "clean")})
	if err != nil || !rep.Pass {
		t.Fatalf("clean run: %v", err)
	}
	want := targetDigest(t, cleanTgt, []string{"first_report"}).String()
	wantArchived := archivedKeys(t, filepath.Join(dir, "clean", "archive"))
	tgt := "sqlite://" + filepath.Join(dir, "resumed.db")
	work := filepath.Join(dir, "resumed")
	stops := 0
	for _, n := range []int{1, 2, 3, 5} {
		s := &stopAfter{n: n, stop: make(chan struct{})}
		_, err := plans.Run(context.Background(), p, plans.Options{SourceURL: src, TargetURL: tgt, WorkDir: work, Stop: s.stop, Progress: s})
		if err == nil {
			break
		}
		if !errors.Is(err, plans.ErrInterrupted) {
			t.Fatalf("stop %d: %v", stops, err)
		}
		stops++
	}
	if stops < 3 {
		t.Fatalf("the run was stopped %d times, want at least 3 for this test to mean something", stops)
	}
	// And as a kill leaves it: a batch written but never committed (the
	// target fails for good at its commit), its archive part left behind.
	ft := &faultyTarget{failAt: map[int]string{3: "disk"}}
	_, err = plans.Run(context.Background(), p, plans.Options{SourceURL: src, TargetURL: tgt, WorkDir: work,
		WrapTarget: func(tg connectors.Target) connectors.Target { ft.Target = tg; return ft }})
	var se *plans.StoppedError
	if !errors.As(err, &se) {
		t.Fatalf("the failing commit: got %v, want a stopped run", err)
	}
	rep, err = plans.Run(context.Background(), p, plans.Options{SourceURL: src, TargetURL: tgt, WorkDir: work})
	if err != nil {
		t.Fatal(err)
	}
	if !rep.Pass {
		t.Fatalf("resumed run FAIL: %v", rep.Problems)
	}
	// The archive is compared by the records' keys and reasons, in
	// archive order: a duplicate_key record archived after the resume
	// names the receiving row, not the record that claimed it before
	// (preloadKeys), so its detail differs by design.
	if got := targetDigest(t, tgt, []string{"first_report"}).String(); got != want {
		t.Errorf("resumed run's target differs from a clean run's:\n got %s\nwant %s", got, want)
	}
	if got := archivedKeys(t, filepath.Join(work, "archive")); got != wantArchived {
		t.Errorf("resumed run's archive differs from a clean run's:\n got %s\nwant %s", got, wantArchived)
	}
}

// A NULL in an order_by column has no place in the processing order (and
// a resume position holding one would match no record after it): map
// check counts such records, and the run stops at one, naming the
// mapping's line, the table and the column.
func TestRunOrderByRefusesNull(t *testing.T) {
	dir := t.TempDir()
	rows := [][]connectors.Value{
		{int64(1), "P1", dateOf("2021-03-01")},
		{int64(2), "P1", nil},
	}
	srcURL := "sqlite://" + filepath.Join(dir, "legacy.db")
	writeReportsSource(t, srcURL, rows, true)
	p := loadPlan(t, writeReportsPlan(t, dir, "    order_by: [reported]\n", ""))
	// map check counts them first, at the column's line, as an error
	// (and warns of the nullable column).
	ds, err := plans.CheckMappings(context.Background(), p, plans.Options{SourceURL: srcURL})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, d := range ds {
		got = append(got, fmt.Sprintf("%d:%d %s %s", d.Pos.Line, d.Pos.Column, d.Severity, d.Code))
		if d.Code == "M083" && !strings.Contains(d.Message, "order_by column reported of anmalan is NULL in 1 of its records") {
			t.Errorf("M083 says %q", d.Message)
		}
	}
	if strings.Join(got, ", ") != "5:16 warning M082, 5:16 error M083" {
		t.Errorf("map check: %v, want the NULL counted (M083) and the nullable column warned of (M082) at 5:16\n%v", got, ds)
	}
	_, err = plans.Run(context.Background(), p, plans.Options{SourceURL: srcURL, TargetURL: "sqlite://" + filepath.Join(dir, "t.db"), WorkDir: dir})
	if err == nil || !strings.Contains(err.Error(), "m.yaml:5:") || !strings.Contains(err.Error(), "order_by column reported is NULL") || !strings.Contains(err.Error(), "table anmalan") {
		t.Fatalf("want the run to stop at the NULL, naming m.yaml:5, anmalan and reported; got %v", err)
	}
}

// A table with an order_by is read by its processing order (order_by,
// then the key), which is not its primary key: every connector reads
// such a key in one ordered query (connectors.StreamedScan; SQLite and
// MariaDB stream it, PostgreSQL reads a cursor), never in keyset pages
// that each sort the table again. On SQLite the query sorts the table
// once, and with an index on (reported, id) not at all: the index is
// walked in order (what such an index buys; a resume seeks in it too).
func TestOrderByIsOneOrderedScan(t *testing.T) {
	dir := t.TempDir()
	src := "sqlite://" + filepath.Join(dir, "legacy.db")
	writeReportsSource(t, src, tiedReports(120), false)
	p := loadPlan(t, writeReportsPlan(t, dir, "    order_by: [reported]\n", ""))
	in, ds := p.LoadInputs()
	if err := ds.Err(); err != nil {
		t.Fatal(err)
	}
	var tp *mappings.TableProgram
	inTarget(t, src, func(ctx context.Context, snap connectors.Snapshot, tables []connectors.Table) {
		prog, ds := mappings.Compile(in.Mappings, tables, in.Schema, nil)
		if err := ds.Err(); err != nil {
			t.Fatal(err)
		}
		tp = prog.Tables[0]
		if got := strings.Join(tp.ScanKey, ","); got != "reported,id" {
			t.Fatalf("processing order %s, want reported,id", got)
		}
		if !connectors.StreamedScan(tp.Source, connectors.ScanOptions{Key: tp.ScanKey}) {
			t.Fatal("the processing order is read in keyset pages")
		}
		// Read in pages of 7: the rows come in processing order.
		rows, err := snap.Scan(ctx, tp.Source, connectors.ScanOptions{Key: tp.ScanKey, BatchSize: 7})
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		var prev []connectors.Value
		n := 0
		for rows.Next() {
			row := slices.Clone(rows.Row())
			if prev != nil {
				c, _ := mappings.Compare(prev[2], row[2])
				if c == 0 {
					c, _ = mappings.Compare(prev[0], row[0])
				}
				if c >= 0 {
					t.Fatalf("row %d is not after the row before it in processing order", n+1)
				}
			}
			prev = row
			n++
		}
		if err := rows.Err(); err != nil || n != 120 {
			t.Fatalf("read %d rows (%v), want 120", n, err)
		}
	})
	db, err := sql.Open("sqlite", filepath.Join(dir, "legacy.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	cols := []string{"id", "patient", "reported"}
	for _, c := range []struct {
		index string
		sorts int
	}{{"", 1}, {"CREATE INDEX anmalan_order ON anmalan (reported, id)", 0}} {
		if c.index != "" {
			if _, err := db.Exec(c.index); err != nil {
				t.Fatal(err)
			}
		}
		for _, after := range []bool{false, true} {
			q, err := sqlite.Dialect{}.SelectOrdered("anmalan", cols, tp.ScanKey, after)
			if err != nil {
				t.Fatal(err)
			}
			args := []any{}
			if after {
				args = []any{"2019-01-01", 5}
			}
			rs, err := db.Query("EXPLAIN QUERY PLAN "+q, args...)
			if err != nil {
				t.Fatal(err)
			}
			var plan strings.Builder
			for rs.Next() {
				var id, parent, unused int
				var detail string
				if err := rs.Scan(&id, &parent, &unused, &detail); err != nil {
					t.Fatal(err)
				}
				plan.WriteString(detail + "\n")
			}
			rs.Close()
			if strings.Contains(q, "LIMIT") || strings.Count(plan.String(), "TEMP B-TREE") != c.sorts {
				t.Errorf("%q, after %v: %s\n%s, want %d sorts and no limit", c.index, after, q, plan.String(), c.sorts)
			}
		}
	}
}

// The regflytt binary, SIGKILLed while it migrates a table by its
// order_by (1200 reports on four dates, batches of 7: no batch ends
// where a run of 300 equal dates does, so every checkpoint lies inside one): each plain `regflytt run`
// after a kill resumes after the last committed record in processing
// order, and the end is a clean run's target and archive, PASS.
func TestKilledOrderByRunResumesInsideTies(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and kills the binary")
	}
	dir := t.TempDir()
	src := "sqlite://" + filepath.Join(dir, "legacy.db")
	writeReportsSource(t, src, tiedReports(1200), false)
	plan := writeReportsPlan(t, dir, "    order_by: [reported]\n", "")
	b, err := os.ReadFile(plan)
	if err != nil {
		t.Fatal(err)
	}
	write(t, plan, string(b)+"run: {batch_size: 7}\n")
	p := loadPlan(t, plan)
	cleanTgt := "sqlite://" + filepath.Join(dir, "clean.db")
	if rep, err := plans.Run(context.Background(), p, plans.Options{SourceURL: src, TargetURL: cleanTgt, WorkDir: filepath.Join(dir, "clean")}); err != nil || !rep.Pass {
		t.Fatalf("clean run: %v", err)
	}
	want := targetDigest(t, cleanTgt, []string{"first_report"}).String()
	wantArchived := archivedKeys(t, filepath.Join(dir, "clean", "archive"))

	bin := buildRegflytt(t)
	tgt := "sqlite://" + filepath.Join(dir, "killed.db")
	work := filepath.Join(dir, "killed")
	var at []int64
	finished := false
	for kill := 0; kill < 3 && !finished; kill++ {
		cmd := exec.Command(bin, "run", plan, "--source", src, "--target", tgt, "--work", work)
		var out strings.Builder
		cmd.Stdout, cmd.Stderr = &out, &out
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		done := make(chan error, 1)
		go func() { done <- cmd.Wait() }()
		var before int64
		if len(at) > 0 {
			before = at[len(at)-1]
		}
	wait:
		for {
			select {
			case err := <-done:
				if err != nil {
					t.Fatalf("run %d ended by itself: %v\n%s", kill, err, out.String())
				}
				finished = true
				break wait
			case <-time.After(2 * time.Millisecond):
				if _, err := os.Stat(filepath.Join(dir, "killed.db")); err != nil {
					continue // the run has not created its target yet
				}
				if checkpoints(t, tgt) >= before+20 {
					if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
						t.Fatal(err)
					}
					<-done
					at = append(at, checkpoints(t, tgt))
					break wait
				}
			}
		}
	}
	t.Logf("checkpoints after each kill: %v", at)
	if len(at) < 2 {
		t.Fatalf("only %d kills landed before the run finished: the test proved too little", len(at))
	}
	if !finished {
		if code, out := runBin(t, bin, "run", plan, "--source", src, "--target", tgt, "--work", work); code != 0 {
			t.Fatalf("the resuming run: exit %d\n%s", code, out)
		}
	}
	if !reportPass(t, work) {
		t.Error("the resumed run's report does not PASS")
	}
	if got := targetDigest(t, tgt, []string{"first_report"}).String(); got != want {
		t.Errorf("after %d kills the target differs from a clean run's:\n got %s\nwant %s", len(at), got, want)
	}
	if got := archivedKeys(t, filepath.Join(work, "archive")); got != wantArchived {
		t.Errorf("after %d kills the archive differs from a clean run's", len(at))
	}
}
