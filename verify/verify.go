// Package verify proves that a migration accounted for every source
// record. It is the independent checker (restic's checker is the model):
//
//   - Content (content.go) is what a receiving table must hold, built from
//     the source re-read through the mappings, as bucket aggregates of row
//     hashes per bucket of the receiving key; CompareContent compares it
//     with the target's own checksum (pushed down where the dialect can)
//     and DrillDown names the records and columns that differ.
//   - Summary (summary.go, html.go) is the verification report: equations
//     per source table, content per receiving table, the archive, findings
//     and their acknowledgements, PASS or FAIL; rendered as JSON, HTML and
//     text from the one value.
//   - Ledger and Counts are the run's own accounting and count check,
//     which a run writes to report.json; verification never reads them.
//
// Neighbours: plans re-applies the mappings and feeds Content (plans.Verify),
// since verify must not know mappings; connectors give snapshots and
// checksums; archive gives the package's integrity and counts.
package verify

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"sort"
	"strings"
	"time"

	"github.com/regflytt/regflytt/connectors"
)

// ReportVersion is the version of the JSON report's shape; it changes
// when a field is renamed or removed.
const ReportVersion = 1

// Ledger is the accounting of one run's outcomes.
type Ledger struct {
	Tables []*TableLedger `json:"tables"`
	// Written counts the rows written to each target table.
	Written map[string]int64 `json:"written"`
	// Lists account for the opt-out and erasure lists' entries.
	Lists []ListLedger `json:"lists,omitempty"`
	// CenturyPairs counts, per source table, the ten digits of identity
	// numbers it read against the reference date alone that the run
	// read in another century elsewhere (a patient written 121212-1212
	// here and 19121212-1212 there: two numbers, two pseudonyms);
	// CenturyPairsUnchecked the readings not checked for it, beyond what
	// the run holds in memory.
	CenturyPairs          map[string]int64 `json:"pnr_century_pairs,omitempty"`
	CenturyPairsUnchecked int64            `json:"pnr_century_pairs_unchecked,omitempty"`
}

// ListLedger accounts for one exclusion list (opt-out, erasure): each
// entry should name a person the run saw. An entry that matches nobody is
// as likely a list in another format — whose patient then migrates — as
// a patient who never reported, so the plan must say how many it expects.
type ListLedger struct {
	// List names the list: "opt-out" or "erasure".
	List      string `json:"list"`
	Entries   int64  `json:"entries"`
	Matched   int64  `json:"matched"`
	Unmatched int64  `json:"unmatched"`
	// UnmatchedAt says where each unmatched entry stands in its list ("file
	// optout.txt line 3", "table spärr row 7 in key order"): never the
	// number.
	UnmatchedAt []string `json:"unmatched_at,omitempty"`
	// Acknowledged is how many unmatched entries the plan expects, with
	// its reason and where the plan says so; 0 when it says nothing.
	Acknowledged       int64  `json:"acknowledged,omitempty"`
	AcknowledgedReason string `json:"acknowledged_reason,omitempty"`
	AcknowledgedAt     string `json:"acknowledged_at,omitempty"`
	// NotMatchedIn names the source tables whose records were not matched
	// against the list: mapped without a person:, or read by no mapping
	// and archived whole ("x (archived whole)"). That is right only for
	// tables that hold no patient data.
	NotMatchedIn []string `json:"not_matched_in,omitempty"`
}

// TableLedger accounts for one source table.
type TableLedger struct {
	Source string `json:"source_table"`
	// Target is the receiving table, "" for a source table no mapping
	// reads (its records are archived whole).
	Target   string `json:"target_table,omitempty"`
	Read     int64  `json:"read"`
	Migrated int64  `json:"migrated"`
	Archived int64  `json:"archived"`
	Excluded int64  `json:"excluded"`
	// ArchivedBy and ExcludedBy count records by reason code.
	ArchivedBy map[string]int64 `json:"archived_by,omitempty"`
	ExcludedBy map[string]int64 `json:"excluded_by,omitempty"`
	// ValuesArchived counts single values archived from migrated records
	// (value granularity), by reason: not records, so outside the equation.
	ValuesArchived   int64            `json:"values_archived,omitempty"`
	ValuesArchivedBy map[string]int64 `json:"values_archived_by,omitempty"`
	// ValuesArchivedRecords counts the migrated records of which at least
	// one value was archived alone: the share of the table that arrived
	// with a column left empty, which archived_share (records) never sees.
	ValuesArchivedRecords int64 `json:"values_archived_records,omitempty"`
	// ValuesNulled counts values a declared rule made NULL (a code list's
	// null, null_when), by rule: decided by the mapping, so not a loss.
	ValuesNulled   int64            `json:"values_nulled,omitempty"`
	ValuesNulledBy map[string]int64 `json:"values_nulled_by,omitempty"`
	// ValuesLost counts non-NULL source values that ended as NULL by no
	// declared rule and were not archived, by target column. Any fails
	// verification: the mapping (or regflytt) dropped data.
	ValuesLost   int64            `json:"values_lost,omitempty"`
	ValuesLostBy map[string]int64 `json:"values_lost_by,omitempty"`
	// ValuesNotChosen counts source values a column's declared choice
	// (choice:) left out for a differing first value, by target column:
	// decided by the mapping, so not a loss, but for the auditor to see.
	ValuesNotChosen   int64            `json:"values_not_chosen,omitempty"`
	ValuesNotChosenBy map[string]int64 `json:"values_not_chosen_by,omitempty"`
	// Warnings counts records by the doubts they raised without failing
	// (pnr_century_resolved, exclusion_century_ambiguous): not outcomes,
	// so outside the equation, but for the auditor to see.
	Warnings map[string]int64 `json:"warnings,omitempty"`
	// CenturyInferred counts records whose identity number was written
	// with 10 digits, no '+' and no born_by, so that its century came
	// from the reference date alone (mappings.Outcome.CenturyInferred): a
	// patient born 1912 written 121212-1212 reads as born 2012. A note
	// for the auditor, not a finding: nothing to acknowledge.
	CenturyInferred int64 `json:"pnr_century_inferred,omitempty"`
	// CenturyUnread counts the identity numbers pnr() or pseudonym()
	// could not read (each once per record; their records or values are
	// archived with the rule they broke): checked for nothing, the same
	// ten digits read in two centuries (pnr_century_pair) among them. A
	// note for the auditor, so that "no pair" is not read as "every
	// number checked".
	CenturyUnread int64 `json:"pnr_century_unread,omitempty"`
	// UnitColumn and Units account per reporting care unit (units.go).
	UnitColumn string                 `json:"unit_column,omitempty"`
	Units      map[string]*UnitCounts `json:"units,omitempty"`
	OwnerLost  int64                  `json:"owner_lost,omitempty"`
	// OwnerChanged counts migrated records whose receiving unit column
	// names another unit than their source did (units.go).
	OwnerChanged int64 `json:"owner_changed,omitempty"`
	// UnitFromParent says the records' units are their parent records'
	// (unit: {parent: true}): no source column to count them by.
	UnitFromParent bool `json:"unit_from_parent,omitempty"`
	unit           *UnitCounts
	// SourceGroups counts outcomes per control group and value
	// (sourcegroups.go).
	SourceGroups map[string]map[string]*UnitCounts `json:"source_groups,omitempty"`
	group        []*UnitCounts
}

// NewLedger makes an empty ledger.
func NewLedger() *Ledger { return &Ledger{Written: map[string]int64{}} }

// Table returns the ledger of a source table, adding it when new.
func (l *Ledger) Table(source, target string) *TableLedger {
	for _, t := range l.Tables {
		if t.Source == source {
			return t
		}
	}
	t := &TableLedger{Source: source, Target: target, ArchivedBy: map[string]int64{}, ExcludedBy: map[string]int64{}, ValuesArchivedBy: map[string]int64{}}
	l.Tables = append(l.Tables, t)
	return t
}

// Archive counts an archived record.
func (t *TableLedger) Archive(reason string) {
	t.Read++
	t.Archived++
	t.ArchivedBy[reason]++
	t.unit.archive(reason)
	for _, g := range t.group {
		g.archive(reason)
	}
}

// Exclude counts an excluded record.
func (t *TableLedger) Exclude(reason string) {
	t.Read++
	t.Excluded++
	t.ExcludedBy[reason]++
	t.unit.exclude(reason)
	for _, g := range t.group {
		g.exclude(reason)
	}
}

// ArchiveValue counts one value archived alone from a migrated record.
func (t *TableLedger) ArchiveValue(reason string) {
	t.ValuesArchived++
	t.ValuesArchivedBy[reason]++
}

// NullValue counts one value a declared rule made NULL.
func (t *TableLedger) NullValue(rule string) {
	if t.ValuesNulledBy == nil {
		t.ValuesNulledBy = map[string]int64{}
	}
	t.ValuesNulled++
	t.ValuesNulledBy[rule]++
}

// LoseValue counts one value lost in a target column.
func (t *TableLedger) LoseValue(column string) {
	if t.ValuesLostBy == nil {
		t.ValuesLostBy = map[string]int64{}
	}
	t.ValuesLost++
	t.ValuesLostBy[column]++
}

// NotChooseValue counts one source value a declared choice left out.
func (t *TableLedger) NotChooseValue(column string) {
	if t.ValuesNotChosenBy == nil {
		t.ValuesNotChosenBy = map[string]int64{}
	}
	t.ValuesNotChosen++
	t.ValuesNotChosenBy[column]++
}

// Warn counts a record that raised the warning code.
func (t *TableLedger) Warn(code string) {
	if t.Warnings == nil {
		t.Warnings = map[string]int64{}
	}
	t.Warnings[code]++
}

// Migrate counts a migrated record.
func (t *TableLedger) Migrate() {
	t.Read++
	t.Migrated++
	t.unit.migrate()
	for _, g := range t.group {
		g.migrate()
	}
}

// Report is the outcome of a count check, written as JSON beside the run
// and printed as a summary. It carries counts and names only, never
// values.
type Report struct {
	Version  int    `json:"report_version"`
	Register string `json:"register"`
	Plan     string `json:"plan"`
	// PlanHash is the plan's hash as its registry holder approves it
	// (plans.Plan.Hash): which version of the plan the run ran.
	PlanHash    string    `json:"plan_hash,omitempty"`
	Source      string    `json:"source"`
	Target      string    `json:"target"`
	ToolVersion string    `json:"tool_version"`
	Started     time.Time `json:"started"`
	Finished    time.Time `json:"finished"`
	// Seconds is the run's wall time, RowsPerSecond source records read
	// per second of it.
	Seconds       float64            `json:"seconds"`
	RowsPerSecond float64            `json:"rows_per_second"`
	Tables        []TableCheck       `json:"tables"`
	Targets       []TargetCheck      `json:"targets"`
	Archive       ArchiveCheck       `json:"archive"`
	Lists         []ListCheck        `json:"lists,omitempty"`
	Units         []UnitCheck        `json:"units,omitempty"`
	SourceGroups  []SourceGroupCheck `json:"source_groups,omitempty"`
	Access        *AccessCheck       `json:"access,omitempty"`
	Pass          bool               `json:"pass"`
	Problems      []string           `json:"problems,omitempty"`
	// Unfinished says why a run that verified stopped before it finished
	// (its report, unit reports, the lock, the seal, the last
	// checkpoint): it is no PASS, whatever the verification found.
	Unfinished string `json:"unfinished,omitempty"`
	// Alarms are the content checker's findings that need a person (an
	// archived share above the plan's, codes no record used): listed
	// here, they fail `regflytt verify` until acknowledged, not the run.
	Alarms []Finding `json:"alarms,omitempty"`
	// Verdict is VerdictLine as the report was written (WriteJSON, and
	// `run --json`): the line the text summary ends with. A stop's
	// report, which verified nothing, has none. (No MarshalJSON: the
	// stop report embeds a *Report, and would be written as one.)
	Verdict string `json:"verdict,omitempty"`
}

// Contradicted says why a run's report read back from its report.json
// says PASS while what it lists does not pass, "" when it says FAIL or
// what it lists passes (Summary.Contradicted: a run never writes such a
// report; one was edited after the run wrote it). A table's and a target
// table's counts are held to their equations again, so that a raised
// count with its ok left true is seen too.
func (r *Report) Contradicted() string {
	if !r.Pass {
		return ""
	}
	var why []string
	if len(r.Problems) > 0 {
		why = append(why, fmt.Sprintf("it lists %d problems", len(r.Problems)))
	}
	for _, t := range r.Tables {
		if !t.OK || t.SourceRows != t.Read || t.SourceRows != t.Migrated+t.Archived+t.Excluded || t.ValuesLost > 0 {
			why = append(why, fmt.Sprintf("source table %s: %d rows, %d read, %d migrated + %d archived + %d excluded",
				t.Source, t.SourceRows, t.Read, t.Migrated, t.Archived, t.Excluded))
		}
	}
	for _, t := range r.Targets {
		if !t.OK || t.Rows != t.Written {
			why = append(why, fmt.Sprintf("target table %s: %d rows, %d written", t.Table, t.Rows, t.Written))
		}
	}
	// A report without the archive's check (none was read) has no Dir.
	if r.Archive.Dir != "" && !r.Archive.OK {
		why = append(why, "the archive package does not check")
	}
	ok := true
	for _, l := range r.Lists {
		ok = ok && l.OK
	}
	for _, u := range r.Units {
		ok = ok && u.OK
	}
	for _, g := range r.SourceGroups {
		ok = ok && g.OK
	}
	if r.Access != nil {
		ok = ok && r.Access.OK
	}
	if !ok {
		why = append(why, "a list, reporting unit, control group or the access check fails")
	}
	return strings.Join(why, "; ")
}

// TableCheck is the completeness equation for one source table:
// SourceRows = Migrated + Archived + Excluded, and the run read them all.
type TableCheck struct {
	TableLedger
	SourceRows int64 `json:"source_rows"`
	OK         bool  `json:"ok"`
}

// TargetCheck compares a target table's rows with what the run wrote.
type TargetCheck struct {
	Table   string `json:"table"`
	Rows    int64  `json:"rows"`
	Written int64  `json:"written"`
	OK      bool   `json:"ok"`
}

// ListCheck is an exclusion list's equation: the entries that match no
// source person are exactly as many as the plan acknowledges.
type ListCheck struct {
	ListLedger
	OK bool `json:"ok"`
}

// maxPlaces bounds the unmatched entries a problem line names; the report
// lists them all.
const maxPlaces = 10

// CheckList checks one list's equation; problem says what is wrong, "" when OK.
func CheckList(l ListLedger) (ListCheck, string) {
	c := ListCheck{ListLedger: l, OK: l.Unmatched == l.Acknowledged}
	if c.OK {
		return c, ""
	}
	places := l.UnmatchedAt
	more := ""
	if len(places) > maxPlaces {
		places, more = places[:maxPlaces], fmt.Sprintf(" and %d more", len(places)-maxPlaces)
	}
	msg := fmt.Sprintf("%s list: %d of %d entries match no person in the source", l.List, l.Unmatched, l.Entries)
	if len(places) > 0 {
		msg += " (" + strings.Join(places, ", ") + more + ")"
	}
	key := "optout"
	if l.List == "erasure" {
		key = "erasure"
	}
	if l.AcknowledgedAt != "" {
		msg += fmt.Sprintf(", but the plan acknowledges %d at %s: check the list against the source and correct the count", l.Acknowledged, l.AcknowledgedAt)
	} else {
		msg += fmt.Sprintf(": an entry in another format would let its patient migrate; check each against the source, correct the list, or acknowledge them in the plan with %s: {…, unmatched: {acknowledged: %d, reason: …}}", key, l.Unmatched)
	}
	return c, msg
}

// ArchiveCheck compares the archive package with the archived outcomes.
type ArchiveCheck struct {
	Dir      string `json:"dir"`
	Records  int64  `json:"records"`
	Archived int64  `json:"archived"`
	Manifest bool   `json:"manifest_ok"`
	OK       bool   `json:"ok"`
	// Sealed is the package as the run sealed it (archive.encrypt_to)
	// once checked, nil when it stays in clear: its folder is removed, and
	// without the key no one can read its owner, register or run again,
	// while the ciphertext's SHA-512 tells that a sealed package is still
	// the one this run checked and sealed.
	Sealed *SealedArchive `json:"sealed,omitempty"`
}

// SealedArchive is a sealed archive package as the run that wrote it
// sealed it: the file's name (beside Dir), the ciphertext's SHA-512, and
// what its package.json says of whose it is.
type SealedArchive struct {
	File     string `json:"file"`
	SHA512   string `json:"sha512"`
	Register string `json:"register"`
	Owner    string `json:"owner"`
	// Run names the run that wrote the package (archive.Meta.Run).
	Run string `json:"run"`
}

// Counts checks a ledger against independent counts: the source tables in
// src (the run's own snapshot, so the rows counted are the rows read), the
// target tables in a fresh snapshot of tgt, and the archive package in
// archiveDir. The report says PASS only if every equation holds.
func Counts(ctx context.Context, src connectors.Snapshot, tgt connectors.Source, archiveDir string, l *Ledger, r *Report) error {
	return CountsRead(ctx, src, tgt, ReadArchive(archiveDir), l, r)
}

// CountsRead is Counts with the archive package already read (a run's
// end check reads it once, for these counts and for CompareRead).
func CountsRead(ctx context.Context, src connectors.Snapshot, tgt connectors.Source, ar *ArchiveReading, l *Ledger, r *Report) error {
	return CountsReadBack(ctx, src, tgt, ar, l, r, nil)
}

// CountsReadBack is CountsRead taking the rows of the receiving tables
// the content check has just read whole (readBack, by table: the count of
// its aggregate over every bucket, in a snapshot taken after the move
// under the run's lock) instead of counting them once more. A count(*)
// of a 1M-row table took 0.09 s of a run's 5 at its very end, where
// nothing else overlaps it. A table the content check did not cover is
// counted in a fresh snapshot, as before.
func CountsReadBack(ctx context.Context, src connectors.Snapshot, tgt connectors.Source, ar *ArchiveReading, l *Ledger, r *Report, readBack map[string]int64) error {
	archiveDir := ar.Dir()
	r.Version = ReportVersion
	r.Pass = true
	fail := func(format string, args ...any) {
		r.Pass = false
		r.Problems = append(r.Problems, fmt.Sprintf(format, args...))
	}
	var archived int64
	for _, tl := range l.Tables {
		n, err := src.Count(ctx, tl.Source)
		if err != nil {
			return fmt.Errorf("verify: count source table %s: %w", tl.Source, err)
		}
		c := TableCheck{TableLedger: *tl, SourceRows: n}
		c.OK = n == tl.Migrated+tl.Archived+tl.Excluded && n == tl.Read
		if !c.OK {
			fail("source table %s: %d rows, but %d read and %d migrated + %d archived + %d excluded = %d",
				tl.Source, n, tl.Read, tl.Migrated, tl.Archived, tl.Excluded, tl.Migrated+tl.Archived+tl.Excluded)
		}
		if tl.ValuesLost > 0 {
			c.OK = false
			fail("source table %s: %d values lost (%s): a non-NULL source value became NULL by no declared rule and was not archived; fix the mapping, or declare the NULL with null_when or a code list's null",
				tl.Source, tl.ValuesLost, lostColumns(tl.ValuesLostBy))
		}
		archived += tl.Archived
		r.Tables = append(r.Tables, c)
	}

	for _, ll := range l.Lists {
		c, problem := CheckList(ll)
		if !c.OK {
			fail("%s", problem)
		}
		r.Lists = append(r.Lists, c)
	}

	var names []string
	counted := false
	for name := range l.Written {
		names = append(names, name)
		if _, ok := readBack[name]; !ok {
			counted = true
		}
	}
	sort.Strings(names)
	var tsnap connectors.Snapshot
	if counted {
		var err error
		if tsnap, err = tgt.Snapshot(ctx); err != nil {
			return fmt.Errorf("verify: target: %w", err)
		}
		defer tsnap.Close()
	}
	for _, name := range names {
		n, ok := readBack[name]
		if !ok {
			var err error
			if n, err = tsnap.Count(ctx, name); err != nil {
				return fmt.Errorf("verify: count target table %s: %w", name, err)
			}
		}
		c := TargetCheck{Table: name, Rows: n, Written: l.Written[name], OK: n == l.Written[name]}
		if !c.OK {
			fail("target table %s holds %d rows, the run wrote %d", name, n, c.Written)
		}
		r.Targets = append(r.Targets, c)
	}

	r.Archive = ArchiveCheck{Dir: archiveDir, Archived: archived}
	counts := map[string]int64{}
	if err := ar.reading.Err(archiveDir); err != nil {
		fail("%v", err)
	} else {
		r.Archive.Manifest = true
		counts = ar.reading.Records
	}
	for _, n := range counts {
		r.Archive.Records += n
	}
	for _, tl := range l.Tables {
		if counts[tl.Source] != tl.Archived {
			fail("archive holds %d records of %s, the run archived %d", counts[tl.Source], tl.Source, tl.Archived)
		}
	}
	r.Archive.OK = r.Archive.Manifest && r.Archive.Records == archived
	if r.Archive.Records != archived {
		fail("archive holds %d records in all, the run archived %d", r.Archive.Records, archived)
	}
	return nil
}

// lostColumns lists the target columns that lost values, with counts.
func lostColumns(by map[string]int64) string {
	names := make([]string, 0, len(by))
	for name := range by {
		names = append(names, name)
	}
	sort.Strings(names)
	out := ""
	for i, name := range names {
		if i > 0 {
			out += ", "
		}
		out += fmt.Sprintf("%s: %d", name, by[name])
	}
	return out
}

// WriteJSON writes the report to path.
func (r *Report) WriteJSON(path string) error {
	c := *r
	c.Verdict = r.VerdictLine()
	b, err := json.MarshalIndent(&c, "", "  ")
	if err != nil {
		return err
	}
	if err := os.WriteFile(path, append(b, '\n'), 0o640); err != nil {
		return fmt.Errorf("write report: %w", err)
	}
	return nil
}

// RowsReadBack gives the rows of each receiving table the content check
// read whole: its actual count over every bucket (for CountsReadBack).
func (s *Summary) RowsReadBack() map[string]int64 {
	out := make(map[string]int64, len(s.Contents))
	for _, c := range s.Contents {
		out[c.Table] = c.ActualRows
	}
	return out
}
