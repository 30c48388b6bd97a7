package sqlserver

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"time"

	mssql "github.com/microsoft/go-mssqldb"

	"github.com/regflytt/regflytt/connectors"
)

// The statement the bulk copy is prepared with: the driver's CopyIn
// (INSERTBULK and its JSON), read back here as the driver reads it
// (bulkcopy_sql.go prepareCopyIn), with the schema-qualified table, the
// columns in order and the options that keep INSERT's semantics.
func TestBulkCopySQL(t *testing.T) {
	tbl := &connectors.Table{Name: "vård]kontakt", Columns: []connectors.Column{
		{Name: "id", Type: mustType(t, "bigint")},
		{Name: "datum", Type: mustType(t, "date"), Nullable: true},
		{Name: "a b", Type: mustType(t, "varchar(10)"), Nullable: true},
	}}
	q, err := Dialect{Schema: "reg"}.BulkCopySQL(tbl)
	if err != nil {
		t.Fatal(err)
	}
	const prefix = "INSERTBULK "
	if !strings.HasPrefix(q, prefix) {
		t.Fatalf("%q is not a CopyIn statement", q)
	}
	var got struct {
		TableName   string
		ColumnsName []string
		Options     mssql.BulkOptions
	}
	if err := json.Unmarshal([]byte(q[len(prefix):]), &got); err != nil {
		t.Fatal(err)
	}
	if got.TableName != "[reg].[vård]]kontakt]" {
		t.Errorf("table %q", got.TableName)
	}
	if want := []string{"id", "datum", "a b"}; !reflect.DeepEqual(got.ColumnsName, want) {
		t.Errorf("columns %q, want %q", got.ColumnsName, want)
	}
	want := mssql.BulkOptions{CheckConstraints: true, KeepNulls: true, FireTriggers: true}
	if !reflect.DeepEqual(got.Options, want) {
		t.Errorf("options %+v, want %+v (CHECK_CONSTRAINTS, KEEP_NULLS, FIRE_TRIGGERS; no TABLOCK, no ORDER)", got.Options, want)
	}
	if _, err := (Dialect{}).BulkCopySQL(&connectors.Table{Name: "t"}); err == nil {
		t.Error("a table without columns was accepted")
	}
	bad := &connectors.Table{Name: "t", Columns: []connectors.Column{{Name: "a\x00b", Type: mustType(t, "bigint")}}}
	if _, err := (Dialect{}).BulkCopySQL(bad); err == nil {
		t.Error("a column name with a control character was accepted")
	}
}

// Each canonical value in the form the driver's bulk encoder takes for
// its column's type (bulkcopy.go makeParam, read in v1.11.2): time values
// as time.Time in UTC with the right clock fields, a uniqueidentifier in
// SQL Server's byte order (as the driver's own UniqueIdentifier.Value
// gives it), an empty byte string never nil (which would be NULL).
func TestBulkValue(t *testing.T) {
	u := connectors.UUID{0x6F, 0x96, 0x19, 0xFF, 0x8B, 0x86, 0xD0, 0x11, 0xB4, 0x2D, 0x00, 0xC0, 0x4F, 0xC9, 0x64, 0xFF}
	driverWire, err := mssql.UniqueIdentifier(u).Value()
	if err != nil {
		t.Fatal(err)
	}
	stockholm := time.FixedZone("CEST", 2*3600)
	cases := []struct {
		in   connectors.Value
		want any
	}{
		{nil, nil},
		{int64(-7), int64(-7)},
		{1.5, 1.5},
		{true, true},
		{"å", "å"},
		{connectors.Decimal("-12.340"), "-12.340"},
		{connectors.JSON(`{"a":1}`), `{"a":1}`},
		{[]byte(nil), []byte{}},
		{[]byte{1, 2}, []byte{1, 2}},
		{connectors.Date{Year: 1905, Month: 6, Day: 7}, time.Date(1905, 6, 7, 0, 0, 0, 0, time.UTC)},
		{connectors.LocalDateTime{Date: connectors.Date{Year: 2025, Month: 3, Day: 30}, Hour: 2, Minute: 30, Nanosecond: 100},
			time.Date(2025, 3, 30, 2, 30, 0, 100, time.UTC)},
		{time.Date(2025, 1, 2, 3, 4, 5, 6, stockholm), time.Date(2025, 1, 2, 1, 4, 5, 6, time.UTC)},
		{connectors.Duration(13*time.Hour + 5*time.Second + 7), time.Date(1, 1, 1, 13, 0, 5, 7, time.UTC)},
		{u, driverWire},
	}
	for _, c := range cases {
		got, err := bulkValue(c.in)
		if err != nil {
			t.Errorf("%#v: %v", c.in, err)
			continue
		}
		if !reflect.DeepEqual(got, c.want) {
			t.Errorf("%#v: got %#v, want %#v", c.in, got, c.want)
		}
		if tm, ok := got.(time.Time); ok && tm.Location() != time.UTC {
			t.Errorf("%#v: %v is not in UTC: the driver encodes the clock fields of the time's own zone", c.in, tm)
		}
	}
	if b, _ := bulkValue([]byte(nil)); b.([]byte) == nil {
		t.Error("an empty byte string became nil, which the driver writes as NULL")
	}
	back, err := uuidFromWire(driverWire.([]byte))
	if err != nil || back != u {
		t.Errorf("uuidFromWire(uuidToWire(u)) = %v, %v; want %v", back, err, u)
	}
	for _, bad := range []connectors.Value{uint64(1 << 63), connectors.Duration(24 * time.Hour), connectors.Duration(-1), connectors.InvalidDate{Raw: "0000-00-00"}, int32(1)} {
		if _, err := bulkValue(bad); err == nil {
			t.Errorf("%#v was accepted", bad)
		}
	}
}
