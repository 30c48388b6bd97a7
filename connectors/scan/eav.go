package scan

import (
	"context"
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/regflytt/regflytt/connectors"
)

// maxAttributes bounds the attributes an EAV table may have for the scan
// to profile them one by one; it also bounds the memory of that pass.
const maxAttributes = 1000

// attributeBound is the exact distinct bound per attribute, lower than a
// column's because a form store has hundreds of attributes.
const attributeBound = 1000

func nameHas(name string, words ...string) bool {
	n := strings.ToLower(name)
	for _, w := range words {
		if strings.Contains(n, w) {
			return true
		}
	}
	return false
}

// findEAV recognises entity–attribute–value tables (an entity reference,
// an attribute name with few distinct values, a value column) and
// profiles their values per attribute in a second pass.
func findEAV(ctx context.Context, snap connectors.Snapshot, catalogue map[string]*connectors.Table, rep *Report, opts *Options) error {
	for _, tr := range rep.Tables {
		if !tr.Profiled {
			continue
		}
		t := catalogue[tr.Name]
		e := recogniseEAV(t, tr)
		if e == nil {
			continue
		}
		if err := profileAttributes(ctx, snap, t, e, tr.attrs, opts); err != nil {
			return err
		}
		tr.EAV = e
	}
	return nil
}

func recogniseEAV(t *connectors.Table, tr *Table) *EAV {
	e := matchEAV(t, func(i int) bool {
		st := tr.stats[i]
		return st.exact != nil && len(st.exact) >= 2 && len(st.exact) <= maxAttributes
	})
	if e == nil {
		return nil
	}
	for _, fk := range tr.ForeignKeys {
		if len(fk.Columns) == 1 && fk.Columns[0] == e.Entity {
			e.EntityTable = fk.RefTable
		}
	}
	return e
}

// matchEAV picks the entity, attribute, value and version columns by
// their names; fewAttributes says whether a column holds few enough
// distinct values to be the attribute. Before a table is read, everything
// may be (see newAttributeStats); after, the profile decides.
func matchEAV(t *connectors.Table, fewAttributes func(i int) bool) *EAV {
	var e EAV
	for i, c := range t.Columns {
		isPK := len(t.PrimaryKey) == 1 && t.PrimaryKey[0] == c.Name
		switch {
		case isPK:
		case e.Attribute == "" && c.Type.Kind == connectors.KindText && fewAttributes(i) &&
			nameHas(c.Name, "variab", "attrib", "field", "falt", "fält", "param", "egenskap", "nyckel", "key"):
			e.Attribute = c.Name
		case e.Value == "" && (c.Type.Kind == connectors.KindText || c.Type.Kind == connectors.KindInvalid) &&
			nameHas(c.Name, "varde", "värde", "value", "svar", "answer", "val"):
			e.Value = c.Name
		case e.Version == "" && nameHas(c.Name, "version"):
			e.Version = c.Name
		case e.Entity == "" && refBase(c.Name) != "":
			e.Entity = c.Name
		}
	}
	if e.Entity == "" || e.Attribute == "" || e.Value == "" {
		return nil
	}
	return &e
}

// attributeStats profiles a table's values per attribute during the
// first pass, when the column names make the table look like an EAV
// table, so that the largest table of a form store is read once. It gives
// up (and a second pass does the work) beyond maxAttributes.
type attributeStats struct {
	attribute, value string
	ai, vi           int
	col              connectors.Column
	opts             *Options
	stats            map[string]*columnStat
}

func newAttributeStats(t *connectors.Table, opts *Options) *attributeStats {
	e := matchEAV(t, func(int) bool { return true })
	if e == nil {
		return nil
	}
	ai, vi := t.ColumnIndex(e.Attribute), t.ColumnIndex(e.Value)
	return &attributeStats{attribute: e.Attribute, value: e.Value, ai: ai, vi: vi, col: t.Columns[vi], opts: opts, stats: map[string]*columnStat{}}
}

// add counts one row; false means the table has too many attributes.
func (a *attributeStats) add(row []connectors.Value) bool {
	name, _ := connectors.FormatValue(row[a.ai])
	s := a.stats[name]
	if s == nil {
		if len(a.stats) >= maxAttributes {
			return false
		}
		c := a.col
		c.Name = strings.Clone(name)
		s = newColumnStat(c, a.opts, attributeBound)
		a.stats[c.Name] = s
	}
	s.add(row[a.vi])
	return true
}

// profileAttributes reads the table again and profiles the value column
// per attribute, as if each attribute were a column of its own.
func profileAttributes(ctx context.Context, snap connectors.Snapshot, t *connectors.Table, e *EAV, pre *attributeStats, opts *Options) error {
	opts.Log.Info("scan: EAV attributes", "table", t.Name, "attribute", e.Attribute, "read again", pre.statsFor(e) == nil)
	stats := pre.statsFor(e)
	if stats == nil {
		pass := &attributeStats{attribute: e.Attribute, value: e.Value, ai: t.ColumnIndex(e.Attribute), vi: t.ColumnIndex(e.Value),
			col: t.Columns[t.ColumnIndex(e.Value)], opts: opts, stats: map[string]*columnStat{}}
		rows, err := snap.Scan(ctx, t, connectors.ScanOptions{BatchSize: opts.BatchSize})
		if err != nil {
			return fmt.Errorf("scan: table %s: %w", t.Name, err)
		}
		defer rows.Close()
		for rows.Next() {
			if !pass.add(rows.Row()) {
				return fmt.Errorf("scan: table %s: more than %d attributes in %s since the first pass: the source changed under the snapshot", t.Name, maxAttributes, e.Attribute)
			}
		}
		if err := rows.Err(); err != nil {
			return fmt.Errorf("scan: table %s: %w", t.Name, err)
		}
		stats = pass.stats
	}
	names := make([]string, 0, len(stats))
	for n := range stats {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		c := stats[n].report(false)
		c.Proposed = stats[n].attributeType()
		e.Attributes = append(e.Attributes, c)
	}
	e.stats = stats
	return nil
}

// attributeType is the receiving type of an EAV attribute's column: its
// values are text, so text as long as the longest, or unbounded.
func (s *columnStat) attributeType() string {
	if s.maxChars > 0 && s.maxChars <= 255 {
		return "varchar(" + strconv.Itoa(s.maxChars) + ")"
	}
	return "text"
}

// statsFor gives the first pass's per-attribute profiles when they are
// of e's columns and complete; nil otherwise.
func (a *attributeStats) statsFor(e *EAV) map[string]*columnStat {
	if a == nil || a.attribute != e.Attribute || a.value != e.Value {
		return nil
	}
	return a.stats
}
