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
			"float64 exact, subnormals kept; SQLite stores -0.0 as 0 (so it reads 0, and a target refuses to write -0.0: negative_zero); an integral value stored as INTEGER reads as float64 (beyond ±2^53 as int64, which a double would round); text left by REAL affinity ('NaN', '0x1p3', '12,5') reads as a string, never parsed", "real"),
		row("REAL32 (written by regflytt for real)", connectors.KindFloat, "float64 holding a float32 exactly (Bits 32)", "real32"),
		row("NUMERIC, DECIMAL(p,s), MONEY and other names of NUMERIC affinity", connectors.KindDecimal,
			"a bare NUMERIC or DECIMAL, or another name of NUMERIC affinity, is an unbounded decimal, DECIMAL(p,s) is decimal(p,s) as declared (beyond 38 digits too); NUMERIC affinity stores '12.50' and the literal 0.99 as REALs (Chinook's NUMERIC(10,2) prices), and 1e400 as +Inf: a REAL reads as the Decimal of its shortest round-trip form (0.99 reads \"0.99\", '12.50' reads \"12.5\") when that form has at most s decimals and its integer digits plus s stay within 15 (a bare NUMERIC: at most 15 significant digits), so no other decimal of the column could have been stored as the same REAL; any other REAL (0.995 in NUMERIC(10,2), 0.30000000000000004, ±Inf) reads as float64 and is refused (wrong_kind) unless the mapping casts it; integers read as Decimal (12 reads \"12\"), plain decimal text as Decimal, other text ('12,50') as a string", "numeric"),
		row("DECIMAL_TEXT(p,s) (written by regflytt for decimal)", connectors.KindDecimal, "Decimal, the text exactly as written, scale kept", "decimal_text"),
		row("TEXT, CHAR(n), VARCHAR(n), CLOB (any name containing CHAR, CLOB, TEXT)", connectors.KindText,
			"string as stored: NUL bytes, invalid UTF-8 and trailing spaces kept (targets refuse the first two); SQLite does not enforce n, so longer values read in full", "text"),
		row("BLOB, or no declared type", connectors.KindBytes,
			"[]byte; empty is not NULL; text in it reads as its bytes; an integer or real in a column without a type reads as int64 or float64", "blob"),
		row("BOOLEAN, BOOL", connectors.KindBool,
			"0 and 1 (and the text 'true'/'false', 't'/'f') read as bool; any other integer (2) as int64 and other text as a string", "boolean"),
		row("DATE", connectors.KindDate,
			"'YYYY-MM-DD' reads as Date, and so does 'YYYY-MM-DD 00:00:00[.000]' (midnight, as tools with one timestamp type write dates); '0000-00-00', '0000-01-01' and '2024-05-00' as InvalidDate (the text as stored); an integer (Unix seconds or milliseconds, a Julian day, YYYYMMDD: no way to tell) reads as int64 and a REAL (a Julian day) as float64, both refused (wrong_kind) unless the mapping reads them, e.g. date(x, \"YYYYMMDD\"); other text, a time of day other than midnight included, as a string", "date"),
		row("DATETIME(n), TIMESTAMP(n)", connectors.KindDateTime,
			"a bare DATETIME or TIMESTAMP is datetime(6), since SQLite keeps no precision; 'YYYY-MM-DD HH:MM:SS[.f]' (or with T), 'YYYY-MM-DD HH:MM' (at :00) and 'YYYY-MM-DD' (midnight) read as a zone-less LocalDateTime, never shifted (the driver's own time parsing is bypassed); a zero date, year 0 or hour 24 as InvalidDate; text with a zone suffix ('…Z') reads as a string; integers (Unix time) as int64 and REALs (Julian days) as float64, refused unless the mapping reads them", "datetime"),
		row("TIMESTAMPTZ(n) (written by regflytt for timestamptz)", connectors.KindTimestamp, "the UTC wall clock as text, read as time.Time in UTC", "timestamptz"),
		row("TIME(n)", connectors.KindTime, "a bare TIME is time(6); [-]H+:MM:SS[.f] and HH:MM (at :00) read as Duration, beyond 24 hours and negative included (a target's time of day refuses those); an integer (seconds?) reads as int64 and other text as a string", "time"),
		row("UUID", connectors.KindUUID, "the 36-character text reads as UUID; 16 bytes stored as a BLOB read as []byte", "uuid"),
		row("JSON, JSON_TEXT", connectors.KindJSON, "the text byte for byte", "json"),
	}
}
