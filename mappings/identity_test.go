package mappings

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// besokMapping parses a mapping of besok into visit: top (definitions)
// before its tables, head (person: personnr when empty) and columns in
// its table.
func besokMapping(t *testing.T, top, head, columns string) *File {
	t.Helper()
	if head == "" {
		head = "    person: personnr\n"
	}
	path := filepath.Join(t.TempDir(), "m.yaml")
	src := "version: 1\n" + top + "tables:\n  - target: visit\n    source: besok\n" + head + "    columns:\n      visit_id: id\n" + columns
	if err := os.WriteFile(path, []byte(src), 0o600); err != nil {
		t.Fatal(err)
	}
	f, ds := ParseFile(path)
	if ds.Err() != nil {
		t.Fatal(ds)
	}
	return f
}

// identities finds the identity columns of besokMapping.
func identities(t *testing.T, top, head, columns string) Identities {
	t.Helper()
	return IdentityColumns([]*File{besokMapping(t, top, head, columns)})
}

func columnList(cs []IdentityColumn) string {
	var s []string
	for _, c := range cs {
		s = append(s, c.Column)
	}
	return strings.Join(s, ",")
}

// Every way a value can carry the identity number, and the projections
// that cannot give it back: a receiving column is in clear unless the
// number reaches it through pseudonym() only.
func TestIdentityColumns(t *testing.T) {
	const define = "define:\n  - name: patient\n    params: [number, on]\n    expr: \"pseudonym(number, on)\"\n  - name: plain\n    params: [number]\n    expr: \"pnr(number)\"\n"
	for _, c := range []struct {
		name, head, expr           string
		clear, part, pseudonymised bool
	}{
		{"copied", "", "personnr", true, false, false},
		{"pseudonymised", "", `{expr: "pseudonym(personnr)"}`, false, false, true},
		{"pseudonymised with the visit's date", "", `{expr: "pseudonym(personnr, besoksdatum)"}`, false, false, true},
		{"normalised", "", `{expr: "pnr(personnr)"}`, true, false, false},
		{"as text", "", `{expr: "string(personnr)"}`, true, false, false},
		{"read by name", "", `{expr: "col(\"personnr\")"}`, true, false, false},
		{"through let", "", `{expr: "let x = personnr; upper(x)"}`, true, false, false},
		{"let, then pseudonymised", "", `{expr: "let x = personnr; pseudonym(x)"}`, false, false, true},
		{"beside its pseudonym", "", `{expr: "pseudonym(personnr) + personnr"}`, true, false, false},
		{"a branch", "", `{expr: "besoksdatum == nil ? personnr : pseudonym(personnr)"}`, true, false, false},
		{"the test of a condition", "", `{expr: "pnr_kind(personnr) == \"reservnummer\" ? nil : pseudonym(personnr)"}`, false, false, true},
		{"its kind", "", `{expr: "pnr_kind(personnr)"}`, false, false, false},
		{"compared", "", `{expr: "personnr != nil"}`, false, false, false},
		{"or else", "", `{expr: "personnr ?? reservnr"}`, true, false, false},
		{"its birth date", "", `{expr: "personnr[0:8]"}`, false, true, false},
		{"ten digits of it", "", `{expr: "personnr[2:12]"}`, true, false, false},
		{"from a place on", "", `{expr: "personnr[2:]"}`, true, false, false},
		{"the last four", "", `{expr: "personnr[-4:]"}`, true, false, false},
		{"a birth date read as a date", "", `{expr: "date(personnr[0:8], \"20060102\")"}`, false, true, false},
		{"in a list", "", `{expr: "join([personnr, \"x\"], \"-\")"}`, true, false, false},
		{"mapped over", "", `{expr: "join(map([personnr], # + \"\"), \"\")"}`, true, false, false},
		{"the definition pseudonymises", "", `{expr: "patient(personnr, besoksdatum)"}`, false, false, true},
		{"the definition does not", "", `{expr: "plain(personnr)"}`, true, false, false},
		{"a parameter shadows the column", "", `{expr: "let number = besoksdatum; patient(personnr, number)"}`, false, false, true},
		{"the visit's date", "", "besoksdatum", false, false, false},
		{"person: with the century from the visit", "    person: {expr: \"pnr(personnr, besoksdatum)\"}\n", "besoksdatum", false, false, false},
		{"person: is an expression", "    person: {expr: \"pnr(nummer)\"}\n", "nummer", true, false, false},
		{"the reference table's number", "    person: {expr: 'lookup(\"pat\", patient_id, \"personnr\")'}\n    lookups:\n      pat: {table: patient, key: id}\n",
			`{expr: 'lookup("pat", patient_id, "personnr")'}`, true, false, false},
		{"the key of the reference table", "    person: {expr: 'lookup(\"pat\", patient_id, \"personnr\")'}\n    lookups:\n      pat: {table: patient, key: id}\n",
			"patient_id", false, false, false},
		{"a number pseudonymised elsewhere", "", "mor_personnr\n      mother: {expr: \"pseudonym(mor_personnr)\"}", true, false, false},
	} {
		got := identities(t, define, c.head, "      copy: "+c.expr+"\n")
		has := func(cs []IdentityColumn) bool { return strings.Contains(","+columnList(cs)+",", ",visit.copy,") }
		if has(got.Clear) != c.clear || has(got.Part) != c.part || has(got.Pseudonymised) != c.pseudonymised {
			t.Errorf("%s: %s: clear %s, part %s, pseudonymised %s", c.name, c.expr, columnList(got.Clear), columnList(got.Part), columnList(got.Pseudonymised))
		}
	}
}

// Parts of one identity number are each too short to be it, but together
// they may be: a birth date and the last four digits in two columns put
// the whole number on the receiving platform, and the review said "yes,
// pseudonymised" with two harmless parts. Parts that together cover ten
// characters of the number are in clear; a birth date and the sex digit
// are not.
func TestIdentityPartsMakingTheNumberAreInClear(t *testing.T) {
	for _, c := range []struct {
		columns     string
		clear, part string
	}{
		{"      born: {expr: \"personnr[0:8]\"}\n      tail: {expr: \"personnr[9:13]\"}\n", "visit.born,visit.tail", ""},
		{"      born: {expr: \"let b = personnr[0:8]; b\"}\n      tail: {expr: \"upper(personnr[9:13])\"}\n", "visit.born,visit.tail", ""},
		{"      born: {expr: \"personnr[0:8]\"}\n      sex: {expr: \"personnr[11:12]\"}\n", "", "visit.born,visit.sex"},
		{"      born: {expr: \"personnr[0:8]\"}\n      day: {expr: \"personnr[6:8]\"}\n", "", "visit.born,visit.day"},
	} {
		got := identities(t, "", "", "      patient: {expr: \"pseudonym(personnr)\"}\n"+c.columns)
		if columnList(got.Clear) != c.clear || columnList(got.Part) != c.part {
			t.Errorf("%s: clear %s (want %s), part %s (want %s)", c.columns, columnList(got.Clear), c.clear, columnList(got.Part), c.part)
		}
		for _, cl := range got.Clear {
			if !strings.HasSuffix(cl.Via, "with the number's other parts") {
				t.Errorf("%s: %s in clear via %q, which does not say the parts make the number", c.columns, cl.Column, cl.Via)
			}
		}
	}
}

// The synthetic registers pseudonymise every identity number they
// migrate: in a form store's variables (eav) and in a main register's
// sub-registers merged into one target (mainsub), each column once.
func TestIdentityColumnsOfTheSyntheticRegisters(t *testing.T) {
	for file, want := range map[string]string{
		"eav.yaml":     "patient.pseudonym,registration.patient",
		"mainsub.yaml": "patient.pseudonym,visit.patient",
		"wide.yaml":    "followup.patient,patient.pseudonym,registration.patient",
	} {
		f, ds := ParseFile(filepath.Join("..", "testdata", "mappings", file))
		if ds.Err() != nil {
			t.Fatal(ds)
		}
		got := IdentityColumns([]*File{f})
		if columnList(got.Pseudonymised) != want || len(got.Clear) != 0 || len(got.Part) != 0 {
			t.Errorf("%s: pseudonymised %s (want %s), clear %s, part %s", file, columnList(got.Pseudonymised), want, columnList(got.Clear), columnList(got.Part))
		}
	}
}

// map doc says under the receiving table where the identity number is
// written in clear, and nothing of the kind where it is pseudonymised.
func TestDocumentShowsIdentityInClear(t *testing.T) {
	doc := func(columns string) string {
		t.Helper()
		f := besokMapping(t, "", "", columns)
		var b strings.Builder
		if err := WriteMarkdown(&b, Document(DocMeta{Title: "t"}, []*File{f}, &Schema{})); err != nil {
			t.Fatal(err)
		}
		return b.String()
	}
	const warning = "The identity number is written IN CLEAR, not pseudonymised, into: "
	if s := doc("      patient: {expr: \"pseudonym(personnr)\"}\n      pnr_copy: personnr\n"); !strings.Contains(s, warning+"pnr_copy (personnr).") {
		t.Errorf("the clear copy is not shown:\n%s", s)
	}
	if s := doc("      patient: {expr: \"pseudonym(personnr)\"}\n"); strings.Contains(s, warning) {
		t.Errorf("a pseudonymised number shown as in clear:\n%s", s)
	}
}

// A column copying an identity number in clear beside one pseudonymising
// it is a warning of its own (M086), at the copy; without pseudonym() in
// the mappings, or without a copy, there is none.
func TestCompileWarnsOfIdentityInClear(t *testing.T) {
	schema := visitSchema(t, "      - {name: pnr_copy, type: varchar(13)}\n")
	for _, c := range []struct {
		columns string
		want    int // line of the warning, 0 for none
	}{
		{"      patient: {expr: \"pseudonym(personnr)\"}\n      pnr_copy: personnr\n", 9},
		{"      patient: {expr: \"pseudonym(personnr)\"}\n      pnr_copy: {expr: \"string(personnr)\"}\n", 9},
		{"      patient: {expr: \"pseudonym(personnr)\"}\n      pnr_copy: {expr: \"pnr_kind(personnr)\"}\n", 0},
		{"      patient: personnr\n      pnr_copy: personnr\n", 0},
	} {
		f := besokMapping(t, "", "", c.columns)
		catalog, selects := NamedSource([]*File{f})
		_, cds := Compile([]*File{f}, catalog, schema, &Env{Selects: selects})
		line := 0
		for _, d := range cds {
			if d.Code == "M086" {
				if d.Severity != Warning || line != 0 {
					t.Errorf("%s: %v", c.columns, d)
				}
				line = d.Pos.Line
			}
		}
		if line != c.want {
			t.Errorf("%s: M086 at line %d, want %d (%v)", c.columns, line, c.want, cds)
		}
	}
}

// A column copied or dropped with no step that reads it as a number is
// known by its name, in the forms registries write it; a staff number
// ("personal" is Swedish for staff) or another number is not one.
func TestIdentityName(t *testing.T) {
	for name, want := range map[string]bool{
		"personnummer": true, "PersNr": true, "pers_nr": true, "pat_pnr": true, "patient_personnummer": true,
		"Samordningsnummer": true, "pnr": true, "ssn": true,
		"personal_id": false, "personalnummer": false, "telefonnr": false, "nummer": false, "pnr_kind": false, "": false,
	} {
		if got := identityName(name); got != want {
			t.Errorf("identityName(%q) = %v, want %v", name, got, want)
		}
	}
}

// visitSchema loads a target schema of one table, visit (visit_id
// bigint, patient varchar(32)), with the column lines extra after them.
func visitSchema(t *testing.T, extra string) *Schema {
	t.Helper()
	schema, ds := LoadSchema(writeTemp(t, `platform: t
tables:
  - name: visit
    primary_key: [visit_id]
    columns:
      - {name: visit_id, type: bigint}
      - {name: patient, type: varchar(32)}
`+extra))
	if ds.Err() != nil {
		t.Fatal(ds)
	}
	return schema
}

// numbersMapping parses a mapping of besok into visit (person: personnr,
// patient pseudonymised) and of patient into patient with columns.
func numbersMapping(t *testing.T, columns string) *File {
	t.Helper()
	path := filepath.Join(t.TempDir(), "m.yaml")
	src := "version: 1\ntables:\n  - target: visit\n    source: besok\n    person: personnr\n    columns:\n      visit_id: id\n      patient: {expr: \"pseudonym(personnr)\"}\n" +
		"  - target: patient\n    source: patient\n    no_person: the test's patients\n    columns:\n      patient_id: id\n" + columns
	if err := os.WriteFile(path, []byte(src), 0o600); err != nil {
		t.Fatal(err)
	}
	f, ds := ParseFile(path)
	if ds.Err() != nil {
		t.Fatal(ds)
	}
	return f
}

// A column is an identity number by what the mappings do to it or by its
// name, for the columns in clear (M086, plan render, map doc) as for P011
// (IdentityColumnsOf): a personnummer copied as it is, or a column given
// to pnr() (in a let, in an expression) and written in clear, went
// unwarned and unlisted while only what person: reads and pseudonym() is
// given counted. A pseudonymised column stays pseudonymised; a staff
// number (personal_id) is none.
func TestIdentityColumnsKnowANumberByStepOrName(t *testing.T) {
	for _, c := range []struct {
		name, columns                string
		clear, pseudonymised, source string
	}{
		{"a personnummer copied", "      number: personnummer\n", "patient.number", "visit.patient", "personnummer"},
		{"pnr() in a let", "      number: {expr: \"let n = nummer; pnr(n)\"}\n", "patient.number", "visit.patient", "nummer"},
		{"pnr() in an expression", "      number: {expr: \"upper(pnr(nummer) ?? \\\"\\\")\"}\n", "patient.number", "visit.patient", "nummer"},
		{"pnr() in one column, copied in another", "      valid: {expr: \"pnr(nummer) != nil\"}\n      number: nummer\n", "patient.number", "visit.patient", "nummer"},
		{"pnr() in a condition's test, copied in another", "      kind: {expr: \"pnr(nummer) == nil ? nil : pnr_kind(nummer)\"}\n      number: nummer\n", "patient.number", "visit.patient", "nummer"},
		{"pnr_kind() in one column, copied in another", "      kind: {expr: \"pnr_kind(nummer)\"}\n      number: nummer\n", "patient.number", "visit.patient", "nummer"},
		{"a personnummer pseudonymised", "      number: {expr: \"pseudonym(personnummer)\"}\n", "", "patient.number,visit.patient", "personnummer"},
		{"pnr() then pseudonymised", "      number: {expr: \"let n = pnr(nummer); pseudonym(n)\"}\n", "", "patient.number,visit.patient", "nummer"},
		{"a staff number copied", "      staff: personal_id\n", "", "visit.patient", ""},
	} {
		f := numbersMapping(t, c.columns)
		got := IdentityColumns([]*File{f})
		if clear := columnList(got.Clear); clear != c.clear {
			t.Errorf("%s: clear %q, want %q", c.name, clear, c.clear)
		}
		if p := columnList(got.Pseudonymised); p != c.pseudonymised {
			t.Errorf("%s: pseudonymised %q, want %q", c.name, p, c.pseudonymised)
		}
		var patient *TableMapping
		for _, tm := range f.Tables {
			if tm.Target.Value == "patient" {
				patient = tm
			}
		}
		if of := strings.Join(IdentityColumnsOf([]*File{f}, patient), ","); of != c.source {
			t.Errorf("%s: IdentityColumnsOf %q, want %q", c.name, of, c.source)
		}
	}
}

// M086 warns of a column writing an identity number in clear beside the
// pseudonymised ones, the number known by step or name: the copy of a
// personnummer, a column given to pnr() and written in clear. Not of a
// pseudonymised column, nor of a staff number.
func TestCompileWarnsOfANumberKnownByStepOrName(t *testing.T) {
	schema, ds := LoadSchema(writeTemp(t, `platform: t
tables:
  - name: visit
    primary_key: [visit_id]
    columns:
      - {name: visit_id, type: bigint}
      - {name: patient, type: varchar(64)}
  - name: patient
    primary_key: [patient_id]
    columns:
      - {name: patient_id, type: bigint}
      - {name: number, type: varchar(64)}
      - {name: kind, type: varchar(64)}
      - {name: staff, type: varchar(64)}
`))
	if ds.Err() != nil {
		t.Fatal(ds)
	}
	for _, c := range []struct {
		columns string
		want    string // the column and the way M086 names, "" for no warning
		line    int
	}{
		{"      number: personnummer\n", "patient.number writes an identity number in clear (personnummer)", 14},
		{"      number: {expr: \"let n = nummer; pnr(n)\"}\n", "patient.number writes an identity number in clear (expr let n = nummer; pnr(n))", 14},
		{"      kind: {expr: \"pnr_kind(nummer)\"}\n      number: {expr: \"trim(nummer)\"}\n", "patient.number writes an identity number in clear (expr trim(nummer))", 15},
		{"      kind: {expr: \"pnr(nummer) == nil ? nil : pnr_kind(nummer)\"}\n      number: nummer\n", "patient.number writes an identity number in clear (nummer)", 15},
		{"      number: {expr: \"pseudonym(personnummer)\"}\n", "", 0},
		{"      staff: personal_id\n", "", 0},
	} {
		f := numbersMapping(t, c.columns)
		catalog, selects := NamedSource([]*File{f})
		_, cds := Compile([]*File{f}, catalog, schema, &Env{Selects: selects})
		var got []string
		for _, d := range cds {
			if d.Code == "M086" {
				got = append(got, d.Message)
				if d.Severity != Warning || d.Pos.Line != c.line {
					t.Errorf("%s: %v, want a warning at line %d", c.columns, d, c.line)
				}
			}
		}
		switch {
		case c.want == "" && len(got) > 0:
			t.Errorf("%s: warned %v", c.columns, got)
		case c.want != "" && (len(got) != 1 || !strings.Contains(got[0], c.want)):
			t.Errorf("%s: M086 %v, want one saying %q", c.columns, got, c.want)
		}
	}
}
