package scan

import (
	"bytes"
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/regflytt/regflytt/connectors"
	"github.com/regflytt/regflytt/mappings/lexical"
)

// The mapping skeleton: a plan, a receiving schema, a mapping and code
// lists, all in one directory, that `regflytt plan check` and `regflytt
// map check` accept as they are. One receiving column per source column
// (or EAV attribute); identity numbers become pseudonyms; codes go
// through code lists pre-filled with the codes observed, each mapped to
// itself. It is a start: every name and type is for people to review.

// maxCodes is the most codes a column may have to get a code list.
const maxCodes = 50

// q quotes a YAML scalar: JSON's double-quoted strings are YAML's.
func q(s string) string { return strconv.Quote(s) }

type skelColumn struct {
	name, typ string
	notNull   bool
	// def and identity are the proposal's, for a column kept as proposed.
	def      *connectors.Default
	identity bool
	// mapping is the right-hand side of the column in the mapping.
	mapping string
	// comment, when set, is written above the column in the mapping.
	comment string
}

type skelTable struct {
	target, source string
	eav            *EAV
	key            []string
	person         string
	columns        []skelColumn
	drop           map[string]string
	// plan is the proposal of a table mapped one to one, whose indexes
	// and foreign keys the skeleton declares where it keeps their columns.
	plan        *connectors.TablePlan
	indexes     []connectors.Index
	foreignKeys []connectors.ForeignKey
	// parent is the foreign key the mapping declares as its parent.
	parent *connectors.ForeignKey
}

type skelCodeList struct {
	name  string
	codes []string
	// withheld counts the observed values left out for holding an
	// identity number: a patient's typed into a code column is no code,
	// and the skeleton is a file people review, mail and commit.
	withheld int
}

// SkeletonFile is one file of a mapping skeleton: its name in the
// skeleton's directory and its text.
type SkeletonFile struct {
	Name string
	Data []byte
}

// SkeletonNames are the names of the files Skeleton gives, in its order,
// so that a caller can refuse to replace them before it scans.
func SkeletonNames() []string {
	return []string{"plan.yaml", "schema.yaml", "mapping.yaml", "codelists.yaml"}
}

// Skeleton renders a mapping skeleton: plan.yaml, schema.yaml,
// mapping.yaml and codelists.yaml (SkeletonNames), which plan check
// accepts as written. Writing them is the caller's: the CLI writes each
// whole, and replaces a file a registry holder may have reviewed only
// when told to (cmd/regflytt/files.go).
func (r *Report) Skeleton(platform string, target connectors.Dialect) []SkeletonFile {
	tables, lists := r.skeleton(target)
	data := map[string][]byte{
		"plan.yaml":      r.skeletonPlan(tables),
		"schema.yaml":    skeletonSchema(platform, r.Source, tables),
		"mapping.yaml":   skeletonMapping(r.Source, tables),
		"codelists.yaml": skeletonCodeLists(lists),
	}
	var out []SkeletonFile
	for _, n := range SkeletonNames() {
		out = append(out, SkeletonFile{Name: n, Data: data[n]})
	}
	return out
}

func (r *Report) skeleton(target connectors.Dialect) ([]*skelTable, []skelCodeList) {
	plans := r.TablePlans(target)
	var out []*skelTable
	var lists []skelCodeList
	used := map[string]bool{}
	entityTables := map[string]bool{}
	for _, tr := range r.Tables {
		if tr.EAV != nil && tr.EAV.EntityTable != "" {
			entityTables[tr.EAV.EntityTable] = true
		}
	}
	byName := map[string]int{}
	for i, tr := range r.Tables {
		byName[tr.Name] = i
	}
	// columnsOf maps a 1:1 table's columns.
	columnsOf := func(ti int, st *skelTable) {
		tr, tp := r.Tables[ti], plans[ti]
		for ci, c := range tr.Columns {
			cp := tp.Columns[ci]
			isKey := contains(tr.PrimaryKey, c.Name)
			switch {
			case c.Class == ClassIdentity:
				typ := tr.stats[ci].col.Type
				text := identityText(c.Name, typ)
				st.columns = append(st.columns, skelColumn{name: c.Name, typ: "varchar(32)", notNull: isKey, mapping: "{expr: " + q("pseudonym("+text+")") + "}"})
				if st.person == "" {
					switch {
					case typ.Kind == connectors.KindDecimal && text != c.Name:
						// cast: text keeps the zero fraction
						st.person = "{expr: " + q(text) + "}"
					case typ.Kind != connectors.KindText:
						// the opt-out match reads text
						st.person = "{from: " + q(c.Name) + ", cast: text}"
					default:
						st.person = q(c.Name)
					}
				}
			case cp.Problem != "" && tr.stats[ci].col.Type.Kind == connectors.KindDecimal:
				// Text holds every decimal exactly (NaN and infinities
				// too), where a drop left the values of every migrated
				// record in neither the target nor the archive.
				st.columns = append(st.columns, skelColumn{name: c.Name, typ: "text", notNull: isKey,
					mapping: "{from: " + q(c.Name) + ", cast: " + q("text") + "}",
					comment: "kept as text, exactly: " + cp.Problem})
			case cp.Problem != "":
				st.drop[c.Name] = "no receiving type holds it as it is: " + cp.Problem
			default:
				m, comment := q(c.Name), ""
				if tr.proposals[ci].cast {
					m = "{from: " + q(c.Name) + ", cast: " + q(cp.Type.String()) + "}"
				} else if !isKey {
					m, comment = textMapping(tr.stats[ci], c.Name, tr.Name+"_"+c.Name, used, &lists)
				}
				st.columns = append(st.columns, skelColumn{name: c.Name, typ: cp.Type.String(), notNull: isKey, mapping: m, def: cp.Default, identity: cp.Identity, comment: comment})
			}
		}
	}
	for ti, tr := range r.Tables {
		if !tr.Profiled || entityTables[tr.Name] && tr.EAV == nil {
			continue // keyless tables are archived whole; entity tables map with their values
		}
		if tr.EAV != nil {
			e := tr.EAV
			ei, ok := byName[e.EntityTable]
			if !ok || !r.Tables[ei].Profiled {
				continue
			}
			st := &skelTable{target: tr.Name, source: e.EntityTable, eav: e, key: r.Tables[ei].PrimaryKey, drop: map[string]string{}}
			columnsOf(ei, st)
			taken := map[string]bool{}
			for _, c := range st.columns {
				taken[c.name] = true
			}
			for _, c := range tr.Columns {
				switch c.Name {
				case e.Entity, e.Attribute, e.Value, e.Version:
				default:
					st.drop[c.Name] = "a column of the value rows, not of the form: each value migrates as its attribute's column"
				}
			}
			for _, a := range e.Attributes {
				name := a.Name
				if taken[name] {
					name += "_value"
				}
				taken[name] = true
				s := e.stats[a.Name]
				typ := s.attributeType()
				var m, comment string
				if a.Class == ClassIdentity {
					typ, m = "varchar(32)", "{expr: "+q("pseudonym("+identityText(a.Name, s.col.Type)+")")+"}"
				} else {
					m, comment = textMapping(s, a.Name, tr.Name+"_"+a.Name, used, &lists)
				}
				st.columns = append(st.columns, skelColumn{name: name, typ: typ, mapping: m, comment: comment})
			}
			out = append(out, st)
			continue
		}
		st := &skelTable{target: tr.Name, source: tr.Name, drop: map[string]string{}, plan: &plans[ti]}
		columnsOf(ti, st)
		if len(st.columns) == 0 {
			continue
		}
		for _, k := range tr.PrimaryKey {
			if _, dropped := st.drop[k]; !dropped {
				st.key = append(st.key, k)
			}
		}
		out = append(out, st)
	}
	skeletonConstraints(out)
	mapped := map[string]bool{}
	for _, st := range out {
		mapped[st.source] = st.plan != nil
	}
	links := connectors.ParentLinks(plans, mapped)
	for _, st := range out {
		if fk, ok := links[st.source]; ok && st.plan != nil {
			st.parent = &fk
		}
	}
	return out, lists
}

// identityText is the expression that gives an identity column's value
// as the text pseudonym() and the opt-out match read, all its digits
// kept: pseudonym() takes an integer, a decimal or text, never a float,
// and reads a decimal's text as it is written, so that a DECIMAL(14,2)'s
// 191212121212.00 is no identity number. A double's string() is its plain
// digits (191212121212, not 1.91212121212e+11: a double holds every
// twelve-digit number exactly); a decimal's zero fraction is cut off as
// text, exactly. A fraction that is not zero stays, and pseudonym()
// archives the record for its length rather than round it to a person.
func identityText(name string, t connectors.Type) string {
	switch {
	case t.Kind == connectors.KindFloat:
		return "string(" + name + ")"
	case t.Kind == connectors.KindDecimal && t.Scale > 0:
		return "trimSuffix(string(" + name + "), " + q("."+strings.Repeat("0", t.Scale)) + ")"
	}
	return name
}

// skeletonConstraints declares the proposal's indexes and foreign keys
// among the tables mapped one to one, where the skeleton keeps every
// column they name with its proposed type (a pseudonymised identity
// number is another value: a key over it is for people to decide).
func skeletonConstraints(tables []*skelTable) {
	kept := map[string]map[string]bool{}
	for _, st := range tables {
		if st.plan == nil {
			continue
		}
		kept[st.target] = map[string]bool{}
		proposed := map[string]string{}
		for _, p := range st.plan.Columns {
			if p.Problem == "" {
				proposed[p.Source.Name] = p.Type.String()
			}
		}
		for _, c := range st.columns {
			if proposed[c.name] == c.typ && !strings.HasPrefix(c.mapping, "{expr:") {
				kept[st.target][c.name] = true
			}
		}
	}
	all := func(table string, cols []string) bool {
		for _, c := range cols {
			if !kept[table][c] {
				return false
			}
		}
		return kept[table] != nil
	}
	for _, st := range tables {
		if st.plan == nil {
			continue
		}
		for _, ix := range st.plan.Indexes {
			if all(st.target, ix.Columns) {
				st.indexes = append(st.indexes, ix)
			}
		}
		for _, fk := range st.plan.ForeignKeys {
			if all(st.target, fk.Columns) && all(fk.RefTable, fk.RefColumns) {
				st.foreignKeys = append(st.foreignKeys, fk)
			}
		}
	}
}

// textMapping maps a column (or EAV attribute) that is no identity
// number and needs no cast: through repair() where repair() puts values
// right, and through a code list of its codes (repaired, if so) where it
// holds few short ones. It appends the code list to lists. The comment
// says what repair() will do, so that the reviewer sees the values it
// archives as encoding_ambiguous before the run does; repair() is not
// proposed where it would only archive.
func textMapping(s *columnStat, col, list string, used map[string]bool, lists *[]skelCodeList) (mapping, comment string) {
	repair := s.garbled > 0 || s.controls > 0
	from := "from: " + q(col)
	switch {
	case repair:
		from = "expr: " + q("repair("+col+")")
		comment = fmt.Sprintf("repair(): %d garbled value(s) put right", s.garbled)
		if s.controls > 0 {
			comment += fmt.Sprintf(", %d with C1 controls made Windows-1252 characters", s.controls)
		}
		comment += fmt.Sprintf("; %d archived as encoding_ambiguous (garbled in part only)", s.textAmbiguous)
		if s.asWritten > 0 {
			comment += fmt.Sprintf("; %d kept as written though garbled text has their shape (text_as_written)", s.asWritten)
		}
	case s.textAmbiguous > 0:
		comment = fmt.Sprintf("%d value(s) garbled in part only: repair() would put none right and archive these as encoding_ambiguous; mapped as they are", s.textAmbiguous)
	}
	if cl := codeList(s, list, used, repair); cl != nil {
		*lists = append(*lists, *cl)
		return "{" + from + ", codelist: {name: " + q(cl.name) + "}}", comment
	}
	if repair {
		return "{" + from + "}", comment
	}
	return q(col), comment
}

// codeList gives a code list of a column's observed codes mapped to
// themselves, for text columns of few short, non-personal values. With
// repair, the codes are those repair() gives (the list maps the value
// after the expression); those it archives are left out.
func codeList(s *columnStat, name string, used map[string]bool, repair bool) *skelCodeList {
	if s.col.Type.Kind != connectors.KindText || s.exact == nil || len(s.exact) == 0 || len(s.exact) > maxCodes || s.maxChars > 20 {
		return nil
	}
	if c := s.class(false); c != ClassCode {
		return nil
	}
	cl := &skelCodeList{name: name}
	for used[cl.name] {
		cl.name += "_"
	}
	used[cl.name] = true
	seen := map[string]bool{}
	for _, e := range s.exact {
		v, ok := e.v.(string)
		if !ok {
			return nil
		}
		if repair {
			r, err := lexical.RepairText(v)
			if err != nil {
				continue
			}
			v = r
		}
		if connectors.MaskIdentityNumbers(v) != v {
			cl.withheld++
			continue
		}
		if !seen[v] {
			seen[v] = true
			cl.codes = append(cl.codes, v)
		}
	}
	if len(cl.codes) == 0 {
		return nil
	}
	sort.Strings(cl.codes)
	return cl
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func (r *Report) skeletonPlan(tables []*skelTable) []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, "# Migration plan skeleton written by `regflytt scan --mapping-skeleton` from %s.\n", r.Source)
	b.WriteString("# Fill in the strategy's template fields and review schema.yaml and mapping.yaml.\n")
	b.WriteString("plan: 1\n")
	fmt.Fprintf(&b, "description: %s\n", q("Skeleton from a scan of "+r.Source))
	b.WriteString("register:\n  id: register\n  name: \"Register (fill in)\"\n")
	b.WriteString("system:\n  current: legacy\n  chosen: receiving\n")
	b.WriteString("cpua:\n  current: \"(fill in)\"\n  future: \"(fill in)\"\n")
	b.WriteString("rco:\n  current: \"(fill in)\"\n  future: \"(fill in)\"\n")
	b.WriteString("source:\n  url: env:REGFLYTT_SOURCE\n")
	b.WriteString("target:\n  url: env:REGFLYTT_TARGET\n  schema: schema.yaml\n")
	b.WriteString("mappings:\n  - mapping.yaml\n")
	b.WriteString("archive:\n  dir: archive\n  # Archived records keep their identity numbers: seal the package to the\n  # new CPUA (encrypt_to: [age1…]), or say why it may stay in clear\n  # (unencrypted_reason: …); a run refuses a plan that does neither.\n")
	fmt.Fprintf(&b, "run:\n  batch_size: 5000\n  # the scan's reference date: 10-digit identity numbers get their century from it\n  reference_date: %q\n", r.ReferenceDate)
	for _, t := range tables {
		if t.person != "" {
			b.WriteString("pseudonymisation:\n  key_env: REGFLYTT_PSEUDONYM_KEY\n")
			b.WriteString("# Patients who opted out: the source table (or a file, one number a line)\n# listing them, or why the register has none, optout: {none: reason}.\n# Until the plan says one or the other, plan check and run warn (P012).\n")
			b.WriteString("# optout:\n#   table: (the opt-out list)\n#   column: (its identity number column)\n")
			break
		}
	}
	return b.Bytes()
}

func skeletonSchema(platform, source string, tables []*skelTable) []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, "# Receiving schema of the mapping skeleton, from a scan of %s.\n", source)
	fmt.Fprintf(&b, "platform: %s\n", q(platform))
	fmt.Fprintf(&b, "description: %s\n", q("Skeleton from a scan of "+source))
	b.WriteString("tables:\n")
	for _, t := range tables {
		fmt.Fprintf(&b, "  - name: %s\n", q(t.target))
		if len(t.key) > 0 {
			keys := make([]string, len(t.key))
			for i, k := range t.key {
				keys[i] = q(k)
			}
			fmt.Fprintf(&b, "    primary_key: [%s]\n", strings.Join(keys, ", "))
		}
		b.WriteString("    columns:\n")
		for _, c := range t.columns {
			extra := ""
			if c.identity {
				extra += ", identity: true"
			}
			if c.def != nil {
				extra += ", default: " + q(c.def.String())
			}
			fmt.Fprintf(&b, "      - {name: %s, type: %s%s}\n", q(c.name), q(c.typ), extra)
		}
		list := func(names []string) string {
			out := make([]string, len(names))
			for i, n := range names {
				out[i] = q(n)
			}
			return "[" + strings.Join(out, ", ") + "]"
		}
		if len(t.indexes) > 0 {
			b.WriteString("    indexes:\n")
			for _, ix := range t.indexes {
				fmt.Fprintf(&b, "      - {name: %s, columns: %s, unique: %v}\n", q(ix.Name), list(ix.Columns), ix.Unique)
			}
		}
		if len(t.foreignKeys) > 0 {
			b.WriteString("    foreign_keys:\n")
			for _, fk := range t.foreignKeys {
				fmt.Fprintf(&b, "      - {name: %s, columns: %s, references: {table: %s, columns: %s}}\n", q(fk.Name), list(fk.Columns), q(fk.RefTable), list(fk.RefColumns))
			}
		}
	}
	return b.Bytes()
}

func skeletonMapping(source string, tables []*skelTable) []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, "# Mapping skeleton from a scan of %s: one receiving column per source\n", source)
	b.WriteString("# column or EAV attribute. Review names, types, code lists and rules.\n")
	b.WriteString("version: 1\ncodelists:\n  - codelists.yaml\ntables:\n")
	for _, t := range tables {
		fmt.Fprintf(&b, "  - target: %s\n", q(t.target))
		if t.eav != nil {
			e := t.eav
			fmt.Fprintf(&b, "    source:\n      eav:\n        entities: %s\n        values: %s\n        entity: %s\n        attribute: %s\n        value: %s\n",
				q(t.source), q(t.target), q(e.Entity), q(e.Attribute), q(e.Value))
			if e.Version != "" {
				fmt.Fprintf(&b, "        version: %s\n", q(e.Version))
			}
		} else {
			fmt.Fprintf(&b, "    source: %s\n", q(t.source))
		}
		if t.person != "" {
			fmt.Fprintf(&b, "    person: %s\n", t.person)
		}
		if t.parent != nil {
			keys := make([]string, len(t.parent.Columns))
			for i, k := range t.parent.Columns {
				keys[i] = q(k)
			}
			fmt.Fprintf(&b, "    parent: {table: %s, key: [%s]}\n", q(t.parent.RefTable), strings.Join(keys, ", "))
		}
		b.WriteString("    columns:\n")
		for _, c := range t.columns {
			if c.comment != "" {
				fmt.Fprintf(&b, "      # %s\n", c.comment)
			}
			fmt.Fprintf(&b, "      %s: %s\n", q(c.name), c.mapping)
		}
		if len(t.drop) > 0 {
			b.WriteString("    drop:\n")
			keys := make([]string, 0, len(t.drop))
			for k := range t.drop {
				keys = append(keys, k)
			}
			sort.Strings(keys)
			for _, k := range keys {
				fmt.Fprintf(&b, "      %s: %s\n", q(k), q(t.drop[k]))
			}
		}
	}
	return b.Bytes()
}

func skeletonCodeLists(lists []skelCodeList) []byte {
	var b bytes.Buffer
	b.WriteString("# Code lists of the mapping skeleton: every code the scan observed, mapped to\n")
	b.WriteString("# itself. Write the receiving platform's codes on the right.\n")
	b.WriteString("codelists:\n")
	if len(lists) == 0 {
		b.WriteString("  []\n")
	}
	for _, l := range lists {
		fmt.Fprintf(&b, "  - name: %s\n    unmapped: archive\n", q(l.name))
		if l.withheld > 0 {
			fmt.Fprintf(&b, "    # %d observed value(s) holding an identity number are left out: a run archives them (code_unmapped)\n", l.withheld)
		}
		b.WriteString("    codes:\n")
		for _, c := range l.codes {
			fmt.Fprintf(&b, "      %s: %s\n", q(c), q(c))
		}
	}
	return b.Bytes()
}
