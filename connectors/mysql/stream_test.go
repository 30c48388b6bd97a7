package mysql_test

import (
	"context"
	"database/sql"
	"strings"
	"testing"

	"github.com/regflytt/regflytt/connectors/conformance"
	"github.com/regflytt/regflytt/connectors/mysql/mytest"
)

// A values table read by (entity, id), a key no index serves, is one
// query the server sorts once while the scan streams it, not a keyset page
// that sorts the whole table again for every page (EXPLAIN of such a
// page: type ALL, Using filesort, so a scan costs the square of the
// table's size). The test finds the query running on the server halfway
// through the scan (its result larger than the socket buffers, so the
// server is still sending it), and explains it.
func TestStreamedScanSortsOnce(t *testing.T) {
	ctx := context.Background()
	dbURL := mytest.NewDatabase(t)
	mytest.Exec(t, dbURL,
		"CREATE TABLE varde (varde_id bigint NOT NULL PRIMARY KEY, instans_id int NOT NULL, varde text)",
		"INSERT INTO varde SELECT seq, 100001 - seq, REPEAT('v', 200) FROM seq_1_to_100000",
		"ANALYZE TABLE varde")
	_, rows := conformance.StartEntityScan(t, openSource(t, dbURL))

	db := mytest.Open(t, dbURL)
	var query string
	err := db.QueryRowContext(ctx, "SELECT INFO FROM information_schema.PROCESSLIST WHERE DB = DATABASE() AND ID <> CONNECTION_ID() AND INFO LIKE 'SELECT%'").Scan(&query)
	if err != nil {
		t.Fatalf("no query of the scan is running on the server halfway through it (a keyset page reads to its end): %v", err)
	}
	if strings.Contains(query, "LIMIT") {
		t.Errorf("the scan runs a page query, sorted again for each page: %s", query)
	}
	sorts := explainFilesorts(t, db, query)
	if sorts != 1 {
		t.Errorf("EXPLAIN %s: %d filesorts, want the one of the whole query", query, sorts)
	}
	n := 1
	for rows.Next() {
		n++
	}
	if err := rows.Err(); err != nil || n != 100000 {
		t.Fatalf("read %d rows (%v), want 100000", n, err)
	}
}

func explainFilesorts(t *testing.T, db *sql.DB, query string) int {
	t.Helper()
	rs, err := db.Query("EXPLAIN " + query)
	if err != nil {
		t.Fatal(err)
	}
	defer rs.Close()
	cols, _ := rs.Columns()
	n := 0
	for rs.Next() {
		vals := make([]sql.NullString, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rs.Scan(ptrs...); err != nil {
			t.Fatal(err)
		}
		for i, c := range cols {
			if c == "Extra" && strings.Contains(vals[i].String, "Using filesort") {
				n++
			}
		}
	}
	return n
}
