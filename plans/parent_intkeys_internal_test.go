package plans

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/regflytt/regflytt/connectors"
	"github.com/regflytt/regflytt/mappings"
)

// intKeyCase is a parent table's one-column integer keys in the order
// the run reads them.
type intKeyCase struct {
	name string
	keys []int64
	// units is how many distinct units the records' outcomes have (each
	// distinct outcome is kept once, its index beside every key); 0:
	// each record its own.
	units int
	// form is the form the keys end in, in memory.
	form intForm
}

func seq(from, to, step int64) []int64 {
	var out []int64
	for k := from; ; k += step {
		if step > 0 && k > to || step < 0 && k < to {
			return out
		}
		out = append(out, k)
		if k == to {
			return out
		}
	}
}

func shuffled(keys []int64, seed uint64) []int64 {
	out := slices.Clone(keys)
	r := rand.New(rand.NewPCG(seed, 1))
	r.Shuffle(len(out), func(i, j int) { out[i], out[j] = out[j], out[i] })
	return out
}

func intKeyCases() []intKeyCase {
	return []intKeyCase{
		{name: "ascending", keys: seq(1, 5000, 1), units: 3, form: intDense},
		{name: "negative and zero", keys: seq(-2500, 2500, 1), units: 3, form: intDense},
		{name: "descending", keys: seq(5000, -100, -1), units: 3, form: intDense},
		{name: "dense out of order", keys: shuffled(seq(0, 20_000, 1), 1), units: 3, form: intDense},
		{name: "dense with gaps", keys: seq(7, 30_000, 3), units: 3, form: intDense},
		{name: "extremes", keys: []int64{0, math.MaxInt64, -1, math.MinInt64, 1, math.MaxInt64 - 1, math.MinInt64 + 1}, units: 3, form: intHashed},
		{name: "dense at the top", keys: seq(math.MaxInt64-3000, math.MaxInt64, 1), units: 3, form: intDense},
		{name: "dense at the bottom, descending", keys: seq(math.MinInt64+3000, math.MinInt64, -1), units: 3, form: intDense},
		{name: "sparse pair", keys: []int64{1, 1e12}, units: 3, form: intSorted},
		{name: "sparse pair descending", keys: []int64{1e12, 1}, units: 3, form: intHashed},
		{name: "sparse ascending", keys: seq(-1e12, 1e12, 1e9), units: 3, form: intSorted},
		{name: "dense then sparse", keys: append(seq(0, 9999, 1), seq(1e12, 1e12+3e6, 1000)...), units: 3, form: intSorted},
		{name: "dense then sparse then out of order",
			keys: slices.Concat(seq(0, 9999, 1), []int64{1e12, 5e11, -7}, seq(10_000, 12_000, 1), seq(-5000, -8, 1)), units: 3, form: intHashed},
		{name: "sparse then dense", keys: append([]int64{-1e15, 1e15}, shuffled(seq(1, 10_000, 1), 2)...), units: 3, form: intHashed},
		{name: "out of order, dense in the end", keys: shuffled(seq(1, 100_000, 1), 3), units: 3, form: intDense},
		{name: "wide outcomes", keys: seq(100, 3100, 1), units: 1000, form: intDense},
		{name: "too many outcomes for two bytes", keys: seq(0, 70_000, 1), form: intHashed},
		{name: "too many outcomes, sparse", keys: seq(0, 70_000e6, 1e6), form: intHashed},
		{name: "too many outcomes, then dense again", keys: slices.Concat(seq(0, 70_000, 1), seq(70_001, 80_000, 1)), form: intHashed},
	}
}

// outcomeOf is the outcome a test gives the record with key k.
func outcomeOf(k int64, units int) (mappings.Outcome, string) {
	kinds := []mappings.Outcome{
		{Kind: mappings.Migrated},
		{Kind: mappings.Archived, Reason: "invalid_date"},
		{Kind: mappings.Excluded, Reason: "opt_out"},
	}
	h := uint64(k) * 0x9e3779b97f4a7c15
	if units == 0 {
		return kinds[h%3], fmt.Sprintf("unit%d", k)
	}
	return kinds[h%3], fmt.Sprintf("unit%d", (h>>8)%uint64(units))
}

// absentKeys are keys near and far from keys that none of them is.
func absentKeys(keys []int64) []int64 {
	held := map[int64]bool{}
	for _, k := range keys {
		held[k] = true
	}
	var out []int64
	probe := func(k int64) {
		if !held[k] {
			out = append(out, k)
		}
	}
	for _, k := range []int64{0, 1, -1, math.MinInt64, math.MaxInt64, 1e12 + 1, 5e11 + 1, -1e12 - 1} {
		probe(k)
	}
	for i, k := range keys {
		if i%97 == 0 || i == len(keys)-1 {
			if k != math.MinInt64 {
				probe(k - 1)
			}
			if k != math.MaxInt64 {
				probe(k + 1)
			}
		}
	}
	return out
}

// newIntStore is a store of a links with the budget.
func newIntStore(t testing.TB, budget int) (*links, *outcomeStore) {
	t.Helper()
	ctx := context.Background()
	l, err := newLinks(ctx, t.TempDir(), &mappings.Program{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	l.memBudget = budget
	s, err := l.outcomeStoreOf(ctx, &connectors.Table{Name: "patient"})
	if err != nil {
		t.Fatal(err)
	}
	return l, s
}

// checkIntStore asks the store for every key and the absent ones, each
// answer held to what was remembered.
func checkIntStore(t *testing.T, what string, s *outcomeStore, c intKeyCase, absent []int64) {
	t.Helper()
	ctx := context.Background()
	if s.spilled {
		// As the run reads children: a prefetch of a batch first.
		var batch [][]connectors.Value
		for _, k := range slices.Concat(c.keys, absent) {
			batch = append(batch, []connectors.Value{k})
		}
		if err := s.prefetch(ctx, batch); err != nil {
			t.Fatal(err)
		}
	}
	for _, k := range c.keys {
		po, found, err := s.lookup(ctx, []connectors.Value{k})
		if err != nil {
			t.Fatal(err)
		}
		o, unit := outcomeOf(k, c.units)
		if want := (parentOutcome{kind: o.Kind, reason: o.Reason, unit: unit}); !found || po != want {
			t.Fatalf("%s: key %d gives %v %+v, remembered %+v", what, k, found, po, want)
		}
	}
	for _, k := range absent {
		po, found, err := s.lookup(ctx, []connectors.Value{k})
		if err != nil {
			t.Fatal(err)
		}
		if found {
			t.Fatalf("%s: key %d, which no record has, gives %+v", what, k, po)
		}
	}
	// An integer key has no text to fold: nothing matches it folded.
	if near, err := s.lookupFolded(ctx, []connectors.Value{c.keys[0]}); err != nil || len(near) != 0 {
		t.Fatalf("%s: folded lookup of key %d gives %v, %v", what, c.keys[0], near, err)
	}
}

// One-column integer keys, however they come (in order or not, dense or
// spread, at the ends of int64), are found with their outcomes, absent
// ones are not, a key twice is refused; the same in memory, spilled part
// way and spilled from the first record.
func TestParentIntKeys(t *testing.T) {
	ctx := context.Background()
	for _, c := range intKeyCases() {
		t.Run(c.name, func(t *testing.T) {
			absent := absentKeys(c.keys)
			l, s := newIntStore(t, 1<<30)
			for _, k := range c.keys {
				o, unit := outcomeOf(k, c.units)
				if err := s.remember(ctx, []connectors.Value{k}, o, unit); err != nil {
					t.Fatalf("key %d: %v", k, err)
				}
			}
			if err := s.done(ctx); err != nil {
				t.Fatal(err)
			}
			if s.spilled || l.memUsed != s.charged || l.memUsed <= s.ints.bytes() {
				t.Fatalf("in memory: spilled %v, charged %d of links' %d, the keys alone cost %d", s.spilled, s.charged, l.memUsed, s.ints.bytes())
			}
			if s.ints.form != c.form || s.ints.n != len(c.keys) {
				t.Errorf("the keys ended in form %d holding %d, want form %d holding %d", s.ints.form, s.ints.n, c.form, len(c.keys))
			}
			checkIntStore(t, "in memory", s, c, absent)
			used := l.memUsed
			for _, budget := range []int{used / 2, 0} {
				l2, s2 := newIntStore(t, budget)
				for _, k := range c.keys {
					o, unit := outcomeOf(k, c.units)
					if err := s2.remember(ctx, []connectors.Value{k}, o, unit); err != nil {
						t.Fatalf("budget %d, key %d: %v", budget, k, err)
					}
				}
				if err := s2.done(ctx); err != nil {
					t.Fatal(err)
				}
				if !s2.spilled || l2.memUsed != 0 {
					t.Fatalf("budget %d of %d used in memory: spilled %v, %d bytes still charged", budget, used, s2.spilled, l2.memUsed)
				}
				checkIntStore(t, fmt.Sprint("spilled at budget ", budget), s2, c, absent)
			}
			// A key twice is refused, the first, the last and one between.
			for _, k := range []int64{c.keys[0], c.keys[len(c.keys)-1], c.keys[len(c.keys)/2]} {
				err := s.remember(ctx, []connectors.Value{k}, mappings.Outcome{Kind: mappings.Migrated}, "")
				if err == nil || !strings.Contains(err.Error(), "two records with the same key") {
					t.Fatalf("key %d twice gives %v", k, err)
				}
			}
		})
	}
}

// A store that spills moves its outcomes to SQLite in key order (the
// integers numerically), as many as it kept.
func TestParentIntKeysSpillInKeyOrder(t *testing.T) {
	ctx := context.Background()
	for _, c := range intKeyCases() {
		if len(c.keys) >= spillSize {
			continue // the inserter writes them before the test can look
		}
		t.Run(c.name, func(t *testing.T) {
			l, s := newIntStore(t, 1<<30)
			for _, k := range c.keys {
				o, unit := outcomeOf(k, c.units)
				if err := s.remember(ctx, []connectors.Value{k}, o, unit); err != nil {
					t.Fatal(err)
				}
			}
			// As when the budget is passed (TestParentIntKeys spills by
			// the budget).
			if err := s.spill(ctx); err != nil {
				t.Fatal(err)
			}
			if !s.spilled || l.memUsed != 0 {
				t.Fatalf("spilled %v, %d bytes still charged", s.spilled, l.memUsed)
			}
			sorted := slices.Sorted(slices.Values(c.keys))
			if len(s.in.pending) != len(sorted) {
				t.Fatalf("%d records spilled of %d", len(s.in.pending), len(sorted))
			}
			for i, k := range sorted {
				want, err := connectors.AppendRow(nil, []connectors.Value{k})
				if err != nil {
					t.Fatal(err)
				}
				if got := s.in.pending[i][0].([]byte); string(got) != string(want) {
					t.Fatalf("spilled record %d has key %x, want %d (%x)", i, got, k, want)
				}
			}
		})
	}
}

// Millions of parent records with integer keys from a sequence fit the
// default budget at a byte or two each (the synthetic EAV platform's
// 1.5 million patients, say), and spread keys read in order at about ten:
// their children's lookups stay in memory, not in SQLite.
func TestParentIntKeysFitTheBudget(t *testing.T) {
	ctx := context.Background()
	for _, c := range []struct {
		name     string
		keys     func(i int64) int64
		n        int64
		maxBytes int
	}{
		{"a sequence, with gaps", func(i int64) int64 { return 1 + i + i/9 }, 2_000_000, 2},
		{"spread keys in order", func(i int64) int64 { return i * 1000 }, 250_000, 13},
		// A table read in no order: in a map until its keys are dense
		// enough, then dense.
		{"a sequence in no order", func(i int64) int64 { return int64(uint64(i)*7919%1_500_000) + 1 }, 1_500_000, 3},
	} {
		t.Run(c.name, func(t *testing.T) {
			l, s := newIntStore(t, parentMemory)
			for i := range c.n {
				if err := s.remember(ctx, []connectors.Value{c.keys(i)}, mappings.Outcome{Kind: mappings.Migrated}, ""); err != nil {
					t.Fatal(err)
				}
			}
			if s.spilled {
				t.Fatalf("%d records spilled to SQLite from a budget of %d bytes", c.n, parentMemory)
			}
			if per := float64(l.memUsed) / float64(c.n); per < 1 || per > float64(c.maxBytes) {
				t.Fatalf("charged %.2f bytes per record, want 1 to %d", per, c.maxBytes)
			}
			for _, i := range []int64{0, c.n / 2, c.n - 1} {
				if _, found, err := s.lookup(ctx, []connectors.Value{c.keys(i)}); err != nil || !found {
					t.Fatalf("key %d: found %v, %v", c.keys(i), found, err)
				}
			}
		})
	}
}
