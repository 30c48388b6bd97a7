package archive

import (
	"bytes"
	"encoding/hex"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/regflytt/regflytt/connectors"
)

// Two ways a value is written, both exact.
//
// Natural: in its column's SQL:2008 type, in the lexical form SIARD's
// table XSDs give that type (xs:integer, xs:date, xs:hexBinary, …). Every
// value of the column's own kind that the form can hold is written so,
// and any SIARD reader shows it as it was.
//
// Raw: what the natural form cannot hold (text that is not valid UTF-8, a
// value of another kind than its column's, a date no calendar has, a MySQL
// TIME beyond a day, decimal text that is no decimal) is written as its
// kind's name and its bytes, in two companion columns of the record's
// table ("<column>#kind", "<column>#raw", hex), and the natural cell is
// left out. Nothing is ever replaced, guessed or normalised: a byte string
// and a text of the same bytes stay apart by their kind.

// valueKind names the Go type of a canonical value, for raw cells and
// values archived alone. The names are part of the package format.
func valueKind(v connectors.Value) (string, error) {
	switch v.(type) {
	case int64:
		return "int", nil
	case uint64:
		return "uint", nil
	case float64:
		return "float", nil
	case bool:
		return "boolean", nil
	case string:
		return "text", nil
	case []byte:
		return "bytes", nil
	case connectors.Decimal:
		return "decimal", nil
	case connectors.Date:
		return "date", nil
	case connectors.LocalDateTime:
		return "datetime", nil
	case time.Time:
		return "timestamp", nil
	case connectors.Duration:
		return "time", nil
	case connectors.InvalidDate:
		return "invalid_date", nil
	case connectors.UUID:
		return "uuid", nil
	case connectors.JSON:
		return "json", nil
	}
	return "", fmt.Errorf("value of type %T is not canonical", v)
}

// rawBytes gives the bytes of a non-NULL value for a raw cell: the bytes
// themselves for text, bytes, JSON, decimals and invalid dates; a text
// form that decodeRaw reads back exactly for the rest.
func rawBytes(v connectors.Value) ([]byte, error) {
	switch x := v.(type) {
	case int64:
		return strconv.AppendInt(nil, x, 10), nil
	case uint64:
		return strconv.AppendUint(nil, x, 10), nil
	case float64:
		return []byte(doubleText(x)), nil
	case bool:
		return strconv.AppendBool(nil, x), nil
	case string:
		return []byte(x), nil
	case []byte:
		return x, nil
	case connectors.Decimal:
		return []byte(x), nil
	case connectors.Date:
		return []byte(looseDate(x)), nil
	case connectors.LocalDateTime:
		return fmt.Appendf(nil, "%s %02d:%02d:%02d.%09d", looseDate(x.Date), x.Hour, x.Minute, x.Second, x.Nanosecond), nil
	case time.Time:
		u := x.UTC()
		if u.Year() < 0 || u.Year() > 9999 {
			return []byte(expandedInstant(u)), nil
		}
		return []byte(u.Format(time.RFC3339Nano)), nil
	case connectors.Duration:
		return strconv.AppendInt(nil, int64(x), 10), nil
	case connectors.InvalidDate:
		return []byte(x.Raw), nil
	case connectors.UUID:
		return []byte(x.String()), nil
	case connectors.JSON:
		return []byte(x), nil
	}
	return nil, fmt.Errorf("value of type %T is not canonical", v)
}

// looseDate writes any Date, valid or not (2023-02-30 held as a Date), so
// that decodeRaw gives back the same fields.
func looseDate(d connectors.Date) string {
	return fmt.Sprintf("%04d-%02d-%02d", d.Year, int(d.Month), d.Day)
}

func parseLooseDate(s string) (connectors.Date, error) {
	neg := strings.HasPrefix(s, "-")
	parts := strings.Split(strings.TrimPrefix(s, "-"), "-")
	if len(parts) != 3 {
		return connectors.Date{}, fmt.Errorf("not a date")
	}
	var n [3]int
	for i, p := range parts {
		v, err := strconv.Atoi(p)
		if err != nil {
			return connectors.Date{}, fmt.Errorf("not a date")
		}
		n[i] = v
	}
	if neg {
		n[0] = -n[0]
	}
	return connectors.Date{Year: n[0], Month: time.Month(n[1]), Day: n[2]}, nil
}

// expandedInstant writes an instant whose UTC year is outside 0-9999,
// which RFC 3339 cannot (PostgreSQL's timestamptz reaches 4713 BC and
// 294276 AD): ISO 8601's expanded form, a signed year of four or more
// digits, with every fraction digit. time.Format writes such years in a
// form time.Parse refuses.
func expandedInstant(u time.Time) string {
	return fmt.Sprintf("%+05d-%02d-%02dT%02d:%02d:%02d.%09dZ", u.Year(), int(u.Month()), u.Day(), u.Hour(), u.Minute(), u.Second(), u.Nanosecond())
}

// parseExpandedInstant reads what expandedInstant writes, and nothing
// else: the instant must write back to exactly s.
func parseExpandedInstant(s string) (time.Time, bool) {
	at := strings.IndexByte(s[1:], '-') + 1
	if at < 1 {
		return time.Time{}, false
	}
	year, err := strconv.Atoi(s[:at])
	if err != nil {
		return time.Time{}, false
	}
	var mo, d, h, mi, sec, ns int
	if _, err := fmt.Sscanf(s[at:], "-%02d-%02dT%02d:%02d:%02d.%09dZ", &mo, &d, &h, &mi, &sec, &ns); err != nil {
		return time.Time{}, false
	}
	t := time.Date(year, time.Month(mo), d, h, mi, sec, ns, time.UTC)
	return t, expandedInstant(t) == s
}

// decodeRaw is the inverse of valueKind and rawBytes: it reads only the
// bytes rawBytes gives a value of that kind. Parsing is laxer ("+7", "1"
// for true, an offset for the Z), and bytes edited so would read as the
// value archived while a SIARD tool shows others.
func decodeRaw(kind string, b []byte) (connectors.Value, error) {
	v, err := parseRaw(kind, b)
	if err != nil {
		return nil, err
	}
	w, werr := rawBytes(v)
	k, kerr := valueKind(v)
	if kind == "float" && goInfinity(b) {
		// A package written before raw doubles were spelled as SIARD's
		// xs:double (INF) holds Go's spelling: still the same value.
		w = b
	}
	if werr != nil || kerr != nil || k != kind || !bytes.Equal(w, b) {
		return nil, fmt.Errorf("raw value of kind %s is not in the form regflytt writes it in", kind)
	}
	return v, nil
}

// parseRaw reads a raw value of a kind, as decodeRaw before its check of
// the form.
func parseRaw(kind string, b []byte) (connectors.Value, error) {
	s := string(b)
	bad := func() (connectors.Value, error) {
		return nil, fmt.Errorf("raw value of kind %s does not parse", kind)
	}
	switch kind {
	case "int":
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return bad()
		}
		return n, nil
	case "uint":
		n, err := strconv.ParseUint(s, 10, 64)
		if err != nil {
			return bad()
		}
		return n, nil
	case "float":
		f, err := strconv.ParseFloat(s, 64)
		if err != nil && !isRangeErr(err) {
			return bad()
		}
		return f, nil
	case "boolean":
		v, err := strconv.ParseBool(s)
		if err != nil {
			return bad()
		}
		return v, nil
	case "text":
		return s, nil
	case "bytes":
		return append(make([]byte, 0, len(b)), b...), nil
	case "decimal":
		return connectors.Decimal(s), nil
	case "date":
		d, err := parseLooseDate(s)
		if err != nil {
			return bad()
		}
		return d, nil
	case "datetime":
		ds, clock, ok := strings.Cut(s, " ")
		d, err := parseLooseDate(ds)
		var h, m, sec, ns int
		if _, err2 := fmt.Sscanf(clock, "%d:%d:%d.%d", &h, &m, &sec, &ns); !ok || err != nil || err2 != nil {
			return bad()
		}
		return connectors.LocalDateTime{Date: d, Hour: h, Minute: m, Second: sec, Nanosecond: ns}, nil
	case "timestamp":
		if strings.HasPrefix(s, "+") || strings.HasPrefix(s, "-") {
			t, ok := parseExpandedInstant(s)
			if !ok {
				return bad()
			}
			return t, nil
		}
		t, err := time.Parse(time.RFC3339Nano, s)
		if err != nil {
			return bad()
		}
		return t.UTC(), nil
	case "time":
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return bad()
		}
		return connectors.Duration(n), nil
	case "invalid_date":
		return connectors.InvalidDate{Raw: s}, nil
	case "uuid":
		u, err := connectors.ParseUUID(s)
		if err != nil {
			return bad()
		}
		return u, nil
	case "json":
		return connectors.JSON(s), nil
	}
	return nil, fmt.Errorf("raw value of unknown kind %q", kind)
}

// doubleText writes a double as the content XML's xs:double cells, raw
// cells and the CSV extract all do: the shortest digits that read back
// as it (-0 keeps its sign), and SIARD's INF, -INF and NaN, not Go's
// +Inf and -Inf, so that the package and an extract of it spell a value
// alike and a filter names it one way.
func doubleText(x float64) string {
	switch {
	case math.IsNaN(x):
		return "NaN"
	case math.IsInf(x, 1):
		return "INF"
	case math.IsInf(x, -1):
		return "-INF"
	}
	return strconv.FormatFloat(x, 'g', -1, 64)
}

// goInfinity reports Go's spelling of an infinite double, which raw cells
// held before they were written as doubleText.
func goInfinity(b []byte) bool {
	return string(b) == "+Inf" || string(b) == "-Inf"
}

func isRangeErr(err error) bool {
	ne, ok := err.(*strconv.NumError)
	return ok && ne.Err == strconv.ErrRange
}

// sqlType is how a source column is declared in metadata.xml and its
// table XSD.
type sqlType struct {
	// SQL is the SQL:2008 predefined type; XSD the cell's type in the
	// table schema.
	SQL, XSD string
	// LOB: large values of the column may live in files of their own.
	LOB bool
}

// The types of the columns regflytt adds beside the source's own: the
// outcome and values tables' codes, their free text, and row numbers.
var (
	codeType      = sqlType{SQL: "VARCHAR(200)", XSD: "xs:string"}
	textType      = sqlType{SQL: "CLOB", XSD: "clobType"}
	rowNumberType = sqlType{SQL: "BIGINT", XSD: "xs:integer"}
)

// columnSQLType gives the SQL:2008 type of a canonical column type. A
// float column of any width is DOUBLE PRECISION: a value archived from a
// real column may be a double that float32 cannot hold (that is often
// why it was archived), and xs:float would round it.
func columnSQLType(t connectors.Type) sqlType {
	switch t.Kind {
	case connectors.KindInt:
		switch {
		case t.Bits == 64 && t.Unsigned:
			return sqlType{SQL: "DECIMAL(20)", XSD: "xs:integer"}
		case t.Bits == 64 || (t.Bits == 32 && t.Unsigned) || t.Bits == 0:
			return sqlType{SQL: "BIGINT", XSD: "xs:integer"}
		case t.Bits <= 16 && !(t.Bits == 16 && t.Unsigned):
			return sqlType{SQL: "SMALLINT", XSD: "xs:integer"}
		}
		return sqlType{SQL: "INTEGER", XSD: "xs:integer"}
	case connectors.KindFloat:
		return sqlType{SQL: "DOUBLE PRECISION", XSD: "xs:double"}
	case connectors.KindDecimal:
		// decimalType is xs:decimal's lexical space as a pattern: libxml2's
		// xs:decimal holds at most 24 digits, and DECIMAL(38) is common.
		if p, s, ok := decimalBounds(t); ok {
			return sqlType{SQL: fmt.Sprintf("DECIMAL(%d,%d)", p, s), XSD: "decimalType"}
		}
		return sqlType{SQL: "DECIMAL", XSD: "decimalType"}
	case connectors.KindBool:
		return sqlType{SQL: "BOOLEAN", XSD: "xs:boolean"}
	case connectors.KindBytes:
		if t.Length > 0 {
			return sqlType{SQL: fmt.Sprintf("VARBINARY(%d)", t.Length), XSD: "xs:hexBinary"}
		}
		return sqlType{SQL: "BLOB", XSD: "blobType", LOB: true}
	case connectors.KindDate:
		return sqlType{SQL: "DATE", XSD: "dateType"}
	case connectors.KindDateTime:
		return sqlType{SQL: fmt.Sprintf("TIMESTAMP(%d)", t.Precision), XSD: "dateTimeType"}
	case connectors.KindTimestamp:
		return sqlType{SQL: fmt.Sprintf("TIMESTAMP WITH TIME ZONE(%d)", t.Precision), XSD: "dateTimeType"}
	case connectors.KindTime:
		if t.Precision > 0 {
			return sqlType{SQL: fmt.Sprintf("TIME(%d)", t.Precision), XSD: "timeType"}
		}
		return sqlType{SQL: "TIME", XSD: "timeType"}
	case connectors.KindUUID:
		return sqlType{SQL: "CHAR(36)", XSD: "xs:string"}
	case connectors.KindText:
		if t.Length > 0 {
			return sqlType{SQL: fmt.Sprintf("VARCHAR(%d)", t.Length), XSD: "xs:string"}
		}
	}
	// Text without a bound, JSON, and any kind this version does not know.
	return sqlType{SQL: "CLOB", XSD: "clobType"}
}

// decimalBounds gives the SQL:2008 precision and scale of a DECIMAL that
// holds every value of a bounded decimal type: its own, but for
// PostgreSQL's negative scale (numeric(5,-2) holds 1234500, DECIMAL(7,0))
// and a scale above the precision (numeric(2,5) holds 0.00012,
// DECIMAL(5,5)), which SQL:2008 and metadata.xsd have no form for.
// ok is false for an unbounded decimal.
func decimalBounds(t connectors.Type) (p, s int, ok bool) {
	if t.Precision <= 0 {
		return 0, 0, false
	}
	s = max(t.Scale, 0)
	return max(t.Precision-t.Scale, 0) + s, s, true
}

// declaredDecimal reads the DECIMAL(p,s) metadata.xml declares an
// unbounded decimal column of type t (declareDecimals); ok is false for
// any other column or declaration.
func declaredDecimal(t connectors.Type, sql string) (p, s int, ok bool) {
	if _, _, bounded := decimalBounds(t); bounded || t.Kind != connectors.KindDecimal {
		return 0, 0, false
	}
	args, found := strings.CutPrefix(sql, "DECIMAL(")
	if args, found = strings.CutSuffix(args, ")"); !found {
		return 0, 0, false
	}
	ps, ss, _ := strings.Cut(args, ",")
	p, err1 := strconv.Atoi(ps)
	s, err2 := strconv.Atoi(ss)
	if err1 != nil || err2 != nil || p < 1 || s < 0 || s > p || fmt.Sprintf("DECIMAL(%d,%d)", p, s) != sql {
		return 0, 0, false
	}
	return p, s, true
}

// holds says whether the SQL:2008 type metadata.xml declares for a column
// of type t (columnSQLType) holds v, a value of t's kind. A SQLite column
// holds what its declaration does not bound (VARCHAR(4) holds 'abcde',
// NUMERIC(5,2) the integer 123456789, DATETIME(0) '10:00:00.5'): written
// in its natural cell, a SIARD tool creates the column as declared and
// truncates or refuses the value, where the package had passed every
// check. Such a value is written raw.
func holds(t connectors.Type, v connectors.Value) bool {
	switch t.Kind {
	case connectors.KindInt:
		switch x := v.(type) {
		case int64:
			switch columnSQLType(t).SQL {
			case "SMALLINT":
				return x >= math.MinInt16 && x <= math.MaxInt16
			case "INTEGER":
				return x >= math.MinInt32 && x <= math.MaxInt32
			}
			return true
		case uint64:
			return columnSQLType(t).SQL == "DECIMAL(20)"
		}
	case connectors.KindDecimal:
		x, _ := v.(connectors.Decimal)
		intDigits, fracDigits, ok := connectors.DecimalDigits(x)
		if p, s, bounded := decimalBounds(t); ok && bounded {
			return intDigits <= p-s && fracDigits <= s
		}
		return ok
	case connectors.KindText:
		x, _ := v.(string)
		return t.Length <= 0 || utf8.RuneCountInString(x) <= t.Length
	case connectors.KindBytes:
		x, _ := v.([]byte)
		return t.Length <= 0 || len(x) <= t.Length
	case connectors.KindDateTime:
		x, _ := v.(connectors.LocalDateTime)
		return x.Nanosecond%fracUnit(t.Precision) == 0
	case connectors.KindTimestamp:
		x, _ := v.(time.Time)
		return x.Nanosecond()%fracUnit(t.Precision) == 0
	case connectors.KindTime:
		x, _ := v.(connectors.Duration)
		return int64(x)%int64(fracUnit(t.Precision)) == 0
	}
	return true
}

// fracUnit is the nanoseconds of the last fractional-second digit of a
// TIME(p) or TIMESTAMP(p).
func fracUnit(p int) int {
	unit := 1_000_000_000
	for i := 0; i < min(max(p, 0), 9); i++ {
		unit /= 10
	}
	return unit
}

// naturalText gives the SIARD lexical form of v in a column of type t,
// unescaped, or ok false when that form, or the SQL:2008 type declared
// for the column, cannot hold v exactly. Bytes are handled by the caller
// (hex or a LOB file).
func naturalText(t connectors.Type, v connectors.Value) (string, bool) {
	if connectors.KindOf(v) == t.Kind && !holds(t, v) {
		return "", false
	}
	return naturalForm(t.Kind, v)
}

// naturalForm is naturalText without the declared type's bounds: the
// lexical form of v in a column of kind k.
func naturalForm(k connectors.Kind, v connectors.Value) (string, bool) {
	switch k {
	case connectors.KindInt:
		switch x := v.(type) {
		case int64:
			return strconv.FormatInt(x, 10), true
		case uint64:
			// Canonical only above MaxInt64; below it the natural cell
			// would read back as int64, so it is kept raw.
			if x > math.MaxInt64 {
				return strconv.FormatUint(x, 10), true
			}
		}
	case connectors.KindFloat:
		if x, ok := v.(float64); ok {
			return doubleText(x), true
		}
	case connectors.KindDecimal:
		if x, ok := v.(connectors.Decimal); ok {
			if _, _, valid := connectors.DecimalDigits(x); valid {
				return string(x), true
			}
		}
	case connectors.KindBool:
		if x, ok := v.(bool); ok {
			return strconv.FormatBool(x), true
		}
	case connectors.KindDate:
		if x, ok := v.(connectors.Date); ok && x.Valid() && !firstDay(x) {
			return x.String(), true
		}
	case connectors.KindDateTime:
		if x, ok := v.(connectors.LocalDateTime); ok && x.Valid() && !firstDay(x.Date) {
			return strings.Replace(x.String(), " ", "T", 1), true
		}
	case connectors.KindTimestamp:
		if x, ok := v.(time.Time); ok {
			u := x.UTC()
			if u.Year() >= 1 && u.Year() <= 9999 {
				return u.Format("2006-01-02T15:04:05.999999999Z"), true
			}
		}
	case connectors.KindTime:
		if x, ok := v.(connectors.Duration); ok && x >= 0 && time.Duration(x) < 24*time.Hour {
			return x.String(), true
		}
	case connectors.KindUUID:
		if x, ok := v.(connectors.UUID); ok {
			return x.String(), true
		}
	case connectors.KindJSON:
		if x, ok := v.(connectors.JSON); ok && utf8.ValidString(string(x)) {
			return string(x), true
		}
	case connectors.KindBytes:
		// Only []byte, which the caller writes as hex or a LOB file.
	default: // text, and kinds read as text
		if x, ok := v.(string); ok && utf8.ValidString(x) {
			return x, true
		}
	}
	return "", false
}

// firstDay is 0001-01-01, which SIARD's dateType and dateTimeType bound
// with a zone ("0001-01-01Z"): xmllint finds a zone-less value within a
// day of it indeterminate and refuses it, so it is written raw.
func firstDay(d connectors.Date) bool { return d.Year == 1 && d.Month == 1 && d.Day == 1 }

// parseNatural reads a natural cell's unescaped text back into the value
// naturalText wrote.
func parseNatural(k connectors.Kind, s string) (connectors.Value, error) {
	switch k {
	case connectors.KindInt:
		if n, err := strconv.ParseInt(s, 10, 64); err == nil {
			return n, nil
		}
		u, err := strconv.ParseUint(s, 10, 64)
		if err != nil {
			return nil, fmt.Errorf("not an integer")
		}
		return u, nil
	case connectors.KindFloat:
		f, err := strconv.ParseFloat(s, 64)
		if err != nil && !isRangeErr(err) {
			return nil, fmt.Errorf("not a double")
		}
		return f, nil
	case connectors.KindDecimal:
		// naturalText writes a decimal only in this form; any other text
		// in the cell is no value the writer wrote.
		if _, _, ok := connectors.DecimalDigits(connectors.Decimal(s)); !ok {
			return nil, fmt.Errorf("not a decimal")
		}
		return connectors.Decimal(s), nil
	case connectors.KindBool:
		switch s {
		case "true", "1":
			return true, nil
		case "false", "0":
			return false, nil
		}
		return nil, fmt.Errorf("not a boolean")
	case connectors.KindBytes:
		b, err := hex.DecodeString(s)
		if err != nil {
			return nil, fmt.Errorf("not hex")
		}
		return b, nil
	case connectors.KindDate:
		v, err := connectors.ParseDateText(s)
		if _, ok := v.(connectors.Date); !ok || err != nil {
			return nil, fmt.Errorf("not a date")
		}
		return v, nil
	case connectors.KindDateTime:
		v, err := connectors.ParseDateTimeText(s)
		if _, ok := v.(connectors.LocalDateTime); !ok || err != nil {
			return nil, fmt.Errorf("not a datetime")
		}
		return v, nil
	case connectors.KindTimestamp:
		t, err := time.Parse(time.RFC3339Nano, s)
		if err != nil {
			return nil, fmt.Errorf("not a timestamp")
		}
		return t.UTC(), nil
	case connectors.KindTime:
		return connectors.ParseDurationText(s)
	case connectors.KindUUID:
		return connectors.ParseUUID(s)
	case connectors.KindJSON:
		return connectors.JSON(s), nil
	}
	return s, nil
}

// escapeText applies SIARD's escapes to text that XML cannot carry as it
// is: a backslash becomes \u005C, and every character XML 1.0 forbids or
// a parser would change (C0 controls but tab and newline, carriage return,
// U+FFFE, U+FFFF) becomes \uXXXX. The result still needs XML escaping of
// & and <. s must be valid UTF-8.
func escapeText(s string) string {
	clean := true
	for _, r := range s {
		if needsEscape(r) {
			clean = false
			break
		}
	}
	if clean {
		return s
	}
	var b strings.Builder
	for _, r := range s {
		if needsEscape(r) {
			fmt.Fprintf(&b, `\u%04X`, r)
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

func needsEscape(r rune) bool {
	return r == '\\' || (r < 0x20 && r != '\t' && r != '\n') || r == 0xFFFE || r == 0xFFFF
}

// unescapeText undoes escapeText.
func unescapeText(s string) (string, error) {
	if !strings.Contains(s, `\`) {
		return s, nil
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] != '\\' {
			b.WriteByte(s[i])
			continue
		}
		if i+6 > len(s) || s[i+1] != 'u' {
			return "", fmt.Errorf("a backslash that is not a \\uXXXX escape")
		}
		n, err := strconv.ParseUint(s[i+2:i+6], 16, 32)
		if err != nil {
			return "", fmt.Errorf("a bad \\uXXXX escape")
		}
		// Only what escapeText writes: an escaped surrogate (\uD800) was
		// written as U+FFFD by WriteRune, and read as a text a SIARD tool
		// does not show.
		if r := rune(n); !needsEscape(r) || fmt.Sprintf("%04X", r) != s[i+2:i+6] {
			return "", fmt.Errorf("a \\uXXXX escape regflytt does not write")
		}
		b.WriteRune(rune(n))
		i += 5
	}
	return b.String(), nil
}
