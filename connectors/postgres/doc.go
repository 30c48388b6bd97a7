// Package postgres is regflytt's PostgreSQL connector, in the connectors
// room: a legacy platform's database read as a Source, and a receiving
// platform's database written as a Target. It speaks to the server through
// pgx v5 directly (a pgxpool of connections), not database/sql, so that it
// can choose binary or text per result column, decode the wire bytes
// itself and write with binary COPY.
//
// Its neighbours: the interfaces and canonical values it implements sit in
// the parent package connectors; connectors/all lists it; the rooms above
// (plans, verify, archive) reach it only through those interfaces. The
// sub-package pgtest gives integration tests their own database.
//
// # URL
//
//	postgres://user:password@host:5432/registry?sslmode=verify-full&schema=kvalitet
//
// Every parameter pgx reads (libpq's set) is accepted; the ones that matter
// here, and the ones regflytt adds:
//
//	parameter            default       meaning
//	schema               public        the schema the catalogue lists and Create writes; put first on search_path (regflytt's own, not sent to the server)
//	search_path          (none)        more schemas to search after schema, for types, functions and operators of extensions (regflytt's own: joined after schema); a key whose type's ordering operator lies outside the search path (citext installed in public, schema=reg) is refused, naming the schema to add
//	sslmode              prefer        disable, allow, prefer, require, verify-ca, verify-full; use verify-full across networks
//	sslrootcert          (none)        CA file for verify-ca/verify-full; sslcert and sslkey for client certificates, as libpq
//	connect_timeout      10            seconds to wait for a connection (dial, TLS, login; PGCONNECT_TIMEOUT too); 0 waits for ever
//	application_name     regflytt      shown in pg_stat_activity
//	pool_max_conns       max(4, CPUs)  connections in the pool (pgxpool's own parameters are read too)
//	password             (none)        as in libpq; prefer env:NAME for the whole URL, or PGPASSWORD/.pgpass
//
// # Session settings
//
// A DBA's defaults (postgresql.conf or ALTER SYSTEM, ALTER DATABASE … SET,
// ALTER ROLE … SET) are every new session's. Those that change what a
// read or a write gives are pinned as startup parameters on every
// connection, which outrank all of them, and cannot be overridden from
// the URL:
//
//	setting                      pinned    why
//	client_encoding              UTF8      text from a LATIN1 or WIN1252 database arrives as the UTF-8 a Value is
//	TimeZone                     UTC       timestamptz text and casts never shifted
//	DateStyle                    ISO, YMD  the text of dates in arrays and ranges read as text
//	IntervalStyle                postgres  the text of intervals read as text
//	extra_float_digits           3         floats read as text (in arrays) round-trip
//	bytea_output                 hex       bytea read as text (in arrays)
//	lc_monetary                  C         money's text ("$1,234.56", not "1 234,56 kr")
//	row_security                 off       a policy that would hide rows fails the read, naming the table
//	quote_all_identifiers        off       on, format_type printed "date", and a date column was taken for text
//	standard_conforming_strings  on        off, the checksum pushdown's '\x…' bytea literals were escapes
//	gin_fuzzy_search_limit       0         a GIN index scan (a select: source's @> or @@) returned a random subset of its rows
//	transform_null_equals        off       on, a select: source's x = NULL was x IS NULL
//	array_nulls                  on        off, a select: source's '{a,NULL}' held the text NULL
//	timezone_abbreviations       Default   India, a select: source's '… IST' was +05:30, not Israel's +02
//	lc_time                      C         sv_SE, a select: source's to_char(d, 'TMMonth') was 'Januari'
//	lc_numeric                   C         sv_SE, to_char's D and G wrote '1 234,5', to_number('1,234.5', '9G999D9') read 1.2
//	default_text_search_config   pg_catalog.simple   to_tsvector(x) stemmed by the database's (english, swedish) configuration
//	xmlbinary                    base64    hex, a select: source's xmlelement(name b, bytea) wrote <b>0102</b>, not <b>AQI=</b>
//	xmloption                    content   document, a select: source's '<a/><b/>'::xml failed
//	search_path                  schema first, then the URL's search_path   unqualified names (keyset queries, Create)
//
// A source's connections also set default_transaction_read_only, and a
// snapshot begins REPEATABLE READ READ ONLY whatever
// default_transaction_isolation says; parts of a read-back import its
// snapshot. A target's connections are checked after connecting, since
// these cannot be startup parameters (see checkSession):
// session_replication_role must be origin (replica, a restore's or a
// replica's default, loaded a row breaking a declared foreign key of an
// existing table without an error, and fires no triggers); where it is
// not it is set, and a role that may not set it (no superuser, no GRANT
// SET) is refused. synchronous_commit off is set to on, so that a plain
// Commit is durable (CommitAsync turns it off for its own transaction);
// its other values are all durable and left as the DBA chose.
//
// Tried on a private PostgreSQL 15, each set with ALTER SYSTEM (and the
// starred ones with ALTER DATABASE too), and found not to change a
// source's catalogue, reads by key and by a text key, count, checksum
// pushed down, read back and read back in parts, or a target's written
// edge values and foreign key refusal, once the settings above were
// pinned (TestReadsWhateverTheServerGlobals,
// TestWritesWhateverTheServerGlobals; REGFLYTT_TEST_PG_PRIVATE, see
// pgtest): search_path*, default_transaction_isolation (read committed,
// serializable), synchronize_seqscans, enable_indexscan, enable_seqscan,
// enable_sort, enable_bitmapscan, row_security*, lc_numeric (only
// to_char reads it), xmloption, TimeZone*, DateStyle, IntervalStyle,
// extra_float_digits, client_encoding, default_toast_compression, jit and
// jit_above_cost 0, max_parallel_workers_per_gather, force_parallel_mode,
// plan_cache_mode, constraint_exclusion, check_function_bodies,
// default_table_access_method, lock_timeout and statement_timeout (a
// timeout fails loudly). A target's default_transaction_read_only makes
// every write fail, loudly. idle_in_transaction_session_timeout (on the
// server and on the database) and idle_session_timeout end a snapshot's
// session idle between reads, and the next read fails: never a read
// ended short as if the table had no more rows
// (TestReadsCutByServerTimeoutsFail); the runner stops where it can
// resume, as for any lost connection. Only C locales were installed, so lc_monetary
// and lc_numeric were tried with C.UTF-8 only there; lc_time and
// lc_numeric sv_SE.UTF-8 and default_text_search_config were tried with
// ALTER DATABASE on a private server that could load sv_SE
// (TestSelectSourceWhateverTheDatabaseLocale, whose locale cases skip on a
// server without it). lc_messages changes only the text of errors.
// xmlbinary, xmloption, bytea_output, extra_float_digits, IntervalStyle,
// DateStyle and TimeZone were each set with ALTER DATABASE under a
// select: source that computes with them, and it read the same
// (TestSelectSourceWhateverTheDatabaseLocale).
//
// Every session, a source's too, is checked for zero_damaged_pages and
// ignore_checksum_failure (superuser only, for rescuing a damaged
// cluster), which read a page with a damaged header as empty and a page
// whose checksum fails as it is, each with only a warning: a run and its
// verification would agree on rows missing or changed. One that is on is
// turned off, so that a damaged page fails the read; a role that may not
// turn it off is refused, naming the setting
// (TestDamagedPagesAreNotReadWhateverTheServerGlobals).
//
// PostgreSQL 10 or later is needed (partitions are told apart by
// pg_class.relispartition).
//
// # Reading
//
// Snapshot begins REPEATABLE READ READ ONLY on a dedicated connection and
// fixes its snapshot at once. Its WAL position (an LSN, the replay position
// on a replica) is an optional extra, found by type assertion:
//
//	if p, ok := snap.(interface{ Position() string }); ok { … p.Position() … }
//
// Tables reads pg_catalog: base and partitioned tables (not partitions,
// views or foreign tables), columns with format_type as SourceType, primary and foreign keys
// in key order, and reltuples as the row estimate (-1 when never analysed).
// Scan pages with keyset queries; each column's decoder is chosen once from
// its type OID and each value is decoded from PostgreSQL's binary format
// (numbers, dates and times, uuid, bytea) or taken as the server's text
// (text types, json, arrays and every other type). TypeMap documents every
// type's canonical kind and edges.
//
// # Writing
//
// Create issues CREATE TABLE IF NOT EXISTS with the types of
// Dialect.ColumnType in one transaction. Tx.Write checks a whole batch with
// Column.Fit, then sends it with one binary COPY; the canonical values go
// to pgx unconverted, because each connection's type map is taught to
// encode them (codec.go).
//
// # Checksums
//
// A snapshot is a connectors.Checksummer: it builds the canonical row
// encoding (connectors.AppendRow) in SQL, hashes it with sha256() and sums
// the bucket aggregates in the server (parallel workers included), so only
// the aggregates cross the wire (checksum.go); it sets jit = off for the
// rest of the snapshot's transaction, because compiling the encoding
// expression in every worker cost more than the scan. The encoding is chosen from
// the column's real type in pg_catalog. TestChecksumPushdown proves it
// byte for byte against Go on every conformance edge value, and
// TestChecksumSourceTypes on every legacy source type of TestSourceTypes
// (NaN and ±Infinity numerics, padded character(n), infinite, BC and
// year-10000 dates and timestamps).
//
// Pushed down: smallint, integer, bigint, boolean, text, varchar,
// character(n), name, bytea, numeric (NaN and infinities as the float64
// Scan reads), date, timestamp, timestamptz (the session's UTC), time,
// uuid, json and jsonb. Left to Go (ErrNoPushdown): arrays, domains,
// interval, time with time zone, enums and every type read as its text
// output, whose text is not worth re-deriving in SQL yet. Floats are
// outside the row hash by definition; their own aggregates (a request's
// Floats: double precision and real, rounded on their bits with integer
// arithmetic on float8send) are summed in the same scan. The time
// encoding takes microseconds
// from a float8 date_part, exact below 2^53; tested on PostgreSQL 15 (14
// and later return numeric from extract, which the encoding avoids).
package postgres
