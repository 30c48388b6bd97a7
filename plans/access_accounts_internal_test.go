package plans

import (
	"strings"
	"testing"
	"time"

	"github.com/regflytt/regflytt/connectors"
	"github.com/regflytt/regflytt/mappings"
	"github.com/regflytt/regflytt/verify"
)

// An active: value reads as enabled or disabled the way the section says;
// NULL as cannot hide a widening on its side; a text the section gives no
// meaning is an error that does not show it.
func TestAccountEnabled(t *testing.T) {
	codes := []mappings.Str{{Value: "A"}, {Value: "1"}}
	cases := []struct {
		name    string
		v       connectors.Value
		enabled []mappings.Str
		legacy  bool
		want    bool
		err     string
	}{
		{"1", int64(1), nil, true, true, ""},
		{"0", int64(0), nil, true, false, ""},
		{"2 is not 0", int64(2), nil, true, true, ""},
		{"true", true, nil, true, true, ""},
		{"false", false, nil, false, false, ""},
		{"text 0", "0", nil, true, false, ""},
		{"text TRUE", "TRUE", nil, true, true, ""},
		{"bit set", []byte{1}, nil, true, true, ""},
		{"bit clear", []byte{0}, nil, false, false, ""},
		{"decimal", connectors.Decimal("1.0"), nil, true, true, ""},
		{"NULL on the legacy side", nil, nil, true, false, ""},
		{"NULL on the receiving side", nil, nil, false, true, ""},
		{"NULL with codes, receiving", nil, codes, false, true, ""},
		{"a code", "A", codes, true, true, ""},
		// A receiving platform on a case-blind collation with PAD SPACE
		// (MariaDB's default) takes "a" and "A " for "A": read enabled
		// there, as a widening must not hide behind them; the legacy side
		// reads them exactly, as the narrower.
		{"a code in lower case, receiving", "a", codes, false, true, ""},
		{"a code padded, receiving", "A  ", codes, false, true, ""},
		{"a code in lower case, legacy", "a", codes, true, false, ""},
		{"a code padded, legacy", "A  ", codes, true, false, ""},
		{"another code", "S", codes, false, false, ""},
		{"a number among codes", int64(1), codes, true, true, ""},
		{"true among codes", true, codes, true, true, ""},
		{"false among codes", false, codes, true, false, ""},
		{"a code without codes", "JA", nil, true, false, "text of 2 characters"},
		// MariaDB reads neither as 1 (aktiv = 1 is false): the legacy side
		// must not read them enabled, which would hide a widening.
		{"1 after a no-break space, legacy", "\u00a01", nil, true, false, "text of 2 characters"},
		{"NaN, legacy", "NaN", nil, true, false, "text of 3 characters"},
		{"a hexadecimal float, legacy", "0x1p0", nil, true, false, "text of 5 characters"},
		{"1 padded, legacy", " 1 ", nil, true, true, ""},
		{"NaN, receiving", "NaN", nil, false, true, ""},
		{"a date", time.Time{}, nil, true, false, "a time.Time"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := accountEnabled(c.v, c.enabled, c.legacy)
			if c.err != "" {
				if err == nil || !strings.Contains(err.Error(), c.err) || strings.Contains(err.Error(), "JA") {
					t.Fatalf("error %v, want one naming %q and not the value", err, c.err)
				}
				return
			}
			if err != nil || got != c.want {
				t.Fatalf("%v, %v; want %v", got, err, c.want)
			}
		})
	}
}

// Two rows of one account: the legacy side takes the narrower, the
// receiving side the wider, so a duplicate hides no widening. An account
// the legacy table lacks reaches nothing; one the receiving table lacks is
// enabled.
func TestAccountStatesMergeAndMissing(t *testing.T) {
	d := func(s string) time.Time { t, _ := time.Parse(time.DateOnly, s); return t }
	a := accountState{from: d("2020-01-01"), to: d("2030-12-31")}
	b := accountState{off: true, to: d("2026-06-30")}
	if got := mergeAccount(a, b, true); !got.off || got.from != d("2020-01-01") || got.to != d("2026-06-30") {
		t.Errorf("legacy merge %+v", got)
	}
	if got := mergeAccount(a, b, false); got.off || !got.from.IsZero() || got.to != d("2030-12-31") {
		t.Errorf("receiving merge %+v", got)
	}
	for _, legacy := range []bool{true, false} {
		g := verify.Grant{Account: "7"}
		(&accountStates{legacy: legacy, byID: map[string]accountState{}}).apply(&g)
		if g.AccountOff != legacy {
			t.Errorf("legacy %v: an account the table lacks is off %v", legacy, g.AccountOff)
		}
	}
	var none *accountStates
	g := verify.Grant{Account: "7"}
	none.apply(&g)
	if g.AccountOff {
		t.Error("without accounts: a grant's account is off")
	}
}
