package mappings

import (
	"strings"
	"testing"

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
	schema, ds := LoadSchema(writeTemp(t, `platform: t
tables:
  - name: visit
    primary_key: [visit_id]
    columns:
      - {name: visit_id, type: bigint}
      - {name: patient, type: varchar(32)}
`))
	if ds.Err() != nil {
		t.Fatal(ds)
	}
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
