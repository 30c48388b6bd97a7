package conformance

import (
	"bytes"
	"flag"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"io"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/regflytt/regflytt/connectors"
)

// Update is the -update flag of every test binary that imports this
// package: golden files are rewritten instead of compared. It is defined
// here, not in one test, because `go test ./connectors/... -update` hands
// the flag to every package's binary, and one that does not know it fails.
var Update = flag.Bool("update", false, "rewrite golden files (connectors/TYPEMAP.md) instead of comparing with them")

// CheckTypeMapCases fails t when a row of a dialect's TypeMap is
// incomplete, lists a source type twice, or names a Case that does not
// exist among the test files of the package under test (the working
// directory of a test). A Case is "TestX" or "TestX/sub": TestX must be a
// test function, and sub either a string literal in TestX or in a
// package-level variable it uses (how table tests name their cases), or,
// when TestX calls conformance.Run, one of SubtestNames. Checked on the
// source, so it holds without a server.
func CheckTypeMapCases(t *testing.T, rows []connectors.TypeMapping) {
	t.Helper()
	files, err := filepath.Glob("*_test.go")
	if err != nil || len(files) == 0 {
		t.Fatalf("no test files in the package under test: %v", err)
	}
	fset := token.NewFileSet()
	funcs := map[string]*ast.FuncDecl{}
	vars := map[string]ast.Node{}
	for _, f := range files {
		file, err := parser.ParseFile(fset, f, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range file.Decls {
			switch d := d.(type) {
			case *ast.FuncDecl:
				if d.Recv == nil && strings.HasPrefix(d.Name.Name, "Test") {
					funcs[d.Name.Name] = d
				}
			case *ast.GenDecl:
				for _, s := range d.Specs {
					if vs, ok := s.(*ast.ValueSpec); ok {
						for _, n := range vs.Names {
							vars[n.Name] = vs
						}
					}
				}
			}
		}
	}
	// literals gives the string literals of a test and of the package-level
	// variables it uses, transitively.
	literals := func(fn *ast.FuncDecl) map[string]bool {
		out := map[string]bool{}
		seen := map[string]bool{}
		var walk func(n ast.Node)
		walk = func(n ast.Node) {
			ast.Inspect(n, func(n ast.Node) bool {
				switch x := n.(type) {
				case *ast.BasicLit:
					if x.Kind == token.STRING {
						if s, err := strconv.Unquote(x.Value); err == nil {
							out[s] = true
						}
					}
				case *ast.Ident:
					if v, ok := vars[x.Name]; ok && !seen[x.Name] {
						seen[x.Name] = true
						walk(v)
					}
				}
				return true
			})
		}
		walk(fn.Body)
		return out
	}
	callsRun := func(fn *ast.FuncDecl) bool {
		found := false
		ast.Inspect(fn.Body, func(n ast.Node) bool {
			if call, ok := n.(*ast.CallExpr); ok {
				if sel, ok := call.Fun.(*ast.SelectorExpr); ok && sel.Sel.Name == "Run" {
					if id, ok := sel.X.(*ast.Ident); ok && id.Name == "conformance" {
						found = true
					}
				}
			}
			return !found
		})
		return found
	}
	if len(rows) == 0 {
		t.Fatal("empty type map")
	}
	sources := map[string]bool{}
	for _, r := range rows {
		if r.Source == "" || r.Canonical == connectors.KindInvalid || r.Edges == "" || r.Case == "" {
			t.Errorf("row %+v is incomplete", r)
			continue
		}
		if sources[r.Source] {
			t.Errorf("source type %q is listed twice", r.Source)
		}
		sources[r.Source] = true
		name, sub, hasSub := strings.Cut(r.Case, "/")
		fn := funcs[name]
		if fn == nil {
			t.Errorf("%s: case %q: no test function %s", r.Source, r.Case, name)
			continue
		}
		if !hasSub {
			continue
		}
		if callsRun(fn) && slices.Contains(SubtestNames(), sub) {
			continue
		}
		first, _, _ := strings.Cut(sub, "/")
		if !literals(fn)[first] {
			t.Errorf("%s: case %q: %s runs no case named %q", r.Source, r.Case, name, first)
		}
	}
}

// SourceMap is one source dialect's part of the documented type map.
type SourceMap struct {
	// Title names the database ("MariaDB / MySQL").
	Title string
	// Package is the connector's package ("connectors/mysql").
	Package string
	Rows    []connectors.TypeMapping
}

// goValues says which Go value each canonical kind is, for the page.
var goValues = map[connectors.Kind]string{
	connectors.KindInt:       "`int64`; `uint64` above 9223372036854775807 only",
	connectors.KindFloat:     "`float64`, compared bit for bit (-0.0 is not 0.0)",
	connectors.KindDecimal:   "`connectors.Decimal`: exact text, never float64",
	connectors.KindBool:      "`bool`",
	connectors.KindText:      "`string`, UTF-8",
	connectors.KindBytes:     "`[]byte`; empty is not NULL",
	connectors.KindDate:      "`connectors.Date`, or `connectors.InvalidDate` read from a source",
	connectors.KindDateTime:  "`connectors.LocalDateTime`: a wall clock without a zone, or `InvalidDate`",
	connectors.KindTimestamp: "`time.Time` in UTC: an instant, or `InvalidDate` (infinity, BC)",
	connectors.KindTime:      "`connectors.Duration`: a time of day or a MySQL TIME up to ±838:59:59",
	connectors.KindUUID:      "`connectors.UUID`: 16 bytes in RFC 4122 order",
	connectors.KindJSON:      "`connectors.JSON`: the text byte for byte",
}

// RenderTypeMap writes the documented type map (connectors/TYPEMAP.md):
// each source dialect's TypeMap rows, the column each target dialect
// creates for every TargetTypes type, what each does with every edge
// value of Edges, and the rules that name refusals. Everything comes from
// the code: the rows, Dialect.ColumnType (through the CREATE TABLE a run
// would issue), and Observe, which the conformance suite holds to the
// servers.
func RenderTypeMap(w io.Writer, sources []SourceMap, targets []connectors.Dialect) error {
	var b bytes.Buffer
	p := func(format string, args ...any) { fmt.Fprintf(&b, format, args...) }
	p("# The type map\n\n")
	p("<!-- Generated from the code by `go test ./connectors/... -run TypeMapDoc -update`; do not edit. -->\n\n")
	p("How regflytt reads every source type into its canonical values, which column it creates for each\n")
	p("receiving-schema type on every target, and what happens at the edges: a value is kept exactly or\n")
	p("refused with a named rule, never changed. A refused value archives its record with the rule as the\n")
	p("reason and the column named; the other rows of its batch and table migrate.\n\n")
	var srcRows int
	for _, s := range sources {
		srcRows += len(s.Rows)
	}
	p("Size: %d source rows (", srcRows)
	for i, s := range sources {
		if i > 0 {
			p(", ")
		}
		p("%s %d", s.Title, len(s.Rows))
	}
	p("), %d receiving types × %d target dialects, %d edge values.\n\n", len(TargetTypes()), len(targets), len(Edges()))

	p("## Canonical values\n\n")
	p("| kind | Go value |\n| --- | --- |\n")
	for k := connectors.KindInt; k <= connectors.KindJSON; k++ {
		p("| `%s` | %s |\n", k, goValues[k])
	}
	p("\nNULL is `nil` in every kind. Each column also keeps its source type text (`Column.SourceType`) for the archive.\n\n")

	p("## Reading: source type → canonical\n\n")
	p("Each row's case is the test that reads edge values of that type from a table made with the\n")
	p("dialect's own SQL; a test fails when a row names no existing case (`TestTypeMapCases`).\n")
	for _, s := range sources {
		p("\n### %s (`%s`)\n\n", s.Title, s.Package)
		p("| source type | canonical | at the edges | case |\n| --- | --- | --- | --- |\n")
		for _, r := range s.Rows {
			p("| %s | `%s` | %s | `%s` |\n", cell(r.Source), r.Canonical, cell(r.Edges), r.Case)
		}
	}

	p("\n## Writing: receiving type → column on each target\n\n")
	p("The column `Create` makes for a receiving-schema type (the CREATE TABLE text a run issues, so\n")
	p("CHECK constraints and column comments show). A type a dialect cannot hold exactly is refused\n")
	p("when the receiving tables are created, with the reason given here.\n\n")
	p("| receiving type |")
	for _, d := range targets {
		p(" %s |", d.Name())
	}
	p("\n| --- |%s\n", strings.Repeat(" --- |", len(targets)))
	for _, ts := range TargetTypes() {
		typ, err := connectors.ParseType(ts)
		if err != nil {
			return fmt.Errorf("target type %q: %w", ts, err)
		}
		p("| `%s` |", ts)
		for _, d := range targets {
			ddl, err := columnDDL(d, typ)
			if err != nil {
				p(" refused: %s |", cell(err.Error()))
				continue
			}
			p(" `%s` |", cell(ddl))
		}
		p("\n")
	}

	p("\n## Edge values\n\n")
	p("What each target does with each edge value: `exact` (written and read back as the same canonical\n")
	p("value, bit for bit), a rule name (refused before anything is sent, by `Tx.Write` and by\n")
	p("`connectors.CheckColumn`, which a run uses to archive the record), or `no column type` (the\n")
	p("receiving type itself is refused). The conformance suite asserts every cell against each\n")
	p("server (`TestConformance/Edges/<case>`).\n\n")
	p("| case | type | value |")
	for _, d := range targets {
		p(" %s |", d.Name())
	}
	p("\n| --- | --- | --- |%s\n", strings.Repeat(" --- |", len(targets)))
	for _, e := range Edges() {
		p("| `%s` | `%s` | %s |", e.Name, e.Type, cell(showValue(e)))
		for _, d := range targets {
			o, err := Observe(d, e)
			if err != nil {
				return fmt.Errorf("edge %s on %s: %w", e.Name, d.Name(), err)
			}
			p(" %s |", o)
		}
		p("\n")
	}
	quoted := make([]string, 0, len(TextKeys()))
	for _, k := range TextKeys() {
		quoted = append(quoted, "`"+strconv.Quote(k)+"`")
	}
	p("\nText keys: %s are distinct primary-key values on every\n", strings.Join(quoted, ", "))
	p("target but SQL Server, which compares keys with trailing spaces padded whatever the collation: there\n")
	p("the second of `\"a\"` and `\"a \"` is refused by the server as a duplicate key (`TestConformance/TextKeys`).\n\n")

	p("## Rules\n\n")
	p("| rule | means |\n| --- | --- |\n")
	for _, r := range connectors.Rules() {
		p("| `%s` | %s |\n", r.Rule, cell(r.Means))
	}
	p("\nA mapping's cast that loses information archives with `cast_<kind>` (`cast_boolean` for a\n")
	p("`tinyint(1)` holding 2 mapped to a boolean); see the mapping language.\n\n")

	p("## Not covered\n\n")
	for _, n := range notCovered {
		p("- %s\n", n)
	}
	_, err := w.Write(b.Bytes())
	return err
}

// notCovered is what the type map does not promise, said once here so the
// page cannot omit it.
var notCovered = []string{
	"SQL Server was not run: its rows and cells come from its dialect's code and tests without a server; the suite runs against one only under `REGFLYTT_TEST_MSSQL`. Its `-0.0` is refused until that run shows the sign kept.",
	"MySQL (as opposed to MariaDB) is not tested: its `json` type normalises text and it has no `uuid` or `inet6` types.",
	"PostgreSQL `interval`, `timetz`, arrays, ranges, `money` and other types without a canonical kind are read as their text; a mapping parses them.",
	"SQL Server `sql_variant` holding anything but text, and CLR types beyond their raw bytes.",
	"A source value of another type than its declared one (SQLite's affinity) is handed up as stored; the mapping decides its outcome.",
	"Collations other than byte order for text keys on a target: regflytt creates binary-collated text on MariaDB; PostgreSQL uses the database's collation, under which keyset order and ORDER BY agree.",
}

// columnDDL gives the column definition a dialect's CREATE TABLE writes
// for a nullable column of type typ, without the column's name: the type,
// and a CHECK or COMMENT where the dialect adds one.
func columnDDL(d connectors.Dialect, typ connectors.Type) (string, error) {
	if _, err := d.ColumnType(typ); err != nil {
		return "", err
	}
	t := &connectors.Table{Name: "t", Columns: []connectors.Column{{Name: "c", Type: typ, Nullable: true}}}
	ddl, err := connectors.CreateTableDDL(d, t)
	if err != nil {
		return "", err
	}
	qc, err := d.QuoteIdent("c")
	if err != nil {
		return "", err
	}
	for _, line := range strings.Split(ddl, "\n") {
		line = strings.TrimSpace(line)
		rest, ok := strings.CutPrefix(line, qc+" ")
		if !ok {
			continue
		}
		rest = strings.TrimSuffix(rest, ",")
		// SQL Server spells out NULL; the others leave it to the default.
		return strings.Replace(rest, " NULL", "", 1), nil
	}
	return "", fmt.Errorf("no column line in %q", ddl)
}

// cell makes text safe inside a Markdown table cell.
func cell(s string) string {
	s = strings.ReplaceAll(s, "|", `\|`)
	return strings.ReplaceAll(s, "\n", " ")
}
