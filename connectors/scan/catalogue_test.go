package scan_test

import (
	"database/sql"
	"path/filepath"
	"testing"

	_ "modernc.org/sqlite" // the legacy file is written with raw SQL
)

// Views, triggers, foreign keys, indexes, defaults and auto-increments
// are listed as not migrated, and declared foreign
// keys have their orphans counted like inferred ones.
func TestViewsTriggersAndDeclaredKeys(t *testing.T) {
	path := filepath.Join(t.TempDir(), "legacy.db")
	db, err := sql.Open("sqlite", "file:"+path)
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{
		`CREATE TABLE enhet (nr INTEGER PRIMARY KEY, namn TEXT)`,
		`CREATE TABLE besok (id INTEGER PRIMARY KEY, enhet INTEGER REFERENCES enhet(nr), datum DATE)`,
		`CREATE TABLE logg (rad TEXT)`,
		`INSERT INTO enhet VALUES (1, 'A'), (2, 'B')`,
		`INSERT INTO besok VALUES (1, 1, '2024-01-01'), (2, 3, '2024-01-02'), (3, 4, NULL), (4, NULL, '2024-00-00')`,
		`CREATE VIEW v_besok AS SELECT * FROM besok`,
		`CREATE VIEW v_enhet AS SELECT * FROM enhet`,
		`INSERT INTO logg VALUES ('y')`,
		`CREATE TABLE kod (id INTEGER PRIMARY KEY AUTOINCREMENT, kod TEXT UNIQUE DEFAULT 'A')`,
		`CREATE INDEX ix_datum ON besok (datum)`,
		`CREATE TRIGGER t_besok AFTER INSERT ON besok BEGIN INSERT INTO logg VALUES ('x'); END`,
	} {
		if _, err := db.Exec(q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	db.Close()
	rep := scanURL(t, "sqlite://"+path)
	kinds := map[string]int{}
	for _, g := range rep.NotMigrated {
		kinds[g.Kind] = g.Count
	}
	want := map[string]int{"view": 2, "trigger": 1, "foreign_key": 1, "index": 2, "default": 1, "auto_increment": 1}
	for k, n := range want {
		if kinds[k] != n {
			t.Errorf("not migrated: %d %s(s), want %d (%+v)", kinds[k], k, n, rep.NotMigrated)
		}
	}
	if n := finding(rep, "not_migrated", "", "", ""); n != 8 {
		t.Errorf("not_migrated findings count %d, want 8", n)
	}
	if n := finding(rep, "orphan_rows", "besok", "enhet", ""); n != 2 {
		t.Errorf("orphans of the declared key: %d, want 2", n)
	}
	if n := finding(rep, "partial_date", "besok", "datum", ""); n != 1 {
		t.Errorf("partial dates: %d, want 1", n)
	}
	if n := finding(rep, "no_primary_key", "logg", "", ""); n != 1 {
		t.Errorf("no_primary_key for a keyless table of one row: %d, want 1", n)
	}
}

// SQLite compares a NOCASE column case-blind: its orphans are counted
// byte for byte too, as a run finds them (TestOrphansCountedByBytesOnServers).
func TestOrphansCountedByBytesOnSQLite(t *testing.T) {
	path := filepath.Join(t.TempDir(), "legacy.db")
	db, err := sql.Open("sqlite", "file:"+path)
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{
		`CREATE TABLE patient (id TEXT COLLATE NOCASE PRIMARY KEY)`,
		`CREATE TABLE besok (id INTEGER PRIMARY KEY, patient_id TEXT COLLATE NOCASE)`,
		`INSERT INTO patient VALUES ('abc'), ('åsa')`,
		`INSERT INTO besok VALUES (1, 'abc'), (2, 'ABC'), (3, 'abc '), (4, NULL), (5, 'åsa'), (6, 'Åsa'), (7, 'xyz')`,
	} {
		if _, err := db.Exec(q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	db.Close()
	for _, tr := range scanURL(t, "sqlite://"+path).Tables {
		if tr.Name == "besok" {
			if len(tr.ForeignKeys) != 1 || tr.ForeignKeys[0].Orphans != 4 {
				t.Errorf("references %+v, want one with 4 orphans ('ABC', 'abc ', 'Åsa', 'xyz')", tr.ForeignKeys)
			}
		}
	}
}
