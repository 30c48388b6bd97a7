package mappings

import (
	"fmt"
	"html"
	"io"
	"sort"
	"strings"
)

// DocMeta is what a mapping document says about its plan.
type DocMeta struct {
	Title    string
	Lines    []string // one fact per line: plan, systems, CPUA, RCO
	Checksum string
}

// DocBlock is one part of a mapping document: a heading, paragraphs and
// at most one table. Markdown and HTML are rendered from the same blocks.
type DocBlock struct {
	level   int
	heading string
	paras   []string
	header  []string
	rows    [][]string
	// code is an example in YAML, shown as it is.
	code string
}

// Document builds the readable account of mapping files: per receiving
// table, where each column comes from and through which steps; what is
// dropped and why; code lists; and the reference of functions and reason
// codes. It is for the registry holder who signs the plan, so it uses
// words rather than YAML.
func Document(meta DocMeta, files []*File, schema *Schema) []DocBlock {
	blocks := []DocBlock{{level: 1, heading: meta.Title, paras: meta.Lines}}
	clear := map[*ColumnMapping]string{}
	for _, u := range identityUses(files) {
		if u.rank == identityClear {
			clear[u.cm] = u.via
		}
	}
	var lists []*CodeList
	for _, f := range files {
		lists = append(lists, f.CodeLists...)
		for _, tm := range f.Tables {
			if len(tm.Members) == 0 {
				blocks = append(blocks, tableBlocks(tm, schema, "", clear)...)
				continue
			}
			var keys []string
			for _, k := range tm.Merge {
				keys = append(keys, k.Value)
			}
			blocks = append(blocks, DocBlock{level: 2, heading: "Receiving table " + tm.Target.Value + " (merged)",
				paras: []string{fmt.Sprintf("Records of %d sources are merged when they agree on %s. Lower precedence numbers win; a record whose value differs from the winner's is archived (merge_conflict), as is one whose key is the winner's only in another case or accent or with trailing spaces (key_spelling); others fill what the winner leaves empty. A registration with an excluded record is excluded whole.", len(tm.Members), strings.Join(keys, ", "))}})
			for _, m := range tm.Members {
				blocks = append(blocks, tableBlocks(m, schema, fmt.Sprintf(" (precedence %d)", m.Precedence), clear)...)
			}
		}
	}
	if len(lists) > 0 {
		blocks = append(blocks, DocBlock{level: 2, heading: "Code lists"})
		for _, cl := range lists {
			b := DocBlock{level: 3, heading: "Code list " + cl.Name.Value,
				paras:  []string{"Codes the list does not map: " + policyText(cl) + "."},
				header: []string{"version", "old code", "new code"}}
			for _, v := range cl.VersionNames() {
				olds := make([]string, 0, len(cl.Versions[v])+len(cl.Nulls[v]))
				for old := range cl.Versions[v] {
					olds = append(olds, old)
				}
				for old := range cl.Nulls[v] {
					olds = append(olds, old)
				}
				sort.Strings(olds)
				label := v
				if label == "" {
					label = "(one version)"
				}
				for _, old := range olds {
					code := cl.Versions[v][old]
					if cl.Nulls[v][old] {
						code = "(empty: no value, by declaration)"
					}
					b.rows = append(b.rows, []string{label, old, code})
				}
			}
			b.rows = append(b.rows, archivedCodeRows(cl)...)
			blocks = append(blocks, b)
		}
	}
	blocks = append(blocks, accessBlocks(files)...)
	fb := DocBlock{level: 2, heading: "Functions", header: []string{"function", "what it does", "a failure archives with"}}
	for _, f := range Functions() {
		fb.rows = append(fb.rows, []string{f.Signature, f.Doc, strings.Join(f.Reasons, ", ")})
	}
	blocks = append(blocks, namedReasonsBlock(files)...)
	blocks = append(blocks, testsBlock(files)...)
	blocks = append(blocks, definitionBlocks(files)...)
	blocks = append(blocks, fb)
	blocks = append(blocks, constructBlocks(files)...)
	blocks = append(blocks, DocBlock{level: 2, heading: "Outcomes", paras: []string{
		"Every source record ends in exactly one outcome: migrated (it became a row of the receiving table), archived (kept in its source shape in the archive package, with a reason code), or excluded (the patient opted out or demanded erasure, a table rule's exclude: holds, or the record it belongs to is excluded; the record is counted and written nowhere).",
		"Under granularity record, one value that cannot be transformed archives the whole record; under granularity value, that value alone is archived and its column left empty.",
		"A source value is never emptied silently: a column left empty although its source value was not is either declared (null_when, or a code list mapping the code to no value) and counted, or it fails the run (value_lost).",
	}})
	if meta.Checksum != "" {
		blocks = append(blocks, DocBlock{level: 2, heading: "Fingerprint", paras: []string{"SHA-256 of the plan and the files it names: " + meta.Checksum}})
	}
	return blocks
}

// orderPara says in which order a table's records are processed, when
// its mapping names one: which record is first decides which keeps a
// receiving key or a registration.
func orderPara(tm *TableMapping) string {
	if len(tm.OrderBy) == 0 {
		return ""
	}
	key := "its primary key"
	if len(tm.Key) > 0 {
		key = "key " + strsText(tm.Key)
	}
	return fmt.Sprintf("Records are processed in the order of %s (ascending), records with equal values in the order of %s; each keeps %s as its key in the archive and the reports. Of records that would give the same receiving key, the first in this order migrates and the others are archived (duplicate_key); a duplicates rule's ties go by this order too.",
		strsText(tm.OrderBy), key, key)
}

func policyText(cl *CodeList) string {
	switch cl.Policy() {
	case UnmappedNull:
		return "the column is left empty"
	case UnmappedDefault:
		return fmt.Sprintf("they become %q", cl.Default.Value)
	}
	return "the record is archived (code_unmapped)"
}

// tableBlocks documents one table mapping; clear holds the column
// mappings that carry an identity number in clear (identityUses), with
// how, for the registry holder to see where the number is not
// pseudonymised.
func tableBlocks(tm *TableMapping, schema *Schema, suffix string, clear map[*ColumnMapping]string) []DocBlock {
	b := DocBlock{level: 2, heading: "Receiving table " + tm.Target.Value + suffix,
		header: []string{"column", "type", "value from", "steps"}}
	switch {
	case tm.EAV != nil:
		e := tm.EAV
		b.paras = append(b.paras, fmt.Sprintf("Source: the form store %s (one row per registration) with its values in %s: the variable named in %s, its value in %s%s. Every value row is a record of its own: it migrates with its registration, or is archived when no column reads its variable.%s",
			e.Entities.Value, e.Values.Value, e.Attribute.Value, e.Value.Value, versionText(e), repeatText(e)))
	case tm.Select.IsSet():
		// The query's values are the records' values: a CASE or a
		// function in it changes them before any step of the mapping,
		// and verification re-reads through the same query, so only the
		// page can tell the registry holder.
		b.paras = append(b.paras, "Source: table "+tm.Source.Value+", read through this query, whose values the run takes for the table's (a record it leaves out fails verification's count): "+tm.Select.Value)
	default:
		b.paras = append(b.paras, "Source: table "+tm.Source.Value+".")
	}
	if tm.Granularity.Value == "value" {
		b.paras = append(b.paras, "A value that cannot be transformed is archived alone and its column left empty.")
	} else {
		b.paras = append(b.paras, "A value that cannot be transformed archives the whole record.")
	}
	if p := orderPara(tm); p != "" {
		b.paras = append(b.paras, p)
	}
	b.paras = append(b.paras, linkParas(tm)...)
	if tm.Person != nil {
		b.paras = append(b.paras, "Patients are identified for opt-out by "+sourceText(tm.Person)+"; records of a patient on the opt-out or erasure list are excluded, matched on the ten digits every form of the number shares.")
	}
	if p := unitPara(tm.Unit); p != "" {
		b.paras = append(b.paras, p)
	}
	if tm.NoPerson.IsSet() {
		// A plan with an exclusion list lets such a table's records
		// through unmatched on this reason alone.
		b.paras = append(b.paras, "Records are NOT matched against the opt-out and erasure lists: "+strings.TrimSuffix(tm.NoPerson.Value, ".")+".")
	}
	var inClear []string
	for _, c := range tm.Columns {
		if via, ok := clear[c]; ok {
			inClear = append(inClear, c.Target.Value+" ("+via+")")
		}
	}
	if len(inClear) > 0 {
		b.paras = append(b.paras, "The identity number is written IN CLEAR, not pseudonymised, into: "+strings.Join(inClear, ", ")+".")
	}
	var t = schema.Table(tm.Target.Value)
	for _, c := range tm.Columns {
		typ := ""
		if t != nil {
			if col := t.Column(c.Target.Value); col != nil {
				typ = col.Type.String()
				if !col.Nullable {
					typ += ", required"
				}
			}
		}
		b.rows = append(b.rows, []string{c.Target.Value, typ, sourceText(c), stepsText(c)})
	}
	blocks := []DocBlock{b}
	if rb, ok := rulesBlock(tm); ok {
		blocks = append(blocks, rb)
	}
	if len(tm.Drop) > 0 {
		d := DocBlock{level: 3, heading: "Not migrated", header: []string{"source column or variable", "why"}}
		if tm.EAV == nil {
			// The archive keeps archived records only: a reader of "not
			// migrated" could take the values for archived instead.
			d.paras = []string{"The values of these source columns are carried nowhere: a migrated record's values in them are neither on the receiving platform nor in the archive package (a record archived for another reason keeps them there)."}
		}
		var names []string
		for n := range tm.Drop {
			names = append(names, n)
		}
		sort.Strings(names)
		for _, n := range names {
			d.rows = append(d.rows, []string{n, tm.Drop[n].Value})
		}
		blocks = append(blocks, d)
	}
	if len(tm.Lookups) > 0 {
		l := DocBlock{level: 3, heading: "Reference tables", header: []string{"name", "table", "key"}}
		for _, lk := range tm.Lookups {
			l.rows = append(l.rows, []string{lk.Name.Value, lk.Table.Value, lk.Key.Value})
		}
		blocks = append(blocks, l)
	}
	return blocks
}

func versionText(e *EAVSource) string {
	if e.Version.IsSet() {
		return ", the variable's version in " + e.Version.Value
	}
	return ""
}

// repeatText says which of a variable's value rows in one registration
// migrates, for the registry holder to see that a correction does.
func repeatText(e *EAVSource) string {
	if e.LatestBy.IsSet() {
		return " Of a variable's value rows in one registration, the one with the greatest " + e.LatestBy.Value + " migrates (ties: the later in key order; an empty one never wins) and the others are archived as superseded_value."
	}
	return " Of a variable's value rows in one registration, the first in key order migrates and the others are archived as duplicate_value."
}

func sourceText(c *ColumnMapping) string {
	switch {
	case c.From.IsSet():
		return "column " + c.From.Value
	case c.Expr.IsSet():
		return "the expression " + c.Expr.Value
	case c.Value != nil:
		return fmt.Sprintf("the constant %q", c.Value.Value)
	}
	return ""
}

func stepsText(c *ColumnMapping) string {
	var steps []string
	if nw := c.NullWhen; nw != nil {
		if nw.Expr.IsSet() {
			steps = append(steps, "empty when "+nw.Expr.Value)
		} else {
			var vals []string
			for _, v := range nw.Values {
				vals = append(vals, fmt.Sprintf("%q", v.Value))
			}
			steps = append(steps, "empty when the source value is "+strings.Join(vals, " or "))
		}
	}
	if c.Default != nil {
		steps = append(steps, fmt.Sprintf("empty becomes %q", c.Default.Value))
	}
	if c.CodeList.IsSet() {
		s := "code list " + c.CodeList.Value
		if c.CodeListVersion.IsSet() {
			s += " (version from " + c.CodeListVersion.Value + ")"
		}
		steps = append(steps, s)
	}
	if c.Choice.IsSet() {
		steps = append(steps, "the first value that is not empty wins, a differing later one is left out: "+c.Choice.Value)
	}
	if len(c.OpenEnded) > 0 {
		var vals []string
		for _, v := range c.OpenEnded {
			vals = append(vals, v.Value)
		}
		steps = append(steps, "empty (open) when the source value is "+strings.Join(vals, " or "))
	}
	if c.Cast.IsSet() {
		steps = append(steps, "converted to "+c.Cast.Value+" without loss")
	}
	for _, r := range c.Rules {
		var args []string
		for _, a := range r.Args {
			args = append(args, a.Value)
		}
		switch r.Kind {
		case "required":
			steps = append(steps, "required")
		case "range":
			steps = append(steps, "between "+strings.Join(args, " and "))
		case "pattern":
			steps = append(steps, "matches "+strings.Join(args, ""))
		case "enum":
			steps = append(steps, "one of "+strings.Join(args, ", "))
		}
	}
	steps = append(steps, reasonsText(c)...)
	return strings.Join(steps, "; ")
}

// WriteMarkdown renders a document as Markdown.
func WriteMarkdown(w io.Writer, blocks []DocBlock) error {
	var b strings.Builder
	cell := func(s string) string {
		return mdInline(strings.ReplaceAll(strings.ReplaceAll(s, "|", `\|`), "\n", " "))
	}
	for _, bl := range blocks {
		if bl.heading != "" {
			fmt.Fprintf(&b, "%s %s\n\n", strings.Repeat("#", bl.level), mdInline(strings.Join(strings.Fields(bl.heading), " ")))
		}
		for _, p := range bl.paras {
			fmt.Fprintf(&b, "%s\n\n", mdParagraph(p))
		}
		if bl.code != "" {
			fmt.Fprintf(&b, "```yaml\n%s```\n\n", bl.code)
		}
		if len(bl.rows) > 0 {
			h := make([]string, len(bl.header))
			for i := range h {
				h[i] = cell(bl.header[i])
			}
			fmt.Fprintf(&b, "| %s |\n|%s\n", strings.Join(h, " | "), strings.Repeat(" --- |", len(h)))
			for _, r := range bl.rows {
				cs := make([]string, len(r))
				for i := range r {
					cs[i] = cell(r[i])
				}
				fmt.Fprintf(&b, "| %s |\n", strings.Join(cs, " | "))
			}
			b.WriteString("\n")
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// mdParagraph writes text as Markdown paragraphs: its blank lines part
// paragraphs as they did, and no line of it starts a block of its own
// (a heading, a quote, a list, a code block, a fence, a table, a link
// definition) or underlines the line before into a heading. The text is
// often the plan author's (a plan's support:, a drop's reason), and the
// page is what the registry holder approves: a "## Godkännande" line in
// it would read as the page's own section.
func mdParagraph(s string) string {
	lines := strings.Split(strings.ReplaceAll(s, "\r\n", "\n"), "\n")
	for i, line := range lines {
		line = strings.TrimLeft(line, " \t")
		if line == "" {
			lines[i] = ""
			continue
		}
		digits := len(line) - len(strings.TrimLeft(line, "0123456789"))
		switch {
		case strings.ContainsRune("#>-+*=`~|[_", rune(line[0])):
			line = `\` + line
		case digits > 0 && digits < len(line) && (line[digits] == '.' || line[digits] == ')'):
			line = line[:digits] + `\` + line[digits:]
		}
		lines[i] = mdInline(line)
	}
	return strings.TrimSpace(strings.Join(lines, "\n"))
}

// mdInline keeps text from opening an HTML tag, comment or declaration
// in Markdown (which passes them to the HTML it is rendered to): a <
// before a letter, /, ! or ? is written as &lt;. A < before anything else
// (a < b) cannot open one and stays as it is.
func mdInline(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == '<' && i+1 < len(s) {
			n := s[i+1]
			if n == '/' || n == '!' || n == '?' || 'a' <= n && n <= 'z' || 'A' <= n && n <= 'Z' {
				b.WriteString("&lt;")
				continue
			}
		}
		b.WriteByte(c)
	}
	return b.String()
}

// NewDocBlock makes a block, for documents that embed the mapping
// document (plan render): a heading at level (1 is the title), paragraphs,
// and a table when rows are given.
func NewDocBlock(level int, heading string, paras, header []string, rows [][]string) DocBlock {
	return DocBlock{level: level, heading: heading, paras: paras, header: header, rows: rows}
}

// Demote returns the blocks with every heading n levels deeper, to embed
// a document in another.
func Demote(blocks []DocBlock, n int) []DocBlock {
	out := make([]DocBlock, len(blocks))
	for i, b := range blocks {
		b.level = min(b.level+n, 6)
		out[i] = b
	}
	return out
}

// WriteHTML renders a document as one self-contained HTML page.
func WriteHTML(w io.Writer, blocks []DocBlock) error {
	return WriteHTMLLang(w, blocks, "en")
}

// WriteHTMLLang renders a document as one self-contained, printable HTML
// page in the language lang (its lang attribute).
func WriteHTMLLang(w io.Writer, blocks []DocBlock, lang string) error {
	var b strings.Builder
	e := html.EscapeString
	title := ""
	if len(blocks) > 0 {
		title = blocks[0].heading
	}
	fmt.Fprintf(&b, "<!doctype html>\n<html lang=\"%s\"><head><meta charset=\"utf-8\"><title>%s</title>\n", e(lang), e(title))
	b.WriteString("<style>body{font-family:sans-serif;max-width:60em;margin:2em auto;line-height:1.4}table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #999;padding:.3em .6em;vertical-align:top;text-align:left}th{background:#eee}@media print{body{max-width:none;margin:0}table{page-break-inside:avoid}}</style></head><body>\n")
	for _, bl := range blocks {
		if bl.heading != "" {
			fmt.Fprintf(&b, "<h%d>%s</h%d>\n", bl.level, e(bl.heading), bl.level)
		}
		for _, p := range bl.paras {
			fmt.Fprintf(&b, "<p>%s</p>\n", e(p))
		}
		if bl.code != "" {
			fmt.Fprintf(&b, "<pre>%s</pre>\n", e(bl.code))
		}
		if len(bl.rows) > 0 {
			b.WriteString("<table><tr>")
			for _, h := range bl.header {
				fmt.Fprintf(&b, "<th>%s</th>", e(h))
			}
			b.WriteString("</tr>\n")
			for _, r := range bl.rows {
				b.WriteString("<tr>")
				for _, c := range r {
					fmt.Fprintf(&b, "<td>%s</td>", e(c))
				}
				b.WriteString("</tr>\n")
			}
			b.WriteString("</table>\n")
		}
	}
	b.WriteString("</body></html>\n")
	_, err := io.WriteString(w, b.String())
	return err
}

// accessBlocks says what the mappings' access: section does to the
// legacy grants and what verification holds access to: grants archived
// instead of carried, and that only a widening fails, so narrowed access
// is the registry holder's to see here.
func accessBlocks(files []*File) []DocBlock {
	a := Access(files)
	if a == nil {
		return nil
	}
	units := a.Units.Table.Value
	b := DocBlock{level: 2, heading: "Access: who may see what",
		paras: []string{
			fmt.Sprintf("The care units that exist are the rows of table %s (key %s). These legacy grants are archived, not carried:", units, a.Units.Key.Value),
		},
		header: []string{"legacy grant table", "what the run archives"}}
	for _, g := range a.Legacy.Grants {
		if g.Basis == "appointment" && g.ValidTo.IsSet() {
			b.rows = append(b.rows, []string{g.Table.Value, fmt.Sprintf("an appointment whose last day (%s) is before the plan's reference date (the day of the run when the plan gives none) is archived (appointment_expired), not carried", g.ValidTo.Value)})
		}
		if g.Unit.IsSet() {
			b.rows = append(b.rows, []string{g.Table.Value, fmt.Sprintf("a grant whose care unit (%s) is not in table %s is archived (unit_not_found), not carried", g.Unit.Value, units)})
		}
	}
	if len(b.rows) == 0 {
		b.paras[0] = fmt.Sprintf("The care units that exist are the rows of table %s (key %s). No legacy grant is archived for its dates or its care unit.", units, a.Units.Key.Value)
	}
	after := DocBlock{level: 3, heading: "What verification holds access to", paras: []string{
		"Verification fails when an account reaches a care unit afterwards that it did not reach before, or writes where it only read. An account that reaches fewer units afterwards passes: narrowed access is not an alarm.",
	}}
	return []DocBlock{b, after}
}

// unitPara says whose records a table's are on the receiving platform
// (its unit:), "" when the mapping declares no unit.
func unitPara(u *UnitSpec) string {
	switch {
	case u == nil:
		return ""
	case u.None.Value != "":
		return "Reporting care unit: none (" + strings.TrimSuffix(u.None.Value, ".") + "): the records belong to no care provider."
	case u.Parent:
		return "Reporting care unit: the parent record's; on the receiving platform a care provider reads only the records of its own units."
	case u.Translate.Value != "":
		return fmt.Sprintf("Reporting care unit: column %s, translated by code list %s; a record whose unit the list does not name is archived (%s).", u.Column.Value, u.Translate.Value, ReasonUnitNotTranslated)
	case u.Column.Value != "":
		return "Reporting care unit: column " + u.Column.Value + "; on the receiving platform a care provider reads only the records of its own units."
	}
	return ""
}
