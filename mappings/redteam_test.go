package mappings

import (
	"testing"
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
