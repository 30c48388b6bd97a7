package sqlserver

import "github.com/regflytt/regflytt/connectors"

// TypeMap is SQL Server's documented type map: how each source type is
// read, and what happens at its edges. Case names the test that covers the
// row ("TestDecode/money" is the case named "money" in TestDecode);
// TestTypeMapCases fails when one is missing. Cases starting with
// TestServer run only against a server (REGFLYTT_TEST_MSSQL).
func TypeMap() []connectors.TypeMapping {
	k := func(source string, kind connectors.Kind, edges, test string) connectors.TypeMapping {
		return connectors.TypeMapping{Source: source, Canonical: kind, Edges: edges, Case: test}
	}
	return []connectors.TypeMapping{
		k("bigint", connectors.KindInt, "exact", "TestDecode/bigint"),
		k("int", connectors.KindInt, "exact", "TestDecode/int"),
		k("smallint", connectors.KindInt, "exact; with CHECK (c >= -128 AND c <= 127) it is the canonical signed tinyint this connector writes", "TestRefineType/signed tinyint"),
		k("tinyint", connectors.KindInt, "unsigned 0..255 (canonical tinyint unsigned)", "TestDecode/tinyint"),
		k("bit", connectors.KindBool, "exact", "TestDecode/bit"),
		k("decimal(p,s), numeric(p,s)", connectors.KindDecimal, "exact text with the column's scale, p up to 38", "TestDecode/decimal"),
		k("money", connectors.KindDecimal, "decimal(19,4), exact", "TestDecode/money"),
		k("smallmoney", connectors.KindDecimal, "decimal(10,4), exact", "TestDecode/smallmoney"),
		k("float", connectors.KindFloat, "exact; subnormals and NaN/infinities are refused on write", "TestDecode/float"),
		k("real", connectors.KindFloat, "float32 widened exactly (Bits 32)", "TestDecode/real"),
		k("char(n), varchar(n|max), text COLLATE c", connectors.KindText, "read through CAST(… AS nvarchar) so the server decodes the code page, UTF-8 collations included; Charset cpNNNN or utf8", "TestScanQuery/code page text"),
		k("nchar(n), nvarchar(n|max), ntext, sysname", connectors.KindText, "UTF-16 decoded by the driver; an unpaired surrogate becomes U+FFFD (not detectable here); written as nvarchar(2n)", "TestDecode/nvarchar"),
		k("xml", connectors.KindText, "the server's serialisation, as text", "TestDecode/xml"),
		k("nvarchar(max) with CHECK (ISJSON(c) = 1)", connectors.KindJSON, "text kept as stored; only objects and arrays are written (ISJSON before SQL Server 2022)", "TestRefineType/json"),
		k("json (SQL Server 2025)", connectors.KindJSON, "arrives as nvarchar(max); not tested against a 2025 server", "TestTypeOf/json"),
		k("binary(n), varbinary(n|max), image", connectors.KindBytes, "exact; empty is not NULL", "TestDecode/varbinary"),
		k("timestamp, rowversion", connectors.KindBytes, "binary(8)", "TestTypeOf/timestamp"),
		k("hierarchyid, geometry, geography", connectors.KindBytes, "the CLR serialisation, raw", "TestDecode/hierarchyid"),
		k("date", connectors.KindDate, "0001-01-01..9999-12-31", "TestDecode/date"),
		k("datetime", connectors.KindDateTime, "1/300 s ticks, read as milliseconds .000/.003/.007 as SQL Server prints them (a one-to-one mapping); zone-less", "TestDecode/datetime"),
		k("smalldatetime", connectors.KindDateTime, "whole minutes; zone-less", "TestDecode/smalldatetime"),
		k("datetime2(n)", connectors.KindDateTime, "100 ns exact (precision 7 kept); zone-less", "TestDecode/datetime2"),
		k("datetimeoffset(n)", connectors.KindTimestamp, "the instant in UTC; the stored offset is not kept; written with offset +00:00", "TestDecode/datetimeoffset"),
		k("time(n)", connectors.KindTime, "00:00:00..23:59:59.9999999; canonical 24:00:00 is refused on write", "TestDecode/time"),
		k("uniqueidentifier", connectors.KindUUID, "first three groups reordered from SQL Server's little-endian storage to RFC 4122", "TestUUIDByteOrder"),
		k("sql_variant", connectors.KindText, "read when it holds text; any other base type is an error asking for a view with a CAST", "TestDecode/sql_variant text"),
	}
}
