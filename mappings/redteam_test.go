package mappings

import (
	"strings"
	"testing"
	"time"

	"github.com/regflytt/regflytt/connectors"
)

// A patient whose hundredth birthday falls later in the reference year is
// written 260601+NNNN from January on; the pseudonym must be the one of
// the same patient written 19260601-NNNN elsewhere, not of a birth in
// 1826 (testEnv's reference date is 2026-01-01).
func TestPseudonymOfAPlusNumberInTheHundredthYear(t *testing.T) {
	cols := []string{"a", "b"}
	for _, f := range []string{"pseudonym(a) == pseudonym(b)", "pnr(a) == pnr(b)"} {
		v, err := evalExpr(t, f, cols, "260601+1233", "19260601-1233")
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		if v != true {
			t.Errorf("%s is %v: one patient got two identities", f, v)
		}
	}
}

// string() of bytes wrote Go's list of byte values ("[85 109 101 195
// 165]") into a text column, exit 0, and verify, applying the same
// mapping, agreed. It reads them as cast: text does: valid UTF-8 is that
// text, other bytes fail the value (their encoding is the mapping's to
// say, with latin1()); an instant is written as cast: text writes it, not
// in Go's own layout.
func TestStringOfBytesAndInstants(t *testing.T) {
	cols := []string{"a"}
	for _, c := range []struct {
		in   any
		want string
	}{
		{[]byte("Umeå"), "Umeå"},
		{[]byte{}, ""},
		{time.Date(2024, 3, 31, 1, 30, 0, 0, time.UTC), "2024-03-31T01:30:00Z"},
	} {
		v, err := evalExpr(t, "string(a)", cols, c.in)
		if err != nil || v != c.want {
			t.Errorf("string(%#v) = %#v, %v; want %q", c.in, v, err, c.want)
		}
		// The same text as cast: text gives.
		cast, err := convert(c.in, connectors.Type{Kind: connectors.KindText})
		if err != nil || cast != c.want {
			t.Errorf("cast: text of %#v = %#v, %v; want %q", c.in, cast, err, c.want)
		}
	}
	v, err := evalExpr(t, "string(a)", cols, []byte{'U', 'm', 'e', 0xe5})
	if err == nil {
		t.Fatalf("string() of Latin-1 bytes = %#v, want the value failed", v)
	}
	if !strings.Contains(err.Error(), "latin1") {
		t.Errorf("the failure does not say how to read them: %v", err)
	}
	if v, err := evalExpr(t, "latin1(a)", cols, []byte{'U', 'm', 'e', 0xe5}); err != nil || v != "Umeå" {
		t.Errorf("latin1() of Latin-1 bytes = %#v, %v", v, err)
	}
}
