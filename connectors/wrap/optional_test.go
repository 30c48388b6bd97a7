package wrap_test

import (
	"context"
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"

	"github.com/regflytt/regflytt/connectors"
	"github.com/regflytt/regflytt/connectors/sqlite"
	"github.com/regflytt/regflytt/connectors/wrap"
)

// Callers find a connector's extras by type assertion, so a wrapper that
// does not forward one hides it without an error: the check it serves is
// skipped (an existing MyISAM table, a SQLite ON CONFLICT clause would no
// longer be refused), or done another way. Every optional interface of
// package connectors is listed here with how the wrappers treat it, and
// TestWrappedConnectorsOfferTheExtrasOfTheWrapped holds them to it; an
// interface added to connectors and not listed fails the test.

// treatment is how the wrappers carry an optional interface.
type treatment int

const (
	// forwarded: the wrapper always has the methods; they reach the
	// wrapped value when it has them, and answer as a connector without
	// them is taken (nothing to list: zero results, or an error).
	forwarded treatment = iota
	// conditional: the wrapper offers it exactly when the wrapped value
	// does, for callers that fall back when it is missing.
	conditional
	// passedThrough: the wrapper returns the wrapped value's own (the Tx
	// of Begin, the Dialect), with every extra it has.
	passedThrough
	// notForwarded: the wrapper does not offer it; why says why no caller
	// misses it.
	notForwarded
)

// positioner is the unnamed extra plans asks a snapshot for.
type positioner interface{ Position() string }

func typeOf[I any]() reflect.Type { return reflect.TypeOf((*I)(nil)).Elem() }

// optional lists every optional interface; level says of what a caller
// asks it: a source, a snapshot, a target, rows, a Tx, a dialect (or
// "none", not of a connector's values at all).
var optional = []struct {
	name  string
	typ   reflect.Type
	level string
	how   treatment
	why   string
}{
	{"SchemaLister", typeOf[connectors.SchemaLister](), "snapshot", forwarded, ""},
	{"InheritanceLister", typeOf[connectors.InheritanceLister](), "snapshot", forwarded, ""},
	{"HistoryLister", typeOf[connectors.HistoryLister](), "snapshot", forwarded, ""},
	{"CatalogueScopeChecker", typeOf[connectors.CatalogueScopeChecker](), "snapshot", forwarded, ""},
	{"LargeObjectLister", typeOf[connectors.LargeObjectLister](), "snapshot", forwarded, ""},
	{"EngineChecker", typeOf[connectors.EngineChecker](), "snapshot", forwarded, ""},
	{"ExistingTableChecker", typeOf[connectors.ExistingTableChecker](), "snapshot", forwarded, ""},
	{"Checksummer", typeOf[connectors.Checksummer](), "snapshot", forwarded, ""},
	{"Querier", typeOf[connectors.Querier](), "snapshot", forwarded, ""},
	{"Position", typeOf[positioner](), "snapshot", forwarded, ""},
	{"Identifier", typeOf[connectors.Identifier](), "snapshot", forwarded, ""},
	{"Twinner", typeOf[connectors.Twinner](), "snapshot", forwarded, ""},
	{"NonNullCounter", typeOf[connectors.NonNullCounter](), "snapshot", conditional, ""},
	{"KeyCounter", typeOf[connectors.KeyCounter](), "snapshot", forwarded, ""},
	{"KeyOrderChecker", typeOf[connectors.KeyOrderChecker](), "snapshot", forwarded, ""},
	{"QueryKeyCounter", typeOf[connectors.QueryKeyCounter](), "snapshot", forwarded, ""},
	{"BeyondDayCounter", typeOf[connectors.BeyondDayCounter](), "snapshot", forwarded, ""},
	{"ChecksumExplainer", typeOf[connectors.ChecksumExplainer](), "snapshot", notForwarded,
		"the SQL a Checksummer runs, for a person or a benchmark, asked of a snapshot opened without the wrapper"},
	{"AsWrittenReader", typeOf[connectors.AsWrittenReader](), "source", forwarded, ""},
	{"Locker", typeOf[connectors.Locker](), "target", forwarded, ""},
	{"LockChecker", typeOf[connectors.LockChecker](), "target", forwarded, ""},
	{"Truncater", typeOf[connectors.Truncater](), "target", forwarded, ""},
	{"NativeSummer", typeOf[connectors.NativeSummer](), "target", forwarded, ""},
	{"NativeSumReader", typeOf[connectors.NativeSumReader](), "snapshot", forwarded, ""},
	{"NativeRowHasher", typeOf[connectors.NativeRowHasher](), "none", notForwarded,
		"what a NativeSummer gives, held by the end check, not a value a connector hands out"},
	{"ConstraintCreator", typeOf[connectors.ConstraintCreator](), "target", conditional, ""},
	{"LegacyWriter", typeOf[connectors.LegacyWriter](), "target", notForwarded,
		"builds rehearsal platforms (tools, the conformance suite) on a target opened without the wrapper"},
	{"OwnedRows", typeOf[connectors.OwnedRows](), "rows", forwarded, ""},
	{"EncodedRows", typeOf[connectors.EncodedRows](), "rows", notForwarded,
		"only the rows PostgreSQL's Checksummer reads back and hashes inside the connector have it; hashing other rows encodes Row's values, to the same bytes"},
	{"EncodedSpans", typeOf[connectors.EncodedSpans](), "rows", notForwarded,
		"an extra of EncodedRows, which is not forwarded either: only the read-back's own batches, hashed inside the PostgreSQL connector, have it"},
	{"AsyncCommitter", typeOf[connectors.AsyncCommitter](), "tx", passedThrough, ""},
	{"RowDeleter", typeOf[connectors.RowDeleter](), "tx", passedThrough, ""},
	{"CheckedWriter", typeOf[connectors.CheckedWriter](), "tx", passedThrough, ""},
	{"ExistingColumnChecker", typeOf[connectors.ExistingColumnChecker](), "dialect", passedThrough, ""},
	{"ExistingCollationChecker", typeOf[connectors.ExistingCollationChecker](), "dialect", passedThrough, ""},
	{"ValueChecker", typeOf[connectors.ValueChecker](), "dialect", passedThrough, ""},
	{"ColumnValueChecker", typeOf[connectors.ColumnValueChecker](), "dialect", passedThrough, ""},
	{"TrailingSpaceBlind", typeOf[connectors.TrailingSpaceBlind](), "dialect", passedThrough, ""},
	{"OverlappingCommitter", typeOf[connectors.OverlappingCommitter](), "dialect", passedThrough, ""},
	{"TableCreator", typeOf[connectors.TableCreator](), "dialect", passedThrough, ""},
	{"ConstraintDDL", typeOf[connectors.ConstraintDDL](), "dialect", passedThrough, ""},
	{"BatchQuerier", typeOf[connectors.BatchQuerier](), "none", notForwarded,
		"a dialect package's own keyset reads, not a value a connector hands out"},
	{"Progress", typeOf[connectors.Progress](), "none", notForwarded,
		"no connector's value: the watchdog's operation, which Watchdog.Begin puts in the context it gives, for a connector to tell of an answer read in pieces (WithProgress, ProgressOf)"},
	{"SQLQueryer", typeOf[connectors.SQLQueryer](), "none", notForwarded,
		"what EachRow reads a dialect package's own catalogue queries through (its *sql.Conn), not a value a connector hands out"},
}

// coreInterfaces are what every connector is, not extras.
var coreInterfaces = map[string]bool{"Source": true, "Snapshot": true, "Rows": true, "Target": true, "Tx": true, "Dialect": true}

// The list above is every interface package connectors declares.
func TestOptionalInterfacesAreListed(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("..", "*.go"))
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	declared := map[string]bool{}
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, parser.SkipObjectResolution)
		if err != nil {
			t.Fatal(err)
		}
		ast.Inspect(f, func(n ast.Node) bool {
			if ts, ok := n.(*ast.TypeSpec); ok && ts.Name.IsExported() {
				if _, isInterface := ts.Type.(*ast.InterfaceType); isInterface && !coreInterfaces[ts.Name.Name] {
					declared[ts.Name.Name] = true
				}
			}
			return true
		})
	}
	if len(declared) == 0 {
		t.Fatal("found no interface in package connectors: is the directory right?")
	}
	listed := map[string]bool{}
	for _, o := range optional {
		listed[o.name] = true
		if !declared[o.name] && o.name != "Position" {
			t.Errorf("%s is listed but package connectors declares no such interface", o.name)
		}
	}
	var missing []string
	for name := range declared {
		if !listed[name] {
			missing = append(missing, name)
		}
	}
	sort.Strings(missing)
	for _, name := range missing {
		t.Errorf("connectors.%s is not listed in optional: say how the wrappers carry it (and forward it if a caller asks it of a wrapped connector)", name)
	}
}

func TestWrappedConnectorsOfferTheExtrasOfTheWrapped(t *testing.T) {
	ctx := context.Background()
	table := &connectors.Table{Name: "t", Columns: []connectors.Column{{Name: "id"}}, PrimaryKey: []string{"id"}}
	for _, full := range []bool{true, false} {
		inner, target := newFakeTarget(full)
		what := map[bool]string{true: "a connector with every extra", false: "a connector with none"}[full]
		wrapped := map[string]connectors.Source{
			"wrap.Target": wrap.Target(target, wrap.Policy{Attempts: 1}),
			"wrap.Source": wrap.Source(target, wrap.Policy{Attempts: 1}),
		}
		for wname, w := range wrapped {
			snap, err := w.Snapshot(ctx)
			if err != nil {
				t.Fatal(err)
			}
			rows, err := snap.Scan(ctx, table, connectors.ScanOptions{})
			if err != nil {
				t.Fatal(err)
			}
			tgt, _ := w.(connectors.Target)
			values := map[string]any{"source": w, "snapshot": snap, "rows": rows}
			if tgt != nil {
				values["target"] = tgt
			}
			for _, o := range optional {
				v, ok := values[o.level]
				if !ok {
					continue
				}
				at := wname + " of " + what + ": " + o.name
				inner.calls = map[string]int{}
				offered := reflect.TypeOf(v).Implements(o.typ)
				switch {
				case o.how == notForwarded:
					if offered {
						t.Errorf("%s is offered, but listed as not forwarded (%s): list it as forwarded", at, o.why)
					}
				case o.how == conditional && !full:
					if offered {
						t.Errorf("%s is offered, but the wrapped one has none", at)
					}
				case !offered:
					if full || o.how == forwarded {
						t.Errorf("%s is not offered: a caller asking for it finds none (its forwarder is missing)", at)
					}
				case full:
					for _, m := range callEvery(v, o.typ) {
						if inner.calls[m.name] == 0 {
							t.Errorf("%s: %s did not reach the wrapped connector", at, m.name)
						}
					}
				default:
					for _, m := range callEvery(v, o.typ) {
						if !m.absent() {
							t.Errorf("%s: %s answered %v, not as a connector without it (zero results, or an error)", at, m.name, m.results)
						}
					}
				}
			}
			if tgt != nil {
				tx, err := tgt.Begin(ctx)
				if err != nil {
					t.Fatal(err)
				}
				if tx != inner.tx {
					t.Errorf("%s of %s: Begin gives %T, not the wrapped target's own Tx (its extras AsyncCommitter, RowDeleter, CheckedWriter are lost)", wname, what, tx)
				}
			}
			if w.Dialect() != inner.Dialect() {
				t.Errorf("%s of %s: Dialect is not the wrapped one's own (its extras are lost)", wname, what)
			}
			rows.Close()
			snap.Close()
		}
	}
}

// call is one method called through reflection, with its results.
type call struct {
	name    string
	results []any
}

// absent says whether the results are how a connector without the extra
// is taken: an error, or nothing but zero values.
func (c call) absent() bool {
	for _, r := range c.results {
		if err, ok := r.(error); ok && err != nil {
			return true
		}
	}
	for _, r := range c.results {
		if r != nil && !reflect.ValueOf(r).IsZero() {
			return false
		}
	}
	return true
}

// callEvery calls each method of interface it on v with a background
// context and zero values for the other arguments.
func callEvery(v any, it reflect.Type) []call {
	ctxType := typeOf[context.Context]()
	var out []call
	for i := 0; i < it.NumMethod(); i++ {
		m := it.Method(i)
		args := make([]reflect.Value, m.Type.NumIn())
		for j := range args {
			if pt := m.Type.In(j); pt == ctxType {
				args[j] = reflect.ValueOf(context.Background())
			} else {
				args[j] = reflect.Zero(pt)
			}
		}
		c := call{name: m.Name}
		for _, r := range reflect.ValueOf(v).MethodByName(m.Name).Call(args) {
			c.results = append(c.results, r.Interface())
		}
		out = append(out, c)
	}
	return out
}

// fakeTarget is a connector that records which of its methods were
// called; with full set, its target, snapshots, rows and Tx have every
// extra, otherwise none.
type fakeTarget struct {
	full  bool
	calls map[string]int
	tx    connectors.Tx
}

func newFakeTarget(full bool) (*fakeTarget, connectors.Target) {
	f := &fakeTarget{full: full, calls: map[string]int{}}
	if full {
		f.tx = &fullTx{}
		return f, &fullTarget{f}
	}
	f.tx = &bareTx{}
	return f, f
}

func (f *fakeTarget) Dialect() connectors.Dialect { return sqlite.Dialect{} }
func (f *fakeTarget) Close() error                { return nil }
func (f *fakeTarget) Create(context.Context, []connectors.Table) error {
	return nil
}
func (f *fakeTarget) Begin(context.Context) (connectors.Tx, error) { return f.tx, nil }
func (f *fakeTarget) Snapshot(context.Context) (connectors.Snapshot, error) {
	if f.full {
		return &fullSnap{bareSnap{f}}, nil
	}
	return &bareSnap{f}, nil
}

type fullTarget struct{ *fakeTarget }

func (f *fullTarget) Lock(context.Context, string) (func(context.Context) error, error) {
	f.calls["Lock"]++
	return func(context.Context) error { return nil }, nil
}
func (f *fullTarget) CheckLock(context.Context, string) error { f.calls["CheckLock"]++; return nil }
func (f *fullTarget) ReadAsWritten()                          { f.calls["ReadAsWritten"]++ }
func (f *fullTarget) Truncate(context.Context, []string) error {
	f.calls["Truncate"]++
	return nil
}
func (f *fullTarget) NativeRowSum(context.Context, *connectors.Table, uint64) (connectors.NativeRowHasher, error) {
	f.calls["NativeRowSum"]++
	return nil, nil
}
func (f *fullTarget) CreateConstraints(context.Context, []connectors.Table) error {
	f.calls["CreateConstraints"]++
	return nil
}
func (f *fullTarget) CreateLegacy(context.Context, []connectors.Table) error { return nil }
func (f *fullTarget) BeginLegacy(context.Context) (connectors.Tx, error)     { return f.tx, nil }

type bareSnap struct{ f *fakeTarget }

func (s *bareSnap) Tables(context.Context) ([]connectors.Table, error) { return nil, nil }
func (s *bareSnap) Count(context.Context, string) (int64, error)       { return 0, nil }
func (s *bareSnap) Close() error                                       { return nil }
func (s *bareSnap) Scan(context.Context, *connectors.Table, connectors.ScanOptions) (connectors.Rows, error) {
	if s.f.full {
		return &fullRows{s.f}, nil
	}
	return &bareRows{}, nil
}

type fullSnap struct{ bareSnap }

func (s *fullSnap) record(name string) { s.f.calls[name]++ }

func (s *fullSnap) OtherSchemas(context.Context) ([]connectors.SchemaTables, error) {
	s.record("OtherSchemas")
	return nil, nil
}
func (s *fullSnap) LargeObjects(context.Context) ([]connectors.ColumnObjects, error) {
	s.record("LargeObjects")
	return nil, nil
}
func (s *fullSnap) CatalogueLimited(context.Context) (bool, error) {
	s.record("CatalogueLimited")
	return false, nil
}
func (s *fullSnap) History(context.Context) ([]connectors.TableHistory, error) {
	s.record("History")
	return nil, nil
}
func (s *fullSnap) Inherited(context.Context) ([]connectors.Inheritance, error) {
	s.record("Inherited")
	return nil, nil
}
func (s *fullSnap) OtherEngines(context.Context, []string) (map[string]string, string, error) {
	s.record("OtherEngines")
	return nil, "", nil
}
func (s *fullSnap) CheckExistingTables(context.Context, []string) ([]connectors.Difference, error) {
	s.record("CheckExistingTables")
	return nil, nil
}
func (s *fullSnap) NativeSums(context.Context, *connectors.Table, uint64) (connectors.NativeTotals, error) {
	s.record("NativeSums")
	return connectors.NativeTotals{}, nil
}
func (s *fullSnap) Checksum(context.Context, *connectors.Table, connectors.ChecksumRequest) (connectors.Buckets, error) {
	s.record("Checksum")
	return connectors.Buckets{}, nil
}
func (s *fullSnap) RecordHashes(context.Context, *connectors.Table, connectors.ChecksumRequest) ([]connectors.RecordHash, error) {
	s.record("RecordHashes")
	return nil, nil
}
func (s *fullSnap) ChecksumSQL(context.Context, *connectors.Table, connectors.ChecksumRequest) ([]string, error) {
	s.record("ChecksumSQL")
	return nil, nil
}
func (s *fullSnap) DescribeQuery(context.Context, string) ([]connectors.Column, error) {
	s.record("DescribeQuery")
	return nil, nil
}
func (s *fullSnap) ScanQuery(context.Context, string, []connectors.Column, connectors.ScanOptions) (connectors.Rows, error) {
	s.record("ScanQuery")
	return &fullRows{s.f}, nil
}
func (s *fullSnap) CountNonNull(context.Context, string, []string) ([]int64, error) {
	s.record("CountNonNull")
	return nil, nil
}
func (s *fullSnap) CountKey(context.Context, string, []string) (connectors.KeyCount, error) {
	s.record("CountKey")
	return connectors.KeyCount{}, nil
}
func (s *fullSnap) CountQueryKey(context.Context, string, []string) (connectors.KeyCount, error) {
	s.record("CountQueryKey")
	return connectors.KeyCount{}, nil
}
func (s *fullSnap) CountBeyondDay(context.Context, string, []string) ([]int64, error) {
	s.record("CountBeyondDay")
	return nil, nil
}
func (s *fullSnap) CheckKeyOrder(context.Context, string, []string) error {
	s.record("CheckKeyOrder")
	return nil
}
func (s *fullSnap) CheckQueryKeyOrder(context.Context, string, []string) error {
	s.record("CheckQueryKeyOrder")
	return nil
}
func (s *fullSnap) Position() string { s.record("Position"); return "" }
func (s *fullSnap) Identity(context.Context) (string, error) {
	s.record("Identity")
	return "", nil
}

func (s *fullSnap) Twin(context.Context) (connectors.Snapshot, error) {
	s.record("Twin")
	return nil, nil
}

type bareRows struct{}

func (*bareRows) Columns() []connectors.Column { return nil }
func (*bareRows) Next() bool                   { return false }
func (*bareRows) Row() []connectors.Value      { return nil }
func (*bareRows) Err() error                   { return nil }
func (*bareRows) Close() error                 { return nil }

type fullRows struct{ f *fakeTarget }

func (*fullRows) Columns() []connectors.Column { return nil }
func (*fullRows) Next() bool                   { return false }
func (*fullRows) Row() []connectors.Value      { return nil }
func (*fullRows) Err() error                   { return nil }
func (*fullRows) Close() error                 { return nil }
func (r *fullRows) RowsOwned() bool            { r.f.calls["RowsOwned"]++; return true }
func (r *fullRows) Encoded() [][]byte          { r.f.calls["Encoded"]++; return nil }

type bareTx struct{}

func (*bareTx) Write(context.Context, *connectors.Table, [][]connectors.Value) (int64, error) {
	return 0, nil
}
func (*bareTx) Commit() error   { return nil }
func (*bareTx) Rollback() error { return nil }

type fullTx struct{ bareTx }

func (*fullTx) CommitAsync() error { return nil }
func (*fullTx) DeleteBefore(context.Context, string, string, string, string, int64) (int64, error) {
	return 0, nil
}
func (*fullTx) WriteChecked(context.Context, *connectors.Table, [][]connectors.Value) (int64, error) {
	return 0, nil
}
