package plans_test

// Red-team cases for exact values: source values that a dialect hands
// over changed, where run and verify would both read the same changed
// value and agree on it. Each case builds the legacy table with the
// dialect's own SQL, runs a 1:1 migration (exactMigrate, which fails
// unless the run PASSes) and checks what arrived against values read
// past the connector, and what was archived.

import (
	"context"
	"encoding/json"
	"net/url"
	"path/filepath"
	"strings"
	"testing"

	"github.com/regflytt/regflytt/archive"
	"github.com/regflytt/regflytt/connectors"
	"github.com/regflytt/regflytt/connectors/conformance"
	"github.com/regflytt/regflytt/connectors/mysql/mytest"
	"github.com/regflytt/regflytt/connectors/postgres/pgtest"
	"github.com/regflytt/regflytt/plans"
)

// A MariaDB text column in a character set that does not define every
// byte (ascii above 0x7F, the holes of cp1250) can still hold such bytes:
// a client with the binary character set or a _binary literal stores them
// unchecked. The server converts the column to the connection's utf8mb4
// with '?' in place of each such byte and no warning, so run and verify
// both read '?' and agree. The record must be archived with its bytes as
// stored, never migrated as '?'; text the character set defines (cp1250's
// ř, ascii's letters) still converts exactly.
func TestExactMariaDBTextOutsideItsCharset(t *testing.T) {
	legacy := mytest.NewDatabase(t)
	mytest.Exec(t, legacy,
		"SET SESSION sql_mode = ''",
		"CREATE TABLE kod (id int NOT NULL PRIMARY KEY, a varchar(10) CHARACTER SET ascii, c char(4) CHARACTER SET cp1250, t text CHARACTER SET ascii) ENGINE=InnoDB",
		"INSERT INTO kod VALUES (1, 'abc ', _cp1250 X'F872', 'x?')",
		"INSERT INTO kod VALUES (2, _binary X'E5', 'a', 'y')",     // a Latin-1 å in ascii
		"INSERT INTO kod VALUES (3, _binary X'C3A5', 'b', 'z')",   // a UTF-8 å in ascii
		"INSERT INTO kod VALUES (4, 'd', _binary X'6181', 'w')",   // 0x81 is a hole of cp1250
		"INSERT INTO kod VALUES (5, 'e', 'c', _binary X'3FE53F')", // text, not varchar
		"INSERT INTO kod VALUES (6, '?', '?', '?')",               // a real question mark migrates
		// Rows enough that four archived stay below the plan's 5%.
		"INSERT INTO kod SELECT seq, 'n', 'n', 'n' FROM seq_7_to_100",
	)
	tgt := exactTarget(t)
	rep, work := exactMigrate(t, legacy, tgt, nil)
	exactCheckLedger(t, rep, "kod", 100, 4)
	exactCheckArchive(t, "text outside its charset", exactArchived(t, work, "kod"),
		map[int]string{2: "wrong_kind a", 3: "wrong_kind a", 4: "wrong_kind c", 5: "wrong_kind t"})

	got, _ := exactRows(t, tgt, "kod")
	for id, want := range map[int64][]connectors.Value{1: {int64(1), "abc ", "řr", "x?"}, 6: {int64(6), "?", "?", "?"}} {
		for j, w := range want {
			if r := got[id]; r == nil || !conformance.Equal(r[j], w) {
				t.Errorf("row %d column %d: %v arrived, want %s", id, j, r, conformance.Describe(w))
			}
		}
	}
	// The archive holds the bytes as the column stores them.
	pkg := exactArchivedValues(t, work, "kod")
	for id, want := range map[int][]byte{2: {0xE5}, 3: {0xC3, 0xA5}} {
		if v, ok := pkg[id]["a"].([]byte); !ok || string(v) != string(want) {
			t.Errorf("row %d: archived a as %s, want the stored bytes % x", id, conformance.Describe(pkg[id]["a"]), want)
		}
	}
	// regflytt verify, on its own snapshots, agrees.
	sum, err := plans.Verify(context.Background(), loadPlan(t, filepath.Join(work, "plan.yaml")), plans.Options{SourceURL: legacy, TargetURL: tgt, WorkDir: work})
	if err != nil || sum == nil || !sum.Pass {
		if sum != nil {
			j, _ := json.MarshalIndent(sum, "", " ")
			t.Logf("%s", j)
		}
		t.Fatalf("verify: %v", err)
	}
	if testing.Verbose() {
		t.Logf("%+v %+v %+v", sum.Problems, sum.ArchiveExceptions, sum.Exceptions)
	}
}

// exactArchivedValues reads the archived records of a source table: each
// record's values by column name, by its id.
func exactArchivedValues(t *testing.T, workDir, table string) map[int]map[string]connectors.Value {
	t.Helper()
	out := map[int]map[string]connectors.Value{}
	pkg, err := archive.OpenVerified(filepath.Join(workDir, "archive"))
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, tbl := range pkg.Tables() {
		if tbl.Table == table {
			for _, c := range tbl.Columns {
				names = append(names, c.Name)
			}
		}
	}
	if names == nil {
		return out
	}
	recs, err := pkg.Records(table)
	if err != nil {
		t.Fatal(err)
	}
	defer recs.Close()
	for recs.Next() {
		rec := recs.Record()
		vals := map[string]connectors.Value{}
		for i, n := range names {
			vals[n] = rec.Values[i]
		}
		id, ok := vals["id"].(int64)
		if !ok {
			t.Fatalf("archived record with id %s", conformance.Describe(vals["id"]))
		}
		out[int(id)] = vals
	}
	if err := recs.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// A MariaDB YEAR(2) column stores the whole year (1901..2155) and prints
// its last two digits: 1969 and 2069 both print 69, 2000 prints 00. Read
// as printed, 1999 would arrive as the year 99 and two different years as
// one, with verify reading the same digits. Each must arrive as its year.
func TestExactMariaDBTwoDigitYear(t *testing.T) {
	t.Parallel()
	legacy := mytest.NewDatabase(t)
	mytest.Exec(t, legacy,
		"SET SESSION sql_mode = ''",
		"CREATE TABLE fodd (id int NOT NULL PRIMARY KEY, ar year(2), ar4 year) ENGINE=InnoDB",
		"INSERT INTO fodd VALUES (1, 1999, 1999), (2, 1970, 1970), (3, 2000, 2000), (4, 1969, 1969), (5, 2069, 2069), (6, NULL, 0), (7, 2155, 2155), (8, 1901, 1901)",
	)
	tgt := exactTarget(t)
	rep, work := exactMigrate(t, legacy, tgt, nil)
	exactCheckLedger(t, rep, "fodd", 8, 0)
	got, _ := exactRows(t, tgt, "fodd")
	want := map[int64][]connectors.Value{
		1: {int64(1999), int64(1999)}, 2: {int64(1970), int64(1970)}, 3: {int64(2000), int64(2000)}, 4: {int64(1969), int64(1969)},
		5: {int64(2069), int64(2069)}, 6: {nil, int64(0)}, 7: {int64(2155), int64(2155)}, 8: {int64(1901), int64(1901)},
	}
	for id, w := range want {
		r := got[id]
		if r == nil {
			t.Errorf("row %d did not arrive", id)
			continue
		}
		for j, v := range w {
			if !conformance.Equal(r[j+1], v) {
				t.Errorf("row %d column %d: %s arrived, want %s", id, j+1, conformance.Describe(r[j+1]), conformance.Describe(v))
			}
		}
	}
	sum, err := plans.Verify(context.Background(), loadPlan(t, filepath.Join(work, "plan.yaml")), plans.Options{SourceURL: legacy, TargetURL: tgt, WorkDir: work})
	if err != nil || sum == nil || !sum.Pass {
		t.Fatalf("verify: %v", err)
	}
}

// A MariaDB ENUM stores an invalid value (a lax sql_mode's) as the number
// 0, which prints as ”. When ” is also one of the members, the two
// print alike: read as printed, the invalid value would migrate as the
// member ”, and verify, reading the same, would agree. It must be
// archived instead, as the number it is, naming the column; the member
// ” migrates as ”.
func TestExactMariaDBEnumInvalidBesideEmptyMember(t *testing.T) {
	legacy := mytest.NewDatabase(t)
	mytest.Exec(t, legacy,
		"SET SESSION sql_mode = ''",
		"CREATE TABLE svar (id int NOT NULL PRIMARY KEY, rokare enum('','J','N'), kon enum('M','K')) ENGINE=InnoDB",
		"INSERT INTO svar VALUES (1, 'J', 'M'), (2, '', 'K'), (3, 'ja', 'M'), (4, NULL, NULL)",
		// Rows enough that one archived stays below the plan's 5%.
		"INSERT INTO svar SELECT seq, 'N', 'K' FROM seq_5_to_40",
	)
	tgt := exactTarget(t)
	rep, work := exactMigrate(t, legacy, tgt, nil)
	exactCheckLedger(t, rep, "svar", 40, 1)
	exactCheckArchive(t, "enum", exactArchived(t, work, "svar"), map[int]string{3: "wrong_kind rokare"})
	if v := exactArchivedValues(t, work, "svar")[3]["rokare"]; v != int64(0) {
		t.Errorf("archived rokare as %s, want the stored number 0", conformance.Describe(v))
	}
	got, _ := exactRows(t, tgt, "svar")
	for id, want := range map[int64][]connectors.Value{1: {"J", "M"}, 2: {"", "K"}, 4: {nil, nil}} {
		for j, w := range want {
			if r := got[id]; r == nil || !conformance.Equal(r[j+1], w) {
				t.Errorf("row %d column %d: %v arrived, want %s", id, j+1, r, conformance.Describe(w))
			}
		}
	}
	sum, err := plans.Verify(context.Background(), loadPlan(t, filepath.Join(work, "plan.yaml")), plans.Options{SourceURL: legacy, TargetURL: tgt, WorkDir: work})
	if err != nil || sum == nil || !sum.Pass {
		t.Fatalf("verify: %v", err)
	}
}

// A PostgreSQL table with row-level security shows a role without
// BYPASSRLS only the rows its policies let through, in SELECT and in
// COUNT(*) alike: a run reading as such a role (a read-only account, as
// the connector asks for) would migrate part of the table, and verify,
// counting and reading through the same policies, would find nothing
// missing. The run must refuse instead, naming the table.
func TestExactPostgreSQLRowSecurityHidesNoRows(t *testing.T) {
	legacy := pgtest.NewDatabase(t)
	u, err := url.Parse(legacy)
	if err != nil {
		t.Fatal(err)
	}
	// Roles are the server's, not the database's: one named after the
	// database is this test's alone.
	role := strings.Replace(strings.TrimPrefix(u.Path, "/"), "regflytt_test_", "regflytt_rls_", 1)
	pgtest.Exec(t, legacy,
		"CREATE TABLE besok (id int PRIMARY KEY, enhet text NOT NULL, vikt numeric(5,1))",
		"INSERT INTO besok SELECT g, CASE WHEN g % 10 = 0 THEN 'B' ELSE 'A' END, g / 10.0 FROM generate_series(1, 100) g",
		"ALTER TABLE besok ENABLE ROW LEVEL SECURITY",
		"CREATE POLICY bara_a ON besok FOR SELECT USING (enhet = 'A')",
		"CREATE ROLE "+role+" LOGIN PASSWORD 'x'",
		"GRANT SELECT ON besok TO "+role,
	)
	t.Cleanup(func() {
		pgtest.Exec(t, legacy, "DROP OWNED BY "+role)
		pgtest.Exec(t, pgtest.AdminURL(t), "DROP ROLE "+role)
	})
	u.User = url.UserPassword(role, "x")
	reader := u.String()

	dir := t.TempDir()
	write(t, filepath.Join(dir, "schema.yaml"), `platform: exact
tables:
  - name: besok
    primary_key: [id]
    columns:
      - {name: id, type: integer}
      - {name: enhet, type: text}
      - {name: vikt, type: "decimal(5,1)"}
`)
	write(t, filepath.Join(dir, "mapping.yaml"), "version: 1\ntables:\n  - target: besok\n    source: besok\n    columns: {id: id, enhet: enhet, vikt: vikt}\n")
	plan := write(t, filepath.Join(dir, "plan.yaml"), `plan: 1
register: {id: exact, name: Exact values}
system: {current: legacy, chosen: receiving}
cpua: {current: A, future: B}
rco: {current: A, future: B}
target: {schema: schema.yaml}
mappings: [mapping.yaml]
archive: {dir: archive}
`)
	tgt := "sqlite://" + filepath.Join(dir, "receiving.db")
	rep, err := plans.Run(context.Background(), loadPlan(t, plan), plans.Options{SourceURL: reader, TargetURL: tgt, WorkDir: dir})
	if err == nil {
		var migrated int64
		if rep != nil && len(rep.Tables) > 0 {
			migrated = rep.Tables[0].Migrated
		}
		t.Fatalf("the run read a table with row-level security through its policies and passed (pass %v, %d of 100 rows migrated)", rep != nil && rep.Pass, migrated)
	}
	t.Logf("refused: %v", err)
	if !strings.Contains(err.Error(), "besok") || !strings.Contains(err.Error(), "row-level security") {
		t.Errorf("the refusal does not name the table and row-level security: %v", err)
	}
}

// A MariaDB table WITH SYSTEM VERSIONING keeps every earlier version of
// its rows, and of rows since deleted, out of sight of a plain SELECT and
// of COUNT(*): a run would migrate the current rows, and verify, counting
// the same way, would say every record is accounted for while the
// history was neither migrated, archived nor excluded. Verify raises a
// finding per such table with history, which the plan must acknowledge
// with its reason; the run does not PASS without it.
func TestExactMariaDBSystemVersionedHistoryIsNamed(t *testing.T) {
	legacy := mytest.NewDatabase(t)
	mytest.Exec(t, legacy,
		"CREATE TABLE besok (id int NOT NULL PRIMARY KEY, vikt decimal(5,1)) ENGINE=InnoDB WITH SYSTEM VERSIONING",
		"INSERT INTO besok SELECT seq, seq / 10 FROM seq_1_to_40",
		"UPDATE besok SET vikt = vikt + 1 WHERE id <= 3", // three earlier versions
		"DELETE FROM besok WHERE id = 40",                // a record only the history holds
		// Versioned, but never changed: no history, no finding.
		"CREATE TABLE enhet (id int NOT NULL PRIMARY KEY, namn varchar(20)) ENGINE=InnoDB WITH SYSTEM VERSIONING",
		"INSERT INTO enhet VALUES (1, 'Umeå')",
		// Keyless (the mapping names its key): before the finding, the
		// run passed with its history unread.
		"CREATE TABLE logg (id int NOT NULL, handelse varchar(20), UNIQUE (id)) ENGINE=InnoDB WITH SYSTEM VERSIONING",
		"INSERT INTO logg VALUES (1, 'in'), (2, 'ut')",
		"DELETE FROM logg WHERE id = 2",
	)
	// The acknowledged run's current rows migrate, keyed by the declared
	// key alone (the server adds the period's end to it).
	rep := unreadUntilAcknowledged(t, legacy, threeTablesSchema,
		"version: 1\ntables:\n  - target: besok\n    source: besok\n    columns: {id: id, vikt: vikt}\n  - target: enhet\n    source: enhet\n    columns: {id: id, namn: namn}\n  - target: logg\n    source: logg\n    key: [id]\n    columns: {id: id, handelse: handelse}\n",
		map[string]int64{"history_not_read.besok": 4, "history_not_read.logg": 1},
		"verification:\n  acknowledge:\n    history_not_read.besok: the earlier versions are the old platform's audit trail, kept in its backup\n    history_not_read.logg: the same\n")
	exactCheckLedger(t, rep, "besok", 39, 0)
	exactCheckLedger(t, rep, "enhet", 1, 0)
	exactCheckLedger(t, rep, "logg", 1, 0)
}

// threeTablesSchema is the receiving schema of the source-finding tests
// (history_not_read, source_without_snapshot): besok (id, vikt), enhet
// (id, namn) and logg (id, handelse), each keyed by id.
const threeTablesSchema = `platform: exact
tables:
  - name: besok
    primary_key: [id]
    columns:
      - {name: id, type: integer}
      - {name: vikt, type: "decimal(5,1)"}
  - name: enhet
    primary_key: [id]
    columns:
      - {name: id, type: integer}
      - {name: namn, type: "varchar(20)"}
  - name: logg
    primary_key: [id]
    columns:
      - {name: id, type: integer}
      - {name: handelse, type: "varchar(20)"}
`
