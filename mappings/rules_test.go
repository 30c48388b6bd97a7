package mappings

import (
	"fmt"
	"strings"
	"testing"

	"github.com/regflytt/regflytt/connectors"
)

// Reason codes a mapping names are snake_case and never a built-in
// reason's name, wherever they are named.
func TestReasonCodesChecked(t *testing.T) {
	cases := []struct{ text, want string }{
		{`    rules: [{when: "visit_id > 1", archive: Before-Birth}]`, "M070"},
		{`    rules: [{when: "visit_id > 1", archive: merge_conflict}]`, "M070"},
		{`    rules: [{when: "visit_id > 1", exclude: opt_out}]`, "M070"},
		{`    rules: [{when: "visit_id > 1", archive: a, exclude: b}]`, "Y003"},
		{`    rules: [{when: "visit_id > 1", archive: before_birth}]`, ""},
		{`    rules: [{when: "no_such > 1", archive: before_birth}]`, "M013"},
	}
	for _, c := range cases {
		_, ds := compile(t, `tables:
  - target: visit
    source: besok
`+c.text+`
    columns: {visit_id: id, visit_date: {expr: date(datum)}}
    drop: {vikt: x, langd: x, personnr: x}
`)
		var got []string
		for _, d := range ds {
			got = append(got, d.Code)
		}
		if strings.Join(got, ",") != c.want {
			t.Errorf("%s: got %v, want %s", c.text, ds, c.want)
		}
	}
	_, ds := compile(t, `codelists:
  - {name: s, codes: {"1": "10"}, archive: {"9": cast_int}}
tables:
  - target: visit
    source: besok
    columns: {visit_id: id, visit_date: {expr: date(datum)}, height_cm: {from: vikt, codelist: s, reasons: {lookup_missing: Unit, no_reason: x}}}
    drop: {langd: x, personnr: x}
`)
	var got []string
	for _, d := range ds {
		got = append(got, fmt.Sprintf("%d:%d %s", d.Pos.Line, d.Pos.Column, d.Code))
	}
	if want := "2:50 M070,6:125 M070,6:131 M070"; strings.Join(got, ",") != want {
		t.Errorf("got %v, want %s", ds, want)
	}
}

// An ordering comparison with an empty side fails a column's expression
// (as it did before dates could be compared), but is false in a rule.
func TestOrderingWithNull(t *testing.T) {
	prog, ds := compile(t, `tables:
  - target: visit
    source: besok
    rules: [{when: "height_cm > 100", archive: tall}]
    columns:
      visit_id: id
      visit_date: {expr: date(datum)}
      height_cm: {expr: 'langd > 5 ? langd : 0'}
    drop: {vikt: x, personnr: x}
`)
	if err := ds.Err(); err != nil {
		t.Fatal(err)
	}
	tp := prog.ForSource("besok")
	o := tp.Apply([]connectors.Value{int64(1), "2020-01-01", nil, nil, nil})
	if o.Kind != Archived || o.Reason != "expression_failed" || o.Column != "height_cm" {
		t.Errorf("NULL > 5 in a column: %+v, want archived expression_failed", o)
	}
	o = tp.Apply([]connectors.Value{int64(2), "2020-01-01", nil, int64(150), nil})
	if o.Kind != Archived || o.Reason != "tall" {
		t.Errorf("150 > 100 in a rule: %+v, want archived tall", o)
	}
	o = tp.Apply([]connectors.Value{int64(3), "2020-01-01", nil, int64(3), nil})
	if o.Kind != Migrated || o.Row[3] != int64(0) {
		t.Errorf("3 > 5: %+v, want migrated with 0", o)
	}
}

// A record archived for an expression column's failure names the source
// columns the expression read; a rule's, the source columns it read.
func TestArchivedRecordNamesSourceColumns(t *testing.T) {
	prog, ds := compile(t, `tables:
  - target: visit
    source: besok
    rules: [{when: 'src.personnr == "x"', archive: marked}]
    columns:
      visit_id: id
      visit_date: {expr: 'date(datum + vikt)'}
    drop: {langd: x, personnr: x}
`)
	if err := ds.Err(); err != nil {
		t.Fatal(err)
	}
	tp := prog.ForSource("besok")
	o := tp.Apply([]connectors.Value{int64(1), "2020-01-", "99", nil, nil})
	if o.Kind != Archived || o.SourceColumn != "datum, vikt" {
		t.Errorf("got %+v, want archived naming datum, vikt", o)
	}
	o = tp.Apply([]connectors.Value{int64(1), "2020-01-", "01", nil, "x"})
	if o.Kind != Archived || o.Reason != "marked" || o.SourceColumn != "personnr" {
		t.Errorf("got %+v, want archived marked naming personnr", o)
	}
}

// A code a list archives on purpose is archived with its reason also when
// the list's policy for unknown codes is null: the declaration is the
// list's, not an accident of the policy.
func TestCodeArchivedOnPurposeBeforePolicy(t *testing.T) {
	prog, ds := compile(t, `codelists:
  - {name: s, unmapped: "null", codes: {"1": "10"}, archive: {"9": obsolete_code}}
tables:
  - target: visit
    source: besok
    columns: {visit_id: id, visit_date: {expr: date(datum)}, height_cm: {from: vikt, codelist: s}}
    drop: {langd: x, personnr: x}
`)
	if err := ds.Err(); err != nil {
		t.Fatal(err)
	}
	tp := prog.ForSource("besok")
	if o := tp.Apply([]connectors.Value{int64(1), "2020-01-01", "9", nil, nil}); o.Kind != Archived || o.Reason != "obsolete_code" {
		t.Errorf("code 9: %+v, want archived obsolete_code", o)
	}
	if o := tp.Apply([]connectors.Value{int64(1), "2020-01-01", "7", nil, nil}); o.Kind != Migrated || o.Row[3] != nil {
		t.Errorf("code 7: %+v, want migrated with NULL", o)
	}
	var misses []CodeMiss
	tp.CodeMisses([]connectors.Value{int64(1), "2020-01-01", "9", nil, nil}, func(m CodeMiss) { misses = append(misses, m) })
	if len(misses) != 1 || misses[0].Reason != "obsolete_code" {
		t.Errorf("code misses: %+v, want one with reason obsolete_code", misses)
	}
}

func TestPNRKind(t *testing.T) {
	env := testEnv(t)
	for in, want := range map[string]any{
		"19121212-1212": KindPersonnummer, "121212-1212": KindPersonnummer, "19121272-1219": KindSamordningsnummer,
		"19900101-T123": KindReservnummer, "900101TF12": KindReservnummer, "19121212-1213": KindNone,
		"abc": KindNone, "": KindNone, "19900101-T1%3": KindNone,
	} {
		got, err := fnPNRKind(env, []any{in})
		if err != nil || got != want {
			t.Errorf("pnr_kind(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
}

// A rule naming a source column bare is told to write src.column.
func TestRuleNamesSourceColumnBare(t *testing.T) {
	_, ds := compile(t, `tables:
  - target: visit
    source: besok
    rules: [{when: 'vikt == "0"', archive: no_weight}]
    columns: {visit_id: id, visit_date: {expr: date(datum)}}
    drop: {vikt: x, langd: x, personnr: x}
`)
	if err := ds.Err(); err == nil || !strings.Contains(err.Error(), "read it as src.vikt") {
		t.Errorf("got %v, want M013 saying src.vikt", ds)
	}
}

// A function a rule calls that refuses the value archives the record with
// the function's own reason, as in a column (date() of 2019-02-30:
// invalid_date), not expression_failed, which would hide why.
func TestRuleFunctionReason(t *testing.T) {
	prog, ds := compile(t, `tables:
  - target: visit
    source: besok
    rules: [{when: 'partial_date_precision(src.datum) != "day"', archive: partial_date}]
    columns:
      visit_id: id
      visit_date: {expr: date(datum)}
    drop: {vikt: x, langd: x, personnr: x}
`)
	if err := ds.Err(); err != nil {
		t.Fatal(err)
	}
	tp := prog.ForSource("besok")
	for _, c := range []struct{ datum, reason string }{
		{"2019-05-00", "partial_date"},
		{"2019-02-30", "invalid_date"},
		{"0000-00-00", "zero_date"},
	} {
		o := tp.Apply([]connectors.Value{int64(1), c.datum, nil, nil, nil})
		if o.Kind != Archived || o.Reason != c.reason || o.SourceColumn != "datum" {
			t.Errorf("%s: %+v, want archived %s naming datum", c.datum, o, c.reason)
		}
		if c.reason != "partial_date" && !strings.HasPrefix(o.Detail, "rule partial_date: ") {
			t.Errorf("%s: detail %q does not name the rule", c.datum, o.Detail)
		}
	}
}

// A rule over the source row names a number the opt-out match cannot read
// (a reserve number: no_national_id) with an opt-out list in the plan as
// without one; before, the person's read failed first (person_digits).
func TestRuleBeforePersonFailure(t *testing.T) {
	rep := runExample(t, exampleSchema, `version: 1
tables:
  - target: visit
    source: besok
    person: personnr
    rules:
      - {when: 'pnr_kind(src.personnr) == "reservnummer"', archive: no_national_id}
    columns:
      visit_id: id
      patient: {expr: pseudonym(personnr)}
      visit_date: {expr: date(datum)}
tests:
  - name: with an opt-out list
    source: besok
    optout: ["19121212-1212"]
    rows:
      - given: {id: 1, personnr: "19900101-T123", datum: "2020-01-01"}
        archived: no_national_id
      - given: {id: 2, personnr: "19400101-0019", datum: "2020-01-01"}
        archived: {reason: person_checksum, column: person}
      - given: {id: 3, personnr: "121212-1212", datum: "2020-01-01"}
        excluded: opt_out
  - name: without one
    source: besok
    rows:
      - given: {id: 1, personnr: "19900101-T123", datum: "2020-01-01"}
        archived: no_national_id
`)
	for _, f := range rep.Failures {
		t.Errorf("%d: %s", f.Pos.Line, f.Message)
	}
	if rep.Rows != 4 || rep.Passed != 4 {
		t.Errorf("%d rows, %d passed, want 4 and 4", rep.Rows, rep.Passed)
	}
}

// A receiving column may be named with a dot (src.vikt), and a rule's
// src.vikt then named both it and the source column vikt: the source
// column won, and the rule read the source's value where its writer may
// have meant the receiving row's, with map check saying mappings ok. A
// rule that reads such a name is refused, naming the rule's place and
// both columns; one that reads neither compiles as before.
func TestRuleSrcNameOfAReceivingColumnIsRefused(t *testing.T) {
	dir := t.TempDir()
	schema, ds := LoadSchema(writeFile(t, dir, "schema.yaml", `platform: test
tables:
  - name: visit
    primary_key: [visit_id]
    columns:
      - {name: visit_id, type: bigint}
      - {name: src.vikt, type: text}
      - {name: src.other, type: text}
`))
	if ds.Err() != nil {
		t.Fatalf("schema: %v", ds)
	}
	for _, c := range []struct{ when, want string }{
		{`src.vikt == "0"`, "M013"},
		{`col("src.vikt") == "0"`, "M013"},
		// No source column other: src.other read the receiving column.
		{`src.other == "0"`, "M013"},
		{`src.langd > 200`, ""},
	} {
		f, ds := ParseFile(writeFile(t, dir, "m.yaml", `tables:
  - target: visit
    source: besok
    rules: [{when: '`+c.when+`', archive: odd}]
    columns: {visit_id: id, "src.vikt": vikt, "src.other": datum}
    drop: {langd: x, personnr: x}
`))
		if f == nil {
			t.Fatal(ds)
		}
		_, more := Compile([]*File{f}, legacy(), schema, nil)
		var got []string
		for _, d := range more {
			if d.Severity == Error {
				got = append(got, d.Code)
			}
		}
		if strings.Join(got, ",") != c.want {
			t.Errorf("%s: got %v, want %q", c.when, more, c.want)
			continue
		}
		if c.want != "" {
			msg := more.Err().Error()
			for _, w := range []string{"m.yaml:4", "receiving column", "visit"} {
				if !strings.Contains(msg, w) {
					t.Errorf("%s: the refusal does not name %q: %s", c.when, w, msg)
				}
				if testing.Verbose() {
					t.Log(msg)
				}
			}
		}
	}
}
