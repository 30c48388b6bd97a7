package plans_test

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/regflytt/regflytt/connectors/mysql/mytest"
	"github.com/regflytt/regflytt/plans"
)

// A main register and its sub-register on MariaDB whose key columns are
// under collations that join more than case, trailing spaces and accents
// of Latin letters (utf8mb4_general_ci takes 'ß' for 's', swedish_ci 'ü'
// for 'y', uca1400 takes 'æ' for 'ae'): the
// application's join takes the two spellings for one registration. The
// merge folded case, trailing spaces and accents only, and wrote each
// spelling as a registration of its own, the registry's one registration
// split in two receiving rows, run and verify passing; with the main
// register's record excluded, the sub-register's record of the opted-out
// patient's registration migrated. Neither key_spelling nor a merge can
// be told here, so the run refuses, naming the table, the merge column
// and the collation.
func TestRunMergeKeySpelledAsTheCollationJoinsRefused(t *testing.T) {
	for _, c := range []struct {
		name, collation, main, sub string
	}{
		{"sharp s", "utf8mb4_general_ci", "'sab'", "'\u00dfab'"},
		{"sharp s in the main register", "utf8mb4_general_ci", "'\u00dfab'", "'sab'"},
		{"swedish y", "utf8mb4_swedish_ci", "'yab'", "'\u00fcab'"},
		{"ae", "utf8mb4_uca1400_ai_ci", "'sae'", "'s\u00e6'"},
	} {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			src := mariadbMergeSource(t, "utf8mb4", c.collation, c.main, c.sub, 2)
			plan := mergeFoldPlan(t, dir, "varchar(20)", "patient_id")
			rep, err := plans.Run(context.Background(), loadPlan(t, plan), plans.Options{SourceURL: src, TargetURL: "sqlite://" + filepath.Join(dir, "t.db"), WorkDir: dir})
			if err == nil {
				rows := mergedVisits(t, dir)
				t.Fatalf("a registration whose merge keys match only under %s was not refused: pass %v, rows %q, ledger %v", c.collation, rep.Pass, rows, ledgerOf(rep, false))
			}
			msg, _, _ := strings.Cut(err.Error(), "\n")
			for _, want := range []string{"delreg_", "patient", c.collation} {
				if !strings.Contains(msg, want) {
					t.Errorf("error does not name %q: %v", want, err)
				}
			}
			for _, id := range []string{"sab", "yab", "sae"} {
				if strings.Contains(msg, id) {
					t.Errorf("error prints the key: %v", err)
				}
			}
		})
	}
}

// A merge column one member feeds from a constant and another from a
// utf8mb4_general_ci column: the limit of what folding is sure of was
// taken from the members up to the first that feeds it from nothing, so
// with the constant's member first the other's collation was never read,
// its 'sab' and 'ßab' (one key to the source) were taken for two
// registrations, and the run passed. The run is refused as when every
// member feeds the column from a column.
func TestRunMergeKeyUnsureAfterAConstantMemberRefused(t *testing.T) {
	dir := t.TempDir()
	src := mytest.NewDatabase(t)
	col := "varchar(20) CHARACTER SET utf8mb4 COLLATE utf8mb4_general_ci"
	mytest.Exec(t, src,
		`CREATE TABLE delreg_a (id int PRIMARY KEY, datum varchar(10) NOT NULL, vikt varchar(10))`,
		`CREATE TABLE delreg_b (id int PRIMARY KEY, patient_id `+col+` NOT NULL, datum varchar(10) NOT NULL, langd int)`,
		`INSERT INTO delreg_a VALUES (1, '2024-01-01', '70')`,
		"INSERT INTO delreg_b VALUES (1, 'sab', '2024-01-01', 180), (2, '\u00dfab', '2024-01-01', 181)",
	)
	if n := countQuery(t, src, `SELECT COUNT(*) FROM delreg_b x JOIN delreg_b y ON x.patient_id = y.patient_id AND x.id < y.id`); n != 1 {
		t.Fatalf("the source takes %d pairs of delreg_b's keys for one, want 1: not the case the test means", n)
	}
	plan := mergeFoldPlan(t, dir, "varchar(20)", `{expr: '"main"'}`)
	rep, err := plans.Run(context.Background(), loadPlan(t, plan), plans.Options{SourceURL: src, TargetURL: "sqlite://" + filepath.Join(dir, "t.db"), WorkDir: dir})
	if err == nil {
		t.Fatalf("merge keys that match only under utf8mb4_general_ci were not refused when another member feeds the merge column from a constant: pass %v, ledger %v", rep.Pass, ledgerOf(rep, false))
	}
	if msg, _, _ := strings.Cut(err.Error(), "\n"); !strings.Contains(msg, "utf8mb4_general_ci") || strings.Contains(msg, "sab") {
		t.Errorf("error does not name the collation, or prints the key: %v", err)
	}
}

// Keys the collation keeps apart that folding joins: under
// utf8mb4_turkish_ci 'I' is the capital of dotless 'ı', and 'SIV' and
// 'siv' are two registrations to the application's join. The merge
// folded them into one, archiving the sub-register's record of the
// other registration as key_spelling (and would have excluded it with
// an opted-out patient's 'SIV'), run and verify passing. Folding is not
// sure of 'I' and 'i' there, so the run refuses, naming the collation.
func TestRunMergeKeysTheCollationKeepsApartNotJoined(t *testing.T) {
	t.Parallel()
	for _, c := range []struct{ name, collation, main, sub string }{
		{"turkish", "utf8mb4_turkish_ci", "'SIV'", "'siv'"},
		{"turkish, dotted lower case first", "utf8mb4_turkish_ci", "'siv'", "'SIV'"},
		{"latin5 turkish", "latin5_turkish_ci", "'SIV'", "'siv'"},
	} {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			cs, _, _ := strings.Cut(c.collation, "_")
			src := mariadbMergeSource(t, cs, c.collation, c.main, c.sub, 1)
			plan := mergeFoldPlan(t, dir, "varchar(20)", "patient_id")
			rep, err := plans.Run(context.Background(), loadPlan(t, plan), plans.Options{SourceURL: src, TargetURL: "sqlite://" + filepath.Join(dir, "t.db"), WorkDir: dir})
			if err == nil {
				rows := mergedVisits(t, dir)
				if len(rows) == 3 && ledgerOf(rep, false)["delreg_b"] == summary(2, 0, 0, map[string]int64{}) {
					return // two registrations, as the source has them
				}
				t.Fatalf("merge keys %s keeps apart were joined: pass %v, rows %q, ledger %v", c.collation, rep.Pass, rows, ledgerOf(rep, false))
			}
			if msg, _, _ := strings.Cut(err.Error(), "\n"); !strings.Contains(msg, c.collation) || strings.Contains(msg, "siv") || strings.Contains(msg, "SIV") {
				t.Errorf("error does not name the collation, or prints the key: %v", err)
			}
		})
	}
}

// mariadbMergeSource makes a MariaDB database with a main register
// delreg_a and its sub-register delreg_b keyed by patient_id under
// charset and collation, main's and sub's first records spelled main and
// sub (SQL literals), and fails the test unless the application's join
// takes joined registrations from it.
func mariadbMergeSource(t *testing.T, charset, collation, main, sub string, joined int) string {
	t.Helper()
	src := mytest.NewDatabase(t)
	col := "varchar(20) CHARACTER SET " + charset + " COLLATE " + collation
	mytest.Exec(t, src,
		`CREATE TABLE delreg_a (id int PRIMARY KEY, patient_id `+col+` NOT NULL, datum varchar(10) NOT NULL, vikt varchar(10))`,
		`CREATE TABLE delreg_b (id int PRIMARY KEY, patient_id `+col+` NOT NULL, datum varchar(10) NOT NULL, langd int)`,
		`INSERT INTO delreg_a VALUES (1, `+main+`, '2024-01-01', '70'), (2, 'xyz', '2024-01-01', '71')`,
		`INSERT INTO delreg_b VALUES (1, `+sub+`, '2024-01-01', 180), (2, 'xyz', '2024-01-01', 181)`,
	)
	if n := countQuery(t, src, `SELECT COUNT(*) FROM delreg_a a JOIN delreg_b b ON a.patient_id = b.patient_id AND a.datum = b.datum`); n != joined {
		t.Fatalf("the source joins %d registrations, want %d: not the case the test means", n, joined)
	}
	return src
}

// mergedVisits are the receiving visit rows of a merge run into dir's
// t.db, each as patient, weight and height.
func mergedVisits(t *testing.T, dir string) []string {
	t.Helper()
	var rows []string
	for _, r := range readRows(t, "sqlite://"+filepath.Join(dir, "t.db"), "visit") {
		rows = append(rows, fmtRow([]any{r["patient"], r["weight_kg"], r["height_cm"]}))
	}
	return rows
}
