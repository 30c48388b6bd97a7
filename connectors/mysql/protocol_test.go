package mysql_test

import (
	"context"
	"database/sql"
	"reflect"
	"strings"
	"testing"

	"github.com/regflytt/regflytt/connectors"
	"github.com/regflytt/regflytt/connectors/conformance"
	"github.com/regflytt/regflytt/connectors/mysql"
	"github.com/regflytt/regflytt/connectors/mysql/mytest"
)

// A scan reads its batches as prepared statements, whose rows the server
// sends in binary; every value must be the one the server's text gives
// (what the decoders were written for, and what the source's own
// checksums hash): integers at both ends of their ranges, unsigned
// beyond int64, FLOAT and DOUBLE, ZEROFILL decimals, zero and invalid
// dates, negative and long TIMEs, fractions, YEAR, BIT, ENUM, SET, JSON
// and bytes, and every legacy type of TestSourceTypes (latin1 text,
// geometry, inet6, bit(64)). The text side is read here through
// database/sql with no arguments (the text protocol) and decoded with the
// same decoders.
func TestScanReadsWhatTheTextProtocolGives(t *testing.T) {
	t.Run("every", func(t *testing.T) {
		dbURL := mytest.NewDatabase(t)
		mytest.Exec(t, dbURL, everyType...)
		scanAgreesWithText(t, dbURL)
	})
	t.Run("legacy", func(t *testing.T) { scanAgreesWithText(t, legacyFixture(t)) })
}

var everyType = []string{
	"SET SESSION sql_mode = 'ALLOW_INVALID_DATES'",
	`CREATE TABLE every (id int PRIMARY KEY,
	  ti tinyint, tu tinyint unsigned, b1 tinyint(1), si smallint, mi mediumint, i int, iu int unsigned,
	  bi bigint, bu bigint unsigned, f float, f2 float(7,3), d double, dz decimal(10,3) zerofill, dn decimal(30,10),
	  dt date, dtm datetime, dtm6 datetime(6), ts timestamp(3) NULL, tm time, tm6 time(6), y year,
	  bt bit(10), e enum('a','ö'), st set('x','y','z'), j json, vb varbinary(20), bl blob, vc varchar(40), tx text)`,
	`INSERT INTO every VALUES
	  (1, -128, 255, 1, -32768, -8388608, -2147483648, 4294967295, -9223372036854775808, 18446744073709551615,
	   1.2345678, 1234.567, 0.1, 1.5, -12345678901234567890.0123456789,
	   '0000-00-00', '0000-00-00 00:00:00', '2024-05-00 10:00:00.5', '1970-01-01 02:00:00.001', '-838:59:59', '838:59:59.999999', 0,
	   b'1010101010', 'ö', 'x,z', '{"a": [1, 2.50, null], "b": "å"}', x'00ff10', x'', 'Åsa Öberg', ''),
	  (2, 127, 0, 0, 32767, 8388607, 2147483647, 0, 9223372036854775807, 9223372036854775808,
	   -3.4e38, -0.001, 1.7976931348623157e308, 0, 0.0000000001,
	   '2023-02-30', '2023-06-31 12:00:00', '9999-12-31 23:59:59.999999', NULL, '-00:00:00.5', '-00:00:01.000001', 2155,
	   b'0', 'a', '', 'null', NULL, NULL, NULL, NULL),
	  (3, 0, 1, NULL, 0, 0, 0, 1, 0, 0, 1e-38, 0, 5e-324, 999999.999, 1, '1000-01-01', '1000-01-01 00:00:00', NULL, NULL,
	   '00:00:00', '00:00:00', 1901, NULL, NULL, NULL, NULL, x'', x'61', ' a ', 'x')`,
}

// scanAgreesWithText compares Scan's rows of a database's one table with
// the text protocol's, decoded by the same decoders, value by value.
func scanAgreesWithText(t *testing.T, dbURL string) {
	ctx := context.Background()
	_, tbl := onlyTable(t, dbURL)
	scanned := conformance.ReadAll(t, openSource(t, dbURL), tbl.Name, connectors.ScanOptions{})

	// The text protocol's rows, selected as Scan selects them (FLOAT
	// through DOUBLE: the server prints a FLOAT with six digits; text in
	// a character set that does not define every byte marked).
	var cols []string
	for _, c := range tbl.Columns {
		if c.Type.Kind == connectors.KindFloat {
			cols = append(cols, "CAST(`"+c.Name+"` AS DOUBLE)")
		} else {
			cols = append(cols, mysql.ScanSelect(tbl, c.Name))
		}
	}
	db := mytest.Open(t, dbURL)
	trows, err := db.QueryContext(ctx, "SELECT "+strings.Join(cols, ", ")+" FROM `"+tbl.Name+"` ORDER BY id")
	if err != nil {
		t.Fatal(err)
	}
	defer trows.Close()
	raw := make([]sql.RawBytes, len(tbl.Columns))
	dest := make([]any, len(raw))
	for i := range raw {
		dest[i] = &raw[i]
	}
	n := 0
	for ; trows.Next(); n++ {
		if err := trows.Scan(dest...); err != nil {
			t.Fatal(err)
		}
		if n >= len(scanned) {
			t.Fatalf("the text protocol gives more rows than Scan's %d", len(scanned))
		}
		for i, c := range tbl.Columns {
			var want connectors.Value
			if raw[i] != nil {
				if want, err = mysql.DecoderFor(&tbl.Columns[i])(raw[i]); err != nil {
					t.Fatalf("row %d, %s: text %q: %v", n+1, c.Name, raw[i], err)
				}
			}
			if got := scanned[n][i]; !reflect.DeepEqual(got, want) {
				t.Errorf("row %d, %s (%s): Scan read %#v, the text protocol %#v (%q)", n+1, c.Name, c.SourceType, got, want, raw[i])
			}
		}
	}
	if err := trows.Err(); err != nil {
		t.Fatal(err)
	}
	if n == 0 || n != len(scanned) {
		t.Fatalf("%d rows by text, %d by Scan", n, len(scanned))
	}
}
