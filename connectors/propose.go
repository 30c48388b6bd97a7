package connectors

import (
	"bytes"
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"
	"unicode/utf8"
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
	// Cast is set when Type's kind differs from the source's (bigint
	// unsigned as decimal(20,0)), so a mapping must convert the value.
	Cast bool
	// DDL is the target dialect's column type, "" when refused.
	DDL string
	// Problem says why the column cannot be declared as it is: the
	// notation cannot express the source type, or the target cannot hold
	// it. Empty when the column is fine.
	Problem string
	// Default and Identity are the source's, as the receiving column
	// declares them (nil, false when it cannot: see TablePlan.LeftOut).
	Default  *Default
	Identity bool
	// Note says why Type is not what the catalogue alone proposes (a
	// MariaDB TIME holding durations as text: BeyondDay), "" when it is.
	Note string
}

// TablePlan is one source table as a receiving table on a target.
type TablePlan struct {
	Source  Table
	Columns []ColumnPlan
	// PrimaryKey is the source's key, less any column with a problem.
	PrimaryKey []string
	// Indexes and ForeignKeys are the source's that the receiving table
	// declares: over columns it has, named uniquely in the schema.
	Indexes     []Index
	ForeignKeys []ForeignKey
	// LeftOut names what the source has and the proposal does not carry,
	// with the reason ("index ix_x: column y cannot be created").
	LeftOut []string
	// CreateSQL is the statement a run's Create would issue for the
	// columns the target holds; empty when it holds none.
	CreateSQL string
	// AfterLoad are the statements a run issues after the load (defaults,
	// identity, indexes, foreign keys), when the target dialect says them
	// (ConstraintDDL).
	AfterLoad []string
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

// ConstraintDDL is implemented by dialects that can say, without a
// connection, the statements their ConstraintCreator issues after the
// load for a table: `regflytt schema` prints them.
type ConstraintDDL interface {
	ConstraintStatements(t *Table) ([]string, error)
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

// ProposedType is the receiving type the proposal declares for a column
// from its declared type alone: ReceivingType, with what no receiving
// dialect but MariaDB holds made portable. bigint unsigned becomes
// decimal(20,0), which holds 0..18446744073709551615, with cast set. The
// scan refines it from the values (connectors/scan); `regflytt schema`
// and `init --source` print it as it is.
func ProposedType(c Column) (t Type, cast bool, err error) {
	t, err = ReceivingType(c)
	if err != nil {
		return Type{}, false, err
	}
	if t.Kind == KindInt && t.Unsigned && t.Bits == 64 {
		return Type{Kind: KindDecimal, Precision: 20, Scale: 0}, true, nil
	}
	return t, false, nil
}

// PlanSchema proposes the receiving tables for a catalogue on a target
// dialect. It never fails: what cannot be proposed is a Problem.
func PlanSchema(tables []Table, target Dialect) []TablePlan {
	out := make([]TablePlan, 0, len(tables))
	for _, src := range tables {
		tp := TablePlan{Source: src}
		for _, c := range src.Columns {
			cp := ColumnPlan{Source: c}
			typ, cast, err := ProposedType(c)
			if err != nil {
				cp.Problem = err.Error()
			} else {
				cp.Type, cp.Cast = typ, cast
			}
			tp.Columns = append(tp.Columns, cp)
		}
		out = append(out, tp)
	}
	FinishPlans(out, target)
	return out
}

// FinishPlans completes proposals whose column types are set (Type, or
// Problem): each column's DDL on the target, the primary key, defaults
// and identities the types allow, the indexes and foreign keys over
// columns and tables that can be created (named uniquely in the schema),
// and the CREATE TABLE and after-load statements. PlanSchema calls it;
// the scan calls it again after correcting types from the profile.
func FinishPlans(plans []TablePlan, target Dialect) {
	byName := map[string]*TablePlan{}
	// tables holds the proposed tables' names as FoldedName sees them.
	tables := map[string]string{}
	for i := range plans {
		tp := &plans[i]
		byName[tp.Source.Name] = tp
		tp.LeftOut, tp.Indexes, tp.ForeignKeys = nil, nil, nil
		tp.PrimaryKey = nil
		tp.Problem, tp.CreateSQL, tp.AfterLoad = "", "", nil
		good := 0
		folded := map[string]string{}
		for ci := range tp.Columns {
			cp := &tp.Columns[ci]
			cp.DDL, cp.Default, cp.Identity = "", nil, false
			if cp.Problem != "" && cp.Type.Kind != KindInvalid && strings.HasPrefix(cp.Problem, target.Name()+" cannot hold it") {
				cp.Problem = "" // recomputed below
			}
			if cp.Problem == "" {
				cp.Problem = nameProblem("column", cp.Source.Name, folded)
			}
			if cp.Problem != "" {
				continue
			}
			ddl, err := target.ColumnType(cp.Type)
			if err != nil {
				cp.Problem = target.Name() + " cannot hold it: " + err.Error()
				continue
			}
			cp.DDL = ddl
			good++
		}
		for _, k := range tp.Source.PrimaryKey {
			if c := tp.column(k); c != nil && c.Problem == "" {
				tp.PrimaryKey = append(tp.PrimaryKey, k)
			}
		}
		if good == 0 {
			tp.Problem = "no column can be created on " + target.Name()
		} else {
			tp.Problem = nameProblem("table", tp.Source.Name, tables)
		}
		for ci := range tp.Columns {
			tp.Columns[ci].carry(tp)
		}
	}
	names := uniqueNames(plans)
	for i := range plans {
		tp := &plans[i]
		if tp.Problem != "" {
			continue
		}
		for _, ix := range tp.Source.Indexes {
			if bad := tp.badColumn(ix.Columns); bad != "" {
				tp.LeftOut = append(tp.LeftOut, fmt.Sprintf("index %s: column %s cannot be declared", ix.Name, bad))
				continue
			}
			ix.Name = names["index\x00"+tp.Source.Name+"\x00"+ix.Name]
			tp.Indexes = append(tp.Indexes, ix)
		}
	}
	for i := range plans {
		tp := &plans[i]
		if tp.Problem != "" {
			continue
		}
		for _, fk := range tp.Source.ForeignKeys {
			if why := tp.checkReference(&fk, byName); why != "" {
				tp.LeftOut = append(tp.LeftOut, fmt.Sprintf("foreign key %s: %s", fk.Name, why))
				continue
			}
			fk.Name = names["fk\x00"+tp.Source.Name+"\x00"+fk.Name]
			tp.ForeignKeys = append(tp.ForeignKeys, fk)
		}
		create := tp.Declared()
		if ddl, err := CreateTableDDL(target, &create); err != nil {
			tp.Problem = err.Error()
		} else {
			tp.CreateSQL = ddl
		}
		if cd, ok := target.(ConstraintDDL); ok && tp.CreateSQL != "" {
			stmts, err := cd.ConstraintStatements(&create)
			if err != nil {
				tp.LeftOut = append(tp.LeftOut, err.Error())
			}
			tp.AfterLoad = stmts
		}
	}
}

// FoldedName is a table or column name as MariaDB (lower_case_table_names
// for tables), SQL Server's default collation and SQLite compare it:
// without case, and (MariaDB, SQL Server) without trailing spaces. Two
// names that fold alike are one table or column there, so a receiving
// schema may not declare both (mappings' S002).
func FoldedName(name string) string {
	return strings.ToLower(strings.TrimRight(name, " "))
}

// nameProblem says why a proposed table or column (what) cannot keep its
// source name in a receiving schema, "" when it can: the name ends in a
// space (MariaDB refuses it, SQL Server drops it), or folds like one
// proposed before it, which seen holds (FoldedName to the name), and
// which it then joins.
func nameProblem(what, name string, seen map[string]string) string {
	if strings.TrimRight(name, " ") != name {
		return "the name ends in a space, which MariaDB refuses and SQL Server ignores: a receiving schema cannot declare it (S001); map it to a " + what + " named without the space"
	}
	if first, ok := seen[FoldedName(name)]; ok {
		return fmt.Sprintf("%s %q is %s %q to MariaDB, SQL Server and SQLite, which compare names without case: a receiving schema cannot declare both (S002); map it to a %s of another name", what, name, what, first, what)
	}
	seen[FoldedName(name)] = name
	return ""
}

// Declared is the receiving table the proposal declares: the columns the
// target holds with their receiving types, defaults and identities, the
// key, indexes and foreign keys.
func (p *TablePlan) Declared() Table {
	t := Table{Name: p.Source.Name, PrimaryKey: p.PrimaryKey, Indexes: p.Indexes, ForeignKeys: p.ForeignKeys, RowEstimate: -1}
	for _, c := range p.Columns {
		if c.Problem == "" {
			t.Columns = append(t.Columns, Column{Name: c.Source.Name, Type: c.Type, Nullable: c.Source.Nullable && !contains(p.PrimaryKey, c.Source.Name), Default: c.Default, Identity: c.Identity})
		}
	}
	return t
}

func (p *TablePlan) column(name string) *ColumnPlan {
	for i := range p.Columns {
		if p.Columns[i].Source.Name == name {
			return &p.Columns[i]
		}
	}
	return nil
}

// badColumn names the first of cols the receiving table does not have.
func (p *TablePlan) badColumn(cols []string) string {
	for _, c := range cols {
		if cp := p.column(c); cp == nil || cp.Problem != "" {
			return c
		}
	}
	return ""
}

// carry sets the column's default and identity where its receiving type
// allows them, and says what it leaves out.
func (c *ColumnPlan) carry(tp *TablePlan) {
	if c.Problem != "" {
		return
	}
	name := c.Source.Name
	if d := c.Source.Default; d != nil {
		if err := CheckDefault(c.Type, d); err != nil {
			tp.LeftOut = append(tp.LeftOut, fmt.Sprintf("default of %s: %v", name, err))
		} else {
			c.Default = d
		}
	}
	if !c.Source.Identity {
		return
	}
	switch {
	case c.Type.Kind != KindInt:
		tp.LeftOut = append(tp.LeftOut, fmt.Sprintf("identity of %s: the receiving type %v cannot number rows (declare it an integer type if every value fits)", name, c.Type))
	case !contains(tp.PrimaryKey, name):
		tp.LeftOut = append(tp.LeftOut, fmt.Sprintf("identity of %s: not a column of the primary key", name))
	default:
		c.Identity, c.Default = true, nil
	}
}

// checkReference says why a foreign key cannot be declared, "" when it
// can; it fills in RefColumns the catalogue left empty (SQLite's
// REFERENCES t, meaning t's primary key).
func (p *TablePlan) checkReference(fk *ForeignKey, byName map[string]*TablePlan) string {
	if bad := p.badColumn(fk.Columns); bad != "" {
		return "column " + bad + " cannot be declared"
	}
	rt := byName[fk.RefTable]
	if rt == nil || rt.Problem != "" {
		return "table " + fk.RefTable + " is not in the proposal"
	}
	refs := append([]string(nil), fk.RefColumns...)
	if len(refs) == 0 || contains(refs, "") {
		refs = rt.PrimaryKey
	}
	if len(refs) != len(fk.Columns) {
		return "its columns do not match " + fk.RefTable + "'s key"
	}
	if bad := rt.badColumn(refs); bad != "" {
		return "column " + fk.RefTable + "." + bad + " cannot be declared"
	}
	keyed := sameSet(refs, rt.PrimaryKey)
	for _, ix := range rt.Indexes {
		keyed = keyed || (ix.Unique && sameSet(refs, ix.Columns))
	}
	if !keyed {
		return "it refers to (" + strings.Join(refs, ", ") + ") of " + fk.RefTable + ", neither its primary key nor a unique index"
	}
	for i, c := range fk.Columns {
		if a, b := p.column(c).Type, rt.column(refs[i]).Type; a != b {
			return fmt.Sprintf("%s is %v but %s.%s is %v", c, a, fk.RefTable, refs[i], b)
		}
	}
	fk.RefColumns = refs
	return ""
}

func sameSet(a, b []string) bool {
	if len(a) != len(b) || len(a) == 0 {
		return false
	}
	for _, x := range a {
		if !contains(b, x) {
			return false
		}
	}
	return true
}

// uniqueNames names every index and foreign key of the proposal uniquely
// in the schema: a receiving schema requires it (PostgreSQL keeps index
// and table names in one namespace; MariaDB's foreign-key names are
// unique per database), while MariaDB's index names are unique per table
// only (sakila has idx_fk_film_id on two tables). A name used more than
// once, or that is a table's, becomes <table>_<name>.
func uniqueNames(plans []TablePlan) map[string]string {
	count := map[string]int{}
	for _, tp := range plans {
		count["table\x00"+tp.Source.Name]++
		for _, ix := range tp.Source.Indexes {
			count["index\x00"+ix.Name]++
		}
		for _, fk := range tp.Source.ForeignKeys {
			count["fk\x00"+fk.Name]++
		}
	}
	out := map[string]string{}
	used := map[string]bool{}
	name := func(kind, table, n string) {
		final := n
		if count[kind+"\x00"+n] > 1 || (kind == "index" && count["table\x00"+n] > 0) {
			final = table + "_" + n
		}
		if CheckIdent(final) != nil {
			final = truncateIdent(final)
		}
		for i := 2; used[kind+"\x00"+final]; i++ {
			final = truncateIdent(fmt.Sprintf("%s_%d", n, i))
		}
		used[kind+"\x00"+final] = true
		out[kind+"\x00"+table+"\x00"+n] = final
	}
	for _, tp := range plans {
		for _, ix := range tp.Source.Indexes {
			name("index", tp.Source.Name, ix.Name)
		}
		for _, fk := range tp.Source.ForeignKeys {
			name("fk", tp.Source.Name, fk.Name)
		}
	}
	return out
}

// truncateIdent cuts a name to MaxIdentLength bytes on a rune boundary.
func truncateIdent(s string) string {
	for len(s) > MaxIdentLength {
		_, size := utf8.DecodeLastRuneInString(s)
		s = s[:len(s)-size]
	}
	return s
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
			} else if c.Note != "" {
				tgt += " -- " + c.Note
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
	after := false
	for _, p := range plans {
		if len(p.AfterLoad) == 0 && len(p.LeftOut) == 0 {
			continue
		}
		if !after {
			fmt.Fprintf(&b, "\n-- after the load: defaults, identities, indexes and foreign keys, as a run creates them on %s\n", target.Name())
			after = true
		}
		for _, l := range p.LeftOut {
			fmt.Fprintf(&b, "-- %s: not carried: %s\n", p.Source.Name, l)
		}
		for _, st := range p.AfterLoad {
			if !strings.Contains(st, " FOREIGN KEY (") {
				fmt.Fprintf(&b, "%s;\n", st)
			}
		}
	}
	// Foreign keys last, as a run creates them: they may refer to a unique
	// index of a table printed after theirs.
	for _, p := range plans {
		for _, st := range p.AfterLoad {
			if strings.Contains(st, " FOREIGN KEY (") {
				fmt.Fprintf(&b, "%s;\n", st)
			}
		}
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
			if c.Identity {
				col += ", identity: true"
			}
			if c.Default != nil {
				col += ", default: " + yamlScalar(c.Default.String())
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
			if c.Note != "" {
				fmt.Fprintf(&b, "%s# %s: %s\n", prefix, c.Source.Name, c.Note)
			}
			fmt.Fprintf(&b, "%s- %s\n", prefix, col)
		}
		if len(p.Indexes) > 0 {
			fmt.Fprintf(&b, "%s  indexes:\n", indent)
			for _, ix := range p.Indexes {
				u := ""
				if ix.Unique {
					u = ", unique: true"
				}
				fmt.Fprintf(&b, "%s    - {name: %s, columns: %s%s}\n", indent, yamlScalar(ix.Name), yamlList(ix.Columns), u)
			}
		}
		if len(p.ForeignKeys) > 0 {
			fmt.Fprintf(&b, "%s  foreign_keys:\n", indent)
			for _, fk := range p.ForeignKeys {
				fmt.Fprintf(&b, "%s    - {name: %s, columns: %s, references: {table: %s, columns: %s}}\n", indent, yamlScalar(fk.Name), yamlList(fk.Columns), yamlScalar(fk.RefTable), yamlList(fk.RefColumns))
			}
		}
		for _, l := range p.LeftOut {
			fmt.Fprintf(&b, "%s  # not carried: %s\n", indent, l)
		}
	}
	_, err := w.Write(b.Bytes())
	return err
}

func yamlList(names []string) string {
	q := make([]string, len(names))
	for i, n := range names {
		q[i] = yamlScalar(n)
	}
	return "[" + strings.Join(q, ", ") + "]"
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

// ParentLinks picks, per table, the one foreign key a starting mapping
// declares as its parent (a mapping has one parent: the record follows
// its parent's outcome, and an orphan is archived instead of breaking the
// foreign key created after the load). It is the first foreign key the
// proposal carries whose table is in mapped, that refers to that table's
// whole primary key in order, that is not a self-reference, and that
// closes no cycle with the links picked before it. Tables are taken in
// plan order.
func ParentLinks(plans []TablePlan, mapped map[string]bool) map[string]ForeignKey {
	byName := map[string]*TablePlan{}
	for i := range plans {
		byName[plans[i].Source.Name] = &plans[i]
	}
	links := map[string]ForeignKey{}
	reaches := func(from, to string) bool {
		for n := 0; n <= len(plans); n++ {
			fk, ok := links[from]
			if !ok {
				return false
			}
			if fk.RefTable == to {
				return true
			}
			from = fk.RefTable
		}
		return true
	}
	for _, tp := range plans {
		child := tp.Source.Name
		if !mapped[child] {
			continue
		}
		for _, fk := range tp.ForeignKeys {
			parent := byName[fk.RefTable]
			if parent == nil || !mapped[fk.RefTable] || fk.RefTable == child ||
				strings.Join(fk.RefColumns, "\x00") != strings.Join(parent.Source.PrimaryKey, "\x00") ||
				reaches(fk.RefTable, child) {
				continue
			}
			links[child] = fk
			break
		}
	}
	return links
}
