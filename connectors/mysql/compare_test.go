package mysql_test

import (
	"context"
	"testing"

	"github.com/regflytt/regflytt/connectors"
	"github.com/regflytt/regflytt/connectors/mysql/mytest"
)

// MariaDB rounds a value to a FLOAT(M,D) or DOUBLE(M,D) column's D
// decimals without a warning, strict mode or not, and its catalogue reads
// such a column as the same float the schema declares: an existing
// receiving table made that way stored 60.55 as 60.6 and the check before
// writing found no difference. An UNSIGNED decimal or float reads as the
// same type too, but holds no negative value. Each is a difference.
func TestCompareExistingFloatScaleAndUnsigned(t *testing.T) {
	ctx := context.Background()
	dbURL := mytest.NewDatabase(t)
	mytest.Exec(t, dbURL, "CREATE TABLE m (id bigint NOT NULL PRIMARY KEY, "+
		"w_double double(5,1), w_float float(7,3), w_fine double(20,10), "+
		"w_unsigned double unsigned, w_decimal decimal(5,1) unsigned, w_zerofill decimal(5,1) zerofill, "+
		"ok_double double, ok_float float, ok_decimal decimal(5,1))")

	// The server rounds without a word: this is why the table must be
	// refused before anything is written.
	tgt := openTarget(t, dbURL)
	tx, err := tgt.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	double := connectors.Type{Kind: connectors.KindFloat, Bits: 64}
	narrow := connectors.Table{Name: "m", PrimaryKey: []string{"id"}, Columns: []connectors.Column{
		{Name: "id", Type: connectors.Type{Kind: connectors.KindInt, Bits: 64}},
		{Name: "w_double", Type: double, Nullable: true},
	}}
	if _, err := tx.Write(ctx, &narrow, [][]connectors.Value{{int64(1), 60.55}}); err != nil {
		t.Fatalf("the server refused what it rounds (so the probe is moot): %v", err)
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	var stored float64
	if err := mytest.Open(t, dbURL).QueryRow("SELECT w_double FROM m WHERE id = 1").Scan(&stored); err != nil {
		t.Fatal(err)
	}
	if stored == 60.55 {
		t.Fatalf("double(5,1) kept 60.55: the server no longer rounds to the column's decimals")
	}

	existing := existingTable(t, tgt, "m")
	real := connectors.Type{Kind: connectors.KindFloat, Bits: 32}
	dec := connectors.Type{Kind: connectors.KindDecimal, Precision: 5, Scale: 1}
	declared := connectors.Table{Name: "m", PrimaryKey: []string{"id"}, Columns: []connectors.Column{
		{Name: "id", Type: connectors.Type{Kind: connectors.KindInt, Bits: 64}},
		{Name: "w_double", Type: double, Nullable: true},
		{Name: "w_float", Type: real, Nullable: true},
		{Name: "w_fine", Type: double, Nullable: true},
		{Name: "w_unsigned", Type: double, Nullable: true},
		{Name: "w_decimal", Type: dec, Nullable: true},
		{Name: "w_zerofill", Type: dec, Nullable: true},
		{Name: "ok_double", Type: double, Nullable: true},
		{Name: "ok_float", Type: real, Nullable: true},
		{Name: "ok_decimal", Type: dec, Nullable: true},
	}}
	checkColumnDifferences(t, connectors.CompareTable(tgt.Dialect(), &declared, existing), map[string]string{
		"w_double":   "table m, column w_double: type differs: the existing table has double(5,1), the schema declares double",
		"w_float":    "table m, column w_float: type differs: the existing table has float(7,3), the schema declares real (created as float)",
		"w_fine":     "table m, column w_fine: type differs: the existing table has double(20,10), the schema declares double",
		"w_unsigned": "table m, column w_unsigned: type differs: the existing table has double unsigned, the schema declares double",
		"w_decimal":  "table m, column w_decimal: type differs: the existing table has decimal(5,1) unsigned, the schema declares decimal(5,1)",
		"w_zerofill": "table m, column w_zerofill: type differs: the existing table has decimal(5,1) unsigned zerofill, the schema declares decimal(5,1)",
	})
}

// A JSON column made by hand reads as json whatever text type and
// character set is under its CHECK (json_valid(col)); only utf8mb4
// longtext is what Create makes. The load sends UTF-8 bytes unconverted:
// a latin1 column stores "Åsa" as "Ã…sa" without a warning.
func TestCompareExistingJSONCharsetAndType(t *testing.T) {
	dbURL := mytest.NewDatabase(t)
	mytest.Exec(t, dbURL, "CREATE TABLE m (id bigint NOT NULL PRIMARY KEY, "+
		"j_latin1 longtext CHARACTER SET latin1 CHECK (json_valid(j_latin1)), "+
		"j_utf8mb3 longtext CHARACTER SET utf8mb3 CHECK (json_valid(j_utf8mb3)), "+
		"j_tiny tinytext CHARACTER SET utf8mb4 CHECK (json_valid(j_tiny)), "+
		"j_ok longtext CHARACTER SET utf8mb4 COLLATE utf8mb4_bin CHECK (json_valid(j_ok)), "+
		"j_created json)")
	tgt := openTarget(t, dbURL)
	json := connectors.Type{Kind: connectors.KindJSON}
	declared := connectors.Table{Name: "m", PrimaryKey: []string{"id"}, Columns: []connectors.Column{
		{Name: "id", Type: connectors.Type{Kind: connectors.KindInt, Bits: 64}},
		{Name: "j_latin1", Type: json, Nullable: true},
		{Name: "j_utf8mb3", Type: json, Nullable: true},
		{Name: "j_tiny", Type: json, Nullable: true},
		{Name: "j_ok", Type: json, Nullable: true},
		{Name: "j_created", Type: json, Nullable: true},
	}}
	checkColumnDifferences(t, connectors.CompareTable(tgt.Dialect(), &declared, existingTable(t, tgt, "m")), map[string]string{
		"j_latin1":  "table m, column j_latin1: type differs: the existing table has longtext (latin1), the schema declares json",
		"j_utf8mb3": "table m, column j_utf8mb3: type differs: the existing table has longtext (utf8mb3), the schema declares json",
		"j_tiny":    "table m, column j_tiny: type differs: the existing table has tinytext (utf8mb4), the schema declares json",
	})
}

// checkColumnDifferences holds differences, one a column at most, to the
// messages wanted by column.
func checkColumnDifferences(t *testing.T, ds []connectors.Difference, want map[string]string) {
	t.Helper()
	got := map[string]string{}
	for _, d := range ds {
		got[d.Column] = d.String()
	}
	for col, msg := range want {
		if got[col] != msg {
			t.Errorf("column %s: difference %q, want %q", col, got[col], msg)
		}
	}
	for col, msg := range got {
		if _, ok := want[col]; !ok {
			t.Errorf("column %s: unexpected difference %q", col, msg)
		}
	}
}

func existingTable(t *testing.T, tgt connectors.Target, name string) *connectors.Table {
	t.Helper()
	snap, err := tgt.Snapshot(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer snap.Close()
	tables, err := snap.Tables(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for i := range tables {
		if tables[i].Name == name {
			return &tables[i]
		}
	}
	t.Fatalf("table %s not in the catalogue", name)
	return nil
}
