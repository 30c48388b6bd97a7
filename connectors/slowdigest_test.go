package connectors

import (
	"strings"
	"testing"
)

func TestSlowDigestMatches(t *testing.T) {
	const sum = "a8d57d84c67874a4fa780320ad3abf87f7aa1d583dd9101634c478deb667657d"
	d := SlowDigest(sum)
	if !strings.HasPrefix(d, "$argon2id$v=19$m=19456,t=2,p=1$") {
		t.Fatalf("digest %q: not argon2id at OWASP's cost in the PHC format", d)
	}
	if strings.Contains(d, sum) {
		t.Fatalf("the digest holds the sum")
	}
	if d2 := SlowDigest(sum); d2 == d {
		t.Errorf("two digests of one list are alike: the salt is not fresh")
	}
	for _, c := range []struct {
		stored, sum string
		want        bool
	}{
		{d, sum, true},
		{d, strings.Replace(sum, "a", "b", 1), false},
		// A checkpoint of an older version kept the sum itself.
		{sum, sum, true},
		{sum, strings.Replace(sum, "a", "b", 1), false},
		// An edited checkpoint asking for gigabytes, or not parsing.
		{strings.Replace(d, "m=19456", "m=4194304", 1), sum, false},
		{strings.Replace(d, "t=2", "t=1000", 1), sum, false},
		{strings.Replace(d, "argon2id", "argon2i", 1), sum, false},
		{"$argon2id$v=19$m=19456,t=2,p=1$$", sum, false},
		{"$", sum, false},
		{"", sum, false},
	} {
		if got := SlowDigestMatches(c.stored, c.sum); got != c.want {
			t.Errorf("SlowDigestMatches(%q, %q) = %v, want %v", c.stored, c.sum, got, c.want)
		}
	}
}
