package connectors

import (
	"context"
	"fmt"
	"strings"
)

// KeyCount is what a KeyCounter finds of a table's key columns.
type KeyCount struct {
	// Rows is how many rows the table holds.
	Rows int64
	// Null is how many rows have a NULL in a key column.
	Null int64
	// Repeated is how many rows without a NULL in the key have the key
	// values of another such row (every row of a key value but one), as
	// the database compares them (its collation: 'a' and 'A' are one key
	// under a case-blind one, 'a' and 'a ' under PAD SPACE).
	Repeated int64
}

// KeyCounter is an optional extra of a Snapshot, found by type assertion:
// it says whether key columns identify a table's rows, counting inside
// the database in one query. A run reads a table by a key that is not its
// primary key through one ordered cursor, which reads every row, but
// resumes after a stop with "key > last": rows that share the last key
// read, and rows with a NULL key, would be skipped, so a run asks before
// its first write.
type KeyCounter interface {
	CountKey(ctx context.Context, table string, key []string) (KeyCount, error)
}

// QueryKeyCounter is an optional extra of a Snapshot, found by type
// assertion: CountKey over a select's result (select: in a mapping), the
// query a derived table, so that map check names a select whose key
// repeats or is NULL (a join to a one-to-many table) before a run's read
// refuses it, after the tables before it.
type QueryKeyCounter interface {
	CountQueryKey(ctx context.Context, query string, key []string) (KeyCount, error)
}

// CountKeyQuery is the one query a KeyCounter runs: it groups the rows of
// qtable by the key columns (as GROUP BY compares them, which is as the
// keyset read's ORDER BY and ">" do) and sums the groups. sum gives the
// dialect's bigint sum of an integer expression, 0 over no rows; count
// names its counting function (COUNT, or SQL Server's COUNT_BIG). Its
// cost is one pass over the table grouping by the key (a sort or a hash,
// about what the run's own ordered read of the table costs).
func CountKeyQuery(d Dialect, count, qtable string, key []string, sum func(expr string) string) (string, error) {
	if len(key) == 0 {
		return "", fmt.Errorf("count the keys of %s: no key column named", qtable)
	}
	cols := make([]string, len(key))
	nulls := make([]string, len(key))
	for i, k := range key {
		q, err := d.QuoteIdent(k)
		if err != nil {
			return "", err
		}
		cols[i] = q
		nulls[i] = q + " IS NULL"
	}
	return "SELECT " + sum("regflytt_n") + ", " +
		sum("CASE WHEN regflytt_z = 1 THEN regflytt_n ELSE 0 END") + ", " +
		sum("CASE WHEN regflytt_z = 0 THEN regflytt_n - 1 ELSE 0 END") +
		" FROM (SELECT " + count + "(*) AS regflytt_n, CASE WHEN " + strings.Join(nulls, " OR ") + " THEN 1 ELSE 0 END AS regflytt_z FROM " + qtable +
		" GROUP BY " + strings.Join(cols, ", ") + ") regflytt_g", nil
}

// ScanKeyCount scans CountKeyQuery's row through scan (a QueryRow's Scan).
func ScanKeyCount(scan func(dest ...any) error) (KeyCount, error) {
	var c KeyCount
	err := scan(&c.Rows, &c.Null, &c.Repeated)
	return c, err
}

// KeyOrderChecker is an optional extra of a Snapshot, found by type
// assertion: it refuses, before anything is read, a key by which a keyset
// read's pages would compare otherwise than its ORDER BY sorts (a
// PostgreSQL citext key whose operators lie off the search_path), with
// the error the read itself would give.
type KeyOrderChecker interface {
	// CheckKeyOrder checks the key columns of a table.
	CheckKeyOrder(ctx context.Context, table string, key []string) error
	// CheckQueryKeyOrder checks the key columns of a select's result.
	CheckQueryKeyOrder(ctx context.Context, query string, key []string) error
}
