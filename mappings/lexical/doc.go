// Package lexical reads the lexical forms legacy registry values are
// stored in: dates and datetimes in many layouts, MariaDB's zero dates,
// decimals with a decimal comma, integers, Latin-1 and Windows-1252 bytes,
// and text garbled by a wrong charset conversion. It is the room behind
// the mapping language's built-in functions that parse and repair values.
//
// Neighbours: package mappings calls it, one value at a time; it returns
// the canonical values of package connectors (connectors.Date,
// connectors.LocalDateTime, connectors.Decimal, connectors.InvalidDate),
// and it knows nothing of databases, rows, tables or columns. The caller
// knows where a value came from and adds that to an error; this package's
// errors (*Error, with a Kind) never contain the value itself, because
// values are personal data.
//
// # Determinism
//
// Every function is a pure function of its arguments: no time.Now (so no
// "current century" for two-digit years), no locale, no environment, no
// shared mutable state. A mapping applied twice, on another machine or a
// year later by verify, must give the same bytes; a parser that consulted
// the clock or the locale would make verification fail for reasons that
// have nothing to do with the data. For the same reason nothing guesses:
// an ambiguous value is an error whose Kind a mapping can turn into an
// archive reason.
//
// No function panics, whatever its input; the parsers are fuzzed.
//
// # Date layouts
//
// A layout is a pattern in a small token language, chosen to read like
// the formats people write in documentation rather than like Go's
// reference time. Fields (case matters):
//
//	YYYY       year, exactly 4 digits (0001..9999)
//	MM         month, exactly 2 digits      M   month, 1 or 2 digits
//	DD         day, exactly 2 digits        D   day, 1 or 2 digits
//	HH         hour 00..23, 2 digits        H   hour, 1 or 2 digits
//	mm         minute, 2 digits
//	ss         second, 2 digits (no leap second 60)
//	.f … .fffffffff
//	           an optional fraction of a second right after ss: when the
//	           value has '.' and a digit there, 1 up to as many digits as
//	           there are f; when it has neither, the fraction is zero.
//	           ",fff" is the same with a decimal comma.
//
// Anything else is a literal that must appear as it is: printable ASCII
// punctuation and space, and the letter T (for ISO 8601's "2024-05-01T13:45").
// Other letters and digits are refused, so that a typo such as "hh" or
// "YYY" fails CheckLayout instead of silently matching nothing. A field
// may appear once; a layout needs a year, a month and a day; mm needs an
// hour and ss needs mm. A variable-width field (M, D, H, a fraction) must
// be followed by a literal or the end, because "DMYYYY" cannot be read
// without guessing.
//
// Two-digit years (YY) are not supported: "24" is 1924 or 2024 depending
// on a pivot that differs between systems and over time, and a registry
// holding birth dates has both. A mapping that must read them converts
// explicitly, with its own documented rule.
//
// Examples: "YYYY-MM-DD", "YYYYMMDD", "DD.MM.YYYY", "D/M/YYYY",
// "DD/MM/YYYY", "YYYY-MM-DD HH:mm:ss", "YYYY-MM-DDTHH:mm:ss.ffffff",
// "YYYY-MM-DD HH:mm:ss,fff".
//
// Every layout is tried; the layouts that give a real date must give the
// same one, else the value is KindAmbiguousDate. A value that has a layout's shape but names no date is reported with the
// first such layout, as KindZeroDate (every field zero: "0000-00-00",
// "0000-00-00 00:00:00") or KindInvalidDate ("2024-05-00", "2023-02-30",
// "2024-01-01 24:00:00"); a value with no layout's shape is KindNoLayout.
// AsInvalidDate turns the first two into connectors.InvalidDate for the
// archive. ParsePartialDate reads the same layouts but lets a zero day,
// or a zero month and day, through: "2019-05-00" is May 2019, given as
// its first day with PrecisionMonth. Listing both "DD/MM/YYYY" and
// "MM/DD/YYYY" reads "13/02/2024" and "02/13/2024", and refuses
// "01/02/2024": the first layout used to decide it, a guess no archive
// would show.
//
// # Numbers
//
// ParseDecimal takes both the SQL form ("12.5") and the Swedish form
// ("12,5", "1 234,5") and gives the canonical plain text of
// connectors.Decimal; it refuses values whose decimal mark is ambiguous.
// ParseInt reads a plain integer.
//
// # Text
//
// DecodeWindows1252 and DecodeLatin1 decode single-byte text, and
// DecodeUTF8OrWindows1252 bytes of either; RepairMojibake undoes one round
// of UTF-8 read as Windows-1252 and RepairText every round, refusing text
// garbled in part only; TrimSpace
// trims white space including U+00A0 and the byte order mark; and
// InvalidUTF8Offset says where a value stops being UTF-8.
package lexical
