package verifytest_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"testing"

	"github.com/regflytt/regflytt/plans"
)

// A SQLite target's value stored in another form than the run writes it
// reads as the same canonical value through the lenient reading a legacy
// file needs (a BLOB in a TEXT column read as its text, a date with a
// midnight clock read as the date), but the receiving platform sees
// another value: WHERE name = 'Vårdenhet 1' no longer finds the BLOB, nor
// visit_date = '2019-11-17' the text '2019-11-17 00:00:00'. Verification
// reads the target as its writer writes it, and names the key and column.
func TestVerifyTargetValueStoredOtherwiseSQLite(t *testing.T) {
	srcURL, _ := makeDemoSQLite(t, t.TempDir(), 40)
	p := loadPlan(t, demoPlan)
	for _, c := range []struct {
		name, table, stmt, want string
	}{
		{"text stored as a BLOB", "care_unit", "UPDATE care_unit SET name = CAST(name AS BLOB) WHERE care_unit_id = %d", "care_unit %d changed name"},
		{"date stored with a clock", "visit", "UPDATE visit SET visit_date = visit_date || ' 00:00:00' WHERE visit_id = %d", "visit %d changed visit_date"},
		{"date stored with a T clock", "visit", "UPDATE visit SET visit_date = visit_date || 'T00:00' WHERE visit_id = %d", "visit %d changed visit_date"},
	} {
		t.Run(c.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "receiving.db")
			opts := plans.Options{SourceURL: srcURL, TargetURL: "sqlite://" + path, WorkDir: t.TempDir()}
			if _, err := plans.Run(context.Background(), p, opts); err != nil {
				t.Fatalf("run: %v", err)
			}
			db, err := sql.Open("sqlite", path)
			if err != nil {
				t.Fatal(err)
			}
			var id int64
			if err := db.QueryRow("SELECT min(" + c.table + "_id) FROM " + c.table).Scan(&id); err != nil {
				t.Fatal(err)
			}
			if _, err := db.Exec(fmt.Sprintf(c.stmt, id)); err != nil {
				t.Fatal(err)
			}
			db.Close()
			sum, err := plans.Verify(context.Background(), p, opts)
			if sum == nil {
				t.Fatalf("verify gave no summary: %v", err)
			}
			if sum.Pass || !errors.Is(err, plans.ErrNotAccounted) {
				t.Fatalf("a value stored otherwise than written passes verification (err %v)", err)
			}
			if want := fmt.Sprintf(c.want, id); !slices.Contains(exceptionKinds(sum), want) {
				t.Fatalf("exceptions %q, want %q", exceptionKinds(sum), want)
			}
		})
	}
}
