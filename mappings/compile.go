package mappings

import (
	"github.com/regflytt/regflytt/connectors"
)

// Program is a set of compiled table mappings, ready to apply to rows.
type Program struct {
	Tables []*TableProgram
}

// TableProgram applies one table mapping to rows of its source table.
type TableProgram struct {
	Mapping *TableMapping
	// Source is the source table as the source catalogue describes it; rows
	// passed to Apply have its columns in this order.
	Source *connectors.Table
	// Target is the receiving-schema table; Outcome.Row has its columns in
	// this order.
	Target *connectors.Table
	// Key names the source columns that order the scan and identify a
	// record.
	Key []string
	// KeyIndex gives the position of each key column in a source row.
	KeyIndex []int

	cols []columnProgram
}

type columnProgram struct {
	target *connectors.Column
	// src is the source column's position, -1 for a column the mapping
	// leaves NULL.
	src  int
	cast bool
	// scale pads decimals to the target's scale (-1 when not a decimal).
	scale int
}

// ForSource returns the program reading the named source table, or nil.
func (p *Program) ForSource(table string) *TableProgram {
	for _, t := range p.Tables {
		if t.Source.Name == table {
			return t
		}
	}
	return nil
}

// Compile checks mapping files against the source catalogue and the
// receiving schema and compiles them. It reports every problem it finds;
// the Program is usable only when the diagnostics hold no error.
func Compile(files []*File, source []connectors.Table, target *Schema) (*Program, Diagnostics) {
	var ds Diagnostics
	prog := &Program{}
	srcByName := map[string]*connectors.Table{}
	for i := range source {
		srcByName[source[i].Name] = &source[i]
	}
	sourceUsed := map[string]Pos{}
	targetUsed := map[string]bool{}
	for _, f := range files {
		for _, tm := range f.Tables {
			tp := compileTable(tm, srcByName, target, &ds)
			if tp == nil {
				continue
			}
			if first, dup := sourceUsed[tp.Source.Name]; dup {
				ds.add(tm.Source.Pos, "M011", "source table %s is already mapped at %s: each source record needs exactly one outcome", tp.Source.Name, first)
				continue
			}
			sourceUsed[tp.Source.Name] = tm.Source.Pos
			targetUsed[tp.Target.Name] = true
			prog.Tables = append(prog.Tables, tp)
		}
	}
	for _, t := range target.Tables {
		if !targetUsed[t.Name] {
			ds.warn(target.DeclaredAt(t.Name), "M012", "receiving table %s gets no rows from any mapping", t.Name)
		}
	}
	return prog, ds
}

func compileTable(tm *TableMapping, src map[string]*connectors.Table, target *Schema, ds *Diagnostics) *TableProgram {
	st := src[tm.Source.Value]
	if st == nil && tm.Source.IsSet() {
		ds.add(tm.Source.Pos, "M001", "source table %s does not exist in the source database%s", tm.Source.Value, suggest(tm.Source.Value, tableNames(src)))
	}
	tt := target.Table(tm.Target.Value)
	if tt == nil && tm.Target.IsSet() {
		var names []string
		for _, t := range target.Tables {
			names = append(names, t.Name)
		}
		ds.add(tm.Target.Pos, "M002", "target table %s is not in the receiving schema %s%s", tm.Target.Value, target.File, suggest(tm.Target.Value, names))
	}
	if st == nil || tt == nil {
		return nil
	}
	if len(tm.Columns) == 0 {
		return nil // ParseFile reported the missing columns; more would be noise
	}
	tp := &TableProgram{Mapping: tm, Source: st, Target: tt}
	srcNames := columnNames(st)
	tgtNames := columnNames(tt)

	byTarget := map[string]*ColumnMapping{}
	used := map[string]bool{}
	for _, cm := range tm.Columns {
		if tt.Column(cm.Target.Value) == nil {
			ds.add(cm.Target.Pos, "M004", "column %s is not in receiving table %s%s", cm.Target.Value, tt.Name, suggest(cm.Target.Value, tgtNames))
			continue
		}
		if _, dup := byTarget[cm.Target.Value]; dup {
			ds.add(cm.Target.Pos, "M008", "column %s is mapped twice", cm.Target.Value)
			continue
		}
		byTarget[cm.Target.Value] = cm
	}
	for i := range tt.Columns {
		tc := &tt.Columns[i]
		cp := columnProgram{target: tc, src: -1, scale: -1}
		if tc.Type.Kind == connectors.KindDecimal {
			cp.scale = tc.Type.Scale
		}
		cm := byTarget[tc.Name]
		if cm == nil {
			if !tc.Nullable {
				ds.add(tm.Pos, "M005", "NOT NULL column %s.%s gets no value: map it", tt.Name, tc.Name)
			}
			tp.cols = append(tp.cols, cp)
			continue
		}
		cp.src = st.ColumnIndex(cm.From.Value)
		if cp.src < 0 {
			ds.add(cm.From.Pos, "M003", "source table %s has no column %s%s", st.Name, cm.From.Value, suggest(cm.From.Value, srcNames))
			tp.cols = append(tp.cols, cp)
			continue
		}
		used[cm.From.Value] = true
		sk := st.Columns[cp.src].Type.Kind
		if cm.Cast.IsSet() {
			ct, err := connectors.ParseType(cm.Cast.Value)
			switch {
			case err != nil:
				ds.add(cm.Cast.Pos, "M007", "%v", err)
			case ct.Kind != tc.Type.Kind:
				ds.add(cm.Cast.Pos, "M007", "cast to %s, but %s.%s is %v", cm.Cast.Value, tt.Name, tc.Name, tc.Type)
			case !castable(sk, tc.Type.Kind):
				ds.add(cm.Cast.Pos, "M007", "no cast from %s (%s.%s is %s) to %v", sk, st.Name, cm.From.Value, st.Columns[cp.src].SourceType, tc.Type)
			}
			cp.cast = true
		} else if sk != tc.Type.Kind {
			ds.add(cm.From.Pos, "M006", "%s.%s is %s (%s) but %s.%s is %v: add cast: %s", st.Name, cm.From.Value, sk, st.Columns[cp.src].SourceType, tt.Name, tc.Name, tc.Type, tc.Type.Kind)
		}
		tp.cols = append(tp.cols, cp)
	}

	for name, p := range tm.DropPos {
		if st.Column(name) == nil {
			ds.add(p, "M003", "dropped column %s is not in source table %s", name, st.Name)
		}
		if used[name] {
			ds.add(p, "M010", "column %s is both mapped and dropped", name)
		}
	}
	for _, c := range st.Columns {
		if !used[c.Name] && tm.Drop[c.Name].Value == "" {
			ds.warn(tm.Source.Pos, "M010", "source column %s.%s is neither mapped nor dropped: its values are not migrated (list it under drop: with a reason)", st.Name, c.Name)
		}
	}

	tp.Key = st.PrimaryKey
	var keyPos Pos
	if len(tm.Key) > 0 {
		tp.Key = nil
		for _, k := range tm.Key {
			tp.Key = append(tp.Key, k.Value)
			keyPos = k.Pos
		}
	}
	if len(tp.Key) == 0 {
		ds.add(tm.Source.Pos, "M009", "source table %s has no primary key: name unique, not-null key columns with key: [...]", st.Name)
	}
	for _, k := range tp.Key {
		i := st.ColumnIndex(k)
		if i < 0 {
			ds.add(keyPos, "M009", "key column %s is not in source table %s", k, st.Name)
		}
		tp.KeyIndex = append(tp.KeyIndex, i)
	}
	return tp
}

func tableNames(m map[string]*connectors.Table) []string {
	var out []string
	for n := range m {
		out = append(out, n)
	}
	return out
}

func columnNames(t *connectors.Table) []string {
	out := make([]string, len(t.Columns))
	for i, c := range t.Columns {
		out[i] = c.Name
	}
	return out
}
