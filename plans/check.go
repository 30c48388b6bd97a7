package plans

import (
	"context"
	"fmt"
	"log/slog"
	"sort"

	"github.com/regflytt/regflytt/connectors"
	"github.com/regflytt/regflytt/mappings"
)

// CheckMappings checks a plan's mappings against the live source and the
// receiving schema: everything Compile finds (unknown tables, columns,
// types, expressions), and what only the data shows: codes the source
// holds that a code list does not map (C006), variables a form-store
// mapping reads that no value row has (M019), and variables in the source
// no mapping reads or drops (M020). The data checks are warnings with
// counts, found as the run finds them (the same rows, versions and
// exclusions); errors are what would stop the run. Source values appear
// only as short codes or shapes (mappings.SafeCode). It reads the source
// in one read-only snapshot and writes nothing; the data checks scan only
// the tables with code lists or variables.
func CheckMappings(ctx context.Context, p *Plan, opts Options) (mappings.Diagnostics, error) {
	r, err := newRunner(p, opts, false)
	if err != nil {
		return nil, err
	}
	// The compile's warnings are returned below as diagnostics, not
	// logged as a run logs them.
	r.log = slog.New(dropMappingWarnings{r.log.Handler()})
	s, err := r.open(ctx)
	if err != nil {
		if ds, ok := err.(mappings.Diagnostics); ok {
			return ds, nil
		}
		return nil, err
	}
	defer s.Close(ctx)
	env := &mappings.Env{}
	if err := r.describeSelects(ctx, s.snap, env); err != nil {
		return nil, err
	}
	// What plan check finds of the verification section's names, and
	// what the run refuses before its first write about the source, map
	// check finds too: a run is no place to learn either.
	ds := p.planNames(r.in)
	if ds.Err() == nil {
		if err := r.checkMappingTests(s.catalog); err != nil {
			return nil, err
		}
		for _, check := range []func(*session) error{r.checkSourceGroupNames, checkScanKeys, r.checkUnmappedTables} {
			if err := check(s); err != nil {
				return nil, err
			}
		}
		if err := checkInheritance(ctx, s); err != nil {
			return nil, err
		}
		more, err := checkReadKeys(ctx, s)
		if err != nil {
			return nil, err
		}
		ds = append(ds, more...)
	}
	_, cds := mappings.Compile(r.in.Mappings, s.catalog, r.in.Schema, env)
	for _, d := range cds {
		if d.Severity == mappings.Warning {
			ds = append(ds, d)
		}
	}
	for _, tp := range s.prog.Tables {
		var more mappings.Diagnostics
		if tp.EAV != nil {
			more, err = checkEAV(ctx, s.snap, tp)
		} else {
			more, err = checkCodes(ctx, s.snap, tp)
		}
		if err != nil {
			return nil, err
		}
		ds = append(ds, more...)
		if more, err = checkOrderNulls(ctx, s.snap, tp); err != nil {
			return nil, err
		}
		ds = append(ds, more...)
	}
	ds.Sort()
	return ds, nil
}

// checkOrderNulls counts the records of a table that have no value in an
// order_by column the catalogue says may be NULL (M082 warned of it): a
// run would stop at the first of them, so map check says how many there
// are, at the column's line, before a run starts.
func checkOrderNulls(ctx context.Context, snap connectors.Snapshot, tp *mappings.TableProgram) (mappings.Diagnostics, error) {
	var which, idx []int
	for i, name := range tp.OrderBy {
		if c := tp.Source.Column(name); c != nil && c.Nullable {
			which, idx = append(which, i), append(idx, tp.ScanKeyIndex[i])
		}
	}
	if len(idx) == 0 {
		return nil, nil
	}
	rows, err := snap.Scan(ctx, tp.Source, connectors.ScanOptions{Key: tp.Key})
	if err != nil {
		return nil, fmt.Errorf("check %s: %w", tp.Source.Name, err)
	}
	defer rows.Close()
	nulls := make([]int64, len(idx))
	for rows.Next() {
		row := rows.Row()
		for j, ix := range idx {
			if row[ix] == nil {
				nulls[j]++
			}
		}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("check %s: %w", tp.Source.Name, err)
	}
	var ds mappings.Diagnostics
	for j, n := range nulls {
		if n == 0 {
			continue
		}
		i := which[j]
		ds = append(ds, mappings.Diagnostic{Pos: tp.Mapping.OrderBy[i].Pos, Code: "M083", Severity: mappings.Error,
			Message: fmt.Sprintf("order_by column %s of %s is NULL in %d of its records: such a record has no place in the processing order and a run stops at it; give those records a value in the source, or leave the column out of order_by", tp.OrderBy[i], tp.Source.Name, n)})
	}
	return ds, nil
}

type missKey struct {
	// code and version are as a message may show them (mappings.SafeCode):
	// an identity number in a code column is counted by its shape.
	column, list, version, code string
	pos                         mappings.Pos
	policy                      string
	valueOnly                   bool
	// reason is set for codes the list archives on purpose.
	reason string
	// otherForm: a listed code in another case or with trailing spaces,
	// or in another form (a boolean, bytes, a number listed twice),
	// archived whatever the policy (Why empty when not).
	otherForm mappings.OtherForm
	// noVersion: the list has no version the record names, archived
	// whatever the policy.
	noVersion bool
}

// codeMisses collects code-list misses, counted.
type codeMisses map[missKey]int64

func (m codeMisses) add(c mappings.CodeMiss) {
	version := ""
	if c.Version != "" {
		version = mappings.SafeCode(c.Version)
	}
	m[missKey{c.Column, c.List.Name.Value, version, mappings.SafeCode(c.Code), c.Pos, c.List.Policy(), c.ValueOnly, c.Reason, c.Form, c.NoVersion}]++
}

// diagnostics says what the run will do with the codes no list maps. They
// are warnings: the run archives those records (or writes NULL or the
// default, as the list says) and still PASSes; an error in map check is
// what would stop the run.
func (m codeMisses) diagnostics(table string) mappings.Diagnostics {
	var ds mappings.Diagnostics
	for k, n := range m {
		d := mappings.Diagnostic{Pos: k.pos, Code: "C006", Severity: mappings.Warning}
		version := ""
		if k.version != "" {
			version = " version " + k.version
		}
		d.Message = fmt.Sprintf("code list %s%s does not map %s, which %s holds %s (for column %s)", k.list, version, k.code, table, times(n), k.column)
		switch {
		case k.reason != "":
			// Archived on purpose: expected, counted, nothing to fix.
			d.Code, d.Severity = "C007", mappings.Info
			d.Message = fmt.Sprintf("code list %s%s archives %s on purpose (%s): %s holds it %s (for column %s), %s will be archived as %s", k.list, version, k.code, k.reason, table, times(n), k.column, records(n, k.valueOnly), k.reason)
			ds = append(ds, d)
			continue
		}
		switch {
		case k.noVersion:
			which := "has no such version"
			if k.version == "" {
				which = "is given no version by those records"
			}
			d.Message += fmt.Sprintf(": the list %s, so %s will be archived (code_unmapped) whatever unmapped: says, since a code means different things in different versions; add the version to the list", which, records(n, k.valueOnly))
		case k.otherForm.Why != "" && k.policy != mappings.UnmappedArchive:
			d.Message += fmt.Sprintf(": it %s, so %s will be archived (code_unmapped) whatever unmapped: says; %s", k.otherForm.Why, records(n, k.valueOnly), k.otherForm.Fix)
		case k.policy == mappings.UnmappedArchive:
			d.Message += fmt.Sprintf(": %s will be archived (code_unmapped); add the code, or say unmapped: null or default", records(n, k.valueOnly))
		default:
			d.Message += fmt.Sprintf(": those values become %s, as the list's unmapped policy says", k.policy)
		}
		ds = append(ds, d)
	}
	return ds
}

// records names what the run archives for n misses: the records, or
// under value granularity the values alone.
func records(n int64, valueOnly bool) string {
	switch {
	case valueOnly && n == 1:
		return "that value (granularity: value)"
	case valueOnly:
		return fmt.Sprintf("those %d values (granularity: value)", n)
	case n == 1:
		return "that record"
	}
	return fmt.Sprintf("those %d records", n)
}

// checkCodes reads a table as the run reads it (a select: source through
// its query) and counts the codes its code lists do not map, leaving out
// the records the run excludes: their data is nobody's business, not even
// a check's.
func checkCodes(ctx context.Context, snap connectors.Snapshot, tp *mappings.TableProgram) (mappings.Diagnostics, error) {
	misses := codeMisses{}
	has := false
	for _, c := range tp.Mapping.Columns {
		if c.CodeList.IsSet() {
			has = true
		}
	}
	if !has {
		return nil, nil
	}
	var rows connectors.Rows
	var err error
	opts := connectors.ScanOptions{Key: tp.Key}
	if tp.Select != "" {
		q, qerr := querierOf(snap)
		if qerr != nil {
			return nil, qerr
		}
		rows, err = q.ScanQuery(ctx, tp.Select, tp.Source.Columns, opts)
	} else {
		rows, err = snap.Scan(ctx, tp.Source, opts)
	}
	if err != nil {
		return nil, fmt.Errorf("check %s: %w", tp.Source.Name, err)
	}
	defer rows.Close()
	for rows.Next() {
		row := rows.Row()
		if tp.Apply(row).Kind == mappings.Excluded {
			continue
		}
		tp.CodeMisses(row, misses.add)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("check %s: %w", tp.Source.Name, err)
	}
	return misses.diagnostics(tp.Source.Name), nil
}

// checkEAV reads a form store as the run reads it: entities and their
// value rows together, so that a code's version comes from where the run
// takes it (the value row, or the registration), and an excluded
// patient's values are not looked at.
func checkEAV(ctx context.Context, snap connectors.Snapshot, tp *mappings.TableProgram) (mappings.Diagnostics, error) {
	e := tp.EAV
	misses := codeMisses{}
	seen := map[string]int64{}
	ents, err := snap.Scan(ctx, e.Entities, connectors.ScanOptions{})
	if err != nil {
		return nil, fmt.Errorf("check %s: %w", e.Entities.Name, err)
	}
	defer ents.Close()
	vals, err := snap.Scan(ctx, e.Values, connectors.ScanOptions{Key: e.ValuesKey})
	if err != nil {
		return nil, fmt.Errorf("check %s: %w", e.Values.Name, err)
	}
	defer vals.Close()
	vs := &valueStream{rows: vals, table: e.Values, entity: e.Entity}
	var group [][]connectors.Value
	// take reads the value rows up to id (all that are left for nil),
	// counting their variables; those of id are grouped.
	take := func(id connectors.Value) error {
		group = group[:0]
		for {
			v, c, err := vs.peek(id)
			if err != nil {
				return err
			}
			if v == nil || c > 0 {
				return nil
			}
			vs.take()
			name, _ := connectors.FormatValue(v[e.Attribute])
			seen[name]++
			if c == 0 && id != nil {
				group = append(group, v)
			}
		}
	}
	for ents.Next() {
		entity := copyRow(ents.Row())
		if err := take(entity[e.EntityKey]); err != nil {
			return nil, err
		}
		if tp.ApplyEntity(entity, group).Entity.Kind == mappings.Excluded {
			continue
		}
		tp.EntityCodeMisses(entity, group, misses.add)
	}
	if err := ents.Err(); err != nil {
		return nil, fmt.Errorf("check %s: %w", e.Entities.Name, err)
	}
	if err := take(nil); err != nil {
		return nil, err
	}
	ds := misses.diagnostics(e.Values.Name)
	pos := tp.Mapping.Source.Pos
	for _, v := range e.Variables() {
		if seen[v] == 0 {
			ds = append(ds, mappings.Diagnostic{Pos: pos, Code: "M019", Severity: mappings.Warning,
				Message: fmt.Sprintf("the mapping reads variable %s, but %s has no value of it (a typo, or a variable of another form?)", v, e.Values.Name)})
		}
	}
	// Counted by the name as shown: variables named like identity
	// numbers (data in the attribute column) add up under one shape.
	unmapped := map[string]int64{}
	spelled, unsure := map[string]string{}, map[string]string{}
	for v, n := range seen {
		if _, dropped := e.Dropped(v); !e.Variable(v) && !dropped {
			unmapped[mappings.SafeName(v)] += n
			if to, ok := e.SpellingOf(v); ok {
				spelled[mappings.SafeName(v)] = to
			} else if c, ok := e.UnsureVariable(v); ok {
				unsure[mappings.SafeName(v)] = c
			}
		}
	}
	names := make([]string, 0, len(unmapped))
	for v := range unmapped {
		names = append(names, v)
	}
	sort.Strings(names)
	for _, v := range names {
		msg := fmt.Sprintf("variable %s (%d values in %s) is neither mapped nor dropped: its values will be archived as variable_not_mapped (list it under drop: with a reason)", v, unmapped[v], e.Values.Name)
		if col := e.Entities.Column(v); col != nil && mappings.SafeName(v) == v {
			// Never pivoted: a column's from: or expression and drop:
			// name the entity column, and drop: of a mapped one is M010.
			msg = fmt.Sprintf("variable %s (%d values in %s) has the name of entity column %s.%s, which columns and drop: name instead: no column can read the variable, so its values will be archived as variable_not_mapped while the form migrates with the entity column's value, which may differ (a mapping cannot yet name a variable apart from an entity column of its name)", v, unmapped[v], e.Values.Name, e.Entities.Name, col.Name)
		} else if to, ok := spelled[v]; ok {
			msg = fmt.Sprintf("variable %q (%d values in %s) is the mapped variable %s in another case or accent, with trailing spaces or in another Unicode form, as a case- or accent-blind source reads it: a form holding it and not %s is archived whole as variable_spelling (list it under drop: with a reason if it is a variable of its own)", v, unmapped[v], e.Values.Name, to, to)
		} else if c, ok := unsure[v]; ok {
			msg = fmt.Sprintf("variable %q (%d values in %s) is written in characters the collation %s may take for a mapped variable's name, which regflytt cannot tell: a form holding it while it lacks a mapped variable is archived whole as variable_spelling (list it under drop: with a reason if it is a variable of its own)", v, unmapped[v], e.Values.Name, c)
		}
		ds = append(ds, mappings.Diagnostic{Pos: pos, Code: "M020", Severity: mappings.Warning, Message: msg})
	}
	return ds, nil
}

func times(n int64) string {
	if n == 1 {
		return "once"
	}
	return fmt.Sprintf("%d times", n)
}

// dropMappingWarnings passes every log record but the compile's warnings,
// which map check returns as diagnostics instead.
type dropMappingWarnings struct{ slog.Handler }

func (h dropMappingWarnings) Handle(ctx context.Context, r slog.Record) error {
	if r.Level == slog.LevelWarn && r.Message == "mapping" {
		return nil
	}
	return h.Handler.Handle(ctx, r)
}
