package mappings

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"time"
	"unicode"

	"github.com/regflytt/regflytt/connectors"
	"github.com/regflytt/regflytt/mappings/pnr"
)

// The reasons an excluded record carries.
const (
	// ReasonOptOut excludes the records of a patient on the opt-out list.
	ReasonOptOut = "opt_out"
	// ReasonErasure excludes the records of a patient who demanded
	// erasure (utplåning).
	ReasonErasure = "erasure"
)

// WarnCenturyAmbiguous is counted when a record is excluded because its
// person shares the ten digits of a list entry (see pnr.Key) while the
// two, read against the reference date, fall in different centuries: the
// match is not proven, but a 10-digit form cannot prove it wrong either,
// and an opt-out is never risked on a guessed century.
const WarnCenturyAmbiguous = "exclusion_century_ambiguous"

// WarnExclusionByDigits is counted when a record is excluded because its
// person, in a shape no identity number has ("19121212 1212", an en dash,
// full-width digits, a note after it), holds exactly the digits of a list
// entry, or those of one with the day 60 apart (a samordningsnummer typed
// with its real day, which fails the check digit: daySixtyApart).
// Archiving it for its shape would keep a listed patient's record in the
// archive.
const WarnExclusionByDigits = "exclusion_by_digits"

// WarnListCenturyDiffers is counted when a record is kept (migrated, or
// archived with the number) whose person, its century written, has the
// ten digits of a list entry that wrote another century: two people by
// their written numbers, 1912 and 2012, and the record is not excluded. But a legacy system that widened
// ten-digit numbers to twelve guessed the century of everyone over 100
// wrong, and then it is the listed patient: only the registry holder can
// tell, so the run does not pass until the plan acknowledges it.
const WarnListCenturyDiffers = "list_century_differs"

// WarnListedNumberKept is counted for a record kept, migrated or
// archived, whose person is on no list while another of its identity
// numbers is: a column the mapping reads or names as one beside person:
// (a mother's number in her child's record, mor_pnr). The listed person's
// number then reaches the receiving platform (pseudonymised or not) or,
// with the record archived, the archive package, which an opt-out or an
// erasure keeps them out of. Whether the record is theirs too (a mother's
// opt-out and her child's registration) only the registry holder can
// tell, so the run does not pass until the plan acknowledges it. A column
// the mapping drops counts only for an archived record, which keeps it.
const WarnListedNumberKept = "listed_number_kept"

// WarnPersonNotChecked is counted for a record kept, migrated or
// archived, while its person: reads NULL (a NULL or declared-NULL number,
// a form without its person's variable): there is no number to ask the
// opt-out and erasure lists, so a listed patient's record would migrate,
// or go into the archive package (the registry's data too, handed to the
// same data controller), and nobody could tell. The data may not say whose record it is, but that is for the
// registry holder to know: the finding fails verification until the plan
// acknowledges it. A number that is there but no valid one is archived
// (person_length, person_checksum…) or asked by its digits instead.
const WarnPersonNotChecked = "person_not_checked"

// WarnPersonNotCheckedArchived counts, of a table's person_not_checked
// records, those archived: the ledger keeps both so that report.json
// tells how many migrated and how many went into the archive package.
// Verification makes one finding of them, person_not_checked.
const WarnPersonNotCheckedArchived = "person_not_checked_archived"

// PersonList is an opt-out or an erasure list: the patients whose records
// are excluded, written nowhere, not even to the archive.
//
// Entries are matched on the ten digits every shape of a number shares
// (pnr.Key), so a list that writes 161202-1814 excludes the patient a
// table writes 191612021814, whatever century the reference date reads
// into the ten digits. Only two written centuries that differ tell two
// people apart. See Match.
//
// A reserve number (reservnummer: 19900101-T123, 900101-TF12, see
// pnr_kind) is an entry too, matched only by a record's person holding
// the same reserve number (MatchReserve): its date digits are no birth
// date in every region, so no century is read into them.
//
// It remembers which entries matched a record, so that an entry matching
// nobody can be reported (Unmatched): an opt-out that excludes nothing is
// as likely a list in another format as a patient who never reported.
// Match is safe for concurrent use; Add is not and comes first.
type PersonList struct {
	// Reason is the reason of the records the list excludes: ReasonOptOut
	// or ReasonErasure.
	Reason string
	// Source says where the list comes from, for reports: "file
	// optout.txt" or "table spärr".
	Source  string
	entries []listEntry
	byKey   map[pnr.Key][]int32
	// byReserve holds the reserve entries by reserveTail.
	byReserve map[string][]int32
	matched   []atomic.Bool
}

type listEntry struct {
	// n is the number read against the reference date; written says the
	// list wrote its century.
	n       pnr.Number
	written bool
	// reserve is a reserve number's normal form (reserveForm), for an
	// entry that is one; n is then zero.
	reserve string
	// place is the entry's line in the list file or row in the list
	// table: never the number.
	place string
}

// NewPersonList makes an empty list whose matches are excluded with
// reason.
func NewPersonList(reason, source string) *PersonList {
	return &PersonList{Reason: reason, Source: source, byKey: map[pnr.Key][]int32{}, byReserve: map[string][]int32{}}
}

// Add reads one entry found at place ("line 3", "row 7"): an identity
// number or a reserve number (ReserveForm). An entry that is neither is
// an error naming place and the rule it breaks, never the value:
// regflytt cannot know whose records to exclude, and guessing could
// bring an opted-out patient into the new registry.
func (l *PersonList) Add(s string, ref time.Time, place string) error {
	if r, ok := ReserveForm(s); ok {
		i := int32(len(l.entries))
		l.entries = append(l.entries, listEntry{reserve: r, place: place})
		l.byReserve[reserveTail(r)] = append(l.byReserve[reserveTail(r)], i)
		l.matched = append(l.matched, atomic.Bool{})
		return nil
	}
	k, written, err := pnr.ParseKey(s)
	if err != nil {
		return fmt.Errorf("%s, %s: %w", l.Source, place, err)
	}
	// The century the reference date reads tells a plain match from an
	// ambiguous one; a number that has none (a birth after it) is refused.
	n, err := pnr.Parse(s, ref)
	if err != nil {
		return fmt.Errorf("%s, %s: %w", l.Source, place, err)
	}
	i := int32(len(l.entries))
	l.entries = append(l.entries, listEntry{n: n, written: written, place: place})
	l.byKey[k] = append(l.byKey[k], i)
	l.matched = append(l.matched, atomic.Bool{})
	return nil
}

// Len is the number of entries.
func (l *PersonList) Len() int { return len(l.entries) }

// Match reports whether a record's person, n (read against the
// reference date), is on the list; written says the record wrote the
// century itself rather than having it inferred. Every entry it matches
// is marked as matched.
//
// An entry matches when the ten digits agree, unless both sides wrote
// their century and the centuries differ: then they are two people.
// ambiguous is true for a match whose sides read as different centuries:
// one of them was inferred, so the record is excluded all the same.
func (l *PersonList) Match(n pnr.Number, written bool) (matched, ambiguous bool) {
	matched, ambiguous, _ = l.match(n, written)
	return matched, ambiguous
}

// match is Match, and says besides whether an entry with n's ten digits
// was passed over for its written century (apart): one map lookup for
// both, since every record asks.
func (l *PersonList) match(n pnr.Number, written bool) (matched, ambiguous, apart bool) {
	if l == nil {
		return false, false, false
	}
	for _, i := range l.byKey[n.Key()] {
		e := &l.entries[i]
		if written && e.written && e.n != n {
			apart = true
			continue
		}
		l.matched[i].Store(true)
		if !matched || ambiguous {
			// One exact entry is enough to call the match unambiguous.
			ambiguous = e.n != n
		}
		matched = true
	}
	return matched, ambiguous, apart
}

// holds reports whether an entry names n as match would, without
// marking it: for a number beside the record's person
// (listed_number_kept), which decides no exclusion.
func (l *PersonList) holds(n pnr.Number, written bool) bool {
	if l == nil {
		return false
	}
	for _, i := range l.byKey[n.Key()] {
		if e := &l.entries[i]; !(written && e.written && e.n != n) {
			return true
		}
	}
	return false
}

// holdsReserve is holds for a reserve number in normal form.
func (l *PersonList) holdsReserve(r string) bool {
	if l == nil {
		return false
	}
	for _, i := range l.byReserve[reserveTail(r)] {
		if e := &l.entries[i]; e.reserve == r || len(e.reserve) != len(r) {
			return true
		}
	}
	return false
}

// namesListed reports whether a value names a listed person in any shape
// the lists read a person's text (listedText: an identity number, its
// digits among others, a reserve number), marking no entry.
func (p *TableProgram) namesListed(v connectors.Value) bool {
	s, ok := numberText(v)
	if !ok {
		return false
	}
	lists := p.env.lists()
	reserves := ListedReservesAmong(s)
	if r, ok := ReserveForm(s); ok {
		reserves = append(reserves, r)
	}
	for _, r := range reserves {
		for _, l := range lists {
			if l.holdsReserve(r) {
				return true
			}
		}
	}
	ask := func(n pnr.Number, written bool) bool {
		for _, l := range lists {
			if l.holds(n, written) {
				return true
			}
		}
		return false
	}
	n, written, byDigits, _ := readListed(s, p.env.RefDate)
	if !n.IsZero() && !byDigits {
		return ask(n, written)
	}
	for _, n := range looseNumbers(s, p.env.RefDate) {
		if ask(n, false) {
			return true
		}
	}
	return false
}

// keepsListed reports whether a record kept as kind holds a listed
// person's number in an identity column beside its person
// (WarnListedNumberKept): a mapped one, or a dropped one when archived.
func (p *TableProgram) keepsListed(row []connectors.Value, kind OutcomeKind) bool {
	if p.env.OptOut == nil && p.env.Erasure == nil {
		return false
	}
	cols := p.otherIDs
	if kind == Archived {
		cols = append(slices.Clip(cols), p.otherIDsDropped...)
	}
	for _, c := range cols {
		if c < len(row) && row[c] != nil && p.namesListed(row[c]) {
			return true
		}
	}
	return false
}

// ArchivedWarnings gives ws, the warnings of a record the mapping kept,
// for the record archived after all (plans: an orphan, with its archived
// parent, a duplicate registration): the archive package takes the
// whole source row, the identity columns the mapping drops with it, so
// one naming a listed person raises WarnListedNumberKept as it does for
// a record the mapping archives. A form store's entity row is not the
// program's source row: its warnings stay as they are.
func (p *TableProgram) ArchivedWarnings(row []connectors.Value, ws []string) []string {
	if p.EAV != nil || slices.Contains(ws, WarnListedNumberKept) || !p.keepsListed(row, Archived) {
		return ws
	}
	return append(slices.Clip(ws), WarnListedNumberKept)
}

// ArchivedFormWarnings is ArchivedWarnings for a form-store record, its
// entity row and value rows, kept by the mapping and archived after all
// (plans: an orphan, with its archived parent): the archive package
// takes the entity row and every value row, so an identity column of
// the entity or a value row of an identity variable, mapped or dropped,
// naming a listed person raises WarnListedNumberKept. Before, a form
// store was left out, and an opted-out mother's number in an archived
// form went in clear into the package under PASS.
func (p *TableProgram) ArchivedFormWarnings(entity []connectors.Value, values [][]connectors.Value, ws []string) []string {
	e := p.EAV
	if e == nil || (p.env.OptOut == nil && p.env.Erasure == nil) || slices.Contains(ws, WarnListedNumberKept) {
		return ws
	}
	if p.formKeepsListed(entity, values) {
		return append(slices.Clip(ws), WarnListedNumberKept)
	}
	return ws
}

// formKeepsListed reports whether a form's entity row or value rows hold
// a listed person's number in an identity column or variable beside its
// person (otherIDCols, otherIDVars). A variable is known by its folded
// name, as a case- or accent-blind collation names it.
func (p *TableProgram) formKeepsListed(entity []connectors.Value, values [][]connectors.Value) bool {
	e := p.EAV
	for _, c := range e.otherIDCols {
		if c < len(entity) && entity[c] != nil && p.namesListed(entity[c]) {
			return true
		}
	}
	if len(e.otherIDVars) == 0 {
		return false
	}
	for _, vr := range values {
		if e.Attribute >= len(vr) || e.Value >= len(vr) || vr[e.Value] == nil {
			continue
		}
		name, ok := connectors.FormatValue(vr[e.Attribute])
		if ok && e.otherIDVars[foldVariable(name)] && p.namesListed(vr[e.Value]) {
			return true
		}
	}
	return false
}

// MatchReserve reports whether a record's person, s, is a reserve number
// (ReserveForm) on the list, and marks every entry it matches as matched.
// An entry matches the same reserve number, separators and letter case
// aside. A 6-digit and an 8-digit date whose last six digits agree, the
// serial the same, match too, ambiguous: the two may be one patient
// written with and without a century, and an opt-out is never risked on
// it. Two 8-digit dates that differ are two numbers.
func (l *PersonList) MatchReserve(s string) (matched, ambiguous bool) {
	matched, ambiguous, _ = l.matchReserve(s)
	return matched, ambiguous
}

// matchReserve is MatchReserve, and says besides whether an entry with
// s's last six date digits and serial was passed over as another 8-digit
// date (apart): counted as list_century_differs, as for identity numbers.
func (l *PersonList) matchReserve(s string) (matched, ambiguous, apart bool) {
	r, ok := ReserveForm(s)
	if !ok {
		return false, false, false
	}
	return l.matchReserveForm(r)
}

// matchReserveForm is matchReserve for r in normal form (ReserveForm).
func (l *PersonList) matchReserveForm(r string) (matched, ambiguous, apart bool) {
	if l == nil {
		return false, false, false
	}
	for _, i := range l.byReserve[reserveTail(r)] {
		e := &l.entries[i]
		exact := e.reserve == r
		if !exact && len(e.reserve) == len(r) {
			apart = true
			continue
		}
		l.matched[i].Store(true)
		if !matched || ambiguous {
			ambiguous = !exact
		}
		matched = true
	}
	return matched, ambiguous, apart
}

// ReserveForm gives a reserve number's normal form, for matching: the
// date's 6 or 8 digits as written (no century read into them) and the
// serial in upper case, without separators or surrounding space
// (" 19900101-t123" reads 19900101T123). ok is false for a text that is
// not in a reserve number's shape (see pnr_kind).
func ReserveForm(s string) (string, bool) {
	if !reserveShape(s) {
		return "", false
	}
	b := make([]byte, 0, 12)
	s = strings.TrimFunc(s, unicode.IsSpace)
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '-' || c == '+' || c == ' ':
		case c >= 'a' && c <= 'z':
			b = append(b, c-'a'+'A')
		default:
			b = append(b, c)
		}
	}
	return string(b), true
}

// ListedReservesAmong gives, in normal form (ReserveForm), the reserve
// numbers a text holds among other text ("19900101-T123 (nr 2)", two in
// one field): each date of 6 or 8 ASCII digits no digit stands before,
// an optional '-', '+' or space, and a serial of four letters and digits
// with a letter that no letter or digit follows. A run asks its lists
// with them for a person that is no reserve number (flagged
// exclusion_by_digits), and regflytt archive erase its list.
func ListedReservesAmong(s string) []string {
	var out []string
	for i := 0; i < len(s); i++ {
		if !isASCIIDigit(s[i]) || i > 0 && isASCIIDigit(s[i-1]) {
			continue
		}
		end := i
		for end < len(s) && isASCIIDigit(s[end]) {
			end++
		}
		if n := end - i; n != 6 && n != 8 {
			i = end - 1
			continue
		}
		at := end
		if at < len(s) && (s[at] == '-' || s[at] == '+' || s[at] == ' ') {
			at++
		}
		if at+4 > len(s) || at+4 < len(s) && isASCIIAlnum(s[at+4]) {
			i = end - 1
			continue
		}
		if r, ok := ReserveForm(s[i : at+4]); ok {
			out = append(out, r)
		}
		i = end - 1
	}
	return out
}

func isASCIIAlnum(c byte) bool {
	return isASCIIDigit(c) || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
}

// excludeReservesAmong asks the lists with every reserve number s, itself
// none (askReserves), holds among other text (ListedReservesAmong): a match excludes the record,
// flagged exclusion_by_digits, as a listed identity number beside a note
// does. Every one is asked, so that each entry it names counts as
// matched.
func (p *TableProgram) excludeReservesAmong(s string) (Outcome, bool) {
	var out Outcome
	found := false
	for _, r := range ListedReservesAmong(s) {
		var o Outcome
		for _, l := range p.env.lists() {
			m, amb, apart := l.matchReserveForm(r)
			p.tally(&o, l, m, amb, apart)
		}
		if o.Kind != 0 && !found {
			o.Warnings = []string{WarnExclusionByDigits}
			out, found = o, true
		}
	}
	return out, found
}

// reserveTail is what a 6- and an 8-digit form of one reserve number
// share: the last six date digits and the serial.
func reserveTail(r string) string { return r[len(r)-10:] }

// ListedReserve reads the reserve number one stored value may hold, as a
// run asks its opt-out and erasure lists about a person's value: its
// normal form (ReserveForm). regflytt archive erase asks its list with it
// (MatchReserve), so that it finds the records a run archived with a
// reserve number.
func ListedReserve(v connectors.Value) (string, bool) {
	s, ok := v.(string)
	if !ok {
		return "", false
	}
	return ReserveForm(s)
}

// MatchKey marks every entry with the ten digits k as matched and reports
// whether there was one: for a value whose century no reading against the
// reference date gives (a written century putting the birth after it),
// which regflytt archive erase erases on its ten digits, the safe side,
// and reports as unresolved rather than the entry as matching nothing.
func (l *PersonList) MatchKey(k pnr.Key) bool {
	if l == nil {
		return false
	}
	for _, i := range l.byKey[k] {
		l.matched[i].Store(true)
	}
	return len(l.byKey[k]) > 0
}

// Unmatched lists the places of the entries no record matched, in list
// order, with their count. Call it when every record has been matched.
func (l *PersonList) Unmatched() []string {
	var out []string
	for i := range l.entries {
		if !l.matched[i].Load() {
			out = append(out, l.entries[i].place)
		}
	}
	return out
}

// lists gives the exclusion lists the run has, erasure first: a patient
// on both is excluded as erased, the stronger demand.
func (e *Env) lists() []*PersonList {
	var out []*PersonList
	for _, l := range []*PersonList{e.Erasure, e.OptOut} {
		if l != nil {
			out = append(out, l)
		}
	}
	return out
}

// exclude decides a record by its person's identity number s: excluded
// with a list's reason, archived when s is no identity number (the list
// cannot be checked against it; by a rule over the source row row, when
// one holds, else for the number's shape), or ok to go on with the row.
func (p *TableProgram) exclude(s string, written bool, row []connectors.Value) (Outcome, bool) {
	n, notes, err := pnr.ParseNotes(s, p.env.RefDate)
	if err != nil {
		// A reserve number on a list excludes its records; one on none
		// is no identity number: a rule archives it (no_national_id), or
		// its shape does.
		if o, ok := p.askReserves(s); ok {
			return o, true
		}
		if o, ok := p.excludeByDigits(s); ok {
			return o, true
		}
		// A number column's value cast to text reads 1.91212121212e+11
		// or 191212121212.00: ask the lists with the number it holds.
		if o, ok := p.excludeReadsByDigits(row); ok {
			return o, true
		}
		// Archived, the record's person was asked of nothing but its
		// digits (Outcome.PersonUnread).
		if o, ok := p.sourceRule(row); ok {
			o.PersonUnread = o.Kind == Archived
			return o, true
		}
		f := p.failureOf(err)
		var pe *pnr.Error
		if errors.As(err, &pe) {
			f = failure{"person_" + string(pe.Rule), "the identity number to match against opt-outs is not valid: " + string(pe.Rule)}
		}
		o := p.archived(p.person, f)
		o.PersonUnread = true
		return o, true
	}
	written = written && !notes.Has(pnr.NoteCentury)
	p.env.warnings.inferCentury(s, n, notes, time.Time{})
	return p.askLists(n, written)
}

// askLists asks every list whether it names n (its century written when
// written says so): excluded with the first matching list's reason,
// flagged when a match needed a guessed century. Every list is asked,
// even after a match, so that each entry naming this person counts as
// matched.
func (p *TableProgram) askLists(n pnr.Number, written bool) (Outcome, bool) {
	var o Outcome
	for _, l := range p.env.lists() {
		m, amb, apart := l.match(n, written)
		p.tally(&o, l, m, amb, apart)
	}
	return o, o.Kind != 0
}

// askReserves asks the lists about the reserve numbers s holds: s whole
// when it is one (askReserve), else each among its other text
// (excludeReservesAmong). ok says a list excluded the record.
func (p *TableProgram) askReserves(s string) (Outcome, bool) {
	if r, ok := ReserveForm(s); ok {
		return p.askReserve(r)
	}
	return p.excludeReservesAmong(s)
}

// askReserve asks every list whether it names the reserve number r, in
// normal form (ReserveForm, MatchReserve), as askLists asks for an
// identity number.
func (p *TableProgram) askReserve(r string) (Outcome, bool) {
	var o Outcome
	for _, l := range p.env.lists() {
		m, amb, apart := l.matchReserveForm(r)
		p.tally(&o, l, m, amb, apart)
	}
	return o, o.Kind != 0
}

// tally adds one list's answer to o: excluded with the first matching
// list's reason, flagged when a match is ambiguous; an entry passed over
// for a written century (or date) that differs counted as
// list_century_differs.
func (p *TableProgram) tally(o *Outcome, l *PersonList, m, amb, apart bool) {
	if !m {
		if apart {
			// Only a written century that differs kept an entry
			// with these ten digits from matching.
			p.env.warnings.add(WarnListCenturyDiffers)
		}
		return
	}
	if o.Kind == 0 {
		*o = Outcome{Kind: Excluded, Reason: l.Reason}
	}
	if amb && len(o.Warnings) == 0 {
		o.Warnings = []string{WarnCenturyAmbiguous}
	}
}

// listedText asks the lists with one value's text: as an identity number
// (its century written when it has twelve digits), else by its digits
// (see excludeByDigits). It only excludes; a value that is no number and
// on no list decides nothing.
func (p *TableProgram) listedText(s string) (Outcome, bool) {
	if o, ok := p.askReserves(s); ok {
		return o, true
	}
	n, written, byDigits, _ := readListed(s, p.env.RefDate)
	if n.IsZero() {
		// Other digits beside a listed number (see looseNumbers).
		return p.excludeByDigits(s)
	}
	if byDigits {
		// Every number the text holds (looseNumbers), LooseNumber's first.
		return p.excludeByDigits(s)
	}
	return p.askLists(n, written)
}

// readListed reads the identity number a value's text holds as the lists
// are asked about it: as an identity number (written says its century
// was), else by its digits (LooseNumber: byDigits, century never
// written). n is zero when neither gives a valid number read against ref;
// k is then the ten digits of a number whose written century puts the
// birth after ref, where the text is one (else zero too).
func readListed(s string, ref time.Time) (n pnr.Number, written, byDigits bool, k pnr.Key) {
	n, notes, err := pnr.ParseNotes(s, ref)
	if err == nil {
		return n, !notes.Has(pnr.NoteCentury), false, n.Key()
	}
	if n, ok := LooseNumber(s, ref); ok {
		return n, false, true, n.Key()
	}
	if w, ok := wholeNumberText(s); ok {
		s = w
	}
	k, _, _ = pnr.ParseKey(s)
	return pnr.Number{}, false, false, k
}

// ListedNumber reads the identity number one stored value may hold as a
// run asks its opt-out and erasure lists about a value (a form's left-out
// person value, a person column's source value): a whole double or
// decimal by its integer digits, then as an identity number (written
// says the century was), else by its digits (LooseNumber, century never
// written). regflytt archive erase asks its list with it, so that it
// finds every number a run would have excluded. n is zero for a value
// holding no valid number read against ref; k is the ten digits a list
// entry would share with it, also where no century reading makes it a
// number (a written century putting the birth after ref), zero when it
// holds none.
func ListedNumber(v connectors.Value, ref time.Time) (n pnr.Number, written bool, k pnr.Key) {
	s, ok := numberText(v)
	if !ok {
		return pnr.Number{}, false, pnr.Key{}
	}
	n, written, _, k = readListed(s, ref)
	return n, written, k
}

// ListedNumbersAmong gives the identity numbers a stored value holds
// among other digits, as a run's opt-out and erasure matching reads them
// (looseNumbers: "19121212-1212 (nr 2)", two numbers in one field), for a
// value ListedNumber reads none of, or reads by its digits only (a note
// beside a number may hold digits it was read with). Each is a number
// whose century was not written. regflytt archive erase asks its list with them, so that
// it finds the records an earlier run archived for such a shape.
func ListedNumbersAmong(v connectors.Value, ref time.Time) []pnr.Number {
	s, ok := numberText(v)
	if !ok {
		return nil
	}
	return looseNumbers(s, ref)
}

// excludeByDigits matches a person that is no identity number by the
// digits it holds, of any script (see looseNumbers): a list entry with
// those digits excludes the record, flagged. Nothing else does; the
// record is then archived for its shape. Every number the value holds is
// asked, so that each entry it names counts as matched.
func (p *TableProgram) excludeByDigits(s string) (Outcome, bool) {
	var out Outcome
	found := false
	for _, n := range looseNumbers(s, p.env.RefDate) {
		if o, ok := p.askByDigits(n); ok && !found {
			out, found = o, true
		}
	}
	return out, found
}

// maxLooseDigits bounds the digits looseNumbers reads of one value: a
// person column holding more is free text, and its first numbers are
// what a person's number beside a note looks like.
const maxLooseDigits = 64

// looseNumbers gives the identity numbers a value that is no identity
// number may hold: LooseNumber's, and where it reads none or the text
// holds a note (withNote), every run of 12 and of 10
// consecutive digits (of any script, whatever stands between them) that
// makes a valid number read against ref. A value with more digits than
// a number has ("19121212-1212 (nr 2)", "121212-1212, 194601010301", a
// 12-digit number whose mistyped century puts the birth after ref) may
// still hold a listed patient's number, and archiving it for its shape
// kept the number and the record in the archive. A run of digits that
// is no list entry's excludes nothing, so reading runs across two
// numbers costs nothing but the parse. A number's text with a fraction
// or an exponent (191212121212.50) is read only as LooseNumber reads it:
// its digits after the point are no identity number's.
func looseNumbers(s string, ref time.Time) []pnr.Number {
	var out []pnr.Number
	if n, ok := LooseNumber(s, ref); ok {
		// A text that is the number alone, in any shape, holds no other;
		// one with a note may hold its digits among the number's: a
		// listed "120510-1007 nr 04" reads as one number of 1205, and
		// the listed one is a run of ten.
		if !withNote(s) {
			return []pnr.Number{n}
		}
		out = append(out, n)
	}
	if fractionText(s) {
		return out
	}
	digits := decimalDigitsN(s, maxLooseDigits)
	if len(out) == 0 && (len(digits) == 10 || len(digits) == 12) {
		if n, ok := daySixtyApart(digits, ref); ok {
			out = append(out, n)
		}
	}
	if len(digits) < 11 {
		return out
	}
	for _, w := range []int{12, 10} {
		for i := 0; i+w <= len(digits); i++ {
			if n, _, err := pnr.ParseNotes(digits[i:i+w], ref); err == nil {
				out = append(out, n)
			}
		}
	}
	return out
}

// daySixtyApart reads digits (10 or 12, a number's) that fail the
// check digit with the day moved by 60: back for a day over 60, on for
// one up to 31. A samordningsnummer's day has 60 added, and a legacy form
// that refused day 72 had the real day typed (19121212-1219 for
// 19121272-1219), or a personnummer was typed with it: the check digit,
// which doubles the day's tens digit, then fails whatever the rest, and
// the number moved back is the one meant. Only for asking the lists
// (looseNumbers), never to migrate a number.
func daySixtyApart(digits string, ref time.Time) (pnr.Number, bool) {
	_, _, err := pnr.ParseNotes(digits, ref)
	var pe *pnr.Error
	if !errors.As(err, &pe) || pe.Rule != pnr.RuleChecksum {
		return pnr.Number{}, false
	}
	b := []byte(digits)
	at := len(b) - 6 // the day's tens digit: YY(YY)MMDDNNNC
	switch d := b[at]; {
	case d >= '6' && d <= '9':
		b[at] -= 6
	case d <= '3':
		b[at] += 6
	default:
		return pnr.Number{}, false
	}
	n, _, err := pnr.ParseNotes(string(b), ref)
	return n, err == nil
}

// withNote reports whether s holds anything beside digits (of any
// script), blanks, dashes and a plus sign: what an identity number's
// text is made of in any shape.
func withNote(s string) bool {
	for _, r := range s {
		if !unicode.IsDigit(r) && !unicode.IsSpace(r) && r != '+' && !unicode.Is(unicode.Pd, r) {
			return true
		}
	}
	return false
}

// fractionText reports whether s, blanks trimmed, is a number's text
// with a point or an exponent (a decimal's or a double's copy).
func fractionText(s string) bool {
	t := strings.TrimSpace(s)
	if !strings.ContainsAny(t, ".eE") {
		return false
	}
	_, err := strconv.ParseFloat(t, 64)
	return err == nil
}

// ExcludeByParentKey asks the lists with a record's key to its parent
// that no parent record holds (an orphan's): a visit that names its
// patient by the identity number, written in another shape than the
// patient table's (121212-1212 beside 19121212-1212) or of a patient
// whose record is gone, is that person's record, and archived as an
// orphan it kept a listed patient's data in the archive package. Each
// value is read as the lists read a person's text (listedText: any shape,
// by its digits too); a key naming a listed person excludes the record
// with the list's reason and the usual flags (exclusion_century_
// ambiguous, exclusion_by_digits). An integer key, or a number on no
// list, decides nothing. Not excluded, the outcome carries
// list_century_differs where a key value has a list entry's ten digits
// and another written century (20121212-1212 of the patient listed as
// 19121212-1212): the orphan archived with it keeps the listed patient's
// number unless the plan says they are two people. Safe only where Apply
// of p is not running (it uses the program's warnings).
func (p *TableProgram) ExcludeByParentKey(key []connectors.Value) (Outcome, bool) {
	if p.env.OptOut == nil && p.env.Erasure == nil {
		return Outcome{}, false
	}
	// The warnings a match raises belong to no record here.
	defer p.env.warnings.reset()
	apart := false
	for _, v := range key {
		if v == nil {
			continue
		}
		s, ok := numberText(v)
		if !ok {
			continue
		}
		if o, ok := p.listedText(s); ok && o.Kind == Excluded {
			return o, true
		}
		apart = apart || slices.Contains(p.env.warnings.take(), WarnListCenturyDiffers)
	}
	if apart {
		return Outcome{Warnings: []string{WarnListCenturyDiffers}}, false
	}
	return Outcome{}, false
}

// askByDigits asks the lists with a number read by its digits: its
// century never written, a match flagged.
func (p *TableProgram) askByDigits(n pnr.Number) (Outcome, bool) {
	o, ok := p.askLists(n, false)
	if ok {
		// The digits are the flag, whatever century a match guessed.
		o.Warnings = []string{WarnExclusionByDigits}
	}
	return o, ok
}

// excludeReadsByDigits asks the lists with each source value the person
// column reads, by its digits (see excludeByDigits), then with two of
// them joined, in either order: a number split over two columns (the
// birth date and the last four) that the person: expression joins into
// no number.
func (p *TableProgram) excludeReadsByDigits(row []connectors.Value) (Outcome, bool) {
	var texts []string
	for _, r := range p.person.reads {
		if r < 0 || row[r] == nil {
			continue
		}
		if s, ok := numberText(row[r]); ok {
			// An expression (pnr(…)) that failed on a listed reserve
			// number.
			if o, ok := p.askReserves(s); ok {
				return o, true
			}
			if o, ok := p.excludeByDigits(s); ok {
				return o, true
			}
			texts = append(texts, s)
		}
	}
	// A handful of columns at most: an expression reading more is no
	// split number.
	if len(texts) > 4 {
		return Outcome{}, false
	}
	for i := range texts {
		for j := range texts {
			if i == j {
				continue
			}
			for _, s := range splitTexts(texts[i], texts[j]) {
				if o, ok := p.excludeByDigits(s); ok {
					return o, true
				}
			}
		}
	}
	return Outcome{}, false
}

// splitTexts gives the texts a number split over two values is asked
// as, a's text first: the two joined, and, where b is the last four kept
// in an integer column that lost their leading zeros (0301 reads 301),
// a joined with them padded, in either order.
func splitTexts(a, b string) []string {
	out := []string{a + " " + b}
	if four, ok := padLastFour(b); ok {
		out = append(out, a+" "+four, four+" "+a)
	}
	return out
}

// ListedNumbersSplit gives the identity numbers two stored values hold
// joined, a first, as a run asks its lists about two of the columns its
// person: reads when the expression joins them into no number: a number
// split over two columns (the birth date, the last four). Each is a
// number whose century was not written. regflytt archive erase asks its
// list with them about the columns the plan's person: reads, so that it
// finds the records a run archived with such a number.
func ListedNumbersSplit(a, b connectors.Value, ref time.Time) []pnr.Number {
	sa, ok := numberText(a)
	if !ok {
		return nil
	}
	sb, ok := numberText(b)
	if !ok {
		return nil
	}
	var out []pnr.Number
	for _, s := range splitTexts(sa, sb) {
		out = append(out, looseNumbers(s, ref)...)
	}
	return out
}

// ListedNumbersJoined gives the identity numbers three or more stored
// values hold joined in the order given: a number split over three
// columns (a century, the birth date and the last four; the year, the
// month and day and the last four), which a person: expression can read
// and join. A part of one to three digits, an integer column's that lost
// its leading zeros, is asked as it is and padded to four. regflytt
// archive erase asks its list with every order of the columns a person:
// reads, as it asks two of them joined (ListedNumbersSplit).
func ListedNumbersJoined(parts []connectors.Value, ref time.Time) []pnr.Number {
	joined := []string{""}
	for _, v := range parts {
		s, ok := numberText(v)
		if !ok {
			return nil
		}
		forms := []string{s}
		if four, ok := padLastFour(s); ok {
			forms = append(forms, four)
		}
		next := make([]string, 0, len(joined)*len(forms))
		for _, j := range joined {
			for _, f := range forms {
				next = append(next, strings.TrimPrefix(j+" "+f, " "))
			}
		}
		joined = next
	}
	var out []pnr.Number
	for _, s := range joined {
		out = append(out, looseNumbers(s, ref)...)
	}
	return out
}

// SplitPartOf tells which part of an identity number split over two
// columns a stored value may be: 1, the birth date (a date, or text or a
// number of six or eight digits); 2, the last four (one to four digits,
// an integer column's having lost its leading zeros); 0, neither. Only a
// birth date and a last four join into a number, so archive erase need
// ask no other pair of a table whose person: it does not know.
func SplitPartOf(v connectors.Value) int {
	s, ok := numberText(v)
	if !ok {
		return 0
	}
	switch n := len(decimalDigitsN(s, 9)); {
	case n == 6 || n == 8:
		return 1
	case n >= 1 && n <= 4:
		return 2
	}
	return 0
}

// PersonColumns names the source columns the table's person: reads (the
// columns of the records it archives), nil when it declares none. ok is
// false for a form store, whose person: reads variables, each a row of
// its values table: no two columns of one archived row.
func (p *TableProgram) PersonColumns() (cols []string, ok bool) {
	if p.EAV != nil {
		return nil, false
	}
	if p.person == nil {
		return nil, true
	}
	for _, r := range p.person.reads {
		if r >= 0 && r < len(p.Source.Columns) && !slices.Contains(cols, p.Source.Columns[r].Name) {
			cols = append(cols, p.Source.Columns[r].Name)
		}
	}
	return cols, true
}

// PersonVariables tells, for a form store, what its person: reads: the
// entity columns (entityCols), and the names of the value rows holding
// its values (variables, sorted): the variables it reads, and the entity
// columns too, as a value row named as one is a copy of the person's
// value to the run (excludeByCopies joins it, and ExcludeOrphans asks it
// of value rows whose form is gone). ok is false for a mapping that is
// no form store's. archive erase joins an entity's values of these, as
// a run's person: joins them, to find a number split over two or three
// of them; the package records variables only, so without the entity
// columns among them erase could not place such a row of an orphan id
// (a package holding no record of the entities table).
func (p *TableProgram) PersonVariables() (entityCols, variables []string, ok bool) {
	if p.EAV == nil {
		return nil, nil, false
	}
	if p.person == nil {
		return nil, nil, true
	}
	variables = slices.Clone(p.EAV.personVars)
	for _, r := range p.person.reads {
		if r >= 0 && r < p.EAV.nEntityCols && !slices.Contains(entityCols, p.Source.Columns[r].Name) {
			entityCols = append(entityCols, p.Source.Columns[r].Name)
			if !slices.Contains(variables, p.Source.Columns[r].Name) {
				variables = append(variables, p.Source.Columns[r].Name)
			}
		}
	}
	slices.Sort(variables)
	return entityCols, variables, true
}

// padLastFour gives s, one to three digits, as four with leading zeros:
// an identity number's last four read from an integer column.
func padLastFour(s string) (string, bool) {
	if len(s) == 0 || len(s) > 3 {
		return "", false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return "", false
		}
	}
	return strings.Repeat("0", 4-len(s)) + s, true
}

// numberText formats a source value whose digits may be an identity
// number: a whole float or decimal (an identity number kept in a double
// or a numeric(14,2) column) as its integer digits, so that
// 191212121212.0 is read as 191212121212, not as 1.91212121212e+11 or
// 19121212121200; a date at midnight as the date; anything else as
// FormatValue does.
func numberText(v connectors.Value) (string, bool) {
	switch x := v.(type) {
	case float64:
		if s, ok := wholeFloat(x); ok {
			return s, true
		}
	case connectors.Decimal:
		if ip, fp, ok := strings.Cut(string(x), "."); ok && strings.Trim(fp, "0") == "" {
			return ip, true
		}
	case time.Time:
		// A date (a birth date, the first part of a number split over
		// two columns) by its date alone: its midnight's digits are no
		// number's.
		if h, m, sec := x.Clock(); h == 0 && m == 0 && sec == 0 && x.Nanosecond() == 0 {
			return x.Format("2006-01-02"), true
		}
	case connectors.LocalDateTime:
		// A birth date in a legacy datetime column, likewise.
		if x.Hour == 0 && x.Minute == 0 && x.Second == 0 && x.Nanosecond == 0 {
			return x.Date.String(), true
		}
	}
	return connectors.FormatValue(v)
}

// wholeFloat gives a whole float's integer digits (a double holds every
// integer below 2^53, twelve digits among them, exactly); ok is false for
// a fraction, a NaN or an infinity.
func wholeFloat(x float64) (string, bool) {
	if x == math.Trunc(x) && math.Abs(x) < 1<<53 {
		return strconv.FormatFloat(x, 'f', -1, 64), true
	}
	return "", false
}

// LooseNumber reads the identity number a value that is no identity
// number may still hold: its decimal digits, of any script, when they
// are 10 or 12 and make a valid number ("19121212 1212", "121212–1212",
// full-width digits, a note after the number). A value of only 8 or 9
// ASCII digits is an integer column's 10-digit number that lost its
// leading zeros (born 2000–2009) and is read with them. Its century is
// never written. Use it to exclude or erase on the safe side, never to
// migrate a number.
func LooseNumber(s string, ref time.Time) (pnr.Number, bool) {
	if w, ok := wholeNumberText(s); ok {
		// A number column's copy in a text column (an export, a cast)
		// wrote its zero fraction or exponent: 191212121212.00.
		s = w
	}
	digits := decimalDigits(s)
	// Blanks around the digits are a CHAR column's padding ("512121211 ").
	if (len(digits) == 8 || len(digits) == 9) && digits == strings.TrimSpace(s) {
		digits = strings.Repeat("0", 10-len(digits)) + digits
	}
	if len(digits) != 10 && len(digits) != 12 {
		return pnr.Number{}, false
	}
	n, _, err := pnr.ParseNotes(digits, ref)
	return n, err == nil
}

// wholeNumberText gives the integer digits of a text that writes a whole,
// non-negative number as a decimal or a float does ("191212121212.00",
// "1.91212121212e+11"), as numberText gives them for a decimal or a
// double; ok is false for anything else, plain digits included.
func wholeNumberText(s string) (string, bool) {
	s = strings.TrimSpace(s)
	if s == "" || s[0] < '0' || s[0] > '9' || strings.Trim(s, "0123456789") == "" {
		return "", false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; !(c >= '0' && c <= '9' || c == '.' || c == 'e' || c == 'E' || c == '+') {
			return "", false
		}
	}
	if ip, fp, ok := strings.Cut(s, "."); ok && strings.Trim(fp, "0") == "" && strings.Trim(ip, "0123456789") == "" {
		return ip, true
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return "", false
	}
	return wholeFloat(f)
}

// decimalDigits gives the decimal digits of s, of any script, as ASCII,
// in order; at most 13 (more is no identity number).
func decimalDigits(s string) string { return decimalDigitsN(s, 13) }

// decimalDigitsN is decimalDigits reading at most max digits.
func decimalDigitsN(s string, max int) string {
	var b []byte
	for _, r := range s {
		if len(b) >= max {
			break
		}
		if r >= '0' && r <= '9' {
			b = append(b, byte(r))
			continue
		}
		if !unicode.Is(unicode.Nd, r) {
			continue
		}
		// Unicode's decimal digits come in runs of ten from a zero, and
		// adjacent runs are whole: the value is the place in the run.
		v := 0
		for unicode.Is(unicode.Nd, r-rune(v)-1) {
			v++
		}
		b = append(b, byte('0'+v%10))
	}
	return string(b)
}

// MatchedEntries lists, in list order, the indexes of the entries a
// record has matched: what a resumed run carries over from the part of
// the run before its interruption.
func (l *PersonList) MatchedEntries() []int {
	var out []int
	for i := range l.matched {
		if l.matched[i].Load() {
			out = append(out, i)
		}
	}
	return out
}

// MarkMatched marks entries as matched by records read before a run was
// interrupted (from MatchedEntries). An index outside the list is an
// error: the list changed.
func (l *PersonList) MarkMatched(idx []int) error {
	for _, i := range idx {
		if i < 0 || i >= len(l.matched) {
			return fmt.Errorf("entry %d is not in the list of %d entries", i, len(l.matched))
		}
		l.matched[i].Store(true)
	}
	return nil
}
