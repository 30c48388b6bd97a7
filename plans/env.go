package plans

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/regflytt/regflytt/connectors"
	"github.com/regflytt/regflytt/mappings"
	"github.com/regflytt/regflytt/mappings/pnr"
)

// ReasonOptOutList counts the rows of the opt-out table itself when no
// mapping carries it: the list is consumed to exclude records, and its
// identity numbers are written nowhere, the archive included.
const ReasonOptOutList = "opt_out_list"

// mappingEnv builds what mappings may use besides the row: the reference
// date, the pseudonymiser, the opt-out list.
func (r *runner) mappingEnv(ctx context.Context, snap connectors.Snapshot, catalog []connectors.Table) (*mappings.Env, error) {
	p := r.plan
	env := &mappings.Env{RefDate: p.ReferenceDate}
	key, err := p.pseudonymKey()
	if err != nil {
		return nil, err
	}
	if key != nil {
		ps, err := pnr.NewPseudonymiser(key)
		clear(key)
		if err != nil {
			return nil, fmt.Errorf("%s: pseudonymisation key: %w", p.File, err)
		}
		env.Pseudonymiser = ps
	}
	if err := r.loadLookups(ctx, snap, catalog, env); err != nil {
		return nil, err
	}
	if err := r.describeSelects(ctx, snap, env); err != nil {
		return nil, err
	}
	if p.OptOutTable.IsSet() || p.OptOutFile.IsSet() {
		if p.ReferenceDate.IsZero() {
			return nil, fmt.Errorf("%s: an opt-out list needs run.reference_date, to read 10-digit identity numbers", p.File)
		}
		set := mappings.OptOutSet{}
		if p.OptOutTable.IsSet() {
			if err := loadOptOutTable(ctx, snap, catalog, p, set); err != nil {
				return nil, err
			}
		}
		if p.OptOutFile.IsSet() {
			if err := loadOptOutFile(p.Path(p.OptOutFile.Value), p.ReferenceDate, set); err != nil {
				return nil, err
			}
		}
		env.OptOut = set
		r.log.Info("opt-out list loaded", "patients", len(set))
	}
	return env, nil
}

// loadLookups reads the reference tables the mappings declare, in the
// run's snapshot, so lookups see the same data as the rows they serve.
func (r *runner) loadLookups(ctx context.Context, snap connectors.Snapshot, catalog []connectors.Table, env *mappings.Env) error {
	specs, ds := mappings.LookupsNeeded(r.in.Mappings)
	if err := ds.Err(); err != nil {
		return err
	}
	env.Lookups = map[string]*mappings.LookupTable{}
	for _, spec := range specs {
		var t *connectors.Table
		for i := range catalog {
			if catalog[i].Name == spec.Table.Value {
				t = &catalog[i]
			}
		}
		if t == nil {
			continue // Compile reports the unknown table with its position
		}
		lt, err := mappings.NewLookupTable(t, spec.Key.Value)
		if err != nil {
			continue // likewise
		}
		rows, err := snap.Scan(ctx, t, connectors.ScanOptions{})
		if err != nil {
			return fmt.Errorf("lookup %s: %w", spec.Name.Value, err)
		}
		for rows.Next() {
			if err := lt.Add(rows.Row()); err != nil {
				rows.Close()
				return fmt.Errorf("%s: lookup %s: %w", spec.Pos, spec.Name.Value, err)
			}
		}
		err = rows.Err()
		rows.Close()
		if err != nil {
			return fmt.Errorf("lookup %s: %w", spec.Name.Value, err)
		}
		env.Lookups[spec.Name.Value] = lt
		r.log.Info("lookup loaded", "name", spec.Name.Value, "table", t.Name, "rows", lt.Len())
	}
	return nil
}

// describeSelects reads the result columns of select: sources in the
// run's snapshot.
func (r *runner) describeSelects(ctx context.Context, snap connectors.Snapshot, env *mappings.Env) error {
	queries, ds := mappings.SelectsNeeded(r.in.Mappings)
	if err := ds.Err(); err != nil {
		return err
	}
	if len(queries) == 0 {
		return nil
	}
	q, ok := snap.(connectors.Querier)
	if !ok {
		return fmt.Errorf("this source's connector cannot read select: sources yet; map tables instead")
	}
	env.Selects = map[string][]connectors.Column{}
	for _, query := range queries {
		cols, err := q.DescribeQuery(ctx, query)
		if err != nil {
			return fmt.Errorf("select: %w", err)
		}
		env.Selects[query] = cols
	}
	return nil
}

// pseudonymKey reads the key from the file or variable the plan names, or
// gives nil when the plan names none.
func (p *Plan) pseudonymKey() ([]byte, error) {
	switch {
	case p.KeyFile.IsSet():
		b, err := os.ReadFile(p.Path(p.KeyFile.Value))
		if err != nil {
			return nil, fmt.Errorf("%s: pseudonymisation key file: %w", p.KeyFile.Pos, err)
		}
		return bytes.TrimRight(b, "\r\n"), nil
	case p.KeyEnv.IsSet():
		v, ok := os.LookupEnv(p.KeyEnv.Value)
		if !ok || v == "" {
			return nil, fmt.Errorf("%s: the pseudonymisation key variable %s is not set", p.KeyEnv.Pos, p.KeyEnv.Value)
		}
		return []byte(v), nil
	}
	return nil, nil
}

// loadOptOutTable reads the opt-out table of the source in the run's
// snapshot. An entry that is not a valid identity number stops the run:
// regflytt cannot know whose records to exclude, and guessing could bring
// an opted-out patient into the new registry.
func loadOptOutTable(ctx context.Context, snap connectors.Snapshot, catalog []connectors.Table, p *Plan, set mappings.OptOutSet) error {
	var t *connectors.Table
	for i := range catalog {
		if catalog[i].Name == p.OptOutTable.Value {
			t = &catalog[i]
		}
	}
	if t == nil {
		return fmt.Errorf("%s: opt-out table %s is not in the source", p.OptOutTable.Pos, p.OptOutTable.Value)
	}
	col := t.ColumnIndex(p.OptOutColumn.Value)
	if col < 0 {
		return fmt.Errorf("%s: opt-out table %s has no column %s", p.OptOutColumn.Pos, t.Name, p.OptOutColumn.Value)
	}
	rows, err := snap.Scan(ctx, t, connectors.ScanOptions{})
	if err != nil {
		return fmt.Errorf("opt-out table %s: %w", t.Name, err)
	}
	defer rows.Close()
	n := 0
	for rows.Next() {
		n++
		s, ok := connectors.FormatValue(rows.Row()[col])
		if !ok {
			return fmt.Errorf("opt-out table %s, row %d in key order: column %s is NULL", t.Name, n, p.OptOutColumn.Value)
		}
		num, err := pnr.Parse(s, p.ReferenceDate)
		if err != nil {
			return fmt.Errorf("opt-out table %s, row %d in key order, column %s: %w; correct the list before migrating", t.Name, n, p.OptOutColumn.Value, err)
		}
		set[num] = struct{}{}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("opt-out table %s: %w", t.Name, err)
	}
	return nil
}

// loadOptOutFile reads one identity number per line; blank lines and
// lines starting with # are skipped.
func loadOptOutFile(path string, ref time.Time, set mappings.OptOutSet) error {
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("opt-out file: %w", err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	line := 0
	for sc.Scan() {
		line++
		s := strings.TrimSpace(sc.Text())
		if s == "" || strings.HasPrefix(s, "#") {
			continue
		}
		num, err := pnr.Parse(s, ref)
		if err != nil {
			return fmt.Errorf("opt-out file %s:%d: %w; correct the list before migrating", path, line, err)
		}
		set[num] = struct{}{}
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("opt-out file %s: %w", path, err)
	}
	return nil
}
