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
		if err := profileAttributes(ctx, snap, t, e, opts); err != nil {
			return err
		}
		tr.EAV = e
	}
	return nil
}

func recogniseEAV(t *connectors.Table, tr *Table) *EAV {
	var e EAV
	for i, c := range t.Columns {
		st := tr.stats[i]
		isPK := len(t.PrimaryKey) == 1 && t.PrimaryKey[0] == c.Name
		switch {
		case isPK:
		case e.Attribute == "" && c.Type.Kind == connectors.KindText && st.exact != nil && len(st.exact) >= 2 && len(st.exact) <= maxAttributes &&
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
	for _, fk := range tr.ForeignKeys {
		if len(fk.Columns) == 1 && fk.Columns[0] == e.Entity {
			e.EntityTable = fk.RefTable
		}
	}
	return &e
}

// profileAttributes reads the table again and profiles the value column
// per attribute, as if each attribute were a column of its own.
func profileAttributes(ctx context.Context, snap connectors.Snapshot, t *connectors.Table, e *EAV, opts *Options) error {
	ai, vi := t.ColumnIndex(e.Attribute), t.ColumnIndex(e.Value)
	valueCol := t.Columns[vi]
	stats := map[string]*columnStat{}
	rows, err := snap.Scan(ctx, t, connectors.ScanOptions{BatchSize: opts.BatchSize})
	if err != nil {
		return fmt.Errorf("scan: table %s: %w", t.Name, err)
	}
	defer rows.Close()
	for rows.Next() {
		r := rows.Row()
		name, _ := connectors.FormatValue(r[ai])
		s := stats[name]
		if s == nil {
			if len(stats) >= maxAttributes {
				return fmt.Errorf("scan: table %s: more than %d attributes in %s since the first pass: the source changed under the snapshot", t.Name, maxAttributes, e.Attribute)
			}
			c := valueCol
			c.Name = name
			s = newColumnStat(c, opts, attributeBound)
			stats[strings.Clone(name)] = s
		}
		s.add(r[vi])
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("scan: table %s: %w", t.Name, err)
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
