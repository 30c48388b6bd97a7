package mysql

import (
	"testing"

	"github.com/regflytt/regflytt/connectors"
)

// Every branch of an ENUM or SET key's literal: a member's number, the
// invalid value 0 read as the empty label, or, where the empty label is
// also a member, read as int64(0) (enumzero.go) beside the empty member, a
// label that is no member, and a SET's bitmask.
func TestEnumKeyLiteral(t *testing.T) {
	for _, tc := range []struct {
		typ, label, want string
		value            connectors.Value // instead of label
		fails            bool
	}{
		{typ: "enum('b','a','c')", label: "a", want: "2"},
		{typ: "enum('b','a','c')", label: "", want: "0"},
		{typ: "enum('b','','c')", label: "", want: "2"},
		{typ: "enum('b','','c')", value: int64(0), want: "0"},
		{typ: "enum('b','a','c')", value: int64(0), fails: true},
		{typ: "enum('b','','c')", label: "c", want: "3"},
		{typ: "enum('b','a','c')", label: "d", fails: true},
		{typ: "set('a','b','c')", label: "", want: "0"},
		{typ: "set('a','b','c')", label: "a,c", want: "5"},
		{typ: "set('a','b','c')", label: "a,d", fails: true},
	} {
		c := &connectors.Column{Name: "k", SourceType: tc.typ}
		k, err := enumKeyNumbers(c)
		if err != nil || k == nil {
			t.Fatalf("%s: %v, %v", tc.typ, k, err)
		}
		var v connectors.Value = tc.label
		if tc.value != nil {
			v = tc.value
		}
		got, err := k.literal(c, v)
		if tc.fails {
			if err == nil {
				t.Errorf("%s %q: literal %s, want an error", tc.typ, tc.label, got)
			}
			continue
		}
		if err != nil || string(got) != tc.want {
			t.Errorf("%s %q: literal %s, %v; want %s", tc.typ, tc.label, got, err, tc.want)
		}
	}
}
