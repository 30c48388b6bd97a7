// Package mysql is the connector for MariaDB and MySQL, where most legacy
// registry platforms live. It implements connectors.Source and
// connectors.Target through database/sql and github.com/go-sql-driver/mysql.
// Its neighbours: connectors above it (interfaces, canonical values,
// catalogue), connectors/all (which lists it), connectors/conformance (the
// suite it passes) and connectors/mysql/mytest (throw-away databases and
// SELECT-only users for tests). MariaDB 10.11 is what it is tested on.
//
// # URL
//
//	mysql://user:password@host:3306/registry?tls=true
//	mariadb://user@host/registry?socket=/run/mysqld/mysqld.sock
//
// The path names exactly one database; the catalogue is that database's
// tables. The password goes into the driver's Config only, never into a
// DSN string, and every error of this package is scrubbed of it.
//
//	parameter                default           meaning
//	tls                      false             true, skip-verify, preferred or false
//	socket                   (none)            connect through a Unix socket instead of host:port
//	timeout                  10s               connect timeout (dial, handshake, login): an unreachable or silent server fails fast
//	readTimeout              0 (none)          I/O read timeout
//	writeTimeout             0 (none)          I/O write timeout
//	allowCleartextPasswords  false             for PAM/LDAP accounts; use with tls=true
//
// Any other parameter is refused, the driver's included, because these are
// fixed by the connector:
//
//	setting            value                          why
//	interpolateParams  true                           values are bound as literals; only keyset batches are prepared
//	parseTime          false                          dates arrive as text: zero dates stay visible, no zone applied
//	charset            utf8mb4 COLLATE utf8mb4_bin    the server converts latin1/utf8mb3 columns to UTF-8
//	time_zone          '+00:00'                       TIMESTAMP reads as UTC whatever the server's zone
//	sql_mode           STRICT_ALL_TABLES,NO_ZERO_DATE,NO_ZERO_IN_DATE,ERROR_FOR_DIVISION_BY_ZERO,
//	                   NO_ENGINE_SUBSTITUTION,NO_AUTO_VALUE_ON_ZERO
//	                                                  a write that does not fit fails instead of being
//	                                                  truncated; literals always escape with backslashes
//	sql_select_limit   18446744073709551615           a lower limit (a DBA's, against runaway queries)
//	                                                  would cut the catalogue and streamed reads short
//	                                                  silently; set again when a snapshot begins
//	max_sort_length    65536                          a sort compares a value's first max_sort_length
//	                                                  bytes only (1024 by default, 64 at least): keys
//	                                                  alike that far came in any order, and keyset
//	                                                  pages of a select: source skipped some; set again
//	                                                  when a snapshot begins. The bytes are the sort
//	                                                  key's, up to 4 a utf8mb4 character: a read by
//	                                                  a key meeting a value of 16 KiB or more is
//	                                                  refused, naming the column (a larger size would
//	                                                  size every TEXT sort's buffer by it)
//	sort_buffer_size   at least 2097152               room for that sort (error 1038 otherwise)
//	max_error_count    65535                          a select: source is refused by the warning codes
//	                                                  SHOW WARNINGS lists, at most this many; with 0
//	                                                  none were listed and lossy rows passed
//	sql_notes          1                              a write's warnings are checked after it, and a
//	                                                  rounded decimal is only a note; set again by Begin
//	note_verbosity     basic added by Begin           without basic (MariaDB 10.6.16/10.11.6 on) no
//	                                                  note for a rounded decimal: it was written; set
//	                                                  by Begin only, as older servers and MySQL lack it
//	foreign_key_checks 1                              with the checks off a row breaking an existing
//	                                                  foreign key is written, and one added after the
//	                                                  load is not checked against the rows; set again
//	                                                  by Begin and CreateConstraints
//	completion_type    NO_CHAIN                       RELEASE ended the session after every COMMIT,
//	                                                  and the next Begin on it failed; CHAIN began a
//	                                                  transaction after each
//	unique_checks      1                              with it off a server that buffers changes may
//	                                                  write a secondary unique index's entry without
//	                                                  looking for the value (MariaDB 10.11 looked)
//	div_precision_increment 4                         a select: source's division: 0 read 1500 / 1000
//	                                                  as 1, without a warning
//	lc_time_names      en_US                          a select: source's DATE_FORMAT names: sv_SE read
//	                                                  January as januari
//	default_week_format 0                             WEEK(d) without a mode: 1 put the 15th of January
//	                                                  2024 in week 3, not 2
//	default_regex_flags (none; MariaDB)               a select: source's REGEXP: DOTALL let . match a
//	                                                  newline
//	check_constraint_checks 1 (MariaDB)               with 0 a row breaking a receiving table's CHECK
//	                                                  constraint was written
//	program_name       regflytt                       the platform's DBA sees who is reading
//
// These are sent with every new connection, in one SET, so a DBA's
// global setting, which every new session takes, does not reach them; the
// character set (SET NAMES) the same way. MariaDB's own (marked) are in
// a /*M! */ comment of that SET, which MySQL skips. A snapshot also sets
//
//	system_versioning_asof  DEFAULT (read back)       see Reading
//	transaction isolation   REPEATABLE READ           one consistent snapshot whatever tx_isolation says
//
// Read on a private MariaDB 10.11 with each of these set globally, the
// keyset, streamed, select: source, count and checksum reads of a fixture
// (short CHAR, backslash, empty string, TIMESTAMP, fractional TIME,
// latin1, long alike keys) stayed the same once max_sort_length,
// sort_buffer_size and max_error_count were pinned
// (TestReadsWhateverTheServerGlobals and
// TestSelectSourceWarningsWhateverTheGlobalErrorCount): sql_mode with
// PAD_CHAR_TO_FULL_LENGTH, NO_BACKSLASH_ESCAPES, ANSI_QUOTES,
// EMPTY_STRING_IS_NULL, TIME_ROUND_FRACTIONAL or ORACLE, time_zone,
// character_set_results, collation_connection, sql_select_limit,
// system_versioning_asof, group_concat_max_len (a select: source's
// GROUP_CONCAT cut short warns, which refuses the read; the one the
// connector reads, an existing foreign key's columns, only words its
// difference), old_mode, tx_isolation, autocommit, big_tables and
// completion_type. div_precision_increment, lc_time_names,
// default_week_format and default_regex_flags did not change the
// connector's own reads, but a select: source's values
// (TestSelectSourceWhateverTheServerGlobals), hence pinned. old_mode's
// ZERO_DATE_TIME_CAST makes a TIME cast to DATETIME NULL with warning
// 1292 under the pinned sql_mode, which refuses the read.
//
// Written with each of these set globally, a target's edge values (by
// LOAD DATA and by INSERTs) read back the same, rows repeating a unique
// value or the primary key or breaking a foreign key were refused, and
// CreateConstraints refused a unique index and a foreign key the rows
// break (TestWritesWhateverTheServerGlobals): unique_checks (and with
// foreign_key_checks, which InnoDB's bulk load of an empty table needs
// off too), autocommit (every write is an explicit transaction, every
// read a snapshot's; only DDL, which commits itself, runs outside one),
// sql_notes, sql_mode (empty, the pieces above with
// SIMULTANEOUS_ASSIGNMENT, ORACLE), time_zone, collation_connection,
// character_set_results, div_precision_increment, lc_time_names,
// check_constraint_checks (pinned: a row breaking a CHECK was written),
// tx_isolation SERIALIZABLE, innodb_strict_mode, default_storage_engine
// MyISAM (Create names InnoDB, and NO_ENGINE_SUBSTITUTION refuses a
// server without it), explicit_defaults_for_timestamp (Create makes no
// TIMESTAMP column), sql_auto_is_null and old_mode.
//
// A DBA's timeouts end a read, and the read fails: net_write_timeout (a
// streamed read whose reader is slower), max_statement_time,
// wait_timeout and idle_readonly_transaction_timeout (a snapshot idle
// between reads); never a read ended short as if the table had no more
// rows (TestReadsCutByServerTimeoutsFail). The runner stops where it can
// resume, as for any lost connection.
//
// # Reading
//
// Snapshot holds one connection in START TRANSACTION WITH CONSISTENT
// SNAPSHOT, READ ONLY at REPEATABLE READ: the server refuses writes in it
// (error 1792), and a user with only SELECT suffices. The snapshot's
// Position method gives the binary-log position it shows, when the server
// keeps a binary log. Before it begins, the session's
// system_versioning_asof is set to DEFAULT (MariaDB), so that a
// system-versioned table reads its current rows even where the server's
// global setting reads a past moment: the keyword DEFAULT is the only
// value meaning the current rows ('DEFAULT' quoted is refused), and on
// 10.11 it means them whatever the global value. For most variables
// DEFAULT gives the global value, so the session's value is read back,
// and a snapshot whose session would still read as of a moment is
// refused rather than read the past with every count agreeing.
//
// Values arrive as the text the server prints (the driver parses integer
// and floating-point columns itself) and are decoded by a decoder chosen
// once per column; TypeMap lists every source type with its edges. Two
// things are not what a plain SELECT gives: FLOAT columns are selected as
// CAST(col AS DOUBLE), because the server prints a FLOAT with six
// significant digits; and keyset batches use the expanded condition
// (a > ?) OR (a = ? AND b > ?), because MariaDB does not use an index for
// a row-value comparison (see Dialect.SelectBatch). Key values are
// rendered by the connector as exact literals (a DECIMAL key as a bare
// number: the driver would quote it, and MariaDB compares a DECIMAL with a
// string as DOUBLE).
//
// Text is read in the column's declared character set: MariaDB's latin1 is
// Windows-1252, so 0x80 reads as "€". UTF-8 bytes stored in a latin1
// column (a common legacy mistake) read as the mojibake the column
// declares; repairing them is a mapping's decision. A byte its character
// set does not define (ascii above 0x7F, cp1250's holes), which the
// server would send as '?' without a warning, reads as the stored []byte
// instead, which Fit refuses and the archive keeps (charset.go).
//
// Keyset batches are prepared statements, their key values bound as
// literals, so the server sends binary rows. The package reads them itself
// (binrows.go) on the driver's connection: connections are dialled through
// the driver's DialFunc into a wire (wire.go) that buffers the socket's
// reads and notes from the handshake what the session negotiated. A
// session encrypted with TLS, compressed, or with a capability flag the
// reader does not know is read by the driver, decided once per
// connection. The values are the driver's path's, proven by differential
// tests on every type of the legacy fixture. REGFLYTT_MYSQL_READER=driver
// in the environment makes every new connection use the driver's reader
// (for comparing the two, or should the package's ever misread), and the
// driver's LOAD DATA (see Writing).
//
// A select: source is read as the server converts its result: its
// columns come without the catalogue's character set and column type,
// so such a byte reads as '?', a YEAR(2) as the two digits it prints and
// an ENUM's invalid value 0 as the empty text. Read those columns through
// their table, or select them as CAST(col AS BINARY) and say in the
// mapping how the bytes are encoded.
//
// # Writing
//
// Create makes InnoDB tables with utf8mb4_nopad_bin text (code-point order,
// 'a' and 'a ' distinct). Kinds MariaDB has no type for are marked with a
// column comment the catalogue reads back:
//
//	canonical     column                                       why
//	boolean       tinyint(1) COMMENT 'regflytt:boolean'        MariaDB's boolean is tinyint(1), which legacy
//	                                                           tables use for counts too
//	timestamptz   datetime(n) COMMENT 'regflytt:timestamptz'   the UTC wall clock: TIMESTAMP ends in 2038
//	uuid          binary(16) COMMENT 'regflytt:uuid'           MariaDB's uuid type refuses the NCS variant
//	json          json (longtext utf8mb4_bin CHECK json_valid) byte for byte
//	text          longtext, or varchar(n) up to 16383          text (64 KiB) would cap what Fit allows
//	bytes         longblob, or varbinary(n) up to 16383
//
// Tx.Write checks every value with Column.Fit and Dialect.CheckValue,
// which refuses -0.0 (MariaDB stores it as 0: rule negative_zero), before
// it sends anything (WriteChecked, for rows the caller has checked, does
// not check again); then it loads the batch with one LOAD DATA LOCAL
// INFILE from memory (loaddata.go), each field the literal an INSERT
// would carry. With LOCAL the server turns errors into warnings
// (duplicates skipped, values truncated) and rounds a decimal with only a
// note, so every load's warning count is checked: a batch with a
// warning, or with fewer rows loaded than sent, is rolled back to its
// savepoint and refused, naming the first warning's code (1062 a
// duplicate key, 1265 a value changed), never its message, which quotes
// the value. Measured against multi-row INSERTs on 100k rows of 12
// columns (BenchmarkWrite/load and /insert), the load was faster in
// every run on a busy 2-core machine, up to twice as fast. The count is
// the one the server's answer to the load carries (notes included, as
// @@warning_count counts them): where the session is one the package
// reads itself, the load runs on the driver's connection without the
// driver (loadwire.go), which drops it, and no SELECT @@warning_count
// follows (TestWriteLoadTakesWarningsFromTheServersAnswer); elsewhere
// (TLS, compression) the driver loads and the query follows. Strict
// sql_mode would not have spared the query: LOCAL makes its errors
// warnings, and a rounded decimal is a note in every mode.
//
// A server with local_infile off gets multi-row INSERTs instead, from
// the first refusal on: up to 1000 rows and 16 MiB (or
// max_allowed_packet, if lower) a statement, values as literals the
// connector renders, each statement's warnings checked the same way. A
// batch of more than one statement runs under a savepoint, so a batch
// the server refuses part-way keeps none of its rows. Server messages
// that quote a value (duplicate key, incorrect value) are withheld from
// errors: values can be personal data.
//
// # Checksums
//
// A snapshot is a connectors.Checksummer (checksum.go): the canonical row
// encoding built from binary strings in SQL, hashed with SHA2(…, 256) and
// summed in the server. MariaDB has no unsigned 64-bit modular sum, so the
// two 64-bit slices are summed as BIGINT UNSIGNED into SUM's exact
// DECIMAL and reduced modulo 2^64 in Go. The encoding is chosen from the
// server's catalogue and the connector's COMMENT markers. It is proven
// byte for byte against Go on every conformance edge value
// (TestChecksumPushdown), on the legacy fixture of TestSourceTypes
// (TestChecksumSourceTypes: latin1 as Windows-1252, bit(64), zero dates)
// and on TIMESTAMP, zero and ALLOW_INVALID_DATES dates, negative TIME,
// utf8mb4 CHAR and YEAR (TestChecksumTimestampsAndInvalidDates).
//
// Pushed down: every integer type, year, bit(n), the marked boolean,
// decimal, char/varchar/text of any character set (converted to utf8mb4
// as the result set is), enum, set, json, binary/varbinary/blob, both
// uuids, date, datetime, timestamp and the marked timestamptz (the
// session's +00:00), time. Left to Go (ErrNoPushdown): decimal ZEROFILL
// (Scan strips the padding), geometry types (their storage bytes), inet4,
// inet6 and any other type read as its text. Floats are outside the hash;
// their aggregates (a request's Floats) are refused with ErrNoPushdown
// (MariaDB has no function that gives a double's bits), so
// connectors.Checksum computes them in Go from the key and float columns.
// A marked boolean holding another value than 0 or 1, which Scan refuses,
// hashes with a tag no value has, so its bucket differs and a drill-down
// reads the row and reports the error.
package mysql
