package mappings

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/regflytt/regflytt/connectors"
	"github.com/regflytt/regflytt/mappings/pnr"
)

func testEnv(t *testing.T, optOut ...string) *Env {
	t.Helper()
	ref := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	ps, err := pnr.NewPseudonymiser([]byte("test key, never a real one, 32b"))
	if err != nil {
		t.Fatal(err)
	}
	set := NewPersonList(ReasonOptOut, "test list")
	for i, s := range optOut {
		if err := set.Add(s, ref, fmt.Sprint("line ", i+1)); err != nil {
			t.Fatal(err)
		}
	}
	// The reference table the lookup() example reads: care unit 1 lies
	// in Region Norr.
	units := &connectors.Table{Name: "vardenhet", PrimaryKey: []string{"id"}, Columns: []connectors.Column{col("id", "integer", false), col("region", "text", true)}}
	unit, err := NewLookupTable(units, "id")
	if err != nil {
		t.Fatal(err)
	}
	if err := unit.Add([]connectors.Value{int64(1), "Region Norr"}); err != nil {
		t.Fatal(err)
	}
	return &Env{RefDate: ref, Pseudonymiser: ps, OptOut: set, Lookups: map[string]*LookupTable{"unit": unit}}
}

// The documented examples of every function are run: the reference the
// registry holder reads cannot drift from what the code does.
func TestFunctionExamples(t *testing.T) {
	env := testEnv(t)
	for _, f := range Functions() {
		t.Run(f.Name, func(t *testing.T) {
			ce, err := compileExpr(Str{Value: f.Example}, nil, env)
			if err != nil {
				t.Fatalf("example %s does not compile: %v", f.Example, err)
			}
			var st applyState
			got, err := ce.run(&st.vm, &st.env)
			if err != nil {
				t.Fatalf("example %s: %v", f.Example, err)
			}
			if s := fmt.Sprint(got); s != f.Result {
				t.Fatalf("example %s gives %q, the reference says %q", f.Example, s, f.Result)
			}
		})
	}
}

func TestImpureBuiltinsAreRefused(t *testing.T) {
	for _, src := range []string{"now()", `date("2020-01-01")`, `duration("1h")`, `timezone("UTC")`} {
		if _, err := compileExpr(Str{Value: src}, nil, testEnv(t)); err != nil {
			continue
		}
		if src == `date("2020-01-01")` {
			continue // regflytt's own pure date() replaces expr's
		}
		t.Errorf("%s compiled: a mapping must not read the clock", src)
	}
}

const richSchema = `platform: test
tables:
  - name: visit
    primary_key: [visit_id]
    columns:
      - {name: visit_id, type: bigint}
      - {name: patient, type: varchar(32), not_null: true}
      - {name: visit_date, type: date, not_null: true}
      - {name: weight_kg, type: "decimal(5,1)"}
      - {name: height_cm, type: smallint}
      - {name: smoking, type: varchar(10)}
      - {name: source, type: varchar(10)}
`

func richProgram(t *testing.T, env *Env, granularity string) *TableProgram {
	t.Helper()
	mapping := `codelists:
  - name: smoking
    unmapped: archive
    versions:
      "1": {"1": current, "2": never, "3": former}
      "2": {J: current, N: never}
tables:
  - target: visit
    source: besok
    granularity: ` + granularity + `
    person: personnr
    columns:
      visit_id: id
      patient: {expr: "pseudonym(personnr)"}
      visit_date: {expr: 'date(datum, "YYYY-MM-DD", "DD.MM.YYYY")'}
      weight_kg: {expr: decimal(vikt)}
      height_cm: {from: langd, rules: {range: [40, 250]}}
      smoking: {from: rok, codelist: {name: smoking, version: ver}}
      source: {value: legacy}
`
	dir := t.TempDir()
	schema, ds := LoadSchema(writeFile(t, dir, "schema.yaml", richSchema))
	if ds.Err() != nil {
		t.Fatal(ds)
	}
	f, ds := ParseFile(writeFile(t, dir, "m.yaml", mapping))
	if ds.Err() != nil {
		t.Fatal(ds)
	}
	src := []connectors.Table{{Name: "besok", PrimaryKey: []string{"id"}, Columns: []connectors.Column{
		col("id", "integer", false), col("personnr", "varchar(13)", true), col("datum", "varchar(10)", true),
		col("vikt", "varchar(8)", true), col("langd", "integer", true), col("rok", "varchar(2)", true), col("ver", "integer", true),
	}}}
	prog, ds := Compile([]*File{f}, src, schema, env)
	if err := ds.Err(); err != nil {
		t.Fatal(err)
	}
	return prog.ForSource("besok")
}

func TestLanguageOutcomes(t *testing.T) {
	env := testEnv(t, "19121212-1212")
	tp := richProgram(t, env, "record")
	good := func(mod func(r []connectors.Value)) []connectors.Value {
		r := []connectors.Value{int64(1), "460101-0301", "24.12.2023", "72,5", int64(180), "2", int64(1)}
		if mod != nil {
			mod(r)
		}
		return r
	}
	cases := []struct {
		name   string
		row    []connectors.Value
		kind   OutcomeKind
		reason string
	}{
		{"migrated", good(nil), Migrated, ""},
		{"opted out under another identity format", good(func(r []connectors.Value) { r[1] = "191212121212" }), Excluded, ReasonOptOut},
		{"identity number with a wrong check digit", good(func(r []connectors.Value) { r[1] = "460101-0302" }), Archived, "person_checksum"},
		{"zero date", good(func(r []connectors.Value) { r[2] = "0000-00-00" }), Archived, "zero_date"},
		{"date in no layout", good(func(r []connectors.Value) { r[2] = "2023/12/24" }), Archived, "date_format"},
		{"weight with letters", good(func(r []connectors.Value) { r[3] = "7O,5" }), Archived, "bad_decimal"},
		{"height out of range", good(func(r []connectors.Value) { r[4] = int64(20) }), Archived, "rule_range"},
		{"code from the old version", good(func(r []connectors.Value) { r[5], r[6] = "3", int64(1) }), Migrated, ""},
		{"code the version does not know", good(func(r []connectors.Value) { r[5], r[6] = "F", int64(2) }), Archived, "code_unmapped"},
		{"code list version no list has", good(func(r []connectors.Value) { r[6] = int64(9) }), Archived, "code_unmapped"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			o := tp.Apply(c.row)
			if o.Kind != c.kind || o.Reason != c.reason {
				t.Fatalf("got %v %q (%s, column %s), want %v %q", o.Kind, o.Reason, o.Detail, o.Column, c.kind, c.reason)
			}
			if o.Kind == Excluded && (o.Row != nil || o.Detail != "") {
				t.Fatal("an excluded record carries data")
			}
		})
	}
	o := tp.Apply(good(nil))
	want := []connectors.Value{int64(1), env.Pseudonymiser.Pseudonym(mustPNR(t, "19460101-0301")),
		connectors.Date{Year: 2023, Month: 12, Day: 24}, connectors.Decimal("72.5"), int64(180), "never", "legacy"}
	if fmt.Sprint(o.Row) != fmt.Sprint(want) {
		t.Fatalf("row %v, want %v", o.Row, want)
	}
}

func mustPNR(t *testing.T, s string) pnr.Number {
	n, err := pnr.Parse(s, time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func TestValueGranularity(t *testing.T) {
	tp := richProgram(t, testEnv(t), "value")
	row := []connectors.Value{int64(1), "460101-0301", "24.12.2023", "7O,5", int64(20), "2", int64(1)}
	o := tp.Apply(row)
	if o.Kind != Migrated {
		t.Fatalf("got %v %s, want migrated with two values archived", o.Kind, o.Reason)
	}
	var reasons []string
	for _, v := range o.Values {
		reasons = append(reasons, v.Column+":"+v.Reason)
	}
	if strings.Join(reasons, ",") != "weight_kg:bad_decimal,height_cm:rule_range" {
		t.Fatalf("values archived: %v", reasons)
	}
	if o.Row[3] != nil || o.Row[4] != nil {
		t.Fatalf("archived values still in the row: %v", o.Row)
	}
	// A NOT NULL column cannot be left NULL: the record is archived.
	row[2] = "0000-00-00"
	if o := tp.Apply(row); o.Kind != Archived || o.Reason != "zero_date" {
		t.Fatalf("got %v %s, want the record archived for its required date", o.Kind, o.Reason)
	}
}

func TestLanguageDiagnostics(t *testing.T) {
	cases := []struct{ mapping, want string }{
		{"tables:\n  - target: visit\n    source: besok\n    columns:\n      visit_id: id\n      visit_date: {expr: 'date(datumm)'}\n", "6:26: error M013: expression: no source column datumm (did you mean \"datum\"?)"},
		{"tables:\n  - target: visit\n    source: besok\n    columns:\n      visit_id: id\n      visit_date: {expr: 'now()'}\n", "error M013: expression: unknown name now"},
		{"tables:\n  - target: visit\n    source: besok\n    columns:\n      visit_id: id\n      visit_date: {from: datum, cast: date, rules: {range: [x, 2]}}\n", "error M014: range bound for visit_date"},
		{"tables:\n  - target: visit\n    source: besok\n    columns:\n      visit_id: {from: id, codelist: nolist}\n      visit_date: {from: datum, cast: date}\n", "5:38: error C003: no code list named nolist"},
		{"tables:\n  - target: visit\n    source: besok\n    columns:\n      visit_id: {from: id, expr: id}\n      visit_date: {from: datum, cast: date}\n", "5:7: error Y003: column visit_id needs exactly one of from, expr or value"},
		{"codelists:\n  - name: x\n    codes: {a: notanumber}\ntables:\n  - target: visit\n    source: besok\n    columns:\n      visit_id: {from: datum, codelist: x}\n      visit_date: {from: datum, cast: date}\n", "2:5: error C005: code list x maps \"a\" to \"notanumber\""},
	}
	for _, c := range cases {
		_, ds := compile(t, c.mapping)
		err := ds.Err()
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("mapping\n%s\ngave %v\nwant %q", c.mapping, err, c.want)
		}
	}
}

func TestLookup(t *testing.T) {
	env := testEnv(t)
	run := func(src string) (connectors.Value, error) {
		ce, err := compileExpr(Str{Value: src}, []string{"vardenhet_id"}, env)
		if err != nil {
			t.Fatal(err)
		}
		var st applyState
		st.env.R = []any{int64(2)}
		return ce.run(&st.vm, &st.env)
	}
	if _, err := run(`lookup("unit", vardenhet_id, "region")`); err == nil || !strings.Contains(err.Error(), "lookup_missing") {
		t.Fatalf("a missing key gave %v, want lookup_missing", err)
	}
	if v, err := run(`lookup("unit", vardenhet_id, "region", "okänd")`); err != nil || v != "okänd" {
		t.Fatalf("with a default: %v, %v", v, err)
	}
	if v, err := run(`lookup("unit", nil, "region")`); err != nil || v != nil {
		t.Fatalf("a NULL key: %v, %v", v, err)
	}
}

func TestLookupDiagnostics(t *testing.T) {
	cases := []struct{ mapping, want string }{
		{"tables:\n  - target: visit\n    source: besok\n    columns:\n      visit_id: id\n      visit_date: {expr: 'date(lookup(\"u\", langd, \"datum\"))'}\n", `error M018: lookup "u" is not declared`},
		{"tables:\n  - target: visit\n    source: besok\n    lookups: {u: {table: besok, key: id}}\n    columns:\n      visit_id: id\n      visit_date: {expr: 'date(lookup(\"u\", langd, \"datumm\"))'}\n", `error M018: lookup u: table besok has no column datumm`},
		{"tables:\n  - target: visit\n    source: besok\n    lookups: {u: {table: nope, key: id}}\n    columns:\n      visit_id: id\n      visit_date: {from: datum, cast: date}\n", "4:26: error M001: lookup table nope"},
		// A null_when or a table rule reads lookup() as an expression
		// does: written wrong, map check passed it and the run archived
		// every record (expression_failed).
		{"tables:\n  - target: visit\n    source: besok\n    lookups: {u: {table: besok, key: id}}\n    columns:\n      visit_id: id\n      visit_date: {from: datum, cast: date, null_when: 'lookup(\"u\", langd, \"datumm\") == \"x\"'}\n    drop: {vikt: x, personnr: x}\n", `7:56: error M018: lookup u: table besok has no column datumm`},
		{"tables:\n  - target: visit\n    source: besok\n    lookups: {u: {table: besok, key: id}}\n    columns:\n      visit_id: id\n      visit_date: {from: datum, cast: date, null_when: 'lookup(\"v\", langd, \"datum\") == \"x\"'}\n    drop: {vikt: x, personnr: x}\n", `7:56: error M018: lookup "v" is not declared`},
		// So does a definition an expression calls.
		{"tables:\n  - target: visit\n    source: besok\n    lookups: {u: {table: besok, key: id}}\n    columns:\n      visit_id: id\n      visit_date: {expr: 'f(langd, datum)'}\n    drop: {vikt: x, personnr: x}\ndefine: [{name: f, params: [k, d], expr: 'date(lookup(\"u\", k, \"datumm\") ?? d)'}]\n", `7:26: error M018: lookup u: table besok has no column datumm`},
		{"tables:\n  - target: visit\n    source: besok\n    lookups: {u: {table: besok, key: id}}\n    rules: [{when: 'lookup(\"u\", src.langd, \"datumm\") == \"x\"', archive: odd}]\n    columns:\n      visit_id: id\n      visit_date: {from: datum, cast: date}\n    drop: {vikt: x, personnr: x, langd: x}\n", `5:20: error M018: lookup u: table besok has no column datumm`},
	}
	for _, c := range cases {
		_, ds := compile(t, c.mapping)
		if err := ds.Err(); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("got %v, want %q", err, c.want)
		}
	}
}

func TestDateOfAZeroDateColumn(t *testing.T) {
	env := testEnv(t)
	for raw, want := range map[string]string{"0000-00-00": "zero_date", "2024-05-00": "invalid_date", "2023-02-30": "invalid_date"} {
		ce, err := compileExpr(Str{Value: "date(d)"}, []string{"d"}, env)
		if err != nil {
			t.Fatal(err)
		}
		var st applyState
		st.env.R = []any{connectors.InvalidDate{Raw: raw}}
		_, err = ce.run(&st.vm, &st.env)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("date(%s read from a DATE column) = %v, want reason %s", raw, err, want)
		}
	}
}

func TestLatin1Bytes(t *testing.T) {
	for in, want := range map[string]string{"\xe5": "å", "\x80": "€", "Umeå": "Umeå", "caf\xc3\xa9": "café"} {
		got, err := fnLatin1(nil, []any{[]byte(in)})
		if err != nil || got != want {
			t.Errorf("latin1(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
}
