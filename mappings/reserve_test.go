package mappings

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/regflytt/regflytt/connectors"
)

// reserveProgram compiles a visit mapping whose person: is the given
// YAML and which archives a reserve number not excluded as
// no_national_id, the rule the README shows.
func reserveProgram(t *testing.T, env *Env, person string) *TableProgram {
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
	f, ds := ParseFile(writeFile(t, dir, "m.yaml", `tables:
  - target: visit
    source: besok
    person: `+person+`
    rules:
      - {when: 'pnr_kind(src.personnr) == "reservnummer"', archive: no_national_id}
    columns:
      visit_id: id
      patient: personnr
    drop: {datum: not needed here}
`))
	if ds.Err() != nil {
		t.Fatal(ds)
	}
	src := []connectors.Table{{Name: "besok", PrimaryKey: []string{"id"}, Columns: []connectors.Column{
		col("id", "integer", false), col("personnr", "varchar(16)", true), col("datum", "date", true),
	}}}
	prog, ds := Compile([]*File{f}, src, schema, env)
	if err := ds.Err(); err != nil {
		t.Fatal(err)
	}
	return prog.ForSource("besok")
}

// A reserve number on a list is an entry: before, it stopped the run as
// no identity number, and a patient known only by one could not be
// excluded. What is neither still stops it, named by place only.
func TestPersonListAcceptsReserveNumbers(t *testing.T) {
	l := NewPersonList(ReasonOptOut, "file optout.txt")
	for i, s := range []string{"19900101-T123", "900101-TF12", "19900101 t123", "19900101T123", "121212-1212"} {
		if err := l.Add(s, ref26, fmt.Sprint("line ", i+1)); err != nil {
			t.Fatalf("%q: %v", s, err)
		}
	}
	if l.Len() != 5 {
		t.Fatalf("%d entries, want 5", l.Len())
	}
	for _, bad := range []string{"19900101-T12", "19900101-T1234", "1990011-T123", "19900101-TÄ12", "19900101-T12!", "1990O101-T123"} {
		err := l.Add(bad, ref26, "line 9")
		if err == nil {
			t.Errorf("%q accepted", bad)
			continue
		}
		if !strings.Contains(err.Error(), "file optout.txt, line 9") || strings.Contains(err.Error(), "T12") || strings.Contains(err.Error(), "900101") {
			t.Errorf("%q: %v; want the place named and the value not", bad, err)
		}
	}
}

// Reserve numbers match exactly, separators and letter case aside: the
// date digits are no birth date in every region, so no century is
// inferred. An 8-digit and a 6-digit form whose last six date digits
// agree may be the same patient: excluded, flagged. Two 8-digit forms
// that differ in their first two digits are two numbers, kept, and
// counted as list_century_differs, so the run does not pass silently.
func TestPersonListMatchReserve(t *testing.T) {
	tests := []struct {
		name, entry, person string
		match, ambiguous    bool
		apart               bool
	}{
		{"same", "19900101-T123", "19900101-T123", true, false, false},
		{"case and separators", "19900101-t123", "19900101 T123", true, false, false},
		{"no separator", "19900101T123", "19900101-T123", true, false, false},
		{"six and six", "900101-TF12", "900101tf12", true, false, false},
		{"six on the list, eight in the table", "900101-T123", "19900101-T123", true, true, false},
		{"eight on the list, six in the table", "19900101-T123", "900101-T123", true, true, false},
		{"eight and eight, first two differ: two numbers", "19900101-T123", "20900101-T123", false, false, true},
		{"another serial", "19900101-T123", "19900101-T124", false, false, false},
		{"another date", "19900101-T123", "19900102-T123", false, false, false},
		{"a personnummer's digits are no reserve number", "121212-1212", "121212-T212", false, false, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			l := personList(t, ReasonOptOut, tc.entry)
			m, amb, apart := l.matchReserve(tc.person)
			if m != tc.match || amb != tc.ambiguous || apart != tc.apart {
				t.Fatalf("matchReserve = %v, ambiguous %v, apart %v; want %v, %v, %v", m, amb, apart, tc.match, tc.ambiguous, tc.apart)
			}
			if got := len(l.Unmatched()); (got == 0) != tc.match {
				t.Fatalf("%d entries unmatched after match %v", got, m)
			}
			if m2, amb2 := l.MatchReserve(tc.person); m2 != tc.match || amb2 != tc.ambiguous {
				t.Fatalf("MatchReserve = %v, %v", m2, amb2)
			}
		})
	}
	// A personnummer entry is never matched by a reserve number, nor a
	// reserve entry by a personnummer.
	l := personList(t, ReasonOptOut, "19900101-T123", "121212-1212")
	if m, _ := l.Match(mustPNR(t, "121212-1212"), false); !m {
		t.Fatal("the personnummer entry does not match")
	}
	if got := strings.Join(l.Unmatched(), ","); got != "line 1" {
		t.Fatalf("unmatched %q, want line 1 (the reserve entry)", got)
	}
}

// A record whose person is a listed reserve number is excluded with the
// list's reason before the table rule archives it (with its number);
// before, the list could not name it, and it was archived.
func TestApplyExcludesListedReserveNumber(t *testing.T) {
	for _, person := range []string{"personnr", "{expr: 'coalesce(personnr, \"x\")'}", "{expr: pnr(personnr)}"} {
		t.Run(person, func(t *testing.T) {
			env := testEnv(t)
			env.OptOut = personList(t, ReasonOptOut, "19900101-T123", "900101-TF12", "19121212-1212")
			env.Erasure = personList(t, ReasonErasure, "19850505-X001")
			tp := reserveProgram(t, env, person)
			row := func(p string) []connectors.Value { return []connectors.Value{int64(1), p, nil} }
			for _, c := range []struct {
				person, kind, reason, warning string
			}{
				{"19900101-T123", "excluded", ReasonOptOut, ""},
				{" 19900101 t123 ", "excluded", ReasonOptOut, ""},
				{"19850505x001", "excluded", ReasonErasure, ""},
				{"19900101-TF12", "excluded", ReasonOptOut, WarnCenturyAmbiguous},
				{"19900101-T124", "archived", "no_national_id", ""},
				{"20900101-T123", "archived", "no_national_id", WarnListCenturyDiffers},
				{"19121212-1212", "excluded", ReasonOptOut, ""},
			} {
				o := tp.Apply(row(c.person))
				if o.Kind.String() != c.kind || o.Reason != c.reason {
					t.Errorf("%q: %v %q %s, want %s %s", c.person, o.Kind, o.Reason, o.Detail, c.kind, c.reason)
				}
				if c.warning == "" && len(o.Warnings) != 0 || c.warning != "" && !slices.Contains(o.Warnings, c.warning) {
					t.Errorf("%q: warnings %v, want %q", c.person, o.Warnings, c.warning)
				}
				if o.Kind == Excluded && o.Row != nil {
					t.Errorf("%q: an excluded record keeps a row", c.person)
				}
			}
			if u := env.OptOut.Unmatched(); len(u) != 0 {
				t.Errorf("opt-out entries unmatched: %v", u)
			}
			if u := env.Erasure.Unmatched(); len(u) != 0 {
				t.Errorf("erasure entries unmatched: %v", u)
			}
		})
	}
}

// An entry no record names is unmatched, reserve numbers as others: the
// run fails on it.
func TestReserveEntryUnmatched(t *testing.T) {
	env := testEnv(t)
	env.OptOut = personList(t, ReasonOptOut, "19900101-T123", "19771212-A999")
	tp := reserveProgram(t, env, "personnr")
	tp.Apply([]connectors.Value{int64(1), "19900101-T123", nil})
	if got := strings.Join(env.OptOut.Unmatched(), ","); got != "line 2" {
		t.Fatalf("unmatched %q, want line 2", got)
	}
}

// A form store's form whose person variable holds a listed reserve
// number is excluded with every value row; so is one whose person's
// value row is spelled otherwise (a left-out copy, asked by listedText).
func TestApplyEntityExcludesListedReserveNumber(t *testing.T) {
	dir := t.TempDir()
	schema, _ := LoadSchema(writeFile(t, dir, "schema.yaml", eavSchema))
	f, ds := ParseFile(writeFile(t, dir, "m.yaml", `tables:
  - target: registration
    source:
      eav: {entities: instans, values: varde, entity: instans_id, attribute: variabel, value: varde}
    person: pnr
    rules:
      - {when: 'pnr_kind(src.pnr) == "reservnummer"', archive: no_national_id}
    columns:
      registration_id: id
      registered: {expr: date(datum)}
    drop: {varde_id: the value row's own number, ver: this form's variables have one version}
`))
	if ds.Err() != nil {
		t.Fatal(ds)
	}
	env := testEnv(t, "19900101-T123", "19771212-a999")
	prog, ds := Compile([]*File{f}, eavCatalog(), schema, env)
	if err := ds.Err(); err != nil {
		t.Fatal(err)
	}
	tp := prog.Tables[0]
	entity := []connectors.Value{int64(1), "2024-03-01"}
	eo := tp.ApplyEntity(entity, [][]connectors.Value{val(1, "pnr", "19900101-t123", 1), val(2, "annat", "x", 1)})
	if eo.Entity.Kind != Excluded || eo.Entity.Reason != ReasonOptOut {
		t.Fatalf("entity %v %q", eo.Entity.Kind, eo.Entity.Reason)
	}
	for i, vo := range eo.Values {
		if vo.Kind != Excluded {
			t.Errorf("value %d of an opted-out patient: %v %q", i, vo.Kind, vo.Reason)
		}
	}
	// The person's variable spelled otherwise as well as exactly: the
	// form is the listed patient's.
	eo = tp.ApplyEntity(entity, [][]connectors.Value{val(1, "pnr", "19900101-T124", 1), val(2, "PNR", "19771212-A999", 1)})
	if eo.Entity.Kind != Excluded || eo.Entity.Reason != ReasonOptOut {
		t.Fatalf("a left-out copy of a listed reserve number: entity %v %q", eo.Entity.Kind, eo.Entity.Reason)
	}
	// Not listed: the rule archives it.
	eo = tp.ApplyEntity(entity, [][]connectors.Value{val(1, "pnr", "19900101-T124", 1)})
	if eo.Entity.Kind != Archived || eo.Entity.Reason != "no_national_id" {
		t.Fatalf("an unlisted reserve number: entity %v %q", eo.Entity.Kind, eo.Entity.Reason)
	}
	if u := env.OptOut.Unmatched(); len(u) != 0 {
		t.Errorf("entries unmatched: %v", u)
	}
}

// ListedReserve reads a stored value as archive erase asks its list
// about it.
func TestListedReserve(t *testing.T) {
	for v, want := range map[connectors.Value]bool{
		"19900101-T123": true, "900101tf12": true, " 19900101 t123": true,
		"19121212-1212": false, int64(19900101): false, nil: false, "19900101-T12": false,
	} {
		if _, ok := ListedReserve(v); ok != want {
			t.Errorf("ListedReserve(%v) = %v", v, ok)
		}
	}
	l := personList(t, ReasonErasure, "19900101-T123")
	s, _ := ListedReserve("19900101 t123")
	if m, _ := l.MatchReserve(s); !m {
		t.Fatal("the stored reserve number does not match its entry")
	}
}

// A listed reserve number beside a note, or among other text, is the
// listed patient's: excluded, flagged exclusion_by_digits, rather than
// archived for its shape with the number. Before, the record was
// archived (person_digits) with the number, and the run passed when the
// entry matched another record of the patient.
func TestApplyExcludesAReserveNumberAmongOtherText(t *testing.T) {
	env := testEnv(t)
	env.OptOut = personList(t, ReasonOptOut, "19900101-T123")
	tp := reserveProgram(t, env, "personnr")
	for in, want := range map[string]string{
		"19900101-T123 (nr 2)":          "excluded opt_out",
		"reserv: 19900101t123":          "excluded opt_out",
		"19900101-T124, 19900101-T123.": "excluded opt_out",
		"19900101-T124 (nr 2)":          "archived",
		"nr19900101-T123":               "excluded opt_out",
		"119900101-T123":                "archived",
		"19900101-T1234 nr":             "archived",
	} {
		o := tp.Apply([]connectors.Value{int64(1), in, nil})
		got := o.Kind.String()
		if o.Kind == Excluded {
			got += " " + o.Reason
			if !slices.Contains(o.Warnings, WarnExclusionByDigits) {
				t.Errorf("%q: excluded without %s: %v", in, WarnExclusionByDigits, o.Warnings)
			}
		}
		if got != want {
			t.Errorf("%q: %s (%s), want %s", in, got, o.Reason, want)
		}
	}
	if got := ListedReservesAmong("see 19900101-t123 and 900101 TF12!"); strings.Join(got, ",") != "19900101T123,900101TF12" {
		t.Errorf("ListedReservesAmong = %v", got)
	}
}
