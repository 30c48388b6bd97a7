package sqlserver

import (
	"strconv"
	"strings"

	"github.com/regflytt/regflytt/connectors"
)

// sourceType is a parsed SourceType text: "decimal(10,2)",
// "varchar(100) COLLATE Finnish_Swedish_CI_AS", "nvarchar(max)".
type sourceType struct {
	name string // lower case, without arguments
	// length is the first argument: a length, precision or fractional
	// digits; -1 for max, 0 when absent.
	length int
	scale  int // the second argument, 0 when absent
	nargs  int
	// collation is the COLLATE clause's name, kept as the server spells it.
	collation string
}

func parseSourceType(s string) sourceType {
	s = strings.TrimSpace(s)
	var st sourceType
	if i := strings.Index(strings.ToLower(s), " collate "); i >= 0 {
		st.collation = strings.TrimSpace(s[i+len(" collate "):])
		s = strings.TrimSpace(s[:i])
	}
	s = strings.ToLower(s)
	open := strings.IndexByte(s, '(')
	if open < 0 || !strings.HasSuffix(s, ")") {
		st.name = s
		return st
	}
	st.name = strings.TrimSpace(s[:open])
	args := strings.Split(s[open+1:len(s)-1], ",")
	st.nargs = len(args)
	for i, a := range args {
		a = strings.TrimSpace(a)
		n := -1
		if a != "max" {
			v, err := strconv.Atoi(a)
			if err != nil {
				// Not a type we can read sizes from; keep the name only.
				return sourceType{name: st.name, collation: st.collation}
			}
			n = v
		}
		switch i {
		case 0:
			st.length = n
		case 1:
			st.scale = n
		}
	}
	return st
}

// size renders a length argument, max included.
func size(n int) string {
	if n < 0 {
		return "max"
	}
	return strconv.Itoa(n)
}

// castType is the type a key parameter is CAST to so that it compares as
// the column does (see Dialect.ScanQuery), or "" for types that have no
// such cast (text, ntext, image, xml, sql_variant, geometry, geography:
// the server refuses to order by most of them anyway).
func (st sourceType) castType() string {
	switch st.name {
	case "bigint", "int", "smallint", "tinyint", "bit", "float", "real", "money", "smallmoney",
		"date", "datetime", "smalldatetime", "uniqueidentifier", "hierarchyid":
		return st.name
	case "decimal", "numeric":
		if st.nargs == 2 {
			return st.name + "(" + strconv.Itoa(st.length) + "," + strconv.Itoa(st.scale) + ")"
		}
		return st.name
	case "datetime2", "datetimeoffset", "time":
		if st.nargs == 1 {
			return st.name + "(" + strconv.Itoa(st.length) + ")"
		}
		return st.name
	case "char", "varchar":
		if st.nargs == 1 {
			return "varchar(" + size(st.length) + ")"
		}
		return "varchar(max)"
	case "nchar", "nvarchar":
		if st.nargs == 1 {
			return "nvarchar(" + size(st.length) + ")"
		}
		return "nvarchar(max)"
	case "sysname":
		return "nvarchar(128)"
	case "binary", "varbinary":
		if st.nargs == 1 {
			return "varbinary(" + size(st.length) + ")"
		}
		return "varbinary(max)"
	case "timestamp", "rowversion":
		return "binary(8)"
	}
	return ""
}

// validCollation accepts collation names as SQL Server spells them
// (Finnish_Swedish_CI_AS, Latin1_General_100_CI_AS_SC_UTF8), so that one
// can be written into a query unquoted.
func validCollation(s string) bool {
	if s == "" || len(s) > 128 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_') {
			return false
		}
	}
	return true
}

// TypeOf maps a SQL Server type, as the catalogue writes it (SourceType:
// "nvarchar(100)", "decimal(10,2)", "datetime2(7)", "varchar(50) COLLATE
// Finnish_Swedish_CI_AS"), to the canonical type its values are read
// into. See TypeMap for the edges. A type this connector cannot read
// exactly gets KindInvalid, so that a scan of its table fails loudly.
//
// Two canonical types are not visible in the type text alone: json is
// nvarchar(max) with an ISJSON CHECK constraint, and integer widths SQL
// Server lacks are an integer type with a range CHECK. The catalogue
// refines TypeOf's answer with the column's CHECK constraints.
func TypeOf(sourceType string) connectors.Type {
	st := parseSourceType(sourceType)
	withPrec := func(k connectors.Kind, def int) connectors.Type {
		p := def
		if st.nargs == 1 && st.length >= 0 {
			p = st.length
		}
		return connectors.Type{Kind: k, Precision: p}
	}
	textLen := func() int {
		if st.nargs == 1 && st.length > 0 {
			return st.length
		}
		return 0
	}
	switch st.name {
	case "bigint":
		return connectors.Type{Kind: connectors.KindInt, Bits: 64}
	case "int":
		return connectors.Type{Kind: connectors.KindInt, Bits: 32}
	case "smallint":
		return connectors.Type{Kind: connectors.KindInt, Bits: 16}
	case "tinyint":
		return connectors.Type{Kind: connectors.KindInt, Bits: 8, Unsigned: true}
	case "bit":
		return connectors.Type{Kind: connectors.KindBool}
	case "decimal", "numeric":
		if st.nargs == 2 {
			return connectors.Type{Kind: connectors.KindDecimal, Precision: st.length, Scale: st.scale}
		}
		if st.nargs == 1 {
			return connectors.Type{Kind: connectors.KindDecimal, Precision: st.length}
		}
		return connectors.Type{Kind: connectors.KindDecimal, Precision: 18} // SQL Server's default
	case "money":
		return connectors.Type{Kind: connectors.KindDecimal, Precision: 19, Scale: 4}
	case "smallmoney":
		return connectors.Type{Kind: connectors.KindDecimal, Precision: 10, Scale: 4}
	case "float":
		// float(1..24) is real; the catalogue already names it so.
		if st.nargs == 1 && st.length >= 1 && st.length <= 24 {
			return connectors.Type{Kind: connectors.KindFloat, Bits: 32}
		}
		return connectors.Type{Kind: connectors.KindFloat, Bits: 64}
	case "real":
		return connectors.Type{Kind: connectors.KindFloat, Bits: 32}
	case "char", "varchar", "nchar", "nvarchar":
		return connectors.Type{Kind: connectors.KindText, Length: textLen()}
	case "sysname":
		return connectors.Type{Kind: connectors.KindText, Length: 128}
	case "text", "ntext", "xml":
		return connectors.Type{Kind: connectors.KindText}
	case "sql_variant":
		// Read only when it holds text; see decode.
		return connectors.Type{Kind: connectors.KindText}
	case "binary", "varbinary":
		return connectors.Type{Kind: connectors.KindBytes, Length: textLen()}
	case "image", "hierarchyid", "geometry", "geography":
		return connectors.Type{Kind: connectors.KindBytes}
	case "timestamp", "rowversion":
		return connectors.Type{Kind: connectors.KindBytes, Length: 8}
	case "date":
		return connectors.Type{Kind: connectors.KindDate}
	case "datetime":
		return connectors.Type{Kind: connectors.KindDateTime, Precision: 3}
	case "smalldatetime":
		return connectors.Type{Kind: connectors.KindDateTime, Precision: 0}
	case "datetime2":
		return withPrec(connectors.KindDateTime, 7)
	case "datetimeoffset":
		return withPrec(connectors.KindTimestamp, 7)
	case "time":
		return withPrec(connectors.KindTime, 7)
	case "uniqueidentifier":
		return connectors.Type{Kind: connectors.KindUUID}
	case "json":
		// SQL Server 2025's native json reaches clients that do not
		// negotiate it (go-mssqldb does not) as nvarchar(max).
		return connectors.Type{Kind: connectors.KindJSON}
	}
	return connectors.Type{}
}

// formatSourceType writes a column's type as T-SQL declares it, from
// sys.columns: max_length is in bytes (-1 for max, twice the characters
// for nchar and nvarchar), precision and scale as stored. Code-page text
// keeps its collation, which decides its encoding.
func formatSourceType(typeName string, maxLength, precision, scale int, collation string) string {
	name := strings.ToLower(typeName)
	var s string
	switch name {
	case "char", "varchar", "binary", "varbinary":
		s = name + "(" + size(maxLength) + ")"
	case "nchar", "nvarchar":
		n := maxLength
		if n > 0 {
			n /= 2
		}
		s = name + "(" + size(n) + ")"
	case "decimal", "numeric":
		s = name + "(" + strconv.Itoa(precision) + "," + strconv.Itoa(scale) + ")"
	case "datetime2", "datetimeoffset", "time":
		s = name + "(" + strconv.Itoa(scale) + ")"
	default:
		s = name
	}
	switch name {
	case "char", "varchar", "text":
		if collation != "" {
			s += " COLLATE " + collation
		}
	}
	return s
}

// charsetOf names the encoding of code-page text from its collation's code
// page (COLLATIONPROPERTY(…, 'CodePage')): "cp1252", "utf8" for the
// *_UTF8 collations, "" for Unicode types and Unicode-only collations.
func charsetOf(typeName string, codePage int) string {
	switch strings.ToLower(typeName) {
	case "char", "varchar", "text":
	default:
		return ""
	}
	switch {
	case codePage == 65001:
		return "utf8"
	case codePage > 0:
		return "cp" + strconv.Itoa(codePage)
	}
	return ""
}

// normalizeCheck reduces a CHECK definition to compare it with the ones
// CreateTable writes. SQL Server stores a decoded form, not the text it
// was given ("white spaces are removed", constants parenthesised:
// "([n]>=(-128) AND [n]<=(127))"), so spaces, parentheses and case go.
func normalizeCheck(s string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(s) {
		switch r {
		case ' ', '\t', '\r', '\n', '(', ')':
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

// refineType applies a column's CHECK constraints (their definitions from
// sys.check_constraints) to the type TypeOf read from its type text: the
// ISJSON check that makes nvarchar(max) json, and the range checks that
// make a wider integer type a narrower canonical one. Only the exact
// shapes CreateTable writes are recognised; anything else leaves t alone.
func refineType(t connectors.Type, sourceType, column string, checks []string) connectors.Type {
	if len(checks) == 0 {
		return t
	}
	st := parseSourceType(sourceType)
	qc, err := Dialect{}.QuoteIdent(column)
	if err != nil {
		return t
	}
	ref := normalizeCheck(qc)
	for _, def := range checks {
		n := normalizeCheck(def)
		switch {
		case t.Kind == connectors.KindText && st.name == "nvarchar" && st.length == -1:
			if n == "isjson"+ref+"=1" || n == "isjson"+ref+">0" {
				return connectors.Type{Kind: connectors.KindJSON}
			}
		case t.Kind == connectors.KindInt:
			lo, hi, ok := rangeCheck(n, ref)
			if !ok {
				continue
			}
			for _, bits := range []int{8, 16, 24, 32} {
				for _, unsigned := range []bool{false, true} {
					cand := connectors.Type{Kind: connectors.KindInt, Bits: bits, Unsigned: unsigned}
					ic, err := intColumnOf(cand)
					if err == nil && ic.check && ic.typ == st.name && ic.lo == lo && ic.hi == hi {
						return cand
					}
				}
			}
		}
	}
	return t
}

// rangeCheck reads "<ref>>=<lo>and<ref><=<hi>" from a normalised CHECK.
func rangeCheck(n, ref string) (lo, hi int64, ok bool) {
	rest, found := strings.CutPrefix(n, ref+">=")
	if !found {
		return 0, 0, false
	}
	los, his, found := strings.Cut(rest, "and"+ref+"<=")
	if !found {
		return 0, 0, false
	}
	lo, err1 := strconv.ParseInt(los, 10, 64)
	hi, err2 := strconv.ParseInt(his, 10, 64)
	return lo, hi, err1 == nil && err2 == nil
}
