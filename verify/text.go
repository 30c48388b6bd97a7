package verify

import (
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"
)

func targetName(t string) string {
	if t == "" {
		return "(archive)"
	}
	return t
}

// WriteText prints the report as a summary for a terminal: one line per
// source table, the target and archive checks, and PASS or FAIL.
func (r *Report) WriteText(w io.Writer) error {
	// Names left, numbers right: tabwriter aligns a whole table one way.
	nameW, tgtW := len("source table"), len("target")
	for _, t := range r.Tables {
		nameW, tgtW = max(nameW, len(t.Source)), max(tgtW, len(targetName(t.Target)))
	}
	row := func(a, b, c, d, e, f, g, h string) {
		fmt.Fprintf(w, "%-*s  %-*s  %10s  %10s  %10s  %10s  %10s  %s\n", nameW, a, tgtW, b, c, d, e, f, g, h)
	}
	n := func(v int64) string { return strconv.FormatInt(v, 10) }
	row("source table", "target", "rows", "read", "migrated", "archived", "excluded", "")
	var read, mig, arc, exc int64
	for _, t := range r.Tables {
		mark := "ok"
		if !t.OK {
			mark = "MISMATCH"
		}
		row(t.Source, targetName(t.Target), n(t.SourceRows), n(t.Read), n(t.Migrated), n(t.Archived), n(t.Excluded), mark)
		read, mig, arc, exc = read+t.Read, mig+t.Migrated, arc+t.Archived, exc+t.Excluded
	}
	row("total", "", "", n(read), n(mig), n(arc), n(exc), "")
	for _, t := range r.Tables {
		// Values archived alone (granularity: value) leave their records
		// migrated: without them here a column emptied into the archive
		// read as "0 archived, ok".
		if len(t.ArchivedBy) == 0 && len(t.ExcludedBy) == 0 && len(t.ValuesArchivedBy) == 0 && len(t.Warnings) == 0 {
			continue
		}
		fmt.Fprintf(w, "  %s: %s\n", t.Source, reasons(t.ArchivedBy, t.ExcludedBy, t.ValuesArchivedBy, t.Warnings))
	}
	for _, t := range r.Tables {
		if t.CenturyInferred > 0 {
			fmt.Fprintf(w, "note: %s: %s\n", t.Source, CenturyInferredNote(t.CenturyInferred))
		}
		if t.CenturyUnread > 0 {
			fmt.Fprintf(w, "note: %s: %s\n", t.Source, CenturyUnreadNote(t.CenturyUnread))
		}
	}
	for _, t := range r.Targets {
		mark := "ok"
		if !t.OK {
			mark = "MISMATCH"
		}
		fmt.Fprintf(w, "target %s: %d rows, %d written, %s\n", t.Table, t.Rows, t.Written, mark)
	}
	fmt.Fprintf(w, "archive %s: %d records, manifest %s\n", r.Archive.Dir, r.Archive.Records, okText(r.Archive.Manifest))
	for _, l := range r.Lists {
		fmt.Fprintf(w, "%s list: %d entries, %d matched, %d unmatched, %d acknowledged, %s\n", l.List, l.Entries, l.Matched, l.Unmatched, l.Acknowledged, okText(l.OK))
		if len(l.NotMatchedIn) > 0 {
			fmt.Fprintf(w, "  tables not matched against it: %s\n", strings.Join(l.NotMatchedIn, ", "))
		}
	}
	r.writeUnitsText(w)
	fmt.Fprintf(w, "time %.2fs, %.0f rows/s\n", r.Seconds, r.RowsPerSecond)
	for _, p := range r.Problems {
		fmt.Fprintf(w, "problem: %s\n", p)
	}
	// A run's alarms do not fail it, but `regflytt verify` fails until
	// each is acknowledged: a PASS printed without them would hide what
	// a person must still decide.
	for _, a := range r.Alarms {
		fmt.Fprintf(w, "alarm: %s (regflytt verify fails until the plan acknowledges %s)\n", a.Message, a.ID)
	}
	_, err := fmt.Fprintln(w, r.VerdictLine())
	return err
}

// VerdictLine is the report's verdict, the line an auditor reads first
// (the text summary's last line, report.json's verdict): PASS, STOPPED,
// or FAIL saying what failed (FailVerdict).
func (r *Report) VerdictLine() string {
	switch {
	case r.Unfinished != "":
		return "STOPPED: the run verified but did not finish (" + r.Unfinished + "); run it again to finish"
	case !r.Pass:
		return r.FailVerdict()
	}
	return "PASS: every source record is accounted for"
}

// FailVerdict says what failed in a report that does not pass: the
// records (a table's or a unit's equation), access (who may see what),
// both, or another check among the problems. A run that failed only on
// access said "not every source record is accounted for", sending the
// reader to look for a lost record.
func (r *Report) FailVerdict() string {
	return failVerdict(r.Failed(), ": see the problems above", "FAIL: the record counts balance, but see the problems above")
}

// Failed says what a report that does not pass failed on, for a reader
// that words the verdict itself (the review document, in Swedish too).
func (r *Report) Failed() Failed {
	f := Failed{Records: !r.balanced(), Access: r.Access != nil && !r.Access.OK}
	for _, p := range r.Problems {
		if !strings.HasPrefix(p, "access: ") {
			f.Other = true
		}
	}
	return f
}

// Failed is what a verification that does not pass failed on: the
// records (an equation: not every source record accounted for), access
// (who may see what), other checks (content, the archive, lists,
// findings), or several. The verdicts are formed from it, so a document
// that words them in another language says what they say.
type Failed struct {
	Records, Access, Other bool
}

// Says is the verdict's words after "FAIL: " (without where to look):
// "" when only other checks failed, which a verdict names by where its
// details are.
func (f Failed) Says() string {
	switch {
	case f.Records && f.Access:
		return "not every source record is accounted for, and " + accessFailed
	case f.Records:
		return "not every source record is accounted for"
	case f.Access && f.Other:
		// Other checks include the target's content: a migrated record
		// missing there is counted as migrated, so the counts balance
		// while the record is not accounted for.
		return "the record counts balance, but " + accessFailed + ", and other checks failed"
	case f.Access:
		return "every source record is accounted for, but " + accessFailed
	}
	return ""
}

// failVerdict forms a FAIL verdict from what failed: records, access
// (accessFailed), or only other checks (otherOnly is then the verdict);
// see points at where the details are.
func failVerdict(f Failed, see, otherOnly string) string {
	if says := f.Says(); says != "" {
		return "FAIL: " + says + see
	}
	return otherOnly
}

// accessFailed is what a verdict says of a failed access check.
const accessFailed = "access is not as on the legacy platform (who may see what)"

// balanced says every table's and every reporting unit's equation holds.
func (r *Report) balanced() bool {
	for _, t := range r.Tables {
		if !t.OK {
			return false
		}
	}
	for _, u := range r.Units {
		if !u.OK {
			return false
		}
	}
	return len(r.Tables) > 0
}

func okText(ok bool) string {
	if ok {
		return "ok"
	}
	return "FAILED"
}

func reasons(archived, excluded, valuesArchived, warnings map[string]int64) string {
	var parts []string
	for _, m := range []struct {
		what string
		by   map[string]int64
	}{{"archived", archived}, {"excluded", excluded}, {"value archived", valuesArchived}, {"warning", warnings}} {
		keys := make([]string, 0, len(m.by))
		for k := range m.by {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			parts = append(parts, fmt.Sprintf("%s %s %d", m.what, k, m.by[k]))
		}
	}
	return strings.Join(parts, ", ")
}
