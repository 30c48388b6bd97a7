package plans

import (
	"maps"
	"testing"
	"time"

	"github.com/regflytt/regflytt/mappings"
	"github.com/regflytt/regflytt/mappings/pnr"
)

// A pair is counted once per ten digits, for the table that read the
// century from the reference date alone, whichever reading came first;
// ten digits beyond what it holds are counted as not checked, not as
// no pair.
func TestCenturyPairsCountsEachTenDigitsOnce(t *testing.T) {
	ref := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	num := func(s string) pnr.Number {
		n, err := pnr.Parse(s, ref)
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	c := newCenturyPairs()
	c.max = 3
	c.add("patient", mappings.CenturyReading{Written: num("19121212-1212")})
	c.add("besok", mappings.CenturyReading{Inferred: num("121212-1212")})
	c.add("besok", mappings.CenturyReading{Inferred: num("121212-1212")})
	c.add("lab", mappings.CenturyReading{Inferred: num("1212121212")})
	// Read from the reference date first, written after: the pair is the
	// inferring table's.
	c.add("lab", mappings.CenturyReading{Inferred: num("000101-1238")})
	c.add("patient", mappings.CenturyReading{Written: num("19000101-1238")})
	c.add("besok", mappings.CenturyReading{Inferred: num("4601010301")})
	// Beyond the three held: neither is checked.
	c.add("patient", mappings.CenturyReading{Written: num("19170101-1239")})
	c.add("besok", mappings.CenturyReading{Inferred: num("1701011239")})
	pairs, skipped := c.result()
	if want := map[string]int64{"besok": 1, "lab": 1}; !maps.Equal(pairs, want) || skipped != 2 {
		t.Fatalf("pairs %v, %d not checked; want %v, 2", pairs, skipped, want)
	}
}

// Every number of a record is held, not the first of each kind: a pair
// in a record's second number (a relative's beside the patient's) is
// found, on either side, and a record's numbers that could not be read
// make no reading of their own.
func TestCenturyPairsHoldsEveryNumberOfARecord(t *testing.T) {
	ref := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	num := func(s string) pnr.Number {
		n, err := pnr.Parse(s, ref)
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	c := newCenturyPairs()
	c.add("patient", mappings.CenturyReading{Written: num("19000101-1238"), MoreWritten: []pnr.Number{num("19121212-1212")}})
	c.add("besok", mappings.CenturyReading{Inferred: num("4601010301"), MoreInferred: []pnr.Number{num("121212-1212")}, Unread: 1})
	c.add("lab", mappings.CenturyReading{Inferred: num("1701011239")})
	c.add("patient", mappings.CenturyReading{Written: num("19000101-1238"), MoreWritten: []pnr.Number{num("19170101-1239")}})
	c.add("lab", mappings.CenturyReading{Unread: 2})
	pairs, skipped := c.result()
	if want := map[string]int64{"besok": 1, "lab": 1}; !maps.Equal(pairs, want) || skipped != 0 {
		t.Fatalf("pairs %v, %d not checked; want %v, 0", pairs, skipped, want)
	}
}
