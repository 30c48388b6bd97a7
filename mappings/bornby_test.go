package mappings

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/regflytt/regflytt/connectors"
)

// A table whose identity number is read without born_by (person:, or
// pnr(), pseudonym(), pnr_kind() with one argument) while it has a date
// column named as the person's birth date is warned of (M088): the
// number's century is then read against the reference date only, and a
// patient born 1912 written 121212-1212 gets the pseudonym of one born
// 2012. Where every reading gives born_by, or no such column exists (a
// visit's date is not one), or the column holds no date, there is none.
func TestCompileWarnsOfBirthDateNotUsed(t *testing.T) {
	schema := visitSchema(t, "")
	date := connectors.Type{Kind: connectors.KindDate}
	text := connectors.Type{Kind: connectors.KindText}
	for _, c := range []struct {
		head, columns string
		birth         string
		birthType     connectors.Type
		want          bool
	}{
		{"", "      patient: {expr: \"pseudonym(personnr)\"}\n", "fodd", date, true},
		{"", "      patient: {expr: \"pseudonym(personnr)\"}\n", "Date_Of_Birth", date, true},
		{"", "      patient: {expr: \"pseudonym(personnr)\"}\n", "FODELSEDATUM", date, true},
		{"    person: {expr: \"pnr(personnr, fodd)\"}\n", "      patient: {expr: \"pseudonym(personnr)\"}\n", "fodd", date, true},
		{"    person: {expr: \"pnr(personnr, fodd)\"}\n", "      patient: {expr: \"pnr_kind(personnr) == 'none' ? nil : pseudonym(personnr, fodd)\"}\n", "fodd", date, true},
		{"    person: {expr: \"pnr(personnr, fodd)\"}\n", "      patient: {expr: \"pseudonym(personnr, fodd)\"}\n", "fodd", date, false},
		// person: personnr alone is read against the reference date.
		{"", "      patient: {expr: \"pseudonym(personnr, fodd)\"}\n", "fodd", date, true},
		{"", "      patient: {expr: \"pseudonym(personnr)\"}\n", "besoksdatum", date, false},
		{"", "      patient: {expr: \"pseudonym(personnr)\"}\n", "fodd", text, false},
		{"    no_person: test\n", "      patient: {expr: \"string(id)\"}\n", "fodd", date, false},
	} {
		f := besokMapping(t, "", c.head, c.columns)
		cols := []connectors.Column{{Name: "id", Type: connectors.Type{Kind: connectors.KindInt, Bits: 64}}, {Name: "personnr", Type: text}, {Name: c.birth, Type: c.birthType}}
		if c.birth != "besoksdatum" {
			cols = append(cols, connectors.Column{Name: "besoksdatum", Type: date})
		}
		_, cds := Compile([]*File{f}, []connectors.Table{{Name: "besok", PrimaryKey: []string{"id"}, Columns: cols}}, schema, &Env{})
		var got []Diagnostic
		for _, d := range cds {
			if d.Code == "M088" {
				got = append(got, d)
			}
		}
		if (len(got) > 0) != c.want || len(got) > 1 {
			t.Errorf("%s%s (%s %v): M088 %v, want %v (%v)", c.head, c.columns, c.birth, c.birthType, got, c.want, cds)
			continue
		}
		if c.want {
			d := got[0]
			if d.Severity != Warning || !strings.Contains(d.Message, c.birth) || !strings.Contains(d.Message, "pseudonym(personnr, "+c.birth+")") {
				t.Errorf("%s: %v", c.columns, d)
			}
		}
	}
}

// A record whose 10-digit identity number had its century read against
// the reference date alone (no '+', no born_by) says so
// (CenturyInferred), as a note, not a warning: with born_by, with a '+',
// with twelve digits, or with nothing read, it does not.
func TestOutcomeSaysCenturyInferred(t *testing.T) {
	env := testEnv(t)
	env.OptOut, env.Erasure = nil, nil // person: is read for the lists only
	tp := personProgram(t, env, "personnr", `{expr: "pseudonym(personnr, datum)"}`)
	visit := connectors.Date{Year: 2010, Month: 5, Day: 1}
	for _, c := range []struct {
		row  []connectors.Value
		want bool
	}{
		{[]connectors.Value{int64(1), "121212-1212", nil}, true},
		{[]connectors.Value{int64(8), "121212-1212", connectors.Date{Year: 2020, Month: 5, Day: 1}}, false},
		{[]connectors.Value{int64(2), "1212121212", nil}, true},
		{[]connectors.Value{int64(4), "121212+1212", nil}, false},
		{[]connectors.Value{int64(5), "191212121212", nil}, false},
		{[]connectors.Value{int64(6), "201212121212", nil}, false},
		{[]connectors.Value{int64(7), nil, nil}, false},
	} {
		o := tp.Apply(c.row)
		if o.CenturyInferred != c.want || o.Warnings != nil {
			t.Errorf("%v: %v CenturyInferred %v warnings %v, want %v and no warning", c.row, o.Kind, o.CenturyInferred, o.Warnings, c.want)
		}
	}
	// Resolved by born_by: a warning of its own, not inferred.
	if o := tp.Apply([]connectors.Value{int64(3), "121212-1212", visit}); o.CenturyInferred || fmt.Sprint(o.Warnings) != "["+WarnCenturyResolved+"]" {
		t.Errorf("resolved: CenturyInferred %v warnings %v", o.CenturyInferred, o.Warnings)
	}
	// A person: read for the lists counts too.
	env2 := testEnv(t)
	env2.OptOut = personList(t, ReasonOptOut, "194601010301")
	tp2 := personProgram(t, env2, "personnr", `{expr: "pseudonym(personnr, datum)"}`)
	if o := tp2.Apply([]connectors.Value{int64(1), "121212-1212", visit}); o.Kind != Migrated || !o.CenturyInferred {
		t.Errorf("person: 121212-1212 against a list: %v CenturyInferred %v, want migrated and true", o.Kind, o.CenturyInferred)
	}
}

// A record whose 10-digit number names its own birth-date column's day
// a century apart raises pnr_century_birth_differs: the patient born 1912
// written 121212-1212 (read as 2012 against the reference date, or kept
// at 2012 by a born_by that is a 2015 visit) would take the number and
// pseudonym of the patient born 2012. A birth date that agrees, another
// day (no evidence of the century), twelve digits or a '+' raise nothing.
func TestCenturyBirthDiffers(t *testing.T) {
	schema := visitSchema(t, "      - {name: fodd, type: date}\n")
	date := connectors.Type{Kind: connectors.KindDate}
	src := connectors.Table{Name: "besok", PrimaryKey: []string{"id"}, Columns: []connectors.Column{
		{Name: "id", Type: connectors.Type{Kind: connectors.KindInt, Bits: 64}}, {Name: "personnr", Type: connectors.Type{Kind: connectors.KindText}},
		{Name: "fodd", Type: date}, {Name: "besoksdatum", Type: date}}}
	d := func(y, m, day int) connectors.Date { return connectors.Date{Year: y, Month: time.Month(m), Day: day} }
	for _, expr := range []string{"pseudonym(personnr)", "pseudonym(personnr, besoksdatum)"} {
		head := "    no_person: test\n"
		if !strings.Contains(expr, "besoksdatum") {
			head += "    drop: {besoksdatum: test}\n"
		}
		f := besokMapping(t, "", head, "      patient: {expr: \""+expr+"\"}\n      fodd: fodd\n")
		env := testEnv(t)
		prog, cds := Compile([]*File{f}, []connectors.Table{src}, schema, env)
		if cds.Err() != nil {
			t.Fatal(cds)
		}
		tp := prog.Tables[0]
		for _, c := range []struct {
			pnr   string
			birth any
			want  bool
		}{
			{"121212-1212", d(1912, 12, 12), true},
			{"1212121212", d(1912, 12, 12), true},
			{"121212-1212", d(2012, 12, 12), false},
			{"121212-1212", d(1912, 12, 13), false},
			{"121212-1212", nil, false},
			{"191212121212", d(2012, 12, 12), false},
			{"121212+1212", d(2012, 12, 12), false},
		} {
			o := tp.Apply([]connectors.Value{int64(1), c.pnr, c.birth, d(2015, 1, 1)})
			if got := slices.Contains(o.Warnings, WarnCenturyBirthDiffers); got != c.want || o.Kind != Migrated {
				t.Errorf("%s: %s born %v: %v %v, want %s %v", expr, c.pnr, c.birth, o.Kind, o.Warnings, WarnCenturyBirthDiffers, c.want)
			}
		}
	}
}

// Birth-date columns are known by their names in any case, with or
// without separators, alone or as the last words; a visit's or a
// registration's date is not one.
func TestBirthName(t *testing.T) {
	for name, want := range map[string]bool{
		"fodd": true, "Födelsedatum": true, "FODELSEDAG": true, "birth_date": true, "BirthDate": true, "born": true,
		"DOB": true, "Date_Of_Birth": true, "pat_fodd": true, "patient_birth_date": true,
		"besoksdatum": false, "registrerad": false, "date": false, "birth_place": false, "stubborn": false, "": false,
	} {
		if got := birthName(name); got != want {
			t.Errorf("birthName(%q) = %v, want %v", name, got, want)
		}
	}
}

// Outcome.Centuries gives the numbers a record gives pnr() or
// pseudonym() that another record's could differ from by a century: the
// one read against the reference date alone (Inferred), and one whose
// written century (twelve digits, a '+', born_by) lies a century or more
// before the reference date's reading of its ten digits (Written). A
// number born within the last hundred years, written with its century,
// is neither; nor is what pnr_kind() reads.
func TestOutcomeGivesCenturyReadings(t *testing.T) {
	env := testEnv(t)
	env.OptOut, env.Erasure = nil, nil
	tp := personProgram(t, env, "personnr", `{expr: "pseudonym(personnr, datum)"}`)
	visit := connectors.Date{Year: 2010, Month: 5, Day: 1}
	for _, c := range []struct {
		row               []connectors.Value
		inferred, written string
	}{
		{[]connectors.Value{int64(1), "121212-1212", nil}, "201212121212", ""},
		{[]connectors.Value{int64(2), "121212+1212", nil}, "", "191212121212"},
		{[]connectors.Value{int64(3), "19121212-1212", nil}, "", "191212121212"},
		{[]connectors.Value{int64(4), "121212-1212", visit}, "", "191212121212"},
		{[]connectors.Value{int64(5), "20121212-1212", nil}, "", ""},
		{[]connectors.Value{int64(6), "19460101-0301", nil}, "", ""},
		// Born 1926-01-01, a hundred years before the reference date:
		// its ten digits alone read 2026-01-01.
		{[]connectors.Value{int64(7), "19260101-0008", nil}, "", "192601010008"},
		{[]connectors.Value{int64(8), "19260102-0007", nil}, "", ""},
		{[]connectors.Value{int64(9), nil, nil}, "", ""},
	} {
		o := tp.Apply(c.row)
		if got := o.Centuries; got.Inferred.String() != c.inferred || got.Written.String() != c.written {
			t.Errorf("row %v: inferred %q written %q, want %q %q", c.row[0], got.Inferred.String(), got.Written.String(), c.inferred, c.written)
		}
	}
	// pnr_kind() writes no number: none.
	tp2 := personProgram(t, env, "personnr", `{expr: "pnr_kind(personnr)"}`)
	if o := tp2.Apply([]connectors.Value{int64(1), "121212-1212", visit}); !o.Centuries.IsZero() {
		t.Errorf("person: alone gives %+v", o.Centuries)
	}
	// A number pseudonym() cannot read is counted, not skipped: the run
	// says how many numbers no pair check read. A NULL is no number, and
	// pnr_kind() reads what it is, not a number to compare.
	for _, c := range []struct {
		tp     *TableProgram
		pnr    connectors.Value
		unread int
	}{
		{tp, "121212-1213", 1}, {tp, "1212121", 1}, {tp, "１２１２１２－１２１２", 1}, {tp, nil, 0}, {tp2, "121212-1213", 0},
	} {
		o := c.tp.Apply([]connectors.Value{int64(1), c.pnr, nil})
		if got := o.Centuries.Unread; got != c.unread || o.Centuries.IsZero() != (c.unread == 0) {
			t.Errorf("%q: %d numbers unread (zero %v), want %d", c.pnr, got, o.Centuries.IsZero(), c.unread)
		}
	}
}
