package plantest

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/regflytt/regflytt/connectors"
	"github.com/regflytt/regflytt/connectors/all"
	"github.com/regflytt/regflytt/plans"
)

// A small legacy database, a receiving schema, a mapping and a plan
// written into a temporary folder, and statements run on a target behind
// a run's back: shared by the tests of plans and of plans/verifytest.

// Write writes text to path and gives path.
func Write(t testing.TB, path, text string) string {
	t.Helper()
	if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// IntCol is a 64-bit integer column, nullable unless named id.
func IntCol(name string) connectors.Column {
	return connectors.Column{Name: name, Type: connectors.Type{Kind: connectors.KindInt, Bits: 64}, Nullable: name != "id"}
}

// TextCol is a nullable text column.
func TextCol(name string) connectors.Column {
	return connectors.Column{Name: name, Type: connectors.Type{Kind: connectors.KindText}, Nullable: true}
}

// WriteTables creates tables in a database and fills them.
func WriteTables(t testing.TB, url string, tables []connectors.Table, rows map[string][][]connectors.Value) {
	t.Helper()
	ctx := context.Background()
	db, err := all.OpenTarget(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := db.Create(ctx, tables); err != nil {
		t.Fatal(err)
	}
	for i := range tables {
		tx, err := db.Begin(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := tx.Write(ctx, &tables[i], rows[tables[i].Name]); err != nil {
			t.Fatal(err)
		}
		if err := tx.Commit(); err != nil {
			t.Fatal(err)
		}
	}
}

// WritePlan writes dir/plan.yaml over dir/schema.yaml and dir/m.yaml,
// with extra lines (run:, optout: …) appended.
func WritePlan(t testing.TB, dir, extra string) string {
	t.Helper()
	return Write(t, filepath.Join(dir, "plan.yaml"), `plan: 1
register: {id: test, name: Test register}
system: {current: a, chosen: b}
cpua: {current: A, future: B}
rco: {current: A, future: B}
target: {schema: schema.yaml}
mappings: [m.yaml]
archive: {dir: archive, unencrypted_reason: synthetic test data}
`+extra)
}

// WriteSchema writes dir/schema.yaml with one receiving table: its
// primary key (key, as the schema lists it, "a, b"; none when empty) and
// its columns, each "name type", or "name type not_null".
func WriteSchema(t testing.TB, dir, table, key string, cols ...string) {
	t.Helper()
	var b strings.Builder
	b.WriteString("platform: t\ntables:\n  - name: " + table + "\n")
	if key != "" {
		b.WriteString("    primary_key: [" + key + "]\n")
	}
	b.WriteString("    columns:\n")
	for _, c := range cols {
		f := strings.Fields(c)
		if len(f) < 2 || len(f) > 3 || len(f) == 3 && f[2] != "not_null" {
			t.Fatalf("column %q: want \"name type\" or \"name type not_null\"", c)
		}
		fmt.Fprintf(&b, "      - {name: %s, type: %q", f[0], f[1])
		if len(f) == 3 {
			b.WriteString(", not_null: true")
		}
		b.WriteString("}\n")
	}
	Write(t, filepath.Join(dir, "schema.yaml"), b.String())
}

// WriteRegistrationSchema writes dir/schema.yaml with the receiving table
// the form-store tests migrate into: registration (registration_id,
// registered when asked, weight_kg decimal(5,1)).
func WriteRegistrationSchema(t testing.TB, dir string, registered bool) {
	t.Helper()
	cols := []string{"registration_id bigint"}
	if registered {
		cols = append(cols, "registered date")
	}
	WriteSchema(t, dir, "registration", "registration_id", append(cols, "weight_kg decimal(5,1)")...)
}

// WriteEAVMapping writes m.yaml with one mapping of the form store
// instans/varde (entity instans_id, attribute variabel, value varde) into
// registration; rest is the mapping's remaining keys (columns:, drop:, …),
// indented as under the table.
func WriteEAVMapping(t testing.TB, dir, rest string) {
	t.Helper()
	Write(t, filepath.Join(dir, "m.yaml"), "tables:\n  - target: registration\n    source:\n      eav: {entities: instans, values: varde, entity: instans_id, attribute: variabel, value: varde}\n"+rest)
}

// MergeFoldPlan writes the plan of the merge-key tests into dir: a
// receiving visit (patient of type patientType, visit_date, weight_kg,
// height_cm) merged on patient and visit_date from main register
// delreg_a (patient: patientA, visit_date: datum, weight_kg: vikt) and
// sub-register delreg_b (patient_id, datum, langd).
func MergeFoldPlan(t testing.TB, dir, patientType, patientA string) string {
	t.Helper()
	WriteSchema(t, dir, "visit", "patient, visit_date", "patient "+patientType, "visit_date date", "weight_kg decimal(5,1)", "height_cm smallint")
	Write(t, filepath.Join(dir, "m.yaml"), `tables:
  - target: visit
    merge: [patient, visit_date]
    sources:
      - source: delreg_a
        precedence: 1
        columns: {patient: `+patientA+`, visit_date: {expr: date(datum)}, weight_kg: {expr: decimal(vikt)}}
        drop: {id: registration number of the main register}
      - source: delreg_b
        precedence: 2
        columns: {patient: patient_id, visit_date: {expr: date(datum)}, height_cm: langd}
        drop: {id: registration number of the sub-register}
`)
	return WritePlan(t, dir, "verification: {acknowledge: {archived_share.delreg_b: a test of key spellings}}\n")
}

// ExecSQLite runs statements on a SQLite database file.
func ExecSQLite(t testing.TB, path string, stmts ...string) {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+path)
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

// AfterChecks is a Progress that runs statements on the target once the
// run begins moving its first table: after every check before writing
// (which refuses a receiving table with a trigger) and after the
// receiving tables are created. Tests use it to change the target behind
// the run's back, as a trigger added during a run would, and check that
// the end check or verification sees what it changed: Run, once. Err is
// Run's error, for the test's goroutine to check.
type AfterChecks struct {
	plans.NoProgress
	Run  func() error
	Err  error
	once sync.Once
}

func (a *AfterChecks) Table(string, int64) { a.once.Do(func() { a.Err = a.Run() }) }

// SQLiteAfterChecks runs stmts in the SQLite database at path.
func SQLiteAfterChecks(path string, stmts ...string) *AfterChecks {
	return &AfterChecks{Run: func() error {
		db, err := sql.Open("sqlite", "file:"+path)
		if err != nil {
			return err
		}
		defer db.Close()
		for _, s := range stmts {
			if _, err := db.Exec(s); err != nil {
				return fmt.Errorf("%s: %w", s, err)
			}
		}
		return nil
	}}
}

// PGAfterChecks runs stmts in the PostgreSQL database at url.
func PGAfterChecks(url string, stmts ...string) *AfterChecks {
	return &AfterChecks{Run: func() error {
		ctx := context.Background()
		conn, err := pgx.Connect(ctx, url)
		if err != nil {
			return err
		}
		defer conn.Close(ctx)
		for _, s := range stmts {
			if _, err := conn.Exec(ctx, s); err != nil {
				return fmt.Errorf("%s: %w", s, err)
			}
		}
		return nil
	}}
}
