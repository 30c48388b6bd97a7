// Package sqlserver is regflytt's connector for Microsoft SQL Server (2016
// and later, Azure SQL Database and Managed Instance) through the pure-Go
// driver github.com/microsoft/go-mssqldb. It is one of the dialect rooms
// below connectors, beside sqlite, postgres and mysql; connectors/all
// lists it, and like them it knows nothing of plans, mappings,
// verification or archives. Its sub-package mstest gives the integration
// tests a database of their own.
//
// # URL
//
//	sqlserver://user:password@host:1433?database=Registry
//	sqlserver://user:password@host/INSTANCE?database=Registry&schema=reg
//	env:REGFLYTT_SOURCE   (a variable holding one of the above)
//
// The URL is go-mssqldb's own form (msdsn/conn_str.go); mssql:// is read
// as sqlserver://. Parameters:
//
//	parameter          default    meaning
//	database           required   the database; the login's default is never relied on
//	schema             dbo        regflytt's own: the schema tables are read from and
//	                              created in; removed before the driver sees the URL
//	bulk_copy          on         regflytt's own: off writes with INSERTs instead of
//	                              the bulk copy; removed before the driver sees the URL
//	ApplicationIntent  -          a source always connects with ReadOnly (whatever
//	                              the URL says), so that an availability group can
//	                              route it to a readable secondary; passed on for targets
//	app name           regflytt   shows in sys.dm_exec_sessions, so a DBA sees who reads
//	encrypt, TrustServerCertificate, certificate, hostNameInCertificate,
//	dial timeout, connection timeout, and every other driver parameter
//	                   driver's   passed on unchanged
//	timezone           refused    the driver builds datetime values in that zone, which
//	                              moves a wall clock that falls in a daylight-saving gap
//	guid conversion    refused    regflytt reorders uniqueidentifier bytes itself
//
// Keys are case-insensitive, as the driver treats them; a key given twice
// is an error. The password, in the URL's user part or as password=, is
// never printed: locations are shown through connectors.Redact, and every
// error that may carry driver text passes through connectors.Scrub with
// the password in its decoded and URL-encoded spellings.
//
// # Reading: snapshot isolation, read only
//
// Snapshot begins SET TRANSACTION ISOLATION LEVEL SNAPSHOT; BEGIN
// TRANSACTION on a connection of its own, reads straight away (a snapshot's
// version is fixed by its first read, not by BEGIN), issues only SELECTs,
// and always ends in ROLLBACK. The database must allow it, once, by a DBA:
//
//	ALTER DATABASE [Registry] SET ALLOW_SNAPSHOT_ISOLATION ON;
//
// It does not change how the registry's own sessions read; it keeps row
// versions (in tempdb, or the persistent version store under accelerated
// database recovery) for as long as a snapshot is open. Without it
// Snapshot fails with ErrSnapshotIsolationOff and prints that command.
//
// SQL Server has no read-only session: OpenSource refuses Create and Begin
// with connectors.ErrReadOnly and only ever sends SELECTs, and
// ApplicationIntent=ReadOnly is a routing hint, not a guard. Give the
// source login db_datareader and VIEW DEFINITION on the database and
// nothing more, so that a write is impossible rather than merely absent
// from the code.
//
// # Row-level security and the catalogue's scope
//
// A security policy's enabled FILTER predicate leaves out of every read
// and count of its table the rows it rejects for the reading login, and
// SQL Server has no session switch that makes such a read fail: a source's read
// (Count, Scan, CountNonNull, Checksum, RecordHashes) of such a table is
// refused with ErrRowFilter, naming the table and the policy, and so is
// every read by a login that cannot see the database's security policies
// (without VIEW DEFINITION on the database or ALTER ANY SECURITY POLICY).
// See rls.go for why no exemption is read from the catalogue.
// CatalogueLimited (connectors.CatalogueScopeChecker) reports a catalogue
// limited unless the login has VIEW DEFINITION on the schema read, which
// shows every table's metadata whatever it may read (scope.go). Neither
// has been run against a server.
//
// Scan reads keyset batches with SELECT TOP (n) … ORDER BY key and an
// expanded keyset condition (SQL Server has no row-value comparison); see
// Dialect.ScanQuery for why code-page text is converted by the server and
// why each key parameter is cast to its column's type.
//
// # Types
//
// TypeMap lists how each source type is read; TypeOf maps the type text.
// Writing, each canonical type gets (Dialect.ColumnType, CreateTable):
//
//	tinyint            smallint + CHECK (c >= -128 AND c <= 127)  (SQL Server's tinyint is 0..255)
//	tinyint unsigned   tinyint
//	smallint           smallint
//	smallint unsigned  int + CHECK 0..65535
//	mediumint [uns.]   int + CHECK of its range
//	integer            int
//	integer unsigned   bigint + CHECK 0..4294967295
//	bigint             bigint
//	bigint unsigned    refused: no SQL Server type holds it as an integer
//	real, double       real, float(53)
//	decimal(p,s)       decimal(p,s), p up to 38
//	boolean            bit
//	varchar(n), text   nvarchar(2n) (nvarchar(max) past 2000), nvarchar(max): nvarchar
//	                   counts UTF-16 code units and a character outside the BMP takes two;
//	                   COLLATE Latin1_General_100_BIN2, not the database's default
//	                   (usually case-insensitive), so 'ABC' and 'abc' are two keys
//	varbinary(n), bytes varbinary(n) (max past 8000), varbinary(max)
//	date               date
//	datetime(f)        datetime2(f)
//	timestamptz(f)     datetimeoffset(f), written with offset +00:00
//	time(f)            time(f); 24:00:00 is refused (time ends at 23:59:59.9999999)
//	uuid               uniqueidentifier
//	json               nvarchar(max) + CHECK (ISJSON(c) = 1); top-level scalars are
//	                   refused before writing, because ISJSON without a type argument
//	                   (all versions before 2022) accepts only an object or an array
//
// The catalogue reads the CHECKs back, so a table this connector created
// has the same canonical types when read. A receiving table that exists
// is compared with the declared one (connectors.CompareTable, with
// CheckExisting and CheckCollation here), and a snapshot's
// CheckExistingTables finds what the catalogue does not read: an index
// WITH (IGNORE_DUP_KEY = ON), a filtered unique index, a trigger.
//
// Keyset reads of a source compare keys on the server only: ORDER BY
// and the WHERE that continues after a page or a resume position run in
// the key column's own collation (an nvarchar parameter's default
// collation yields to the column's; code-page text gets it by COLLATE),
// so a key unique under that collation, as a primary key is, pages
// without skipping or repeating a row whether or not it is
// case-insensitive. Where Go compares keys (a form store's merge of
// entities and values, a select:'s order) it checks the server's order
// and stops at the first key out of it. Dialect.CheckValue names what
// SQL Server cannot hold of what Type.Fit allows, each with a rule of
// connectors' list: 24:00:00 (time_range), integers above
// 9223372036854775807 (int_range), subnormal floats, outside SQL Server's
// documented float range (subnormal_float), -0.0 until a server shows it
// kept (negative_zero), and JSON text ISJSON would refuse (invalid_json).
//
// Tx.Write loads a batch with the driver's bulk copy (mssql.CopyIn, see
// bulk.go) with CHECK_CONSTRAINTS, KEEP_NULLS and FIRE_TRIGGERS, so that
// it keeps an INSERT's rules, after checking and converting the whole
// batch, so a value that does not fit sends nothing. The bulk copy reads
// the target's column metadata from the server before it encodes a row,
// so it has NOT been run: its statement and each value's bulk form are
// tested here. With ?bulk_copy=off in the URL (regflytt's own parameter,
// removed before the driver sees it) Tx.Write sends multi-row INSERT …
// VALUES statements of at most 1000 rows and 2000 parameters instead.
//
// Scan by a key other than the primary key (a form store's values read
// by entity) reads one ordered query (Dialect.OrderedScanQuery) on a
// connection and snapshot transaction of its own, streamed page by page
// (connectors.NewStreamRows), instead of keyset pages that would each
// sort the table.
//
// # What is tested where
//
// Without a server (go test ./connectors/sqlserver/...): the SQL text of
// quoting, keyset batches with one to three key columns, the typed scan
// query and its streamed (ordered, no TOP) form, CREATE TABLE for every
// canonical kind and INSERT; the bulk copy's statement and options and
// each canonical value's bulk form; TypeOf for
// every sys.types name; the catalogue's assembly and CHECK recognition;
// decode fed with the Go values the driver returns for each type; the
// uniqueidentifier byte order, against SQL Server's documented example and
// the driver's own UniqueIdentifier; the driver types encode binds; that
// Write refuses a batch before sending anything; the DSN, parsed by the
// driver's own msdsn.Parse; password scrubbing, including through a real
// connection attempt to a closed port.
//
// Verified only by reading go-mssqldb v1.11.2's source (cited at each
// use): which Go value each SQL type arrives as (values.go), which SQL
// type each bound Go value is declared as, how NULL parameters are typed,
// that a NULL NullUniqueIdentifier is written malformed (so UUID NULLs are
// bound untyped), that varchar is decoded from code-page tables that know
// no UTF-8 collation, and that an unpaired UTF-16 surrogate in nvarchar
// becomes U+FFFD without an error (a loss this connector cannot detect).
//
// Taken from SQL Server's documentation and still to be confirmed on a
// server by the TestServer tests: when a snapshot's version is fixed;
// error 3952; how CHECK definitions are stored; data type precedence in
// multi-row VALUES; the 1000-row and 2100-parameter limits; the key casts'
// effect on datetime and SQL_-collation keys; ISJSON's behaviour.
//
// With a server: set REGFLYTT_TEST_MSSQL to a sqlserver:// URL whose login
// may create databases, and go test runs the conformance suite (twice:
// through the bulk copy and through ?bulk_copy=off; streamed scans in
// both) and the TestServer tests, each in a fresh database
// (mstest.NewDatabase). Unset,
// they skip with a message saying that they were not run.
//
// # Checksums
//
// A snapshot is a connectors.Checksummer whose T-SQL (checksum.go) builds
// the canonical row encoding from varbinary pieces and hashes it with
// HASHBYTES('SHA2_256', …). It has NOT been run against a server: its
// text is pinned by TestChecksumSQL and TestChecksumSQLTypes, and
// TestServerChecksumPushdown runs the conformance edge values the day
// REGFLYTT_TEST_MSSQL names a server. SUM over bigint raises an overflow
// instead of wrapping, so the hash slices are summed as 32-bit halves and
// combined modulo 2^64 in Go. It needs SQL Server 2019 (UTF-8 collations).
// Pushed down: integers, bit, char/varchar/text and their n-types (through
// nvarchar, as Scan reads them, then UTF-8), binary/varbinary/image, date,
// datetime2, datetimeoffset (in UTC), time and uniqueidentifier (in RFC
// 4122 order). Left to Go (ErrNoPushdown): decimal and money (whose text
// the driver formats, not the server), datetime and smalldatetime (1/300 s
// ticks), json, xml, sql_variant, rowversion and the CLR types.
package sqlserver
