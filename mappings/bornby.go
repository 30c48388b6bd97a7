package mappings

import (
	"slices"
	"sort"
	"strings"

	"github.com/regflytt/regflytt/connectors"
)

// birthWords are the names, folded as identityName folds them (lower
// case, without separators), a source gives the column holding a
// person's birth date: Swedish födelsedatum and its abbreviations, and
// the English names. A name, not a proof; kept short so that a visit's
// or a registration's date is never taken for one.
var birthWords = map[string]bool{
	"fodd": true, "fodelsedatum": true, "fodelsedag": true, "fodelsedat": true,
	"birthdate": true, "born": true, "dob": true, "dateofbirth": true,
}

// birthName says whether a column's name is one of birthWords, in any
// case, with or without separators (Födelsedatum, birth_date,
// Date_Of_Birth), alone or as the last words (pat_fodd,
// patient_birth_date).
func birthName(name string) bool {
	words := nameWords(name)
	for i := range words {
		if birthWords[strings.Join(words[i:], "")] {
			return true
		}
	}
	return false
}

// BirthDateColumns gives the columns of st that look like the person's
// birth date: a date (or datetime) column named as one (birthName), or
// a column so named of unknown type (NamedSource: plan check, which reads
// no database, goes by the name alone).
func BirthDateColumns(st *connectors.Table) []string {
	if st == nil {
		return nil
	}
	var out []string
	for _, c := range st.Columns {
		k := c.Type.Kind
		if (k == connectors.KindDate || k == connectors.KindDateTime || k == connectors.KindInvalid) && birthName(c.Name) {
			out = append(out, c.Name)
		}
	}
	return out
}

// unbornNumbers gives the columns tm reads as identity numbers without
// born_by, sorted: what a person: reads unless it calls pnr() or
// pseudonym() with born_by, and what any column gives pnr(), pnr_kind()
// or pseudonym() alone.
func unbornNumbers(walker func(*TableMapping) *flowWalker, tm *TableMapping) []string {
	w := walker(tm)
	w.numbers = map[string]bool{}
	w.unborn = map[string]bool{}
	if tm.Person != nil {
		fl, _ := w.column(tm.Person)
		if !w.bornBy {
			for _, n := range fl.all() {
				w.unborn[n] = true
			}
		}
	}
	for _, cm := range tm.Columns {
		w.column(cm)
	}
	out := make([]string, 0, len(w.unborn))
	for n := range w.unborn {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// checkBornBy warns (M088) of each table whose identity number is read
// without born_by while the source table has a column with the person's
// birth date (BirthDateColumns): the century of a 10-digit number is
// then read against the reference date alone, and a patient born 1912
// written 121212-1212 by a system that never wrote '+' gets the number,
// and the pseudonym, of one born 2012 written 201212121212. A warning:
// the column may hold something else, and the run counts the numbers
// whose century it inferred so (WarnCenturyInferred is no finding; see
// verify.TableLedger.CenturyInferred).
func checkBornBy(files []*File, source map[string]*connectors.Table) Diagnostics {
	var ds Diagnostics
	walker := identityWalkers(files)
	eachTable(files, func(tm *TableMapping) {
		if tm.NoPerson.IsSet() || !tm.Source.IsSet() {
			return
		}
		births := BirthDateColumns(source[tm.Source.Value])
		if len(births) == 0 {
			return
		}
		numbers := unbornNumbers(walker, tm)
		numbers = slices.DeleteFunc(numbers, func(n string) bool { return slices.Contains(births, n) })
		if len(numbers) == 0 {
			return
		}
		pos := tm.Source.Pos
		if tm.Person != nil {
			pos = tm.Person.Pos
		}
		ds.warn(pos, "M088", "%s reads the identity number %s without born_by while its column %s looks like the person's birth date: the century of a 10-digit number (121212-1212) is read against the reference date alone, so a patient born 1912 written without '+' gets the number and pseudonym of one born 2012; give the date as born_by, pseudonym(%s, %s) and pnr(%s, %s) in person: (the run counts the numbers whose century it inferred, pnr_century_inferred)",
			tm.Source.Value, strings.Join(numbers, ", "), strings.Join(births, ", "), numbers[0], births[0], numbers[0], births[0])
	})
	return ds
}

// WarnCenturyBirthDiffers is counted for a record whose identity number,
// written with 10 digits and no '+', names a birth on the month and day
// of the record's own birth-date column (BirthDateColumns) but in
// another century: the century was read wrong (against the reference
// date, or moved back by a born_by that is a visit's date), and the
// record carries the number and the pseudonym of another person, the one
// born a century apart on the same day with the same last four (a
// patient born 1912 written 121212-1212 becomes the one born 2012). A
// warning the verification lists as a finding: give the birth date as
// born_by, pseudonym(personnr, fodd). The record is judged alone, in
// constant memory; its twin need not be in the registry.
const WarnCenturyBirthDiffers = "pnr_century_birth_differs"

// birthColumn is the index in st of its first birth-date column
// (BirthDateColumns) whose type is known to be a date, -1 for none.
func birthColumn(st *connectors.Table) int {
	if st == nil {
		return -1
	}
	for _, name := range BirthDateColumns(st) {
		if i := st.ColumnIndex(name); i >= 0 && st.Columns[i].Type.Kind != connectors.KindInvalid {
			return i
		}
	}
	return -1
}

// birthBelies says whether the record's 10-digit number (warnings'
// tenDigits) names its birth-date column's month and day in another year
// a whole number of centuries away (WarnCenturyBirthDiffers). Another
// month or day says nothing about the century: a typo, or a column that
// is no birth date.
func (p *TableProgram) birthBelies(row []connectors.Value) bool {
	i := p.birthCol - 1
	if i < 0 || i >= len(row) || p.env == nil || p.env.warnings == nil || p.env.warnings.tenDigits.IsZero() {
		return false
	}
	var y, m, d int
	switch v := row[i].(type) {
	case connectors.Date:
		y, m, d = v.Year, int(v.Month), v.Day
	case connectors.LocalDateTime:
		t := v.Time()
		y, m, d = t.Year(), int(t.Month()), t.Day()
	default:
		return false
	}
	ny, nm, nd := p.env.warnings.tenDigits.BirthDate()
	return ny != y && (ny-y)%100 == 0 && int(nm) == m && nd == d
}
