package plans

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/regflytt/regflytt/connectors"
	"github.com/regflytt/regflytt/mappings"
)

// checkReadKeys refuses, before anything is written, the keys a run
// would read source tables in order by but could not resume by: a
// mapping's key: whose columns repeat values or hold NULLs (M090), and,
// on PostgreSQL, a key whose type orders by an operator off the
// search_path (connectors.KeyOrderChecker). The connectors refuse the
// latter when a read starts, and a run met it only when it reached the
// table, after the batches of the tables before it had committed. The
// former no read refuses at all: the run reads a table by a key that is
// not its primary key through one ordered cursor, which reads every row
// however the keys repeat, but a run stopped there resumes with
// "key > last", skipping the rest of the rows of the last key committed
// and every row with a NULL key, which only the end count showed and only
// --restart recovered. The diagnostics are returned for map check; err is
// a refusal or a failure to ask.
func checkReadKeys(ctx context.Context, s *session) (mappings.Diagnostics, error) {
	if err := checkKeyOrders(ctx, s); err != nil {
		return nil, err
	}
	var ds mappings.Diagnostics
	kc, ok := s.snap.(connectors.KeyCounter)
	if !ok {
		return nil, nil
	}
	qc, _ := s.snap.(connectors.QueryKeyCounter)
	for _, tp := range s.prog.Tables {
		if tp.Select != "" && tp.EAV == nil && tp.Mapping != nil && qc != nil && len(tp.Key) > 0 {
			d, err := selectKeyDiagnostic(ctx, qc, tp)
			if err != nil {
				return nil, err
			}
			ds = append(ds, d...)
			continue
		}
		if tp.EAV != nil || tp.Select != "" || tp.Mapping == nil || len(tp.Mapping.Key) == 0 || keyedByCatalog(tp.Source, tp.Key) {
			continue
		}
		n, err := kc.CountKey(ctx, tp.Source.Name, tp.Key)
		if errors.Is(err, errors.ErrUnsupported) {
			// SQL Server's connector does not count: the run reads such a
			// table as before, and its end count finds what a resume
			// skipped.
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("source: %w", err)
		}
		if n.Null == 0 && n.Repeated == 0 {
			continue
		}
		var what []string
		if n.Repeated > 0 {
			what = append(what, fmt.Sprintf("%d %s a key value another row has", n.Repeated, plural(n.Repeated, "row repeats", "rows repeat")))
		}
		if n.Null > 0 {
			what = append(what, fmt.Sprintf("%d %s a NULL in a key column", n.Null, plural(n.Null, "row has", "rows have")))
		}
		ds = append(ds, mappings.Diagnostic{Pos: tp.Mapping.Key[0].Pos, Code: "M090", Severity: mappings.Error,
			Message: fmt.Sprintf("key: [%s] does not identify the records of source table %s: of its %d rows, %s (counted in one pass over the table, grouped by the key as the database compares it). "+
				"A run reads the table in key order in one pass, but one stopped and resumed continues after the last key it committed, and would skip the other rows of that key and every row with a NULL key. "+
				"Name key columns that are unique and never NULL: add such a column to the source table (an identity column), or, for a small table, read it through a select: source keyed by a row number, row_number() OVER (ORDER BY every column) (each page of a select numbers the whole table again)",
				strings.Join(tp.Key, ", "), tp.Source.Name, n.Rows, strings.Join(what, " and "))})
	}
	return ds, nil
}

// selectKeyDiagnostic counts a select: source's keys in one grouped
// query of its result (connectors.QueryKeyCounter) and says, as M090 at
// the select's line, when they do not identify its rows: the ordered
// read refuses such a select only when it meets the repeat, after the
// tables before it were written, and map check said nothing.
func selectKeyDiagnostic(ctx context.Context, qc connectors.QueryKeyCounter, tp *mappings.TableProgram) (mappings.Diagnostics, error) {
	n, err := qc.CountQueryKey(ctx, tp.Select, tp.Key)
	if errors.Is(err, errors.ErrUnsupported) {
		return nil, nil // the read refuses it, as before
	}
	if err != nil {
		return nil, fmt.Errorf("source: select: of %s: %w", tp.Source.Name, err)
	}
	if n.Null == 0 && n.Repeated == 0 {
		return nil, nil
	}
	var what []string
	if n.Repeated > 0 {
		what = append(what, fmt.Sprintf("%d %s a key value another row has", n.Repeated, plural(n.Repeated, "row repeats", "rows repeat")))
	}
	if n.Null > 0 {
		what = append(what, fmt.Sprintf("%d %s a NULL in a key column", n.Null, plural(n.Null, "row has", "rows have")))
	}
	pos := tp.Mapping.Select.Pos
	if len(tp.Mapping.Key) > 0 {
		pos = tp.Mapping.Key[0].Pos
	}
	return mappings.Diagnostics{{Pos: pos, Code: "M090", Severity: mappings.Error,
		Message: fmt.Sprintf("the select: of %s does not give each record once by its key [%s]: of its %d rows, %s (counted in one pass over its result, grouped by the key as the database compares it). "+
			"A run reads a select in key order and refuses it at the first repeat, after the tables before it: a join that repeats or drops records (a one-to-many table), or a NULL key, would migrate a record twice or not at all. "+
			"Join so that each record of %s is one row, or read the joined table as a mapping of its own",
			tp.Source.Name, strings.Join(tp.Key, ", "), n.Rows, strings.Join(what, " and "), tp.Source.Name)}}, nil
}

// keyedByCatalog says whether the catalogue already guarantees that key
// identifies t's rows: it is t's primary key, or the columns of a unique
// index that are all NOT NULL.
func keyedByCatalog(t *connectors.Table, key []string) bool {
	same := func(cols []string) bool {
		return len(cols) == len(key) && !slices.ContainsFunc(key, func(k string) bool { return !slices.Contains(cols, k) })
	}
	if len(t.PrimaryKey) > 0 && same(t.PrimaryKey) {
		return true
	}
	for _, ix := range t.Indexes {
		if !ix.Unique || !same(ix.Columns) {
			continue
		}
		nullable := false
		for _, k := range key {
			if c := t.Column(k); c == nil || c.Nullable {
				nullable = true
			}
		}
		if !nullable {
			return true
		}
	}
	return false
}

// checkKeyOrders asks the source, when it can tell
// (connectors.KeyOrderChecker), whether every key a run reads a table in
// order by pages as it sorts: the mapped tables' processing order, a
// form store's entities and values, a select's key, and the primary key
// of every other table (archived whole, or read as a lookup).
func checkKeyOrders(ctx context.Context, s *session) error {
	kc, ok := s.snap.(connectors.KeyOrderChecker)
	if !ok {
		return nil
	}
	check := func(table string, key []string) error {
		if len(key) == 0 {
			return nil
		}
		if err := kc.CheckKeyOrder(ctx, table, key); err != nil {
			return fmt.Errorf("source: %w (nothing was written)", err)
		}
		return nil
	}
	read := map[string]bool{}
	for _, tp := range s.prog.Tables {
		var err error
		switch {
		case tp.EAV != nil:
			read[tp.EAV.Entities.Name], read[tp.EAV.Values.Name] = true, true
			if err = check(tp.EAV.Entities.Name, tp.EAV.Entities.PrimaryKey); err == nil {
				err = check(tp.EAV.Values.Name, tp.EAV.ValuesKey)
			}
		case tp.Select != "":
			if err = kc.CheckQueryKeyOrder(ctx, tp.Select, tp.Key); err != nil {
				err = fmt.Errorf("source: %s: %w (nothing was written)", tp.Source.Name, err)
			}
		default:
			read[tp.Source.Name] = true
			err = check(tp.Source.Name, tp.ScanKey)
		}
		if err != nil {
			return err
		}
	}
	for i := range s.catalog {
		if t := &s.catalog[i]; !read[t.Name] {
			if err := check(t.Name, t.PrimaryKey); err != nil {
				return err
			}
		}
	}
	return nil
}

func plural(n int64, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
