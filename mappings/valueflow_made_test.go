package mappings

import (
	"testing"

	"github.com/regflytt/regflytt/connectors"
)

// A branch that reads no column as a value and is not NULL (a constant:
// "akut") makes its value of the columns its condition reads, as a
// condition whose branches both are constants does: b == "A" ? "akut" : a
// gives b's value where b is "A". So b is carried, in a branch not taken
// too: a == nil ? nil : (b == "A" ? "akut" : a) with a NULL and b "A"
// drops b's "akut", which reached neither the target nor the archive and
// passed with exit 0 before (values_differ without choice:, a value lost
// with it). A branch that is nil makes no value, so b == "A" ? nil : a
// with a NULL still passes NULL through.
func TestValueFlowConstantBranchCarries(t *testing.T) {
	str := func(s string) connectors.Value { return s }
	checkValueFlow(t, []flowCase{
		{expr: `a == nil ? nil : (b == "A" ? "akut" : a)`, b: str("A"), want: flowDiffer},
		{expr: `a == nil ? nil : (b == "A" ? "akut" : a)`, choice: true, b: str("A"), want: "lost b"},
		{expr: `if a == nil { nil } else { b == "A" ? "akut" : a }`, choice: true, b: str("A"), want: "lost b"},
		{expr: `a == nil ? nil : (b != "A" ? a : "akut")`, choice: true, b: str("A"), want: "lost b"},
		// id is copied to the key column as it is: nothing of it is lost.
		{expr: `a == nil ? nil : (id == 1 ? "x" : a)`, id: 1, want: flowPass},
		{expr: `let k = b == "A"; a == nil ? nil : (k ? "akut" : a)`, choice: true, b: str("A"), want: "lost b"},
		// b would choose a, which is NULL: the guard's NULL, b steered
		// nothing. Where the condition ran, b steered to the NULL (lost).
		{expr: `a == nil ? nil : (b == "A" ? "akut" : a)`, choice: true, b: str("B"), want: flowPass},
		{expr: `a == nil ? nil : (b == "A" ? "akut" : a)`, b: str("B"), want: flowPass},
		{expr: `b == "A" ? "akut" : a`, b: str("B"), want: "lost b"},
		// Nested: the innermost condition that makes the value.
		{expr: `a == nil ? nil : (b == "A" ? "akut" : (c == "P" ? "planerad" : a))`, choice: true, c: str("P"), want: "lost c"},
		{expr: `a == nil ? nil : (b == "A" ? "akut" : (c == "P" ? "planerad" : a))`, b: str("X"), c: str("Q"), want: flowPass},
		// A condition that fails on the row: cannot be told, loud.
		{expr: `a == nil ? nil : (integer(b) > 5 ? "stor" : a)`, b: str("x"), want: flowDiffer},
		{expr: `a == nil ? nil : (integer(b) > 5 ? "stor" : a)`, b: str("3"), want: flowPass},
		// Where b is NULL nothing is dropped; where a holds a value the
		// condition runs and b is read.
		{expr: `a == nil ? nil : (b == "A" ? "akut" : a)`, want: flowPass},
		{expr: `a == nil ? nil : (b == "A" ? "akut" : a)`, a: str("q"), b: str("A"), want: flowKept},
		{expr: `a == nil ? nil : (b == "A" ? "akut" : a)`, a: str("q"), b: str("B"), want: flowKept},
		// A nil branch or one choosing between source values makes no
		// value of the condition's columns.
		{expr: `a == nil ? nil : (b == "A" ? nil : a)`, b: str("A"), want: flowPass},
		{expr: `a == nil ? nil : (b == "A" ? c : a)`, b: str("A"), want: flowPass},
		{expr: `a == nil ? nil : (b == "A" ? c ?? a : a)`, b: str("A"), want: flowPass},
	})
}
