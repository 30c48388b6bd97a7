package pnr

import (
	"testing"
	"time"
)

// Skatteverket changes the '-' to a '+' in the year a person turns 100
// (rättslig vägledning on 18 § FOL: "Det år en person fyller 100 år byts
// bindestrecket … ut mot ett plustecken"), not on the birthday. A '+'
// written in January for a person whose hundredth birthday falls later
// that year names a birth exactly 100 years back; reading it as 200 years
// back gave that person another number, and so another pseudonym, than
// the same person written with twelve digits.
func TestPlusFromTheYearOfTheHundredthBirthday(t *testing.T) {
	jan := time.Date(2026, time.January, 10, 0, 0, 0, 0, time.UTC)
	cases := []struct {
		name string
		nine string // YYMMDDNNN, the check digit added
		ref  time.Time
		want string // the century
	}{
		{"turns 100 later in the reference year", "260601123", jan, "19"},
		{"turned 100 earlier in the reference year", "260105123", jan, "19"},
		{"turns 100 on the reference day", "260110123", jan, "19"},
		{"last day of the reference year", "261231123", jan, "19"},
		{"a year after the hundredth year is two centuries back", "270101123", jan, "18"},
		{"born the year before", "251231123", jan, "19"},
		{"ref at year end", "261231123", time.Date(2026, time.December, 31, 0, 0, 0, 0, time.UTC), "19"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ten := withCheck(c.nine)
			n, err := Parse(split10(ten, "+"), c.ref)
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			if got, want := n.String(), c.want+ten; got != want {
				t.Errorf("Parse(%s on %s) = %s, want %s", split10(ten, "+"), c.ref.Format(time.DateOnly), got, want)
			}
			// The same person written with the century: one Number.
			full, err := Parse(c.want+ten, c.ref)
			if err != nil {
				t.Fatalf("Parse 12 digits: %v", err)
			}
			if full != n {
				t.Errorf("the '+' form and the 12-digit form are two numbers")
			}
		})
	}
}
