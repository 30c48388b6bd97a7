package plans_test

import (
	"context"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/regflytt/regflytt/connectors"
	"github.com/regflytt/regflytt/connectors/mysql/mytest"
	"github.com/regflytt/regflytt/connectors/postgres/pgtest"
	"github.com/regflytt/regflytt/plans"
	"github.com/regflytt/regflytt/plans/plantest"
	"github.com/regflytt/regflytt/verify"
)

// A main register and its sub-register on a legacy MariaDB whose key
// columns are utf8mb4_general_ci (the server's default): the application
// joins them blind to case, accents and trailing spaces, so 'abc' and
// 'ABC', 'jose' and 'josé', 'ghi' and 'ghi ' are one patient's
// registration to the registry. The merge compared its keys byte for
// byte and wrote each spelling as a registration of its own: the
// registry's one registration split in two receiving rows (the sub
// record without its main), run and verify passing. A record whose key
// the source matches with the winner's in another spelling is archived
// as key_spelling, naming both spellings, and the rest of the
// registration migrates as the mapping says. Keys are compared as the
// columns' collations compare them: utf8mb4_bin sees case and accents
// but pads ('ghi ' is 'ghi'), utf8mb4_nopad_bin sees every byte, as do
// PostgreSQL's deterministic collations (the database's default, an ICU
// one) and SQLite's BINARY; SQLite's RTRIM sees case and accents only.
// A blind collation is taken to be blind to all three: PostgreSQL's
// nondeterministic ICU collations join case (and accents at level 1),
// not trailing spaces, SQLite's NOCASE joins ASCII case only, and 'ghi '
// (and 'josé') is archived there too, never merged, never split
// silently. PostgreSQL's and SQLite's catalogues named no collation, and
// every key of theirs was folded: a case-sensitive source's 'ABC' and
// 'abc', two registrations, were one, one of them archived.
func TestRunMergeKeySpelledAsTheCollationFoldsIt(t *testing.T) {
	t.Parallel()
	insert := []string{
		`INSERT INTO delreg_a VALUES (1, 'abc', '2024-01-01', '70'), (2, 'jose', '2024-01-01', '71'), (3, 'ghi', '2024-01-01', '72'), (4, 'xyz', '2024-01-01', '73')`,
		`INSERT INTO delreg_b VALUES (1, 'ABC', '2024-01-01', 180), (2, 'josé', '2024-01-01', 181), (3, 'ghi ', '2024-01-01', 182), (4, 'xyz', '2024-01-01', 183)`,
	}
	tables := func(collate string) []string {
		return append([]string{
			`CREATE TABLE delreg_a (id int PRIMARY KEY, patient_id varchar(20) ` + collate + ` NOT NULL, datum varchar(10) NOT NULL, vikt varchar(10))`,
			`CREATE TABLE delreg_b (id int PRIMARY KEY, patient_id varchar(20) ` + collate + ` NOT NULL, datum varchar(10) NOT NULL, langd int)`,
		}, insert...)
	}
	mariadb := func(collate string) func(t *testing.T) string {
		return func(t *testing.T) string {
			u := mytest.NewDatabase(t)
			mytest.Exec(t, u, tables("COLLATE "+collate)...)
			return u
		}
	}
	postgres := func(create, collate string) func(t *testing.T) string {
		return func(t *testing.T) string {
			u := pgtest.NewDatabase(t)
			if create != "" {
				pgtest.Exec(t, u, create)
			}
			pgtest.Exec(t, u, tables(collate)...)
			return u
		}
	}
	sqlite := func(collate string) func(t *testing.T) string {
		return func(t *testing.T) string {
			path := filepath.Join(t.TempDir(), "legacy.db")
			sqliteExec(t, path, tables(collate)...)
			return "sqlite://" + path
		}
	}
	// everySpelling is the rows of a source that sees every byte: each
	// spelling is a registration of its own.
	everySpelling := []string{"ABC  180", "abc 70.0 ", "ghi   182", "ghi 72.0 ", "jose 71.0 ", "josé  181", "xyz 73.0 183"}
	blind := []string{"abc 70.0 ", "ghi 72.0 ", "jose 71.0 ", "xyz 73.0 183"}
	allSpelled := map[string][2]string{"1": {"ABC", "abc"}, "2": {"josé", "jose"}, "3": {"ghi ", "ghi"}}
	for _, c := range []struct {
		name   string
		source func(t *testing.T) string
		// joined is how many registrations the source's join sees.
		joined int
		rows   []string
		// sub is delreg_b's ledger; spelled its records archived as
		// key_spelling, by id, with their spelling and the winner's.
		sub     string
		spelled map[string][2]string
	}{
		{"MariaDBGeneralCI", mariadb("utf8mb4_general_ci"), 4, blind,
			summary(1, 3, 0, map[string]int64{"key_spelling": 3}), allSpelled},
		{"MariaDBBin", mariadb("utf8mb4_bin"), 2, []string{"ABC  180", "abc 70.0 ", "ghi 72.0 ", "jose 71.0 ", "josé  181", "xyz 73.0 183"},
			summary(3, 1, 0, map[string]int64{"key_spelling": 1}), map[string][2]string{"3": {"ghi ", "ghi"}}},
		{"MariaDBNopadBin", mariadb("utf8mb4_nopad_bin"), 1, everySpelling,
			summary(4, 0, 0, map[string]int64{}), nil},
		{"PostgreSQLNondeterministicICU", postgres(`CREATE COLLATION ci (provider = icu, locale = 'und-u-ks-level1', deterministic = false)`, "COLLATE ci"),
			3, blind, summary(1, 3, 0, map[string]int64{"key_spelling": 3}), allSpelled},
		{"PostgreSQLNondeterministicICUCaseOnly", postgres(`CREATE COLLATION ci (provider = icu, locale = 'und-u-ks-level2', deterministic = false)`, "COLLATE ci"),
			2, blind, summary(1, 3, 0, map[string]int64{"key_spelling": 3}), allSpelled},
		{"PostgreSQLDefault", postgres("", ""), 1, everySpelling, summary(4, 0, 0, map[string]int64{}), nil},
		{"PostgreSQLDeterministicICU", postgres("", `COLLATE "und-x-icu"`), 1, everySpelling, summary(4, 0, 0, map[string]int64{}), nil},
		{"SQLiteBinary", sqlite(""), 1, everySpelling, summary(4, 0, 0, map[string]int64{}), nil},
		{"SQLiteNocase", sqlite("COLLATE NOCASE"), 2, blind, summary(1, 3, 0, map[string]int64{"key_spelling": 3}), allSpelled},
		{"SQLiteRtrim", sqlite("COLLATE RTRIM"), 2, []string{"ABC  180", "abc 70.0 ", "ghi 72.0 ", "jose 71.0 ", "josé  181", "xyz 73.0 183"},
			summary(3, 1, 0, map[string]int64{"key_spelling": 1}), map[string][2]string{"3": {"ghi ", "ghi"}}},
	} {
		t.Run(c.name, func(t *testing.T) {
			ctx := context.Background()
			dir := t.TempDir()
			src := c.source(t)
			// The premise: the legacy application's join sees the
			// registrations in both registers.
			if n := countQuery(t, src, `SELECT COUNT(*) FROM delreg_a a JOIN delreg_b b ON a.patient_id = b.patient_id AND a.datum = b.datum`); n != c.joined {
				t.Fatalf("the source joins %d registrations, want %d: the fixture does not show its collation", n, c.joined)
			}
			plan := mergeFoldPlan(t, dir, "varchar(20)", "patient_id")
			opts := plans.Options{SourceURL: src, TargetURL: "sqlite://" + filepath.Join(dir, "t.db"), WorkDir: dir}
			if strings.HasPrefix(src, "mysql:") {
				opts.TargetURL = pgtest.NewDatabase(t)
			}
			rep, rows := runMerge(t, plan, opts)
			sort.Strings(c.rows)
			if want := strings.Join(c.rows, "|"); rows != want {
				t.Errorf("receiving rows %q, want %q: the source's registrations merged or split otherwise than its join sees them (pass %v, ledger %v)", rows, want, rep.Pass, ledgerOf(rep, false))
			}
			checkLedger(t, rep, false, map[string]string{"delreg_a": summary(4, 0, 0, map[string]int64{}), "delreg_b": c.sub})
			if len(c.spelled) > 0 {
				recs := archiveRecords(t, filepath.Join(dir, "archive"), "delreg_b")
				for key, spelled := range c.spelled {
					detail := recs[key]
					if !strings.HasPrefix(detail, "key_spelling: ") || !strings.Contains(detail, "'"+spelled[0]+"'") || !strings.Contains(detail, "'"+spelled[1]+"'") || !strings.Contains(detail, "delreg_a") {
						t.Errorf("record %s of delreg_b is archived as %q, want key_spelling naming '%s', '%s' and delreg_a", key, detail, spelled[0], spelled[1])
					}
				}
			}
			if !rep.Pass {
				t.Fatalf("run failed: %v", rep.Problems)
			}
			// verify re-applies the mappings and reaches the same outcome.
			if sum, err := plans.Verify(ctx, loadPlan(t, plan), opts); err != nil || !sum.Pass {
				t.Fatalf("verify of the run: %v %+v", err, sum)
			}
		})
	}
}

// countQuery gives the number a query of one count gives on a source
// database (mysql://, postgres:// or sqlite://).
func countQuery(t *testing.T, url, query string) int {
	t.Helper()
	ctx := context.Background()
	var n int
	if path, ok := strings.CutPrefix(url, "sqlite://"); ok {
		n, err := strconv.Atoi(sqliteQuery(t, path, query))
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	if strings.HasPrefix(url, "mysql:") {
		if err := mytest.Open(t, url).QueryRowContext(ctx, query).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	if err := conn.QueryRow(ctx, query).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// mergeFoldPlan writes the plan of the merge-key tests into dir: a
// receiving visit (patient of type patientType, visit_date, weight_kg,
// height_cm) merged on patient and visit_date from main register
// delreg_a (patient: patientA, visit_date: datum, weight_kg: vikt) and
// sub-register delreg_b (patient_id, datum, langd).
func mergeFoldPlan(t *testing.T, dir, patientType, patientA string) string {
	t.Helper()
	return plantest.MergeFoldPlan(t, dir, patientType, patientA)
}

// A main register keyed by an integer patient id and a sub-register by
// text, on MariaDB: the application's join compares them as numbers, so
// 7 and '007' are one patient. Cast to text for the receiving column,
// the main register's 7 became '7' and the merge wrote '7' and '007' as
// two registrations, run and verify passing. A text key that is the
// winner's number written otherwise is archived as key_spelling, as a
// key in another case is. Two text columns compare as text: '7' and
// '007' are two registrations to the source, and stay two.
func TestRunMergeKeyNumberWrittenOtherwise(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		name, mainType, mainKey string
		joined                  int
		rows                    []string
		sub                     string
	}{
		{"integer and text", "int", "{from: patient_id, cast: text}", 2, []string{"7 70.0 ", "8 71.0 181"},
			summary(1, 1, 0, map[string]int64{"key_spelling": 1})},
		{"text and text", "varchar(20)", "patient_id", 1, []string{"007  180", "7 70.0 ", "8 71.0 181"},
			summary(2, 0, 0, map[string]int64{})},
	} {
		t.Run(c.name, func(t *testing.T) {
			ctx := context.Background()
			dir := t.TempDir()
			src := mytest.NewDatabase(t)
			mytest.Exec(t, src,
				`CREATE TABLE delreg_a (id int PRIMARY KEY, patient_id `+c.mainType+` NOT NULL, datum varchar(10) NOT NULL, vikt varchar(10))`,
				`CREATE TABLE delreg_b (id int PRIMARY KEY, patient_id varchar(20) NOT NULL, datum varchar(10) NOT NULL, langd int)`,
				`INSERT INTO delreg_a VALUES (1, '7', '2024-01-01', '70'), (2, '8', '2024-01-01', '71')`,
				`INSERT INTO delreg_b VALUES (1, '007', '2024-01-01', 180), (2, '8', '2024-01-01', 181)`,
			)
			if joined := countQuery(t, src, `SELECT COUNT(*) FROM delreg_a a JOIN delreg_b b ON a.patient_id = b.patient_id AND a.datum = b.datum`); joined != c.joined {
				t.Fatalf("the source joins %d registrations, want %d", joined, c.joined)
			}
			plan := mergeFoldPlan(t, dir, "varchar(20)", c.mainKey)
			opts := plans.Options{SourceURL: src, TargetURL: "sqlite://" + filepath.Join(dir, "t.db"), WorkDir: dir}
			rep, rows := runMerge(t, plan, opts)
			if want := strings.Join(c.rows, "|"); rows != want {
				t.Errorf("receiving rows %q, want %q: the source's registrations merged or split otherwise than its join sees them (pass %v, ledger %v)", rows, want, rep.Pass, ledgerOf(rep, false))
			}
			checkLedger(t, rep, false, map[string]string{"delreg_a": summary(2, 0, 0, map[string]int64{}), "delreg_b": c.sub})
			if c.joined == 2 {
				if d := archiveRecords(t, filepath.Join(dir, "archive"), "delreg_b")["1"]; !strings.Contains(d, "'007'") || !strings.Contains(d, "'7'") {
					t.Errorf("record 1 of delreg_b is archived as %q, want key_spelling naming '007' and '7'", d)
				}
			}
			if sum, err := plans.Verify(ctx, loadPlan(t, plan), opts); err != nil || !sum.Pass {
				t.Fatalf("verify of the run: %v %+v", err, sum)
			}
		})
	}
}

// runMerge runs plan and gives its report and the receiving visit rows
// (patient, weight_kg, height_cm), sorted and joined by '|'.
func runMerge(t *testing.T, plan string, opts plans.Options) (*verify.Report, string) {
	t.Helper()
	rep, err := plans.Run(context.Background(), loadPlan(t, plan), opts)
	if err != nil {
		t.Fatalf("run: %v", err)
	}
	var rows []string
	for _, r := range readRows(t, opts.TargetURL, "visit") {
		rows = append(rows, fmtRow([]connectors.Value{r["patient"], r["weight_kg"], r["height_cm"]}))
	}
	sort.Strings(rows)
	return rep, strings.Join(rows, "|")
}
