package mappings

import (
	"encoding/base64"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/regflytt/regflytt/connectors"
	"github.com/regflytt/regflytt/mappings/pnr"
)

// A mapping file carries its own tests (regflytt map test): given source
// rows, the outcome each must have.
//
//	tests:
//	  - name: a visit before the patient's birth is archived
//	    source: besok                       # the mapping reading this table
//	    optout: ["19121212-1212"]           # optional: the opt-out list
//	    erasure: []                         # optional: the erasure list
//	    lookups: {unit: [{id: 1, region: Norr}]}   # optional: reference rows
//	    rows:
//	      - given: {id: 1, fodd: 1980-01-01, datum: 2020-05-01}
//	        migrated: {visit_id: 1, visit_date: 2020-05-01, patient: !pseudonym "19800101-0000"}
//	      - given: {id: 2, fodd: 1980-01-01, datum: 1979-12-31}
//	        archived: before_birth             # or {reason: before_birth, column: visit_date}
//	      - given: {id: 3, personnr: "19121212-1212"}
//	        excluded: opt_out
//
// Given values take their kind from YAML: 12 is an integer, 1.5 a
// decimal, 2020-05-01 a date, 2020-05-01 10:00:00 a date and time, true a
// boolean, ~ NULL, anything quoted text; !invalid_date infinity is a
// date the database could not give as one (PostgreSQL's infinity, MariaDB's
// 0000-00-00). Columns not given are NULL. Expected receiving values are
// read as the receiving column's type; !pseudonym "number" is the
// pseudonym of that number under the test key (tests never use the run's
// key). A migrated row compares only the columns it names; values_archived
// names the columns whose value must be archived alone (granularity:
// value) and the reason.
//
// For a form store (eav:), entity: gives the registration's own columns
// (the entities table's), given: its variables, each a value row (its
// value as text); versions: {variable: version} gives a variable's
// version, and values_archived also names the variables archived on their
// own (variable_not_mapped).
//
// Tests apply one table's mapping to its rows in the run's processing
// order (order_by, then the key if key: names it, else the file's order),
// and a row whose receiving primary key
// an earlier row took is archived as duplicate_key, as in a run; what the
// run decides across tables and registrations (parents, duplicates:,
// merges) is not tested here.
type TestCase struct {
	Pos     Pos
	Name    Str
	Source  Str
	OptOut  []Str
	Erasure []Str
	// Lookups are reference rows per lookup name.
	Lookups map[string][]map[string]*yaml.Node
	Rows    []*TestRow
}

// TestRow is one given source row and the outcome it must have.
type TestRow struct {
	Pos   Pos
	Given []testValue
	// Want is the expected outcome kind; Reason and Column for archived
	// and excluded rows; Expect the receiving values of a migrated one.
	Want           OutcomeKind
	Reason, Column Str
	Expect         []testValue
	ValuesArchived []testValue
	// Entity and Versions give a form store's entity columns and its
	// variables' versions.
	Entity, Versions []testValue
}

type testValue struct {
	Name Str
	Node *yaml.Node
}

// testKey is the pseudonymisation key of map test: a fixed, public key, so
// that tests can name expected pseudonyms and never need the run's secret.
var testKey = []byte("regflytt map test key: not secret")

func parseTests(path string, top *Fields, ds *Diagnostics) []*TestCase {
	var out []*TestCase
	for _, n := range top.Seq("tests") {
		cf := ReadFields(path, n, ds, "a test case")
		tc := &TestCase{Pos: cf.Pos()}
		tc.Name = cf.Required("name")
		tc.Source = cf.Required("source")
		tc.OptOut = cf.Strs("optout")
		tc.Erasure = cf.Strs("erasure")
		lk, lv := cf.Pairs("lookups")
		for i, k := range lk {
			if tc.Lookups == nil {
				tc.Lookups = map[string][]map[string]*yaml.Node{}
			}
			if lv[i].Kind != yaml.SequenceNode {
				ds.add(PosOf(path, lv[i]), "Y001", "lookups: %s must list rows", SafeName(k.Value))
				continue
			}
			for _, rn := range lv[i].Content {
				tc.Lookups[k.Value] = append(tc.Lookups[k.Value], rowNodes(path, rn, ds))
			}
		}
		for _, rn := range cf.Seq("rows") {
			if r := parseTestRow(path, rn, ds); r != nil {
				tc.Rows = append(tc.Rows, r)
			}
		}
		if cf.ok && len(tc.Rows) == 0 {
			ds.add(tc.Pos, "Y003", "test %s gives no rows", tc.Name.Value)
		}
		cf.Str("description")
		cf.Done()
		out = append(out, tc)
	}
	return out
}

func rowNodes(path string, n *yaml.Node, ds *Diagnostics) map[string]*yaml.Node {
	out := map[string]*yaml.Node{}
	if n.Kind != yaml.MappingNode {
		ds.add(PosOf(path, n), "Y001", "a row maps column names to values")
		return out
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		out[n.Content[i].Value] = n.Content[i+1]
	}
	return out
}

func pairs(path string, n *yaml.Node, ds *Diagnostics, what string) []testValue {
	if n == nil {
		return nil
	}
	if n.Kind != yaml.MappingNode {
		ds.add(PosOf(path, n), "Y001", "%s maps column names to values", what)
		return nil
	}
	var out []testValue
	for i := 0; i+1 < len(n.Content); i += 2 {
		k := n.Content[i]
		out = append(out, testValue{Name: Str{Value: k.Value, Pos: PosOf(path, k)}, Node: n.Content[i+1]})
	}
	return out
}

func parseTestRow(path string, n *yaml.Node, ds *Diagnostics) *TestRow {
	rf := ReadFields(path, n, ds, "a test row")
	if !rf.ok {
		return nil
	}
	r := &TestRow{Pos: rf.Pos()}
	if rf.Node("given") == nil {
		ds.add(r.Pos, "Y003", "missing field %q", "given")
	}
	r.Given = pairs(path, rf.Node("given"), ds, "given")
	outcomes := 0
	if m := rf.Node("migrated"); m != nil {
		outcomes++
		r.Want = Migrated
		if !(m.Kind == yaml.ScalarNode && m.Tag == "!!null") {
			r.Expect = pairs(path, m, ds, "migrated")
		}
		r.ValuesArchived = pairs(path, rf.Node("values_archived"), ds, "values_archived")
	}
	for _, k := range []OutcomeKind{Archived, Excluded} {
		n := rf.Node(k.String())
		if n == nil {
			continue
		}
		outcomes++
		r.Want = k
		switch n.Kind {
		case yaml.ScalarNode:
			r.Reason = Str{Value: n.Value, Pos: PosOf(path, n)}
		default:
			of := ReadFields(path, n, ds, "an expected "+k.String()+" outcome")
			r.Reason = of.Required("reason")
			r.Column = of.Str("column")
			of.Done()
		}
	}
	if outcomes != 1 {
		ds.add(r.Pos, "Y003", "a test row needs exactly one of migrated, archived or excluded")
	}
	r.Versions = pairs(path, rf.Node("versions"), ds, "versions")
	r.Entity = pairs(path, rf.Node("entity"), ds, "entity")
	rf.Done("values_archived")
	return r
}

// TestFailure is one expectation a test row did not meet.
type TestFailure struct {
	Pos     Pos    `json:"pos"`
	Case    string `json:"case"`
	Row     int    `json:"row"`
	Message string `json:"message"`
}

// Uncovered is a part of a mapping no test exercises.
type Uncovered struct {
	Pos  Pos    `json:"pos"`
	What string `json:"what"`
}

// TestReport is what map test found.
type TestReport struct {
	Cases    int           `json:"cases"`
	Rows     int           `json:"rows"`
	Passed   int           `json:"passed"`
	Failures []TestFailure `json:"failures"`
	// Uncovered lists the receiving columns no migrated row names and the
	// rules (table rules, column rules, open_ended, null_when, code lists'
	// archived codes) no row's outcome exercised.
	Uncovered []Uncovered `json:"uncovered"`
}

// RunTests runs the tests of mapping files against the receiving schema,
// without a database: each case's mapping is compiled against the source
// as the files name it (NamedSource). refDate is the plan's
// run.reference_date. Diagnostics are problems of the files themselves
// (they keep the tests from running).
func RunTests(files []*File, schema *Schema, refDate time.Time) (*TestReport, Diagnostics) {
	return RunTestsAgainst(files, schema, refDate, nil)
}

// RunTestsAgainst runs the tests as RunTests does, with the tables the
// live source catalogue (run and verify have it) holds taken from it
// instead of from what the mappings name: which of a form store's names
// are entity columns and which variables, and the values table's own
// columns, only the source says, so a mapping map check accepts (a rule
// reading a dropped soft-delete flag, a values table keyed by id like its
// entities) is not refused by its own tests' compile.
func RunTestsAgainst(files []*File, schema *Schema, refDate time.Time, live []connectors.Table) (*TestReport, Diagnostics) {
	catalog, selects := NamedSource(files)
	entityColumns(files, catalog)
	for i := range catalog {
		for j := range live {
			if live[j].Name == catalog[i].Name {
				catalog[i] = live[j]
				break
			}
		}
	}
	var ds Diagnostics
	_, cds := Compile(files, catalog, schema, &Env{Selects: selects, RefDate: refDate})
	for _, d := range cds {
		if !SourceDiagnostic(d) && d.Severity != Warning {
			ds = append(ds, d)
		}
	}
	if ds.Err() != nil {
		return nil, ds
	}
	rep := &TestReport{Failures: []TestFailure{}}
	cov := newCoverage()
	for _, f := range files {
		for _, tc := range f.Tests {
			rep.Cases++
			runCase(files, f, tc, catalog, selects, schema, refDate, rep, cov, &ds)
		}
	}
	if ds.Err() != nil {
		return nil, ds
	}
	prog, _ := Compile(files, catalog, schema, &Env{Selects: selects, RefDate: refDate})
	rep.Uncovered = append([]Uncovered{}, cov.uncovered(prog)...)
	return rep, ds
}

func runCase(files []*File, f *File, tc *TestCase, catalog []connectors.Table, selects map[string][]connectors.Column,
	schema *Schema, refDate time.Time, rep *TestReport, cov *coverage, ds *Diagnostics) {
	ps, err := pnr.NewPseudonymiser(testKey)
	if err != nil {
		ds.add(tc.Pos, "T001", "test key: %v", err)
		return
	}
	env := &Env{RefDate: refDate, Pseudonymiser: ps, Selects: selects, Lookups: map[string]*LookupTable{}}
	for _, l := range []struct {
		entries []Str
		reason  string
		list    **PersonList
	}{{tc.OptOut, ReasonOptOut, &env.OptOut}, {tc.Erasure, ReasonErasure, &env.Erasure}} {
		if len(l.entries) == 0 {
			continue
		}
		pl := NewPersonList(l.reason, "test "+tc.Name.Value)
		for i, s := range l.entries {
			if err := pl.Add(s.Value, refDate, fmt.Sprint("entry ", i+1)); err != nil {
				ds.add(s.Pos, "T001", "%v", err)
			}
		}
		*l.list = pl
	}
	byName := map[string]*connectors.Table{}
	for i := range catalog {
		byName[catalog[i].Name] = &catalog[i]
	}
	specs := map[string]*LookupSpec{}
	eachTable(files, func(tm *TableMapping) {
		for _, l := range tm.Lookups {
			specs[l.Name.Value] = l
		}
	})
	for name, rows := range tc.Lookups {
		spec := specs[name]
		if spec == nil || byName[spec.Table.Value] == nil {
			ds.add(tc.Pos, "T001", "test %s: no lookup named %s", tc.Name.Value, SafeName(name))
			continue
		}
		lt, err := NewLookupTable(byName[spec.Table.Value], spec.Key.Value)
		if err != nil {
			ds.add(tc.Pos, "T001", "test %s: %v", tc.Name.Value, err)
			continue
		}
		for _, r := range rows {
			row := make([]connectors.Value, len(lt.Table.Columns))
			for col, n := range r {
				i := lt.Table.ColumnIndex(col)
				if i < 0 {
					ds.add(PosOf(f.Path, n), "T001", "lookup %s reads no column %s", name, SafeName(col))
					continue
				}
				v, err := givenValue(n)
				if err != nil {
					ds.add(PosOf(f.Path, n), "T001", "%s: %v", col, err)
				}
				row[i] = v
			}
			if err := lt.Add(row); err != nil {
				ds.add(tc.Pos, "T001", "test %s: %v", tc.Name.Value, err)
			}
		}
		env.Lookups[name] = lt
	}
	prog, _ := Compile(files, catalog, schema, env)
	tp := prog.ForSource(tc.Source.Value)
	if tp == nil {
		ds.add(tc.Source.Pos, "T001", "test %s: no mapping reads source table %s", tc.Name.Value, SafeName(tc.Source.Value))
		return
	}
	if tp.EAV == nil {
		runTableCase(tp, f, tc, env, rep, cov, ds)
		return
	}
	for i, r := range tc.Rows {
		rep.Rows++
		fail := func(p Pos, format string, args ...any) {
			rep.Failures = append(rep.Failures, TestFailure{Pos: p, Case: tc.Name.Value, Row: i + 1, Message: fmt.Sprintf(format, args...)})
		}
		o, alone, ok := applyEntityTest(tp, f.Path, r, i, ds)
		if !ok {
			continue
		}
		before := len(rep.Failures)
		checkOutcome(tp, r, o, env, alone, fail)
		if len(rep.Failures) == before {
			rep.Passed++
			cov.saw(tp, r, o)
		}
	}
}

// runTableCase applies a table's mapping to a case's rows as a run does:
// in processing order (order_by, then the key; the rows' order in the
// file does not matter), each migrated row claiming its receiving
// primary key, so that a later row with the same key is archived as
// duplicate_key, and which row is later is the mapping's order_by's to
// say. Outcomes are checked in the file's order.
func runTableCase(tp *TableProgram, f *File, tc *TestCase, env *Env, rep *TestReport, cov *coverage, ds *Diagnostics) {
	rows := make([][]connectors.Value, len(tc.Rows))
	for i, r := range tc.Rows {
		row := make([]connectors.Value, len(tp.Source.Columns))
		bad := false
		for _, g := range r.Given {
			j := tp.Source.ColumnIndex(g.Name.Value)
			if j < 0 {
				ds.add(g.Name.Pos, "T001", "source table %s has no column %s that the mapping reads", tp.Source.Name, SafeName(g.Name.Value))
				bad = true
				continue
			}
			v, err := givenValue(g.Node)
			if err != nil {
				ds.add(PosOf(f.Path, g.Node), "T001", "%s: %v", g.Name.Value, err)
				bad = true
			}
			row[j] = v
		}
		if !bad {
			rows[i] = row
		}
	}
	outs := make([]Outcome, len(tc.Rows))
	unordered := make([]string, len(tc.Rows))
	claimed := map[string]bool{}
	pk := make([]int, len(tp.Target.PrimaryKey))
	for i, k := range tp.Target.PrimaryKey {
		pk[i] = tp.Target.ColumnIndex(k)
	}
	for _, i := range processingOrder(tp, rows, unordered) {
		o := tp.Apply(rows[i])
		if key, ok := receivingKey(o, pk); ok {
			if claimed[key] {
				o = Outcome{Kind: Archived, Reason: "duplicate_key", Column: strings.Join(tp.Target.PrimaryKey, ","),
					Detail: "an earlier row of the test, in processing order, has this receiving primary key"}
			}
			claimed[key] = true
		}
		outs[i] = o
	}
	for i, r := range tc.Rows {
		rep.Rows++
		if rows[i] == nil {
			continue
		}
		fail := func(p Pos, format string, args ...any) {
			rep.Failures = append(rep.Failures, TestFailure{Pos: p, Case: tc.Name.Value, Row: i + 1, Message: fmt.Sprintf(format, args...)})
		}
		if unordered[i] != "" {
			fail(r.Pos, "order_by column %s is NULL: the row has no place in the processing order, and a run stops at such a record", unordered[i])
			continue
		}
		before := len(rep.Failures)
		checkOutcome(tp, r, outs[i], env, nil, fail)
		if len(rep.Failures) == before {
			rep.Passed++
			cov.saw(tp, r, outs[i])
		}
	}
}

// processingOrder gives the indexes of the rows (nil ones left out) in
// the order a run reads them: by order_by, then by the key when key:
// names it, ascending; otherwise in the file's order, since without a
// database map test does not know the source's primary key. A row with a
// NULL in an order_by column is left out and its column named in
// unordered.
func processingOrder(tp *TableProgram, rows [][]connectors.Value, unordered []string) []int {
	by := tp.ScanKeyIndex
	if tp.Mapping == nil || len(tp.Mapping.Key) == 0 {
		by = by[:len(tp.OrderBy)]
	}
	var idx []int
	for i, row := range rows {
		if row == nil {
			continue
		}
		for j, c := range tp.OrderBy {
			if row[tp.ScanKeyIndex[j]] == nil && unordered[i] == "" {
				unordered[i] = c
			}
		}
		if unordered[i] == "" {
			idx = append(idx, i)
		}
	}
	sort.SliceStable(idx, func(a, b int) bool {
		x, y := rows[idx[a]], rows[idx[b]]
		for _, k := range by {
			if x[k] == nil || y[k] == nil {
				// A key the test leaves out: the file's order decides.
				return false
			}
			if c, ok := Compare(x[k], y[k]); ok && c != 0 {
				return c < 0
			}
		}
		return false
	})
	return idx
}

// receivingKey encodes a migrated row's receiving primary key; false for
// other outcomes, a table without a key, or a key with an empty column
// (which the target would refuse anyway).
func receivingKey(o Outcome, pk []int) (string, bool) {
	if o.Kind != Migrated || o.Row == nil || len(pk) == 0 {
		return "", false
	}
	var key []connectors.Value
	for _, i := range pk {
		if i < 0 || o.Row[i] == nil {
			return "", false
		}
		key = append(key, o.Row[i])
	}
	b, err := connectors.AppendRow(nil, key)
	return string(b), err == nil
}

// applyEntityTest applies a form store's mapping to a test row: the
// entity's columns and one value row per given variable. alone maps the
// variables archived on their own to the reason.
func applyEntityTest(tp *TableProgram, path string, r *TestRow, n int, ds *Diagnostics) (Outcome, map[string]string, bool) {
	e := tp.EAV
	entity := make([]connectors.Value, len(e.Entities.Columns))
	var values [][]connectors.Value
	versions := map[string]string{}
	for _, v := range r.Versions {
		versions[v.Name.Value] = v.Node.Value
	}
	ok := true
	for _, g := range r.Entity {
		v, err := givenValue(g.Node)
		if err != nil {
			ds.add(PosOf(path, g.Node), "T001", "%s: %v", g.Name.Value, err)
			ok = false
		}
		entity[e.Entities.ColumnIndex(g.Name.Value)] = v
	}
	for _, g := range r.Given {
		v, err := givenValue(g.Node)
		if err != nil {
			ds.add(PosOf(path, g.Node), "T001", "%s: %v", g.Name.Value, err)
			ok = false
			continue
		}
		vr := make([]connectors.Value, len(e.Values.Columns))
		vr[e.Attribute] = g.Name.Value
		if v != nil {
			s, _ := connectors.FormatValue(v)
			vr[e.Value] = s
		}
		if ver, has := versions[g.Name.Value]; has && e.Version >= 0 {
			vr[e.Version] = ver
		}
		values = append(values, vr)
	}
	if entity[e.EntityKey] == nil {
		entity[e.EntityKey] = int64(n + 1)
	}
	for _, vr := range values {
		vr[e.Entity] = entity[e.EntityKey]
	}
	if !ok {
		return Outcome{}, nil, false
	}
	eo := tp.ApplyEntity(entity, values)
	alone := map[string]string{}
	for i, vo := range eo.Values {
		if vo.Reason == ReasonVariableNotMapped || vo.Reason == ReasonDuplicateValue || vo.Reason == ReasonSupersededValue {
			name, _ := connectors.FormatValue(values[i][e.Attribute])
			alone[name] = vo.Reason
		}
	}
	return eo.Entity, alone, true
}

// givenValue reads a given source value by its YAML kind.
func givenValue(n *yaml.Node) (connectors.Value, error) {
	if n.Kind != yaml.ScalarNode {
		return nil, fmt.Errorf("a value must be a single value")
	}
	switch n.Tag {
	case "!!null":
		return nil, nil
	case "!!int":
		i, err := strconv.ParseInt(n.Value, 10, 64)
		if err != nil {
			return nil, fmt.Errorf("not a 64-bit integer")
		}
		return i, nil
	case "!!float", "!decimal":
		return convert(n.Value, connectors.Type{Kind: connectors.KindDecimal})
	case "!!bool":
		return n.Value == "true", nil
	case "!!timestamp":
		if len(n.Value) == 10 {
			return convert(n.Value, connectors.Type{Kind: connectors.KindDate})
		}
		return convert(strings.Replace(n.Value, "T", " ", 1), connectors.Type{Kind: connectors.KindDateTime})
	case "!invalid_date":
		return connectors.InvalidDate{Raw: n.Value}, nil
	case "!!binary":
		// Bytes as a blob column gives them: how a test gives text that is
		// not UTF-8 (Latin-1 bytes in a UTF-8 column), which YAML text
		// cannot hold.
		b, err := base64.StdEncoding.DecodeString(strings.Join(strings.Fields(n.Value), ""))
		if err != nil {
			return nil, fmt.Errorf("!!binary: not base64")
		}
		return b, nil
	}
	return n.Value, nil
}

// checkOutcome compares an outcome with a row's expectation.
func checkOutcome(tp *TableProgram, r *TestRow, o Outcome, env *Env, alone map[string]string, fail func(Pos, string, ...any)) {
	got := o.Kind.String()
	if o.Reason != "" {
		got += " " + o.Reason
		if o.Column != "" {
			got += " (column " + o.Column + ")"
		}
	}
	for _, l := range o.Lost {
		fail(r.Pos, "value lost: column %s became NULL from a value of %s by no declared rule", l.Column, l.SourceColumn)
	}
	if o.Kind != r.Want {
		want := r.Want.String()
		if r.Reason.IsSet() {
			want += " " + r.Reason.Value
		}
		fail(r.Pos, "want %s, got %s", want, got)
		return
	}
	switch o.Kind {
	case Archived, Excluded:
		if o.Reason != r.Reason.Value {
			fail(r.Reason.Pos, "want %s %s, got %s", r.Want, r.Reason.Value, got)
		}
		if r.Column.IsSet() && o.Column != r.Column.Value {
			fail(r.Column.Pos, "want column %s, got %s", r.Column.Value, got)
		}
		return
	}
	for _, e := range r.Expect {
		i := tp.Target.ColumnIndex(e.Name.Value)
		if i < 0 {
			fail(e.Name.Pos, "receiving table %s has no column %s", tp.Target.Name, SafeName(e.Name.Value))
			continue
		}
		want, err := expectedValue(e.Node, tp.Target.Columns[i].Type, env)
		if err != nil {
			fail(e.Name.Pos, "%s: %v", e.Name.Value, err)
			continue
		}
		if !sameValue(o.Row[i], want) {
			fail(e.Name.Pos, "column %s: want %s, got %s", e.Name.Value, showValue(want), showValue(o.Row[i]))
		}
	}
	archivedAlone := map[string]string{}
	for name, reason := range alone {
		archivedAlone[name] = reason
	}
	for _, n := range o.Values {
		archivedAlone[n.Column] = n.Reason
	}
	for _, e := range r.ValuesArchived {
		if got, ok := archivedAlone[e.Name.Value]; !ok || got != e.Node.Value {
			fail(e.Name.Pos, "column %s: want its value archived (%s), got %s", e.Name.Value, e.Node.Value, orNone(got))
		}
		delete(archivedAlone, e.Name.Value)
	}
	for col, reason := range archivedAlone {
		fail(r.Pos, "column %s: its value was archived (%s), which the test does not expect (values_archived: {%s: %s})", col, reason, col, reason)
	}
}

func orNone(s string) string {
	if s == "" {
		return "not archived"
	}
	return s
}

// expectedValue reads an expected receiving value as the column's type.
func expectedValue(n *yaml.Node, t connectors.Type, env *Env) (connectors.Value, error) {
	if n.Kind != yaml.ScalarNode {
		return nil, fmt.Errorf("a value must be a single value")
	}
	switch n.Tag {
	case "!!null":
		return nil, nil
	case "!pseudonym":
		num, err := pnr.Parse(n.Value, env.RefDate)
		if err != nil {
			return nil, fmt.Errorf("!pseudonym: %w", err)
		}
		return env.Pseudonymiser.Pseudonym(num), nil
	}
	v, err := convert(n.Value, t)
	if d, ok := v.(connectors.Decimal); ok && err == nil && t.Kind == connectors.KindDecimal {
		// As the column stores it, the way the run writes it: 72 is
		// 72.0 in a decimal(5,1) column. Never rounded: an expectation
		// with more decimals than the column keeps still differs.
		return padScale(d, t.Scale), nil
	}
	return v, err
}

// showValue shows a value in a test failure: the values are the test's
// own, written in the mapping file, so they are shown as they are.
func showValue(v connectors.Value) string {
	if v == nil {
		return "NULL"
	}
	s, _ := connectors.FormatValue(v)
	return strconv.Quote(s)
}

// coverage records which parts of the mappings passing test rows
// exercised.
type coverage struct {
	columns map[string]bool // "source\x00target column" named by a migrated row
	reasons map[string]bool // "source\x00reason" of an archived or excluded row or value
	nulled  map[string]bool // "source\x00rule" a declared NULL named
	tested  map[string]bool // source tables with a test
}

func newCoverage() *coverage {
	return &coverage{columns: map[string]bool{}, reasons: map[string]bool{}, nulled: map[string]bool{}, tested: map[string]bool{}}
}

func (c *coverage) saw(tp *TableProgram, r *TestRow, o Outcome) {
	src := tp.Source.Name
	c.tested[src] = true
	for _, e := range r.Expect {
		c.columns[src+"\x00"+e.Name.Value] = true
	}
	if o.Reason != "" {
		c.reasons[src+"\x00"+o.Reason] = true
		c.reasons[src+"\x00"+o.Column+"\x00"+o.Reason] = true
	}
	for _, n := range o.Values {
		c.reasons[src+"\x00"+n.Reason] = true
		c.reasons[src+"\x00"+n.Column+"\x00"+n.Reason] = true
	}
	for _, n := range o.Nulled {
		c.nulled[src+"\x00"+n.Rule] = true
	}
}

// uncovered lists, in file order, the receiving columns no passing row
// named and the rules no passing row's outcome exercised.
func (c *coverage) uncovered(prog *Program) []Uncovered {
	var out []Uncovered
	if prog == nil {
		return nil
	}
	for _, tp := range prog.Tables {
		src := tp.Source.Name
		tm := tp.Mapping
		if !c.tested[src] {
			out = append(out, Uncovered{tm.Pos, fmt.Sprintf("mapping %s -> %s: no test", src, tp.Target.Name)})
			continue
		}
		for _, cm := range tm.Columns {
			if !c.columns[src+"\x00"+cm.Target.Value] {
				out = append(out, Uncovered{cm.Pos, fmt.Sprintf("receiving column %s.%s: no migrated row names it", tp.Target.Name, cm.Target.Value)})
			}
		}
		for _, r := range tm.Rules {
			if !c.reasons[src+"\x00"+r.Code().Value] {
				out = append(out, Uncovered{r.Pos, fmt.Sprintf("rule %s of %s: no row gives it", r.Code().Value, src)})
			}
		}
		for i := range tp.cols {
			cp := &tp.cols[i]
			cm := columnMapping(tm, cp.target.Name)
			if cm == nil {
				continue
			}
			for _, r := range cm.Rules {
				reason := "rule_" + r.Kind
				if to, ok := cp.reasons[reason]; ok {
					reason = to
				}
				if !c.reasons[src+"\x00"+cm.Target.Value+"\x00"+reason] {
					out = append(out, Uncovered{r.Pos, fmt.Sprintf("rule %s of %s.%s: no row breaks it", r.Kind, tp.Target.Name, cm.Target.Value)})
				}
			}
			if cm.NullWhen != nil && !c.nulled[src+"\x00null_when "+cm.Target.Value] {
				out = append(out, Uncovered{cm.NullWhen.Pos, fmt.Sprintf("null_when of %s.%s: no row makes it NULL", tp.Target.Name, cm.Target.Value)})
			}
			if len(cm.OpenEnded) > 0 && !c.nulled[src+"\x00open_ended "+cm.Target.Value] {
				out = append(out, Uncovered{cm.OpenEnded[0].Pos, fmt.Sprintf("open_ended of %s.%s: no row is open", tp.Target.Name, cm.Target.Value)})
			}
			if cp.codelist != nil {
				for _, reason := range cp.codelist.ArchiveReasons() {
					if !c.reasons[src+"\x00"+cm.Target.Value+"\x00"+reason] {
						out = append(out, Uncovered{cp.codelist.Pos, fmt.Sprintf("code list %s archives %s in %s.%s: no row gives it", cp.codelist.Name.Value, reason, tp.Target.Name, cm.Target.Value)})
					}
				}
			}
		}
	}
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].Pos.File != out[j].Pos.File {
			return out[i].Pos.File < out[j].Pos.File
		}
		return out[i].Pos.Line < out[j].Pos.Line
	})
	return out
}

func columnMapping(tm *TableMapping, target string) *ColumnMapping {
	for _, cm := range tm.Columns {
		if cm.Target.Value == target {
			return cm
		}
	}
	return nil
}

// entityColumns adds to each form store's entities table the columns its
// tests give under entity:, so that the mapping reads them as the
// registration's columns rather than as variables (the catalogue as the
// files name it cannot tell them apart).
func entityColumns(files []*File, catalog []connectors.Table) {
	forms := map[string]bool{}
	eachTable(files, func(tm *TableMapping) {
		if tm.EAV != nil {
			forms[tm.EAV.Entities.Value] = true
		}
	})
	for _, f := range files {
		for _, tc := range f.Tests {
			if !forms[tc.Source.Value] {
				continue
			}
			for i := range catalog {
				t := &catalog[i]
				if t.Name != tc.Source.Value {
					continue
				}
				for _, r := range tc.Rows {
					for _, g := range r.Entity {
						if t.Column(g.Name.Value) == nil {
							t.Columns = append(t.Columns, connectors.Column{Name: g.Name.Value, SourceType: "unknown (no database)", Nullable: true})
						}
					}
				}
			}
		}
	}
}

// testsBlock lists the mappings' own tests for map doc: what each case
// shows, by outcome.
func testsBlock(files []*File) []DocBlock {
	b := DocBlock{level: 2, heading: "Tests of these mappings", header: []string{"test", "source table", "migrated", "archived", "excluded"},
		paras: []string{"Source rows and the outcome each must have, kept in the mapping files and run by regflytt map test without a database."}}
	for _, f := range files {
		for _, tc := range f.Tests {
			var n [4]int
			var reasons [4][]string
			for _, r := range tc.Rows {
				n[r.Want]++
				if r.Reason.IsSet() {
					reasons[r.Want] = append(reasons[r.Want], r.Reason.Value)
				}
			}
			cell := func(k OutcomeKind) string {
				if len(reasons[k]) == 0 {
					return fmt.Sprint(n[k])
				}
				return fmt.Sprintf("%d (%s)", n[k], strings.Join(reasons[k], ", "))
			}
			b.rows = append(b.rows, []string{tc.Name.Value, tc.Source.Value, cell(Migrated), cell(Archived), cell(Excluded)})
		}
	}
	if len(b.rows) == 0 {
		return nil
	}
	return []DocBlock{b}
}
