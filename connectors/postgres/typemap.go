package postgres

import "github.com/regflytt/regflytt/connectors"

// TypeMap is PostgreSQL's part of the documented type map: how each source
// type is read into the canonical set and what happens at its edges. Each
// row's Case is a subtest of TestSourceTypes that reads edge values of the
// type from a table created with raw SQL; TestTypeMapCases fails when a
// row names no case.
func TypeMap() []connectors.TypeMapping {
	row := func(source string, kind connectors.Kind, edges, test string) connectors.TypeMapping {
		return connectors.TypeMapping{Source: source, Canonical: kind, Edges: edges, Case: "TestSourceTypes/" + test}
	}
	return []connectors.TypeMapping{
		row("smallint", connectors.KindInt, "int64; -32768 and 32767 exact", "smallint"),
		row("integer", connectors.KindInt, "int64; -2147483648 and 2147483647 exact", "integer"),
		row("bigint", connectors.KindInt, "int64; the full range exact", "bigint"),
		row("real", connectors.KindFloat, "widened exactly to float64, so its shortest text is float64's (0.1 reads as 0.10000000149011612); -0, NaN and ±Infinity kept (Fit refuses NaN and infinities in every target)", "real"),
		row("double precision", connectors.KindFloat, "float64 bit for bit: -0 keeps its sign, NaN and ±Infinity kept (Fit refuses them in targets), subnormals exact", "double"),
		row("numeric(p,s)", connectors.KindDecimal, "Decimal, exact text with the column's scale (trailing zeros kept); NaN and ±Infinity have no Decimal form and read as float64 NaN/±Inf, which every target's Fit refuses (not_finite), so a mapping archives them", "numeric_ps"),
		row("numeric", connectors.KindDecimal, "unconstrained: Type precision and scale 0 (unbounded); each value keeps the scale it was stored with; NaN/±Infinity as for numeric(p,s)", "numeric"),
		row("boolean", connectors.KindBool, "bool", "boolean"),
		row("text", connectors.KindText, "string, converted to UTF-8 by the server (client_encoding UTF8); Charset is the database encoding. A SQL_ASCII database passes bytes through unchecked, so text can be invalid UTF-8, which Fit refuses", "text"),
		row("character varying(n)", connectors.KindText, "string; Length n characters; 4-byte UTF-8 kept", "varchar"),
		row("character(n)", connectors.KindText, "string padded with spaces to n, as stored (PostgreSQL ignores the padding in comparisons, regflytt keeps it)", "char"),
		row("name", connectors.KindText, "string (at most 63 bytes)", "name"),
		row("bytea", connectors.KindBytes, "[]byte; empty is []byte{}, never nil", "bytea"),
		row("date", connectors.KindDate, "Date; infinity, -infinity and years outside 1..9999 (BC, 10000+) read as InvalidDate holding PostgreSQL's text (\"infinity\", \"0044-03-15 BC\"), which a mapping archives and a keyset scan can resume after", "date"),
		row("timestamp(n) without time zone", connectors.KindDateTime, "LocalDateTime: the stored wall clock, never shifted by any TimeZone setting; microseconds; infinity and years outside 1..9999 read as InvalidDate", "timestamp"),
		row("timestamp(n) with time zone", connectors.KindTimestamp, "time.Time in UTC (the session TimeZone is pinned to UTC); microseconds; infinity and years outside 1..9999 read as InvalidDate with PostgreSQL's text in UTC", "timestamptz"),
		row("time(n) without time zone", connectors.KindTime, "Duration from 00:00:00 to 24:00:00 inclusive; microseconds", "time"),
		row("uuid", connectors.KindUUID, "UUID, 16 bytes in RFC 4122 order", "uuid"),
		row("json", connectors.KindJSON, "JSON, byte for byte as stored (spaces, key order and duplicate keys kept)", "json"),
		row("jsonb", connectors.KindJSON, "JSON in PostgreSQL's normalised text: keys sorted (shorter first), duplicates dropped, one space after ':' and ','; the source's own spelling is already gone", "jsonb"),
		row("T[] (any array)", connectors.KindText, "string: PostgreSQL's array literal ({1,NULL,\"a b\"}, [0:1]={7,8}), exact and castable back; JSON would lose lower bounds and element types, so a mapping parses it when it needs elements", "array"),
		row("domain over T (here over integer)", connectors.KindInt, "read as its base type T, with T's kind and edges; SourceType keeps the domain's name", "domain"),
		row("interval", connectors.KindText, "string in IntervalStyle postgres (\"1 year 2 mons 3 days 04:05:06.7\"); no canonical kind holds months and days apart", "interval"),
		row("time(n) with time zone", connectors.KindText, "string with the stored offset (\"12:00:00+02\"); Duration would drop the offset", "timetz"),
		row("enum types", connectors.KindText, "string: the label", "enum"),
		row("anything else (inet, cidr, money, xml, ranges, bit, oid, citext, …)", connectors.KindText, "string: the server's text output under the pinned session settings (DateStyle ISO, IntervalStyle postgres, extra_float_digits 3, bytea_output hex, TimeZone UTC, lc_monetary C: money reads as $1,234.56 whatever the server's locale)", "other"),
	}
}
