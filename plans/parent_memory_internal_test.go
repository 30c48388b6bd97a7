package plans

import (
	"context"
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/regflytt/regflytt/connectors"
	"github.com/regflytt/regflytt/mappings"
)

// storeRecord is one parent record remembered by a test.
type storeRecord struct {
	key  []connectors.Value
	o    mappings.Outcome
	unit string
}

// parentRecords are records of a parent table with a two-column key,
// text under folding among them, in every outcome.
func parentRecords() []storeRecord {
	return keyedRecords(func(i int) []connectors.Value { return []connectors.Value{int64(i), fmt.Sprintf("k%d", i%7)} },
		func(text string) []connectors.Value { return []connectors.Value{int64(1000), text} })
}

// intRecords are records of a parent table with a one-column key: mostly
// integers (kept apart in memory), some text (a loosely typed column).
func intRecords() []storeRecord {
	return keyedRecords(func(i int) []connectors.Value { return []connectors.Value{int64(i)} },
		func(text string) []connectors.Value { return []connectors.Value{text} })
}

func keyedRecords(numbered func(int) []connectors.Value, texted func(string) []connectors.Value) []storeRecord {
	var recs []storeRecord
	kinds := []mappings.Outcome{
		{Kind: mappings.Migrated},
		{Kind: mappings.Archived, Reason: "invalid_date"},
		{Kind: mappings.Excluded, Reason: "opt_out"},
		{Kind: mappings.Archived, Reason: "no_national_id"},
	}
	for i := 0; i < 300; i++ {
		recs = append(recs, storeRecord{key: numbered(i), o: kinds[i%len(kinds)], unit: fmt.Sprintf("unit%d", i%5)})
	}
	for i, text := range []string{"abc", "ABC", "Abc ", "Åsa", "asa", "ÅSA", "Öl", "zz"} {
		recs = append(recs, storeRecord{key: texted(text), o: kinds[i%len(kinds)], unit: "unit" + text})
	}
	return recs
}

// storeLookups are the keys a test's children look up: present, absent,
// and matching only after folding.
func storeLookups() [][]connectors.Value {
	var keys [][]connectors.Value
	for i := -2; i < 305; i += 3 {
		keys = append(keys, []connectors.Value{int64(i), fmt.Sprintf("k%d", i%7)}, []connectors.Value{int64(i), "none"},
			[]connectors.Value{int64(i)}, []connectors.Value{fmt.Sprint(i)}, []connectors.Value{float64(i)})
	}
	for _, text := range []string{"abc", "aBc", "abc  ", "asa", "Asa", "ÅSA ", "ol", "Öl", "ZZ", "q"} {
		keys = append(keys, []connectors.Value{int64(1000), text}, []connectors.Value{text})
	}
	return keys
}

type storeAnswers struct {
	lookups, prefetched, folded []string
	spilled                     bool
	memUsed                     int
}

// askStore remembers recs in a store of a links with the budget, then
// answers every lookup three ways: one by one, after a prefetch, and
// folded.
func askStore(t *testing.T, budget int, recs []storeRecord) storeAnswers {
	t.Helper()
	ctx := context.Background()
	l, err := newLinks(ctx, t.TempDir(), &mappings.Program{})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	l.memBudget = budget
	s, err := l.outcomeStoreOf(ctx, &connectors.Table{Name: "patient"})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range recs {
		if err := s.remember(ctx, r.key, r.o, r.unit); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.done(ctx); err != nil {
		t.Fatal(err)
	}
	a := storeAnswers{spilled: s.spilled, memUsed: l.memUsed}
	say := func(po parentOutcome, found bool) string {
		return fmt.Sprintf("%v %d %q %q", found, po.kind, po.reason, po.unit)
	}
	keys := storeLookups()
	for _, k := range keys {
		po, found, err := s.lookup(ctx, k)
		if err != nil {
			t.Fatal(err)
		}
		a.lookups = append(a.lookups, say(po, found))
		near, err := s.lookupFolded(ctx, k)
		if err != nil {
			t.Fatal(err)
		}
		var all []string
		for _, po := range near {
			all = append(all, say(po, true))
		}
		a.folded = append(a.folded, strings.Join(all, "; "))
	}
	if err := s.prefetch(ctx, keys); err != nil {
		t.Fatal(err)
	}
	for _, k := range keys {
		po, found, err := s.lookup(ctx, k)
		if err != nil {
			t.Fatal(err)
		}
		a.prefetched = append(a.prefetched, say(po, found))
	}
	return a
}

// The parents' outcomes answer the same whether they stay in memory, go
// to SQLite from the first record, or spill there part way.
func TestParentOutcomesInMemoryAndSpilled(t *testing.T) {
	t.Run("two-column keys", func(t *testing.T) { testParentOutcomes(t, parentRecords()) })
	t.Run("one-column keys", func(t *testing.T) { testParentOutcomes(t, intRecords()) })
}

func testParentOutcomes(t *testing.T, recs []storeRecord) {
	inMemory := askStore(t, 1<<30, recs)
	if inMemory.spilled || inMemory.memUsed == 0 {
		t.Fatalf("within the budget the store spilled (%v) or charged nothing (%d)", inMemory.spilled, inMemory.memUsed)
	}
	found := 0
	for _, a := range inMemory.lookups {
		if strings.HasPrefix(a, "true") {
			found++
		}
	}
	if found < 100 || found == len(inMemory.lookups) {
		t.Fatalf("the lookups found %d of %d: the test asks nothing both ways", found, len(inMemory.lookups))
	}
	if !strings.Contains(strings.Join(inMemory.folded, "|"), ";") {
		t.Fatalf("no folded lookup found several records: %q", inMemory.folded)
	}
	// Spilled from the first record, and part way: a third and two
	// thirds of what the records cost in memory.
	for _, budget := range []int{0, inMemory.memUsed / 3, inMemory.memUsed * 2 / 3} {
		t.Run(fmt.Sprint("budget ", budget), func(t *testing.T) {
			got := askStore(t, budget, recs)
			if !got.spilled || got.memUsed != 0 {
				t.Fatalf("beyond the budget the store did not spill (%v), or kept %d bytes charged", got.spilled, got.memUsed)
			}
			for name, pair := range map[string][2][]string{"lookup": {inMemory.lookups, got.lookups}, "prefetch": {inMemory.prefetched, got.prefetched}, "folded": {inMemory.folded, got.folded}} {
				if !reflect.DeepEqual(pair[0], pair[1]) {
					t.Errorf("%s: in memory %q, spilled %q", name, pair[0], pair[1])
				}
			}
		})
	}
}

// A parent table with two records of one key is refused, whether the
// second comes while the outcomes are in memory or after they spilled.
func TestParentOutcomesRefuseATwiceKey(t *testing.T) {
	ctx := context.Background()
	for _, c := range []struct {
		budget int
		key    connectors.Value
	}{{0, int64(1)}, {1 << 30, int64(1)}, {0, "a"}, {1 << 30, "a"}} {
		budget := c.budget
		l, err := newLinks(ctx, t.TempDir(), &mappings.Program{})
		if err != nil {
			t.Fatal(err)
		}
		l.memBudget = budget
		s, err := l.outcomeStoreOf(ctx, &connectors.Table{Name: "patient"})
		if err != nil {
			t.Fatal(err)
		}
		err = s.remember(ctx, []connectors.Value{c.key}, mappings.Outcome{Kind: mappings.Migrated}, "")
		if err == nil {
			err = s.remember(ctx, []connectors.Value{c.key}, mappings.Outcome{Kind: mappings.Archived, Reason: "x"}, "")
		}
		if err == nil {
			err = s.done(ctx)
		}
		if err == nil || !strings.Contains(err.Error(), "two records with the same key") {
			t.Errorf("budget %d, key %v: a key twice gives %v", budget, c.key, err)
		}
		l.Close()
	}
}
