package plans

import (
	"context"
	"fmt"
	"sort"

	"github.com/regflytt/regflytt/connectors"
	"github.com/regflytt/regflytt/mappings"
)

// CheckMappings checks a plan's mappings against the live source and the
// receiving schema: everything Compile finds (unknown tables, columns,
// types, expressions), and what only the data shows: codes the source
// holds that a code list does not map (C006), variables a form-store
// mapping reads that no value row has (M019), and variables in the source
// no mapping reads or drops (M020). It reads the source in one read-only
// snapshot and writes nothing; the data checks scan only the tables with
// code lists or variables.
func CheckMappings(ctx context.Context, p *Plan, opts Options) (mappings.Diagnostics, error) {
	r, err := newRunner(p, opts, false)
	if err != nil {
		return nil, err
	}
	s, err := r.open(ctx)
	if err != nil {
		if ds, ok := err.(mappings.Diagnostics); ok {
			return ds, nil
		}
		return nil, err
	}
	defer s.Close()
	var ds mappings.Diagnostics
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
	}
	ds.Sort()
	return ds, nil
}

type missKey struct {
	column, list, version, code string
	pos                         mappings.Pos
	policy                      string
}

// codeMisses collects code-list misses, counted.
type codeMisses map[missKey]int64

func (m codeMisses) add(c mappings.CodeMiss) {
	m[missKey{c.Column, c.List.Name.Value, c.Version, c.Code, c.Pos, c.List.Policy()}]++
}

func (m codeMisses) diagnostics(table string) mappings.Diagnostics {
	var ds mappings.Diagnostics
	for k, n := range m {
		d := mappings.Diagnostic{Pos: k.pos, Code: "C006"}
		version := ""
		if k.version != "" {
			version = " version " + k.version
		}
		code := k.code
		if len(code) > 40 {
			code = code[:40] + "…"
		}
		d.Message = fmt.Sprintf("code list %s%s does not map code %q, which %s holds %s (for column %s)", k.list, version, code, table, times(n), k.column)
		switch k.policy {
		case mappings.UnmappedArchive:
			d.Message += ": those records will be archived (code_unmapped); add the code, or say unmapped: null or default"
		default:
			d.Severity = mappings.Warning
			d.Message += fmt.Sprintf(": those values become %s, as the list's unmapped policy says", k.policy)
		}
		ds = append(ds, d)
	}
	return ds
}

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
	rows, err := snap.Scan(ctx, tp.Source, connectors.ScanOptions{Key: tp.Key})
	if err != nil {
		return nil, fmt.Errorf("check %s: %w", tp.Source.Name, err)
	}
	defer rows.Close()
	for rows.Next() {
		tp.CodeMisses(rows.Row(), misses.add)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("check %s: %w", tp.Source.Name, err)
	}
	return misses.diagnostics(tp.Source.Name), nil
}

func checkEAV(ctx context.Context, snap connectors.Snapshot, tp *mappings.TableProgram) (mappings.Diagnostics, error) {
	e := tp.EAV
	misses := codeMisses{}
	seen := map[string]int64{}
	rows, err := snap.Scan(ctx, e.Values, connectors.ScanOptions{Key: e.ValuesKey})
	if err != nil {
		return nil, fmt.Errorf("check %s: %w", e.Values.Name, err)
	}
	defer rows.Close()
	for rows.Next() {
		row := rows.Row()
		name, _ := connectors.FormatValue(row[e.Attribute])
		seen[name]++
		tp.ValueCodeMisses(row, misses.add)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("check %s: %w", e.Values.Name, err)
	}
	ds := misses.diagnostics(e.Values.Name)
	pos := tp.Mapping.Source.Pos
	for _, v := range e.Variables() {
		if seen[v] == 0 {
			ds = append(ds, mappings.Diagnostic{Pos: pos, Code: "M019", Severity: mappings.Warning,
				Message: fmt.Sprintf("the mapping reads variable %s, but %s has no value of it (a typo, or a variable of another form?)", v, e.Values.Name)})
		}
	}
	var names []string
	for v := range seen {
		if !e.Variable(v) {
			names = append(names, v)
		}
	}
	sort.Strings(names)
	for _, v := range names {
		if _, dropped := e.Dropped(v); dropped {
			continue
		}
		ds = append(ds, mappings.Diagnostic{Pos: pos, Code: "M020", Severity: mappings.Warning,
			Message: fmt.Sprintf("variable %s (%d values in %s) is neither mapped nor dropped: its values will be archived as variable_not_mapped (list it under drop: with a reason)", v, seen[v], e.Values.Name)})
	}
	return ds, nil
}

func times(n int64) string {
	if n == 1 {
		return "once"
	}
	return fmt.Sprintf("%d times", n)
}
