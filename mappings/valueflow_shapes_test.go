package mappings

import (
	"testing"

	"github.com/regflytt/regflytt/connectors"
)

// The shapes a registry's mapping writes, each where it keeps a value,
// where it passes a NULL through, and where it drops a value: nested
// conditions, ?? and coalesce, a code list written as a map with a
// default, two columns put together, a date with a fallback, a column
// read only by a condition.
func TestValueFlowRegistryShapes(t *testing.T) {
	str := func(s string) connectors.Value { return s }
	checkValueFlow(t, []flowCase{
		// Nested conditions, a source value as the last resort.
		{expr: `b == "1" ? "ja" : (b == "2" ? "nej" : a)`, b: str("1"), want: flowKept},
		{expr: `b == "1" ? "ja" : (b == "2" ? "nej" : a)`, b: str("3"), want: "lost b"},
		{expr: `b == "1" ? "ja" : (b == "2" ? "nej" : a)`, b: str("3"), a: str("q"), want: flowKept},
		{expr: `a == nil ? nil : (b == "1" ? "ja" : (b == "2" ? "nej" : a))`, choice: true, b: str("2"), want: "lost b"},
		{expr: `a == nil ? nil : (b == "1" ? "ja" : (b == "2" ? "nej" : a))`, b: str("3"), want: flowPass},
		// ?? and coalesce.
		{expr: `a ?? b`, b: str("q"), want: flowKept},
		{expr: `a ?? "okänd"`, want: flowMade},
		{expr: `coalesce(a, b, c)`, want: flowPass},
		{expr: `a ?? (b == "1" ? "ja" : nil)`, b: str("2"), want: "lost b"},
		{expr: `a ?? (b == "1" ? "ja" : nil)`, choice: true, a: str("q"), b: str("1"), want: flowKept},
		{expr: `a ?? (b == "1" ? "ja" : nil)`, a: str("q"), b: str("1"), want: flowDiffer},
		// A code list as a map, with and without a default.
		{expr: `{"1": "ja", "2": "nej"}[b]`, b: str("3"), want: "lost b"},
		{expr: `{"1": "ja", "2": "nej"}[b] ?? "okänd"`, b: str("3"), want: flowKept},
		{expr: `a == nil ? nil : ({"1": "ja"}[b] ?? a)`, choice: true, b: str("1"), want: "lost b"},
		{expr: `a == nil ? nil : ({"1": "ja"}[b] ?? a)`, b: str("1"), want: flowDiffer},
		// Two columns put together.
		{expr: `a != nil && b != nil ? a + " " + b : nil`, a: str("q"), want: "lost a"},
		{expr: `a != nil && b != nil ? a + " " + b : nil`, b: str("q"), want: "lost b"},
		{expr: `a == nil ? b : a + " " + (b ?? "")`, a: str("q"), want: flowKept},
		{expr: `(a ?? "") + (b ?? "")`, want: flowMade},
		// A date with a fallback.
		{expr: `date(a) ?? date(b)`, b: str("2020-01-02"), want: flowKept},
		{expr: `a == nil ? nil : (date(a) ?? date(b))`, choice: true, b: str("2020-01-02"), want: "lost b"},
		{expr: `a == nil ? nil : (date(a) ?? date(b))`, b: str("2020-01-02"), want: flowDiffer},
		// A column read only by a condition.
		{expr: `b != nil ? a : nil`, b: str("x"), want: flowPass},
		{expr: `b != nil ? a : nil`, a: str("q"), want: flowDiffer},
		{expr: `b != nil ? a : nil`, choice: true, a: str("q"), want: "lost a"},
		{expr: `b != nil ? a : nil`, a: str("q"), b: str("x"), want: flowKept},
		{expr: `b == "J" ? a : c`, b: str("J"), c: str("z"), want: flowDiffer},
		{expr: `b == "J" ? a : c`, b: str("J"), want: flowPass},
	})
}
