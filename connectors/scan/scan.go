// Package scan is the room where regflytt looks at a legacy database
// before anyone writes a mapping: it profiles every table and column in
// one read-only snapshot, streaming and in bounded memory, and reports
// what registry data hides (identity numbers in several formats, zero and
// partial dates, garbled text, decimal commas, orphan rows, form stores
// kept as entity–attribute–value rows). From the profile it proposes a
// receiving schema that holds every value the source holds, and a
// starting mapping.
//
// It reads only through the connectors' Source, Snapshot and Querier
// interfaces and the neutral catalogue, and uses two pure leaf packages
// of the mapping language, mappings/pnr and mappings/lexical, to read
// identity numbers, dates and numbers the way a mapping will. It knows
// nothing of plans or runs; cmd/regflytt's scan command drives it.
package scan

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"time"

	"github.com/regflytt/regflytt/connectors"
)

// Options say how to scan.
type Options struct {
	// ReferenceDate is the date future dates and 10-digit identity
	// numbers are read against. It is written into the report.
	ReferenceDate time.Time
	// MinCell is the smallest count a value may have to be shown
	// (default 5).
	MinCell int
	// TopN caps the most frequent values per column (default 10).
	TopN int
	// DistinctBound is the number of distinct values counted exactly per
	// column before an estimate takes over (default 10,000).
	DistinctBound int
	// BatchSize is the keyset batch size (default connectors'
	// DefaultBatchSize).
	BatchSize int
	// Source names the database in the report (redacted).
	Source string
	// Tool is written into the report ("regflytt 1.2").
	Tool string
	// Log, when set, is told which table is being read (names and
	// counts only).
	Log *slog.Logger
}

func (o *Options) defaults() error {
	if o.ReferenceDate.IsZero() {
		return fmt.Errorf("scan: no reference date: the report must say which date future dates are read against")
	}
	if y := o.ReferenceDate.Year(); y < 1000 || y > 9999 {
		return fmt.Errorf("scan: reference date year %d: want 1000..9999", y)
	}
	if o.Log == nil {
		o.Log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if o.MinCell == 0 {
		o.MinCell = 5
	}
	if o.MinCell < 1 {
		return fmt.Errorf("scan: smallest cell %d: want 1 or more", o.MinCell)
	}
	if o.TopN == 0 {
		o.TopN = 10
	}
	if o.TopN < 0 || o.TopN > 10 {
		return fmt.Errorf("scan: %d top values: want 1..10", o.TopN)
	}
	if o.DistinctBound == 0 {
		o.DistinctBound = 10_000
	}
	if o.DistinctBound < 1 {
		return fmt.Errorf("scan: distinct bound %d: want 1 or more", o.DistinctBound)
	}
	return nil
}

// Scan profiles a source in one read-only snapshot.
func Scan(ctx context.Context, src connectors.Source, opts Options) (*Report, error) {
	if err := opts.defaults(); err != nil {
		return nil, err
	}
	snap, err := src.Snapshot(ctx)
	if err != nil {
		return nil, fmt.Errorf("scan: %w", err)
	}
	defer snap.Close()
	tables, err := snap.Tables(ctx)
	if err != nil {
		return nil, fmt.Errorf("scan: catalogue: %w", err)
	}
	rep := &Report{
		SchemaVersion: SchemaVersion, Tool: opts.Tool, Source: opts.Source, Dialect: src.Dialect().Name(),
		ReferenceDate: opts.ReferenceDate.Format("2006-01-02"), MinCell: opts.MinCell, DistinctBound: opts.DistinctBound,
	}
	catalogue := map[string]*connectors.Table{}
	for i := range tables {
		t := &tables[i]
		catalogue[t.Name] = t
		tr, err := profileTable(ctx, snap, t, &opts)
		if err != nil {
			return nil, err
		}
		rep.Tables = append(rep.Tables, tr)
	}
	q, _ := snap.(connectors.Querier)
	if err := relations(ctx, q, src.Dialect(), tables, rep, opts.Log); err != nil {
		return nil, err
	}
	if err := findEAV(ctx, snap, catalogue, rep, &opts); err != nil {
		return nil, err
	}
	if rep.NotMigrated, err = notMigrated(ctx, q, src.Dialect().Name(), tables); err != nil {
		return nil, err
	}
	if g, err := otherSchemas(ctx, snap); err != nil {
		return nil, err
	} else if g.Count > 0 {
		rep.NotMigrated = append(rep.NotMigrated, g)
	}
	if c, ok := snap.(connectors.CatalogueScopeChecker); ok {
		if rep.CatalogueLimited, err = c.CatalogueLimited(ctx); err != nil {
			return nil, fmt.Errorf("scan: %w", err)
		}
	}
	if l, ok := snap.(connectors.LargeObjectLister); ok {
		if rep.LargeObjects, err = l.LargeObjects(ctx); err != nil {
			return nil, fmt.Errorf("scan: %w", err)
		}
	}
	if err := tableSizes(ctx, q, src.Dialect().Name(), rep); err != nil {
		return nil, err
	}
	proposeTypes(rep, tables)
	rep.Findings = findings(rep)
	return rep, nil
}

// firstPassAttributes lets a test compare the first pass's per-attribute
// profiles with a second pass's.
var firstPassAttributes = true

// profileTable counts a table's rows and streams them through a
// columnStat per column.
func profileTable(ctx context.Context, snap connectors.Snapshot, t *connectors.Table, opts *Options) (*Table, error) {
	n, err := snap.Count(ctx, t.Name)
	if err != nil {
		return nil, fmt.Errorf("scan: table %s: %w", t.Name, err)
	}
	opts.Log.Info("scan: table", "table", t.Name, "rows", n)
	tr := &Table{Name: t.Name, Rows: n, PrimaryKey: t.PrimaryKey}
	for _, c := range t.Columns {
		tr.stats = append(tr.stats, newColumnStat(c, opts, opts.DistinctBound))
	}
	if len(t.PrimaryKey) > 0 {
		rows, err := snap.Scan(ctx, t, connectors.ScanOptions{BatchSize: opts.BatchSize})
		if err != nil {
			return nil, fmt.Errorf("scan: table %s: %w", t.Name, err)
		}
		if firstPassAttributes {
			tr.attrs = newAttributeStats(t, opts)
		}
		for rows.Next() {
			row := rows.Row()
			for i, v := range row {
				tr.stats[i].add(v)
			}
			if tr.attrs != nil && !tr.attrs.add(row) {
				tr.attrs = nil // too many attributes: not an EAV table after all
			}
		}
		err = rows.Err()
		rows.Close()
		if err != nil {
			return nil, fmt.Errorf("scan: table %s: %w", t.Name, err)
		}
		tr.Profiled = true
	}
	for _, s := range tr.stats {
		tr.Columns = append(tr.Columns, s.report(isKeyColumn(t, s.col.Name)))
	}
	return tr, nil
}

// isKeyColumn: a primary-key column, or an integer column named as a
// reference (…_id), whose values are row numbers, not data.
func isKeyColumn(t *connectors.Table, name string) bool {
	for _, k := range t.PrimaryKey {
		if k == name {
			return true
		}
	}
	c := t.Column(name)
	return c != nil && c.Type.Kind == connectors.KindInt && refBase(name) != ""
}

// otherSchemas groups the schemas of the source database that hold
// tables outside the one scanned (connectors.SchemaLister): a new user
// pointing scan at an unseen registry learns that the registry may not
// be all in the schema the URL names.
func otherSchemas(ctx context.Context, snap connectors.Snapshot) (ObjectGroup, error) {
	g := ObjectGroup{Kind: "schema"}
	l, ok := snap.(connectors.SchemaLister)
	if !ok {
		return g, nil
	}
	schemas, err := l.OtherSchemas(ctx)
	if err != nil {
		return g, fmt.Errorf("scan: %w", err)
	}
	for _, st := range schemas {
		g.Count++
		g.Names = append(g.Names, fmt.Sprintf("%s (%d tables)", st.Schema, st.Tables))
	}
	return g, nil
}
