package pnr_test

import (
	"errors"
	"fmt"
	"time"

	"github.com/regflytt/regflytt/mappings/pnr"
)

// The reference date comes from the plan or the row, never the clock, so
// the same input always gives the same output.
var planDate = time.Date(2025, time.June, 15, 0, 0, 0, 0, time.UTC)

// Every shape a legacy database may hold normalises to the same 12 digits.
func ExampleParse() {
	for _, s := range []string{"19121212-1212", "191212121212", "121212+1212", " 121212-1212 "} {
		n, err := pnr.Parse(s, planDate)
		if err != nil {
			fmt.Println(err)
			continue
		}
		fmt.Println(n)
	}
	// Output:
	// 191212121212
	// 191212121212
	// 191212121212
	// 201212121212
}

// ParseNotes also tells what was inferred or cleaned, for the ledger.
func ExampleParseNotes() {
	_, notes, _ := pnr.ParseNotes(" 121212+1212", planDate)
	fmt.Println(notes)
	// Output: trimmed,century
}

// A co-ordination number keeps its day+60 in String but gives the real
// birth date.
func ExampleNumber_BirthDate() {
	n, _ := pnr.Parse("701063-2391", planDate)
	y, m, d := n.BirthDate()
	fmt.Println(n, n.Coordination(), y, m, d)
	// Output: 197010632391 true 1970 October 3
}

// Errors name the rule, never the number, so they can go into reports.
func ExampleError() {
	_, err := pnr.Parse("19121212-1213", planDate)
	var e *pnr.Error
	if errors.As(err, &e) {
		fmt.Println(e.Rule)
	}
	fmt.Println(errors.Is(err, pnr.ErrInvalid))
	fmt.Println(err)
	// Output:
	// checksum
	// true
	// pnr: invalid identity number: checksum: the check digit does not match the Luhn sum of the first nine digits
}

// One person, whatever the shape, gets one pseudonym; the Pseudonymiser
// itself never prints its key.
func ExamplePseudonymiser_Pseudonym() {
	p, err := pnr.NewPseudonymiser([]byte("example-key-not-for-production"))
	if err != nil {
		fmt.Println(err)
		return
	}
	a, _ := pnr.Parse("19121212-1212", planDate)
	b, _ := pnr.Parse("121212+1212", planDate)
	fmt.Println(p.Pseudonym(a) == p.Pseudonym(b), len(p.Pseudonym(a)))
	fmt.Println(p)
	// Output:
	// true 32
	// pnr.Pseudonymiser{key:REDACTED}
}
