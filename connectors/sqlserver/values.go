package sqlserver

import (
	"database/sql"
	"encoding/json"
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/golang-sql/civil"
	mssql "github.com/microsoft/go-mssqldb"

	"github.com/regflytt/regflytt/connectors"
)

// What go-mssqldb v1.11.2 hands to database/sql for each SQL Server type,
// which decode relies on (file:line in the module's source):
//
//	tinyint                    int64, unsigned 0..255 (types.go:359 int64(buf[0]))
//	smallint, int, bigint      int64 (types.go:363-379, 415-422)
//	bit                        bool (types.go:361, 432)
//	real                       float64(float32), exact (types.go:369, 436)
//	float                      float64 (types.go:376)
//	decimal, numeric           []byte of plain decimal text with the column's
//	                           scale, "-0.05" (types.go:943 decodeDecimal,
//	                           internal/decimal/decimal.go:236 ScaleBytes)
//	money, smallmoney          []byte, scale 4 (types.go:915, 927)
//	uniqueidentifier           []byte, 16 bytes in SQL Server's order (first
//	                           three groups little-endian) unless the DSN sets
//	                           "guid conversion" (types.go:932), which we refuse
//	date                       time.Time at midnight in the DSN's timezone,
//	                           UTC by default (types.go:964, msdsn/conn_str.go:404)
//	time(n)                    time.Time on 0001-01-01 (types.go:1019)
//	datetime2(n)               time.Time, 100 ns exact (types.go:1031)
//	datetime                   time.Time, 1/300 s ticks rounded to whole
//	                           milliseconds: .000 .003 .007 (types.go:334, 343)
//	smalldatetime              time.Time, whole minutes (types.go:277)
//	datetimeoffset(n)          time.Time in a fixed zone of the stored offset
//	                           (types.go:1049)
//	char, varchar, text        string decoded from the collation's code page
//	                           (types.go:1100; see Dialect.ScanQuery for why we
//	                           let the server convert instead)
//	nchar, nvarchar, ntext     string from UTF-16; an unpaired surrogate becomes
//	                           U+FFFD (ucs22str.go:135 utf16.Decode)
//	xml                        string (types.go:1116)
//	binary, varbinary, image   []byte (types.go:470, 531, 582, 782)
//	geometry, geography,
//	hierarchyid (CLR types)    []byte, the CLR serialisation (types.go:1120)
//	sql_variant                the base type's value as above (types.go:650)
//	NULL                       nil
//
// database/sql clones a []byte scanned into *any (convert.go:266), so the
// slices decode receives are ours to keep.

// decode turns what the driver returned for a column into a canonical
// value. A Go type the column's kind does not expect is an error naming the
// type, never the value.
func decode(c *connectors.Column, v any) (connectors.Value, error) {
	if v == nil {
		return nil, nil
	}
	bad := func() error {
		return fmt.Errorf("column %s (%s): driver returned %T for a %v column", c.Name, c.SourceType, v, c.Type.Kind)
	}
	switch c.Type.Kind {
	case connectors.KindInt:
		if n, ok := v.(int64); ok {
			return n, nil
		}
	case connectors.KindFloat:
		if f, ok := v.(float64); ok {
			return f, nil
		}
	case connectors.KindDecimal:
		if b, ok := v.([]byte); ok {
			d := connectors.Decimal(b)
			if _, _, ok := connectors.DecimalDigits(d); !ok {
				return nil, fmt.Errorf("column %s (%s): driver returned decimal text that is not a plain number", c.Name, c.SourceType)
			}
			return d, nil
		}
	case connectors.KindBool:
		if b, ok := v.(bool); ok {
			return b, nil
		}
	case connectors.KindText:
		if s, ok := v.(string); ok {
			return s, nil
		}
		if parseSourceType(c.SourceType).name == "sql_variant" {
			// A sql_variant's base type travels with the value, but the
			// driver drops it (decimal, money, uniqueidentifier and binary
			// all arrive as []byte), so nothing but text can be read back
			// exactly.
			return nil, fmt.Errorf("column %s (sql_variant): a value of base type %T cannot be read exactly; CAST the column to its real type in a view (SQL_VARIANT_PROPERTY(%s, 'BaseType') lists them) and read the view", c.Name, v, c.Name)
		}
	case connectors.KindBytes:
		if b, ok := v.([]byte); ok {
			if b == nil {
				b = []byte{} // an empty value is not NULL
			}
			return b, nil
		}
	case connectors.KindDate:
		if t, ok := v.(time.Time); ok {
			return connectors.DateOf(t), nil
		}
	case connectors.KindDateTime:
		// The wall clock exactly as the driver built it with time.Date in
		// UTC; with any other DSN timezone a wall clock in a DST gap would
		// have moved, which is why the DSN may not set one.
		if t, ok := v.(time.Time); ok {
			return connectors.LocalDateTimeOf(t), nil
		}
	case connectors.KindTimestamp:
		if t, ok := v.(time.Time); ok {
			return t.UTC(), nil
		}
	case connectors.KindTime:
		if t, ok := v.(time.Time); ok {
			return durationOf(c, t)
		}
	case connectors.KindUUID:
		if b, ok := v.([]byte); ok {
			u, err := uuidFromWire(b)
			if err != nil {
				return nil, fmt.Errorf("column %s: %w", c.Name, err)
			}
			return u, nil
		}
	case connectors.KindJSON:
		if s, ok := v.(string); ok {
			return connectors.JSON(s), nil
		}
	default:
		return nil, fmt.Errorf("column %s: source type %q is not supported; CAST it in a view to a type regflytt reads", c.Name, c.SourceType)
	}
	return nil, bad()
}

// durationOf reads a time(n) value, which the driver gives as a time on
// 0001-01-01 (types.go:1019).
func durationOf(c *connectors.Column, t time.Time) (connectors.Value, error) {
	day := time.Date(1, 1, 1, 0, 0, 0, 0, t.Location())
	d := t.Sub(day)
	if d < 0 || d >= 24*time.Hour {
		return nil, fmt.Errorf("column %s (%s): driver returned a time outside one day", c.Name, c.SourceType)
	}
	return connectors.Duration(d), nil
}

// uuidFromWire reorders a uniqueidentifier from SQL Server's byte order,
// whose first three groups are little-endian (the bytes
// FF19966F868B11D0B42D00C04FC964FF display as
// 6F9619FF-8B86-D011-B42D-00C04FC964FF), into RFC 4122 order.
func uuidFromWire(b []byte) (connectors.UUID, error) {
	var u connectors.UUID
	if len(b) != 16 {
		return u, fmt.Errorf("uniqueidentifier of %d bytes, want 16", len(b))
	}
	copy(u[:], b)
	u[0], u[1], u[2], u[3] = b[3], b[2], b[1], b[0]
	u[4], u[5] = b[5], b[4]
	u[6], u[7] = b[7], b[6]
	return u, nil
}

// RuleInvalidJSON is the rule for JSON text SQL Server's ISJSON refuses.
const RuleInvalidJSON = connectors.RuleInvalidJSON

var _ connectors.ValueChecker = Dialect{}

// CheckValue refuses what SQL Server cannot hold of what Type.Fit allows
// (Tx.Write refuses the same, through connectors.CheckColumn):
//
//	24:00:00 in time             RuleTimeRange: time(n) ends at 23:59:59.9999999
//	above 9223372036854775807    RuleIntRange: no unsigned 64-bit integer
//	subnormal float              RuleSubnormal: outside the documented range
//	-0.0                         RuleNegativeZero: not yet shown to keep its sign
//	a top-level JSON scalar      RuleInvalidJSON: ISJSON before 2022 refuses it
func (Dialect) CheckValue(c *connectors.Column, v connectors.Value) error {
	switch x := v.(type) {
	case connectors.Duration:
		if time.Duration(x) >= 24*time.Hour {
			return &connectors.FitError{Rule: connectors.RuleTimeRange, Detail: "SQL Server's time stops before 24:00:00"}
		}
	case uint64:
		return &connectors.FitError{Rule: connectors.RuleIntRange, Detail: "SQL Server has no unsigned 64-bit integer"}
	case float64:
		// Below the smallest normal number SQL Server documents no range,
		// a literal is flushed to zero with only a warning, and DBCC
		// CHECKDB's DATA_PURITY flags stored subnormals: refuse them
		// rather than trust the path a parameter takes.
		if x != 0 && ((c.Type.Bits == 32 && math.Abs(x) < 0x1p-126) || math.Abs(x) < 0x1p-1022) {
			return &connectors.FitError{Rule: connectors.RuleSubnormal, Detail: "a subnormal float is outside SQL Server's float range"}
		}
		// float(53) can hold -0 (ROUND(-0.00001, 4) shows -0), but whether
		// a bound float parameter keeps its sign through TDS into storage
		// has not been run against a server here. Refused until the
		// conformance suite shows it kept (Capabilities.NegativeZero).
		if x == 0 && math.Signbit(x) {
			return &connectors.FitError{Rule: connectors.RuleNegativeZero, Detail: "-0.0 is not known to keep its sign on SQL Server"}
		}
	case connectors.JSON:
		if !json.Valid([]byte(x)) {
			return &connectors.FitError{Rule: RuleInvalidJSON, Detail: "not valid JSON"}
		}
		if s := strings.TrimLeft(string(x), " \t\r\n"); s == "" || (s[0] != '{' && s[0] != '[') {
			return &connectors.FitError{Rule: RuleInvalidJSON, Detail: "SQL Server's ISJSON accepts only an object or an array at the top level"}
		}
	}
	return nil
}

// encode turns a canonical value that fits column c into what go-mssqldb
// binds, choosing the parameter's SQL type deliberately (mssql.go:1044
// makeParam, mssql_go19.go:177 makeParamExtra):
//
//	int64          bigint
//	float64        float
//	bool           bit
//	string, JSON   nvarchar(n), nvarchar(max) past 4000 characters
//	Decimal        nvarchar text, which the server converts to the column's
//	               decimal exactly (shopspring's decimal.Decimal would be the
//	               typed path, with a float-free but larger encoding)
//	[]byte         varbinary
//	Date           civil.Date -> date
//	LocalDateTime  civil.DateTime -> datetime2(7)
//	time.Time      datetimeoffset(7) with the value's offset, +00:00 (mssql.go:1211)
//	Duration       civil.Time -> time(7)
//	UUID           mssql.UniqueIdentifier, which swaps the first three
//	               groups back into SQL Server's order (uniqueidentifier.go:57)
//
// NULL is bound with the column's type where the driver can: an untyped
// nil is declared nvarchar(1) (types.go:1233), and a multi-row VALUES takes
// each column's type by data type precedence across its rows, so a NULL
// among varbinary values would make the column nvarchar, which does not
// convert implicitly to varbinary. UUID NULLs stay untyped: the driver
// writes a NULL NullUniqueIdentifier as a zero length followed by 16 bytes
// (types.go:491 writeGuidType), and uniqueidentifier outranks nvarchar.
func encode(k connectors.Kind, v connectors.Value) (any, error) {
	if v == nil {
		return nullOf(k), nil
	}
	switch x := v.(type) {
	case int64, float64, bool, string, time.Time:
		return x, nil
	case []byte:
		if x == nil {
			return []byte{}, nil // nil would bind NULL
		}
		return x, nil
	case connectors.Decimal:
		return string(x), nil
	case connectors.JSON:
		return string(x), nil
	case connectors.Date:
		return civil.Date{Year: x.Year, Month: x.Month, Day: x.Day}, nil
	case connectors.LocalDateTime:
		return civil.DateTime{
			Date: civil.Date{Year: x.Year, Month: x.Month, Day: x.Day},
			Time: civil.Time{Hour: x.Hour, Minute: x.Minute, Second: x.Second, Nanosecond: x.Nanosecond},
		}, nil
	case connectors.Duration:
		d := time.Duration(x)
		if d < 0 || d >= 24*time.Hour {
			return nil, fmt.Errorf("time %s is outside one day", x)
		}
		return civil.Time{
			Hour:       int(d / time.Hour),
			Minute:     int(d % time.Hour / time.Minute),
			Second:     int(d % time.Minute / time.Second),
			Nanosecond: int(d % time.Second),
		}, nil
	case connectors.UUID:
		return mssql.UniqueIdentifier(x), nil
	case uint64:
		return nil, fmt.Errorf("integer above 9223372036854775807 does not fit SQL Server's bigint")
	case connectors.InvalidDate:
		return nil, fmt.Errorf("a zero or invalid date has no storable form")
	}
	return nil, fmt.Errorf("value of type %T is not canonical", v)
}

// nullOf is a NULL typed as a column of kind k binds it.
func nullOf(k connectors.Kind) any {
	switch k {
	case connectors.KindInt:
		return sql.NullInt64{}
	case connectors.KindFloat:
		return sql.NullFloat64{}
	case connectors.KindBool:
		return sql.NullBool{}
	case connectors.KindDecimal, connectors.KindText, connectors.KindJSON:
		return sql.NullString{}
	case connectors.KindBytes:
		return []byte(nil)
	case connectors.KindDate:
		return mssql.NullDate{}
	case connectors.KindDateTime:
		return mssql.NullDateTime{}
	case connectors.KindTimestamp:
		return sql.NullTime{}
	case connectors.KindTime:
		return mssql.NullTime{}
	}
	return nil
}
