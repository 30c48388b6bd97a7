package pnr

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"
)

var testKey = []byte("regflytt-test-key-0001") // 22 bytes

func mustPseudonymiser(t testing.TB, key []byte) *Pseudonymiser {
	t.Helper()
	p, err := NewPseudonymiser(key)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func mustParse(t testing.TB, s string) Number {
	t.Helper()
	n, err := Parse(s, ref)
	if err != nil {
		t.Fatalf("Parse(%q): %v", s, err)
	}
	return n
}

// The expected values come from outside Go, so they pin the contract (MAC
// input, truncation, text form) rather than echo the implementation:
//
//	printf 191212121212 | openssl dgst -sha256 -hmac regflytt-test-key-0001
//	printf 197010632391 | openssl dgst -sha256 -hmac regflytt-test-key-0001
//
// and the first 32 hex characters of each.
func TestPseudonymKnownAnswer(t *testing.T) {
	p := mustPseudonymiser(t, testKey)
	for _, c := range []struct{ in, want string }{
		{"19121212-1212", "a9b1ac9eb7c70fbefa277a4c4a88c817"},
		{"121212+1212", "a9b1ac9eb7c70fbefa277a4c4a88c817"},
		{"701063-2391", "51b66401e2cfce3e76445c6ece44bf4c"},
	} {
		if got := p.Pseudonym(mustParse(t, c.in)); got != c.want {
			t.Errorf("Pseudonym(%s) = %s, want %s", c.in, got, c.want)
		}
	}
}

func TestPseudonymShapesKeysPeople(t *testing.T) {
	p1 := mustPseudonymiser(t, testKey)
	p2 := mustPseudonymiser(t, []byte("regflytt-test-key-0002"))
	shapes := []string{"19121212-1212", "191212121212", "121212+1212", "\t121212+1212 "}
	want := p1.Pseudonym(mustParse(t, shapes[0]))
	if len(want) != PseudonymLen {
		t.Fatalf("pseudonym length %d, want %d", len(want), PseudonymLen)
	}
	if _, err := hex.DecodeString(want); err != nil || strings.ToLower(want) != want {
		t.Fatalf("pseudonym %q is not lowercase hex", want)
	}
	for _, s := range shapes[1:] {
		if got := p1.Pseudonym(mustParse(t, s)); got != want {
			t.Errorf("shape %q: pseudonym %s, want %s", s, got, want)
		}
	}
	if other := p2.Pseudonym(mustParse(t, shapes[0])); other == want {
		t.Error("two keys give the same pseudonym")
	}
	// Same digits, other century: a different person.
	if young := p1.Pseudonym(mustParse(t, "121212-1212")); young == want {
		t.Error("1912 and 2012 give the same pseudonym")
	}
	if got := p1.Pseudonym(Number{}); got != "" {
		t.Errorf("zero Number pseudonym = %q, want empty", got)
	}
}

func TestNewPseudonymiserKey(t *testing.T) {
	for _, key := range [][]byte{nil, {}, []byte("fifteen-bytes!!")} {
		p, err := NewPseudonymiser(key)
		if p != nil || !errors.Is(err, ErrKeyTooShort) {
			t.Fatalf("key of %d bytes: p=%v err=%v, want ErrKeyTooShort", len(key), p, err)
		}
		if len(key) > 0 && strings.Contains(err.Error(), string(key)) {
			t.Errorf("error %q contains the key", err)
		}
	}
	if _, err := NewPseudonymiser([]byte("sixteen-bytes!!!")); err != nil {
		t.Errorf("16-byte key rejected: %v", err)
	}

	// The key is copied: wiping the caller's slice before the first use
	// (HMAC states are built lazily, and again after a GC empties the
	// pool) changes nothing.
	n := mustParse(t, "19121212-1212")
	want := mustPseudonymiser(t, testKey).Pseudonym(n)
	key := bytes.Clone(testKey)
	p := mustPseudonymiser(t, key)
	clear(key)
	if got := p.Pseudonym(n); got != want {
		t.Error("pseudonym changed after the caller wiped its key slice")
	}
}

func TestPseudonymiserNeverPrintsKey(t *testing.T) {
	key := []byte("SECRET-KEY-MATERIAL-1234")
	p := mustPseudonymiser(t, key)
	p.Pseudonym(mustParse(t, "19121212-1212")) // fill the pool
	holder := struct{ P *Pseudonymiser }{p}

	var out []string
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x", "%X", "%d"} {
		out = append(out, fmt.Sprintf(verb, p), fmt.Sprintf(verb, *p), fmt.Sprintf(verb, holder))
	}
	out = append(out, p.String(), p.GoString())
	var buf bytes.Buffer
	slog.New(slog.NewTextHandler(&buf, nil)).Info("x", "p", p)
	out = append(out, buf.String())
	js, _ := json.Marshal(holder)
	out = append(out, string(js))

	for _, s := range out {
		for _, secret := range []string{string(key), hex.EncodeToString(key), strings.ToUpper(hex.EncodeToString(key)), "SECRET"} {
			if strings.Contains(s, secret) {
				t.Errorf("output %q reveals the key", s)
			}
		}
	}
	if got := fmt.Sprintf("%+v", p); got != redacted {
		t.Errorf("%%+v = %q, want %q", got, redacted)
	}
}

func TestPseudonymConcurrent(t *testing.T) {
	p := mustPseudonymiser(t, testKey)
	inputs := []string{"19121212-1212", "701063-2391", "811218-9876", "121212-1212"}
	want := make([]string, len(inputs))
	nums := make([]Number, len(inputs))
	for i, s := range inputs {
		nums[i] = mustParse(t, s)
		want[i] = p.Pseudonym(nums[i])
	}
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for i := range 2000 {
				k := (i + g) % len(nums)
				if got := p.Pseudonym(nums[k]); got != want[k] {
					t.Errorf("goroutine %d: %s, want %s", g, got, want[k])
					return
				}
			}
		})
	}
	wg.Wait()
}

func TestPseudonymZeroPseudonymiserPanicsClearly(t *testing.T) {
	defer func() {
		r := recover()
		if s, _ := r.(string); !strings.Contains(s, "NewPseudonymiser") {
			t.Errorf("panic %v does not point to NewPseudonymiser", r)
		}
	}()
	var p Pseudonymiser
	p.Pseudonym(mustParse(t, "19121212-1212"))
}
