package plans_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

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
	// pushdown says the target computes checksums itself.
	pushdown bool
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
		{"swap two rows' values", func(t *testing.T, tg tamperTarget, work string, visits []visitRow) ([]string, string) {
			a, b := pair(t, visits)
			tg.exec(t, fmt.Sprintf("UPDATE visit SET height_cm = %v WHERE visit_id = %d", b.height, a.id),
				fmt.Sprintf("UPDATE visit SET height_cm = %v WHERE visit_id = %d", a.height, b.id))
			want := []string{fmt.Sprintf("visit %d changed height_cm", a.id), fmt.Sprintf("visit %d changed height_cm", b.id)}
			slices.Sort(want)
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
				for _, c := range sum.Contents {
					if c.Pushdown != tg.pushdown || c.ActualRows == 0 {
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
				return
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
			dropPK: []string{"ALTER TABLE visit DROP CONSTRAINT visit_pkey"}, pushdown: true}
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
