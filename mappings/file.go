package mappings

import (
	"gopkg.in/yaml.v3"
)

// File is one parsed mapping file:
//
//	version: 1
//	tables:
//	  - target: visit           # a table of the receiving schema
//	    source: besok           # a table of the legacy database
//	    key: [id]               # optional: columns that order the scan (default: primary key)
//	    columns:
//	      visit_id: id          # target column: source column
//	      visit_date: {from: besoksdatum, cast: date}
//	    drop:                   # source columns deliberately not migrated, with why
//	      personnr: pseudonymised separately
//
// Every source column must be mapped or dropped with a reason (M010), so
// that leaving data behind is a decision someone wrote down.
type File struct {
	Path   string
	Tables []*TableMapping
}

// TableMapping says how one source table becomes one target table.
type TableMapping struct {
	Pos     Pos
	Target  Str
	Source  Str
	Key     []Str
	Columns []*ColumnMapping
	// Drop maps deliberately unmapped source columns to the reason.
	Drop map[string]Str
	// DropPos keeps where each dropped column was named.
	DropPos map[string]Pos
}

// ColumnMapping gives one target column its value.
type ColumnMapping struct {
	Pos    Pos
	Target Str
	// From is the source column.
	From Str
	// Cast converts the source value to the target type, losslessly or not
	// at all (then the record is archived with reason cast_<kind>).
	Cast Str
}

// ParseFile reads a mapping file and reports every problem of shape in it.
// Problems of meaning (unknown tables, types) are Compile's.
func ParseFile(path string) (*File, Diagnostics) {
	root, ds := ParseYAML(path)
	if root == nil {
		return nil, ds
	}
	f, more := parseFile(path, root)
	return f, append(ds, more...)
}

func parseFile(path string, root *yaml.Node) (*File, Diagnostics) {
	var ds Diagnostics
	file := &File{Path: path}
	top := ReadFields(path, root, &ds, "a mapping file")
	if v := top.Str("version"); v.IsSet() && v.Value != "1" {
		ds.add(v.Pos, "Y001", "mapping format version %s is not known (this regflytt reads version 1)", v.Value)
	}
	top.Str("description")
	tables := top.Seq("tables")
	if top.Node("tables") == nil {
		ds.add(top.Pos(), "Y003", "missing field %q", "tables")
	}
	top.Done()
	for _, tn := range tables {
		tf := ReadFields(path, tn, &ds, "a table mapping")
		tm := &TableMapping{Pos: tf.Pos(), Drop: map[string]Str{}, DropPos: map[string]Pos{}}
		tm.Target = tf.Required("target")
		tm.Source = tf.Required("source")
		tm.Key = tf.Strs("key")
		tf.Str("description")
		keys, vals := tf.Pairs("columns")
		if tf.Node("columns") == nil {
			ds.add(tf.Pos(), "Y003", "missing field %q", "columns")
		}
		for i, k := range keys {
			tm.Columns = append(tm.Columns, parseColumn(path, k, vals[i], &ds))
		}
		dk, dv := tf.Pairs("drop")
		for i, k := range dk {
			reason := Str{Value: dv[i].Value, Pos: PosOf(path, dv[i])}
			if dv[i].Kind != yaml.ScalarNode || dv[i].Value == "" {
				ds.add(PosOf(path, dv[i]), "Y003", "dropping %s needs a reason (drop: {column: why})", k.Value)
			}
			tm.Drop[k.Value] = reason
			tm.DropPos[k.Value] = PosOf(path, k)
		}
		tf.Done()
		file.Tables = append(file.Tables, tm)
	}
	return file, ds
}

func parseColumn(path string, k, v *yaml.Node, ds *Diagnostics) *ColumnMapping {
	c := &ColumnMapping{Pos: PosOf(path, k), Target: Str{Value: k.Value, Pos: PosOf(path, k)}}
	if v.Kind == yaml.ScalarNode {
		// Shorthand: "target: source_column".
		c.From = Str{Value: v.Value, Pos: PosOf(path, v)}
		if v.Value == "" {
			ds.add(PosOf(path, v), "Y003", "column %s: no source column", k.Value)
		}
		return c
	}
	cf := ReadFields(path, v, ds, "a column mapping")
	c.From = cf.Required("from")
	c.Cast = cf.Str("cast")
	cf.Str("description")
	cf.Done()
	return c
}
