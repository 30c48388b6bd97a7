package mappings

import (
	"slices"
	"strings"

	"gopkg.in/yaml.v3"

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
//	      - {name: registered, type: datetime, default: current_timestamp}
//	    indexes:
//	      - {name: ix_visit_date, columns: [visit_date]}
//	    foreign_keys:
//	      - {name: fk_visit_patient, columns: [patient_id], references: {table: patient, columns: [id]}}
//
// Columns are nullable unless not_null is true; primary-key columns are
// always NOT NULL. Types use the notation of connectors.ParseType. A
// column's default is a value of its type (current_timestamp on a date,
// datetime or timestamptz column is the moment of the insert); identity:
// true numbers new rows past the highest migrated one. Defaults,
// identities, indexes (unique: true or not) and foreign keys are created
// after the load (connectors.ConstraintCreator).
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
	var pendingFKs []pendingFK
	// foldedTables holds each table's name as the platforms that compare
	// table names without case see it (as folded does a table's columns).
	foldedTables := map[string]Str{}
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
		} else if first, ok := foldedTables[foldColumnName(name.Value)]; ok && name.IsSet() {
			ds.add(name.Pos, "S002", "table %q is table %q (at %s) to MariaDB with lower_case_table_names, SQL Server's default collation and SQLite, which compare table names without case (MariaDB and SQL Server without trailing spaces too), so the second could not be created there: rename one of them", name.Value, first.Value, first.Pos)
		}
		if name.IsSet() {
			if _, ok := foldedTables[foldColumnName(name.Value)]; !ok {
				foldedTables[foldColumnName(name.Value)] = name
			}
			if strings.TrimRight(name.Value, " ") != name.Value {
				ds.add(name.Pos, "S001", "table name %q ends in a space, which MariaDB refuses (Incorrect table name) and SQL Server ignores: leave the space out", name.Value)
			}
		}
		s.pos[t.Name] = name.Pos
		pk := tf.Strs("primary_key")
		var extras []columnExtras
		// folded holds each column's name as the platforms that compare
		// column names without case (MariaDB, SQL Server, SQLite) and
		// trailing spaces (MariaDB, SQL Server) see it.
		folded := map[string]Str{}
		for _, cn := range tf.Seq("columns") {
			cf := ReadFields(path, cn, &ds, "a column")
			cname := cf.Required("name")
			ctype := cf.Required("type")
			notNull := cf.Bool("not_null")
			cf.Str("description")
			ex := readColumnExtras(cf)
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
			} else if first, ok := folded[foldColumnName(cname.Value)]; ok && cname.IsSet() {
				ds.add(cname.Pos, "S002", "column %q of table %s is column %q (at %s) to MariaDB, SQL Server and SQLite, which compare column names without case (MariaDB and SQL Server without trailing spaces too), so the table could not be created there: rename one of them", cname.Value, t.Name, first.Value, first.Pos)
			}
			if cname.IsSet() {
				if _, ok := folded[foldColumnName(cname.Value)]; !ok {
					folded[foldColumnName(cname.Value)] = cname
				}
				if strings.TrimRight(cname.Value, " ") != cname.Value {
					ds.add(cname.Pos, "S001", "column name %q ends in a space, which MariaDB refuses (Incorrect column name) and SQL Server ignores: leave the space out", cname.Value)
				}
			}
			s.pos[key] = cname.Pos
			t.Columns = append(t.Columns, col)
			extras = append(extras, ex)
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
		for i := range extras {
			extras[i].apply(&t, i, &ds)
		}
		pendingFKs = append(pendingFKs, s.readIndexesAndKeys(tf, &t, len(s.Tables), &ds)...)
		tf.Done()
		s.Tables = append(s.Tables, t)
	}
	for _, fk := range pendingFKs {
		s.checkReference(fk, &ds)
	}
	return s, ds
}

// columnExtras is what a column declares beyond its type, read before the
// type is known to be valid.
type columnExtras struct {
	def      Str
	defNull  bool
	identity Str
}

func readColumnExtras(cf *Fields) columnExtras {
	var ex columnExtras
	if n := cf.Node("default"); n != nil && n.Kind == yaml.ScalarNode && n.Tag == "!!null" {
		ex.defNull = true
		ex.def = Str{Pos: PosOf(cf.File(), n)}
		cf.Str("default")
	} else {
		ex.def = cf.Str("default")
	}
	ex.identity = cf.Str("identity")
	return ex
}

// apply checks the extras of column i of t against its type and sets them.
func (ex columnExtras) apply(t *connectors.Table, i int, ds *Diagnostics) {
	c := &t.Columns[i]
	if ex.def.IsSet() {
		switch {
		case ex.defNull:
			ds.add(ex.def.Pos, "S006", "column %s.%s: a default of null is no default: leave the field out", t.Name, c.Name)
		case c.Type.Kind != connectors.KindInvalid:
			d := &connectors.Default{Value: ex.def.Value}
			if strings.EqualFold(ex.def.Value, "current_timestamp") && (c.Type.Kind == connectors.KindDate || c.Type.Kind == connectors.KindDateTime || c.Type.Kind == connectors.KindTimestamp) {
				d = &connectors.Default{Now: true}
			}
			if err := connectors.CheckDefault(c.Type, d); err != nil {
				ds.add(ex.def.Pos, "S006", "column %s.%s: %v", t.Name, c.Name, err)
			} else {
				c.Default = d
			}
		}
	}
	if !ex.identity.IsSet() {
		return
	}
	switch strings.ToLower(ex.identity.Value) {
	case "true":
	case "false":
		return
	default:
		ds.add(ex.identity.Pos, "Y001", "identity must be true or false")
		return
	}
	switch {
	case c.Type.Kind != connectors.KindInvalid && (c.Type.Kind != connectors.KindInt || (c.Type.Unsigned && c.Type.Bits == 64)):
		ds.add(ex.identity.Pos, "S007", "column %s.%s: an identity column is an integer (bigint unsigned excepted: PostgreSQL and SQLite have none), not %v", t.Name, c.Name, c.Type)
	case c.Default != nil:
		ds.add(ex.identity.Pos, "S007", "column %s.%s: an identity column numbers its rows itself and takes no default", t.Name, c.Name)
	case !contains(t.PrimaryKey, c.Name):
		ds.add(ex.identity.Pos, "S007", "column %s.%s: an identity column must be a column of the primary key (MariaDB numbers only a key's column)", t.Name, c.Name)
	}
	for j := 0; j < i; j++ {
		if t.Columns[j].Identity {
			ds.add(ex.identity.Pos, "S007", "table %s has a second identity column %s (one per table: %s)", t.Name, c.Name, t.Columns[j].Name)
			return
		}
	}
	c.Identity = true
}

// pendingFK is a foreign key whose referenced table may be declared later
// in the file.
type pendingFK struct {
	table    int
	fk       int
	refTable Str
	refCols  []Str
	pos      Pos
}

// readIndexesAndKeys reads a table's indexes and foreign keys; the
// references are checked once every table is read.
func (s *Schema) readIndexesAndKeys(tf *Fields, t *connectors.Table, ti int, ds *Diagnostics) []pendingFK {
	file := tf.File()
	columns := func(what string, cols []Str, pos Pos) ([]string, bool) {
		if len(cols) == 0 {
			ds.add(pos, "S004", "%s has no columns", what)
			return nil, false
		}
		ok := true
		var out []string
		for _, c := range cols {
			if t.Column(c.Value) == nil {
				ds.add(c.Pos, "S004", "%s: %s is not a column of table %s", what, c.Value, t.Name)
				ok = false
			}
			out = append(out, c.Value)
		}
		return out, ok
	}
	name := func(kind string, n Str) bool {
		if !n.IsSet() {
			return false
		}
		if err := connectors.CheckIdent(n.Value); err != nil {
			ds.add(n.Pos, "S001", "%s name: %v", kind, err)
			return false
		}
		// Index names share one namespace with tables on PostgreSQL, and
		// foreign-key names are unique per database on MariaDB.
		key := "\x00" + kind + "\x00" + n.Value
		if at, dup := s.pos[key]; dup {
			ds.add(n.Pos, "S002", "%s %s is declared twice (first at %s): names are unique in the whole schema", kind, n.Value, at)
			return false
		}
		s.pos[key] = n.Pos
		return true
	}
	for _, in := range tf.Seq("indexes") {
		f := ReadFields(file, in, ds, "an index")
		n := f.Required("name")
		cols := f.Strs("columns")
		unique := f.Bool("unique")
		f.Str("description")
		f.Done()
		okName := name("index", n)
		if _, dup := s.pos[n.Value]; okName && dup {
			ds.add(n.Pos, "S002", "index %s has the name of a table (PostgreSQL keeps both in one namespace)", n.Value)
		}
		cs, ok := columns("index "+n.Value, cols, f.Pos())
		if okName && ok {
			t.Indexes = append(t.Indexes, connectors.Index{Name: n.Value, Columns: cs, Unique: unique})
		}
	}
	var pending []pendingFK
	for _, fn := range tf.Seq("foreign_keys") {
		f := ReadFields(file, fn, ds, "a foreign key")
		n := f.Required("name")
		cols := f.Strs("columns")
		f.Str("description")
		ref := f.Node("references")
		if ref == nil {
			ds.add(f.Pos(), "Y003", "missing field %q", "references")
		}
		f.Done()
		rf := ReadFields(file, ref, ds, "references")
		var refTable Str
		var refCols []Str
		if ref != nil {
			refTable = rf.Required("table")
			refCols = rf.Strs("columns")
			rf.Done()
		}
		okName := name("foreign key", n)
		cs, ok := columns("foreign key "+n.Value, cols, f.Pos())
		if !okName || !ok || ref == nil || !refTable.IsSet() {
			continue
		}
		t.ForeignKeys = append(t.ForeignKeys, connectors.ForeignKey{Name: n.Value, Columns: cs, RefTable: refTable.Value})
		pending = append(pending, pendingFK{table: ti, fk: len(t.ForeignKeys) - 1, refTable: refTable, refCols: refCols, pos: n.Pos})
	}
	return pending
}

// checkReference checks that a foreign key refers to a declared table's
// primary key or unique index, column for column of the same type: what
// every receiving dialect needs to create it.
func (s *Schema) checkReference(p pendingFK, ds *Diagnostics) {
	t := &s.Tables[p.table]
	fk := &t.ForeignKeys[p.fk]
	rt := s.Table(p.refTable.Value)
	if rt == nil {
		ds.add(p.refTable.Pos, "S005", "foreign key %s references table %s, which the schema does not declare", fk.Name, p.refTable.Value)
		return
	}
	var refs []string
	for _, rc := range p.refCols {
		if rt.Column(rc.Value) == nil {
			ds.add(rc.Pos, "S005", "foreign key %s: %s is not a column of table %s", fk.Name, rc.Value, rt.Name)
			return
		}
		refs = append(refs, rc.Value)
	}
	if len(refs) == 0 {
		refs = rt.PrimaryKey // references: {table: t} is t's primary key
	}
	if len(refs) != len(fk.Columns) {
		ds.add(p.pos, "S005", "foreign key %s has %d column(s) but refers to %d of table %s", fk.Name, len(fk.Columns), len(refs), rt.Name)
		return
	}
	keyed := sameSet(refs, rt.PrimaryKey)
	for _, ix := range rt.Indexes {
		keyed = keyed || (ix.Unique && sameSet(refs, ix.Columns))
	}
	if !keyed {
		ds.add(p.pos, "S005", "foreign key %s refers to (%s) of table %s, which is neither its primary key nor a unique index", fk.Name, strings.Join(refs, ", "), rt.Name)
		return
	}
	for i, c := range fk.Columns {
		a, b := t.Column(c), rt.Column(refs[i])
		if a.Type.Kind != connectors.KindInvalid && b.Type.Kind != connectors.KindInvalid && a.Type != b.Type {
			ds.add(p.pos, "S005", "foreign key %s: %s.%s is %v but %s.%s is %v (the types must be the same)", fk.Name, t.Name, c, a.Type, rt.Name, refs[i], b.Type)
			return
		}
	}
	fk.RefColumns = refs
}

// sameSet reports whether a and b, each without repeats, hold the same
// elements (and some).
func sameSet[T comparable](a, b []T) bool {
	if len(a) != len(b) || len(a) == 0 {
		return false
	}
	for _, x := range a {
		if !slices.Contains(b, x) {
			return false
		}
	}
	return true
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// foldColumnName is a column name as MariaDB and SQL Server (default
// collation) compare it: without case, and without trailing spaces.
// SQLite compares column names without ASCII case.
func foldColumnName(name string) string {
	return connectors.FoldedName(name)
}
