package sqlserver

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/golang-sql/civil"
	mssql "github.com/microsoft/go-mssqldb"

	"github.com/regflytt/regflytt/connectors"
	"github.com/regflytt/regflytt/connectors/conformance"
)

func column(sourceType string) *connectors.Column {
	return &connectors.Column{Name: "c", SourceType: sourceType, Type: TypeOf(sourceType), Nullable: true}
}

// The bytes SQL Server stores for the uniqueidentifier it displays as
// 6F9619FF-8B86-D011-B42D-00C04FC964FF (its documentation's example).
var wireGUID = []byte{0xFF, 0x19, 0x96, 0x6F, 0x86, 0x8B, 0x11, 0xD0, 0xB4, 0x2D, 0x00, 0xC0, 0x4F, 0xC9, 0x64, 0xFF}

// TestDecode feeds decode the Go values go-mssqldb returns for each type
// (see the table in values.go for where the driver makes them).
func TestDecode(t *testing.T) {
	date := func(y int, m time.Month, d int) connectors.Date { return connectors.Date{Year: y, Month: m, Day: d} }
	cases := []struct {
		name   string
		source string
		in     any
		want   connectors.Value
	}{
		{"bigint", "bigint", int64(math.MinInt64), int64(math.MinInt64)},
		{"int", "int", int64(math.MaxInt32), int64(math.MaxInt32)},
		{"smallint", "smallint", int64(-32768), int64(-32768)},
		{"tinyint", "tinyint", int64(255), int64(255)}, // int64(buf[0]), never negative
		{"bit", "bit", true, true},
		{"decimal", "decimal(38,10)", []byte("-9999999999999999999999999999.9999999999"), connectors.Decimal("-9999999999999999999999999999.9999999999")},
		{"decimal small", "decimal(10,2)", []byte("-0.05"), connectors.Decimal("-0.05")},
		{"decimal scale 0", "numeric(38,0)", []byte("12345678901234567890123456789012345678"), connectors.Decimal("12345678901234567890123456789012345678")},
		{"money", "money", []byte("-922337203685477.5808"), connectors.Decimal("-922337203685477.5808")},
		{"smallmoney", "smallmoney", []byte("214748.3647"), connectors.Decimal("214748.3647")},
		{"float", "float", math.MaxFloat64, math.MaxFloat64},
		{"real", "real", float64(float32(0.1)), float64(float32(0.1))},
		{"nvarchar", "nvarchar(100)", "Åsa Öberg 😀", "Åsa Öberg 😀"},
		{"varchar", "varchar(20) COLLATE Finnish_Swedish_CI_AS", "smörgås", "smörgås"},
		{"xml", "xml", "<a>ö</a>", "<a>ö</a>"},
		{"varbinary", "varbinary(max)", []byte{0, 1, 255}, []byte{0, 1, 255}},
		{"varbinary empty", "varbinary(max)", []byte{}, []byte{}},
		{"varbinary nil slice", "varbinary(10)", []byte(nil), []byte{}},
		{"hierarchyid", "hierarchyid", []byte{0x58}, []byte{0x58}},
		{"date", "date", time.Date(1, 1, 1, 0, 0, 0, 0, time.UTC), date(1, 1, 1)},
		{"date max", "date", time.Date(9999, 12, 31, 0, 0, 0, 0, time.UTC), date(9999, 12, 31)},
		// datetime: tick 1 of 300 is read as 3 ms (types.go:343).
		{"datetime", "datetime", time.Date(2024, 3, 31, 2, 30, 0, 3_000_000, time.UTC),
			connectors.LocalDateTime{Date: date(2024, 3, 31), Hour: 2, Minute: 30, Nanosecond: 3_000_000}},
		{"smalldatetime", "smalldatetime", time.Date(2079, 6, 6, 23, 59, 0, 0, time.UTC),
			connectors.LocalDateTime{Date: date(2079, 6, 6), Hour: 23, Minute: 59}},
		{"datetime2", "datetime2(7)", time.Date(9999, 12, 31, 23, 59, 59, 999_999_900, time.UTC),
			connectors.LocalDateTime{Date: date(9999, 12, 31), Hour: 23, Minute: 59, Second: 59, Nanosecond: 999_999_900}},
		{"datetimeoffset", "datetimeoffset(7)", time.Date(2024, 6, 1, 14, 0, 0, 123_456_700, time.FixedZone("", 2*3600)),
			time.Date(2024, 6, 1, 12, 0, 0, 123_456_700, time.UTC)},
		{"datetimeoffset negative offset", "datetimeoffset(0)", time.Date(2023, 12, 31, 20, 0, 0, 0, time.FixedZone("", -5*3600)),
			time.Date(2024, 1, 1, 1, 0, 0, 0, time.UTC)},
		{"time", "time(7)", time.Date(1, 1, 1, 23, 59, 59, 999_999_900, time.UTC),
			connectors.Duration(24*time.Hour - 100*time.Nanosecond)},
		{"time zero", "time(0)", time.Date(1, 1, 1, 0, 0, 0, 0, time.UTC), connectors.Duration(0)},
		{"uniqueidentifier", "uniqueidentifier", append([]byte(nil), wireGUID...),
			connectors.UUID{0x6F, 0x96, 0x19, 0xFF, 0x8B, 0x86, 0xD0, 0x11, 0xB4, 0x2D, 0x00, 0xC0, 0x4F, 0xC9, 0x64, 0xFF}},
		{"sql_variant text", "sql_variant", "fritext", "fritext"},
		{"NULL", "datetime", nil, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := decode(column(c.source), c.in)
			if err != nil {
				t.Fatal(err)
			}
			if !conformance.Equal(got, c.want) {
				t.Errorf("decode(%s, %s) = %s, want %s", c.source, conformance.Describe(c.in), conformance.Describe(got), conformance.Describe(c.want))
			}
		})
	}
	t.Run("json", func(t *testing.T) {
		c := &connectors.Column{Name: "j", SourceType: "nvarchar(max)", Type: connectors.Type{Kind: connectors.KindJSON}}
		got, err := decode(c, `{"a":[1,"ö"]}`)
		if err != nil || got != connectors.JSON(`{"a":[1,"ö"]}`) {
			t.Errorf("got %s, %v", conformance.Describe(got), err)
		}
	})
}

// TestDecodeErrors: what the driver should never return for a type, and
// the types regflytt refuses, fail with a message that names the column
// and type but not the value.
func TestDecodeErrors(t *testing.T) {
	cases := []struct {
		name, source string
		in           any
		wantInError  string
	}{
		{"int as text", "int", "1979", "string"},
		{"decimal as float", "decimal(10,2)", 12.5, "float64"},
		{"decimal garbage", "decimal(10,2)", []byte("1e5"), "not a plain number"},
		{"sql_variant holding a number", "sql_variant", int64(197912310123), "CAST"},
		{"sql_variant holding bytes", "sql_variant", []byte("19791231"), "SQL_VARIANT_PROPERTY"},
		{"unsupported type", "vector(3)", []byte{1}, "not supported"},
		{"short uniqueidentifier", "uniqueidentifier", []byte{1, 2, 3}, "3 bytes"},
		{"time past a day", "time(7)", time.Date(1, 1, 2, 0, 0, 0, 0, time.UTC), "outside one day"},
		{"time before the day", "time(7)", time.Date(0, 12, 31, 23, 0, 0, 0, time.UTC), "outside one day"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := decode(column(c.source), c.in)
			if err == nil {
				t.Fatal("no error")
			}
			if !strings.Contains(err.Error(), c.wantInError) || !strings.Contains(err.Error(), "column c") {
				t.Errorf("error %q does not name the column and say %q", err, c.wantInError)
			}
			for _, leak := range []string{"1979", "19791231", "197912310123"} {
				if c.name != "int as text" && strings.Contains(err.Error(), leak) {
					t.Errorf("error %q shows the value", err)
				}
			}
		})
	}
}

// TestUUIDByteOrder checks the reordering against SQL Server's documented
// example and against go-mssqldb's own UniqueIdentifier, which makes the
// same swap in Scan and back in Value (uniqueidentifier.go).
func TestUUIDByteOrder(t *testing.T) {
	u, err := uuidFromWire(wireGUID)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := u.String(), "6f9619ff-8b86-d011-b42d-00c04fc964ff"; got != want {
		t.Errorf("uuidFromWire = %s, want %s", got, want)
	}
	var mu mssql.UniqueIdentifier
	if err := mu.Scan(wireGUID); err != nil {
		t.Fatal(err)
	}
	if mu.String() != "6F9619FF-8B86-D011-B42D-00C04FC964FF" || connectors.UUID(mu) != u {
		t.Errorf("driver reads %s, we read %s", mu, u)
	}
	// Writing: encode binds mssql.UniqueIdentifier, whose Value is the
	// bytes SQL Server stores.
	arg, err := encode(connectors.KindUUID, u)
	if err != nil {
		t.Fatal(err)
	}
	v, err := arg.(mssql.UniqueIdentifier).Value()
	if err != nil || !reflect.DeepEqual(v, wireGUID) {
		t.Errorf("bound bytes %x, want %x", v, wireGUID)
	}
	p, err := connectors.ParseUUID("6F9619FF-8B86-D011-B42D-00C04FC964FF")
	if err != nil || p != u {
		t.Errorf("ParseUUID of the displayed form = %s, want %s", p, u)
	}
}

// TestDatetimeTicks documents why reading datetime as go-mssqldb does
// loses nothing: its tick-to-nanosecond rounding (types.go:343) and back
// (types.go:347), copied here, map the 300 ticks of a second one-to-one
// onto whole milliseconds.
func TestDatetimeTicks(t *testing.T) {
	toNanos := func(ths int) int { return int(math.Trunc(float64(ths)/0.3+0.5)) * 1000000 }
	toTicks := func(ns int) int { return int(math.Round(float64(ns) * 3 / 1e7)) }
	seen := map[int]bool{}
	for tick := 0; tick < 300; tick++ {
		ns := toNanos(tick)
		if seen[ns] || ns%1_000_000 != 0 || ns >= 1e9 {
			t.Fatalf("tick %d -> %d ns: not a distinct whole millisecond", tick, ns)
		}
		seen[ns] = true
		if back := toTicks(ns); back != tick {
			t.Fatalf("tick %d -> %d ns -> tick %d", tick, ns, back)
		}
	}
	for tick, ms := range map[int]int{1: 3, 2: 7, 3: 10, 299: 997} {
		if toNanos(tick) != ms*1_000_000 {
			t.Errorf("tick %d reads as %d ns, want %d ms", tick, toNanos(tick), ms)
		}
	}
}

func TestEncode(t *testing.T) {
	u := connectors.UUID{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16}
	ts := time.Date(2024, 6, 1, 12, 0, 0, 1000, time.UTC)
	cases := []struct {
		name string
		kind connectors.Kind
		in   connectors.Value
		want any
	}{
		{"int", connectors.KindInt, int64(-5), int64(-5)},
		{"float", connectors.KindFloat, 1.5, 1.5},
		{"bool", connectors.KindBool, true, true},
		{"text", connectors.KindText, "Åsa", "Åsa"},
		{"decimal as text", connectors.KindDecimal, connectors.Decimal("-12.50"), "-12.50"},
		{"json as text", connectors.KindJSON, connectors.JSON(`[1]`), "[1]"},
		{"bytes", connectors.KindBytes, []byte{1}, []byte{1}},
		{"empty bytes stay non-NULL", connectors.KindBytes, []byte(nil), []byte{}},
		{"date", connectors.KindDate, connectors.Date{Year: 2024, Month: 2, Day: 29}, civil.Date{Year: 2024, Month: 2, Day: 29}},
		{"datetime", connectors.KindDateTime,
			connectors.LocalDateTime{Date: connectors.Date{Year: 2024, Month: 3, Day: 31}, Hour: 2, Minute: 30, Second: 1, Nanosecond: 123456700},
			civil.DateTime{Date: civil.Date{Year: 2024, Month: 3, Day: 31}, Time: civil.Time{Hour: 2, Minute: 30, Second: 1, Nanosecond: 123456700}}},
		{"timestamp", connectors.KindTimestamp, ts, ts},
		{"time", connectors.KindTime, connectors.Duration(13*time.Hour + 14*time.Minute + 15*time.Second + 500*time.Microsecond),
			civil.Time{Hour: 13, Minute: 14, Second: 15, Nanosecond: 500000}},
		{"uuid", connectors.KindUUID, u, mssql.UniqueIdentifier(u)},
		{"NULL int", connectors.KindInt, nil, sql.NullInt64{}},
		{"NULL float", connectors.KindFloat, nil, sql.NullFloat64{}},
		{"NULL bool", connectors.KindBool, nil, sql.NullBool{}},
		{"NULL decimal", connectors.KindDecimal, nil, sql.NullString{}},
		{"NULL text", connectors.KindText, nil, sql.NullString{}},
		{"NULL json", connectors.KindJSON, nil, sql.NullString{}},
		{"NULL bytes", connectors.KindBytes, nil, []byte(nil)},
		{"NULL date", connectors.KindDate, nil, mssql.NullDate{}},
		{"NULL datetime", connectors.KindDateTime, nil, mssql.NullDateTime{}},
		{"NULL timestamp", connectors.KindTimestamp, nil, sql.NullTime{}},
		{"NULL time", connectors.KindTime, nil, mssql.NullTime{}},
		{"NULL uuid", connectors.KindUUID, nil, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := encode(c.kind, c.in)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, c.want) {
				t.Errorf("encode = %#v (%T), want %#v (%T)", got, got, c.want, c.want)
			}
		})
	}
	// The civil values the driver binds as date/datetime2/time carry the
	// wall clock to the server unchanged in UTC (mssql_go19.go:207-216).
	dt := civil.DateTime{Date: civil.Date{Year: 2024, Month: 3, Day: 31}, Time: civil.Time{Hour: 2, Minute: 30}}
	if got := dt.In(time.UTC); got.Hour() != 2 || got.Minute() != 30 || got.Day() != 31 {
		t.Errorf("civil.DateTime.In(UTC) moved the clock: %v", got)
	}
	for _, bad := range []connectors.Value{uint64(1) << 63, connectors.InvalidDate{Raw: "0000-00-00"}, connectors.Duration(24 * time.Hour), int32(1)} {
		if got, err := encode(connectors.KindInt, bad); err == nil {
			t.Errorf("encode(%s) = %v, want an error", conformance.Describe(bad), got)
		}
	}
}

func TestFit(t *testing.T) {
	col := func(typ string) *connectors.Column {
		return &connectors.Column{Name: "c", Type: mustType(t, typ), Nullable: true}
	}
	cases := []struct {
		name string
		col  *connectors.Column
		v    connectors.Value
		rule connectors.Rule // "" means it fits
	}{
		{"time 24:00", col("time(6)"), connectors.Duration(24 * time.Hour), connectors.RuleTimeRange},
		{"time 23:59:59.999999", col("time(6)"), connectors.Duration(24*time.Hour - time.Microsecond), ""},
		{"unsigned bigint", col("bigint unsigned"), uint64(1) << 63, connectors.RuleIntRange},
		{"subnormal double", col("double"), 5e-324, connectors.RuleSubnormal},
		{"smallest normal double", col("double"), 0x1p-1022, ""},
		{"subnormal real", col("real"), float64(math.SmallestNonzeroFloat32), connectors.RuleSubnormal},
		{"negative zero", col("double"), math.Copysign(0, -1), connectors.RuleNegativeZero},
		{"positive zero", col("double"), 0.0, ""},
		{"NaN", col("double"), math.NaN(), connectors.RuleNotFinite},
		{"json object", col("json"), connectors.JSON(` {"a":1}`), ""},
		{"json array", col("json"), connectors.JSON(`[1,2]`), ""},
		{"json scalar", col("json"), connectors.JSON(`"a"`), RuleInvalidJSON},
		{"json number", col("json"), connectors.JSON(`1`), RuleInvalidJSON},
		{"json broken", col("json"), connectors.JSON(`{"a":`), RuleInvalidJSON},
		{"text with NUL", col("text"), "a\x00b", connectors.RuleNULByte},
		{"NULL", col("text"), nil, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := connectors.CheckColumn(Dialect{}, c.col, c.v)
			if c.rule == "" {
				if err != nil {
					t.Fatalf("got %v, want it to fit", err)
				}
				return
			}
			var fe *connectors.FitError
			if !errors.As(err, &fe) || fe.Rule != c.rule {
				t.Fatalf("got %v, want a FitError with rule %s", err, c.rule)
			}
		})
	}
}

// TestWriteRejectsBeforeSending: a batch with a value that does not fit is
// refused whole, before anything is sent. The transaction here is nil, so
// any attempt to reach the server would panic the test.
func TestWriteRejectsBeforeSending(t *testing.T) {
	tbl := &connectors.Table{Name: "strict", PrimaryKey: []string{"id"}, Columns: []connectors.Column{
		{Name: "id", Type: mustType(t, "bigint")},
		{Name: "small", Type: mustType(t, "smallint"), Nullable: true},
		{Name: "tm", Type: mustType(t, "time(6)"), Nullable: true},
	}}
	good := []connectors.Value{int64(1), int64(2), connectors.Duration(time.Hour)}
	cases := []struct {
		name string
		bad  []connectors.Value
		rule connectors.Rule
		col  string
	}{
		{"int out of range", []connectors.Value{int64(2), int64(40000), nil}, connectors.RuleIntRange, "small"},
		{"24:00", []connectors.Value{int64(2), nil, connectors.Duration(24 * time.Hour)}, connectors.RuleTimeRange, "tm"},
		{"NULL key", []connectors.Value{nil, nil, nil}, connectors.RuleNotNull, "id"},
		{"wrong kind", []connectors.Value{int64(2), "x", nil}, connectors.RuleWrongKind, "small"},
	}
	// Both write paths: the bulk copy (the default) and the INSERTs of
	// ?bulk_copy=off.
	for _, insertRows := range []bool{false, true} {
		newTx := func() *writeTx { return &writeTx{d: &DB{cfg: &config{insertRows: insertRows}}} }
		for _, c := range cases {
			t.Run(fmt.Sprintf("%s, insert rows %v", c.name, insertRows), func(t *testing.T) {
				_, err := newTx().Write(context.Background(), tbl, [][]connectors.Value{good, good, c.bad})
				var fe *connectors.FitError
				if !errors.As(err, &fe) || fe.Rule != c.rule {
					t.Fatalf("got %v, want a FitError with rule %s", err, c.rule)
				}
				if want := "table strict: row 2 of batch, column " + c.col; !strings.Contains(err.Error(), want) {
					t.Errorf("error %q does not say %q", err, want)
				}
			})
		}
		if _, err := newTx().Write(context.Background(), tbl, [][]connectors.Value{{int64(1)}}); err == nil {
			t.Error("a row with too few values was accepted")
		}
	}
}

func TestEncodeBatch(t *testing.T) {
	tbl := &connectors.Table{Name: "t", Columns: []connectors.Column{
		{Name: "a", Type: mustType(t, "bigint")},
		{Name: "b", Type: mustType(t, "bytes"), Nullable: true},
		{Name: "c", Type: mustType(t, "uuid"), Nullable: true},
	}}
	args, per, err := encodeBatch(tbl, [][]connectors.Value{{int64(1), nil, nil}, {int64(2), []byte{}, connectors.UUID{}}})
	if err != nil {
		t.Fatal(err)
	}
	want := []any{int64(1), []byte(nil), nil, int64(2), []byte{}, mssql.UniqueIdentifier{}}
	if !reflect.DeepEqual(args, want) || per != 666 {
		t.Errorf("encodeBatch = %#v, %d; want %#v, 666", args, per, want)
	}
}
