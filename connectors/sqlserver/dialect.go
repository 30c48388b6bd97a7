package sqlserver

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/regflytt/regflytt/connectors"
)

// Dialect is SQL Server's T-SQL: [bracketed] identifiers, numbered
// parameters @p1…@pN (go-mssqldb names ordinal arguments so, mssql.go:710),
// TOP (n) instead of LIMIT, and no row-value comparison, so keyset
// conditions are expanded.
//
// Schema qualifies table names. The zero Dialect leaves them unqualified,
// to be resolved in the login's default schema; a DB's Dialect carries the
// URL's schema (dbo unless given).
type Dialect struct {
	Schema string
}

var _ connectors.Dialect = Dialect{}

// Name is "sqlserver".
func (Dialect) Name() string { return "sqlserver" }

// KeysIgnoreTrailingSpaces: SQL Server compares strings padded to equal
// length under every collation, BIN2 included (ANSI padding), so a key
// 'a ' is the key 'a' (connectors.TrailingSpaceBlind).
func (Dialect) KeysIgnoreTrailingSpaces() bool { return true }

var _ connectors.TrailingSpaceBlind = Dialect{}

// QuoteIdent quotes with brackets, doubling ']' inside the name.
func (Dialect) QuoteIdent(name string) (string, error) {
	return connectors.QuoteWith(name, '[', ']')
}

// QualifiedName gives [schema].[table], or [table] when Schema is empty.
func (d Dialect) QualifiedName(table string) (string, error) {
	qt, err := d.QuoteIdent(table)
	if err != nil {
		return "", err
	}
	if d.Schema == "" {
		return qt, nil
	}
	qs, err := d.QuoteIdent(d.Schema)
	if err != nil {
		return "", fmt.Errorf("schema: %w", err)
	}
	return qs + "." + qt, nil
}

// placeholder names the i-th (0-based) parameter.
func placeholder(i int) string { return "@p" + strconv.Itoa(i+1) }

// ColumnType gives the DDL type for a canonical type: the SQL Server type
// that holds every value of t exactly. Integer ranges narrower than the
// chosen type (a signed tinyint, an unsigned smallint) and JSON are
// enforced by CHECK constraints that CreateTable adds, because a CHECK
// must name its column.
//
// Text of n characters is declared nvarchar(2n): nvarchar(n) counts UTF-16
// code units, and a character outside the BMP (an emoji, some CJK) takes
// two, so nvarchar(n) would refuse strings Type.Fit accepts.
func (Dialect) ColumnType(t connectors.Type) (string, error) {
	switch t.Kind {
	case connectors.KindInt:
		ic, err := intColumnOf(t)
		return ic.typ, err
	case connectors.KindFloat:
		switch t.Bits {
		case 32:
			return "real", nil
		case 0, 64:
			return "float(53)", nil
		}
		return "", fmt.Errorf("%v: float width %d", t, t.Bits)
	case connectors.KindDecimal:
		if t.Precision < 1 || t.Precision > 38 || t.Scale < 0 || t.Scale > t.Precision {
			return "", fmt.Errorf("%v: SQL Server decimals take precision 1..38 and scale 0..precision", t)
		}
		return fmt.Sprintf("decimal(%d,%d)", t.Precision, t.Scale), nil
	case connectors.KindBool:
		return "bit", nil
	case connectors.KindText:
		switch {
		case t.Length < 0:
			return "", fmt.Errorf("%v: negative length", t)
		case t.Length > 0 && t.Length <= 2000:
			return fmt.Sprintf("nvarchar(%d)", 2*t.Length), nil
		}
		return "nvarchar(max)", nil
	case connectors.KindBytes:
		switch {
		case t.Length < 0:
			return "", fmt.Errorf("%v: negative length", t)
		case t.Length > 0 && t.Length <= 8000:
			return fmt.Sprintf("varbinary(%d)", t.Length), nil
		}
		return "varbinary(max)", nil
	case connectors.KindDate:
		return "date", nil
	case connectors.KindDateTime, connectors.KindTimestamp, connectors.KindTime:
		if t.Precision < 0 || t.Precision > 7 {
			return "", fmt.Errorf("%v: SQL Server keeps at most 7 fractional digits (100 ns)", t)
		}
		name := map[connectors.Kind]string{
			connectors.KindDateTime:  "datetime2",
			connectors.KindTimestamp: "datetimeoffset",
			connectors.KindTime:      "time",
		}[t.Kind]
		return fmt.Sprintf("%s(%d)", name, t.Precision), nil
	case connectors.KindUUID:
		return "uniqueidentifier", nil
	case connectors.KindJSON:
		return "nvarchar(max)", nil
	}
	return "", fmt.Errorf("type %v has no SQL Server column type", t)
}

// intColumn is the SQL Server integer type for a canonical integer type,
// with the range a CHECK constraint narrows it to when the type is wider.
type intColumn struct {
	typ    string
	lo, hi int64
	check  bool
}

// intColumnOf picks the narrowest SQL Server integer holding t. SQL
// Server's tinyint is unsigned (0..255), so a signed tinyint needs
// smallint with a CHECK; unsigned widths take the next signed type up;
// an unsigned 64-bit integer has no home (decimal(20,0) would change the
// value's kind, and verification compares kinds).
func intColumnOf(t connectors.Type) (intColumn, error) {
	bits := t.Bits
	if bits == 0 {
		bits = 64
	}
	if t.Unsigned {
		switch bits {
		case 8:
			return intColumn{typ: "tinyint"}, nil
		case 16:
			return intColumn{"int", 0, 1<<16 - 1, true}, nil
		case 24:
			return intColumn{"int", 0, 1<<24 - 1, true}, nil
		case 32:
			return intColumn{"bigint", 0, 1<<32 - 1, true}, nil
		case 64:
			return intColumn{}, fmt.Errorf("%v: SQL Server has no unsigned 64-bit integer (bigint stops at 9223372036854775807)", t)
		}
	} else {
		switch bits {
		case 8:
			return intColumn{"smallint", -1 << 7, 1<<7 - 1, true}, nil
		case 16:
			return intColumn{typ: "smallint"}, nil
		case 24:
			return intColumn{"int", -1 << 23, 1<<23 - 1, true}, nil
		case 32:
			return intColumn{typ: "int"}, nil
		case 64:
			return intColumn{typ: "bigint"}, nil
		}
	}
	return intColumn{}, fmt.Errorf("%v: integer width %d", t, bits)
}

// columnCheck gives the CHECK expression a column needs beyond its type,
// or "" when the type says everything.
func columnCheck(qc string, t connectors.Type) (string, error) {
	switch t.Kind {
	case connectors.KindInt:
		ic, err := intColumnOf(t)
		if err != nil || !ic.check {
			return "", err
		}
		return fmt.Sprintf("%s >= %d AND %s <= %d", qc, ic.lo, qc, ic.hi), nil
	case connectors.KindJSON:
		// ISJSON without a type argument (SQL Server 2016+) accepts an
		// object or an array only; ISJSON(x, VALUE) needs SQL Server 2022.
		// Tx.Write refuses top-level scalars before they get here.
		return "ISJSON(" + qc + ") = 1", nil
	}
	return "", nil
}

// SelectBatch gives the keyset query for plain column names:
//
//	SELECT TOP (n) [a], [b] FROM [s].[t] WHERE <key > after> ORDER BY [k1], [k2]
//
// Its parameters are the key values, once each in key order (@p1 is the
// first key column's value), as connectors.Dialect documents. Without
// column types it cannot convert code-page text or type the key values;
// Snapshot.Scan uses ScanQuery, which can.
func (d Dialect) SelectBatch(table string, columns, key []string, after bool, limit int) (string, error) {
	sel := make([]string, len(columns))
	for i, c := range columns {
		q, err := d.QuoteIdent(c)
		if err != nil {
			return "", err
		}
		sel[i] = q
	}
	qkey := make([]string, len(key))
	for i, k := range key {
		q, err := d.QuoteIdent(k)
		if err != nil {
			return "", err
		}
		qkey[i] = q
	}
	if limit < 1 {
		return "", fmt.Errorf("batch size %d: want at least 1", limit)
	}
	return d.keysetQuery(table, sel, qkey, placeholder, after, limit)
}

// ScanQuery is the keyset query Snapshot.Scan runs for a catalogued table:
// SelectBatch's shape, plus what the columns' source types need.
//
//   - char, varchar and text are read as CAST(c AS nvarchar(…)), so the
//     server converts its code page to UTF-16. go-mssqldb decodes varchar
//     itself from a table of code pages chosen by the collation's sort id
//     or LCID (internal/cp/charset.go:13): it knows no UTF-8 collation
//     (SQL Server 2019's *_UTF8 would be read as cp1252), maps the five
//     bytes cp1252 leaves undefined to U+FFFD, and hands unknown code
//     pages over undecoded.
//   - Each key parameter is CAST to its column's own type (and, for code-
//     page text, collation), so that WHERE compares in the same type and
//     collation as ORDER BY sorts. Otherwise SQL Server's data type
//     precedence converts the column to the parameter's type: a datetime
//     key compared with a datetime2 parameter is widened to 1/300 s
//     exactly (.0033333) while the value read back was .003, so the last
//     row of a batch would come again; a varchar key under a SQL_
//     collation compared with an nvarchar parameter sorts by Unicode rules
//     while ORDER BY sorts by the code page's, so rows could be skipped.
func (d Dialect) ScanQuery(t *connectors.Table, key []string, after bool, limit int) (string, error) {
	if limit < 1 {
		return "", fmt.Errorf("batch size %d: want at least 1", limit)
	}
	return d.scanQuery(t, key, after, limit)
}

// OrderedScanQuery is ScanQuery without TOP: the one ordered query a
// streamed scan (a key other than the primary key) reads the whole table
// with, after the resume key when after is true.
//
//	SELECT [a], CAST([b] AS nvarchar(40)) FROM [s].[t] WHERE … ORDER BY [k1], [k2]
func (d Dialect) OrderedScanQuery(t *connectors.Table, key []string, after bool) (string, error) {
	return d.scanQuery(t, key, after, 0)
}

// scanQuery is ScanQuery, without TOP when limit is 0.
func (d Dialect) scanQuery(t *connectors.Table, key []string, after bool, limit int) (string, error) {
	sel := make([]string, len(t.Columns))
	for i := range t.Columns {
		c := &t.Columns[i]
		q, err := d.QuoteIdent(c.Name)
		if err != nil {
			return "", fmt.Errorf("table %s: %w", t.Name, err)
		}
		sel[i] = selectExpr(q, c.SourceType)
	}
	qkey := make([]string, len(key))
	cast := make([]func(string) string, len(key))
	for i, k := range key {
		c := t.Column(k)
		if c == nil {
			return "", fmt.Errorf("table %s: key column %s does not exist", t.Name, k)
		}
		q, err := d.QuoteIdent(k)
		if err != nil {
			return "", fmt.Errorf("table %s: %w", t.Name, err)
		}
		qkey[i] = q
		cast[i] = keyParamCast(c.SourceType)
	}
	return d.keysetQuery(t.Name, sel, qkey, func(i int) string { return cast[i](placeholder(i)) }, after, limit)
}

func (d Dialect) keysetQuery(table string, sel, qkey []string, param func(int) string, after bool, limit int) (string, error) {
	if len(sel) == 0 {
		return "", fmt.Errorf("table %s: no columns to select", table)
	}
	if len(qkey) == 0 {
		return "", fmt.Errorf("table %s: no key columns to order by", table)
	}
	qt, err := d.QualifiedName(table)
	if err != nil {
		return "", err
	}
	var b strings.Builder
	b.WriteString("SELECT ")
	if limit > 0 {
		b.WriteString("TOP (" + strconv.Itoa(limit) + ") ")
	}
	b.WriteString(strings.Join(sel, ", ") + " FROM " + qt)
	if after {
		b.WriteString(" WHERE " + keysetWhere(qkey, param))
	}
	b.WriteString(" ORDER BY " + strings.Join(qkey, ", "))
	return b.String(), nil
}

// keysetWhere expands "key > after" with connectors.KeysetCondition, which
// numbers each key value once and reuses it (@p1 appears in every OR
// branch). For a composite key it adds a leading range on the first key
// column: the optimiser can seek on that, while it may answer the OR form
// alone with a scan of the whole index.
func keysetWhere(qkey []string, param func(int) string) string {
	cond := connectors.KeysetCondition(qkey, false, param)
	if len(qkey) == 1 {
		return cond
	}
	return qkey[0] + " >= " + param(0) + " AND (" + cond + ")"
}

// selectExpr is how a column is read: code-page text converted by the
// server (see ScanQuery), everything else as stored.
func selectExpr(quoted, sourceType string) string {
	st := parseSourceType(sourceType)
	switch st.name {
	case "char", "varchar":
		// n bytes of a code page (or of UTF-8) never exceed n UTF-16 code
		// units, so nvarchar(n) holds them; nvarchar tops out at 4000.
		if st.length > 0 && st.length <= 4000 {
			return fmt.Sprintf("CAST(%s AS nvarchar(%d))", quoted, st.length)
		}
		return "CAST(" + quoted + " AS nvarchar(max))"
	case "text":
		return "CAST(" + quoted + " AS nvarchar(max))"
	}
	return quoted
}

// keyParamCast returns how a key parameter is cast to its column's type
// (see ScanQuery). A column without a known source type (a declared table
// never read from the catalogue) takes the parameter as it is bound.
func keyParamCast(sourceType string) func(string) string {
	st := parseSourceType(sourceType)
	typ := st.castType()
	if typ == "" {
		return func(p string) string { return p }
	}
	if st.collation != "" && validCollation(st.collation) {
		return func(p string) string { return "CAST(" + p + " COLLATE " + st.collation + " AS " + typ + ")" }
	}
	return func(p string) string { return "CAST(" + p + " AS " + typ + ")" }
}

// textCollation is the collation of every nvarchar column CreateTable
// makes. Without one a column takes the database's default, nearly always
// case- and accent-insensitive (Finnish_Swedish_CI_AS,
// SQL_Latin1_General_CP1_CI_AS), under which a key takes 'ABC' and 'abc'
// for one. A BIN2 collation compares Unicode text code point by code
// point, so keys are equal only when their characters are; the locale
// part of the name does not matter for nvarchar. (SQL Server still
// compares 'a' and 'a ' as equal under every collation, BIN2 included:
// the declared PaddedKeys capability.)
const textCollation = "Latin1_General_100_BIN2"

// CreateTable gives the DDL that creates t when it does not exist:
//
//	IF OBJECT_ID(N'[s].[t]', N'U') IS NULL
//	CREATE TABLE [s].[t] (
//	  [id] bigint NOT NULL,
//	  [n] smallint NULL CHECK ([n] >= -128 AND [n] <= 127),
//	  [k] nvarchar(40) COLLATE Latin1_General_100_BIN2 NOT NULL,
//	  PRIMARY KEY ([id])
//	)
//
// NULL is spelled out because a column's default nullability depends on
// the session's ANSI_NULL_DFLT settings; the collation because the
// database's default is rarely binary (textCollation).
func (d Dialect) CreateTable(t *connectors.Table) (string, error) {
	qt, err := d.QualifiedName(t.Name)
	if err != nil {
		return "", err
	}
	if len(t.Columns) == 0 {
		return "", fmt.Errorf("table %s has no columns", t.Name)
	}
	parts := make([]string, 0, len(t.Columns)+1)
	for _, c := range t.Columns {
		qc, err := d.QuoteIdent(c.Name)
		if err != nil {
			return "", fmt.Errorf("table %s: %w", t.Name, err)
		}
		typ, err := d.ColumnType(c.Type)
		if err != nil {
			return "", fmt.Errorf("table %s column %s: %w", t.Name, c.Name, err)
		}
		p := qc + " " + typ
		if c.Type.Kind == connectors.KindText || c.Type.Kind == connectors.KindJSON {
			p += " COLLATE " + textCollation
		}
		if c.Nullable {
			p += " NULL"
		} else {
			p += " NOT NULL"
		}
		check, err := columnCheck(qc, c.Type)
		if err != nil {
			return "", fmt.Errorf("table %s column %s: %w", t.Name, c.Name, err)
		}
		if check != "" {
			p += " CHECK (" + check + ")"
		}
		parts = append(parts, p)
	}
	if len(t.PrimaryKey) > 0 {
		for _, k := range t.PrimaryKey {
			c := t.Column(k)
			if c == nil {
				return "", fmt.Errorf("table %s: primary key column %s does not exist", t.Name, k)
			}
			if typ, _ := d.ColumnType(c.Type); strings.HasSuffix(typ, "(max)") {
				return "", fmt.Errorf("table %s: primary key column %s is %s, which SQL Server cannot index: declare a length (an index key holds at most 900 bytes: varchar(225), varbinary(900))", t.Name, k, typ)
			}
		}
		pk, err := connectors.QuoteList(d, t.PrimaryKey)
		if err != nil {
			return "", fmt.Errorf("table %s: %w", t.Name, err)
		}
		parts = append(parts, "PRIMARY KEY ("+pk+")")
	}
	return "IF OBJECT_ID(N'" + strings.ReplaceAll(qt, "'", "''") + "', N'U') IS NULL\nCREATE TABLE " + qt +
		" (\n  " + strings.Join(parts, ",\n  ") + "\n)", nil
}

// Limits of one INSERT statement. A table value constructor holds at most
// 1000 rows (error 10738). go-mssqldb sends a parameterised statement as
// an sp_executesql RPC, which carries at most 2100 parameters, two of
// them the statement and its declarations; 2000 leaves room.
const (
	maxRowsPerInsert   = 1000
	maxParamsPerInsert = 2000
)

// rowsPerInsert is how many rows of ncol columns one INSERT carries.
func rowsPerInsert(ncol int) (int, error) {
	if ncol < 1 {
		return 0, fmt.Errorf("no columns")
	}
	if ncol > maxParamsPerInsert {
		return 0, fmt.Errorf("%d columns is more than the %d parameters one statement carries", ncol, maxParamsPerInsert)
	}
	return min(maxRowsPerInsert, maxParamsPerInsert/ncol), nil
}

// InsertSQL gives "INSERT INTO [s].[t] ([a], [b]) VALUES (@p1, @p2), (@p3,
// @p4)" for nrows rows of t's columns, parameters row by row.
func (d Dialect) InsertSQL(t *connectors.Table, nrows int) (string, error) {
	qt, err := d.QualifiedName(t.Name)
	if err != nil {
		return "", err
	}
	per, err := rowsPerInsert(len(t.Columns))
	if err != nil {
		return "", fmt.Errorf("table %s: %w", t.Name, err)
	}
	if nrows < 1 || nrows > per {
		return "", fmt.Errorf("table %s: %d rows in one INSERT, want 1..%d", t.Name, nrows, per)
	}
	names := make([]string, len(t.Columns))
	for i, c := range t.Columns {
		names[i] = c.Name
	}
	cols, err := connectors.QuoteList(d, names)
	if err != nil {
		return "", fmt.Errorf("table %s: %w", t.Name, err)
	}
	var b strings.Builder
	b.WriteString("INSERT INTO " + qt + " (" + cols + ") VALUES ")
	n := 0
	for r := 0; r < nrows; r++ {
		if r > 0 {
			b.WriteString(", ")
		}
		b.WriteByte('(')
		for c := range t.Columns {
			if c > 0 {
				b.WriteString(", ")
			}
			b.WriteString(placeholder(n))
			n++
		}
		b.WriteByte(')')
	}
	return b.String(), nil
}
