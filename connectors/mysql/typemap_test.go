package mysql_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/regflytt/regflytt/connectors/mysql"
)

// Every TypeMap row names a real test case: "TestX" must be a test
// function of this package, and "TestX/sub" also needs sub as a case name
// that TestX runs — a string literal in its body or in a package-level
// table its body uses (sourceCases for TestSourceTypes). Checked on the
// source, so it holds without a server.
func TestTypeMapCases(t *testing.T) {
	files, err := filepath.Glob("*_test.go")
	if err != nil {
		t.Fatal(err)
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
	// caseNames gives the string literals a test can run as subtests.
	caseNames := func(fn *ast.FuncDecl) map[string]bool {
		names := map[string]bool{}
		collect := func(n ast.Node) {
			ast.Inspect(n, func(n ast.Node) bool {
				if lit, ok := n.(*ast.BasicLit); ok && lit.Kind == token.STRING {
					if s, err := strconv.Unquote(lit.Value); err == nil {
						names[s] = true
					}
				}
				return true
			})
		}
		collect(fn.Body)
		ast.Inspect(fn.Body, func(n ast.Node) bool {
			if id, ok := n.(*ast.Ident); ok {
				if v, ok := vars[id.Name]; ok {
					collect(v)
				}
			}
			return true
		})
		return names
	}
	rows := mysql.TypeMap()
	if len(rows) == 0 {
		t.Fatal("empty type map")
	}
	for _, r := range rows {
		if r.Source == "" || r.Canonical == 0 || r.Edges == "" {
			t.Errorf("row %+v is incomplete", r)
		}
		name, sub, hasSub := strings.Cut(r.Case, "/")
		fn := funcs[name]
		if fn == nil {
			t.Errorf("%s: case %q: no test function %s", r.Source, r.Case, name)
			continue
		}
		if hasSub && !caseNames(fn)[sub] {
			t.Errorf("%s: case %q: %s runs no case named %q", r.Source, r.Case, name, sub)
		}
	}
}
