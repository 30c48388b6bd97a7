package mappings

import (
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/regflytt/regflytt/connectors"
)

// evalExpr compiles an expression over the named columns and runs it on
// one row.
func evalExpr(t *testing.T, src string, cols []string, row ...any) (connectors.Value, error) {
	t.Helper()
	ce, err := compileExpr(Str{Value: src}, cols, testEnv(t))
	if err != nil {
		t.Fatalf("%s: %v", src, err)
	}
	var st applyState
	st.env.R = row
	return ce.run(&st.vm, &st.env)
}

// A column named like a function is read by its name where it is used as
// a value, and the function is called where the name is called.
func TestExprColumnsNamedLikeFunctions(t *testing.T) {
	cols := []string{"pnr", "date", "lookup", "len", "upper", "strip"}
	row := []any{"121212+1212", "2024-03-01", int64(1), "kort", "abc", " x "}
	cases := []struct{ src, want string }{
		{`pnr`, "121212+1212"},
		{`pnr(pnr)`, "191212121212"},
		{`string(date(date))`, "2024-03-01"},
		{`date`, "2024-03-01"},
		{`lookup("unit", lookup, "region")`, "Region Norr"},
		{`len(len)`, "4"},
		{`upper(upper)`, "ABC"},
		{`upper | upper()`, "ABC"},
		{`strip(strip)`, "x"},
		{`col("date")`, "2024-03-01"},
	}
	for _, c := range cases {
		v, err := evalExpr(t, c.src, cols, row...)
		if err != nil {
			t.Errorf("%s: %v", c.src, err)
			continue
		}
		if s, _ := connectors.FormatValue(v); s != c.want {
			t.Errorf("%s = %q, want %q", c.src, s, c.want)
		}
	}
	// A function's name used as a value, with no such column: an error
	// when compiling that says what to do, never a failure per row.
	for src, want := range map[string]string{
		`upper`:          "upper is a function, not a source column: call it as upper(…)",
		`pseudonym + ""`: "pseudonym is a function",
		`col("datum")`:   `col("datum"): no such source column`,
	} {
		_, err := compileExpr(Str{Value: src}, []string{"date"}, testEnv(t))
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: %v, want an error with %q", src, err, want)
		}
	}
	// A column named like a word of the language cannot be written bare:
	// nil would silently be NULL. The error says how to read it.
	keywordCols := []string{"nil", "true", "in", "not"}
	for _, src := range []string{`nil`, `true`, `in`, `not`, `coalesce(nil, "x")`} {
		_, err := compileExpr(Str{Value: src}, keywordCols, testEnv(t))
		if err == nil || !strings.Contains(err.Error(), "also a source column: write col(") {
			t.Errorf("%s: %v, want the col() hint", src, err)
		}
	}
	if v, err := evalExpr(t, `col("nil") + col("in")`, keywordCols, "a", "b", "c", "d"); err != nil || v != "ac" {
		t.Errorf("col() of keyword columns: %v %v", v, err)
	}
}

// Every expr-lang construct works or is refused when compiling; none
// reads a column or variable that is not there.
func TestExprConstructs(t *testing.T) {
	cols := []string{"vikt", "langd", "x"}
	row := []any{"72,5", int64(180), nil}
	cases := []struct{ src, want string }{
		{`let v = decimal(vikt); string(v)`, "72.5"},
		{`let vikt = "shadowed"; vikt`, "shadowed"},
		{`let a = langd; let b = a * 2; b + a`, "540"},
		{`sum(map([1, 2, langd], # * 2))`, "366"},
		{`len(filter([langd, 1, 2], # > 1))`, "2"},
		{`vikt | upper() | trim()`, "72,5"},
		{`x ?? "none"`, "none"},
		{`{w: vikt, l: langd}.l`, "180"},
		{`{w: vikt}["w"]`, "72,5"},
		{`reduce([1, 2, 3], #acc + #, langd)`, "186"},
		{`if langd > 100 { "tall" } else { "short" }`, "tall"},
		{`let k = 2; map([1, 2], # * k + langd)[1]`, "184"},
		{`all([langd], {# > 100}) && vikt startsWith "72"`, "true"},
		{`len(map(0..2, #index))`, "3"},
	}
	for _, c := range cases {
		v, err := evalExpr(t, c.src, cols, row...)
		if err != nil {
			t.Errorf("%s: %v", c.src, err)
			continue
		}
		if s, _ := connectors.FormatValue(v); s != c.want {
			t.Errorf("%s = %q, want %q", c.src, s, c.want)
		}
	}
	for src, want := range map[string]string{
		`$env.R[0]`:                    "$env is not part of the mapping language",
		`R[0]`:                         "no source column R",
		`let v = 1; w`:                 "no source column w",
		`(let v = 1; v) + v`:           "no source column v",
		`date(vikt).Time().Local()`:    "methods are not part of the mapping language",
		`map([1], let q = #; q) + [q]`: "no source column q",
		`let date = vikt; date`:        "cannot redeclare function date",
		`__add(vikt, 1)`:               "__add is not a function of the mapping language",
	} {
		_, err := compileExpr(Str{Value: src}, cols, testEnv(t))
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: %v, want an error with %q", src, err, want)
		}
	}
	// The names an expression reads are its columns, each once: never a
	// let variable, a function or a predicate's pointer.
	got := identifiers(`let v = decimal(vikt); let w = v; map([w, langd, vikt], # + upper(date))`)
	if want := []string{"vikt", "langd", "date"}; !reflect.DeepEqual(got, want) {
		t.Errorf("identifiers %v, want %v", got, want)
	}
	ce, err := compileExpr(Str{Value: `coalesce(vikt, vikt, col("vikt"))`}, cols, testEnv(t))
	if err != nil || !reflect.DeepEqual(ce.read, []string{"vikt"}) {
		t.Errorf("read %v (%v), want vikt once", ce.read, err)
	}
}

// Indexing, slicing and arithmetic that leave the range fail the value
// with expression_range; what is in range gives what it should (text by
// character, not byte).
func TestExprRange(t *testing.T) {
	cols := []string{"s", "n", "f"}
	row := []any{"åäö", int64(1) << 62, 1e308}
	ok := []struct{ src, want string }{
		{`s[0:2]`, "åä"},
		{`s[1]`, "ä"},
		{`s[-1]`, "ö"},
		{`s[1:]`, "äö"},
		{`s[:3]`, "åäö"},
		{`n + 1`, "4611686018427387905"},
		{`-n`, "-4611686018427387904"},
		{`n * 1`, "4611686018427387904"},
		{`7 % 3`, "1"},
		{`int(2.0)`, "2"},
		{`s + "x"`, "åäöx"},
		{`[1, 2, 3][1:2][0]`, "2"},
		{`len(s)`, "3"},
		{`s[len(s) - 1]`, "ö"},
		{`abs(-n)`, "4611686018427387904"},
		{`sum([1, n, 2])`, "4611686018427387907"},
		{`sum([1, -2], # * n)`, "-4611686018427387904"},
		{`sum([1.5, 2])`, "3.5"},
	}
	for _, c := range ok {
		v, err := evalExpr(t, c.src, cols, row...)
		if err != nil {
			t.Errorf("%s: %v", c.src, err)
			continue
		}
		if s, _ := connectors.FormatValue(v); s != c.want {
			t.Errorf("%s = %q, want %q", c.src, s, c.want)
		}
	}
	for _, src := range []string{
		`s[5:9]`, `s[3]`, `s[-4]`, `s[2:1]`, `s[:4]`,
		`n + n`, `n * 4`, `-n - n - n`, `9223372036854775807 + 1`, `-9223372036854775807 - 2`,
		`f * 10`, `1 / 0`, `int(1e30)`, `int(2.9)`, `7 % 0`, `[1, 2][2]`,
		`abs(-9223372036854775807 - 1)`, `sum([n, n])`, `sum([2, 1], # * n)`,
	} {
		_, err := evalExpr(t, src, cols, row...)
		var re *reasonError
		if !errors.As(err, &re) || re.Reason != ReasonExpressionRange {
			t.Errorf("%s: %v, want %s", src, err, ReasonExpressionRange)
		}
	}
}

func eavWith(t *testing.T, granularity, columns string) *TableProgram {
	t.Helper()
	dir := t.TempDir()
	schema, ds := LoadSchema(writeFile(t, dir, "schema.yaml", eavSchema))
	if ds.Err() != nil {
		t.Fatal(ds)
	}
	f, ds := ParseFile(writeFile(t, dir, "m.yaml", `tables:
  - target: registration
    granularity: `+granularity+`
    source:
      eav: {entities: instans, values: varde, entity: instans_id, attribute: variabel, value: varde}
    columns:
      registration_id: id
      registered: {expr: date(datum)}
`+columns+`    drop: {varde_id: the value row's own number, ver: one version}
`))
	if ds.Err() != nil {
		t.Fatal(ds)
	}
	prog, ds := Compile([]*File{f}, eavCatalog(), schema, testEnv(t))
	if err := ds.Err(); err != nil {
		t.Fatal(err)
	}
	return prog.Tables[0]
}

// A let variable is not a form-store variable: the expression reads the
// value it was given, not a NULL pivot column.
func TestEAVLetIsNotAVariable(t *testing.T) {
	tp := eavWith(t, "record", "      weight_kg: {expr: 'let v = vikt; decimal(v)'}\n")
	if got := strings.Join(tp.EAV.Variables(), ","); got != "vikt" {
		t.Fatalf("variables %s, want vikt", got)
	}
	eo := tp.ApplyEntity([]connectors.Value{int64(1), "2024-03-01"}, [][]connectors.Value{val(12, "vikt", "72,5", 1)})
	if eo.Entity.Kind != Migrated || eo.Entity.Row[1] != connectors.Decimal("72.5") {
		t.Fatalf("entity %v %s row %v", eo.Entity.Kind, eo.Entity.Reason, eo.Entity.Row)
	}
}

// A value row is credited once however often the expression names its
// variable: when the column fails under value granularity, the row is
// archived with the reason, not counted as migrated.
func TestEAVValueNamedTwiceIsArchivedWhenItFails(t *testing.T) {
	tp := eavWith(t, "value", "      weight_kg: {expr: 'decimal(coalesce(vikt, vikt))'}\n")
	eo := tp.ApplyEntity([]connectors.Value{int64(1), "2024-03-01"}, [][]connectors.Value{val(12, "vikt", "ca 72", 1)})
	if eo.Entity.Kind != Migrated || eo.Entity.Row[1] != nil {
		t.Fatalf("entity %v row %v", eo.Entity.Kind, eo.Entity.Row)
	}
	if vo := eo.Values[0]; vo.Kind != Archived || vo.Reason != "bad_decimal" {
		t.Fatalf("value row %v %s, want archived bad_decimal", vo.Kind, vo.Reason)
	}
	// Both value rows an expression reads are archived when it fails.
	tp = eavWith(t, "value", "      weight_kg: {expr: 'decimal(vikt + langd)'}\n")
	eo = tp.ApplyEntity([]connectors.Value{int64(1), "2024-03-01"}, [][]connectors.Value{val(12, "vikt", "ca ", 1), val(13, "langd", "72", 1)})
	for i, vo := range eo.Values {
		if vo.Kind != Archived || vo.Reason != "bad_decimal" {
			t.Errorf("value row %d: %v %s, want archived bad_decimal", i, vo.Kind, vo.Reason)
		}
	}
}

// null_when in a form store reads variables like any expression, and a
// list compares the variable's value.
func TestEAVNullWhen(t *testing.T) {
	tp := eavWith(t, "record", `      weight_kg: {expr: 'decimal(vikt)', null_when: 'status == "okänd"'}
      smoking: {from: rok, null_when: ["-"]}
`)
	if got := strings.Join(tp.EAV.Variables(), ","); got != "rok,status,vikt" {
		t.Fatalf("variables %s, want rok,status,vikt", got)
	}
	eo := tp.ApplyEntity([]connectors.Value{int64(1), "2024-03-01"}, [][]connectors.Value{
		val(11, "rok", "-", 1), val(12, "status", "okänd", 1), val(13, "vikt", "ca 70", 1)})
	if eo.Entity.Kind != Migrated || eo.Entity.Row[1] != nil || eo.Entity.Row[2] != nil || len(eo.Entity.Lost) != 0 {
		t.Fatalf("entity %v %s row %v lost %v", eo.Entity.Kind, eo.Entity.Reason, eo.Entity.Row, eo.Entity.Lost)
	}
	if want := []NullNote{{"weight_kg", "null_when weight_kg"}, {"smoking", "null_when smoking"}}; !reflect.DeepEqual(eo.Entity.Nulled, want) {
		t.Errorf("nulled %v, want %v", eo.Entity.Nulled, want)
	}
}

// An expression that is one call of a domain function on one column is
// called without the VM (directCall); whatever the value, it gives what
// the VM gives: the same value, the same error in the same words, the
// same declared NULL.
func TestExprDirectCallAgreesWithVM(t *testing.T) {
	exprs := []string{"pnr(v)", "pseudonym(v)", "date(v)", "datetime(v)", "decimal(v)", "integer(v)", "latin1(v)", "repair(v)", "strip(v)"}
	values := []any{nil, "", "  ", "19121212-1212", "121212+1212", "2024-02-29", "2023-02-30", "0000-00-00", "20240301",
		"2024-03-01 10:00:00", "72,5", "1e400", "172", "-0", "99999999999999999999", "HÃ¶ft", "x\x00y", int64(7), 2.5,
		[]byte("b\xf6r"), true, connectors.Date{Year: 2024, Month: 3, Day: 1}, connectors.InvalidDate{Raw: "2023-02-30"}}
	env := testEnv(t)
	for _, src := range exprs {
		ce, err := compileExpr(Str{Value: src}, []string{"v"}, env)
		if err != nil {
			t.Fatalf("%s: %v", src, err)
		}
		if ce.direct == nil {
			t.Fatalf("%s is not called directly", src)
		}
		// Compiled again: a function's declared NULL is set on the
		// expression that compiled it.
		vmOnly, err := compileExpr(Str{Value: src}, []string{"v"}, env)
		if err != nil {
			t.Fatal(err)
		}
		vmOnly.direct = nil
		for _, v := range values {
			var st applyState
			st.env.R = []any{v}
			got, gerr := ce.run(&st.vm, &st.env)
			gotNull := ce.declaredNull
			want, werr := vmOnly.run(&st.vm, &st.env)
			if !reflect.DeepEqual(got, want) || fmt.Sprint(gerr) != fmt.Sprint(werr) || gotNull != vmOnly.declaredNull {
				t.Errorf("%s on %#v: direct %#v, %v (declared NULL %v); VM %#v, %v (%v)", src, v, got, gerr, gotNull, want, werr, vmOnly.declaredNull)
			}
		}
	}
	// Anything else runs in the VM.
	for _, src := range []string{"v", "date(v, 'DD.MM.YYYY')", "upper(v)", "pnr(v) + ''", "date(coalesce(v, '2024-01-01'))"} {
		ce, err := compileExpr(Str{Value: src}, []string{"v"}, env)
		if err != nil {
			t.Fatalf("%s: %v", src, err)
		}
		if ce.direct != nil {
			t.Errorf("%s is called directly", src)
		}
	}
}
