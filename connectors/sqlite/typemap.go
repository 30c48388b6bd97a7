package sqlite

import "github.com/regflytt/regflytt/connectors"

// TypeMap is SQLite's part of the documented type map: how each declared
// type of a legacy file reads into the canonical set (TypeOf), and what
// happens at its edges. SQLite stores a value by its storage class, not
// its declared type, so most edges are values of another class than the
// column declares: they are handed up as stored, and the mapping decides.
// Each Case is a subtest of TestSourceTypes (TestTypeMapCases checks it).
func TypeMap() []connectors.TypeMapping {
	row := func(source string, kind connectors.Kind, edges, test string) connectors.TypeMapping {
		return connectors.TypeMapping{Source: source, Canonical: kind, Edges: edges, Case: "TestSourceTypes/" + test}
	}
	return []connectors.TypeMapping{
		row("INTEGER, INT, BIGINT, TINYINT(1), … (any name containing INT)", connectors.KindInt,
			"int64, the full range; text that is not a number ('abc') is kept as text by INTEGER affinity and read as a string", "integer"),
		row("BIGINT UNSIGNED (any INT name)", connectors.KindInt,
			"SQLite has no unsigned integers: a value above 9223372036854775807 is stored by SQLite itself as a REAL (18446744073709551615 becomes 1.8446744073709552e+19), so its digits are gone before regflytt reads; it reads as that float64", "unsigned"),
		row("REAL, DOUBLE, FLOAT (any name containing REAL, FLOA, DOUB)", connectors.KindFloat,
			"float64 exact, subnormals kept; SQLite stores -0.0 as 0 (so it reads 0, and a target refuses to write -0.0: negative_zero); an integral value stored as INTEGER reads as float64", "real"),
		row("REAL32 (written by regflytt for real)", connectors.KindFloat, "float64 holding a float32 exactly (Bits 32)", "real32"),
		row("NUMERIC, DECIMAL(p,s), MONEY and other names of NUMERIC affinity", connectors.KindDecimal,
			"a bare NUMERIC or DECIMAL, or another name of NUMERIC affinity, is an unbounded decimal, DECIMAL(p,s) is decimal(p,s) as declared (beyond 38 digits too); NUMERIC affinity converts '12.50' to the REAL 12.5 (and 1e400 to +Inf) when it is stored, so the scale is gone at the source: such values read as float64, integers as Decimal (12 reads \"12\"), other text as a string", "numeric"),
		row("DECIMAL_TEXT(p,s) (written by regflytt for decimal)", connectors.KindDecimal, "Decimal, the text exactly as written, scale kept", "decimal_text"),
		row("TEXT, CHAR(n), VARCHAR(n), CLOB (any name containing CHAR, CLOB, TEXT)", connectors.KindText,
			"string as stored: NUL bytes, invalid UTF-8 and trailing spaces kept (targets refuse the first two); SQLite does not enforce n, so longer values read in full", "text"),
		row("BLOB, or no declared type", connectors.KindBytes,
			"[]byte; empty is not NULL; text in it reads as its bytes; an integer or real in a column without a type reads as int64 or float64", "blob"),
		row("BOOLEAN, BOOL", connectors.KindBool,
			"0 and 1 (and the text 'true'/'false', 't'/'f') read as bool; any other integer (2) as int64 and other text as a string", "boolean"),
		row("DATE", connectors.KindDate,
			"'YYYY-MM-DD' reads as Date; '0000-00-00' and '2024-05-00' as InvalidDate; Julian-day or Unix integers as int64 and other text as a string, as stored", "date"),
		row("DATETIME(n), TIMESTAMP(n)", connectors.KindDateTime,
			"a bare DATETIME or TIMESTAMP is datetime(6), since SQLite keeps no precision; 'YYYY-MM-DD HH:MM:SS[.f]' (or with T) reads as a zone-less LocalDateTime, never shifted (the driver's own time parsing is bypassed); text with a zone suffix ('…Z') reads as a string; integers as int64", "datetime"),
		row("TIMESTAMPTZ(n) (written by regflytt for timestamptz)", connectors.KindTimestamp, "the UTC wall clock as text, read as time.Time in UTC", "timestamptz"),
		row("TIME(n)", connectors.KindTime, "a bare TIME is time(6); [-]H+:MM:SS[.f] reads as Duration, beyond 24 hours and negative included (a target's time of day refuses those)", "time"),
		row("UUID", connectors.KindUUID, "the 36-character text reads as UUID; 16 bytes stored as a BLOB read as []byte", "uuid"),
		row("JSON, JSON_TEXT", connectors.KindJSON, "the text byte for byte", "json"),
	}
}
