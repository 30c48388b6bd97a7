package conformance

import (
	"testing"

	"github.com/regflytt/regflytt/connectors"
)

// KeyProbes are three pairs of spellings a collation may take for one
// key: in case ('ABC', 'abc'), in an accent ('é', 'e') and in a
// trailing space ('a', 'a '). A dialect's test writes probe i as row i
// of a text column and asks its database which pairs it takes as equal.
var KeyProbes = []string{"ABC", "abc", "é", "e", "a", "a "}

// CheckKeyBlindness checks connectors.KeyBlindness of column c's
// Collation, as the dialect's catalogue reads it, against the database's
// own equality of the KeyProbes pairs (equal(i, j) says whether probes i
// and j are equal in c): the fold must join every pair the database
// joins, or a merge splits what the source joins; where exact (the
// collation is one the fold reads exactly), it must keep apart every
// pair the database keeps apart, or a record that could migrate is
// archived.
func CheckKeyBlindness(t *testing.T, c *connectors.Column, exact bool, equal func(i, j int) bool) {
	t.Helper()
	caseAccent, trailing := connectors.KeyBlindness(c.Collation)
	for _, p := range []struct {
		i      int
		folded bool
	}{{0, caseAccent}, {2, caseAccent}, {4, caseAccent || trailing}} {
		eq := equal(p.i, p.i+1)
		switch {
		case eq && !p.folded:
			t.Errorf("column %s (%s, collation %q): the database joins '%s' and '%s', the fold keeps them apart", c.Name, c.SourceType, c.Collation, KeyProbes[p.i], KeyProbes[p.i+1])
		case !eq && p.folded && exact:
			t.Errorf("column %s (%s, collation %q): the database keeps '%s' and '%s' apart, the fold joins them", c.Name, c.SourceType, c.Collation, KeyProbes[p.i], KeyProbes[p.i+1])
		}
	}
}
