package postgres

import (
	"encoding/binary"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/regflytt/regflytt/connectors"
)

func TestCivilDays(t *testing.T) {
	// Against the time package over years -4713..10000, every 13 days.
	start := time.Date(-4713, 1, 1, 0, 0, 0, 0, time.UTC)
	for d := start; d.Year() <= 10000; d = d.AddDate(0, 0, 13) {
		days := d.Unix() / 86400
		if got := daysFromCivil(int64(d.Year()), int(d.Month()), d.Day()); got != days {
			t.Fatalf("daysFromCivil(%v) = %d, want %d", d, got, days)
		}
		y, m, dd := civilFromDays(days)
		if y != int64(d.Year()) || m != int(d.Month()) || dd != d.Day() {
			t.Fatalf("civilFromDays(%d) = %d-%d-%d, want %v", days, y, m, dd, d)
		}
	}
}

// TestCivilFromDaysFast holds the fast day-count conversion to Hinnant's
// on every day it takes (years -32,800..36,700) and civilFromDays to
// Hinnant's on both sides of its bounds.
func TestCivilFromDaysFast(t *testing.T) {
	for z := int64(-civilFastDays); z <= civilFastDays; z++ {
		y, m, d := civilFromDaysFast(z)
		if wy, wm, wd := civilFromDaysEra(z); y != wy || m != wm || d != wd {
			t.Fatalf("civilFromDaysFast(%d) = %d-%d-%d, want %d-%d-%d", z, y, m, d, wy, wm, wd)
		}
	}
	for _, z := range []int64{-civilFastDays - 1, civilFastDays + 1, math.MinInt32 * 10, math.MaxInt32 * 10, -1, 0, 1} {
		y, m, d := civilFromDays(z)
		if wy, wm, wd := civilFromDaysEra(z); y != wy || m != wm || d != wd {
			t.Fatalf("civilFromDays(%d) = %d-%d-%d, want %d-%d-%d", z, y, m, d, wy, wm, wd)
		}
	}
}

// BenchmarkCivilFromDays compares the two conversions over days of
// years 1970..10000.
func BenchmarkCivilFromDays(b *testing.B) {
	for name, f := range map[string]func(int64) (int64, int, int){"fast": civilFromDays, "era": civilFromDaysEra} {
		b.Run(name, func(b *testing.B) {
			var sink int64
			z := int64(0)
			for b.Loop() {
				y, m, d := f(z % 2932896)
				sink += y + int64(m) + int64(d)
				z += 7919
			}
			_ = sink
		})
	}
}

func TestNumericRoundTrip(t *testing.T) {
	cases := map[string]string{ // written → read back
		"0":         "0",
		"0.00":      "0.00",
		"-0.00":     "0.00", // PostgreSQL has no negative zero
		"007.50":    "7.50",
		"12.5000":   "12.5000",
		"10000":     "10000",
		"99999999":  "99999999",
		"100000000": "100000000",
		"0.0001":    "0.0001",
		"0.00001":   "0.00001",
		"-1.0001":   "-1.0001",
		"123456789012345678901234567890123456789012345678901234567890": "123456789012345678901234567890123456789012345678901234567890",
		"-9999999999999999999999999999.9999999999":                     "-9999999999999999999999999999.9999999999",
		"0.000000000000000000000000000001":                             "0.000000000000000000000000000001",
		"1234567890123456789012345678.1234567890":                      "1234567890123456789012345678.1234567890",
	}
	for in, want := range cases {
		b, err := appendNumeric(nil, connectors.Decimal(in))
		if err != nil {
			t.Errorf("%s: encode: %v", in, err)
			continue
		}
		got, err := decodeNumeric(b)
		if err != nil {
			t.Errorf("%s: decode: %v", in, err)
			continue
		}
		if got != connectors.Decimal(want) {
			t.Errorf("%s: read back %v, want %s", in, got, want)
		}
	}
	for _, bad := range []string{"", "-", ".5", "5.", "1e5", "NaN", "1.2.3", " 1", "+1", "١"} {
		if _, err := appendNumeric(nil, connectors.Decimal(bad)); err == nil {
			t.Errorf("%q encoded without error", bad)
		}
	}
}

func TestNumericSpecialsAndDamage(t *testing.T) {
	word := func(sign uint16) []byte {
		b := make([]byte, 8)
		binary.BigEndian.PutUint16(b[4:], sign)
		return b
	}
	if v, _ := decodeNumeric(word(numericNaN)); !math.IsNaN(v.(float64)) {
		t.Errorf("NaN read as %v", v)
	}
	if v, _ := decodeNumeric(word(numericPInf)); v != math.Inf(1) {
		t.Errorf("+Infinity read as %v", v)
	}
	if v, _ := decodeNumeric(word(numericNInf)); v != math.Inf(-1) {
		t.Errorf("-Infinity read as %v", v)
	}
	// Damaged input is an error, never a panic.
	for _, b := range [][]byte{nil, {0}, word(0x1234), {0, 5, 0, 0, 0, 0, 0, 0}, {0, 1, 0, 0, 0, 0, 0, 0, 0x27, 0x10}} {
		if _, err := decodeNumeric(b); err == nil {
			t.Errorf("% x decoded without error", b)
		}
	}
}

func TestInvalidDateTextRoundTrip(t *testing.T) {
	enc := func(days int64) []byte { return binary.BigEndian.AppendUint32(nil, uint32(int32(days))) }
	for _, raw := range []string{"infinity", "-infinity", "0044-03-15 BC", "0001-12-31 BC", "10000-01-01", "4713-01-01 BC"} {
		days, err := parseInvalidDate(raw, false)
		if err != nil {
			t.Fatalf("%s: %v", raw, err)
		}
		v, err := decodeDate(enc(days))
		if err != nil || v != (connectors.InvalidDate{Raw: raw}) {
			t.Errorf("%s: read back %v, %v", raw, v, err)
		}
	}
	encTS := func(us int64) []byte { return binary.BigEndian.AppendUint64(nil, uint64(us)) }
	for _, c := range []struct {
		raw string
		tz  bool
	}{{"infinity", false}, {"-infinity", true}, {"0044-03-15 12:00:00.5 BC", false}, {"0044-03-15 12:00:00+00 BC", true}, {"10000-01-01 00:00:00", false}} {
		us, err := parseInvalidDate(c.raw, true)
		if err != nil {
			t.Fatalf("%s: %v", c.raw, err)
		}
		v, err := decodeTimestamp(encTS(us), c.tz)
		if err != nil || v != (connectors.InvalidDate{Raw: c.raw}) {
			t.Errorf("%s: read back %v, %v", c.raw, v, err)
		}
	}
	for _, bad := range []string{"", "2024-13-01", "yesterday", "24-01-01"} {
		if _, err := parseInvalidDate(bad, false); err == nil {
			t.Errorf("%q parsed", bad)
		}
	}
}

func TestDecodeTimestampBeforeEpoch(t *testing.T) {
	// One microsecond before 2000-01-01: negative counts floor, not truncate.
	v, err := decodeTimestamp(binary.BigEndian.AppendUint64(nil, math.MaxUint64), false) // -1 µs
	want := connectors.LocalDateTime{Date: connectors.Date{Year: 1999, Month: 12, Day: 31}, Hour: 23, Minute: 59, Second: 59, Nanosecond: 999999000}
	if err != nil || v != want {
		t.Fatalf("got %v, %v; want %v", v, err, want)
	}
}

func TestDecodeRejectsShortValues(t *testing.T) {
	for d := decText; d <= decUUID; d++ {
		if d == decText || d == decJSON || d == decBytea {
			continue
		}
		if _, err := decode(d, []byte{1, 2, 3}); err == nil {
			t.Errorf("decoder %d took 3 bytes", d)
		}
	}
	if v, _ := decode(decBytea, []byte{}); v == nil || v.([]byte) == nil {
		t.Errorf("empty bytea read as %#v, want []byte{}", v)
	}
}

func TestConfig(t *testing.T) {
	loc, err := connectors.ParseLocation("postgres://u:pw@db.example:5433/reg?sslmode=disable&schema=kvalitet&search_path=ext&TimeZone=Europe/Stockholm&application_name=x")
	if err != nil {
		t.Fatal(err)
	}
	cfg, schema, err := config(loc, true)
	if err != nil {
		t.Fatal(err)
	}
	rp := cfg.ConnConfig.RuntimeParams
	if schema != "kvalitet" || rp["search_path"] != `"kvalitet", ext` {
		t.Errorf("schema %q, search_path %q", schema, rp["search_path"])
	}
	if rp["timezone"] != "UTC" || rp["TimeZone"] != "" {
		t.Errorf("time zone not pinned: %v", rp)
	}
	if rp["schema"] != "" || rp["default_transaction_read_only"] != "on" || rp["application_name"] != "x" {
		t.Errorf("runtime params %v", rp)
	}
	if cfg.ConnConfig.Port != 5433 || cfg.ConnConfig.Database != "reg" {
		t.Errorf("port %d database %q", cfg.ConnConfig.Port, cfg.ConnConfig.Database)
	}

	loc, _ = connectors.ParseLocation("postgres://u@h/db")
	cfg, schema, _ = config(loc, false)
	if schema != "public" || cfg.ConnConfig.RuntimeParams["search_path"] != `"public"` || cfg.ConnConfig.RuntimeParams["default_transaction_read_only"] != "" {
		t.Errorf("defaults: schema %q, params %v", schema, cfg.ConnConfig.RuntimeParams)
	}

	loc, _ = connectors.ParseLocation("postgres://u:S3cretPw@h/db?sslmode=bogus")
	if _, _, err := config(loc, false); err == nil || strings.Contains(err.Error(), "S3cretPw") {
		t.Errorf("bad sslmode: %v", err)
	}
	loc, _ = connectors.ParseLocation("postgres://u@h/db?schema=a%00b")
	if _, _, err := config(loc, false); err == nil {
		t.Error("a schema with NUL was accepted")
	}
}
