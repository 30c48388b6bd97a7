package mysql_test

import (
	"context"
	"testing"

	"github.com/regflytt/regflytt/connectors"
	"github.com/regflytt/regflytt/connectors/conformance"
	"github.com/regflytt/regflytt/connectors/mysql/mytest"
)

// The SQL encoding agrees with AppendRow on every conformance edge value
// MariaDB keeps, as a hashed column and as a key.
func TestChecksumPushdown(t *testing.T) {
	conformance.RunChecksum(t, openTarget(t, mytest.NewDatabase(t)), capabilities)
}

// noPushdown are the legacy fixture's columns that Checksum leaves to Go:
// a zerofill decimal (Scan strips its padding), geometry (Scan reads the
// storage bytes) and inet6 (its text). Floats are outside the hash.
var noPushdown = []string{"dz", "gp", "i6"}

// Every legacy source type of TestSourceTypes, with its edge values (zero
// dates and days, latin1 as Windows-1252, bit(64) above int64, negative
// times, padded binary), hashes in the server exactly as in Go, or is
// refused with ErrNoPushdown.
func TestChecksumSourceTypes(t *testing.T) {
	snap, tbl := onlyTable(t, legacyFixture(t))
	conformance.ChecksumSourceColumns(t, snap, tbl, func(c connectors.Column) string { return c.Name }, noPushdown...)
}

// TIMESTAMP columns written in another zone, zero timestamps, dates that
// ALLOW_INVALID_DATES lets in (a 31st of a 30-day month, the year 0), a
// negative TIME, a utf8mb4 CHAR (its padding removed by the server) and
// YEAR hash in the server as Scan reads them.
func TestChecksumTimestampsAndInvalidDates(t *testing.T) {
	ctx := context.Background()
	dbURL := mytest.NewDatabase(t)
	mytest.Exec(t, dbURL,
		"SET SESSION sql_mode = 'ALLOW_INVALID_DATES'",
		"SET SESSION time_zone = '+02:00'",
		"CREATE TABLE ts (id int PRIMARY KEY, t timestamp(6) NULL, t0 timestamp NULL, d date NULL, dt datetime(3) NULL, tm time(6) NULL,"+
			" c char(5) CHARACTER SET utf8mb4 NULL, y year NULL)",
		`INSERT INTO ts VALUES
		  (1, '2024-06-01 14:00:00.123456', '1970-01-01 02:00:01', '2023-02-30', '2024-05-00 10:00:00.5', '-00:00:00.000001', 'å  ', 0),
		  (2, '2038-01-19 05:14:07.999999', '0000-00-00 00:00:00', '0000-00-00', '0000-00-00 00:00:00', '-838:59:59', '', 1901),
		  (3, '1970-01-01 02:00:00.000001', NULL, '2024-02-29', '2023-02-29 23:59:59.999', '838:59:59.999999', ' a', 2155),
		  (4, NULL, NULL, '0000-01-01', '0001-01-01 00:00:00', NULL, NULL, NULL),
		  (5, NULL, NULL, '2023-04-31', '2023-06-31 12:00:00', NULL, NULL, NULL)`)
	snap, tbl := onlyTable(t, dbURL)
	cs := snap.(connectors.Checksummer)
	for _, col := range []string{"t", "t0", "d", "dt", "tm", "c", "y"} {
		for _, req := range []connectors.ChecksumRequest{
			{Columns: []string{"id", col}, Buckets: 1},
			{Columns: []string{"id"}, Key: []string{col, "id"}, Buckets: 1},
		} {
			got, err := cs.RecordHashes(ctx, tbl, req)
			if err != nil {
				t.Fatal(err)
			}
			want, err := connectors.HashRecords(ctx, snap, tbl, req)
			if err != nil {
				t.Fatal(err)
			}
			t.Run(col, func(t *testing.T) { conformance.SameRecords(t, got, want) })
		}
	}
}
