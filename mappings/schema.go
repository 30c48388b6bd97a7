package mappings

import (
	"github.com/regflytt/regflytt/connectors"
)

// Schema is a receiving platform's schema, as declared in YAML:
//
//	platform: receiving-demo
//	tables:
//	  - name: visit
//	    primary_key: [visit_id]
//	    columns:
//	      - {name: visit_id, type: bigint}
//	      - {name: visit_date, type: date, not_null: true}
//
// Columns are nullable unless not_null is true; primary-key columns are
// always NOT NULL. Types use the notation of connectors.ParseType.
type Schema struct {
	Platform string
	Tables   []connectors.Table
	File     string
	// pos holds where each table and column was declared, for diagnostics
	// about them ("table.column" keys).
	pos map[string]Pos
}

// Table returns the declared table with the given name, or nil.
func (s *Schema) Table(name string) *connectors.Table {
	for i := range s.Tables {
		if s.Tables[i].Name == name {
			return &s.Tables[i]
		}
	}
	return nil
}

// DeclaredAt gives where a table ("visit") or column ("visit.visit_id") was
// declared.
func (s *Schema) DeclaredAt(name string) Pos {
	if p, ok := s.pos[name]; ok {
		return p
	}
	return Pos{File: s.File}
}

// LoadSchema reads a receiving-schema file and reports every problem in it.
func LoadSchema(path string) (*Schema, Diagnostics) {
	root, ds := ParseYAML(path)
	if root == nil {
		return nil, ds
	}
	s := &Schema{File: path, pos: map[string]Pos{}}
	f := ReadFields(path, root, &ds, "a receiving schema")
	s.Platform = f.Required("platform").Value
	f.Str("description")
	tables := f.Seq("tables")
	if f.Node("tables") == nil {
		ds.add(f.Pos(), "Y003", "missing field %q", "tables")
	}
	f.Done()
	for _, tn := range tables {
		tf := ReadFields(path, tn, &ds, "a table")
		name := tf.Required("name")
		tf.Str("description")
		t := connectors.Table{Name: name.Value, RowEstimate: -1}
		if err := connectors.CheckIdent(name.Value); name.IsSet() && err != nil {
			ds.add(name.Pos, "S001", "table name: %v", err)
		}
		if _, dup := s.pos[t.Name]; dup {
			ds.add(name.Pos, "S002", "table %s is declared twice (first at %s)", t.Name, s.pos[t.Name])
		}
		s.pos[t.Name] = name.Pos
		pk := tf.Strs("primary_key")
		for _, cn := range tf.Seq("columns") {
			cf := ReadFields(path, cn, &ds, "a column")
			cname := cf.Required("name")
			ctype := cf.Required("type")
			notNull := cf.Bool("not_null")
			cf.Str("description")
			cf.Done()
			// SourceType stays empty: a receiving column has only its canonical
			// type, and a dialect must not mistake "uuid" for its own type name.
			col := connectors.Column{Name: cname.Value, Nullable: !notNull}
			if ctype.IsSet() {
				typ, err := connectors.ParseType(ctype.Value)
				if err != nil {
					ds.add(ctype.Pos, "S001", "%v", err)
				}
				col.Type = typ
			}
			if err := connectors.CheckIdent(cname.Value); cname.IsSet() && err != nil {
				ds.add(cname.Pos, "S001", "column name: %v", err)
			}
			key := t.Name + "." + col.Name
			if _, dup := s.pos[key]; dup {
				ds.add(cname.Pos, "S002", "column %s is declared twice in table %s", col.Name, t.Name)
			}
			s.pos[key] = cname.Pos
			t.Columns = append(t.Columns, col)
		}
		if len(t.Columns) == 0 {
			ds.add(tf.Pos(), "Y003", "table %s has no columns", t.Name)
		}
		for _, k := range pk {
			c := t.Column(k.Value)
			if c == nil {
				ds.add(k.Pos, "S003", "primary key column %s is not a column of table %s", k.Value, t.Name)
				continue
			}
			c.Nullable = false
			t.PrimaryKey = append(t.PrimaryKey, k.Value)
		}
		tf.Done()
		s.Tables = append(s.Tables, t)
	}
	return s, ds
}
