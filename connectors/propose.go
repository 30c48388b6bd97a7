package connectors

import (
	"bytes"
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"
)

// Receiving-schema proposals: what `regflytt schema` prints. A legacy
// catalogue becomes the receiving tables the type map would make on a
// target dialect, column by column, with every column the target cannot
// hold exactly named with the reason instead of being widened or dropped.

// ColumnPlan is one source column as a receiving schema would declare it.
type ColumnPlan struct {
	Source Column
	// Type is the receiving-schema type (ParseType's notation), valid when
	// Problem is empty or the target alone refuses it.
	Type Type
	// DDL is the target dialect's column type, "" when refused.
	DDL string
	// Problem says why the column cannot be declared as it is: the
	// notation cannot express the source type, or the target cannot hold
	// it. Empty when the column is fine.
	Problem string
}

// TablePlan is one source table as a receiving table on a target.
type TablePlan struct {
	Source  Table
	Columns []ColumnPlan
	// PrimaryKey is the source's key, less any column with a problem.
	PrimaryKey []string
	// CreateSQL is the statement a run's Create would issue for the
	// columns the target holds; empty when it holds none.
	CreateSQL string
	// Problem is set when no CREATE TABLE can be made at all.
	Problem string
}

// Problems counts the columns with a problem.
func (p *TablePlan) Problems() int {
	n := 0
	for _, c := range p.Columns {
		if c.Problem != "" {
			n++
		}
	}
	return n
}

// ReceivingType gives the receiving-schema type that holds every value of
// a source column exactly, or an error saying why the notation has none:
// an unbounded or wider-than-38-digit decimal, or a type with no
// canonical kind.
func ReceivingType(c Column) (Type, error) {
	t := c.Type
	switch t.Kind {
	case KindInvalid:
		return Type{}, fmt.Errorf("source type %q has no canonical type", c.SourceType)
	case KindInt:
		if t.Bits == 0 {
			t.Bits = 64
		}
	case KindFloat:
		if t.Bits != 32 {
			t.Bits = 64
		}
	case KindDecimal:
		switch {
		case t.Precision == 0:
			return Type{}, fmt.Errorf("source type %q is an unbounded decimal: declare decimal(p,s) (p up to 38) for the values it holds, or text", c.SourceType)
		case t.Precision > 38:
			return Type{}, fmt.Errorf("source type %q has %d digits, the receiving notation at most 38: declare decimal(38,s) if the values fit, or text", c.SourceType, t.Precision)
		}
	case KindDateTime, KindTimestamp, KindTime:
		if t.Precision > 7 {
			t.Precision = 7
		}
	}
	parsed, err := ParseType(t.String())
	if err != nil {
		return Type{}, fmt.Errorf("source type %q: %w", c.SourceType, err)
	}
	if parsed != t {
		return Type{}, fmt.Errorf("source type %q (%v) has no exact receiving-schema type", c.SourceType, t)
	}
	return t, nil
}

// PlanSchema proposes the receiving tables for a catalogue on a target
// dialect. It never fails: what cannot be proposed is a Problem.
func PlanSchema(tables []Table, target Dialect) []TablePlan {
	out := make([]TablePlan, 0, len(tables))
	for _, src := range tables {
		tp := TablePlan{Source: src}
		bad := map[string]bool{}
		create := Table{Name: src.Name}
		for _, c := range src.Columns {
			cp := ColumnPlan{Source: c}
			typ, err := ReceivingType(c)
			if err != nil {
				cp.Problem = err.Error()
			} else {
				cp.Type = typ
				ddl, err := target.ColumnType(typ)
				if err != nil {
					cp.Problem = target.Name() + " cannot hold it: " + err.Error()
				} else {
					cp.DDL = ddl
					create.Columns = append(create.Columns, Column{Name: c.Name, Type: typ, Nullable: c.Nullable})
				}
			}
			if cp.Problem != "" {
				bad[c.Name] = true
			}
			tp.Columns = append(tp.Columns, cp)
		}
		for _, k := range src.PrimaryKey {
			if !bad[k] {
				tp.PrimaryKey = append(tp.PrimaryKey, k)
			}
		}
		create.PrimaryKey = tp.PrimaryKey
		if len(create.Columns) == 0 {
			tp.Problem = "no column can be created on " + target.Name()
		} else if ddl, err := CreateTableDDL(target, &create); err != nil {
			tp.Problem = err.Error()
		} else {
			tp.CreateSQL = ddl
		}
		out = append(out, tp)
	}
	return out
}

// WriteSchemaReport prints a catalogue and its proposal for people: per
// table its row estimate, keys and columns (source type, canonical type,
// the target's column or why there is none), then the CREATE TABLE
// statements. source names the database (redacted), target the dialect.
func WriteSchemaReport(w io.Writer, source string, plans []TablePlan, target Dialect) error {
	var b bytes.Buffer
	problems := 0
	fmt.Fprintf(&b, "source %s: %d tables; receiving DDL for %s\n", source, len(plans), target.Name())
	for _, p := range plans {
		t := &p.Source
		rows := "row estimate unknown"
		if t.RowEstimate >= 0 {
			rows = "about " + strconv.FormatInt(t.RowEstimate, 10) + " rows"
		}
		fmt.Fprintf(&b, "\ntable %s (%s)\n", t.Name, rows)
		if len(t.PrimaryKey) > 0 {
			fmt.Fprintf(&b, "  primary key: %s\n", strings.Join(t.PrimaryKey, ", "))
		} else {
			fmt.Fprintf(&b, "  primary key: none (a mapping must name a key to read it in order)\n")
		}
		for _, fk := range t.ForeignKeys {
			fmt.Fprintf(&b, "  foreign key %s: (%s) references %s (%s)\n", fk.Name, strings.Join(fk.Columns, ", "), fk.RefTable, strings.Join(fk.RefColumns, ", "))
		}
		tw := tabwriter.NewWriter(&b, 0, 4, 2, ' ', 0)
		fmt.Fprintf(tw, "  column\tsource type\tnull\tcanonical\t%s\n", target.Name())
		for _, c := range p.Columns {
			src := c.Source.SourceType
			if c.Source.Charset != "" {
				src += " " + c.Source.Charset
			}
			null := "not null"
			if c.Source.Nullable {
				null = "null"
			}
			tgt := c.DDL
			if c.Problem != "" {
				tgt = "-- " + c.Problem
				problems++
			}
			fmt.Fprintf(tw, "  %s\t%s\t%s\t%v\t%s\n", c.Source.Name, src, null, c.Source.Type, tgt)
		}
		if err := tw.Flush(); err != nil {
			return err
		}
		if p.Problem != "" {
			fmt.Fprintf(&b, "  -- no table: %s\n", p.Problem)
		}
	}
	fmt.Fprintf(&b, "\n-- receiving DDL for %s, as a run's Create would issue it\n", target.Name())
	for _, p := range plans {
		if p.CreateSQL == "" {
			fmt.Fprintf(&b, "\n-- table %s: %s\n", p.Source.Name, p.Problem)
			continue
		}
		for _, c := range p.Columns {
			if c.Problem != "" {
				fmt.Fprintf(&b, "\n-- %s.%s (%s) left out: %s", p.Source.Name, c.Source.Name, c.Source.SourceType, c.Problem)
			}
		}
		fmt.Fprintf(&b, "\n%s;\n", p.CreateSQL)
	}
	if problems > 0 {
		fmt.Fprintf(&b, "\n%d column(s) cannot be created as they are on %s: declare them in the receiving schema, or drop them in the mapping with a reason.\n", problems, target.Name())
	}
	_, err := w.Write(b.Bytes())
	return err
}

// WriteReceivingYAML writes the proposal as a receiving-schema file in
// the format mappings.LoadSchema reads (see
// plans/demo/schema.yaml): a starting point, to be
// reviewed. A column with a problem is written commented out, with the
// reason, so the file loads and the mapping check asks about the column.
func WriteReceivingYAML(w io.Writer, platform, source string, plans []TablePlan, target Dialect) error {
	var b bytes.Buffer
	fmt.Fprintf(&b, "# Receiving schema proposed by `regflytt schema` from %s for %s.\n", source, target.Name())
	b.WriteString("# A starting point: review names, types, keys and NOT NULL before a migration uses it.\n")
	fmt.Fprintf(&b, "platform: %s\n", yamlScalar(platform))
	fmt.Fprintf(&b, "description: %s\n", yamlScalar("Proposed from "+source+" for "+target.Name()))
	b.WriteString("tables:\n")
	for i, p := range plans {
		if i > 0 {
			b.WriteString("\n")
		}
		indent := "  "
		if p.CreateSQL == "" {
			fmt.Fprintf(&b, "  # table %s left out: %s\n", p.Source.Name, p.Problem)
			indent = "  # "
		}
		fmt.Fprintf(&b, "%s- name: %s\n", indent, yamlScalar(p.Source.Name))
		if len(p.PrimaryKey) != len(p.Source.PrimaryKey) {
			fmt.Fprintf(&b, "%s  # the source's primary key is (%s); a column of it cannot be declared as it is\n", indent, strings.Join(p.Source.PrimaryKey, ", "))
		}
		if len(p.PrimaryKey) > 0 {
			keys := make([]string, len(p.PrimaryKey))
			for j, k := range p.PrimaryKey {
				keys[j] = yamlScalar(k)
			}
			fmt.Fprintf(&b, "%s  primary_key: [%s]\n", indent, strings.Join(keys, ", "))
		}
		fmt.Fprintf(&b, "%s  columns:\n", indent)
		for _, c := range p.Columns {
			col := "{name: " + yamlScalar(c.Source.Name) + ", type: "
			if c.Problem != "" {
				fmt.Fprintf(&b, "%s    # %s (%s): %s\n", indent, c.Source.Name, c.Source.SourceType, c.Problem)
				col += "?"
			} else {
				col += yamlScalar(c.Type.String())
			}
			if !c.Source.Nullable && !contains(p.PrimaryKey, c.Source.Name) {
				col += ", not_null: true"
			}
			st := c.Source.SourceType
			if st == "" {
				st = "(no declared type)"
			}
			col += ", description: " + yamlScalar("source "+st) + "}"
			prefix := indent + "    "
			if c.Problem != "" && p.CreateSQL != "" {
				prefix = indent + "    # "
			}
			fmt.Fprintf(&b, "%s- %s\n", prefix, col)
		}
	}
	_, err := w.Write(b.Bytes())
	return err
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// yamlScalar writes s as a YAML scalar: bare when it is a plain word that
// YAML reads back as the same string, double-quoted otherwise (JSON's
// escapes are YAML's).
func yamlScalar(s string) string {
	plain := s != ""
	for i, r := range s {
		ok := r == '_' || r == '-' || r == '.' || (r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z') || (r >= '0' && r <= '9') ||
			(r == ' ' && i > 0 && i < len(s)-1) || (r == '(' || r == ')')
		if !ok {
			plain = false
			break
		}
	}
	if plain {
		switch strings.ToLower(s) {
		case "true", "false", "yes", "no", "on", "off", "null", "y", "n", "~":
			plain = false
		}
		if c := s[0]; c == '-' || c == '.' || (c >= '0' && c <= '9') {
			plain = false // numbers and YAML's indicators
		}
	}
	if plain {
		return s
	}
	return strconv.Quote(s)
}
