package verify

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/regflytt/regflytt/connectors"
)

// A care provider (LPUA) may read only the records it reported, and it is
// the one who can confirm that they all arrived: so the ledger accounts
// per reporting unit too, and each unit gets a report of its own figures.
//
// The runner says which unit a record belongs to (TableLedger.ForUnit)
// before it counts the record's outcome; CheckUnits then counts the
// source per unit itself and checks, per table and unit, source rows =
// migrated + archived + excluded.

// UnitCounts are one reporting unit's outcomes in one source table.
type UnitCounts struct {
	Read       int64            `json:"read"`
	Migrated   int64            `json:"migrated"`
	Archived   int64            `json:"archived"`
	Excluded   int64            `json:"excluded"`
	ArchivedBy map[string]int64 `json:"archived_by,omitempty"`
	ExcludedBy map[string]int64 `json:"excluded_by,omitempty"`
	// OwnerLost and OwnerChanged count the unit's migrated records that
	// lost it or carry another (TableLedger.LoseOwner, ChangeOwner): the
	// unit's own report must not say its records arrived as reported.
	OwnerLost    int64 `json:"owner_lost,omitempty"`
	OwnerChanged int64 `json:"owner_changed,omitempty"`
}

func (u *UnitCounts) migrate() {
	if u != nil {
		u.Read++
		u.Migrated++
	}
}

func (u *UnitCounts) archive(reason string) {
	if u != nil {
		u.Read++
		u.Archived++
		if u.ArchivedBy == nil {
			u.ArchivedBy = map[string]int64{}
		}
		u.ArchivedBy[reason]++
	}
}

func (u *UnitCounts) exclude(reason string) {
	if u != nil {
		u.Read++
		u.Excluded++
		if u.ExcludedBy == nil {
			u.ExcludedBy = map[string]int64{}
		}
		u.ExcludedBy[reason]++
	}
}

// NoUnit is the key under which records whose unit column is NULL are
// counted: they belong to no care provider's report.
const NoUnit = ""

// ForUnit says that the record whose outcome is counted next (Migrate,
// Archive, Exclude) was reported by unit (its text, NoUnit for NULL).
func (t *TableLedger) ForUnit(unit string) {
	if t.Units == nil {
		t.Units = map[string]*UnitCounts{}
	}
	u := t.Units[unit]
	if u == nil {
		u = &UnitCounts{}
		t.Units[unit] = u
	}
	t.unit = u
}

// LoseOwner counts a migrated record whose receiving unit column is empty
// although its source named a unit: the care provider can no longer see
// it. Any fails verification.
func (t *TableLedger) LoseOwner() {
	t.OwnerLost++
	if t.unit != nil {
		t.unit.OwnerLost++
	}
}

// ChangeOwner counts a migrated record whose receiving unit column names
// another unit than its source (a code list or cast on the unit column
// that gives another id, or a unit where the source named none): another
// care provider reads it, and the one that reported it no longer can.
// The content check cannot see it (the target holds what the mapping
// says) and the per-unit equations count the source's unit, so this is
// the only place it shows. Any fails verification.
func (t *TableLedger) ChangeOwner() {
	t.OwnerChanged++
	if t.unit != nil {
		t.unit.OwnerChanged++
	}
}

// UnitText is a unit's key in the ledger: the value as text, NoUnit for
// NULL. Unit ids are codes (HSA-ids, numbers), never personal data.
func UnitText(v connectors.Value) string {
	s, ok := connectors.FormatValue(v)
	if !ok {
		return NoUnit
	}
	return s
}

// UnitSource says where CheckUnits counts a table's records per unit
// itself: the source table, its unit column, and the key it is read by.
type UnitSource struct {
	Table  *connectors.Table
	Column string
	Key    []string
}

// CountUnits reads a source table in the snapshot and counts its rows per
// unit: the figures the ledger is compared with, taken without it.
func CountUnits(ctx context.Context, snap connectors.Snapshot, src UnitSource) (map[string]int64, error) {
	idx := src.Table.ColumnIndex(src.Column)
	if idx < 0 {
		return nil, fmt.Errorf("verify: source table %s has no unit column %s", src.Table.Name, src.Column)
	}
	rows, err := snap.Scan(ctx, src.Table, connectors.ScanOptions{Key: src.Key})
	if err != nil {
		return nil, fmt.Errorf("verify: count units of %s: %w", src.Table.Name, err)
	}
	defer rows.Close()
	counts := map[string]int64{}
	for rows.Next() {
		counts[UnitText(rows.Row()[idx])]++
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("verify: count units of %s: %w", src.Table.Name, err)
	}
	return counts, nil
}

// UnitCheck is one table's equation for one reporting unit.
type UnitCheck struct {
	Unit string `json:"unit"`
	// ReceivingUnit is the receiving platform's id of the unit when the
	// mapping translates unit ids (unit: {translate: list}); the checks
	// stay keyed by the legacy Unit, which the care provider knows.
	ReceivingUnit string `json:"receiving_unit,omitempty"`
	Source        string `json:"source_table"`
	Target        string `json:"target_table,omitempty"`
	// SourceRows is the unit's rows counted in the source; nil when the
	// unit is not a column of the table (a form store's values follow
	// their entity's unit), so only the run's counts add up.
	SourceRows *int64 `json:"source_rows,omitempty"`
	// UnitFromParent says the unit is each record's parent record's
	// (unit: {parent: true}): the source rows per unit are those the run
	// read and looked up, not a second count.
	UnitFromParent bool `json:"unit_from_parent,omitempty"`
	UnitCounts
	OK bool `json:"ok"`
}

// CheckUnits checks every table the ledger counts per unit: the units add
// up to the table, and, where sources names the table, each unit's source
// rows equal its migrated + archived + excluded. It adds the checks to
// r.Units and what fails to r.Problems.
func CheckUnits(ctx context.Context, snap connectors.Snapshot, sources map[string]UnitSource, l *Ledger, r *Report) error {
	fail := func(format string, args ...any) {
		r.Pass = false
		r.Problems = append(r.Problems, fmt.Sprintf(format, args...))
	}
	for _, tl := range l.Tables {
		if tl.Units == nil {
			continue
		}
		var sum UnitCounts
		for _, u := range tl.Units {
			sum.Read += u.Read
			sum.Migrated += u.Migrated
			sum.Archived += u.Archived
			sum.Excluded += u.Excluded
		}
		if sum.Read != tl.Read || sum.Migrated != tl.Migrated || sum.Archived != tl.Archived || sum.Excluded != tl.Excluded {
			fail("source table %s: its reporting units account for %d records (%d migrated, %d archived, %d excluded), the table for %d (%d, %d, %d): a record was counted for no unit",
				tl.Source, sum.Read, sum.Migrated, sum.Archived, sum.Excluded, tl.Read, tl.Migrated, tl.Archived, tl.Excluded)
		}
		if tl.OwnerLost > 0 {
			fail("source table %s: %d migrated records lost their reporting unit (the receiving column is empty where the source named a unit): their care provider can no longer see them; carry %s as it is",
				tl.Source, tl.OwnerLost, tl.UnitColumn)
		}
		if tl.OwnerChanged > 0 {
			fail("source table %s: %d migrated records carry another reporting unit in %s than the source names (a code list, cast or expression changed it): another care provider would read them; carry %s as it is, or, when the receiving platform names units by other ids, declare the translation (unit: {column: %s, translate: <code list>}); a receiving column that holds something derived from the unit (a size class, a region), not the unit, is named as such (unit: {column: %s, derived: [<receiving column>]})",
				tl.Source, tl.OwnerChanged, tl.Target, tl.UnitColumn, tl.UnitColumn, tl.UnitColumn)
		}
		var counted map[string]int64
		if src, ok := sources[tl.Source]; ok {
			var err error
			if counted, err = CountUnits(ctx, snap, src); err != nil {
				return err
			}
		}
		units := map[string]bool{}
		for u := range tl.Units {
			units[u] = true
		}
		for u := range counted {
			units[u] = true
		}
		for _, u := range sortedKeys(units) {
			c := UnitCheck{Unit: u, Source: tl.Source, Target: tl.Target, UnitFromParent: tl.UnitFromParent}
			if uc := tl.Units[u]; uc != nil {
				c.UnitCounts = *uc
			}
			accounted := c.Migrated + c.Archived + c.Excluded
			c.OK = accounted == c.Read
			if counted != nil {
				n := counted[u]
				c.SourceRows = &n
				c.OK = c.OK && n == accounted
			}
			balanced := c.OK
			if c.OwnerLost > 0 || c.OwnerChanged > 0 {
				c.OK = false
				fail("source table %s, reporting unit %s: %d migrated records carry another reporting unit, %d none: the unit's care provider no longer reads them as it reported them",
					tl.Source, unitLabel(u), c.OwnerChanged, c.OwnerLost)
			}
			if !balanced {
				src := "not counted"
				if c.SourceRows != nil {
					src = fmt.Sprint(*c.SourceRows)
				}
				fail("source table %s, reporting unit %s: %s source rows, but %d read and %d migrated + %d archived + %d excluded = %d",
					tl.Source, unitLabel(u), src, c.Read, c.Migrated, c.Archived, c.Excluded, accounted)
			}
			r.Units = append(r.Units, c)
		}
	}
	return nil
}

func unitLabel(u string) string {
	if u == NoUnit {
		return "(none)"
	}
	return u
}

func sortedKeys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sortUnits(out)
	return out
}

// sortUnits orders unit ids as numbers when both are, else as text.
func sortUnits(units []string) {
	sort.Slice(units, func(i, j int) bool {
		a, aerr := strconv.ParseInt(units[i], 10, 64)
		b, berr := strconv.ParseInt(units[j], 10, 64)
		if aerr == nil && berr == nil {
			return a < b
		}
		return units[i] < units[j]
	})
}

// UnitReport is what one care provider is sent: its own unit's figures,
// nothing of any other unit's.
type UnitReport struct {
	Version  int    `json:"report_version"`
	Register string `json:"register"`
	Unit     string `json:"unit"`
	// ReceivingUnit is the unit's id on the receiving platform, when it
	// has another (see UnitCheck).
	ReceivingUnit string    `json:"receiving_unit,omitempty"`
	Finished      time.Time `json:"finished"`
	// Pass is the unit's verdict: its own figures add up (UnitOK) and the
	// report it is cut from passed. The content check, the archive and
	// the findings are the register's, not a unit's: a unit's records
	// whose values changed fail them, not the unit's figures.
	Pass bool `json:"pass"`
	// UnitOK says the unit's own figures add up, whatever the register's.
	UnitOK bool        `json:"unit_ok"`
	Tables []UnitCheck `json:"tables"`
}

// UnitReports splits the report's per-unit checks into one report per
// reporting unit. Records without a unit are in no unit's report (the
// registry's own report counts them).
func UnitReports(r *Report) []UnitReport {
	byUnit := map[string]*UnitReport{}
	var order []string
	for _, c := range r.Units {
		if c.Unit == NoUnit {
			continue
		}
		ur := byUnit[c.Unit]
		if ur == nil {
			ur = &UnitReport{Version: ReportVersion, Register: r.Register, Unit: c.Unit, Finished: r.Finished, Pass: r.Pass, UnitOK: true}
			byUnit[c.Unit] = ur
			order = append(order, c.Unit)
		}
		if ur.ReceivingUnit == "" {
			ur.ReceivingUnit = c.ReceivingUnit
		}
		ur.Tables = append(ur.Tables, c)
		ur.Pass = ur.Pass && c.OK
		ur.UnitOK = ur.UnitOK && c.OK
	}
	sortUnits(order)
	out := make([]UnitReport, 0, len(order))
	for _, u := range order {
		out = append(out, *byUnit[u])
	}
	return out
}

// WriteUnitReports writes, into dir, unit-<id>.json and unit-<id>.md for
// every reporting unit, removes the unit reports of other units an
// earlier run left there, and returns the files' names.
func WriteUnitReports(dir string, r *Report) ([]string, error) {
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return nil, fmt.Errorf("unit reports: %w", err)
	}
	var names []string
	for _, ur := range UnitReports(r) {
		base := "unit-" + unitFileName(ur.Unit)
		b, err := json.MarshalIndent(ur, "", "  ")
		if err != nil {
			return nil, err
		}
		if err := os.WriteFile(filepath.Join(dir, base+".json"), append(b, '\n'), 0o640); err != nil {
			return nil, fmt.Errorf("unit reports: %w", err)
		}
		if err := os.WriteFile(filepath.Join(dir, base+".md"), []byte(ur.Markdown()), 0o640); err != nil {
			return nil, fmt.Errorf("unit reports: %w", err)
		}
		names = append(names, base+".json", base+".md")
	}
	if _, err := removeOtherUnitReports(dir, names); err != nil {
		return names, err
	}
	return names, nil
}

// RemoveUnitReports removes every unit report in dir, other files
// staying, and says how many files went: a run or verification given dir
// removes them as it starts (plans). A dir that does not exist, or is no
// directory, holds none to remove (writing into it fails at the end, as
// it did); the error is a report that stays, or a dir that cannot be
// read.
func RemoveUnitReports(dir string) (int, error) {
	fi, err := os.Stat(dir)
	if errors.Is(err, fs.ErrNotExist) || err == nil && !fi.IsDir() {
		return 0, nil
	}
	return removeOtherUnitReports(dir, nil)
}

// removeOtherUnitReports removes the unit reports in dir that are not
// among written: an earlier run's (a rehearsal's) report of a unit this
// run has no record of would be sent on as this run's, with figures no
// run of the registry now gives. Only files that are unit reports go:
// unit-<id>.json that reads as one, and unit-<id>.md that begins as one.
func removeOtherUnitReports(dir string, written []string) (removed int, err error) {
	keep := map[string]bool{}
	for _, n := range written {
		keep[n] = true
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return removed, fmt.Errorf("unit reports: %w", err)
	}
	for _, e := range entries {
		name := e.Name()
		if keep[name] || !e.Type().IsRegular() || !strings.HasPrefix(name, "unit-") {
			continue
		}
		path := filepath.Join(dir, name)
		b, err := os.ReadFile(path)
		if err != nil {
			return removed, fmt.Errorf("unit reports: %w", err)
		}
		var ur UnitReport
		switch filepath.Ext(name) {
		case ".json":
			if json.Unmarshal(b, &ur) != nil || ur.Version == 0 || ur.Unit == "" {
				continue
			}
		case ".md":
			if !strings.HasPrefix(string(b), "# Register ") || !strings.Contains(string(b), ": the records reported by care unit ") {
				continue
			}
		default:
			continue
		}
		if err := os.Remove(path); err != nil {
			return removed, fmt.Errorf("unit reports: an earlier run's %s stays: %w", path, err)
		}
		removed++
	}
	return removed, nil
}

// unitFileName makes a unit id a file name; an id that needs changing
// gets a digest of itself, so that two ids never share a file. An id with
// a lower-case letter gets one too: on a case-blind file system (macOS's
// and Windows' defaults, a share the reports are sent from) "kir1" and
// "KIR1" are one file, and one unit's report would replace the other's
// under its name. Ids of digits and capitals (numbers, HSA-ids) keep
// theirs.
func unitFileName(u string) string {
	lower := false
	safe := strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' {
			lower = true
		}
		if r == '-' || r == '_' || r == '.' || (r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z') || (r >= '0' && r <= '9') {
			return r
		}
		return '_'
	}, u)
	if safe == u && !lower && strings.Trim(u, ".") != "" {
		return u
	}
	sum := sha256.Sum256([]byte(u))
	return safe + "-" + hex.EncodeToString(sum[:4])
}

// Markdown is the unit report as a short text for the care provider.
func (ur UnitReport) Markdown() string {
	var b strings.Builder
	verdict := "PASS"
	if !ur.Pass {
		verdict = "FAIL"
	}
	fmt.Fprintf(&b, "# Register %s: the records reported by care unit %s\n\n", mdValue(ur.Register), mdValue(ur.Unit))
	if ur.ReceivingUnit != "" {
		fmt.Fprintf(&b, "On the receiving platform the unit is %s.\n\n", mdValue(ur.ReceivingUnit))
	}
	switch {
	case ur.Pass:
		fmt.Fprintf(&b, "Migration finished %s: %s. Every record the unit reported is migrated, archived (kept by the registry's data controller, with the reason) or excluded (opt-out or erasure).\n\n",
			ur.Finished.Format(time.RFC3339), verdict)
	case ur.UnitOK:
		fmt.Fprintf(&b, "Migration finished %s: %s. The unit's figures below add up, but the verification of the register as a whole failed (its report says why, and it may concern this unit's records): this is no confirmation that the unit's records arrived as reported.\n\n",
			ur.Finished.Format(time.RFC3339), verdict)
	default:
		fmt.Fprintf(&b, "Migration finished %s: %s. Not every record the unit reported is accounted for as migrated, archived (kept by the registry's data controller, with the reason) or excluded (opt-out or erasure): see the rows marked NO.\n\n",
			ur.Finished.Format(time.RFC3339), verdict)
	}
	b.WriteString("| source table | source rows | migrated | archived | excluded | ok |\n| --- | ---: | ---: | ---: | ---: | --- |\n")
	for _, t := range ur.Tables {
		src := "–"
		if t.SourceRows != nil {
			src = fmt.Sprint(*t.SourceRows)
		}
		ok := "yes"
		if !t.OK {
			ok = "NO"
		}
		fmt.Fprintf(&b, "| %s | %s | %d | %d | %d | %s |\n", mdValue(t.Source), src, t.Migrated, t.Archived, t.Excluded, ok)
	}
	for _, t := range ur.Tables {
		for _, reason := range sortedCounts(t.ArchivedBy) {
			fmt.Fprintf(&b, "\n- %s: %d archived as %s", t.Source, t.ArchivedBy[reason], reason)
		}
		for _, reason := range sortedCounts(t.ExcludedBy) {
			fmt.Fprintf(&b, "\n- %s: %d excluded as %s", t.Source, t.ExcludedBy[reason], reason)
		}
		if t.OwnerChanged > 0 || t.OwnerLost > 0 {
			fmt.Fprintf(&b, "\n- %s: %d migrated records carry another care unit on the receiving platform, %d none", t.Source, t.OwnerChanged, t.OwnerLost)
		}
	}
	b.WriteString("\n")
	return b.String()
}

// mdValue writes a value of the data (a unit's id, from the legacy
// platform) or of the mapping (a table's name) into a unit report's
// Markdown as one line of text: one with a line break or another control
// character is written quoted (\n), so that it adds no line of its own
// (a "PASS" under a FAIL), a | ends no table cell, brackets make no link,
// and a < that could open an HTML tag is &lt;.
func mdValue(s string) string {
	if strings.ContainsFunc(s, unicode.IsControl) {
		s = strconv.Quote(s)
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '|' || c == '[' || c == ']':
			// A | would end a table cell; brackets would make a link or
			// an image of legacy data in a report sent to a care
			// provider ([Bekräfta här](https://…)).
			b.WriteByte('\\')
			b.WriteByte(c)
		case c == '<' && i+1 < len(s) && (s[i+1] == '/' || s[i+1] == '!' || s[i+1] == '?' || 'a' <= s[i+1] && s[i+1] <= 'z' || 'A' <= s[i+1] && s[i+1] <= 'Z'):
			b.WriteString("&lt;")
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

func sortedCounts(m map[string]int64) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// maxUnitLines bounds the units the terminal summary lists one by one;
// report.json has them all.
const maxUnitLines = 40

// writeUnitsText prints the per-unit equations summed over the tables:
// one line per reporting unit.
func (r *Report) writeUnitsText(w io.Writer) {
	if a := r.Access; a != nil {
		logins := ""
		if a.Logins > 0 {
			logins = fmt.Sprintf(", login identity changed %d of %d", len(a.LoginChanged), a.Logins)
		}
		if len(a.LoginShared) > 0 {
			state := "NOT ACKNOWLEDGED"
			if a.LoginSharedReason != "" {
				state = "acknowledged: " + a.LoginSharedReason
			}
			logins += fmt.Sprintf(", login identity shared %d (%s)", len(a.LoginShared), state)
		}
		fmt.Fprintf(w, "access on %s: %d accounts with %d grants before, %d with %d after; widened %d, expired carried %d, without basis %d%s, %s\n",
			a.ReferenceDate, a.LegacyAccounts, a.LegacyGrants, a.Accounts, a.Grants, len(a.Widened), len(a.Expired), len(a.Baseless), logins, okText(a.OK))
	}
	if len(r.Units) == 0 {
		return
	}
	type sum struct {
		rows, mig, arc, exc int64
		counted, ok         bool
	}
	byUnit := map[string]*sum{}
	var order []string
	for _, c := range r.Units {
		s := byUnit[c.Unit]
		if s == nil {
			s = &sum{ok: true, counted: true}
			byUnit[c.Unit] = s
			order = append(order, c.Unit)
		}
		if c.SourceRows != nil {
			s.rows += *c.SourceRows
		} else {
			s.counted = false
		}
		s.mig, s.arc, s.exc = s.mig+c.Migrated, s.arc+c.Archived, s.exc+c.Excluded
		s.ok = s.ok && c.OK
	}
	sortUnits(order)
	units := len(order)
	if _, ok := byUnit[NoUnit]; ok {
		units-- // "(none)" holds the records of no unit: no unit of its own
	}
	fmt.Fprintf(w, "reporting units: %d (per unit, all its tables)\n", units)
	fmt.Fprintf(w, "  %-20s  %10s  %10s  %10s  %10s\n", "unit", "rows", "migrated", "archived", "excluded")
	for i, u := range order {
		if i == maxUnitLines {
			fmt.Fprintf(w, "  … %d more units in report.json\n", len(order)-i)
			break
		}
		s := byUnit[u]
		rows := "–"
		if s.counted {
			rows = fmt.Sprint(s.rows)
		}
		fmt.Fprintf(w, "  %-20s  %10s  %10d  %10d  %10d  %s\n", unitLabel(u), rows, s.mig, s.arc, s.exc, okText(s.ok))
	}
}
