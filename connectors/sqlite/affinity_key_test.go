package sqlite_test

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"testing"

	"github.com/regflytt/regflytt/connectors"
	"github.com/regflytt/regflytt/connectors/conformance"
	"github.com/regflytt/regflytt/connectors/sqlite"
)

// A NUMERIC(10,2) key whose values SQLite stored as REALs and INTEGERs
// is read as decimals (and one float), and keyset batches of one row
// bind each back as the key to continue after: every row is read once,
// in order, whatever class it was stored as.
func TestNumericKeyOfRealsPagesExactly(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "k.db")
	db, err := sql.Open("sqlite", "file:"+path)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{
		"CREATE TABLE price (p NUMERIC(10,2) PRIMARY KEY, n INTEGER)",
		"INSERT INTO price VALUES (0.1, 1), (0.99, 2), (0.995, 3), (1.0, 4), (1.98, 5), (-0.5, 6), (12, 7), (0.30000000000000004, 8)",
	} {
		if _, err := db.ExecContext(ctx, s); err != nil {
			db.Close()
			t.Fatal(err)
		}
	}
	db.Close()
	src, err := sqlite.OpenSource(ctx, location(t, path))
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	rows := conformance.ReadAll(t, src, "price", connectors.ScanOptions{BatchSize: 1})
	var got []string
	for _, r := range rows {
		got = append(got, fmt.Sprintf("%s:%v", conformance.Describe(r[0]), r[1]))
	}
	want := fmt.Sprint([]string{
		`connectors.Decimal("-0.5"):6`, `connectors.Decimal("0.1"):1`, `float64(0.30000000000000004):8`, `connectors.Decimal("0.99"):2`,
		`float64(0.995):3`, `connectors.Decimal("1"):4`, `connectors.Decimal("1.98"):5`, `connectors.Decimal("12"):7`,
	})
	if fmt.Sprint(got) != want {
		t.Errorf("read %v\nwant %v", got, want)
	}
}
