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
//	search_path          (none)        more schemas to search after schema, for types and functions of extensions (regflytt's own: joined after schema)
//	sslmode              prefer        disable, allow, prefer, require, verify-ca, verify-full; use verify-full across networks
//	sslrootcert          (none)        CA file for verify-ca/verify-full; sslcert and sslkey for client certificates, as libpq
//	connect_timeout      10            seconds to wait for a connection (dial, TLS, login; PGCONNECT_TIMEOUT too); 0 waits for ever
//	application_name     regflytt      shown in pg_stat_activity
//	pool_max_conns       max(4, CPUs)  connections in the pool (pgxpool's own parameters are read too)
//	password             (none)        as in libpq; prefer env:NAME for the whole URL, or PGPASSWORD/.pgpass
//
// Session settings are pinned on every connection and cannot be overridden
// from the URL: TimeZone UTC, DateStyle ISO, IntervalStyle postgres,
// extra_float_digits 3, bytea_output hex, lc_monetary C, row_security
// off. With them a timestamptz is never shifted and every text form read
// (arrays, intervals, ranges) is the same
// whatever the server's or the database's defaults (ALTER DATABASE … SET
// timezone = 'Europe/Stockholm' included). row_security off makes a read
// that a row-level security policy would filter fail, naming the table,
// instead of showing part of it to a role that does not bypass the
// policies (a run and its verification would agree on that part). A
// source's connections also set default_transaction_read_only.
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
