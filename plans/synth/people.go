package synth

import (
	"fmt"
	"math/rand/v2"

	"github.com/regflytt/regflytt/connectors"
)

// Synthetic people. Every patient number maps to a distinct personal
// identity number, so that no two synthetic patients are one person by
// accident (which would make an opted-out patient's neighbour vanish from
// a migration, and a test fail for no reason). The map is a keyed
// permutation of the numbers 0..32,142,999, each of which is a birth date
// (one of 32,143 days) and a serial number (000-999):
//
//	1916-01-01 .. 1925-12-31   aged 100 or more on the plans' reference date, 2026-01-01
//	1927-01-01 .. 2004-12-31   the rest
//
// 1926 is left out: written with two digits, "26" would put a birth on
// 2026-01-01 in the wrong century, and none of the formats generated
// should be ambiguous unless a defect makes it so.

// birth ranges.
var (
	oldFrom   = connectors.Date{Year: 1916, Month: 1, Day: 1}
	youngFrom = connectors.Date{Year: 1927, Month: 1, Day: 1}
)

const (
	oldDays   = 3653  // 1916-01-01 .. 1925-12-31
	youngDays = 28490 // 1927-01-01 .. 2004-12-31
	// identities is how many distinct numbers there are.
	identities = (oldDays + youngDays) * 1000
	// feistelHalf is half the bits of the permutation's domain, 2^26,
	// the smallest even power of two above identities.
	feistelHalf = 13
)

// people maps patient numbers to identities.
type people struct {
	keys [4]uint64
}

func newPeople(seed uint64) *people {
	p := &people{}
	for i := range p.keys {
		p.keys[i] = mix(seed ^ uint64(i+1)*0x2545f4914f6cdd1d)
	}
	return p
}

// at gives patient i's identity (i from 1). Cycle-walking a four-round
// Feistel network over 26 bits restricts its permutation to the numbers
// below identities, still a permutation, and keyed by the seed.
func (p *people) at(i int) person {
	x := uint64(i - 1)
	for {
		x = p.feistel(x)
		if x < identities {
			break
		}
	}
	day, serial := int(x/1000), int(x%1000)
	birth := dateAt(youngFrom, day-oldDays)
	if day < oldDays {
		birth = dateAt(oldFrom, day)
	}
	return person{birth: birth, serial: serial}
}

func (p *people) feistel(x uint64) uint64 {
	const mask = 1<<feistelHalf - 1
	l, r := x>>feistelHalf, x&mask
	for _, k := range p.keys {
		l, r = r, l^(mix(r^k)&mask)
	}
	return l<<feistelHalf | r
}

// person is one synthetic identity.
type person struct {
	birth  connectors.Date
	serial int // 000-999; the last digit odd for a man
	// coord makes the number a co-ordination number: day + 60.
	coord bool
	// reserve makes the canonical shape a reserve number, YYYYMMDD-TNNN:
	// the person has no national identity number.
	reserve bool
}

// old reports whether the person is 100 or more on the reference date.
func (p person) old() bool { return p.birth.Year < youngFrom.Year }

// sex is the legacy code: M for an odd third serial digit, K otherwise.
func (p person) sex() string {
	if p.serial%2 == 1 {
		return "M"
	}
	return "K"
}

// digits gives YYYYMMDDNNNC: the day plus 60 for a co-ordination number,
// the check digit over YYMMDDNNN. Written without fmt: every form row of a
// patient formats the number again.
func (p person) digits() [12]byte {
	var d [12]byte
	day := p.birth.Day
	if p.coord {
		day += 60
	}
	put := func(at, n, width int) {
		for i := at + width - 1; i >= at; i-- {
			d[i] = byte('0' + n%10)
			n /= 10
		}
	}
	put(0, p.birth.Year, 4)
	put(4, int(p.birth.Month), 2)
	put(6, day, 2)
	put(8, p.serial, 3)
	d[11] = byte('0' + luhn(string(d[2:11])))
	return d
}

// normal is YYYYMMDDNNNC, the normal form pnr() gives; tests compare
// migrated pseudonyms with the pseudonym of it.
func (p person) normal() string {
	d := p.digits()
	return string(d[:])
}

// canonical is the shape the synthetic platforms' patient tables use:
// YYYYMMDD-NNNC.
func (p person) canonical() string {
	d := p.digits()
	if p.reserve {
		return string(d[:8]) + "-T" + string(d[8:11])
	}
	return string(d[:8]) + "-" + string(d[8:])
}

// short is YYMMDD-NNNC, or YYMMDD+NNNC for a person aged 100 or more:
// the ten-digit form with the separator that keeps the century right.
func (p person) short() string {
	d := p.digits()
	sep := "-"
	if p.old() {
		sep = "+"
	}
	return string(d[2:8]) + sep + string(d[8:])
}

// ten is YYMMDDNNNC, or the short form with '+' for the old, whose
// century ten bare digits would get wrong.
func (p person) ten() string {
	if p.old() {
		return p.short()
	}
	d := p.digits()
	return string(d[2:])
}

// tenLate is YYMMDD-NNNC also for the old: the '-' says aged under 100,
// so the reference date reads their birth a century late (161202-1814 for
// 19161202-1814 is 2016).
func (p person) tenLate() string {
	d := p.digits()
	return string(d[2:8]) + "-" + string(d[8:])
}

// lateBirth is the birth the reference date reads from tenLate: a century
// late for the old.
func (p person) lateBirth() connectors.Date {
	b := p.birth
	if p.old() {
		b.Year += 100
	}
	return b
}

// wrongCheck is the canonical shape with another check digit.
func (p person) wrongCheck(r *rand.Rand) string {
	d := p.digits()
	d[11] = byte('0' + (int(d[11]-'0')+1+r.IntN(9))%10)
	return string(d[:8]) + "-" + string(d[8:])
}

// spaced is the canonical shape with spaces around it: a space before, a
// no-break space after, as text pasted from a Windows form arrives.
func (p person) spaced() string { return " " + p.canonical() + "\u00a0" }

// personnummer makes a valid identity number YYYYMMDD-NNNC for a birth
// date, with the Luhn check digit computed over YYMMDDNNN. The demo
// registry draws its numbers with it.
func personnummer(r *rand.Rand, year, month, day int) string {
	serial := r.IntN(1000)
	ten := fmt.Sprintf("%02d%02d%02d%03d", year%100, month, day, serial)
	return fmt.Sprintf("%04d%02d%02d-%03d%d", year, month, day, serial, luhn(ten))
}

// luhn gives the check digit for nine digits.
func luhn(digits string) int {
	sum := 0
	for i := 0; i < 9; i++ {
		d := int(digits[i] - '0')
		if i%2 == 0 {
			d *= 2
			if d > 9 {
				d -= 9
			}
		}
		sum += d
	}
	return (10 - sum%10) % 10
}
