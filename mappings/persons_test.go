package mappings

import (
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/regflytt/regflytt/connectors"
)

var ref26 = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

func personList(t *testing.T, reason string, entries ...string) *PersonList {
	t.Helper()
	l := NewPersonList(reason, "test list")
	for i, s := range entries {
		if err := l.Add(s, ref26, fmt.Sprint("line ", i+1)); err != nil {
			t.Fatal(err)
		}
	}
	return l
}

// The match is on the ten checked digits; only two written centuries
// that differ are two people, and a match whose sides read as different
// centuries is flagged, never dropped.
func TestPersonListMatch(t *testing.T) {
	tests := []struct {
		name           string
		entry, person  string
		written        bool // the record wrote its century
		match, ambiguo bool
	}{
		{"same twelve digits", "191612021814", "191612021814", true, true, false},
		{"ten on the list, twelve in the table (read 2016 vs 1916)", "161202-1814", "191612021814", true, true, true},
		{"ten on the list, twelve of the century the list reads", "161202-1814", "201612021814", true, true, false},
		{"twelve on the list, ten in the table", "191612021814", "161202-1814", false, true, true},
		{"ten and ten", "161202-1814", "1612021814", false, true, false},
		{"plus on the list, dash in the table", "161202+1814", "161202-1814", false, true, true},
		{"two written centuries that differ: two people", "191612021814", "201612021814", true, false, false},
		{"twelve digits through an expression: century not written", "191612021814", "201612021814", false, true, true},
		{"another person", "161202-1814", "121212-1212", false, false, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			l := personList(t, ReasonOptOut, tc.entry)
			n := mustPNR(t, tc.person)
			m, amb := l.Match(n, tc.written && len(tc.person) == 12)
			if m != tc.match || amb != tc.ambiguo {
				t.Fatalf("Match = %v, ambiguous %v; want %v, %v", m, amb, tc.match, tc.ambiguo)
			}
			if got := len(l.Unmatched()); (got == 0) != tc.match {
				t.Fatalf("%d entries unmatched after match %v", got, m)
			}
		})
	}
}

// An entry exactly matched makes the match unambiguous even when another
// entry with the same ten digits reads another century.
func TestPersonListExactEntryWins(t *testing.T) {
	l := personList(t, ReasonOptOut, "161202-1814", "191612021814", "121212-1212")
	m, amb := l.Match(mustPNR(t, "191612021814"), true)
	if !m || amb {
		t.Fatalf("Match = %v, ambiguous %v; want a plain match", m, amb)
	}
	if got := strings.Join(l.Unmatched(), ","); got != "line 3" {
		t.Fatalf("unmatched %q, want line 3 (both forms of the one person matched)", got)
	}
}

func TestPersonListConcurrentMatch(t *testing.T) {
	l := personList(t, ReasonErasure, "161202-1814", "121212-1212")
	n := mustPNR(t, "191612021814")
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 100 {
				l.Match(n, true)
			}
		}()
	}
	wg.Wait()
	if got := strings.Join(l.Unmatched(), ","); got != "line 2" {
		t.Fatalf("unmatched %q, want line 2", got)
	}
}

func TestPersonListRefusesBadEntryByPlace(t *testing.T) {
	l := NewPersonList(ReasonOptOut, "file optout.txt")
	err := l.Add("161202-1815", ref26, "line 7")
	if err == nil || !strings.Contains(err.Error(), "file optout.txt, line 7") || strings.Contains(err.Error(), "1612") {
		t.Fatalf("got %v; want the place named and the number not", err)
	}
}

// personProgram compiles a visit mapping whose person and patient
// columns are the given YAML.
func personProgram(t *testing.T, env *Env, person, patient string) *TableProgram {
	t.Helper()
	dir := t.TempDir()
	schema, ds := LoadSchema(writeFile(t, dir, "schema.yaml", `platform: test
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
	drop := ""
	if !strings.Contains(patient, "datum") {
		drop = "    drop: {datum: not needed here}\n"
	}
	f, ds := ParseFile(writeFile(t, dir, "m.yaml", `tables:
  - target: visit
    source: besok
    person: `+person+`
    columns:
      visit_id: id
      patient: `+patient+`
`+drop))
	if ds.Err() != nil {
		t.Fatal(ds)
	}
	src := []connectors.Table{{Name: "besok", PrimaryKey: []string{"id"}, Columns: []connectors.Column{
		col("id", "integer", false), col("personnr", "varchar(13)", true), col("datum", "date", true),
	}}}
	prog, ds := Compile([]*File{f}, src, schema, env)
	if err := ds.Err(); err != nil {
		t.Fatal(err)
	}
	return prog.ForSource("besok")
}

func TestApplyExcludesAcrossCenturyForms(t *testing.T) {
	env := testEnv(t)
	env.OptOut = personList(t, ReasonOptOut, "161202-1814")
	env.Erasure = personList(t, ReasonErasure, "121212-1212", "191212121212")
	tp := personProgram(t, env, "personnr", "{expr: pseudonym(personnr)}")
	row := func(p string) []connectors.Value { return []connectors.Value{int64(1), p, nil} }

	o := tp.Apply(row("191612021814"))
	if o.Kind != Excluded || o.Reason != ReasonOptOut || o.Row != nil || fmt.Sprint(o.Warnings) != "["+WarnCenturyAmbiguous+"]" {
		t.Fatalf("twelve digits of a ten-digit opt-out: got %v %q %v, want excluded opt_out with %s", o.Kind, o.Reason, o.Warnings, WarnCenturyAmbiguous)
	}
	if o := tp.Apply(row("121212-1212")); o.Kind != Excluded || o.Reason != ReasonErasure || o.Warnings != nil {
		t.Fatalf("erasure list: got %v %q", o.Kind, o.Reason)
	}
	if o := tp.Apply(row("194601010301")); o.Kind != Migrated || o.Warnings != nil {
		t.Fatalf("a patient on no list: got %v %q %v", o.Kind, o.Reason, o.Warnings)
	}
	if u := env.OptOut.Unmatched(); len(u) != 0 {
		t.Fatalf("opt-out entries unmatched: %v", u)
	}
	if u := env.Erasure.Unmatched(); len(u) != 0 {
		t.Fatalf("erasure entries unmatched: %v (ten digits match both forms)", u)
	}

	// Twelve digits an expression made carry an inferred century: they
	// never prove another person.
	env2 := testEnv(t)
	env2.OptOut = personList(t, ReasonOptOut, "191612021814")
	tp2 := personProgram(t, env2, "{expr: pnr(personnr)}", "{expr: pseudonym(personnr)}")
	if o := tp2.Apply(row("161202-1814")); o.Kind != Excluded || o.Reason != ReasonOptOut {
		t.Fatalf("an expression's twelve digits: got %v %q, want excluded", o.Kind, o.Reason)
	}
}

// A ten-digit number in a record dated before the birth the reference
// date reads gets the earlier century: the pseudonym of the twelve-digit
// form, and a warning.
func TestPseudonymBornByResolvesCentury(t *testing.T) {
	env := testEnv(t)
	tp := personProgram(t, env, "personnr", `{expr: "pseudonym(personnr, datum)"}`)
	visit2010 := connectors.Date{Year: 2010, Month: 5, Day: 1}
	want := env.Pseudonymiser.Pseudonym(mustPNR(t, "191612021814"))

	o := tp.Apply([]connectors.Value{int64(1), "161202-1814", visit2010})
	if o.Kind != Migrated || o.Row[1] != want || fmt.Sprint(o.Warnings) != "["+WarnCenturyResolved+"]" {
		t.Fatalf("got %v %v %v; want the 1916 pseudonym and %s", o.Kind, o.Row, o.Warnings, WarnCenturyResolved)
	}
	o = tp.Apply([]connectors.Value{int64(2), "191612021814", visit2010})
	if o.Row[1] != want || o.Warnings != nil {
		t.Fatalf("twelve digits: got %v %v", o.Row, o.Warnings)
	}
	// No evidence: read against the reference date, no warning.
	o = tp.Apply([]connectors.Value{int64(3), "161202-1814", nil})
	if o.Row[1] != env.Pseudonymiser.Pseudonym(mustPNR(t, "201612021814")) || o.Warnings != nil {
		t.Fatalf("no born-by date: got %v %v", o.Row, o.Warnings)
	}
	// Warnings belong to one record: the next one starts clean.
	o = tp.Apply([]connectors.Value{int64(4), "161202-1814", connectors.Date{Year: 2020, Month: 1, Day: 1}})
	if o.Warnings != nil {
		t.Fatalf("a warning leaked into the next record: %v", o.Warnings)
	}
}
