package plans

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"

	"github.com/regflytt/regflytt/archive"
	"github.com/regflytt/regflytt/connectors"
	"github.com/regflytt/regflytt/mappings"
	"github.com/regflytt/regflytt/verify"
)

// DryRunReport is what the mappings would make of the whole source:
// outcomes per table and reason, and the values that no code list or
// mapping covers, for the registry holder to review before the real run.
type DryRunReport struct {
	Register string `json:"register"`
	Plan     string `json:"plan"`
	// PlanHash is the plan's hash (Plan.Hash) the dry run applied: plan
	// render shows a dry run of another version as stale.
	PlanHash string `json:"plan_hash,omitempty"`
	Source   string `json:"source"`
	// Tables are the outcomes per source table, as a run would count them.
	Tables []*verify.TableLedger `json:"tables"`
	// Written counts the rows each receiving table would get.
	Written  map[string]int64 `json:"would_write"`
	Unmapped []UnmappedValue  `json:"unmapped_values"`
	// Lists account for the opt-out and erasure lists: a list whose
	// unmatched entries the plan does not acknowledge would fail the run.
	Lists    []verify.ListCheck `json:"lists,omitempty"`
	Problems []string           `json:"problems,omitempty"`
	// Alarms are the findings verification would raise on these
	// outcomes and the plan does not accept (an archived share above its
	// archived_share_max, unacknowledged): the run passes with them,
	// regflytt verify fails until the plan acknowledges them.
	Alarms  []verify.Finding `json:"alarms,omitempty"`
	Seconds float64          `json:"seconds"`
}

// UnmappedValue is a value that archives records, with how many: the
// value itself when it is a short code or a variable's name, else only
// its shape (values of that shape are counted together).
type UnmappedValue struct {
	Table  string `json:"table"`
	Column string `json:"column"`
	Reason string `json:"reason"`
	Value  string `json:"value,omitempty"`
	Shape  string `json:"shape,omitempty"`
	Count  int64  `json:"count"`
}

// valueReasons are the reasons whose values a report may show: codes and
// variable names, not data about a person. Other reasons are counted only.
// Even these are shown only when they look like codes or names
// (mappings.SafeCode, SafeName): an identity number in a code column is
// data about a person, and shown by its shape.
var valueReasons = map[string]bool{"code_unmapped": true, mappings.ReasonVariableNotMapped: true, "rule_enum": true}

// maxDistinct bounds the distinct values kept per table, column and
// reason; the rest are counted under "(other values)".
const maxDistinct = 1000

// DryRun applies the plan's mappings to the whole source in one read-only
// snapshot and writes nothing: no target, no archive.
func DryRun(ctx context.Context, p *Plan, opts Options) (*DryRunReport, error) {
	r, err := newRunner(p, opts, false)
	if err != nil {
		return nil, err
	}
	started := r.opts.Now()
	s, err := r.open(ctx)
	if err != nil {
		return nil, err
	}
	defer s.Close(ctx)
	// What the run refuses before its first write, the dry run refuses
	// alike, in the same order.
	if err := r.checkBeforeMove(ctx, s); err != nil {
		return nil, err
	}
	sink := &countingSink{written: map[string]int64{}}
	arc := &countingArchive{values: map[unmappedKey]map[shownValue]int64{}}
	ledger := verify.NewLedger()
	if err := r.move(ctx, s, sink, arc, ledger); err != nil {
		return nil, err
	}
	sum, err := p.Hash(r.in)
	if err != nil {
		return nil, err
	}
	rep := &DryRunReport{Register: p.RegisterID.Value, Plan: p.File, PlanHash: sum, Source: redacted(r.srcURL),
		Tables: ledger.Tables, Written: sink.written, Unmapped: arc.top()}
	for _, l := range ledger.Lists {
		c, problem := verify.CheckList(l)
		rep.Lists = append(rep.Lists, c)
		if problem != "" {
			rep.Problems = append(rep.Problems, problem)
		}
	}
	rep.Problems = append(rep.Problems, r.unacknowledgedDoubts(ledger)...)
	var found verify.Summary
	r.findings(&found, ledger, s.env.CodesUsed, nil)
	for _, f := range found.Findings {
		if f.Fails() {
			rep.Alarms = append(rep.Alarms, f)
		}
	}
	rep.Seconds = r.opts.Now().Sub(started).Seconds()
	return rep, nil
}

type countingSink struct{ written map[string]int64 }

func (c *countingSink) Write(_ context.Context, t *connectors.Table, rows [][]connectors.Value) error {
	c.written[t.Name] += int64(len(rows))
	return nil
}

func (c *countingSink) Dialect() connectors.Dialect { return nil }

type unmappedKey struct{ table, column, reason string }

type countingArchive struct {
	values map[unmappedKey]map[shownValue]int64
}

// shownValue is a value as a report may show it: itself, or its shape.
type shownValue struct{ value, shape string }

func (c *countingArchive) Add(t *connectors.Table, rec archive.Record) error {
	if !valueReasons[rec.Reason] || rec.SourceColumn == "" {
		return nil
	}
	i := t.ColumnIndex(rec.SourceColumn)
	if i < 0 || i >= len(rec.Values) {
		return nil
	}
	c.count(unmappedKey{t.Name, rec.SourceColumn, rec.Reason}, rec.Values[i])
	return nil
}

func (c *countingArchive) AddValue(t *connectors.Table, v archive.Value) error {
	if valueReasons[v.Reason] && v.SourceColumn != "" {
		c.count(unmappedKey{t.Name, v.SourceColumn, v.Reason}, v.Value)
	}
	return nil
}

func (c *countingArchive) count(k unmappedKey, v connectors.Value) {
	var s shownValue
	text, ok := connectors.FormatValue(v)
	switch {
	case !ok:
		s.shape = "NULL"
	case k.reason == mappings.ReasonVariableNotMapped && mappings.PlainName(text):
		s.value = text
	case k.reason != mappings.ReasonVariableNotMapped && mappings.PlainCode(text):
		s.value = text
	default:
		s.shape = mappings.Shape(text)
	}
	m := c.values[k]
	if m == nil {
		m = map[shownValue]int64{}
		c.values[k] = m
	}
	if _, seen := m[s]; !seen && len(m) >= maxDistinct {
		s = shownValue{shape: "(other values)"}
	}
	m[s]++
}

// top lists the unmapped values, most frequent first within each table,
// column and reason.
func (c *countingArchive) top() []UnmappedValue {
	var out []UnmappedValue
	for k, m := range c.values {
		for v, n := range m {
			out = append(out, UnmappedValue{Table: k.table, Column: k.column, Reason: k.reason, Value: v.value, Shape: v.shape, Count: n})
		}
	}
	sort.Slice(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if a.Table != b.Table || a.Column != b.Column || a.Reason != b.Reason {
			return a.Table+"\x00"+a.Column+"\x00"+a.Reason < b.Table+"\x00"+b.Column+"\x00"+b.Reason
		}
		if a.Count != b.Count {
			return a.Count > b.Count
		}
		return a.Value+"\x00"+a.Shape < b.Value+"\x00"+b.Shape
	})
	return out
}

// WriteJSON writes the report as JSON.
func (d *DryRunReport) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(d)
}

// WriteText prints the report for a person: outcomes per table and
// reason, then the top unmapped values (at most top per column).
func (d *DryRunReport) WriteText(w io.Writer, top int) error {
	fmt.Fprintf(w, "dry run of %s (register %s): nothing was written\n\n", d.Plan, d.Register)
	for _, t := range d.Tables {
		target := t.Target
		if target == "" {
			target = "(archive)"
		}
		fmt.Fprintf(w, "%s -> %s: %d records: %d migrated, %d archived, %d excluded\n", t.Source, target, t.Read, t.Migrated, t.Archived, t.Excluded)
		for _, line := range reasonLines(t) {
			fmt.Fprintf(w, "    %s\n", line)
		}
	}
	var names []string
	for n := range d.Written {
		names = append(names, n)
	}
	sort.Strings(names)
	fmt.Fprintln(w)
	for _, n := range names {
		fmt.Fprintf(w, "receiving table %s would get %d rows\n", n, d.Written[n])
	}
	for _, l := range d.Lists {
		fmt.Fprintf(w, "%s list: %d entries, %d matched, %d unmatched, %d acknowledged\n", l.List, l.Entries, l.Matched, l.Unmatched, l.Acknowledged)
		if len(l.NotMatchedIn) > 0 {
			fmt.Fprintf(w, "  tables not matched against it: %s\n", strings.Join(l.NotMatchedIn, ", "))
		}
	}
	for _, p := range d.Problems {
		fmt.Fprintf(w, "problem (the run would fail): %s\n", p)
	}
	for _, a := range d.Alarms {
		fmt.Fprintf(w, "alarm (regflytt verify would fail until the plan acknowledges it under verification.acknowledge): %s: %s\n", a.ID, a.Message)
	}
	if len(d.Unmapped) > 0 {
		fmt.Fprintln(w, "\nunmapped values (codes and variables no mapping covers):")
	}
	shown := map[unmappedKey]int{}
	for _, u := range d.Unmapped {
		k := unmappedKey{u.Table, u.Column, u.Reason}
		if shown[k] >= top {
			continue
		}
		shown[k]++
		what := u.Shape
		if u.Value != "" {
			what = fmt.Sprintf("%q", u.Value)
		}
		fmt.Fprintf(w, "  %s.%s %s: %s x %d\n", u.Table, u.Column, u.Reason, what, u.Count)
	}
	if lost := d.ValuesLost(); lost > 0 {
		fmt.Fprintf(w, "\n%d values would be lost (a non-NULL source value becoming NULL by no declared rule): the run would FAIL; fix the mapping, or declare the NULL with null_when or a code list's null\n", lost)
	}
	_, err := fmt.Fprintf(w, "\n%.2fs\n", d.Seconds)
	return err
}

// ValuesLost counts the values the run would lose, over all tables; a
// run with any fails verification.
func (d *DryRunReport) ValuesLost() int64 {
	var n int64
	for _, t := range d.Tables {
		n += t.ValuesLost
	}
	return n
}

func reasonLines(t *verify.TableLedger) []string {
	var out []string
	for _, part := range []struct {
		what string
		by   map[string]int64
	}{{"archived", t.ArchivedBy}, {"excluded", t.ExcludedBy}, {"value archived", t.ValuesArchivedBy},
		{"value made NULL by", t.ValuesNulledBy}, {"value not chosen (choice:) in column", t.ValuesNotChosenBy}, {"VALUE LOST in column", t.ValuesLostBy}, {"warning", t.Warnings}} {
		keys := make([]string, 0, len(part.by))
		for k := range part.by {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			out = append(out, part.what+" "+k+": "+strconv.FormatInt(part.by[k], 10))
		}
	}
	if t.CenturyInferred > 0 {
		out = append(out, "note pnr_century_inferred (10 digits, century read against the reference date alone): "+strconv.FormatInt(t.CenturyInferred, 10))
	}
	if t.CenturyUnread > 0 {
		out = append(out, "note pnr_century_unread (identity numbers pnr() or pseudonym() could not read, checked for no pnr_century_pair): "+strconv.FormatInt(t.CenturyUnread, 10))
	}
	return out
}
