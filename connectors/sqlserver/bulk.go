package sqlserver

import (
	"context"
	"fmt"
	"time"

	mssql "github.com/microsoft/go-mssqldb"

	"github.com/regflytt/regflytt/connectors"
)

// Tx.Write loads a batch with the driver's bulk copy (mssql.CopyIn: the
// TDS bulk load, INSERT BULK), the fastest path SQL Server offers a
// client, instead of multi-row INSERTs. What differs from an INSERT is
// switched back on by the options (bulkOptions), and the values are
// handed over in the forms the driver's bulk encoder takes per column
// type (bulkValue), which are not the forms it takes as parameters.
//
// The bulk encoder reads the target's column metadata from the server
// (SELECT TOP 0 * FROM the table) before it encodes a row, so none of it
// runs without a server: what is tested here is the statement handed to
// the driver, each value's bulk form (checked against the driver's
// makeParam in bulkcopy.go, v1.11.2, by reading it) and that a batch is
// checked whole before anything is sent. The opt-in TestServer tests run
// it the day REGFLYTT_TEST_MSSQL names a server. ?bulk_copy=off in the
// URL writes with the INSERTs instead.

// bulkOptions are INSERT's semantics for the bulk load:
//
//   - CHECK_CONSTRAINTS: the CHECKs this connector creates carry what SQL
//     Server's types do not (a signed tinyint's range, ISJSON); a bulk
//     load skips them by default, and marks them not trusted.
//   - KEEP_NULLS: a NULL stays NULL; by default a bulk load puts a
//     column's default in its place.
//   - FIRE_TRIGGERS: as an INSERT fires them; by default a bulk load does
//     not.
//
// No TABLOCK: a bulk update lock would keep readers of the table waiting
// until the batch's transaction (rows and checkpoint) commits, for a gain
// (minimal logging) only heaps see. No ORDER: the rows come in the
// source's key order, which need not be the target's.
var bulkOptions = mssql.BulkOptions{CheckConstraints: true, KeepNulls: true, FireTriggers: true}

// BulkCopySQL gives the statement the driver's bulk copy is prepared
// with for t: mssql.CopyIn with t's schema-qualified name, its columns in
// order and bulkOptions.
func (d Dialect) BulkCopySQL(t *connectors.Table) (string, error) {
	if len(t.Columns) == 0 {
		return "", fmt.Errorf("table %s has no columns", t.Name)
	}
	qt, err := d.QualifiedName(t.Name)
	if err != nil {
		return "", err
	}
	names := make([]string, len(t.Columns))
	for i, c := range t.Columns {
		if err := connectors.CheckIdent(c.Name); err != nil {
			return "", fmt.Errorf("table %s: %w", t.Name, err)
		}
		// The driver matches them with the server's column names as they
		// are, and quotes them itself.
		names[i] = c.Name
	}
	return mssql.CopyIn(qt, bulkOptions, names...), nil
}

// bulkCopy loads rows into t through one bulk copy in the transaction.
// Every value is checked and put in its bulk form before the first row is
// sent, so a value that does not fit sends nothing.
func (w *writeTx) bulkCopy(ctx context.Context, t *connectors.Table, rows [][]connectors.Value) (int64, error) {
	args, err := bulkBatch(t, rows)
	if err != nil {
		return 0, err
	}
	if len(rows) == 0 {
		return 0, nil
	}
	q, err := w.d.dialect().BulkCopySQL(t)
	if err != nil {
		return 0, err
	}
	stmt, err := w.tx.PrepareContext(ctx, q)
	if err != nil {
		return 0, w.d.cfg.errorf("bulk copy into %s: %w", t.Name, err)
	}
	defer stmt.Close()
	ncol := len(t.Columns)
	for i := range rows {
		if _, err := stmt.ExecContext(ctx, args[i*ncol:(i+1)*ncol]...); err != nil {
			return 0, w.d.cfg.errorf("bulk copy into %s, row %d of the batch: %w", t.Name, i, err)
		}
	}
	// An Exec without arguments ends the load and reports its row count.
	res, err := stmt.ExecContext(ctx)
	if err != nil {
		return 0, w.d.cfg.errorf("bulk copy into %s: %w", t.Name, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, w.d.cfg.errorf("bulk copy into %s: %w", t.Name, err)
	}
	if n != int64(len(rows)) {
		return n, w.d.cfg.errorf("bulk copy into %s: the server loaded %d rows of %d", t.Name, n, len(rows))
	}
	return n, nil
}

// bulkBatch checks and converts a whole batch into bulk values, row by
// row. Its errors name the table, the row's index in the batch and the
// column, never the value.
func bulkBatch(t *connectors.Table, rows [][]connectors.Value) ([]any, error) {
	ncol := len(t.Columns)
	if ncol == 0 {
		return nil, fmt.Errorf("table %s has no columns", t.Name)
	}
	args := make([]any, 0, len(rows)*ncol)
	for i, row := range rows {
		if len(row) != ncol {
			return nil, fmt.Errorf("table %s: row %d of batch has %d values for %d columns", t.Name, i, len(row), ncol)
		}
		for j, v := range row {
			c := &t.Columns[j]
			err := connectors.CheckColumn(Dialect{}, c, v)
			var bv any
			if err == nil {
				bv, err = bulkValue(v)
			}
			if err != nil {
				return nil, fmt.Errorf("table %s: row %d of batch, column %s: %w", t.Name, i, c.Name, err)
			}
			args = append(args, bv)
		}
	}
	return args, nil
}

// bulkValue is a canonical value in the form the driver's bulk encoder
// takes for the column type Dialect.ColumnType gives it (bulkcopy.go
// makeParam, which switches on the server's column type):
//
//	nil                  nil: NULL for every type (a nil buffer)
//	int64, float64, bool as they are (int, float/real, bit)
//	string, JSON         string (nvarchar, encoded to UTF-16 by the driver)
//	Decimal              its text (decimal: parsed at the column's scale)
//	[]byte               as it is, and never nil: a nil slice is NULL
//	Date                 time.Time at midnight UTC (date: its calendar day)
//	LocalDateTime        time.Time in UTC with its wall clock (datetime2)
//	time.Time            in UTC (datetimeoffset: written with offset +00:00)
//	Duration             time.Time on 0001-01-01 UTC (time: clock fields)
//	UUID                 16 bytes in SQL Server's order (uniqueidentifier)
func bulkValue(v connectors.Value) (any, error) {
	switch x := v.(type) {
	case nil:
		return nil, nil
	case int64, float64, bool, string:
		return x, nil
	case []byte:
		if x == nil {
			return []byte{}, nil
		}
		return x, nil
	case connectors.Decimal:
		return string(x), nil
	case connectors.JSON:
		return string(x), nil
	case connectors.Date:
		return time.Date(x.Year, x.Month, x.Day, 0, 0, 0, 0, time.UTC), nil
	case connectors.LocalDateTime:
		return time.Date(x.Year, x.Month, x.Day, x.Hour, x.Minute, x.Second, x.Nanosecond, time.UTC), nil
	case time.Time:
		return x.UTC(), nil
	case connectors.Duration:
		d := time.Duration(x)
		if d < 0 || d >= 24*time.Hour {
			return nil, fmt.Errorf("time %s is outside one day", x)
		}
		return time.Date(1, 1, 1, 0, 0, 0, 0, time.UTC).Add(d), nil
	case connectors.UUID:
		w := uuidToWire(x)
		return w[:], nil
	case uint64:
		return nil, fmt.Errorf("integer above 9223372036854775807 does not fit SQL Server's bigint")
	case connectors.InvalidDate:
		return nil, fmt.Errorf("a zero or invalid date has no storable form")
	}
	return nil, fmt.Errorf("value of type %T is not canonical", v)
}

// uuidToWire is uuidFromWire undone: RFC 4122 order into SQL Server's,
// whose first three groups are little-endian.
func uuidToWire(u connectors.UUID) [16]byte {
	b := [16]byte(u)
	b[0], b[1], b[2], b[3] = u[3], u[2], u[1], u[0]
	b[4], b[5] = u[5], u[4]
	b[6], b[7] = u[7], u[6]
	return b
}
