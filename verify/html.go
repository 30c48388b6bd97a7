package verify

import (
	"html/template"
	"io"
)

// WriteHTML renders the summary as one self-contained HTML file for an
// auditor: no script, no font, no image or style fetched from anywhere,
// an inline SVG bar chart of outcomes per source table, and a print
// style so that it prints as it reads.
func (s *Summary) WriteHTML(w io.Writer) error {
	return htmlReport.Execute(w, htmlView{Summary: s, Chart: chartOf(s)})
}

type htmlView struct {
	*Summary
	Chart chart
}

// chart is the outcomes bar chart: one bar per source table, its
// segments migrated, archived and excluded, scaled to the largest table.
type chart struct {
	Width, Height int
	Bars          []bar
}

type bar struct {
	Label                  string
	Y                      int
	Migrated, Archived     int
	Excluded               int
	ArchivedX, ExcludedX   int
	Total                  int64
	NMig, NArc, NExc       int64
	LabelY, TotalX, TotalY int
}

func chartOf(s *Summary) chart {
	const left, width, rowH = 160, 440, 22
	var most int64 = 1
	for _, t := range s.Tables {
		most = max(most, t.Migrated+t.Archived+t.Excluded)
	}
	c := chart{Width: left + width + 90, Height: rowH*len(s.Tables) + 30}
	scale := func(n int64) int { return int(n * width / most) }
	for i, t := range s.Tables {
		b := bar{Label: t.Source, Y: 4 + i*rowH, Total: t.SourceRecords, NMig: t.Migrated, NArc: t.Archived, NExc: t.Excluded}
		b.Migrated, b.Archived, b.Excluded = scale(t.Migrated), scale(t.Archived), scale(t.Excluded)
		b.ArchivedX = left + b.Migrated
		b.ExcludedX = b.ArchivedX + b.Archived
		b.LabelY, b.TotalX, b.TotalY = b.Y+13, b.ExcludedX+b.Excluded+6, b.Y+13
		c.Bars = append(c.Bars, b)
	}
	return c
}

var htmlReport = template.Must(template.New("report").Funcs(template.FuncMap{"counts": countsText, "nulled": nulledText, "unit": unitLabel}).Parse(`<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Verification of {{.Register}}: {{if .Pass}}PASS{{else}}FAIL{{end}}</title>
<style>
body { font-family: sans-serif; margin: 2em; color: #111; max-width: 60em; }
table { border-collapse: collapse; margin: 1em 0; }
th, td { border: 1px solid #999; padding: 0.2em 0.5em; text-align: left; vertical-align: top; }
td.n { text-align: right; font-variant-numeric: tabular-nums; }
.pass { color: #064; } .fail { color: #a00; }
code { font-size: 0.9em; word-break: break-all; }
@media print { body { margin: 0; } h2 { break-after: avoid; } table, svg { break-inside: avoid; } }
</style>
</head>
<body>
<h1>Verification of register {{.Register}}{{if .RegisterName}} ({{.RegisterName}}){{end}}</h1>
<p id="verdict" class="{{if .Pass}}pass{{else}}fail{{end}}"><strong>{{.Verdict}}</strong></p>
<table>
<tr><th>plan</th><td>{{.Plan}}</td></tr>
<tr><th>source</th><td>{{.Source}}</td></tr>
<tr><th>target</th><td>{{.Target}}</td></tr>
<tr><th>regflytt</th><td>{{.ToolVersion}}</td></tr>
{{if .Run}}<tr><th>run held to (the target's checkpoint)</th><td>{{.Run}}</td></tr>
{{end}}{{if .ReferenceDay}}<tr><th>reference day</th><td>{{.ReferenceDay}}</td></tr>
{{end}}
<tr><th>started</th><td>{{.Started.Format "2006-01-02 15:04:05 MST"}}</td></tr>
<tr><th>finished</th><td>{{.Finished.Format "2006-01-02 15:04:05 MST"}}</td></tr>
<tr><th>plan fingerprint (SHA-256)</th><td><code>{{.PlanFingerprint}}</code></td></tr>
<tr><th>hash algorithm</th><td><code>{{.HashAlgorithm}}</code></td></tr>
{{range .Positions}}<tr><th>{{.Side}} snapshot ({{.Kind}})</th><td><code>{{.Value}}</code></td></tr>
{{end}}</table>

<h2>Outcomes per source table</h2>
<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-label="outcomes per source table" width="{{.Chart.Width}}" height="{{.Chart.Height}}" viewBox="0 0 {{.Chart.Width}} {{.Chart.Height}}">
{{range .Chart.Bars}}<g><title>{{.Label}}: {{.NMig}} migrated, {{.NArc}} archived, {{.NExc}} excluded</title>
<text x="0" y="{{.LabelY}}" font-size="12">{{.Label}}</text>
<rect x="160" y="{{.Y}}" width="{{.Migrated}}" height="16" fill="#2a7"/>
<rect x="{{.ArchivedX}}" y="{{.Y}}" width="{{.Archived}}" height="16" fill="#e93"/>
<rect x="{{.ExcludedX}}" y="{{.Y}}" width="{{.Excluded}}" height="16" fill="#888"/>
<text x="{{.TotalX}}" y="{{.TotalY}}" font-size="12">{{.Total}}</text></g>
{{end}}<g font-size="12"><rect x="160" y="{{.Chart.Height}}" transform="translate(0,-14)" width="10" height="10" fill="#2a7"/><text x="174" y="{{.Chart.Height}}" transform="translate(0,-5)">migrated</text>
<rect x="250" y="{{.Chart.Height}}" transform="translate(0,-14)" width="10" height="10" fill="#e93"/><text x="264" y="{{.Chart.Height}}" transform="translate(0,-5)">archived</text>
<rect x="340" y="{{.Chart.Height}}" transform="translate(0,-14)" width="10" height="10" fill="#888"/><text x="354" y="{{.Chart.Height}}" transform="translate(0,-5)">excluded</text></g>
</svg>

<h2>Equations: source records = migrated + archived + excluded</h2>
<table id="equations">
<tr><th>source table</th><th>receiving table</th><th>source records</th><th>migrated</th><th>archived</th><th>excluded</th><th>in archive</th><th>reasons</th><th></th></tr>
{{range .Tables}}<tr><td>{{.Source}}</td><td>{{.Target}}</td><td class="n">{{.SourceRecords}}</td><td class="n">{{.Migrated}}</td><td class="n">{{.Archived}}</td><td class="n">{{.Excluded}}{{if .ExcludedSinceRun}} ({{.ExcludedSinceRun}} not by the run){{end}}</td><td class="n">{{.InArchive}}</td><td>{{counts .ArchivedBy}}{{if .ExcludedBy}}; excluded: {{counts .ExcludedBy}}{{end}}{{if .ValuesNulledBy}}; values nulled: {{counts .ValuesNulledBy}}{{end}}{{if .ValuesNotChosenBy}}; values not chosen: {{counts .ValuesNotChosenBy}}{{end}}{{if .ValuesLostBy}}; VALUES LOST: {{counts .ValuesLostBy}}{{end}}</td><td class="{{if .OK}}pass{{else}}fail{{end}}">{{if .OK}}ok{{else}}MISMATCH{{end}}</td></tr>
{{end}}</table>

<h2>Content of the receiving tables</h2>
<table id="contents">
<tr><th>receiving table</th><th>rows expected</th><th>rows in target</th><th>buckets</th><th>expected total</th><th>actual total</th><th>computed</th><th></th></tr>
{{range .Contents}}<tr><td>{{.Table}}</td><td class="n">{{.ExpectedRows}}</td><td class="n">{{.ActualRows}}</td><td class="n">{{.Buckets}}</td><td><code>{{.Expected.Sum1}} {{.Expected.Sum2}}</code></td><td><code>{{.Actual.Sum1}} {{.Actual.Sum2}}</code></td><td>{{if .Native}}native in the database{{else if .Pushdown}}in the database{{else if .ReadBack}}read back in Go{{else}}in Go{{end}}</td><td class="{{if .OK}}pass{{else}}fail{{end}}">{{if .OK}}ok{{else}}MISMATCH{{end}}</td></tr>
{{end}}</table>

{{if .SourceReads}}<h2>Source tables as read: the rows the connector read against the source database's own checksum</h2>
<table id="source-reads">
<tr><th>source table</th><th>rows read</th><th>rows in the database</th><th>buckets</th><th>read total</th><th>database total</th><th>columns (no floats)</th><th></th></tr>
{{range $sr := .SourceReads}}<tr><td>{{.Table}}</td><td class="n">{{.RowsRead}}</td>{{with .Check}}<td class="n">{{.ActualRows}}</td><td class="n">{{.Buckets}}</td><td><code>{{.Expected.Sum1}} {{.Expected.Sum2}}</code></td><td><code>{{.Actual.Sum1}} {{.Actual.Sum2}}</code></td><td>{{range $i, $c := .HashedColumns}}{{if $i}}, {{end}}{{$c}}{{end}}</td>{{else}}<td colspan="5">not checked: {{.NotChecked}}</td>{{end}}<td class="{{if .OK}}pass{{else}}fail{{end}}">{{if not .Check}}{{if and .ByKey (not .OK)}}MISMATCH{{else}}not checked{{end}}{{else if .OK}}ok{{else}}MISMATCH{{end}}</td></tr>
{{with .ByKey}}<tr><td>{{$sr.Table}}</td><td colspan="6">its select:'s columns {{range $i, $c := .Columns}}{{if $i}}, {{end}}{{$c}}{{end}} held to the table's by key: {{.RowsSelected}} records selected, {{.RowsInTable}} in the table</td><td class="{{if .OK}}pass{{else}}fail{{end}}">{{if .OK}}ok{{else}}MISMATCH{{end}}</td></tr>
{{end}}{{if .ColumnsNotChecked}}<tr><td>{{.Table}}</td><td colspan="7">its select:'s columns not held to the table: {{range $i, $c := .ColumnsNotChecked}}{{if $i}}, {{end}}{{$c}}{{end}}</td></tr>
{{end}}{{end}}</table>{{end}}

{{if .Groups}}<h2>Control groups</h2>
<table id="groups">
<tr><th>receiving table</th><th>group</th><th>rows expected</th><th>rows in target</th><th></th></tr>
{{range .Groups}}<tr><td>{{.Table}}</td><td>{{range $i, $c := .Columns}}{{if $i}}, {{end}}{{$c}}{{end}} = {{range $i, $v := .Group}}{{if $i}}, {{end}}{{$v}}{{end}}</td><td class="n">{{.Expected}}</td><td class="n">{{.Actual}}</td><td class="{{if .OK}}pass{{else}}fail{{end}}">{{if .OK}}ok{{else}}MISMATCH{{end}}</td></tr>
{{end}}</table>{{end}}

{{if .Columns}}<h2>Values per receiving column: source values = non-NULL in the target − made without a source value + archived alone + NULL by a declared rule</h2>
<table id="columns">
<tr><th>receiving column</th><th>source values</th><th>non-NULL in target</th><th>made without a source value</th><th>archived alone</th><th>NULL by a declared rule</th><th>lost</th><th></th></tr>
{{range .Columns}}<tr><td>{{.Table}}.{{.Column}}</td><td class="n">{{.SourceValues}}</td><td class="n">{{.TargetNonNull}}</td><td class="n">{{.MadeWithoutSource}}</td><td class="n">{{.InArchiveAlone}}</td><td>{{nulled .NulledBy}}</td><td class="n {{if .Lost}}fail{{end}}">{{.Lost}}</td><td class="{{if .OK}}pass{{else}}fail{{end}}">{{if .NotCounted}}not counted: {{.NotCounted}}{{else if .OK}}ok{{else}}MISMATCH{{end}}</td></tr>
{{end}}</table>{{end}}

{{if .Units}}<h2>Reporting units: each unit's source rows = migrated + archived + excluded</h2>
<table id="units">
<tr><th>unit</th><th>source table</th><th>source rows</th><th>read</th><th>migrated</th><th>archived</th><th>excluded</th><th></th></tr>
{{range .Units}}<tr><td>{{unit .Unit}}</td><td>{{.Source}}</td><td class="n">{{if .SourceRows}}{{.SourceRows}}{{else}}–{{end}}</td><td class="n">{{.Read}}</td><td class="n">{{.Migrated}}</td><td class="n">{{.Archived}}</td><td class="n">{{.Excluded}}</td><td class="{{if .OK}}pass{{else}}fail{{end}}">{{if .OK}}ok{{else}}MISMATCH{{end}}</td></tr>
{{end}}</table>{{end}}

{{if .SourceGroups}}<h2>Control groups per source table: each group's source records = migrated + archived + excluded</h2>
<table id="source-groups">
<tr><th>source table</th><th>group</th><th>value</th><th>source records</th><th>migrated</th><th>archived</th><th>excluded</th><th></th></tr>
{{range .SourceGroups}}<tr><td>{{.Source}}</td><td>{{.Group}}</td><td>{{.Value}}</td><td class="n">{{.SourceRows}}</td><td class="n">{{.Migrated}}</td><td class="n">{{.Archived}}</td><td class="n">{{.Excluded}}</td><td class="{{if .OK}}pass{{else}}fail{{end}}">{{if .OK}}ok{{else}}MISMATCH{{end}}</td></tr>
{{end}}</table>{{end}}

{{with .Access}}<h2>Access: no account sees more than before</h2>
<table id="access">
<tr><th>reference date</th><td>{{.ReferenceDate}}</td></tr>
<tr><th>accounts / grants after</th><td>{{.Accounts}} / {{.Grants}}</td></tr>
<tr><th>accounts / grants before</th><td>{{.LegacyAccounts}} / {{.LegacyGrants}}</td></tr>
{{if .Logins}}<tr><th>login identities compared / changed</th><td>{{.Logins}} / {{len .LoginChanged}}</td></tr>
{{end}}{{if .LoginShared}}<tr><th>login identity shared with another account of {{.LoginTable}}</th><td class="{{if .LoginSharedReason}}pass{{else}}fail{{end}}">{{len .LoginShared}} ({{range $i, $a := .LoginShared}}{{if $i}}, {{end}}{{$a}}{{end}}): {{if .LoginSharedReason}}acknowledged: {{.LoginSharedReason}}{{else}}NOT ACKNOWLEDGED{{end}}</td></tr>
{{end}}<tr><th>verdict</th><td class="{{if .OK}}pass{{else}}fail{{end}}">{{if .OK}}ok{{else}}FAILS{{end}}</td></tr>
{{range .Problems}}<tr><th>problem</th><td>{{.}}</td></tr>
{{end}}</table>{{end}}

<h2>Archive package</h2>
<p>{{.Archive.Dir}}: {{.Archive.Expected}} records expected, {{.Archive.Records}} held, manifest {{if .Archive.Manifest}}ok{{else}}FAILED{{end}}, content {{if .Archive.OK}}ok{{else}}MISMATCH{{end}}.</p>

{{if .Lists}}<h2>Opt-out and erasure lists: the entries that matched a person, whose records were excluded</h2>
<table id="lists">
<tr><th>list</th><th>entries</th><th>matched</th><th>unmatched</th><th>unmatched acknowledged</th><th>reason</th><th>source tables not matched against it</th><th></th></tr>
{{range .Lists}}<tr><td>{{.List}}</td><td class="n">{{.Entries}}</td><td class="n">{{.Matched}}</td><td class="n">{{.Unmatched}}</td><td class="n">{{.Acknowledged}}</td><td>{{.AcknowledgedReason}}</td><td>{{range $i, $t := .NotMatchedIn}}{{if $i}}, {{end}}{{$t}}{{end}}</td><td class="{{if .OK}}pass{{else}}fail{{end}}">{{if .OK}}ok{{else}}MISMATCH{{end}}</td></tr>
{{end}}</table>{{end}}

{{if or .Exceptions .ArchiveExceptions}}<h2>Exceptions</h2>
<table id="exceptions">
<tr><th>receiving table</th><th>key</th><th>what</th><th>columns</th><th>expected</th><th>in target</th></tr>
{{range .Exceptions}}<tr><td>{{.Table}}</td><td>{{if .NoKey}}no primary key: named by no value{{else}}<code>{{range $i, $k := .Key}}{{if $i}}, {{end}}{{$k}}{{end}}</code>{{end}}</td><td>{{.Kind}}</td><td>{{range $i, $c := .Columns}}{{if $i}}, {{end}}{{$c}}{{end}}</td><td class="n">{{.Expected}}</td><td class="n">{{.Actual}}</td></tr>
{{end}}{{range .ArchiveExceptions}}<tr><td>{{.Table}} (archive)</td><td><code>{{range $i, $k := .Key}}{{if $i}}, {{end}}{{$k}}{{end}}</code></td><td>{{.Kind}}</td><td>{{range $i, $c := .Columns}}{{if $i}}, {{end}}{{$c}}{{end}}</td><td class="n">{{.Expected}}</td><td class="n">{{.Actual}}</td></tr>
{{end}}</table>{{end}}

{{if .Findings}}<h2>Findings that need a person</h2>
<table id="findings">
<tr><th>finding</th><th>count</th><th>what</th><th>acknowledgement</th></tr>
{{range .Findings}}<tr><td><code>{{.ID}}</code></td><td class="n">{{.Count}}</td><td>{{.Message}}</td><td class="{{if .Fails}}fail{{else}}pass{{end}}">{{if .Fatal}}cannot be acknowledged{{else if .Acknowledged}}{{.Reason}}{{else}}NOT ACKNOWLEDGED{{end}}</td></tr>
{{end}}</table>{{end}}

{{if .Problems}}<h2>Problems</h2>
<ul>{{range .Problems}}<li>{{.}}</li>{{end}}</ul>{{end}}
{{if .Notes}}<h2>Notes</h2>
<ul>{{range .Notes}}<li>{{.}}</li>{{end}}</ul>{{end}}

<h2>Input files</h2>
<table id="files">
<tr><th>role</th><th>file</th><th>SHA-256 (an exclusion list's: argon2id of it, salted)</th></tr>
{{range .Files}}<tr><td>{{.Role}}</td><td>{{.Path}}</td><td><code>{{if .SHA256}}{{.SHA256}}{{else}}{{.Digest}}{{end}}</code></td></tr>
{{end}}</table>
<p>Report format {{.SchemaVersion}}.</p>
</body>
</html>
`))
