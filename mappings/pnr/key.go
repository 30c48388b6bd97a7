package pnr

// Key is what every shape of one identity number writes and the check
// digit covers: the ten digits YYMMDDNNNC (day+60 for a co-ordination
// number), without the century. Two lists that write one person
// differently — 161202-1814 in one, 191612021814 in the other — agree on
// the Key even where a reference date reads their centuries apart, so
// opt-out and erasure lists are matched on it.
//
// A Key alone does not name one person: the same ten digits a century
// apart are two people. Key == Key means "may be the same person"; only
// two written centuries can tell them apart.
type Key struct {
	d [10]byte
}

// Key gives the ten digits n shares with its 10-digit shapes; the zero Key
// for the zero Number.
func (n Number) Key() Key {
	if n.IsZero() {
		return Key{}
	}
	var k Key
	copy(k.d[:], n.d[2:])
	return k
}

// Century gives the first two digits of n's year (19 for 1912); 0 for the
// zero Number.
func (n Number) Century() int {
	if n.IsZero() {
		return 0
	}
	return num2(n.d[0], n.d[1])
}

// IsZero reports whether k is the zero Key.
func (k Key) IsZero() bool { return k.d[0] == 0 }

// String gives the ten digits; "" for the zero Key. It is personal data:
// do not log it.
func (k Key) String() string {
	if k.IsZero() {
		return ""
	}
	return string(k.d[:])
}

// ParseKey reads an identity number in any shape Parse accepts and gives
// its Key, and whether the input wrote the century (the 12-digit shapes).
// It needs no reference date, because it decides nothing that depends on
// one: it checks the shape, the month, a day that exists in some century
// (29 February only in a year divisible by four, 00 included, since 2000
// was a leap year) and the check digit; with a written century it checks
// the day in that very year. It does not check that the birth lies in the
// past: that needs a reference date (Parse).
//
// Errors are *Error like Parse's, with the same rules in the same order.
func ParseKey(s string) (k Key, centuryWritten bool, err error) {
	n, nd, _, _, err := scan(s)
	if err != nil {
		return Key{}, false, err
	}
	month := num2(n.d[4], n.d[5])
	day := num2(n.d[6], n.d[7])
	if day > 60 {
		day -= 60
	}
	year := num2(n.d[0], n.d[1])*100 + num2(n.d[2], n.d[3])
	if nd == 10 {
		// Some century makes a year divisible by four a leap year (2000
		// for 00), none makes another one a leap year.
		year = 2000 + num2(n.d[2], n.d[3])
	}
	if day < 1 || day > daysIn(month, year) {
		return Key{}, false, fail(RuleDay)
	}
	if !luhnOK(n.d[2:]) {
		return Key{}, false, fail(RuleChecksum)
	}
	copy(k.d[:], n.d[2:])
	return k, nd == 12, nil
}
