package plans_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/regflytt/regflytt/archive"
	"github.com/regflytt/regflytt/connectors"
	"github.com/regflytt/regflytt/connectors/mysql/mytest"
	"github.com/regflytt/regflytt/connectors/postgres/pgtest"
	"github.com/regflytt/regflytt/mappings"
	"github.com/regflytt/regflytt/plans"
)

// latestStore writes, on a new database of the server, a form store whose
// forms hold a variable twice: a correction entered later (andrad), an
// earlier one later in key order, one beside an unknown time (NULL; a
// zero date on MariaDB, infinity on PostgreSQL), two at the same time,
// and a corrected identity number whose first value is an opted-out
// patient's. It writes the receiving schema and the mapping (eav:
// latest_by: andrad) into dir.
func latestStore(t *testing.T, server, dir string) string {
	t.Helper()
	stamp, unknown := "datetime", "'0000-00-00 00:00:00'"
	var src string
	var exec func(t testing.TB, url string, stmts ...string)
	pre := []string{}
	switch server {
	case "mariadb":
		src, exec = mytest.NewDatabase(t), mytest.Exec
		pre = append(pre, "SET SESSION sql_mode = ''")
	case "postgres":
		src, exec = pgtest.NewDatabase(t), pgtest.Exec
		stamp, unknown = "timestamp", "'infinity'"
	}
	t1, t2, t4, t5 := "'2024-01-01 08:00:00'", "'2024-01-02 08:00:00'", "'2024-01-04 08:00:00'", "'2024-01-05 08:00:00'"
	row := func(id, form int, variable, value, at string) string {
		return fmt.Sprintf("(%d, %d, '%s', '%s', %s)", id, form, variable, value, at)
	}
	const pnr, listed = "19460101-0301", "19121212-1212"
	values := []string{
		row(1, 1, "pnr", pnr, t1), row(2, 1, "vikt", "70", t1), row(3, 1, "vikt", "72", t2), // corrected later
		row(4, 2, "pnr", pnr, t1), row(5, 2, "vikt", "81", t5), row(6, 2, "vikt", "80", t4), // the correction first in key order
		row(7, 3, "pnr", pnr, t1), row(8, 3, "vikt", "90", "NULL"), row(9, 3, "vikt", "91", t1), // NULL never wins
		row(10, 4, "pnr", pnr, t1), row(11, 4, "vikt", "60", unknown), row(12, 4, "vikt", "61", t1), // nor a zero date, infinity
		row(13, 5, "pnr", listed, t1), row(14, 5, "pnr", pnr, t2), row(15, 5, "vikt", "50", t1), // a listed number, superseded
		row(16, 6, "pnr", pnr, t1), row(17, 6, "vikt", "40", t1), row(18, 6, "vikt", "41", t1), // a tie: the later key
		row(19, 7, "pnr", pnr, t1), row(20, 7, "langd", "180", t1),
		row(21, 8, "pnr", corrected, t1), row(22, 8, "pnr", pnr, t2), row(23, 8, "vikt", "30", t1), row(24, 8, "vikt", "31", t2), // erased later
	}
	exec(t, src, append(pre,
		`CREATE TABLE instans (id integer PRIMARY KEY NOT NULL)`,
		`CREATE TABLE varde (varde_id integer PRIMARY KEY NOT NULL, instans_id integer NOT NULL, variabel varchar(20) NOT NULL, varde varchar(40), andrad `+stamp+` NULL)`,
		`CREATE INDEX varde_instans ON varde (instans_id, varde_id)`,
		`INSERT INTO instans VALUES (1), (2), (3), (4), (5), (6), (7), (8)`,
		`INSERT INTO varde VALUES `+strings.Join(values, ", "),
	)...)
	write(t, filepath.Join(dir, "schema.yaml"), `platform: t
tables:
  - name: registration
    primary_key: [registration_id]
    columns:
      - {name: registration_id, type: bigint}
      - {name: weight_kg, type: "decimal(5,1)"}
      - {name: height_cm, type: integer}
`)
	write(t, filepath.Join(dir, "m.yaml"), `tables:
  - target: registration
    source:
      eav: {entities: instans, values: varde, entity: instans_id, attribute: variabel, value: varde, latest_by: andrad}
    person: pnr
    unit: {none: a test form store without units}
    columns:
      registration_id: id
      weight_kg: {expr: decimal(vikt)}
      height_cm: {expr: integer(langd)}
    drop: {varde_id: the value row's own number}
`)
	write(t, filepath.Join(dir, "optout.txt"), listed+"\n")
	return src
}

// corrected is the identity number form 8 held before its correction:
// a person erased from the archive later.
const corrected = "19400404-0400"

// latestWant is what latestStore's run gives: the values ledger and the
// weight per registration.
var (
	latestValues   = summary(14, 7, 3, map[string]int64{mappings.ReasonSupersededValue: 7})
	latestEntities = summary(7, 0, 1, map[string]int64{})
	latestWeights  = "1=72.0 2=81.0 3=91.0 4=61.0 6=41.0 7=<nil> 8=31.0"
)

// latestPlan is the plan's own part: the superseded values' share and
// the form excluded for its superseded number are what the store holds.
const latestPlan = `run: {reference_date: 2026-01-01, batch_size: 1}
optout: {file: optout.txt}
verification:
  acknowledge:
    archived_share.varde: corrections entered later supersede earlier values
    exclusion_by_left_out_value.instans: a corrected identity number was first entered as an opted-out patient's
`

// eraseCorrected erases, from the package a run of latestStore wrote,
// the person whose number form 8 held before its correction: the
// superseded value row naming them, and the form's other archived value
// row with it (the package records that person: reads variable pnr, so
// erase joins the form's archived rows); the other forms' stay.
func eraseCorrected(t *testing.T, arc string) {
	t.Helper()
	pkg, err := archive.Open(arc)
	if err != nil {
		t.Fatal(err)
	}
	var form bool
	for _, ts := range pkg.Tables() {
		if ts.Person != nil && ts.Person.Form != nil && slices.Contains(ts.Person.Form.Variables, "pnr") {
			form = true
		}
	}
	if !form {
		t.Fatalf("the package does not record that person: reads variable pnr: %+v", pkg.Tables())
	}
	req := archive.EraseRequest{Reference: "Dnr 7", Who: "test", At: time.Now(), Tool: "regflytt test",
		Identifies: func(v connectors.Value) bool { return v == corrected }}
	if _, err := archive.Erase(context.Background(), arc, req); err != nil {
		t.Fatal(err)
	}
	left := archiveRecords(t, arc, "varde")
	if _, ok := left["8,21"]; ok || len(left) != 5 {
		t.Errorf("after erasing the corrected number: %v, want the 5 superseded values of other forms", left)
	}
}

// weights reads registration's weights from the target, by id.
func weights(t *testing.T, url string) string {
	t.Helper()
	var out []string
	inTarget(t, url, func(ctx context.Context, snap connectors.Snapshot, tables []connectors.Table) {
		for i := range tables {
			if tables[i].Name != "registration" {
				continue
			}
			rows, err := snap.Scan(ctx, &tables[i], connectors.ScanOptions{})
			if err != nil {
				t.Fatal(err)
			}
			for rows.Next() {
				r := rows.Row()
				out = append(out, fmt.Sprintf("%v=%v", r[0], r[1]))
			}
			if err := rows.Err(); err != nil {
				t.Fatal(err)
			}
			rows.Close()
		}
	})
	sort.Strings(out)
	return strings.Join(out, " ")
}

// A form store under eav: latest_by migrates each variable's latest value
// on MariaDB and PostgreSQL sources: run, verify, dry run and map check
// agree, every value row is accounted for (superseded_value for the
// earlier ones), and a run stopped after any batch and resumed gives what
// a clean run does.
func TestRunEAVLatestBy(t *testing.T) {
	for server := range serverDatabases(t) {
		t.Run(server, func(t *testing.T) {
			ctx := context.Background()
			dir := t.TempDir()
			src := latestStore(t, server, dir)
			p := loadPlan(t, writePlan(t, dir, latestPlan))

			ds, err := plans.CheckMappings(ctx, p, plans.Options{SourceURL: src})
			if err != nil || ds.Err() != nil {
				t.Fatalf("map check: %v %v", err, ds)
			}
			dry, err := plans.DryRun(ctx, p, plans.Options{SourceURL: src})
			if err != nil {
				t.Fatal(err)
			}
			for _, tl := range dry.Tables {
				if got := summary(tl.Migrated, tl.Archived, tl.Excluded, tl.ArchivedBy); tl.Source == "varde" && got != latestValues {
					t.Errorf("dry run: values ledger %s, want %s", got, latestValues)
				}
			}

			tgt := "sqlite://" + filepath.Join(dir, "t.db")
			opts := plans.Options{SourceURL: src, TargetURL: tgt, WorkDir: filepath.Join(dir, "clean")}
			rep, err := plans.Run(ctx, p, opts)
			if err != nil {
				t.Fatal(err)
			}
			if !rep.Pass {
				t.Fatalf("FAIL: %v", rep.Problems)
			}
			checkLedger(t, rep, false, map[string]string{"varde": latestValues, "instans": latestEntities})
			if got := weights(t, tgt); got != latestWeights {
				t.Errorf("weights %s, want %s", got, latestWeights)
			}
			archived := archiveRecords(t, filepath.Join(opts.WorkDir, "archive"), "varde")
			for _, k := range []string{"1,2", "2,6", "3,8", "4,11", "6,17", "8,21", "8,23"} { // instans_id, varde_id
				if !strings.HasPrefix(archived[k], mappings.ReasonSupersededValue+": ") {
					t.Errorf("value row %s archived as %q, want superseded_value", k, archived[k])
				}
			}
			if len(archived) != 7 {
				t.Errorf("archived value rows %v, want the 7 superseded", archived)
			}
			if sum, err := plans.Verify(ctx, p, opts); err != nil || !sum.Pass {
				t.Fatalf("verify: %v", err)
			}
			eraseCorrected(t, filepath.Join(opts.WorkDir, "archive"))
			// archive erase --plan reads the form store from the plan,
			// without a database, latest_by and all.
			if _, forms, _, err := plans.PersonColumns(filepath.Join(dir, "plan.yaml")); err != nil || len(forms) != 1 || !slices.Contains(forms[0].Variables, "pnr") {
				t.Errorf("the plan's person columns: %v %+v", err, forms)
			}

			for n := 1; n <= 12; n++ {
				work := t.TempDir()
				tgt := "sqlite://" + filepath.Join(work, "resumed.db")
				for _, f := range []string{"schema.yaml", "m.yaml", "optout.txt"} {
					b, err := os.ReadFile(filepath.Join(dir, f))
					if err != nil {
						t.Fatal(err)
					}
					write(t, filepath.Join(work, f), string(b))
				}
				pr := loadPlan(t, writePlan(t, work, latestPlan))
				opts := plans.Options{SourceURL: src, TargetURL: tgt, WorkDir: work}
				s := &stopAfter{n: n, stop: make(chan struct{})}
				stopped := opts
				stopped.Stop, stopped.Progress = s.stop, s
				if _, err := plans.Run(ctx, pr, stopped); err == nil {
					break // finished before the stop
				} else if !errors.Is(err, plans.ErrInterrupted) {
					t.Fatalf("stop after %d: %v", n, err)
				}
				rep, err := plans.Run(ctx, pr, opts)
				if err != nil {
					t.Fatalf("stop after %d, resumed: %v", n, err)
				}
				if !rep.Pass {
					t.Fatalf("stop after %d, resumed: %v", n, rep.Problems)
				}
				checkLedger(t, rep, false, map[string]string{"varde": latestValues, "instans": latestEntities})
				if got := weights(t, tgt); got != latestWeights {
					t.Errorf("stop after %d: weights %s, want %s", n, got, latestWeights)
				}
				if sum, err := plans.Verify(ctx, pr, opts); err != nil || !sum.Pass {
					t.Fatalf("stop after %d: verify: %v", n, err)
				}
			}
		})
	}
}

// latest_by naming a text column of a MariaDB or PostgreSQL store (a
// date kept as text orders by the collation, not by time) is M089 at the
// mapping's line in map check, and the run refuses before it writes.
func TestEAVLatestByTextColumnRefused(t *testing.T) {
	for server, newDB := range serverDatabases(t) {
		t.Run(server, func(t *testing.T) {
			ctx := context.Background()
			dir := t.TempDir()
			src := newDB(t)
			exec := pgtest.Exec
			if server == "mariadb" {
				exec = mytest.Exec
			}
			exec(t, src,
				`CREATE TABLE instans (id integer PRIMARY KEY NOT NULL)`,
				`CREATE TABLE varde (varde_id integer PRIMARY KEY NOT NULL, instans_id integer NOT NULL, variabel varchar(20) NOT NULL, varde varchar(40), andrad varchar(20) NULL)`,
				`INSERT INTO instans VALUES (1)`,
				`INSERT INTO varde VALUES (1, 1, 'vikt', '70', '2024-1-9'), (2, 1, 'vikt', '72', '2024-01-10')`,
			)
			write(t, filepath.Join(dir, "schema.yaml"), "platform: t\ntables:\n  - name: registration\n    primary_key: [registration_id]\n    columns:\n      - {name: registration_id, type: bigint}\n      - {name: weight_kg, type: \"decimal(5,1)\"}\n")
			m := write(t, filepath.Join(dir, "m.yaml"), `tables:
  - target: registration
    source:
      eav: {entities: instans, values: varde, entity: instans_id, attribute: variabel, value: varde,
            latest_by: andrad}
    no_person: a test form store without identities
    unit: {none: a test form store without units}
    columns:
      registration_id: id
      weight_kg: {expr: decimal(vikt)}
    drop: {varde_id: the value row's own number}
`)
			p := loadPlan(t, writePlan(t, dir, "optout: {none: a test}\n"))
			ds, err := plans.CheckMappings(ctx, p, plans.Options{SourceURL: src})
			if err != nil {
				t.Fatal(err)
			}
			var found bool
			for _, d := range ds {
				if d.Code == "M089" {
					found = true
					if want := m + ":5:24"; d.Pos.String() != want || !strings.Contains(d.Message, "varde.andrad is text") {
						t.Errorf("%s: %s, want at %s naming varde.andrad as text", d.Pos, d.Message, want)
					}
				}
			}
			if !found {
				t.Fatalf("map check: no M089 in %v", ds)
			}
			if _, err := plans.Run(ctx, p, plans.Options{SourceURL: src, TargetURL: "sqlite://" + filepath.Join(dir, "t.db"), WorkDir: dir}); err == nil || !strings.Contains(err.Error(), "M089") {
				t.Fatalf("run: %v, want the refusal M089", err)
			}
		})
	}
}
