package mysql_test

import (
	"math"
	"strings"
	"testing"
	"time"

	"github.com/regflytt/regflytt/connectors"
	"github.com/regflytt/regflytt/connectors/conformance"
	"github.com/regflytt/regflytt/connectors/mysql"
)

// These tests pin SQL text and decoding without a server.

func TestQuoteIdent(t *testing.T) {
	for in, want := range map[string]string{
		"patient":   "`patient`",
		"a`b":       "`a``b`",
		"vårdenhet": "`vårdenhet`",
		"what?":     "`what?`",
	} {
		got, err := mysql.Dialect{}.QuoteIdent(in)
		if err != nil || got != want {
			t.Errorf("QuoteIdent(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	if _, err := (mysql.Dialect{}).QuoteIdent("a\x00b"); err == nil {
		t.Error("QuoteIdent accepted a NUL")
	}
}

func TestSelectBatch(t *testing.T) {
	d := mysql.Dialect{}
	cases := []struct {
		key   []string
		after bool
		want  string
	}{
		{[]string{"id"}, false, "SELECT `id`, `a``b`, `c?` FROM `t` ORDER BY `id` LIMIT 500"},
		{[]string{"id"}, true, "SELECT `id`, `a``b`, `c?` FROM `t` WHERE `id` > ? ORDER BY `id` LIMIT 500"},
		{[]string{"id", "a`b"}, true, "SELECT `id`, `a``b`, `c?` FROM `t` WHERE (`id` > ?) OR (`id` = ? AND `a``b` > ?) ORDER BY `id`, `a``b` LIMIT 500"},
		{[]string{"id", "a`b", "c?"}, true, "SELECT `id`, `a``b`, `c?` FROM `t` WHERE (`id` > ?) OR (`id` = ? AND `a``b` > ?) OR (`id` = ? AND `a``b` = ? AND `c?` > ?) ORDER BY `id`, `a``b`, `c?` LIMIT 500"},
	}
	for _, c := range cases {
		got, err := d.SelectBatch("t", []string{"id", "a`b", "c?"}, c.key, c.after, 500)
		if err != nil || got != c.want {
			t.Errorf("SelectBatch(key %v, after %v) =\n  %s, %v\nwant\n  %s", c.key, c.after, got, err, c.want)
		}
	}
	if _, err := d.SelectBatch("t", []string{"id"}, []string{"id"}, false, 0); err == nil {
		t.Error("limit 0 accepted")
	}
	if got := mysql.ExpandKeyArgs([]string{"a", "b", "c"}); strings.Join(got, "") != "aababc" {
		t.Errorf("ExpandKeyArgs = %v", got)
	}
}

func TestBindLiterals(t *testing.T) {
	q := "SELECT `c?`, `a``?` FROM `t?` WHERE (`id` > ?) OR (`id` = ? AND `x` > ?)"
	got, err := mysql.BindLiterals(q, [][]byte{[]byte("1"), []byte("1"), []byte("'?'")})
	want := "SELECT `c?`, `a``?` FROM `t?` WHERE (`id` > 1) OR (`id` = 1 AND `x` > '?')"
	if err != nil || got != want {
		t.Errorf("got %s, %v", got, err)
	}
	if _, err := mysql.BindLiterals(q, [][]byte{[]byte("1")}); err == nil {
		t.Error("too few values accepted")
	}
	if _, err := mysql.BindLiterals("SELECT 1", [][]byte{[]byte("1")}); err == nil {
		t.Error("too many values accepted")
	}
}

func TestColumnType(t *testing.T) {
	for typ, want := range map[string]string{
		"tinyint":           "tinyint",
		"smallint unsigned": "smallint unsigned",
		"mediumint":         "mediumint",
		"integer":           "int",
		"bigint unsigned":   "bigint unsigned",
		"real":              "float",
		"double":            "double",
		"decimal(38,10)":    "decimal(38,10)",
		"boolean":           "tinyint(1) COMMENT 'regflytt:boolean'",
		"text":              "longtext CHARACTER SET utf8mb4 COLLATE utf8mb4_nopad_bin",
		"varchar(100)":      "varchar(100) CHARACTER SET utf8mb4 COLLATE utf8mb4_nopad_bin",
		"varchar(20000)":    "longtext CHARACTER SET utf8mb4 COLLATE utf8mb4_nopad_bin",
		"bytes":             "longblob",
		"varbinary(16)":     "varbinary(16)",
		"date":              "date",
		"datetime":          "datetime",
		"datetime(6)":       "datetime(6)",
		"timestamptz(3)":    "datetime(3) COMMENT 'regflytt:timestamptz'",
		"time(6)":           "time(6)",
		"uuid":              "binary(16) COMMENT 'regflytt:uuid'",
		"json":              "json",
	} {
		ct, err := connectors.ParseType(typ)
		if err != nil {
			t.Fatal(err)
		}
		got, err := mysql.Dialect{}.ColumnType(ct)
		if err != nil || got != want {
			t.Errorf("ColumnType(%s) = %q, %v; want %q", typ, got, err, want)
		}
	}
	for _, bad := range []connectors.Type{
		{Kind: connectors.KindDecimal, Precision: 66, Scale: 0},
		{Kind: connectors.KindDecimal, Precision: 60, Scale: 39},
		{Kind: connectors.KindDateTime, Precision: 7},
		{Kind: connectors.KindInvalid},
	} {
		if got, err := (mysql.Dialect{}).ColumnType(bad); err == nil {
			t.Errorf("ColumnType(%+v) = %q, want an error", bad, got)
		}
	}
}

func TestCreateTableSQL(t *testing.T) {
	tbl := connectors.Table{Name: "form", PrimaryKey: []string{"id", "var"}, Columns: []connectors.Column{
		{Name: "id", Type: connectors.Type{Kind: connectors.KindInt, Bits: 64}},
		{Name: "var", Type: connectors.Type{Kind: connectors.KindText, Length: 20}},
		{Name: "ok", Type: connectors.Type{Kind: connectors.KindBool}},
		{Name: "at", Type: connectors.Type{Kind: connectors.KindTimestamp, Precision: 6}, Nullable: true},
	}}
	got, err := mysql.CreateTable(&tbl)
	want := "CREATE TABLE IF NOT EXISTS `form` (\n" +
		"  `id` bigint NOT NULL,\n" +
		"  `var` varchar(20) CHARACTER SET utf8mb4 COLLATE utf8mb4_nopad_bin NOT NULL,\n" +
		"  `ok` tinyint(1) COMMENT 'regflytt:boolean' NOT NULL,\n" +
		"  `at` datetime(6) COMMENT 'regflytt:timestamptz',\n" +
		"  PRIMARY KEY (`id`, `var`)\n" +
		") ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_nopad_bin"
	if err != nil || got != want {
		t.Errorf("got\n%s\n%v\nwant\n%s", got, err, want)
	}
}

// Every type ColumnType writes reads back as the same kind.
func TestTypeOfRoundTrips(t *testing.T) {
	for _, c := range conformance.Columns() {
		want, err := connectors.ParseType(c.Type)
		if err != nil {
			t.Fatal(err)
		}
		ddl, err := mysql.Dialect{}.ColumnType(want)
		if err != nil {
			t.Fatalf("%s: %v", c.Type, err)
		}
		colType, comment := splitComment(ddl)
		if colType == "json" {
			colType = "longtext" // what MariaDB shows; the CHECK makes it json
			if got := mysql.TypeOf("json", ""); got.Kind != want.Kind {
				t.Errorf("json reads as %v", got)
			}
			continue
		}
		if got := mysql.TypeOf(colType, comment); got.Kind != want.Kind {
			t.Errorf("%s -> %s -> %v: kind changed", c.Type, ddl, got)
		}
	}
}

func splitComment(ddl string) (colType, comment string) {
	colType, rest, ok := strings.Cut(ddl, " COMMENT '")
	if ok {
		comment = strings.TrimSuffix(rest, "'")
	}
	colType, _, _ = strings.Cut(colType, " CHARACTER SET")
	return colType, comment
}

func TestTypeOf(t *testing.T) {
	cases := []struct {
		colType, comment string
		want             connectors.Type
	}{
		{"tinyint(1)", "", connectors.Type{Kind: connectors.KindInt, Bits: 8}},
		{"tinyint(1)", "regflytt:boolean", connectors.Type{Kind: connectors.KindBool}},
		{"tinyint(4)", "regflytt:boolean", connectors.Type{Kind: connectors.KindInt, Bits: 8}},
		{"tinyint(3) unsigned zerofill", "", connectors.Type{Kind: connectors.KindInt, Bits: 8, Unsigned: true}},
		{"int(11)", "", connectors.Type{Kind: connectors.KindInt, Bits: 32}},
		{"bigint(20) unsigned", "", connectors.Type{Kind: connectors.KindInt, Bits: 64, Unsigned: true}},
		{"bit(1)", "", connectors.Type{Kind: connectors.KindInt, Bits: 8, Unsigned: true}},
		{"bit(10)", "", connectors.Type{Kind: connectors.KindInt, Bits: 16, Unsigned: true}},
		{"bit(64)", "", connectors.Type{Kind: connectors.KindInt, Bits: 64, Unsigned: true}},
		{"year(4)", "", connectors.Type{Kind: connectors.KindInt, Bits: 16}},
		{"decimal(10,2) unsigned", "", connectors.Type{Kind: connectors.KindDecimal, Precision: 10, Scale: 2}},
		{"float", "", connectors.Type{Kind: connectors.KindFloat, Bits: 32}},
		{"float(7,4)", "", connectors.Type{Kind: connectors.KindFloat, Bits: 32}},
		{"double", "", connectors.Type{Kind: connectors.KindFloat, Bits: 64}},
		{"datetime(6)", "", connectors.Type{Kind: connectors.KindDateTime, Precision: 6}},
		{"datetime(6)", "regflytt:timestamptz", connectors.Type{Kind: connectors.KindTimestamp, Precision: 6}},
		{"timestamp", "", connectors.Type{Kind: connectors.KindTimestamp}},
		{"time(3)", "", connectors.Type{Kind: connectors.KindTime, Precision: 3}},
		{"char(5)", "", connectors.Type{Kind: connectors.KindText, Length: 5}},
		{"varchar(255)", "", connectors.Type{Kind: connectors.KindText, Length: 255}},
		{"mediumtext", "", connectors.Type{Kind: connectors.KindText}},
		{"enum('a','b,c')", "", connectors.Type{Kind: connectors.KindText}},
		{"binary(16)", "regflytt:uuid", connectors.Type{Kind: connectors.KindUUID}},
		{"binary(16)", "", connectors.Type{Kind: connectors.KindBytes, Length: 16}},
		{"varbinary(200)", "", connectors.Type{Kind: connectors.KindBytes, Length: 200}},
		{"longblob", "", connectors.Type{Kind: connectors.KindBytes}},
		{"uuid", "", connectors.Type{Kind: connectors.KindUUID}},
		{"json", "", connectors.Type{Kind: connectors.KindJSON}},
		{"multipolygon", "", connectors.Type{Kind: connectors.KindBytes}},
		{"inet6", "", connectors.Type{Kind: connectors.KindText}},
		{"vector(3)", "", connectors.Type{Kind: connectors.KindText}},
	}
	for _, c := range cases {
		if got := mysql.TypeOf(c.colType, c.comment); got != c.want {
			t.Errorf("TypeOf(%q, %q) = %+v, want %+v", c.colType, c.comment, got, c.want)
		}
	}
}

func TestAppendLiteral(t *testing.T) {
	native := &connectors.Column{Name: "u", Type: connectors.Type{Kind: connectors.KindUUID}, SourceType: "uuid"}
	u := connectors.UUID{0x12, 0x34, 0x56, 0x78, 0x9a, 0xbc, 0xde, 0xf0, 1, 2, 3, 4, 5, 6, 7, 8}
	cases := []struct {
		v    connectors.Value
		col  *connectors.Column
		want string
	}{
		{nil, nil, "NULL"},
		{int64(math.MinInt64), nil, "-9223372036854775808"},
		{uint64(math.MaxUint64), nil, "18446744073709551615"},
		{1.5, nil, "1.5e+00"},
		{-1.5, nil, "-1.5e+00"},
		{0.1, nil, "1e-01"},
		{math.MaxFloat64, nil, "1.7976931348623157e+308"},
		{true, nil, "1"},
		{"it's \\ \"x\"\n\r\x1a\x00ö", nil, `'it\'s \\ \"x\"\n\r\Z\0ö'`},
		{[]byte{0, '\'', 0xff}, nil, "_binary'\\0\\'\xff'"},
		{[]byte{}, nil, "_binary''"},
		{connectors.Decimal("-12.50"), nil, "-12.50"},
		{connectors.Date{Year: 2024, Month: 2, Day: 29}, nil, "'2024-02-29'"},
		{connectors.LocalDateTime{Date: connectors.Date{Year: 1, Month: 1, Day: 1}, Nanosecond: 1000}, nil, "'0001-01-01 00:00:00.000001'"},
		{time.Date(2024, 6, 1, 14, 0, 0, 0, time.FixedZone("CEST", 7200)), nil, "'2024-06-01 12:00:00'"},
		{connectors.Duration(-time.Second), nil, "'-00:00:01'"},
		{u, nil, "X'123456789abcdef00102030405060708'"},
		{u, native, "'12345678-9abc-def0-0102-030405060708'"},
		{connectors.JSON(`{"a":"'"}`), nil, `'{\"a\":\"\'\"}'`},
		{connectors.InvalidDate{Raw: "0000-00-00"}, nil, "'0000-00-00'"},
	}
	for _, c := range cases {
		got, err := mysql.AppendLiteral(nil, c.v, c.col)
		if err != nil || string(got) != c.want {
			t.Errorf("literal of %s = %s, %v; want %s", conformance.Describe(c.v), got, err, c.want)
		}
	}
	for _, bad := range []connectors.Value{math.NaN(), math.Inf(-1), connectors.Decimal("1; DROP TABLE x"), struct{}{}} {
		if got, err := mysql.AppendLiteral(nil, bad, nil); err == nil {
			t.Errorf("literal of %s = %s, want an error", conformance.Describe(bad), got)
		}
	}
}

func TestDecoders(t *testing.T) {
	col := func(typ, comment string) *connectors.Column {
		return &connectors.Column{Name: "c", Type: mysql.TypeOf(typ, comment), SourceType: typ}
	}
	cases := []struct {
		col  *connectors.Column
		in   string
		want connectors.Value
	}{
		{col("bigint", ""), "-9223372036854775808", int64(math.MinInt64)},
		{col("bigint unsigned", ""), "18446744073709551615", uint64(math.MaxUint64)},
		{col("int(5) zerofill", ""), "00042", int64(42)},
		{col("bigint", ""), "-0", int64(0)},
		{col("bit(64)", ""), "\xff\xff\xff\xff\xff\xff\xff\xff", uint64(math.MaxUint64)},
		{col("bit(10)", ""), "\x02\x01", int64(513)},
		{col("bit(1)", ""), "", int64(0)},
		{col("decimal(8,2) zerofill", ""), "000012.50", connectors.Decimal("12.50")},
		{col("decimal(8,2)", ""), "-12.50", connectors.Decimal("-12.50")},
		{col("decimal(8,2) zerofill", ""), "00000.00", connectors.Decimal("0.00")},
		{col("double", ""), "5e-324", 5e-324},
		{col("tinyint(1)", "regflytt:boolean"), "1", true},
		{col("date", ""), "2024-05-00", connectors.InvalidDate{Raw: "2024-05-00"}},
		{col("datetime(6)", "regflytt:timestamptz"), "2024-01-01 00:00:00.000001", time.Date(2024, 1, 1, 0, 0, 0, 1000, time.UTC)},
		{col("timestamp", ""), "0000-00-00 00:00:00", connectors.InvalidDate{Raw: "0000-00-00 00:00:00"}},
		{col("time(6)", ""), "-838:59:59.000000", connectors.Duration(-(838*time.Hour + 59*time.Minute + 59*time.Second))},
		{col("binary(16)", "regflytt:uuid"), "\x12\x34\x56\x78\x9a\xbc\xde\xf0\x01\x02\x03\x04\x05\x06\x07\x08", connectors.UUID{0x12, 0x34, 0x56, 0x78, 0x9a, 0xbc, 0xde, 0xf0, 1, 2, 3, 4, 5, 6, 7, 8}},
		{col("varbinary(4)", ""), "", []byte{}},
		{col("set('a','b')", ""), "a,b", "a,b"},
	}
	for _, c := range cases {
		b := []byte(c.in)
		got, err := mysql.DecoderFor(c.col)(b)
		for i := range b {
			b[i] = '#' // the driver reuses its buffer: nothing may alias it
		}
		if err != nil || !conformance.Equal(got, c.want) {
			t.Errorf("decode %s %q = %s, %v; want %s", c.col.SourceType, c.in, conformance.Describe(got), err, conformance.Describe(c.want))
		}
	}
	for _, c := range []struct{ typ, in string }{
		{"bigint", "18446744073709551616"},
		{"bigint", "-9223372036854775809"},
		{"bigint", "12a"},
		{"bigint", ""},
		{"bit(64)", "123456789"},
		{"decimal(8,2)", "1e5"},
		{"double", "x"},
		{"date", "2024-13"},
		{"time", "1:2"},
		{"uuid", "not-a-uuid"},
	} {
		if got, err := mysql.DecoderFor(col(c.typ, ""))([]byte(c.in)); err == nil {
			t.Errorf("decode %s %q = %s, want an error", c.typ, c.in, conformance.Describe(got))
		} else if strings.Contains(err.Error(), c.in) && c.in != "" {
			t.Errorf("error quotes the value: %v", err)
		}
	}
	if _, err := mysql.DecoderFor(col("tinyint(1)", "regflytt:boolean"))([]byte("2")); err == nil {
		t.Error("a marked boolean column accepted 2")
	}
}

func TestConfig(t *testing.T) {
	loc := location(t, "mariadb://reg:p%40ss@db.example:3307/registry?tls=skip-verify&timeout=3s&readTimeout=1m")
	cfg, err := mysql.Config(loc)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.User != "reg" || cfg.Passwd != "p@ss" || cfg.Addr != "db.example:3307" || cfg.DBName != "registry" ||
		cfg.TLSConfig != "skip-verify" || cfg.Timeout != 3*time.Second || cfg.ReadTimeout != time.Minute {
		t.Errorf("config %+v", cfg)
	}
	if !cfg.InterpolateParams || cfg.ParseTime || cfg.Params["time_zone"] != "'+00:00'" || !strings.Contains(cfg.Params["sql_mode"], "STRICT_ALL_TABLES") ||
		strings.Contains(cfg.Params["sql_mode"], "NO_BACKSLASH_ESCAPES") || cfg.Collation != "utf8mb4_bin" {
		t.Errorf("fixed settings not forced: %+v", cfg)
	}
	cfg, err = mysql.Config(location(t, "mysql://u@/db?socket=/run/mysqld/mysqld.sock"))
	if err != nil || cfg.Net != "unix" || cfg.Addr != "/run/mysqld/mysqld.sock" {
		t.Errorf("socket: %+v, %v", cfg, err)
	}
	for _, bad := range []string{
		"mysql://u:secret@h/db?parseTime=true",
		"mysql://u:secret@h/db?interpolateParams=false",
		"mysql://u:secret@h/db?timeout=soon",
		"mysql://u:secret@h/",
		"mysql://u:secret@h/a/b",
	} {
		_, err := mysql.Config(location(t, bad))
		if err == nil {
			t.Errorf("%s accepted", bad)
		} else if strings.Contains(err.Error(), "secret") {
			t.Errorf("error shows the password: %v", err)
		}
	}
}
