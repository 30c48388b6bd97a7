package connectors

import (
	"flag"
	"go/ast"
	"go/parser"
	"go/token"
	"strconv"
	"testing"
)

// update is accepted so that `go test ./connectors/... -run TypeMapDoc
// -update` works for every package of the tree: the go command hands the
// flag to each test binary, and one that does not define it fails. Only
// the conformance package's TestTypeMapDoc acts on it.
var _ = flag.Bool("update", false, "rewrite golden files (used by connectors/conformance)")

// Every Rule constant is in Rules, with a meaning, once: the documented
// type map lists the rules from it.
func TestRulesListed(t *testing.T) {
	file, err := parser.ParseFile(token.NewFileSet(), "fit.go", nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	listed := map[Rule]int{}
	for _, r := range Rules() {
		listed[r.Rule]++
		if r.Means == "" {
			t.Errorf("rule %s has no meaning", r.Rule)
		}
	}
	declared := 0
	ast.Inspect(file, func(n ast.Node) bool {
		vs, ok := n.(*ast.ValueSpec)
		if !ok || vs.Type == nil {
			return true
		}
		if id, ok := vs.Type.(*ast.Ident); !ok || id.Name != "Rule" {
			return true
		}
		for _, v := range vs.Values {
			lit, ok := v.(*ast.BasicLit)
			if !ok {
				continue
			}
			s, _ := strconv.Unquote(lit.Value)
			declared++
			if listed[Rule(s)] != 1 {
				t.Errorf("rule %q is listed %d times in Rules, want once", s, listed[Rule(s)])
			}
		}
		return true
	})
	if declared != len(Rules()) || declared == 0 {
		t.Errorf("%d rules declared, %d listed", declared, len(Rules()))
	}
}

// CheckColumn is Fit, then the dialect's own check, which sees only
// values Fit accepted.
func TestCheckColumn(t *testing.T) {
	col := &Column{Name: "c", Type: Type{Kind: KindInt, Bits: 16}, Nullable: true}
	d := checkingDialect{}
	if err := CheckColumn(d, col, int64(40000)); !isRule(err, RuleIntRange) {
		t.Errorf("out of range: got %v, want int_range from Fit", err)
	}
	if err := CheckColumn(d, col, int64(7)); !isRule(err, RuleNegativeZero) {
		t.Errorf("7: got %v, want the dialect's rule", err)
	}
	if err := CheckColumn(d, col, nil); err != nil {
		t.Errorf("NULL: got %v, want nil (the dialect never sees NULL)", err)
	}
	if err := CheckColumn(noCheckDialect{}, col, int64(7)); err != nil {
		t.Errorf("a dialect without a ValueChecker: got %v", err)
	}
}

func isRule(err error, r Rule) bool {
	fe, ok := err.(*FitError)
	return ok && fe.Rule == r
}

type noCheckDialect struct{}

func (noCheckDialect) Name() string                           { return "test" }
func (noCheckDialect) QuoteIdent(name string) (string, error) { return QuoteWith(name, '"', '"') }
func (noCheckDialect) ColumnType(t Type) (string, error)      { return t.String(), nil }
func (noCheckDialect) SelectBatch(string, []string, []string, bool, int) (string, error) {
	return "", nil
}

// checkingDialect refuses 7, to show which check ran.
type checkingDialect struct{ noCheckDialect }

func (checkingDialect) CheckValue(c *Column, v Value) error {
	if v == int64(7) {
		return &FitError{Rule: RuleNegativeZero}
	}
	if v == nil {
		return &FitError{Rule: RuleNotNull}
	}
	return nil
}
