package scan_test

import (
	"maps"
	"os"
	"strings"
	"testing"

	"github.com/regflytt/regflytt/connectors/mysql/mytest"
	"github.com/regflytt/regflytt/connectors/postgres"
	"github.com/regflytt/regflytt/connectors/postgres/pgtest"
	"github.com/regflytt/regflytt/connectors/scan"
)

func notMigratedKinds(rep *scan.Report) map[string]int {
	out := map[string]int{}
	for _, g := range rep.NotMigrated {
		out[g.Kind] = g.Count
	}
	return out
}

// The catalogue queries of MariaDB and PostgreSQL list what a migration
// of tables leaves behind.
func TestNotMigratedOnServers(t *testing.T) {
	want := map[string]int{"view": 1, "trigger": 1, "routine": 1, "foreign_key": 1, "index": 2, "default": 1, "auto_increment": 1}
	t.Run("mariadb", func(t *testing.T) {
		if os.Getenv(mytest.EnvVar) == "" {
			t.Skipf("%s is not set", mytest.EnvVar)
		}
		url := mytest.NewDatabase(t)
		mytest.Exec(t, url,
			`CREATE TABLE enhet (id int NOT NULL AUTO_INCREMENT PRIMARY KEY, kod varchar(4) NOT NULL DEFAULT 'A', namn varchar(20), UNIQUE KEY uk_kod (kod))`,
			`CREATE TABLE besok (id int NOT NULL PRIMARY KEY, enhet_id int, datum date, KEY ix_datum (datum))`,
			`INSERT INTO enhet (namn) VALUES ('x')`,
			`INSERT INTO besok VALUES (1, 1, '2024-01-01'), (2, NULL, NULL)`,
			`ALTER TABLE besok ADD CONSTRAINT fk_enhet FOREIGN KEY (enhet_id) REFERENCES enhet (id)`,
			`CREATE VIEW v AS SELECT id FROM besok`,
			`CREATE TRIGGER tr BEFORE INSERT ON besok FOR EACH ROW SET NEW.datum = NEW.datum`,
			`CREATE FUNCTION f() RETURNS int DETERMINISTIC RETURN 1`,
		)
		rep := scanURL(t, url)
		checkSizes(t, rep)
		got := notMigratedKinds(rep)
		// InnoDB adds an index for the foreign key (named fk_enhet): with
		// uk_kod and ix_datum, three.
		want := map[string]int{"view": 1, "trigger": 1, "routine": 1, "foreign_key": 1, "index": 3, "default": 1, "auto_increment": 1}
		for k, n := range want {
			if got[k] != n {
				t.Errorf("%s: %d, want %d (%+v)", k, got[k], n, rep.NotMigrated)
			}
		}
	})
	t.Run("postgres", func(t *testing.T) {
		if os.Getenv(pgtest.EnvVar) == "" {
			t.Skipf("%s is not set", pgtest.EnvVar)
		}
		url := pgtest.NewDatabase(t)
		pgtest.Exec(t, url,
			`CREATE TABLE enhet (id serial PRIMARY KEY, kod varchar(4) NOT NULL DEFAULT 'A' UNIQUE, namn varchar(20))`,
			`CREATE TABLE besok (id int PRIMARY KEY, enhet_id int REFERENCES enhet (id), datum date)`,
			`CREATE INDEX ix_datum ON besok (datum)`,
			`INSERT INTO enhet (namn) VALUES ('x')`,
			`INSERT INTO besok VALUES (1, 1, '2024-01-01')`,
			`CREATE VIEW v AS SELECT id FROM besok`,
			`CREATE FUNCTION f() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$`,
			`CREATE TRIGGER tr BEFORE INSERT ON besok FOR EACH ROW EXECUTE FUNCTION f()`,
			// A second schema with tables: the plan reads public only.
			`CREATE SCHEMA hist`,
			`CREATE TABLE hist.besok_1998 (id int PRIMARY KEY)`,
		)
		rep := scanURL(t, url)
		checkSizes(t, rep)
		got := notMigratedKinds(rep)
		want := maps.Clone(want)
		want["schema"] = 1
		for k, n := range want {
			if got[k] != n {
				t.Errorf("%s: %d, want %d (%+v)", k, got[k], n, rep.NotMigrated)
			}
		}
	})
}

// checkSizes holds every table of a server's scan to a size its
// catalogue gave: positive, and named in the Markdown report.
func checkSizes(t *testing.T, rep *scan.Report) {
	t.Helper()
	var md strings.Builder
	if err := rep.WriteMarkdown(&md); err != nil {
		t.Fatal(err)
	}
	for _, tb := range rep.Tables {
		if tb.SizeBytes <= 0 {
			t.Errorf("table %s: size %d bytes, want the catalogue's (> 0)", tb.Name, tb.SizeBytes)
		}
		if !strings.Contains(md.String(), "- size: "+tb.SizeText()) {
			t.Errorf("the Markdown report lacks table %s's size %s", tb.Name, tb.SizeText())
		}
	}
}

// orphansOf gives the orphan count of a table's reference.
func orphansOf(t *testing.T, rep *scan.Report, table string) int64 {
	t.Helper()
	for _, tr := range rep.Tables {
		if tr.Name == table && len(tr.ForeignKeys) == 1 {
			return tr.ForeignKeys[0].Orphans
		}
	}
	t.Fatalf("table %s with one reference not in the report", table)
	return 0
}

// A visit refers to its patient as 'ABC' or 'abc ' where the patient's
// key is 'abc': the same row to a case-blind, trailing-space-blind
// collation (MariaDB's default utf8mb4_general_ci; a nondeterministic ICU
// collation on PostgreSQL), but no row to regflytt, which compares keys
// byte for byte and archives such a visit as an orphan. The scan counted
// the orphans with the database's equality and reported none; it counts
// them as a run finds them now.
func TestOrphansCountedByBytesOnServers(t *testing.T) {
	t.Run("mariadb", func(t *testing.T) {
		if os.Getenv(mytest.EnvVar) == "" {
			t.Skipf("%s is not set", mytest.EnvVar)
		}
		url := mytest.NewDatabase(t)
		mytest.Exec(t, url,
			`CREATE TABLE patient (id varchar(10) COLLATE utf8mb4_general_ci NOT NULL PRIMARY KEY)`,
			// latin1: the same text in another charset is the same key.
			`CREATE TABLE besok (id int NOT NULL PRIMARY KEY, patient_id varchar(10) CHARACTER SET latin1 COLLATE latin1_swedish_ci)`,
			`INSERT INTO patient VALUES ('abc'), ('åsa')`,
			`INSERT INTO besok VALUES (1, 'abc'), (2, 'ABC'), (3, 'abc '), (4, NULL), (5, 'åsa'), (6, 'Åsa'), (7, 'xyz')`,
		)
		if n := orphansOf(t, scanURL(t, url), "besok"); n != 4 {
			t.Errorf("%d orphans, want 4 ('ABC', 'abc ', 'Åsa', 'xyz')", n)
		}
	})
	t.Run("postgres", func(t *testing.T) {
		if os.Getenv(pgtest.EnvVar) == "" {
			t.Skipf("%s is not set", pgtest.EnvVar)
		}
		url := pgtest.NewDatabase(t)
		pgtest.Exec(t, url,
			`CREATE COLLATION ci (provider = icu, locale = 'und-u-ks-level2', deterministic = false)`,
			`CREATE TABLE patient (id varchar(10) COLLATE ci PRIMARY KEY)`,
			`CREATE TABLE besok (id int PRIMARY KEY, patient_id varchar(10) COLLATE ci)`,
			`INSERT INTO patient VALUES ('abc'), ('åsa')`,
			`INSERT INTO besok VALUES (1, 'abc'), (2, 'ABC'), (3, 'abc '), (4, NULL), (5, 'åsa'), (6, 'Åsa'), (7, 'xyz')`,
		)
		if n := orphansOf(t, scanURL(t, url), "besok"); n != 4 {
			t.Errorf("%d orphans, want 4 ('ABC', 'abc ', 'Åsa', 'xyz')", n)
		}
	})
}

// An account granted SELECT table by table sees those tables alone: scan
// says so, where it listed them as if they were the registry.
func TestScanNamesACatalogueLimitedByGrants(t *testing.T) {
	if os.Getenv(mytest.EnvVar) == "" {
		t.Skipf("%s is not set", mytest.EnvVar)
	}
	url := mytest.NewDatabase(t)
	mytest.Exec(t, url,
		`CREATE TABLE besok (id int NOT NULL PRIMARY KEY)`,
		`CREATE TABLE patient (id int NOT NULL PRIMARY KEY)`,
	)
	limited := func(rep *scan.Report) bool {
		for _, f := range rep.Findings {
			if f.Code == "catalogue_limited" {
				return true
			}
		}
		return false
	}
	rep := scanURL(t, mytest.NewTableReadUser(t, url, "besok"))
	if len(rep.Tables) != 1 || !rep.CatalogueLimited || !limited(rep) {
		t.Errorf("scan through an account granted besok alone: %d tables, limited %v, finding %v", len(rep.Tables), rep.CatalogueLimited, limited(rep))
	}
	if rep := scanURL(t, mytest.NewReadOnlyUser(t, url)); len(rep.Tables) != 2 || rep.CatalogueLimited || limited(rep) {
		t.Errorf("scan through an account granted the database: %d tables, limited %v", len(rep.Tables), rep.CatalogueLimited)
	}
}

// A PostgreSQL column naming large objects holds their numbers only:
// scan names it, where it profiled the numbers as the data.
func TestScanNamesLargeObjects(t *testing.T) {
	if os.Getenv(pgtest.EnvVar) == "" {
		t.Skipf("%s is not set", pgtest.EnvVar)
	}
	url := pgtest.NewDatabase(t)
	pgtest.Exec(t, url,
		"CREATE TABLE bilaga (id int PRIMARY KEY, dokument oid)",
		"INSERT INTO bilaga VALUES (1, lo_from_bytea(0, 'journal')), (2, NULL)",
	)
	rep := scanURL(t, url)
	found := false
	for _, f := range rep.Findings {
		found = found || f.Code == "large_objects" && f.Table == "bilaga" && f.Column == "dokument" && f.Count == 1
	}
	if !found || len(rep.LargeObjects) != 1 {
		t.Errorf("scan does not name bilaga.dokument's large object: %+v", rep.LargeObjects)
	}
}

// Scan's text findings on MariaDB columns say what repair() and latin1()
// will do with them, value for value (plans' TestRunRepairsGarbledTextOrArchivesIt
// runs the same visits): it counted text garbled in part or cut short as
// nothing and a correct value's C1 control not at all, so the report
// promised a repair where the run archives (encoding_ambiguous) and
// under-stated what the run changes, exit 0.
func TestScanSaysWhatRepairWillDoOnMariaDB(t *testing.T) {
	if os.Getenv(mytest.EnvVar) == "" {
		t.Skipf("%s is not set", mytest.EnvVar)
	}
	url := mytest.NewDatabase(t)
	mytest.GarbledVisits(t, url)
	rep := scanURL(t, url)
	for _, c := range []struct {
		column, code string
		want         int64
	}{
		{"namn", "garbled_text", 1},   // GÃ¶ran
		{"namn", "ambiguous_text", 1}, // SmÃ¶rgÃ, cut short
		{"ort", "garbled_text", 1},    // GÃƒÂ¶teborg, twice
		{"ort", "ambiguous_text", 1},  // Ã…re beside Östersund
		{"ort", "c1_controls", 1},     // Lund U+0096 Piteå
		{"gata", "garbled_text", 1},   // ÃƒÂ–stra gatan, twice
		{"gata", "ambiguous_text", 0},
		{"gata", "c1_controls", 0},
		// latin1(): Umeå and MALMÖ–LUND in Windows-1252 (the latter
		// valid UTF-8 of a Hebrew accent) read as Windows-1252; UTF-8 cut
		// in half archived.
		{"kod", "invalid_text", 2},
		{"kod", "ambiguous_text", 1},
	} {
		if got := finding(rep, c.code, "besok", c.column, ""); got != c.want {
			t.Errorf("besok.%s: %s %d, want %d (findings %+v)", c.column, c.code, got, c.want, rep.Findings)
		}
	}
	var twice int
	for _, f := range rep.Findings {
		if f.Code == "garbled_text" && strings.Contains(f.Message, "1 of them garbled more than once") {
			twice++
		}
		if f.Code == "ambiguous_text" && !strings.Contains(f.Message, "encoding_ambiguous") {
			t.Errorf("%s.%s: %q does not name the reason the run archives with", f.Table, f.Column, f.Message)
		}
	}
	if twice != 2 {
		t.Errorf("%d garbled_text findings say one value is garbled more than once, want 2 (ort, gata): %+v", twice, rep.Findings)
	}
	// The skeleton proposes repair() where it puts text right, and says
	// how many values it archives.
	files := map[string]string{}
	for _, f := range rep.Skeleton("receiving", postgres.Dialect{}) {
		files[f.Name] = string(f.Data)
	}
	mapping := files["mapping.yaml"]
	for _, col := range []string{"namn", "ort", "gata"} {
		if !strings.Contains(mapping, `{expr: "repair(`+col+`)"`) {
			t.Errorf("the skeleton does not repair %s:\n%s", col, mapping)
		}
	}
	if n := strings.Count(mapping, "; 1 archived as encoding_ambiguous"); n != 2 {
		t.Errorf("the skeleton says %d times that repair() archives a value, want 2 (namn, ort):\n%s", n, mapping)
	}
	// ort's code list holds its codes as repair() gives them: a garbled
	// code in it would never match, and its values be archived.
	lists := files["codelists.yaml"]
	if !strings.Contains(lists, `"Göteborg": "Göteborg"`) || strings.Contains(lists, "Ã") {
		t.Errorf("ort's code list does not hold the repaired codes:\n%s", lists)
	}
}

// A table without a primary key is not profiled, so the scan knows none
// of its values: a numeric(1000,500) or numeric there was proposed as
// decimal(1,0)
// ("holds every value it holds", of none observed), and a run on the
// proposed schema archived every value but 0 and NULL. Unobserved, the
// column gets the catalogue's problem (declare decimal(38,s) or text),
// as in regflytt schema; a profiled table's column is still narrowed to
// the values it holds.
func TestUnprofiledDecimalBeyond38IsNotNarrowed(t *testing.T) {
	if os.Getenv(pgtest.EnvVar) == "" {
		t.Skipf("%s is not set", pgtest.EnvVar)
	}
	url := pgtest.NewDatabase(t)
	pgtest.Exec(t, url,
		"CREATE TABLE logg (belopp numeric(1000,500), summa numeric)",
		"INSERT INTO logg VALUES (1.5, 1.5), (12345.25, 12345.25)",
		"CREATE TABLE summa (id int PRIMARY KEY, belopp numeric)",
		"INSERT INTO summa VALUES (1, 1.5), (2, 12345.25)",
	)
	rep := scanURL(t, url)
	var b strings.Builder
	if err := rep.WriteSchema(&b, "receiving", postgres.Dialect{}); err != nil {
		t.Fatal(err)
	}
	for _, tr := range rep.Tables {
		for _, c := range tr.Columns {
			switch tr.Name {
			case "logg":
				if c.Proposed != "" {
					t.Errorf("unprofiled logg.%s proposed %s from no observed value", c.Name, c.Proposed)
				}
			case "summa":
				if c.Name == "belopp" && c.Proposed != "decimal(7,2)" {
					t.Errorf("profiled summa.belopp proposed %q, want decimal(7,2) from its values", c.Proposed)
				}
			}
		}
	}
	if strings.Contains(b.String(), "decimal(1,0)") {
		t.Errorf("schema proposes decimal(1,0) for a column none of whose values was read:\n%s", b.String())
	}
}

// A decimal no receiving decimal holds (an unbounded numeric with NaN
// or Infinity, a numeric(40,20)) was dropped by the skeleton, "no
// receiving type holds it as it is", so the values of every record that
// migrated reached neither the target nor the archive, and the run
// passed; and an unbounded numeric whose finite values were few digits
// was proposed as decimal(30,30), "holding every value", where its NaN
// and Infinity were archived. The skeleton keeps both as text (a
// lossless cast) instead.
func TestSkeletonKeepsAWideDecimalAsText(t *testing.T) {
	if os.Getenv(pgtest.EnvVar) == "" {
		t.Skipf("%s is not set", pgtest.EnvVar)
	}
	url := pgtest.NewDatabase(t)
	pgtest.Exec(t, url,
		"CREATE TABLE prov (id int PRIMARY KEY, lab numeric, lab2 numeric(40,20))",
		"INSERT INTO prov VALUES (1, 'NaN', 12345678901234567890.12345678901234567890), (2, 'Infinity', 0.1), (3, 0.000000000000000000000000000001, NULL)",
	)
	rep := scanURL(t, url)
	files := map[string]string{}
	for _, f := range rep.Skeleton("receiving", postgres.Dialect{}) {
		files[f.Name] = string(f.Data)
	}
	if strings.Contains(files["mapping.yaml"], "drop:") {
		t.Errorf("the skeleton drops a decimal column:\n%s", files["mapping.yaml"])
	}
	for _, col := range []string{"lab", "lab2"} {
		if !strings.Contains(files["mapping.yaml"], q(col)+`: {from: `+q(col)+`, cast: "text"}`) {
			t.Errorf("mapping.yaml does not cast %s to text:\n%s", col, files["mapping.yaml"])
		}
		if !strings.Contains(files["schema.yaml"], `{name: `+q(col)+`, type: "text"`) {
			t.Errorf("schema.yaml does not declare %s text:\n%s", col, files["schema.yaml"])
		}
	}
}

func q(s string) string { return `"` + s + `"` }

// A MariaDB registry allocates its registration numbers from a SEQUENCE
// and purges with a scheduled EVENT; a PostgreSQL one has a sequence no
// column owns. The scan listed views, triggers and routines, and said
// nothing of these: a receiving platform numbering on from 1 gives
// numbers the registry already gave. A serial's or identity's own
// sequence is its column's auto_increment, not listed twice.
func TestNotMigratedSequencesAndEvents(t *testing.T) {
	t.Run("mariadb", func(t *testing.T) {
		if os.Getenv(mytest.EnvVar) == "" {
			t.Skipf("%s is not set", mytest.EnvVar)
		}
		url := mytest.NewDatabase(t)
		mytest.Exec(t, url,
			`CREATE TABLE reg (id int NOT NULL PRIMARY KEY, nr bigint)`,
			`CREATE SEQUENCE regnr START WITH 1000`,
			`CREATE EVENT rensa ON SCHEDULE EVERY 1 DAY DO DELETE FROM reg WHERE nr IS NULL`,
		)
		got := notMigratedKinds(scanURL(t, url))
		if got["sequence"] != 1 || got["event"] != 1 {
			t.Errorf("sequences %d, events %d; want 1 and 1", got["sequence"], got["event"])
		}
	})
	t.Run("postgres", func(t *testing.T) {
		if os.Getenv(pgtest.EnvVar) == "" {
			t.Skipf("%s is not set", pgtest.EnvVar)
		}
		url := pgtest.NewDatabase(t)
		pgtest.Exec(t, url,
			`CREATE TABLE reg (id serial PRIMARY KEY, nr bigint GENERATED BY DEFAULT AS IDENTITY)`,
			`CREATE SEQUENCE regnr START WITH 1000`,
		)
		rep := scanURL(t, url)
		got := notMigratedKinds(rep)
		if got["sequence"] != 1 {
			t.Errorf("sequences %d, want the one no column owns (%+v)", got["sequence"], rep.NotMigrated)
		}
	})
}
