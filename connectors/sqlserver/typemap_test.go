package sqlserver

import (
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/regflytt/regflytt/connectors"
)

// TestTypeMapCases fails when a TypeMap row names a test that does not
// exist: "TestX" must be a test function of this package (internal or
// external test files), and "TestX/name" must also have "name" as a string
// literal inside TestX, which is how this package's table tests name
// their cases.
func TestTypeMapCases(t *testing.T) {
	files, err := filepath.Glob("*_test.go")
	if err != nil || len(files) == 0 {
		t.Fatalf("no test files: %v", err)
	}
	literals := map[string]map[string]bool{} // test function -> string literals in it
	fset := token.NewFileSet()
	for _, f := range files {
		file, err := parser.ParseFile(fset, f, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		for _, decl := range file.Decls {
			fn, ok := decl.(*ast.FuncDecl)
			if !ok || fn.Recv != nil || !strings.HasPrefix(fn.Name.Name, "Test") {
				continue
			}
			lits := map[string]bool{}
			ast.Inspect(fn, func(n ast.Node) bool {
				if bl, ok := n.(*ast.BasicLit); ok && bl.Kind == token.STRING {
					if s, err := strconv.Unquote(bl.Value); err == nil {
						lits[s] = true
					}
				}
				return true
			})
			literals[fn.Name.Name] = lits
		}
	}
	seen := map[string]bool{}
	for _, m := range TypeMap() {
		if m.Source == "" || m.Canonical == connectors.KindInvalid || m.Edges == "" {
			t.Errorf("row %+v is incomplete", m)
		}
		if seen[m.Source] {
			t.Errorf("source type %q listed twice", m.Source)
		}
		seen[m.Source] = true
		fn, sub, _ := strings.Cut(m.Case, "/")
		lits, ok := literals[fn]
		if !ok {
			t.Errorf("%s: case %q: no test function %s", m.Source, m.Case, fn)
			continue
		}
		if sub != "" && !lits[sub] {
			t.Errorf("%s: case %q: %s has no case named %q", m.Source, m.Case, fn, sub)
		}
	}
}

// TestTypeMapCoversTypeOf: every sys.types name TypeOf reads has a row.
func TestTypeMapCoversTypeOf(t *testing.T) {
	var rows []string
	for _, m := range TypeMap() {
		rows = append(rows, m.Source)
	}
	all := strings.Join(rows, " | ")
	for _, name := range []string{
		"bigint", "int", "smallint", "tinyint", "bit", "decimal", "numeric", "money", "smallmoney", "float", "real",
		"char", "varchar", "text", "nchar", "nvarchar", "ntext", "sysname", "xml", "json", "binary", "varbinary", "image",
		"timestamp", "rowversion", "hierarchyid", "geometry", "geography", "date", "datetime", "smalldatetime",
		"datetime2", "datetimeoffset", "time", "uniqueidentifier", "sql_variant",
	} {
		if TypeOf(name).Kind == connectors.KindInvalid {
			t.Errorf("TypeOf(%s) is invalid", name)
		}
		found := false
		for _, r := range rows {
			for _, part := range strings.FieldsFunc(r, func(c rune) bool { return c == ',' || c == ' ' || c == '(' }) {
				if part == name {
					found = true
				}
			}
		}
		if !found {
			t.Errorf("type %s has no TypeMap row (rows: %s)", name, all)
		}
	}
}
