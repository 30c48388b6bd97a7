package scan

import (
	"bytes"
	"encoding/json"
	"fmt"
	"html/template"
	"io"
	"strconv"
	"strings"
)

// WriteJSON writes the report as indented JSON; schema_version says its
// shape.
func (r *Report) WriteJSON(w io.Writer) error {
	b, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return fmt.Errorf("scan report: %w", err)
	}
	b = append(b, '\n')
	_, err = w.Write(b)
	return err
}

// md escapes text for a Markdown table cell.
func md(s string) string {
	r := strings.NewReplacer("|", "\\|", "\n", " ", "\r", " ", "<", "&lt;", ">", "&gt;", "`", "\\`", "*", "\\*", "_", "\\_")
	return r.Replace(s)
}

func counts(cs []Count) string {
	parts := make([]string, len(cs))
	for i, c := range cs {
		parts[i] = c.Value + " (" + strconv.FormatInt(c.Count, 10) + ")"
	}
	return strings.Join(parts, ", ")
}

// DistinctText gives the distinct count with "~" for an estimate.
func (c *Column) DistinctText() string {
	if c.DistinctExact {
		return strconv.FormatInt(c.Distinct, 10)
	}
	return "~" + strconv.FormatInt(c.Distinct, 10)
}

// RangeText gives min … max, marked when they are shapes.
func (c *Column) RangeText() string {
	if c.Min == "" && c.Max == "" {
		return ""
	}
	s := c.Min + " … " + c.Max
	if c.MinMaxShapes {
		s += " (shapes)"
	}
	return s
}

// TopText gives the most frequent values or shapes and the note.
func (c *Column) TopText() string {
	s := counts(c.Top)
	if c.TopShapes && s != "" {
		s = "shapes: " + s
	}
	if c.TopNote != "" {
		if s != "" {
			s += "; "
		}
		s += c.TopNote
	}
	return s
}

// LengthText gives the length range and distribution.
func (c *Column) LengthText() string {
	if c.Lengths == nil {
		return ""
	}
	return fmt.Sprintf("%d–%d: %s", c.Lengths.Min, c.Lengths.Max, counts(c.Lengths.Buckets))
}

// KeyText gives the primary key, or "none".
func (t *Table) KeyText() string {
	if len(t.PrimaryKey) == 0 {
		return "none"
	}
	return strings.Join(t.PrimaryKey, ", ")
}

// String describes the reference and its orphans.
func (f ForeignKey) String() string {
	how := "inferred"
	if f.Declared {
		how = "declared"
	}
	orph := strconv.FormatInt(f.Orphans, 10) + " orphan rows"
	if f.Orphans < 0 {
		orph = "orphans not counted"
	}
	return fmt.Sprintf("(%s) → %s (%s), %s: %s", strings.Join(f.Columns, ", "), f.RefTable, strings.Join(f.RefColumns, ", "), how, orph)
}

// Place gives table.column[attribute].
func (f Finding) Place() string {
	s := f.Table
	if f.Column != "" {
		s += "." + f.Column
	}
	if f.Attribute != "" {
		s += "[" + f.Attribute + "]"
	}
	return s
}

// WriteMarkdown writes the report as Markdown.
func (r *Report) WriteMarkdown(w io.Writer) error {
	var b bytes.Buffer
	fmt.Fprintf(&b, "# Scan of %s\n\n", md(r.Source))
	fmt.Fprintf(&b, "- dialect: %s\n- reference date: %s (future dates and 10-digit identity numbers are read against it)\n", r.Dialect, r.ReferenceDate)
	fmt.Fprintf(&b, "- values held by fewer than %d rows are not shown; distinct counts are exact up to %d, estimates (~) beyond\n", r.MinCell, r.DistinctBound)
	fmt.Fprintf(&b, "- report schema version %d, %s\n\n", r.SchemaVersion, md(r.Tool))
	fmt.Fprintf(&b, "## Findings\n\n")
	if len(r.Findings) == 0 {
		b.WriteString("None.\n\n")
	} else {
		b.WriteString("| code | where | count | what |\n| --- | --- | ---: | --- |\n")
		for _, f := range r.Findings {
			fmt.Fprintf(&b, "| %s | %s | %d | %s |\n", f.Code, md(f.Place()), f.Count, md(f.Message))
		}
		b.WriteString("\n")
	}
	for _, t := range r.Tables {
		fmt.Fprintf(&b, "## Table %s\n\n", md(t.Name))
		fmt.Fprintf(&b, "- rows: %d\n- size: %s\n- primary key: %s\n", t.Rows, t.SizeText(), md(t.KeyText()))
		for _, fk := range t.ForeignKeys {
			fmt.Fprintf(&b, "- reference %s\n", md(fk.String()))
		}
		b.WriteString("\n")
		writeColumnsMD(&b, t.Columns, "column")
		if e := t.EAV; e != nil {
			fmt.Fprintf(&b, "Entity–attribute–value: entity %s", md(e.Entity))
			if e.EntityTable != "" {
				fmt.Fprintf(&b, " (→ %s)", md(e.EntityTable))
			}
			fmt.Fprintf(&b, ", attribute %s, value %s", md(e.Attribute), md(e.Value))
			if e.Version != "" {
				fmt.Fprintf(&b, ", version %s", md(e.Version))
			}
			fmt.Fprintf(&b, "; %d attributes:\n\n", len(e.Attributes))
			writeColumnsMD(&b, e.Attributes, "attribute")
		}
	}
	_, err := w.Write(b.Bytes())
	return err
}

func writeColumnsMD(b *bytes.Buffer, cols []*Column, head string) {
	fmt.Fprintf(b, "| %s | type | class | values | nulls | distinct | min … max | most frequent | lengths | proposed |\n", head)
	b.WriteString("| --- | --- | --- | ---: | ---: | ---: | --- | --- | --- | --- |\n")
	for _, c := range cols {
		typ := c.SourceType
		if c.Charset != "" {
			typ += " " + c.Charset
		}
		fmt.Fprintf(b, "| %s | %s | %s | %d | %d | %s | %s | %s | %s | %s |\n", md(c.Name), md(typ), c.Class, c.Values, c.Nulls,
			c.DistinctText(), md(c.RangeText()), md(c.TopText()), md(c.LengthText()), md(c.Proposed))
	}
	b.WriteString("\n")
}

// htmlPage is self-contained: inline style, no scripts, fonts or images,
// and a print style, so that it can be mailed, archived and printed.
var htmlPage = template.Must(template.New("scan").Parse(`<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<title>Scan of {{.Source}}</title>
<style>
body{font-family:system-ui,sans-serif;margin:1.5em;color:#111}
table{border-collapse:collapse;margin:.5em 0 1.5em;font-size:.85em}
th,td{border:1px solid #bbb;padding:.2em .4em;text-align:left;vertical-align:top}
th{background:#eee}td.n{text-align:right}
h2{margin-top:1.5em;border-bottom:1px solid #999}
@media print{body{margin:0}h2{page-break-before:auto}table{page-break-inside:auto}tr{page-break-inside:avoid}}
</style></head><body>
<h1>Scan of {{.Source}}</h1>
<ul>
<li>dialect: {{.Dialect}}</li>
<li>reference date: {{.ReferenceDate}} (future dates and 10-digit identity numbers are read against it)</li>
<li>values held by fewer than {{.MinCell}} rows are not shown; distinct counts are exact up to {{.DistinctBound}}, estimates (~) beyond</li>
<li>report schema version {{.SchemaVersion}}, {{.Tool}}</li>
</ul>
<h2>Findings</h2>
{{if .Findings}}<table><tr><th>code</th><th>where</th><th>count</th><th>what</th></tr>
{{range .Findings}}<tr><td>{{.Code}}</td><td>{{.Place}}</td><td class="n">{{.Count}}</td><td>{{.Message}}</td></tr>
{{end}}</table>{{else}}<p>None.</p>{{end}}
{{range .Tables}}<h2>Table {{.Name}}</h2>
<ul><li>rows: {{.Rows}}</li><li>size: {{.SizeText}}</li><li>primary key: {{.KeyText}}</li>
{{range .ForeignKeys}}<li>reference {{.String}}</li>{{end}}</ul>
{{template "cols" .Columns}}
{{with .EAV}}<p>Entity–attribute–value: entity {{.Entity}}{{if .EntityTable}} (→ {{.EntityTable}}){{end}}, attribute {{.Attribute}}, value {{.Value}}{{if .Version}}, version {{.Version}}{{end}}; {{len .Attributes}} attributes:</p>
{{template "cols" .Attributes}}{{end}}
{{end}}
</body></html>
{{define "cols"}}<table><tr><th>name</th><th>type</th><th>class</th><th>values</th><th>nulls</th><th>distinct</th><th>min … max</th><th>most frequent</th><th>lengths</th><th>proposed</th></tr>
{{range .}}<tr><td>{{.Name}}</td><td>{{.SourceType}}{{if .Charset}} {{.Charset}}{{end}}</td><td>{{.Class}}</td><td class="n">{{.Values}}</td><td class="n">{{.Nulls}}</td><td class="n">{{.DistinctText}}</td><td>{{.RangeText}}</td><td>{{.TopText}}</td><td>{{.LengthText}}</td><td>{{.Proposed}}</td></tr>
{{end}}</table>{{end}}`))

// WriteHTML writes the report as one self-contained, printable HTML page.
func (r *Report) WriteHTML(w io.Writer) error {
	var b bytes.Buffer
	if err := htmlPage.Execute(&b, r); err != nil {
		return fmt.Errorf("scan report: %w", err)
	}
	_, err := w.Write(b.Bytes())
	return err
}
