package synth

import (
	"math/rand/v2"
	"testing"
	"time"

	"github.com/regflytt/regflytt/connectors"
	"github.com/regflytt/regflytt/mappings/pnr"
)

var refDate = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

// Every patient is a different, valid person, and every shape the
// generator writes a number in reads back as that person; only the wrong
// check digit does not.
func TestPeopleAreDistinctAndValid(t *testing.T) {
	n := 300_000
	if testing.Short() {
		n = 30_000
	}
	ps := newPeople(42)
	seen := make(map[string]int, n)
	r := rand.New(rand.NewPCG(1, 2))
	old := 0
	for i := 1; i <= n; i++ {
		p := ps.at(i)
		if i%7 == 0 {
			p.coord = true
		}
		normal := p.normal()
		if j, dup := seen[normal]; dup {
			t.Fatalf("patients %d and %d are both %s", j, i, normal)
		}
		seen[normal] = i
		if p.old() {
			old++
		}
		shapes := []string{p.canonical(), p.short(), p.ten(), p.spaced(), normal}
		for _, s := range shapes {
			got, err := pnr.Parse(s, refDate)
			if err != nil || got.String() != normal {
				t.Fatalf("patient %d born %v: shape %q reads as %q, %v; want %s", i, p.birth, s, got, err, normal)
			}
		}
		if _, err := pnr.Parse(p.wrongCheck(r), refDate); err == nil {
			t.Fatalf("patient %d: a wrong check digit parses", i)
		}
	}
	// About one in nine is born 1916-1925, aged 100 or more.
	if share := float64(old) / float64(n); share < 0.09 || share > 0.14 {
		t.Errorf("%.3f of patients aged 100 or more, want about 0.114", share)
	}
}

// The permutation stays a permutation at the largest size: spot-check
// that the numbers of the last patients fall in range and that the walk
// ends.
func TestPeopleAtTheEdge(t *testing.T) {
	ps := newPeople(7)
	for i := MaxPatients - 1000; i <= MaxPatients; i++ {
		p := ps.at(i)
		if !p.birth.Valid() || p.serial < 0 || p.serial > 999 {
			t.Fatalf("patient %d: %+v", i, p)
		}
	}
}

// The generator's own day arithmetic agrees with the time package's.
func TestDayArithmetic(t *testing.T) {
	base := time.Date(1900, 1, 1, 0, 0, 0, 0, time.UTC)
	for n := 0; n < 80_000; n += 7 {
		want := base.AddDate(0, 0, n)
		got := dateAt(connectors.Date{Year: 1900, Month: 1, Day: 1}, n)
		if got != connectors.DateOf(want) {
			t.Fatalf("1900-01-01 + %d days: got %v, want %v", n, got, want.Format(time.DateOnly))
		}
		if back := daysBetween(connectors.Date{Year: 1900, Month: 1, Day: 1}, got); back != n {
			t.Fatalf("days from 1900-01-01 to %v: %d, want %d", got, back, n)
		}
	}
}
