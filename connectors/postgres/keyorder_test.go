package postgres_test

import (
	"context"
	"strings"
	"testing"

	"github.com/regflytt/regflytt/connectors"
	"github.com/regflytt/regflytt/connectors/postgres/pgtest"
)

// TestScanKeyOrderOperatorNotOnSearchPath reads a citext-keyed table of a
// schema other than the one its extension is installed in. The keyset
// query's ORDER BY sorts by the type's btree operator class wherever it
// lives, but its "(key) > ($1)" resolves ">" by name on the search_path:
// with only the table's schema there, that was text's >, which sorts
// upper case before lower case where citext does not, so each page after
// the first re-read some rows and skipped others (9 rows read as 7, one
// twice). The scan must read every row once, or refuse naming the column
// and the search_path parameter that fixes it.
func TestScanKeyOrderOperatorNotOnSearchPath(t *testing.T) {
	ctx := context.Background()
	url := pgtest.NewDatabase(t)
	pgtest.Exec(t, url, `CREATE EXTENSION IF NOT EXISTS citext SCHEMA public`,
		`CREATE SCHEMA reg`,
		`CREATE TABLE reg.ck (email public.citext PRIMARY KEY, n int)`,
		`INSERT INTO reg.ck VALUES ('a',1),('B',2),('c',3),('D',4),('e',5),('F',6),('Z',7),('Ö',8),('ö2',9)`)
	sep := "?"
	if strings.Contains(url, "?") {
		sep = "&"
	}
	read := func(surl string) (int, []int64, error) {
		snap := snapshot(t, openSource(t, surl))
		tables, err := snap.Tables(ctx)
		if err != nil {
			t.Fatal(err)
		}
		var tbl *connectors.Table
		for i := range tables {
			if tables[i].Name == "ck" {
				tbl = &tables[i]
			}
		}
		if tbl == nil {
			t.Fatal("table ck not in the catalogue")
		}
		rows, err := snap.Scan(ctx, tbl, connectors.ScanOptions{Key: []string{"email"}, BatchSize: 2})
		if err != nil {
			return 0, nil, err
		}
		defer rows.Close()
		var ns []int64
		for rows.Next() {
			ns = append(ns, rows.Row()[1].(int64))
		}
		return len(ns), ns, rows.Err()
	}
	n, ns, err := read(url + sep + "schema=reg")
	if err == nil {
		if n != 9 || !distinct(ns) {
			t.Errorf("schema=reg: read %d rows %v without an error, want the 9 rows once each or a refusal", n, ns)
		}
	} else if msg := err.Error(); !strings.Contains(msg, "ck") || !strings.Contains(msg, "email") || !strings.Contains(msg, "search_path=public") {
		t.Errorf("schema=reg: %v, want a refusal naming table ck, column email and search_path=public", err)
	}
	// A select: source pages by its key the same way.
	snap := snapshot(t, openSource(t, url+sep+"schema=reg"))
	q, ok := snap.(connectors.Querier)
	if !ok {
		t.Fatal("snapshot is no Querier")
	}
	cols, err := q.DescribeQuery(ctx, "SELECT email, n FROM ck")
	if err != nil {
		t.Fatal(err)
	}
	rows, err := q.ScanQuery(ctx, "SELECT email, n FROM ck", cols, connectors.ScanOptions{Key: []string{"email"}, BatchSize: 2})
	if err == nil {
		var ns []int64
		for rows.Next() {
			ns = append(ns, rows.Row()[1].(int64))
		}
		err = rows.Err()
		rows.Close()
		if err == nil && (len(ns) != 9 || !distinct(ns)) {
			t.Errorf("select, schema=reg: read %v without an error, want the 9 rows once each or a refusal", ns)
		}
	}
	if err != nil && !strings.Contains(err.Error(), "search_path=public") {
		t.Errorf("select, schema=reg: %v, want a refusal naming search_path=public", err)
	}
	// With the extension's schema on the search_path the pages are right.
	n, ns, err = read(url + sep + "schema=reg&search_path=public")
	if err != nil || n != 9 || !distinct(ns) {
		t.Errorf("schema=reg&search_path=public: read %d rows %v, %v; want the 9 rows once each", n, ns, err)
	}
}

func distinct(ns []int64) bool {
	seen := map[int64]bool{}
	for _, n := range ns {
		if seen[n] {
			return false
		}
		seen[n] = true
	}
	return true
}
