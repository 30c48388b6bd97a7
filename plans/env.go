package plans

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/regflytt/regflytt/connectors"
	"github.com/regflytt/regflytt/mappings"
	"github.com/regflytt/regflytt/mappings/pnr"
	"github.com/regflytt/regflytt/verify"
)

// ReasonOptOutList counts the rows of the opt-out table itself when no
// mapping carries it: the list is consumed to exclude records, and its
// identity numbers are written nowhere, the archive included.
const ReasonOptOutList = "opt_out_list"

// ReasonErasureList counts the rows of the erasure table itself, likewise.
const ReasonErasureList = "erasure_list"

// mappingEnv builds what mappings may use besides the row: the reference
// date, the pseudonymiser, the opt-out and erasure lists.
func (r *runner) mappingEnv(ctx context.Context, snap connectors.Snapshot, catalog []connectors.Table) (*mappings.Env, error) {
	p := r.plan
	env := &mappings.Env{RefDate: p.ReferenceDate, CodesUsed: &mappings.CodeUse{}}
	key, err := p.pseudonymKey()
	if err != nil {
		return nil, err
	}
	if key != nil {
		ps, err := pnr.NewPseudonymiser(key)
		clear(key)
		if err != nil {
			return nil, fmt.Errorf("%s: pseudonymisation key: %w", p.File, err)
		}
		env.Pseudonymiser = ps
	}
	if err := r.loadLookups(ctx, snap, catalog, env); err != nil {
		return nil, err
	}
	if err := r.describeSelects(ctx, snap, env); err != nil {
		return nil, err
	}
	for _, spec := range p.exclusionLists() {
		if !spec.table.IsSet() && !spec.file.IsSet() {
			continue
		}
		if p.ReferenceDate.IsZero() {
			return nil, fmt.Errorf("%s: an %s list needs run.reference_date, to read 10-digit identity numbers", p.File, spec.name)
		}
		list := mappings.NewPersonList(spec.reason, spec.name+" list")
		if spec.table.IsSet() {
			// The list's entries are matched by their place in it (the
			// checkpoint keeps the indexes of those matched): their order
			// is part of what a resume must find again.
			in := newSourceInput(true)
			if err := loadListTable(ctx, snap, catalog, p, spec, list, in); err != nil {
				return nil, err
			}
			r.readSource(fmt.Sprintf("%s table %s", spec.name, spec.table.Value), in, true)
		}
		if spec.file.IsSet() {
			if err := loadListFile(p.Path(spec.file.Value), spec.file.Value, p.ReferenceDate, list); err != nil {
				return nil, err
			}
		}
		*spec.env(env) = list
		r.log.Info(spec.name+" list loaded", "entries", list.Len())
	}
	return env, nil
}

// loadLookups reads the reference tables the mappings declare, in the
// run's snapshot, so lookups see the same data as the rows they serve.
func (r *runner) loadLookups(ctx context.Context, snap connectors.Snapshot, catalog []connectors.Table, env *mappings.Env) error {
	specs, ds := mappings.LookupsNeeded(r.in.Mappings)
	if err := ds.Err(); err != nil {
		return err
	}
	env.Lookups = map[string]*mappings.LookupTable{}
	for _, spec := range specs {
		var t *connectors.Table
		for i := range catalog {
			if catalog[i].Name == spec.Table.Value {
				t = &catalog[i]
			}
		}
		if t == nil {
			continue // Compile reports the unknown table with its position
		}
		lt, err := mappings.NewLookupTable(t, spec.Key.Value)
		if err != nil {
			continue // likewise
		}
		rows, err := snap.Scan(ctx, t, connectors.ScanOptions{})
		if err != nil {
			return fmt.Errorf("lookup %s: %w", spec.Name.Value, err)
		}
		// A lookup finds rows by key: the order they are read in does
		// not change what it gives, so it does not change the hash.
		in := newSourceInput(false)
		for rows.Next() {
			if err := lt.Add(rows.Row()); err != nil {
				rows.Close()
				return fmt.Errorf("%s: lookup %s: %w", spec.Pos, spec.Name.Value, err)
			}
			in.add(rows.Row())
		}
		err = rows.Err()
		rows.Close()
		if err != nil {
			return fmt.Errorf("lookup %s: %w", spec.Name.Value, err)
		}
		r.readSource(fmt.Sprintf("lookup %s (source table %s)", spec.Name.Value, t.Name), in, false)
		env.Lookups[spec.Name.Value] = lt
		r.log.Info("lookup loaded", "name", spec.Name.Value, "table", t.Name, "rows", lt.Len())
	}
	return nil
}

// describeSelects reads the result columns of select: sources in the
// run's snapshot.
func (r *runner) describeSelects(ctx context.Context, snap connectors.Snapshot, env *mappings.Env) error {
	queries, ds := mappings.SelectsNeeded(r.in.Mappings)
	if err := ds.Err(); err != nil {
		return err
	}
	if len(queries) == 0 {
		return nil
	}
	q, ok := snap.(connectors.Querier)
	if !ok {
		return fmt.Errorf("this source's connector cannot read select: sources yet; map tables instead")
	}
	env.Selects = map[string][]connectors.Column{}
	for _, query := range queries {
		cols, err := q.DescribeQuery(ctx, query)
		if err != nil {
			return fmt.Errorf("select: %w", err)
		}
		env.Selects[query] = cols
	}
	return nil
}

// pseudonymKey reads the key from the file or variable the plan names, or
// gives nil when the plan names none.
func (p *Plan) pseudonymKey() ([]byte, error) {
	switch {
	case p.KeyFile.IsSet():
		b, err := os.ReadFile(p.Path(p.KeyFile.Value))
		if err != nil {
			return nil, fmt.Errorf("%s: pseudonymisation key file: %w", p.KeyFile.Pos, err)
		}
		return bytes.TrimRight(b, "\r\n"), nil
	case p.KeyEnv.IsSet():
		v, ok := os.LookupEnv(p.KeyEnv.Value)
		if !ok || v == "" {
			return nil, fmt.Errorf("%s: the pseudonymisation key variable %s is not set", p.KeyEnv.Pos, connectors.ShownEnvName(p.KeyEnv.Value))
		}
		return []byte(v), nil
	}
	return nil, nil
}

// exclusionList is one of the plan's exclusion lists, as the runner
// loads and checks it.
type exclusionList struct {
	// name is how messages call it ("opt-out", "erasure"), reason the
	// reason of the records it excludes, listReason that of its own rows
	// when it is a source table.
	name, reason, listReason string
	table, column, file      mappings.Str
	ack                      Acknowledgement
	env                      func(*mappings.Env) **mappings.PersonList
}

// exclusionLists gives the plan's opt-out and erasure lists, set or not.
func (p *Plan) exclusionLists() []exclusionList {
	return []exclusionList{
		{name: "opt-out", reason: mappings.ReasonOptOut, listReason: ReasonOptOutList,
			table: p.OptOutTable, column: p.OptOutColumn, file: p.OptOutFile, ack: p.OptOutUnmatched,
			env: func(e *mappings.Env) **mappings.PersonList { return &e.OptOut }},
		{name: "erasure", reason: mappings.ReasonErasure, listReason: ReasonErasureList,
			table: p.ErasureTable, column: p.ErasureColumn, file: p.ErasureFile, ack: p.ErasureUnmatched,
			env: func(e *mappings.Env) **mappings.PersonList { return &e.Erasure }},
	}
}

// listTableReason gives the reason the rows of a source table that is an
// exclusion list are excluded with, or "" when it is none.
func (p *Plan) listTableReason(table string) string {
	for _, l := range p.exclusionLists() {
		if l.table.IsSet() && l.table.Value == table {
			return l.listReason
		}
	}
	return ""
}

// loadListTable reads an exclusion list's source table in the run's
// snapshot. An entry that is not a valid identity number stops the run:
// regflytt cannot know whose records to exclude, and guessing could bring
// an opted-out patient into the new registry.
func loadListTable(ctx context.Context, snap connectors.Snapshot, catalog []connectors.Table, p *Plan, spec exclusionList, list *mappings.PersonList, in *sourceInput) error {
	var t *connectors.Table
	for i := range catalog {
		if catalog[i].Name == spec.table.Value {
			t = &catalog[i]
		}
	}
	if t == nil {
		return fmt.Errorf("%s: %s table %s is not in the source", spec.table.Pos, spec.name, spec.table.Value)
	}
	col := t.ColumnIndex(spec.column.Value)
	if col < 0 {
		return fmt.Errorf("%s: %s table %s has no column %s", spec.column.Pos, spec.name, t.Name, spec.column.Value)
	}
	rows, err := snap.Scan(ctx, t, connectors.ScanOptions{})
	if err != nil {
		return fmt.Errorf("%s table %s: %w", spec.name, t.Name, err)
	}
	defer rows.Close()
	n := 0
	for rows.Next() {
		n++
		place := fmt.Sprintf("table %s row %d in key order", t.Name, n)
		s, ok := connectors.FormatValue(rows.Row()[col])
		if !ok {
			return fmt.Errorf("%s list, %s: column %s is NULL; correct the list before migrating", spec.name, place, spec.column.Value)
		}
		if err := list.Add(s, p.ReferenceDate, place); err != nil {
			return fmt.Errorf("%w (column %s); correct the list before migrating", err, spec.column.Value)
		}
		// Only the entry: the table's other columns are archived with
		// its rows, which the verification compares.
		in.add([]connectors.Value{s})
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("%s table %s: %w", spec.name, t.Name, err)
	}
	return nil
}

// loadListFile reads one identity number per line (EachListEntry). name
// is the file as the plan names it, for messages. A file that names
// nobody is refused (emptyListMessage): it is what a failed export leaves,
// and read as a list it would exclude no one under PASS.
func loadListFile(path, name string, ref time.Time, list *mappings.PersonList) error {
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("%s: %w", list.Source, err)
	}
	defer f.Close()
	// An entry's error names the list, the file and the line already.
	var entry error
	err = EachListEntry(f, func(line int, s string) error {
		if err := list.Add(s, ref, fmt.Sprintf("file %s line %d", name, line)); err != nil {
			entry = fmt.Errorf("%w; correct the list before migrating", err)
			return entry
		}
		return nil
	})
	if err != nil && err == entry {
		return err
	}
	if err != nil {
		return fmt.Errorf("%s, file %s: %w", list.Source, name, err)
	}
	if list.Len() == 0 {
		return errors.New(emptyListMessage(list.Source, name))
	}
	return nil
}

// EachListEntry calls fn with each entry of an exclusion list file (one
// identity number a line) and its line number, from 1. Blank lines and
// lines starting with # are skipped, and so is a byte-order mark before
// the first line, as Windows tools begin UTF-8 text with; an entry is
// trimmed of spaces (a CRLF line end's CR too). fn's error stops the
// reading and is returned as it is.
func EachListEntry(r io.Reader, fn func(line int, entry string) error) error {
	sc := bufio.NewScanner(r)
	line := 0
	for sc.Scan() {
		line++
		s := sc.Text()
		if line == 1 {
			s = strings.TrimPrefix(s, "\ufeff")
		}
		s = strings.TrimSpace(s)
		if s == "" || strings.HasPrefix(s, "#") {
			continue
		}
		if err := fn(line, s); err != nil {
			return err
		}
	}
	return sc.Err()
}

// emptyListMessage is what plan check (P013) and a run say of a list
// file that names nobody; list is "opt-out list" or "erasure list".
func emptyListMessage(list, name string) string {
	msg := fmt.Sprintf("the %s file %s names nobody (it is empty, or holds only comments, blank lines, a byte-order mark or lines that are no identity number, such as a header): a failed or unfinished export leaves such a file, and a run reading it would exclude no one; export the list again", list, name)
	if strings.HasPrefix(list, "opt-out") {
		return msg + `, or, if the register truly has no patient who opted out, say so instead of naming a file: optout: {none: "the reason"}`
	}
	return msg + ", or, if no patient demanded erasure, leave erasure: out of the plan"
}

// checkListFiles reads the plan's exclusion list files as a run reads
// them, for plan check: a file that names nobody (P013), and each entry
// that is neither an identity number nor a reserve number, at which a
// run would stop (P013 too, named by its line, never its text). A file
// that cannot be read is a warning. Whether a number's century is read
// right needs the reference date, and is the run's.
func (p *Plan) checkListFiles() mappings.Diagnostics {
	var ds mappings.Diagnostics
	for _, spec := range p.exclusionLists() {
		if !spec.file.IsSet() || strings.TrimSpace(spec.file.Value) == "" {
			continue // P007
		}
		name := spec.file.Value
		if leaves(name) && !p.AllowOutside {
			continue // P008: a plan check reads no file outside unless allowed
		}
		diag := func(msg string) {
			ds = append(ds, mappings.Diagnostic{Pos: spec.file.Pos, Code: "P013", Message: msg})
		}
		f, err := os.Open(p.Path(name))
		if err != nil {
			// A warning: the list is personal data, and a registry holder
			// reviewing the plan may rightly not have it; run reads it
			// and stops when it cannot.
			ds = append(ds, mappings.Diagnostic{Pos: spec.file.Pos, Code: "P013", Severity: mappings.Warning,
				Message: fmt.Sprintf("the %s list file %s cannot be read here (%v): whether it names anyone is checked when run reads it", spec.name, name, err)})
			continue
		}
		numbers := 0
		var bad []int
		err = EachListEntry(f, func(line int, s string) error {
			if _, ok := mappings.ReserveForm(s); ok {
				// A reserve number (19900101-T123) is an entry: it
				// names the patient whose records hold it.
				numbers++
			} else if _, _, err := pnr.ParseKey(s); err != nil {
				bad = append(bad, line)
			} else {
				numbers++
			}
			return nil
		})
		f.Close()
		switch {
		case err != nil:
			diag(fmt.Sprintf("the %s list file %s cannot be read: %v", spec.name, name, err))
		case numbers == 0:
			diag(emptyListMessage(spec.name+" list", name))
		default:
			for _, line := range bad {
				diag(fmt.Sprintf("the %s list file %s line %d is neither an identity number nor a reserve number: a run stops at it; correct the list before migrating", spec.name, name, line))
			}
		}
	}
	return ds
}

// checkListTables refuses a mapping that matches persons in an exclusion
// list's own table: every entry would match itself, and an entry that
// names nobody else would never be reported.
func (r *runner) checkListTables(prog *mappings.Program) error {
	for _, tp := range prog.Tables {
		if tp.Mapping.Person != nil && r.plan.listTableReason(tp.Source.Name) != "" {
			return fmt.Errorf("%s: source table %s is an opt-out or erasure list: its mapping must not name a person: (its entries would match themselves)", tp.Mapping.Person.Pos, tp.Source.Name)
		}
	}
	return nil
}

// matchedAgainstLists tells whether a table's records are matched
// against the exclusion lists: by their own person:, or by following a
// parent whose records are. A child of a parent: link is not listed as
// unmatched, since an excluded patient's parent record takes its
// children with it. Compile refuses parent cycles (M041), so the walk
// ends.
func matchedAgainstLists(tp *mappings.TableProgram) bool {
	for tp != nil {
		if tp.Mapping.Person != nil {
			return true
		}
		if tp.Parent == nil {
			return false
		}
		tp = tp.Parent.Table
	}
	return false
}

// listLedgers accounts for the exclusion lists once every record has had
// its outcome: which entries matched no person, and what the plan
// acknowledges, and which source tables were not matched against them.
func (r *runner) listLedgers(s *session) []verify.ListLedger {
	env := s.env
	var out []verify.ListLedger
	var notMatched []string
	read := map[string]bool{}
	for _, tp := range s.prog.Tables {
		read[tp.Source.Name] = true
		if tp.EAV != nil {
			read[tp.EAV.Entities.Name], read[tp.EAV.Values.Name] = true, true
		}
		switch {
		case matchedAgainstLists(tp):
		case tp.Mapping.NoPerson.IsSet():
			notMatched = append(notMatched, tp.Source.Name+" (no_person: "+tp.Mapping.NoPerson.Value+")")
		default:
			notMatched = append(notMatched, tp.Source.Name)
		}
	}
	// A table no mapping reads goes to the archive whole, unmatched: an
	// opted-out patient's rows in it would be kept there.
	for _, t := range s.catalog {
		if !read[t.Name] && r.plan.listTableReason(t.Name) == "" {
			notMatched = append(notMatched, t.Name+" (archived whole)")
		}
	}
	for _, spec := range r.plan.exclusionLists() {
		if env == nil || *spec.env(env) == nil {
			continue
		}
		list := *spec.env(env)
		un := list.Unmatched()
		l := verify.ListLedger{List: spec.name, Entries: int64(list.Len()), Unmatched: int64(len(un)), UnmatchedAt: un,
			Acknowledged: spec.ack.Count, AcknowledgedReason: spec.ack.Reason.Value, NotMatchedIn: notMatched}
		l.Matched = l.Entries - l.Unmatched
		if spec.ack.Pos.Line != 0 {
			l.AcknowledgedAt = spec.ack.Pos.String()
		}
		if l.Unmatched > 0 {
			r.log.Warn(spec.name+" entries match no source person", "count", l.Unmatched, "acknowledged", l.Acknowledged)
		}
		out = append(out, l)
	}
	return out
}
