package mysql_test

import (
	"testing"

	"github.com/regflytt/regflytt/connectors"
	"github.com/regflytt/regflytt/connectors/conformance"
	"github.com/regflytt/regflytt/connectors/mysql"
	"github.com/regflytt/regflytt/connectors/mysql/mytest"
)

// Year 0 is a date MariaDB stores even in strict mode (NO_ZERO_DATE only
// refuses 0000-00-00, NO_ZERO_IN_DATE only zero months and days). No
// calendar regflytt writes to holds it, so it reads as InvalidDate, the
// evidence a mapping archives, never as a Date.
func TestDecodeYearZero(t *testing.T) {
	col := func(typ string) *connectors.Column {
		return &connectors.Column{Name: "c", Type: mysql.TypeOf(typ, ""), SourceType: typ}
	}
	for _, c := range []struct{ typ, in string }{
		{"date", "0000-01-01"},
		{"date", "0000-12-31"},
		{"datetime", "0000-01-01 00:00:00"},
		{"datetime(6)", "0000-01-01 01:02:03.000004"},
		{"timestamp", "0000-01-01 00:00:00"},
	} {
		got, err := mysql.DecoderFor(col(c.typ))([]byte(c.in))
		if err != nil || !conformance.Equal(got, connectors.InvalidDate{Raw: c.in}) {
			t.Errorf("decode %s %q = %s, %v; want InvalidDate", c.typ, c.in, conformance.Describe(got), err)
		}
	}
	for _, c := range []struct {
		typ, in string
		want    connectors.Value
	}{
		{"date", "0001-01-01", connectors.Date{Year: 1, Month: 1, Day: 1}},
		{"datetime", "0001-01-01 01:02:03", connectors.LocalDateTime{Date: connectors.Date{Year: 1, Month: 1, Day: 1}, Hour: 1, Minute: 2, Second: 3}},
	} {
		got, err := mysql.DecoderFor(col(c.typ))([]byte(c.in))
		if err != nil || !conformance.Equal(got, c.want) {
			t.Errorf("decode %s %q = %s, %v; want %s", c.typ, c.in, conformance.Describe(got), err, conformance.Describe(c.want))
		}
	}
}

// The same through a real server in strict mode.
func TestSourceReadsYearZeroAsInvalidDate(t *testing.T) {
	dbURL := mytest.NewDatabase(t)
	// SET STATEMENT holds the strict mode for the insert whichever pooled
	// connection runs it.
	mytest.Exec(t, dbURL,
		"CREATE TABLE y0 (id int PRIMARY KEY, d date, dt datetime)",
		"SET STATEMENT sql_mode = 'STRICT_ALL_TABLES,NO_ZERO_DATE,NO_ZERO_IN_DATE' FOR INSERT INTO y0 VALUES (1, '0000-01-01', '0000-01-01 01:02:03')",
	)
	src := openSource(t, dbURL)
	rows := conformance.ReadAll(t, src, "y0", connectors.ScanOptions{})
	if len(rows) != 1 {
		t.Fatalf("read %d rows, want 1", len(rows))
	}
	want := []connectors.Value{int64(1), connectors.InvalidDate{Raw: "0000-01-01"}, connectors.InvalidDate{Raw: "0000-01-01 01:02:03"}}
	for i, w := range want {
		if !conformance.Equal(rows[0][i], w) {
			t.Errorf("column %d: read %s, want %s", i, conformance.Describe(rows[0][i]), conformance.Describe(w))
		}
	}
}
