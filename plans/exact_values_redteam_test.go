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
	"path/filepath"
	"testing"

	"github.com/regflytt/regflytt/archive"
	"github.com/regflytt/regflytt/connectors"
	"github.com/regflytt/regflytt/connectors/conformance"
	"github.com/regflytt/regflytt/connectors/mysql/mytest"
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
