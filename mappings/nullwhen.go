package mappings

import (
	"math"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/regflytt/regflytt/connectors"
)

// NullWhen declares when a column's value is NULL although its source
// value is not: the source's own ways of writing "no value".
//
//	length_cm: {expr: decimal(langd), null_when: ["-", "okänd"]}
//	level:     {from: niva, null_when: 'niva == "9" && ver == 1'}
//
// A list holds source values, compared as text with the column's source
// column (from:, or the one column an expression reads; bytes as their
// UTF-8 text, a boolean as true/false or 1/0), and by value
// when that column holds numbers (999.9 lists a decimal(5,2) column's
// 999.90 and 1000000 a double's 1e+06); an expression
// over the source row gives true for NULL. A declared NULL is counted per
// column; any other non-NULL source value that ends as NULL is a value
// lost and fails the run.
type NullWhen struct {
	Pos Pos
	// Values is the list form, Expr the expression form.
	Values []Str
	Expr   Str
}

func parseNullWhen(path string, n *yaml.Node, ds *Diagnostics) *NullWhen {
	nw := &NullWhen{Pos: PosOf(path, n)}
	switch n.Kind {
	case yaml.ScalarNode:
		nw.Expr = Str{Value: n.Value, Pos: PosOf(path, n)}
		if n.Value == "" {
			ds.add(nw.Pos, "Y003", "null_when needs an expression or a list of source values")
		}
	case yaml.SequenceNode:
		for _, v := range n.Content {
			if v.Kind != yaml.ScalarNode {
				ds.add(PosOf(path, v), "Y001", "null_when lists source values, each a single value")
				continue
			}
			nw.Values = append(nw.Values, Str{Value: v.Value, Pos: PosOf(path, v)})
		}
		if len(nw.Values) == 0 {
			ds.add(nw.Pos, "Y003", "null_when lists no value")
		}
	default:
		ds.add(nw.Pos, "Y001", "null_when takes an expression or a list of source values")
	}
	return nw
}

// nullWhen compiles a column's null_when.
func (c *compiler) nullWhen(cm *ColumnMapping, cp *columnProgram) {
	nw := cm.NullWhen
	if nw == nil {
		return
	}
	if cm.Value != nil {
		c.ds.add(nw.Pos, "M030", "null_when applies to from: and expr:, not to a constant")
		return
	}
	if nw.Expr.IsSet() {
		c.checkLookups(nw.Expr, c.catalog)
		ce, err := compileExprMode(nw.Expr, columnNames(c.st), c.env, exprMode{decimals: decimalColumns(nil, "", c.st)})
		if err != nil {
			c.ds.add(nw.Expr.Pos, "M013", "null_when: %v", err)
			return
		}
		if ce.refDateBesideColumn {
			c.ds.warn(nw.Expr.Pos, "M091", "%s reads reference_date, the plan's run.reference_date, and %s has a column named reference_date too: the bare name is always the plan's date; read the column as col(\"reference_date\")", "null_when", "source table "+c.st.Name)
		}
		for _, name := range ce.read {
			c.used[name] = true
		}
		cp.nullExpr = ce
		return
	}
	switch {
	case cp.src >= 0:
		cp.nullCol = cp.src
	case cp.expr != nil && len(cp.reads) == 1:
		cp.nullCol = cp.reads[0]
	default:
		c.ds.add(nw.Pos, "M030", "a null_when list needs from: or an expression that reads one source column: write null_when as an expression instead")
		return
	}
	cp.nullValues = map[string]bool{}
	byNumber := c.st != nil && cp.nullCol < len(c.st.Columns) && numeric(c.st.Columns[cp.nullCol].Type.Kind)
	for _, v := range nw.Values {
		cp.nullValues[v.Value] = true
		if !byNumber {
			continue
		}
		if k, ok := numberKey(v.Value); ok {
			if cp.nullNumbers == nil {
				cp.nullNumbers = map[string]bool{}
			}
			cp.nullNumbers[k] = true
		}
	}
}

// numberKey gives a plain decimal number's text as one key per value:
// no sign for zero, no leading zeros, no trailing fractional zeros, no
// point without a fraction ("999.90", "0999.9" and "999.9" are
// "999.9"). ok is false for text that is no such number.
func numberKey(s string) (string, bool) {
	d, ok := normDecimal(connectors.Decimal(s))
	if !ok {
		return "", false
	}
	k := string(d)
	if strings.Contains(k, ".") {
		k = strings.TrimRight(strings.TrimRight(k, "0"), ".")
	}
	if k == "-0" {
		k = "0"
	}
	return k, true
}

// valueNumberKey gives a number's numberKey: a float by the shortest
// decimal that reads back as it (1e+06 is 1000000).
func valueNumberKey(v connectors.Value) (string, bool) {
	switch x := v.(type) {
	case int64:
		return strconv.FormatInt(x, 10), true
	case uint64:
		return strconv.FormatUint(x, 10), true
	case connectors.Decimal:
		return numberKey(string(x))
	case float64:
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return "", false
		}
		return numberKey(strconv.FormatFloat(x, 'f', -1, 64))
	}
	return "", false
}
