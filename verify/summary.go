package verify

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"
)

// SchemaVersion names the shape of the verification report (report.json
// of `regflytt verify`). Fields are added, never renamed or removed,
// without changing it.
const SchemaVersion = "regflytt-verify-report/1"

// Summary is the one value a verification produces: report.json,
// report.html and the terminal's text are all rendered from it. It holds
// counts, names, hashes and receiving keys only, never a value.
type Summary struct {
	SchemaVersion string `json:"schema_version"`
	Register      string `json:"register"`
	RegisterName  string `json:"register_name,omitempty"`
	Plan          string `json:"plan"`
	// Source and Target are the connections, without passwords.
	Source      string    `json:"source"`
	Target      string    `json:"target"`
	ToolVersion string    `json:"tool_version"`
	Started     time.Time `json:"started"`
	Finished    time.Time `json:"finished"`
	// PlanFingerprint is the SHA-256 over the plan and the files it names,
	// as `map doc` shows it; Files the fingerprint of each (FileFingerprint).
	PlanFingerprint string `json:"plan_fingerprint"`
	// PlanHash is the plan's hash as its registry holder approves it
	// (plans.Plan.Hash: without its approvals and progress), which stays
	// the same while milestones are recorded.
	PlanHash string            `json:"plan_hash,omitempty"`
	Files    []FileFingerprint `json:"files"`
	// EndCheck marks the report of a run's own end check, written into
	// the work directory before the run's report.json: it is no
	// verification of the run (a run killed after it never finished).
	EndCheck bool `json:"end_check,omitempty"`
	// Positions are the snapshots' positions where the database tells
	// them (PostgreSQL LSN, MariaDB GTID).
	Positions []Position `json:"snapshot_positions,omitempty"`
	// ReferenceDay is the day the mappings judged dates on (grants'
	// validity): the plan's reference date, else the run's start.
	ReferenceDay string `json:"reference_day,omitempty"`
	// Run names the run the target and the archive package were held
	// to: its start and last checkpoint, as the target's bookkeeping
	// records them ("" when the target holds none).
	Run string `json:"run,omitempty"`
	// HashAlgorithm names the row hash, aggregate and row encoding.
	HashAlgorithm string `json:"hash_algorithm"`
	// Tables are the equations per source table, Contents the content
	// checks per receiving table, Columns the value equations per
	// receiving column.
	Tables   []TableEquation  `json:"tables"`
	Contents []*ContentCheck  `json:"contents"`
	Columns  []ColumnEquation `json:"columns,omitempty"`
	Groups   []GroupEquation  `json:"control_groups,omitempty"`
	Archive  ArchiveEquation  `json:"archive"`
	Lists    []ListCheck      `json:"lists,omitempty"`
	// SourceReads compare the rows the connector read of each source
	// table read whole with the source database's own checksum of them.
	SourceReads []*SourceReadCheck `json:"source_reads,omitempty"`
	// Units are the equations per reporting unit (as a run's report has
	// them), from verify's own re-application and source count; Access the
	// proof that no account can see more after the migration than before.
	Units []UnitCheck `json:"units,omitempty"`
	// SourceGroups are the equations per source table and control group
	// the plan names (verification.source_groups, sourcegroups.go).
	SourceGroups []SourceGroupCheck `json:"source_groups,omitempty"`
	Access       *AccessCheck       `json:"access,omitempty"`
	Findings     []Finding          `json:"findings,omitempty"`
	// Exceptions are the records that differ (receiving keys only);
	// ArchiveExceptions the archived records that differ (source keys, as
	// the package's outcome table renders them).
	Exceptions        []Difference `json:"exceptions,omitempty"`
	ArchiveExceptions []Difference `json:"archive_exceptions,omitempty"`
	Problems          []string     `json:"problems,omitempty"`
	// Notes are for a person to read and do not fail verification (an
	// acknowledgement of a finding that did not occur).
	Notes   []string `json:"notes,omitempty"`
	Pass    bool     `json:"pass"`
	Verdict string   `json:"verdict"`
}

// FileFingerprint is the SHA-256 of one input file, or for an exclusion
// list (whose plain hash would give its few identity numbers away to
// whoever hashes guesses) an argon2id digest of that SHA-256, salted, in
// the PHC string format: whoever holds the list can check it.
type FileFingerprint struct {
	Role   string `json:"role"`
	Path   string `json:"path"`
	SHA256 string `json:"sha256,omitempty"`
	Digest string `json:"digest,omitempty"`
}

// Position is a snapshot's position in its database's history.
type Position struct {
	Side  string `json:"side"`
	Kind  string `json:"kind"`
	Value string `json:"value"`
}

// TableEquation is one source table's equation: SourceRecords (counted
// in verify's own snapshot) = Migrated + Archived + Excluded, where the
// outcomes come from re-applying the mappings, the archived side is
// checked against the archive package and the migrated side against the
// receiving table's content.
type TableEquation struct {
	Source string `json:"source_table"`
	Target string `json:"target_table,omitempty"`
	// SourceRecords is the table's row count; Read the records the
	// re-application read (a select: or a join may differ: that fails).
	SourceRecords int64            `json:"source_records"`
	Read          int64            `json:"read"`
	Migrated      int64            `json:"migrated"`
	Archived      int64            `json:"archived"`
	Excluded      int64            `json:"excluded"`
	ArchivedBy    map[string]int64 `json:"archived_by,omitempty"`
	ExcludedBy    map[string]int64 `json:"excluded_by,omitempty"`
	// ExcludedSinceRun is how many of the Excluded the run that wrote the
	// target did not exclude (its ledger): list entries added since the
	// run, whose records the run migrated or archived.
	ExcludedSinceRun int64 `json:"excluded_since_run,omitempty"`
	// InArchive is how many records of the table the archive package holds.
	InArchive        int64            `json:"in_archive"`
	ValuesArchivedBy map[string]int64 `json:"values_archived_by,omitempty"`
	ValuesNulledBy   map[string]int64 `json:"values_nulled_by,omitempty"`
	ValuesLostBy     map[string]int64 `json:"values_lost_by,omitempty"`
	// ValuesNotChosenBy counts, per receiving column, the source values a
	// declared choice left out (TableLedger.ValuesNotChosenBy).
	ValuesNotChosenBy map[string]int64 `json:"values_not_chosen_by,omitempty"`
	Warnings          map[string]int64 `json:"warnings,omitempty"`
	// CenturyInferred is TableLedger.CenturyInferred: a note.
	CenturyInferred int64 `json:"pnr_century_inferred,omitempty"`
	// CenturyUnread is TableLedger.CenturyUnread: a note.
	CenturyUnread int64 `json:"pnr_century_unread,omitempty"`
	OK            bool  `json:"ok"`
}

// CenturyInferredNote says what TableLedger.CenturyInferred counts, for
// the run's summary and the verification report's notes (no '+' in it:
// html/template writes it as &#43;).
func CenturyInferredNote(n int64) string {
	word := "records"
	if n == 1 {
		word = "record"
	}
	return fmt.Sprintf("%d %s whose identity number was written with 10 digits, neither a plus sign nor born_by: its century was read against the reference date alone (pnr_century_inferred; a patient born 1912 so written reads as born 2012: give the record's birth date, pseudonym(personnr, fodd))", n, word)
}

// CenturyUnreadNote says what TableLedger.CenturyUnread counts, for the
// run's summary and the verification report's notes: the numbers no
// pnr_century_pair finding speaks for.
func CenturyUnreadNote(n int64) string {
	word := "numbers"
	if n == 1 {
		word = "number"
	}
	return fmt.Sprintf("%d identity %s given to pnr() or pseudonym() could not be read (archived with the rule broken: pnr_checksum, pnr_length…), so not checked for the same ten digits read in two centuries (pnr_century_pair): the archive package holds them as written", n, word)
}

// ColumnEquation is a receiving column's values. Rows, NonNull,
// ArchivedAlone, NulledByRule and Lost are what the re-applied mappings
// give: non-NULL (which the content check proves the target holds),
// archived alone (value granularity, one per source value read), made
// NULL by the column's null_when, and lost (which fails verification).
//
// The rest is the value equation (values.go), each side counted where it
// lives: SourceValues (the migrated records that feed the column a source
// value, from the source rows) = TargetNonNull (COUNT(column) in the
// target) − MadeWithoutSource (defaults, constants) + InArchiveAlone (the
// records whose value the archive package holds alone) + NulledBy (per
// declared rule: a code list's null or unmapped: null, null_when,
// open_ended, a function's documented NULL).
type ColumnEquation struct {
	Table         string `json:"table"`
	Column        string `json:"column"`
	Rows          int64  `json:"rows"`
	NonNull       int64  `json:"non_null"`
	ArchivedAlone int64  `json:"archived_alone,omitempty"`
	NulledByRule  int64  `json:"nulled_by_null_when,omitempty"`
	Lost          int64  `json:"lost,omitempty"`

	SourceValues      int64            `json:"source_values"`
	TargetNonNull     int64            `json:"target_non_null"`
	MadeWithoutSource int64            `json:"made_without_source,omitempty"`
	InArchiveAlone    int64            `json:"in_archive_alone,omitempty"`
	NulledBy          map[string]int64 `json:"nulled_by,omitempty"`
	// CountedInDatabase says the target counted its values itself.
	CountedInDatabase bool `json:"counted_in_database"`
	// NotCounted says why the equation is not counted record by record
	// (merged registrations: several source records make one row).
	NotCounted string `json:"not_counted,omitempty"`
	OK         bool   `json:"ok"`
}

// GroupEquation is one control group of a receiving table (the rows with
// one value of the columns the plan names, such as a care unit): the rows
// the re-applied mappings give it and the rows the target holds in it.
type GroupEquation struct {
	Table   string   `json:"table"`
	Columns []string `json:"columns"`
	// Group is the group's values as text ("NULL" for NULL): care units
	// and years, not personal data, as the plan chooses them.
	Group    []string `json:"group"`
	Expected int64    `json:"expected"`
	Actual   int64    `json:"actual"`
	OK       bool     `json:"ok"`
}

// ArchiveEquation compares the archive package with the re-applied
// outcomes.
type ArchiveEquation struct {
	Dir      string `json:"dir"`
	Expected int64  `json:"expected_records"`
	Records  int64  `json:"records"`
	Manifest bool   `json:"manifest_ok"`
	OK       bool   `json:"ok"`
}

// Finding is an alarm that needs a human: named by ID (kind.subject), with
// a count. An unacknowledged blocking finding fails verification; the
// plan acknowledges one under verification.acknowledge with a reason.
type Finding struct {
	ID      string `json:"id"`
	Kind    string `json:"kind"`
	Subject string `json:"subject"`
	Count   int64  `json:"count"`
	Of      int64  `json:"of,omitempty"`
	Message string `json:"message"`
	// Acknowledged findings carry the plan's reason; Fatal ones cannot be
	// acknowledged (values lost).
	Acknowledged bool   `json:"acknowledged"`
	Reason       string `json:"reason,omitempty"`
	Fatal        bool   `json:"fatal,omitempty"`
}

// Fails says the finding fails verification.
func (f Finding) Fails() bool { return f.Fatal || !f.Acknowledged }

// Fail records a problem and fails the verification.
func (s *Summary) Fail(format string, args ...any) {
	s.Pass = false
	s.Problems = append(s.Problems, fmt.Sprintf(format, args...))
}

// Finish decides PASS or FAIL from what the summary holds: every table's
// equation, every content check, the archive, every list and finding.
func (s *Summary) Finish(now time.Time) {
	s.SchemaVersion = SchemaVersion
	s.Finished = now.UTC()
	s.Exceptions = nil
	for _, c := range s.Contents {
		s.Exceptions = append(s.Exceptions, c.Differences...)
	}
	pass := s.holds()
	s.Pass = pass
	if pass {
		s.Verdict = "PASS: every source record is accounted for, and the target and archive hold exactly what the mappings give"
	} else {
		s.Verdict = s.failVerdict()
	}
}

// holds is the rule Finish decides by, on what the summary lists.
func (s *Summary) holds() bool {
	pass := len(s.Problems) == 0
	for _, t := range s.Tables {
		pass = pass && t.OK
	}
	for _, c := range s.Contents {
		pass = pass && c.OK
	}
	pass = pass && s.Archive.OK && len(s.ArchiveExceptions) == 0
	for _, r := range s.SourceReads {
		pass = pass && r.OK
	}
	for _, g := range s.Groups {
		pass = pass && g.OK
	}
	for _, l := range s.Lists {
		pass = pass && l.OK
	}
	for _, u := range s.Units {
		pass = pass && u.OK
	}
	for _, g := range s.SourceGroups {
		pass = pass && g.OK
	}
	if s.Access != nil {
		pass = pass && s.Access.OK
	}
	for _, f := range s.Findings {
		pass = pass && !f.Fails()
	}
	return pass
}

// Contradicted says why a summary read back from its file says PASS while
// what it lists does not pass, "" when it says FAIL or what it lists
// passes. regflytt never writes such a file: one was edited after
// verification wrote it (its pass field, or a count whose ok flag was left
// as it was), and whoever reads the file to show a verdict (the national
// follow-up, the review document) must show no PASS for it. The counts
// are held to their equations again, so that a raised count with its ok
// left true is seen too.
func (s *Summary) Contradicted() string {
	if !s.Pass {
		return ""
	}
	var why []string
	// A summary with no archive section at all (zero) says nothing of the
	// archive to contradict.
	c := *s
	if c.Archive == (ArchiveEquation{}) {
		c.Archive.OK = true
	}
	if !c.holds() {
		why = append(why, "what it lists fails (a problem, a table, a content check, the archive, a list or a finding)")
	}
	if len(s.Exceptions) > 0 {
		why = append(why, fmt.Sprintf("it lists %d exceptions", len(s.Exceptions)))
	}
	for _, t := range s.Tables {
		if t.SourceRecords != t.Read || t.SourceRecords != t.Migrated+t.Archived+t.Excluded || t.InArchive != t.Archived {
			why = append(why, fmt.Sprintf("source table %s: %d records, %d read, %d migrated + %d archived + %d excluded, %d in the archive package",
				t.Source, t.SourceRecords, t.Read, t.Migrated, t.Archived, t.Excluded, t.InArchive))
		}
	}
	for _, c := range s.Columns {
		if !c.balances() {
			why = append(why, fmt.Sprintf("receiving column %s.%s: its value equation does not balance", c.Table, c.Column))
		}
	}
	return strings.Join(why, "; ")
}

// failVerdict says what failed in a summary that does not pass (Failed),
// as the run's report does (Report.FailVerdict).
func (s *Summary) failVerdict() string {
	return failVerdict(s.Failed(), ": see the problems, exceptions and findings", "FAIL: see the problems, exceptions and findings")
}

// Failed says what a summary that does not pass failed on: the records
// (a table's, a unit's or a control group's equation), access (who may
// see what), or other checks (content, the archive, findings); read from
// the summary, so also of a verify-report.json written before it had a
// verdict.
func (s *Summary) Failed() Failed {
	records := false
	for _, t := range s.Tables {
		records = records || !t.OK
	}
	for _, u := range s.Units {
		records = records || !u.OK
	}
	for _, g := range s.SourceGroups {
		records = records || !g.OK
	}
	access := s.Access != nil && !s.Access.OK
	// Anything else that fails: a copy of Finish's conditions without
	// the records and access.
	other := len(s.Problems) > 0 || !s.Archive.OK || len(s.ArchiveExceptions) > 0
	for _, c := range s.Contents {
		other = other || !c.OK
	}
	for _, r := range s.SourceReads {
		other = other || !r.OK
	}
	for _, g := range s.Groups {
		other = other || !g.OK
	}
	for _, l := range s.Lists {
		other = other || !l.OK
	}
	for _, f := range s.Findings {
		other = other || f.Fails()
	}
	return Failed{Records: records, Access: access, Other: other}
}

// WriteJSON writes the summary as indented JSON.
func (s *Summary) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(s)
}

// The files a verification writes into its work directory. They are not
// report.json, which is the run's own record (its ledger, how far it
// got) in the same directory: verify never overwrites what it checks.
const (
	JSONFile = "verify-report.json"
	HTMLFile = "verify-report.html"
)

// WriteFiles writes JSONFile and HTMLFile into dir, each whole or not
// at all (a temporary file renamed). When one cannot be written, the
// earlier file of each name not yet replaced is removed: portfolio
// status and plan render read them as the register's verification, and
// an earlier verification's PASS must not stand for this one.
func (s *Summary) WriteFiles(dir string) error {
	files := []struct {
		name  string
		write func(io.Writer) error
	}{{JSONFile, s.WriteJSON}, {HTMLFile, s.WriteHTML}}
	var tmps []string
	renamed := 0
	werr := func() error {
		for _, f := range files {
			tmp, err := writeTemp(dir, f.name, f.write)
			if err != nil {
				return err
			}
			tmps = append(tmps, tmp)
		}
		for i, tmp := range tmps {
			if err := os.Rename(tmp, filepath.Join(dir, files[i].name)); err != nil {
				return fmt.Errorf("verification report %s: %w", filepath.Join(dir, files[i].name), err)
			}
			renamed++
		}
		return nil
	}()
	if werr == nil {
		return nil
	}
	for _, tmp := range tmps[renamed:] {
		os.Remove(tmp)
	}
	for _, f := range files[renamed:] {
		path := filepath.Join(dir, f.name)
		if fi, err := os.Lstat(path); err != nil || !fi.Mode().IsRegular() {
			continue
		}
		if err := os.Remove(path); err != nil {
			werr = errors.Join(werr, fmt.Errorf("an earlier %s stays and is not this verification's: %w", path, err))
		}
	}
	return werr
}

// writeTemp writes one report into a temporary file beside its name.
func writeTemp(dir, name string, write func(io.Writer) error) (string, error) {
	f, err := os.CreateTemp(dir, "."+name+".*")
	if err != nil {
		return "", fmt.Errorf("verification report %s: %w", filepath.Join(dir, name), err)
	}
	werr := write(f)
	if err := f.Chmod(0o640); werr == nil {
		werr = err
	}
	if err := f.Close(); werr == nil {
		werr = err
	}
	if werr != nil {
		os.Remove(f.Name())
		return "", fmt.Errorf("verification report %s: %w", filepath.Join(dir, name), werr)
	}
	return f.Name(), nil
}

// WriteText prints the summary for a terminal.
func (s *Summary) WriteText(w io.Writer) error {
	fmt.Fprintf(w, "verification of %s (register %s)\n", s.Plan, s.Register)
	if s.Run != "" {
		fmt.Fprintf(w, "run held to: %s\n", s.Run)
	}
	if s.ReferenceDay != "" {
		fmt.Fprintf(w, "reference day: %s\n", s.ReferenceDay)
	}
	nameW := len("source table")
	for _, t := range s.Tables {
		nameW = max(nameW, len(t.Source))
	}
	fmt.Fprintf(w, "%-*s  %10s  %10s  %10s  %10s  %10s\n", nameW, "source table", "records", "migrated", "archived", "excluded", "")
	for _, t := range s.Tables {
		fmt.Fprintf(w, "%-*s  %10d  %10d  %10d  %10d  %10s\n", nameW, t.Source, t.SourceRecords, t.Migrated, t.Archived, t.Excluded, okMark(t.OK))
		if t.ExcludedSinceRun > 0 {
			fmt.Fprintf(w, "%-*s  %d of the %d excluded were not excluded by the run, which migrated or archived them (see finding excluded_since_run.%s)\n", nameW, "", t.ExcludedSinceRun, t.Excluded, t.Source)
		}
	}
	for _, c := range s.Contents {
		how := "in Go"
		switch {
		case c.Native:
			how = "native in the database"
		case c.Pushdown:
			how = "in the database"
		case c.ReadBack:
			how = "read back in Go"
		}
		fmt.Fprintf(w, "receiving table %s: %d rows expected, %d in the target, checksum over %d buckets %s: %s\n",
			c.Table, c.ExpectedRows, c.ActualRows, c.Buckets, how, okMark(c.OK))
	}
	for _, r := range s.SourceReads {
		var byKey string
		if r.ByKey != nil {
			byKey = "; " + r.ByKey.text()
		}
		if r.Check == nil {
			if r.ByKey != nil {
				fmt.Fprintf(w, "source table %s as its select: reads it: %s: %s\n", r.Table, r.ByKey.text(), okMark(r.OK))
				continue
			}
			fmt.Fprintf(w, "source table %s as read: %d rows, not checked: %s\n", r.Table, r.RowsRead, r.NotChecked)
			continue
		}
		if r.BySelect {
			var left string
			if len(r.ColumnsNotChecked) > 0 {
				left = " (not held to the table: " + strings.Join(r.ColumnsNotChecked, ", ") + ": a float, another kind in the select, or text read exactly only from the table)"
			}
			fmt.Fprintf(w, "source table %s as its select: reads it: %d rows read, %d in the database's own checksum of columns %s%s%s: %s\n", r.Table, r.RowsRead, r.Check.ActualRows, strings.Join(r.Check.HashedColumns, ", "), left, byKey, okMark(r.OK))
			continue
		}
		fmt.Fprintf(w, "source table %s as read: %d rows read, %d in the database's own checksum: %s\n", r.Table, r.RowsRead, r.Check.ActualRows, okMark(r.OK))
	}
	for _, g := range s.Groups {
		if !g.OK {
			fmt.Fprintf(w, "control group %s %s = %s: %d rows expected, %d in the target: MISMATCH\n", g.Table, strings.Join(g.Columns, ", "), strings.Join(g.Group, ", "), g.Expected, g.Actual)
		}
	}
	if len(s.Units) > 0 {
		unitW := len("unit")
		for _, u := range s.Units {
			unitW = max(unitW, len(unitLabel(u.Unit)))
		}
		fmt.Fprintf(w, "%-*s  %-*s  %10s  %10s  %10s  %10s  %10s\n", unitW, "unit", nameW, "source table", "records", "migrated", "archived", "excluded", "")
		for _, u := range s.Units {
			fmt.Fprintf(w, "%-*s  %-*s  %10s  %10d  %10d  %10d  %10s\n", unitW, unitLabel(u.Unit), nameW, u.Source, unitRows(u), u.Migrated, u.Archived, u.Excluded, okMark(u.OK))
		}
	}
	for _, g := range s.SourceGroups {
		fmt.Fprintf(w, "source table %s, control group %s = %s: %d source records = %d migrated + %d archived + %d excluded: %s\n",
			g.Source, g.Group, g.Value, g.SourceRows, g.Migrated, g.Archived, g.Excluded, okMark(g.OK))
	}
	if a := s.Access; a != nil {
		fmt.Fprintf(w, "access on %s: %d accounts with %d grants after, %d accounts with %d grants before: %s\n",
			a.ReferenceDate, a.Accounts, a.Grants, a.LegacyAccounts, a.LegacyGrants, accessMark(a))
	}
	fmt.Fprintf(w, "archive %s: %d records expected, %d held, manifest %s, content %s\n", s.Archive.Dir, s.Archive.Expected, s.Archive.Records, okMark(s.Archive.Manifest), okMark(s.Archive.OK))
	// The lists as the run's summary shows them: whom the excluded
	// column could hold, and which tables no entry could take a record of.
	for _, l := range s.Lists {
		fmt.Fprintf(w, "%s list: %d entries, %d matched, %d unmatched, %d acknowledged, %s\n", l.List, l.Entries, l.Matched, l.Unmatched, l.Acknowledged, okMark(l.OK))
		if len(l.NotMatchedIn) > 0 {
			fmt.Fprintf(w, "  tables not matched against it: %s\n", strings.Join(l.NotMatchedIn, ", "))
		}
	}
	for _, d := range s.Exceptions {
		fmt.Fprintf(w, "exception: %s\n", d)
	}
	for _, d := range s.ArchiveExceptions {
		fmt.Fprintf(w, "exception: %s\n", d)
	}
	for _, f := range s.Findings {
		state := "NOT ACKNOWLEDGED"
		if f.Fatal {
			state = "FAILS"
		} else if f.Acknowledged {
			state = "acknowledged: " + f.Reason
		}
		fmt.Fprintf(w, "finding %s: %s (%s)\n", f.ID, f.Message, state)
	}
	for _, p := range s.Problems {
		fmt.Fprintf(w, "problem: %s\n", p)
	}
	for _, n := range s.Notes {
		fmt.Fprintf(w, "note: %s\n", n)
	}
	_, err := fmt.Fprintln(w, s.Verdict)
	return err
}

// unitRows is a unit's source rows as counted in the source, else the
// records read ("–" marks neither: a form store's values).
func unitRows(u UnitCheck) string {
	if u.SourceRows != nil {
		return fmt.Sprint(*u.SourceRows)
	}
	return fmt.Sprintf("(%d read)", u.Read)
}

// accessMark says whether any account's access widened, or its login
// identity changed.
func accessMark(a *AccessCheck) string {
	if a.OK && a.Logins > 0 {
		shared := ""
		if len(a.LoginShared) > 0 {
			shared = fmt.Sprintf("; %d share a login identity with another account of %s, acknowledged: %s (%s)", len(a.LoginShared), a.LoginTable, a.LoginSharedReason, strings.Join(a.LoginShared, ", "))
		}
		return fmt.Sprintf("no account sees more than before, and the %d compared keep their login identities%s", a.Logins, shared)
	}
	if a.OK {
		return "no account sees more than before"
	}
	var parts []string
	for _, l := range []struct {
		what     string
		accounts []string
	}{{"widened", a.Widened}, {"from an expired appointment", a.Expired}, {"without basis", a.Baseless}, {"login identity changed", a.LoginChanged}, {"login identity shared", a.LoginShared}} {
		if len(l.accounts) > 0 {
			parts = append(parts, l.what+": "+strings.Join(l.accounts, ", "))
		}
	}
	return "FAILS (" + strings.Join(parts, "; ") + ")"
}

func okMark(ok bool) string {
	if ok {
		return "ok"
	}
	return "MISMATCH"
}

// sortedKeys lists a count map's keys in order.
func sortedCountKeys(m map[string]int64) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// countsText renders a count map as "a 1, b 2".
func countsText(m map[string]int64) string {
	var parts []string
	for _, k := range sortedCountKeys(m) {
		parts = append(parts, fmt.Sprintf("%s %d", k, m[k]))
	}
	return strings.Join(parts, ", ")
}

// Alarms are the findings that fail `regflytt verify` but not a run: not
// fatal and not acknowledged (an archived share above the plan's, codes
// no record used). They need a person's judgement, not a rerun.
func (s *Summary) Alarms() []Finding {
	var out []Finding
	for _, f := range s.Findings {
		if f.Fails() && !f.Fatal {
			out = append(out, f)
		}
	}
	return out
}

// Failures says what fails the verification but its alarms: tables,
// receiving keys, columns and counts, never a value. Empty when only
// alarms (or nothing) fail.
func (s *Summary) Failures() []string {
	out := append([]string(nil), s.Problems...)
	for _, t := range s.Tables {
		if !t.OK {
			out = append(out, fmt.Sprintf("verify: source table %s: %d records, %d read, %d migrated + %d archived + %d excluded, %d in the archive package",
				t.Source, t.SourceRecords, t.Read, t.Migrated, t.Archived, t.Excluded, t.InArchive))
		}
	}
	for _, c := range s.Contents {
		if c.OK {
			continue
		}
		out = append(out, fmt.Sprintf("verify: receiving table %s: its content differs from what the mappings give in %d buckets (%d rows expected, %d in the target)",
			c.Table, c.DifferingBuckets, c.ExpectedRows, c.ActualRows))
		for _, d := range c.Differences {
			out = append(out, "verify: "+d.String())
		}
	}
	if !s.Archive.OK {
		out = append(out, "verify: the archive package differs from what the mappings archive")
	}
	for _, d := range s.ArchiveExceptions {
		out = append(out, "verify: "+d.String())
	}
	for _, g := range s.Groups {
		if !g.OK {
			out = append(out, fmt.Sprintf("verify: receiving table %s: control group %s differs", g.Table, strings.Join(g.Columns, ", ")))
		}
	}
	for _, l := range s.Lists {
		if !l.OK {
			out = append(out, fmt.Sprintf("verify: list %s: %d entries match no person, %d acknowledged", l.List, l.Unmatched, l.Acknowledged))
		}
	}
	for _, f := range s.Findings {
		if f.Fatal {
			out = append(out, "verify: "+f.Message)
		}
	}
	return out
}
