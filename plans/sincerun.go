package plans

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/regflytt/regflytt/archive"
	"github.com/regflytt/regflytt/connectors"
	"github.com/regflytt/regflytt/verify"
)

// What verify holds to the run that wrote the target. verify proves the
// target and the archive package from the source as it reads now; the
// run's own record (its last checkpoint in the target: when it started,
// when it last committed, its ledger) proves nothing, but where what
// verify finds is not what the run did, a PASS read alone says the run
// did it.
const (
	// FindingExcludedSinceRun is the finding of a source table whose
	// records are excluded now by more than the run excluded (an
	// opt-out or erasure list entry added since the run, the records'
	// rows removed from the target or package after it):
	// excluded_since_run.<source table> in verification.acknowledge.
	FindingExcludedSinceRun = "excluded_since_run"
	// FindingIncludedSinceRun is the finding of a source table with
	// records the run excluded that are not excluded now (an entry
	// removed from a list since the run): included_since_run.<source
	// table>.
	FindingIncludedSinceRun = "included_since_run"
	// FindingSourceChangedSinceRun is the finding of a source table
	// whose records verify reads are not those the run read: a record
	// removed from (or added to) the source since the run, with its row
	// removed from (or added to) the target alike, balances every
	// equation: source_changed_since_run.<source table>.
	FindingSourceChangedSinceRun = "source_changed_since_run"
	// FindingTargetTableUndeclared is the finding of a table in the
	// target that the receiving schema does not declare (and regflytt's
	// bookkeeping is not): target_table_undeclared.<table>.
	FindingTargetTableUndeclared = "target_table_undeclared"
	// RulePackageOfAnotherRun: the archive package was not written by
	// the run whose checkpoint the target holds.
	RulePackageOfAnotherRun = "package_of_another_run"
)

// runRecord is the run's last checkpoint in the target (cp nil when it
// holds none) and when it was committed.
type runRecord struct {
	cp *checkpoint
	at time.Time
}

// runCheckpoint reads the plan's last checkpoint in the target.
func (r *runner) runCheckpoint(ctx context.Context, tsnap connectors.Snapshot, inTarget map[string]*connectors.Table) (runRecord, error) {
	register := r.bookkeeping(nil).register
	var rec runRecord
	if inTarget[checkpointTableName] == nil {
		return rec, nil
	}
	var last []byte
	err := scanIn(ctx, tsnap, &checkpointTable, func(row []connectors.Value) error {
		if reg, _ := row[0].(string); reg == register {
			s, _ := row[5].(string)
			last = []byte(s)
			rec.at, _ = row[3].(time.Time)
		}
		return nil
	})
	if err != nil {
		return rec, fmt.Errorf("target: %w", err)
	}
	if last == nil {
		return runRecord{}, nil
	}
	if rec.cp, err = decodeCheckpoint(last); err != nil {
		return rec, fmt.Errorf("target: %s of register %s: %w", checkpointTableName, register, err)
	}
	return rec, nil
}

// runLabel names the run by its day and start, as package.json does.
func (rec runRecord) runLabel() string {
	s := rec.cp.Started.UTC()
	return s.Format(time.DateOnly) + " (" + s.Format("20060102T150405Z") + ")"
}

// listWords names the list a reason code excludes by.
func listWords(reason string) string {
	switch reason {
	case "opt_out":
		return "opt-out"
	case "erasure":
		return "erasure"
	}
	return reason
}

// exclusionsSinceRun holds the exclusions verify's re-reading of the
// source gives each table (ledger) to those the run's ledger recorded:
// a list entry added after the run, with the records' rows then removed
// from the target, balances every equation, and the report counted the
// records as excluded as if the run had excluded them. Per table, the
// records excluded now that the run did not exclude are a finding, and
// so are those it excluded that are not excluded now. eqs get the count
// of the former (TableEquation.ExcludedSinceRun).
// A list's own table (skip) is left out: its rows count as excluded,
// and one added since the run is the entry, whose records its data
// tables' findings count.
//
// An erasure after the run (regflytt archive erase, then the person on
// the plan's erasure list) removes records the run archived from the
// package and logs how many of each table (erased, by source table):
// that many records of the table excluded now for erasure are accounted
// for by the package's log, and noted. erased[""] counts the records of
// erasures logged before the log said their tables: they are accounted
// to a table only when it is the one table whose erasures grew, as a
// count shared across tables could land on the wrong one.
func exclusionsSinceRun(rec runRecord, ledger *verify.Ledger, eqs []verify.TableEquation, skip func(table string) bool, erased map[string]int64) (fs []verify.Finding, notes []string) {
	if rec.cp == nil || rec.cp.Ledger == nil || ledger == nil {
		return nil, nil
	}
	if rec.cp.Stage != stageMoved && rec.cp.Stage != stageFinished {
		// A run stopped mid-move left the ledger of the records it had
		// read so far: held to it, every table read in full now would
		// look changed since the run.
		return nil, []string{fmt.Sprintf("the source was not compared with the run of %s: its last checkpoint in the target's %s is at stage %q, before its move finished, so its ledger counts only the records read so far", rec.runLabel(), checkpointTableName, rec.cp.Stage)}
	}
	ran := map[string]*verify.TableLedger{}
	for _, tl := range rec.cp.Ledger.Tables {
		ran[tl.Source] = tl
	}
	grown := 0
	for _, tl := range ledger.Tables {
		if was := ran[tl.Source]; was != nil && !skip(tl.Source) && tl.ExcludedBy["erasure"] > was.ExcludedBy["erasure"] {
			grown++
		}
	}
	for _, tl := range ledger.Tables {
		was := ran[tl.Source]
		if was == nil || skip(tl.Source) {
			continue
		}
		counts := func(tl *verify.TableLedger) string {
			return fmt.Sprintf("%d migrated, %d archived, %d excluded", tl.Migrated, tl.Archived, tl.Excluded)
		}
		switch {
		case tl.Read != was.Read:
			n, how := tl.Read-was.Read, "added to"
			if n < 0 {
				n, how = -n, "removed from"
			}
			fs = append(fs, verify.Finding{Kind: FindingSourceChangedSinceRun, Subject: tl.Source, Count: n, Of: was.Read,
				Message: fmt.Sprintf("the run of %s read %d records of %s (%s), verify reads %d (%s): %d %s %s the source since the run, and the target and archive package changed with the source, so every equation balances with the source as it is now, not with what the run migrated (the run's ledger, in the target's %s)",
					rec.runLabel(), was.Read, tl.Source, counts(was), tl.Read, counts(tl), n, recordWord(n), how, checkpointTableName)})
		case tl.Excluded == was.Excluded && tl.Migrated != was.Migrated:
			n := max(tl.Migrated-was.Migrated, was.Migrated-tl.Migrated)
			fs = append(fs, verify.Finding{Kind: FindingSourceChangedSinceRun, Subject: tl.Source, Count: n, Of: was.Read,
				Message: fmt.Sprintf("the run of %s read %d records of %s (%s), verify reads as many (%s): %d %s moved between migrated and archived, so their source values changed since the run, and the target and archive package changed with them (the run's ledger, in the target's %s)",
					rec.runLabel(), was.Read, tl.Source, counts(was), counts(tl), n, recordWord(n), checkpointTableName)})
		}
		reasons := map[string]bool{}
		for k := range tl.ExcludedBy {
			reasons[k] = true
		}
		for k := range was.ExcludedBy {
			reasons[k] = true
		}
		var more, fewer int64
		var moreBy, fewerBy []string
		for _, k := range sortedKeys(reasons) {
			now, then := tl.ExcludedBy[k], was.ExcludedBy[k]
			switch {
			case now > then && k == "erasure" && (erased[tl.Source] > 0 || grown == 1 && erased[""] > 0):
				logged := min(now-then, erased[tl.Source])
				if grown == 1 {
					logged = min(now-then, erased[tl.Source]+erased[""])
				}
				notes = append(notes, fmt.Sprintf("%s: %d %s excluded now for erasure that the run of %s archived were removed from the archive package by the erasures its log records", tl.Source, logged, recordWord(logged), rec.runLabel()))
				if now-then > logged {
					more += now - then - logged
					moreBy = append(moreBy, fmt.Sprintf("%d for %s (%s list: the run excluded %d, now %d, %d of them erased from the archive package as its log records)", now-then-logged, k, listWords(k), then, now, logged))
				}
			case now > then:
				more += now - then
				moreBy = append(moreBy, fmt.Sprintf("%d for %s (%s list: the run excluded %d, now %d)", now-then, k, listWords(k), then, now))
			case now < then:
				fewer += then - now
				fewerBy = append(fewerBy, fmt.Sprintf("%d for %s (%s list: the run excluded %d, now %d)", then-now, k, listWords(k), then, now))
			}
		}
		if more > 0 {
			for i := range eqs {
				if eqs[i].Source == tl.Source {
					eqs[i].ExcludedSinceRun = more
				}
			}
			fs = append(fs, verify.Finding{Kind: FindingExcludedSinceRun, Subject: tl.Source, Count: more, Of: tl.Read,
				Message: fmt.Sprintf("%d %s of %s excluded now that the run of %s did not exclude: %s: entries added to the lists since the run; the run migrated or archived these records, and the target and archive package no longer hold them, so this verification balances with the lists as they read now, not as the run read them (the run's ledger, in the target's %s, excluded %d of %s in all)",
					more, recordWord(more), tl.Source, rec.runLabel(), strings.Join(moreBy, ", "), checkpointTableName, was.Excluded, tl.Source)})
		}
		if fewer > 0 {
			fs = append(fs, verify.Finding{Kind: FindingIncludedSinceRun, Subject: tl.Source, Count: fewer, Of: tl.Read,
				Message: fmt.Sprintf("%d %s of %s that the run of %s excluded are not excluded now: %s: entries removed from the lists since the run; whatever the target or archive package holds of them was written after the run",
					fewer, recordWord(fewer), tl.Source, rec.runLabel(), strings.Join(fewerBy, ", "))})
		}
	}
	return fs, notes
}

// undeclaredTargetTables names the tables of the target that the
// receiving schema does not declare, but regflytt's bookkeeping: a copy
// of a receiving table, another tool's load. verify proves only the
// declared tables, so a PASS said the target holds exactly what the
// mappings give while such a table may hold records (a copy taken before
// an opt-out's rows were removed) no equation accounts for. Whether one
// is the receiving platform's own or a leak needs a person: an alarm,
// acknowledged per table with the reason, not a failure of the run.
// undeclaredCountLimit is the catalogue's row estimate from which an
// undeclared table is named by the estimate rather than counted; below
// it (or with no estimate, as a table never analysed has) a count is
// cheap.
const undeclaredCountLimit = 100_000

func undeclaredTargetTables(ctx context.Context, tsnap connectors.Snapshot, tcat []connectors.Table, declared map[string]bool) ([]verify.Finding, error) {
	var out []verify.Finding
	names := make([]string, 0, len(tcat))
	estimate := map[string]int64{}
	for i := range tcat {
		names = append(names, tcat[i].Name)
		estimate[tcat[i].Name] = tcat[i].RowEstimate
	}
	sort.Strings(names)
	for _, name := range names {
		if declared[name] || name == runTableName || name == checkpointTableName {
			continue
		}
		if est := estimate[name]; est >= undeclaredCountLimit {
			// A platform's own large table, counted on each verify and
			// each run's end check, is a full scan each time: the
			// catalogue's estimate names it as well (PostgreSQL's
			// reltuples, MariaDB's table_rows).
			out = append(out, verify.Finding{Kind: FindingTargetTableUndeclared, Subject: name, Count: est,
				Message: fmt.Sprintf("the target holds table %s (about %d rows, the catalogue's estimate: not counted, as counting a table that size is costly), which the receiving schema does not declare: verification proves nothing of it; if it holds the register's records (a copy, another tool's load), they are outside every equation", name, est)})
			continue
		}
		held := ""
		n, err := tsnap.Count(ctx, name)
		switch {
		case err != nil && ctx.Err() != nil:
			return nil, fmt.Errorf("target: count %s: %w", name, err)
		case err != nil:
			// The platform's own table, which the account verify reads
			// with may not read: named all the same, not a stop of the
			// verification of the tables the schema declares.
			held = fmt.Sprintf("its rows could not be counted: %v", err)
		default:
			held = fmt.Sprintf("%d %s", n, rowWord(n))
		}
		out = append(out, verify.Finding{Kind: FindingTargetTableUndeclared, Subject: name, Count: n,
			Message: fmt.Sprintf("the target holds table %s (%s), which the receiving schema does not declare: verification proves nothing of it; if it holds the register's records (a copy, another tool's load), they are outside every equation", name, held)})
	}
	return out, nil
}

// erasedPerTable counts the records the package's erasures removed, by
// source table (records_removed.<table>); an erasure logged before its
// log said the tables counts under "".
func erasedPerTable(events []archive.Event) map[string]int64 {
	out := map[string]int64{}
	for _, e := range events {
		perTable := false
		for k, n := range e.Count {
			if table, ok := strings.CutPrefix(k, "records_removed."); ok {
				out[table] += n
				perTable = true
			}
		}
		if !perTable {
			out[""] += e.Count["records_removed"]
		}
	}
	return out
}

func rowWord(n int64) string {
	if n == 1 {
		return "row"
	}
	return "rows"
}

func sortedKeys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// packageOfRun holds the archive package to the run whose checkpoint
// the target holds (RulePackageOfAnotherRun): its package.json names the
// run by its start, and the first event of its log (the package's
// creation, which an erasure's version keeps) falls within the run, from
// its start to its last checkpoint when it finished. A package compared
// by content alone passed when it was another run's (a rehearsal's kept
// in the work directory, which archives the same records) or was written
// again after the run (its content rebuilt, its run copied over).
// Without run.reference_date runDay already fails a package whose run
// differs (sameRunChecked). "" when it is the run's.
func packageOfRun(rec runRecord, ares verify.ArchiveResult, arcDir string, sameRunChecked bool) []string {
	if rec.cp == nil || rec.cp.Started.IsZero() || ares.Meta == nil {
		return nil
	}
	var out []string
	started := rec.cp.Started.UTC().Truncate(time.Second)
	run := started.Format("20060102T150405Z")
	if ares.Meta.Run != run && !sameRunChecked {
		out = append(out, fmt.Sprintf("%s: the archive package %s is of the run started %s (package.json run %q), the target was written by the run started %s (its %s): the package is another run's",
			RulePackageOfAnotherRun, arcDir, orUnnamed(ares.Meta.Run), ares.Meta.Run, run, checkpointTableName))
	}
	ev := ares.CreatedEvent
	if ev == nil {
		return out // the package's own check names a log without its creation
	}
	created, err := time.Parse(time.RFC3339, ev.At)
	switch {
	case err != nil:
		out = append(out, fmt.Sprintf("%s: the archive package %s: its log's creation event is at %q, no RFC 3339 time, so it cannot be held to the run started %s", RulePackageOfAnotherRun, arcDir, ev.At, run))
	case created.Before(started):
		out = append(out, fmt.Sprintf("%s: the archive package %s was created %s (its log's first event), before the run started %s (the target's %s): the package is another run's",
			RulePackageOfAnotherRun, arcDir, ev.At, run, checkpointTableName))
	case rec.cp.Stage == stageFinished && !rec.at.IsZero() && created.After(rec.at.UTC()):
		out = append(out, fmt.Sprintf("%s: the archive package %s was created %s (its log's first event), after the run started %s had finished (%s, its last checkpoint in the target): the package was written again after the run, not by it",
			RulePackageOfAnotherRun, arcDir, ev.At, run, rec.at.UTC().Format(time.RFC3339)))
	}
	if c, cerr := time.Parse(time.RFC3339, ares.Created); err == nil && cerr == nil && created.After(c) {
		out = append(out, fmt.Sprintf("%s: the archive package %s: package.json was created %s, before the creation its log records (%s): one of the two was replaced",
			RulePackageOfAnotherRun, arcDir, ares.Created, ev.At))
	}
	return out
}
