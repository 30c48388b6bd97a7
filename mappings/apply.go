package mappings

import (
	"errors"
	"math"
	"math/big"
	"slices"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/expr-lang/expr/vm"

	"github.com/regflytt/regflytt/connectors"
	"github.com/regflytt/regflytt/mappings/pnr"
)

// OutcomeKind is what happened to one source record.
type OutcomeKind uint8

// The outcomes. Every source record ends in exactly one.
const (
	// Migrated: the record became a row of the receiving platform.
	Migrated OutcomeKind = iota + 1
	// Archived: the record could not be transformed and is kept, in its
	// source shape, in the archive package, with a reason.
	Archived
	// Excluded: the record belongs to a patient who opted out or demanded
	// erasure; it is counted and its data written nowhere.
	Excluded
)

func (k OutcomeKind) String() string {
	switch k {
	case Migrated:
		return "migrated"
	case Archived:
		return "archived"
	case Excluded:
		return "excluded"
	}
	return "unknown"
}

// Outcome is what Apply made of one source record.
type Outcome struct {
	Kind OutcomeKind
	// Reason is a stable code for archived and excluded records: a Fit
	// rule ("not_null", "int_range", "invalid_date"), "cast_<kind>" for a
	// failed cast, a function's reason ("zero_date", "pnr_checksum"),
	// "code_unmapped", "rule_<kind>", "opt_out" or "erasure".
	Reason string
	// Column is the target column whose value failed, SourceColumn the
	// source column it came from (empty when none).
	Column, SourceColumn string
	// Detail explains the reason without repeating the value.
	Detail string
	// Row is the target row of a migrated record, one value per column of
	// the program's Target table. Each call allocates a new one, so the
	// caller may keep it.
	Row []connectors.Value
	// Values lists values archived alone under value granularity: the
	// record migrated with NULL in their columns. A column made by an
	// expression gives one note per source column the expression read.
	Values []ValueNote
	// Nulled names, per value a declared rule made NULL, the column and
	// the rule: a code list ("codelist smoking"), the column's null_when
	// or open_ended, or a function's documented NULL ("function strip",
	// counted only when the function read a value).
	Nulled []NullNote
	// SourceNonNull says, per column of Row, whether a source column the
	// column reads holds a value: the record feeds the column one source
	// value (however many of its columns an expression reads) — unless
	// the column's expression gave NULL passing NULLs through, dropping
	// no value it carries or that steered it (valueflow.go). It is the
	// one rule value_lost judges by, and the left side of verify's value
	// equation. Set only under the program's CountSourceValues.
	SourceNonNull []bool
	// Lost lists the values lost: a column read a non-NULL source value
	// and became NULL by no declared rule (and was not archived). Any lost
	// value fails the run; it is what catches a mapping or language bug
	// that would otherwise drop data silently.
	Lost []ValueNote
	// NotChosen names, per source value a column's declared choice
	// (choice:) left out, the column: counted, as a declared NULL is.
	NotChosen []string
	// Warnings are codes of doubts the record raised but that did not
	// stop it (pnr_century_resolved, exclusion_century_ambiguous,
	// person_not_checked, on a migrated or archived record), each at most
	// once; the ledger counts them.
	Warnings []string
	// PersonUnread says the record was archived because its person's
	// number could not be read (person_length, person_checksum…, or a
	// table rule run in its stead): no list was asked of a number, only
	// of its digits. It is no person_not_checked of its own (the number
	// is in the archive package), but it checks no other record of its
	// registration either (a merge).
	PersonUnread bool
	// CenturyInferred says the record's identity number (its person:,
	// or one given to pnr(), pnr_kind() or pseudonym()) was written with
	// 10 digits, no '+' and no born_by: its century came from the
	// reference date alone. Not a warning: the run counts such records
	// per table as a note (verify.TableLedger.CenturyInferred).
	CenturyInferred bool
	// Centuries are what the run needs to find one patient's ten digits
	// read in two centuries (pnr_century_pair): every identity number
	// the record gave pnr() or pseudonym() that another record's could
	// differ from by a century, and how many it gave that could not be
	// read. Zero for none.
	Centuries CenturyReading
}

// CenturyReading is a record's identity numbers given to pnr() or
// pseudonym() whose ten digits another record could read in another
// century: Inferred, those read against the reference date alone (10
// digits, no '+', no born_by); Written, those whose century was written
// (or given by born_by or a '+') and differs from the one the reference
// date alone gives its ten digits (a birth 100 or more years before it).
// A patient written 19121212-1212 in one record and 121212-1212 in
// another is read as born 1912 and 2012: two numbers, two pseudonyms.
// A record can give several (the patient's number and a relative's, a
// mother's beside her child's): the first of each kind is in Inferred
// and Written, any other, each once, in MoreInferred and MoreWritten
// (nil for most records, so that the common one allocates nothing).
// Unread counts the numbers, each once, that could not be read (a
// pnr_… rule broken): checked for no pair. It holds identity numbers:
// never log it.
type CenturyReading struct {
	Inferred, Written         pnr.Number
	MoreInferred, MoreWritten []pnr.Number
	Unread                    int
}

// IsZero says the record read neither kind, and no number unread.
func (c CenturyReading) IsZero() bool {
	return c.Inferred.IsZero() && c.Written.IsZero() && c.Unread == 0
}

// note adds n to the readings of its kind (inferred or not), unless the
// record gave it already.
func (c *CenturyReading) note(n pnr.Number, inferred bool) {
	first, more := &c.Written, &c.MoreWritten
	if inferred {
		first, more = &c.Inferred, &c.MoreInferred
	}
	switch {
	case first.IsZero():
		*first = n
	case *first != n && !slices.Contains(*more, n):
		*more = append(*more, n)
	}
}

// NullNote is one value a declared rule made NULL.
type NullNote struct{ Column, Rule string }

// ReasonValueLost names a value lost (see Outcome.Lost).
const ReasonValueLost = "value_lost"

// ValueNote is one value archived alone, or lost: which column, and why.
type ValueNote struct {
	Column, SourceColumn, Reason, Detail string
	// Value is the source value: the source column's, or for an
	// expression that of the source column SourceColumn it read.
	Value connectors.Value
	// reads lists the source columns the failed value came from.
	reads []int
}

// valueLostError is a column's value that became NULL from a non-NULL
// source value by no declared rule.
type valueLostError struct{ src int }

func (e *valueLostError) Error() string {
	return ReasonValueLost + ": a non-NULL source value became NULL, and no rule (null_when, a code list's null) says it may"
}

// applyState is what Apply reuses between rows: one program is applied by
// one goroutine at a time.
type applyState struct {
	vm  vm.VM
	env exprEnv
	// slab is where target rows are cut from (see newRow).
	slab []connectors.Value
	// rules is the environment of the table rules (applyRules), its
	// values reused from record to record.
	rules exprEnv
	// entityValues is ApplyEntity's outcomes of value rows, reused from
	// entity to entity.
	entityValues []Outcome
	// choices notes what the choices of the column being made left out
	// (choice.go), notChosen how many source values a declared choice of
	// it left out.
	choices   choiceState
	notChosen int
	// matchOnly says the values made are matched, not migrated (an
	// excluded record's merge key, ExcludedMergeKey): a choice there
	// leaves no receiving value out.
	matchOnly bool
	// passedNull says the column last made is NULL as its expression
	// passed NULL source values through (valueflow.go): the record feeds
	// it no source value, though a column it reads holds one.
	passedNull bool
}

// rowSlab is how many target rows one allocation holds.
const rowSlab = 64

// newRow gives a target row of n values, cut from a slab that holds
// rowSlab rows: one allocation for many rows. Each row is memory of its
// own (its capacity ends with it), so a caller may keep it.
func (s *applyState) newRow(n int) []connectors.Value {
	if len(s.slab) < n {
		s.slab = make([]connectors.Value, n*rowSlab)
	}
	row := s.slab[:n:n]
	s.slab = s.slab[n:]
	return row
}

// failure is why a column's value could not be made.
type failure struct {
	reason, detail string
}

func (p *TableProgram) failureOf(err error) failure {
	var fe *connectors.FitError
	var ce *castError
	var re *reasonError
	var le *valueLostError
	switch {
	case errors.As(err, &le):
		return failure{ReasonValueLost, "a non-NULL source value became NULL by no declared rule"}
	case errors.As(err, &fe):
		return failure{string(fe.Rule), fe.Detail}
	case errors.As(err, &ce):
		return failure{"cast_" + ce.to.String(), ce.reason}
	case errors.As(err, &re):
		return failure{re.Reason, re.Detail}
	}
	return failure{"error", err.Error()}
}

// Apply transforms one source row (its columns in the order of the
// program's Source table). It is pure: the same row and Env always give
// the same outcome and the same bytes. A TableProgram is not safe for
// concurrent use.
func (p *TableProgram) Apply(row []connectors.Value) (o Outcome) {
	if o, ok := p.applyPlain(row, false); ok {
		return o
	}
	return p.apply(row)
}

// ApplyKept is Apply for a row its caller keeps as it is, never changing
// or reusing its values afterwards (a scan's rows, each of its own): the
// outcome's Row may then be row itself, where Apply would copy it
// unchanged.
func (p *TableProgram) ApplyKept(row []connectors.Value) Outcome {
	if o, ok := p.applyPlain(row, true); ok {
		return o
	}
	return p.apply(row)
}

// applyPlain is Apply for a program whose every column is its source
// value only fitted (plainRows), where nothing but a value's fit can
// fail: each value is fitted as columnValue fits it, once, with the
// per-column steps that could not change it left out. ok is false
// where it cannot say the outcome (the program is not plain, a list
// asks for the person or an identity column beside it, source values
// are counted, a value does not fit): apply then makes the record again from the start, as pure as
// this, so a failure is reported as it always was. kept allows the
// outcome's Row to be row, when the target's columns are the source's
// in order and no value changed (a decimal padded to its scale is a new
// value, and then the row is copied).
func (p *TableProgram) applyPlain(row []connectors.Value, kept bool) (Outcome, bool) {
	if !p.plainRows || p.CountSourceValues || len(row) != len(p.Source.Columns) ||
		((p.person != nil || len(p.otherIDs) > 0) && (p.env.OptOut != nil || p.env.Erasure != nil)) {
		return Outcome{}, false
	}
	out, aliased := row, kept && p.sameOrder
	if !aliased {
		out = p.state.newRow(len(p.cols))
	}
	for i := range p.cols {
		cp := &p.cols[i]
		src := row[cp.src]
		if src == nil {
			// NULL fits where the column is nullable; a NOT NULL one fails
			// and apply says so.
			if !cp.target.Nullable {
				return Outcome{}, false
			}
			if !aliased {
				out[i] = nil
			}
			continue
		}
		v, err := p.fit(cp, src)
		if err != nil || v == nil {
			return Outcome{}, false
		}
		if aliased {
			if cp.scale < 0 {
				continue // fit gives such a value as it is
			}
			if d, ok := v.(connectors.Decimal); ok {
				if sd, ok := src.(connectors.Decimal); ok && sd == d {
					continue
				}
			}
			out, aliased = p.state.newRow(len(p.cols)), false
			copy(out, row[:i])
		}
		out[i] = v
	}
	p.env.warnings.reset()
	return Outcome{Kind: Migrated, Row: out}, true
}

// apply is Apply's general way, for any program and row.
func (p *TableProgram) apply(row []connectors.Value) (o Outcome) {
	p.state.env.R, p.state.env.C = row, &p.state.choices
	// unchecked says the person read NULL: no list could be asked, which
	// a record kept, migrated or archived (the archive package is the
	// registry's data too), carries as WarnPersonNotChecked.
	unchecked := false
	defer func() {
		p.state.env.R = nil
		o.CenturyInferred = p.env.warnings.centuryInferred()
		if w := p.env.warnings; w != nil {
			o.Centuries = w.centuries
		}
		if p.birthBelies(row) && !slices.Contains(o.Warnings, WarnCenturyBirthDiffers) {
			o.Warnings = append(slices.Clip(o.Warnings), WarnCenturyBirthDiffers)
		}
		if unchecked && o.Kind != Excluded {
			o.Warnings = append(slices.Clip(o.Warnings), WarnPersonNotChecked)
		}
		if o.Kind != Excluded && p.keepsListed(row, o.Kind) && !slices.Contains(o.Warnings, WarnListedNumberKept) {
			o.Warnings = append(slices.Clip(o.Warnings), WarnListedNumberKept)
		}
	}()
	p.env.warnings.reset()
	if p.person != nil && (p.env.OptOut != nil || p.env.Erasure != nil) {
		o, ok, unread := p.personOutcome(row)
		if ok {
			return o
		}
		unchecked = unread
	}
	// Without table rules neither call can archive: not making them
	// saves two Outcomes zeroed and returned per record.
	if len(p.rules) > 0 {
		if o, ok := p.sourceRule(row); ok {
			return o
		}
	}
	out := p.state.newRow(len(p.cols))
	var notes, lost []ValueNote
	var nulled []NullNote
	var notChosen []string
	var fed []bool
	if p.CountSourceValues {
		fed = make([]bool, len(p.cols))
		for i := range p.cols {
			fed[i] = p.cols[i].fed(row)
		}
	}
	for i := range p.cols {
		cp := &p.cols[i]
		v, rule, err := p.columnValue(cp, row)
		if fed != nil && p.state.passedNull {
			fed[i] = false
		}
		if le, ok := err.(*valueLostError); ok {
			// Not archived: the run fails on it, and the mapping is to be
			// fixed (or the NULL declared) before the migration is real.
			lost = append(lost, ValueNote{Column: cp.target.Name, SourceColumn: p.Source.Columns[le.src].Name,
				Reason: ReasonValueLost, Value: row[le.src], reads: cp.reads})
			continue
		}
		if err != nil {
			f := p.failureOf(err)
			if p.ValueGranularity && cp.target.Nullable && !cp.owner {
				notes = p.valueNotes(notes, cp, row, f)
				continue
			}
			return p.archived(cp, f)
		}
		if rule != "" && v == nil {
			nulled = append(nulled, NullNote{Column: cp.target.Name, Rule: rule})
		}
		for range p.state.notChosen {
			notChosen = append(notChosen, cp.target.Name)
		}
		out[i] = v
	}
	if len(p.rules) > 0 {
		if o, ok := p.applyRules(out, row); ok {
			o.Warnings = p.env.warnings.take()
			return o
		}
	}
	return Outcome{Kind: Migrated, Row: out, Values: notes, Nulled: nulled, Lost: lost, SourceNonNull: fed, NotChosen: notChosen, Warnings: p.env.warnings.take()}
}

// personOutcome decides a record by its person: excluded by a list,
// archived when the number cannot be read (by a rule over the row, when
// one holds), or ok false to go on with the row; unread then says the
// person read NULL, so that no list was asked. The caller has set
// p.state.env.R to row.
func (p *TableProgram) personOutcome(row []connectors.Value) (o Outcome, ok, unread bool) {
	v, err := p.value(p.person, row)
	if err != nil {
		// An expression (pnr(…)) that fails on a bad shape must not
		// archive a listed patient: ask the lists with its inputs.
		if o, ok := p.excludeReadsByDigits(row); ok {
			return o, true, false
		}
		if o, ok := p.sourceRule(row); ok {
			o.PersonUnread = o.Kind == Archived
			return o, true, false
		}
		o := p.archived(p.person, p.failureOf(err))
		o.PersonUnread = true
		return o, true, false
	}
	if v == nil {
		if o, ok := p.excludeLeftOutReads(row, ""); ok {
			return o, true, false
		}
		return Outcome{}, false, true
	}
	s, _ := v.(string)
	// A century counts as written only when the source wrote it: an
	// expression's twelve digits may hold one inferred.
	if o, ok = p.exclude(s, p.person.src >= 0, row); ok {
		return o, ok, false
	}
	if lo, ok := p.excludeLeftOutReads(row, s); ok {
		return lo, true, false
	}
	return o, false, false
}

// excludeLeftOutReads asks the lists with each source value an
// expression person: reads from two or more columns, other than the
// value it gave (chosen; "" for NULL): a patient known by a
// samordningsnummer (day + 60) and later a personnummer, the registry
// keeping both and person: taking one (coalesce(personnr, samnr)), is
// the listed patient whichever of them the list names, and migrating
// the record on the other brought an opted-out patient into the new
// registry under PASS. A value naming a listed person, in any shape the
// lists read (listedText), excludes the record, flagged
// exclusion_by_left_out_value; one naming nobody listed decides nothing.
func (p *TableProgram) excludeLeftOutReads(row []connectors.Value, chosen string) (Outcome, bool) {
	reads := p.person.reads
	if p.person.src >= 0 || len(reads) < 2 {
		return Outcome{}, false
	}
	for _, r := range reads {
		if r < 0 || r >= len(row) || row[r] == nil {
			continue
		}
		s, ok := numberText(row[r])
		if !ok || s == chosen {
			continue
		}
		if o, ok := p.listedText(s); ok && o.Kind == Excluded {
			o.Warnings = append(slices.Clip(o.Warnings), WarnExclusionByLeftOutValue)
			return o, true
		}
	}
	return Outcome{}, false
}

// sourceRule runs the table rules that read only the source row. With an
// opt-out or erasure list they also run when the person's number cannot
// be read to match them (and no list entry holds its digits): a rule
// names what the number is (a reserve number: no_national_id) better
// than the failure of reading it (person_digits), as it does without a
// list. A rule only archives or excludes, so no listed patient migrates.
func (p *TableProgram) sourceRule(row []connectors.Value) (Outcome, bool) {
	o, ok := p.applyRules(nil, row)
	if ok {
		o.Warnings = p.env.warnings.take()
	}
	return o, ok
}

// valueNotes adds the notes of a value archived alone: its source value,
// or for an expression each source value it read, so the archive keeps
// what the target does not get.
func (p *TableProgram) valueNotes(notes []ValueNote, cp *columnProgram, row []connectors.Value, f failure) []ValueNote {
	f = cp.named(f)
	note := ValueNote{Column: cp.target.Name, Reason: f.reason, Detail: f.detail, reads: cp.reads}
	if len(cp.reads) == 0 {
		return append(notes, note)
	}
	for _, r := range cp.reads {
		note.SourceColumn, note.Value = p.Source.Columns[r].Name, row[r]
		notes = append(notes, note)
	}
	return notes
}

// archived archives the record for cp's failure, with the warnings the
// record raised before it (as a table rule's archiving has them): a
// list_century_differs raised by the person's check counts however the
// record is kept, for an archived record keeps the number in the archive
// package, out of which an opt-out or erasure keeps the listed patient
// as much as out of the target.
func (p *TableProgram) archived(cp *columnProgram, f failure) Outcome {
	f = cp.named(f)
	return Outcome{Kind: Archived, Column: cp.target.Name, Reason: f.reason, Detail: f.detail, SourceColumn: p.sourceColumns(cp), Warnings: p.env.warnings.take()}
}

// value runs one column's pipeline (see columnValue).
func (p *TableProgram) value(cp *columnProgram, row []connectors.Value) (connectors.Value, error) {
	v, _, err := p.columnValue(cp, row)
	return v, err
}

// columnValue runs one column's pipeline: source, null_when, default,
// code list, cast, rules, fit. rule names the declared rule that made the
// value NULL, if one did. A column that read a non-NULL source value and
// ends NULL by no declared rule fails with a valueLostError: whatever
// went wrong (a function, the language, a conversion), it is not silent.
func (p *TableProgram) columnValue(cp *columnProgram, row []connectors.Value) (v connectors.Value, rule string, err error) {
	p.state.notChosen, p.state.passedNull = 0, false
	if cp.plain {
		// The source value as read, only fitted (plainCopy): the steps
		// below would each pass it on unchanged.
		src := row[cp.src]
		if v, err = p.fit(cp, src); err != nil {
			return nil, "", err
		}
		if v == nil && src != nil {
			return nil, "", &valueLostError{src: cp.src}
		}
		return v, "", nil
	}
	isNull, err := cp.nullWhen(p, row)
	if err != nil {
		return nil, "", err
	}
	// exprNull says the expression itself gave the NULL, by no rule: which
	// source values it dropped is then known (valueflow.go).
	declared, exprNull := false, false
	switch {
	case isNull:
		rule = "null_when " + cp.target.Name
	case cp.openEnded.matches(row):
		rule = "open_ended " + cp.target.Name
	case cp.src >= 0:
		v = row[cp.src]
	case cp.expr != nil:
		if v, err = cp.expr.run(&p.state.vm, &p.state.env); err != nil {
			return nil, "", err
		}
		left, unread := cp.expr.notChosen(p.state.env.C), cp.expr.unread(row, cp.reads, v, p.state.env.C)
		switch {
		case len(left)+len(unread) == 0 || cp == p.person || p.state.matchOnly:
			// The person's number is matched, not migrated: a choice
			// there leaves no receiving value out.
		case cp.choice != "":
			p.state.notChosen = len(left) + len(unread)
		case len(left) > 0:
			return nil, "", p.differError(cp, left[0])
		default:
			return nil, "", p.unreadError(unread[0])
		}
		if v == nil && cp.expr.declaredNull && cp.fed(row) {
			// A function's documented NULL of a value it read (strip
			// of blank text): declared, and counted as such, so the
			// value equation accounts for it; a value it did not read,
			// dropped on the way, is lost all the same.
			if r, lost := cp.expr.droppedBeside(row, cp.reads, p.state.env.C); lost {
				return nil, "", &valueLostError{src: r}
			}
			declared, rule = true, "function "+cp.expr.declaredBy
		}
		exprNull = v == nil && !declared
	case cp.hasConst:
		v = cp.constant
	}
	if v == nil && cp.hasDef {
		v = cp.def
	}
	if cp.codelist != nil && v != nil {
		if v, rule, err = cp.code(row, v, p.env.CodesUsed); err != nil {
			return nil, "", err
		}
	}
	if v, err = p.fit(cp, v); err != nil {
		return nil, "", err
	}
	if v == nil && rule == "" && exprNull {
		// Neither a default nor a code list nor fitting touched it.
		if r, lost := cp.expr.dropped(row, cp.reads, p.state.env.C); lost {
			return nil, "", &valueLostError{src: r}
		}
		p.state.passedNull = cp.fed(row)
		return nil, "", nil
	}
	if v == nil && rule == "" && !declared {
		for _, r := range cp.reads {
			if row[r] != nil {
				return nil, "", &valueLostError{src: r}
			}
		}
	}
	if v != nil && declared {
		// A default or a code list gave the function's NULL a value.
		rule = ""
	}
	return v, rule, nil
}

// fed reports whether a source column the column reads holds a value:
// the record then feeds the column one source value, which must end in
// the target, archived alone, NULL by a declared rule, or lost.
func (cp *columnProgram) fed(row []connectors.Value) bool {
	for _, r := range cp.reads {
		if row[r] != nil {
			return true
		}
	}
	return false
}

// nullWhen reports whether the column's null_when declares this row's
// value NULL.
func (cp *columnProgram) nullWhen(p *TableProgram, row []connectors.Value) (bool, error) {
	if cp.nullValues != nil {
		if cp.nullNumbers != nil {
			if k, ok := valueNumberKey(row[cp.nullCol]); ok && cp.nullNumbers[k] {
				return true, nil
			}
		}
		switch x := row[cp.nullCol].(type) {
		case []byte:
			// As a code list reads bytes: their text, not \x2d for "-".
			return utf8.Valid(x) && cp.nullValues[string(x)], nil
		case bool:
			// true/false, or 1/0 as MariaDB and SQLite store booleans.
			n := "0"
			if x {
				n = "1"
			}
			return cp.nullValues[strconv.FormatBool(x)] || cp.nullValues[n], nil
		}
		s, ok := connectors.FormatValue(row[cp.nullCol])
		return ok && cp.nullValues[s], nil
	}
	if cp.nullExpr == nil {
		return false, nil
	}
	out, err := p.state.vm.Run(cp.nullExpr.prog, &p.state.env)
	if err != nil {
		return false, &reasonError{Reason: "expression_failed", Detail: "null_when: " + exprDetail(err)}
	}
	switch b := out.(type) {
	case bool:
		return b, nil
	case nil:
		return false, nil
	}
	return false, &reasonError{Reason: "expression_failed", Detail: "null_when must give true or false"}
}

// fit runs the last steps of a column's pipeline: cast, rules and the
// receiving column's type.
func (p *TableProgram) fit(cp *columnProgram, v connectors.Value) (connectors.Value, error) {
	var err error
	if cp.convert {
		if v, err = convert(v, cp.target.Type); err != nil {
			return nil, err
		}
	}
	for i := range cp.rules {
		if err := cp.rules[i].check(v); err != nil {
			return nil, err
		}
	}
	if d, ok := v.(connectors.Decimal); ok && cp.scale >= 0 {
		// Most decimals arrive as padScale would write them: then the
		// integer digits are all Fit has left to check (the column's
		// scale is cp.scale, and padded is well formed).
		if n, ok := paddedIntDigits(d, cp.scale); ok && n <= cp.target.Type.Precision-cp.scale {
			return v, nil
		}
		// v, not d: boxing d again would allocate.
		if err := cp.target.Fit(v); err != nil {
			return nil, err
		}
		if isPadded(d, cp.scale) {
			return v, nil
		}
		return padScale(d, cp.scale), nil
	}
	if err := cp.target.Fit(v); err != nil {
		return nil, err
	}
	return v, nil
}

// code maps an old code to a new one under the column's code list; rule
// names the list when it maps the code to NULL by declaration.
func (cp *columnProgram) code(row []connectors.Value, v connectors.Value, used *CodeUse) (connectors.Value, string, error) {
	version := cp.version(row)
	old := cp.codelist.CodeOf(version, v)
	if cp.codelist.MapsToNull(version, old) {
		if used != nil {
			used.saw(cp.codelist.Name.Value, version, old)
		}
		return nil, "codelist " + cp.codelist.Name.Value, nil
	}
	if code, ok := cp.codelist.Lookup(version, old); ok {
		if used != nil {
			used.saw(cp.codelist.Name.Value, version, old)
		}
		return code, "", nil
	}
	if reason, ok := cp.codelist.ArchiveReason(version, old); ok {
		return nil, "", &reasonError{Reason: reason, Detail: "a code code list " + cp.codelist.Name.Value + " archives on purpose"}
	}
	if cp.noVersion(version) {
		detail := "code list " + cp.codelist.Name.Value + " has no version " + version + ", so which code this is the mapping does not say"
		if version == "" {
			detail = "the record names no version of code list " + cp.codelist.Name.Value + ", so which code this is the mapping does not say"
		}
		return nil, "", &reasonError{Reason: "code_unmapped", Detail: detail}
	}
	if form, ok := cp.otherForm(v, version, old); ok && cp.codelist.Policy() != UnmappedArchive {
		return nil, "", &reasonError{Reason: "code_unmapped", Detail: "the code " + form.Why + " (code list " + cp.codelist.Name.Value + "): " + form.Fix}
	}
	switch cp.codelist.Policy() {
	case UnmappedNull:
		return nil, "codelist " + cp.codelist.Name.Value + " (unmapped: null)", nil
	case UnmappedDefault:
		return cp.codelist.Default.Value, "", nil
	}
	detail := "code not in code list " + cp.codelist.Name.Value
	if version != "" {
		detail += " version " + version
	}
	return nil, "", &reasonError{Reason: "code_unmapped", Detail: detail}
}

// noVersion reports whether the column reads its code list's version from
// a source column and the list has no such version (or the record none).
// unmapped: null and default say what a code the list does not know
// becomes; a version it does not know leaves every code unknown, though
// the same code means different things in different versions, so such a
// record is archived (code_unmapped) whatever the policy, never made NULL
// or the default.
func (cp *columnProgram) noVersion(version string) bool {
	return cp.clVersion >= 0 && !cp.codelist.HasVersion(version)
}

// otherForm says why v, which reached the column's code list as code and
// which the list neither maps nor archives on purpose in version, is no
// unknown code (CodeList.OtherForm). Apply archives such a code and map
// check says so (CodeMiss.OtherSpelling): one test for both.
func (cp *columnProgram) otherForm(v connectors.Value, version, code string) (OtherForm, bool) {
	return cp.codelist.OtherForm(version, v, code)
}

func (r *compiledRule) check(v connectors.Value) error {
	switch r.kind {
	case "required":
		if v == nil {
			return &reasonError{Reason: "rule_required", Detail: "a value is required"}
		}
	case "range":
		if v == nil {
			return nil
		}
		if r.min != nil {
			if c, ok := compare(v, r.min); !ok || c < 0 {
				return &reasonError{Reason: "rule_range", Detail: "below the minimum"}
			}
		}
		if r.max != nil {
			if c, ok := compare(v, r.max); !ok || c > 0 {
				return &reasonError{Reason: "rule_range", Detail: "above the maximum"}
			}
		}
	case "pattern":
		if v == nil {
			return nil
		}
		s, _ := connectors.FormatValue(v)
		if !r.pattern.MatchString(s) {
			return &reasonError{Reason: "rule_pattern", Detail: "does not match the pattern"}
		}
	case "enum":
		if v == nil {
			return nil
		}
		s, _ := connectors.FormatValue(v)
		if !r.enum[s] {
			return &reasonError{Reason: "rule_enum", Detail: "not one of the allowed values"}
		}
	}
	return nil
}

// orderable reports whether range applies to a kind.
func orderable(k connectors.Kind) bool {
	switch k {
	case connectors.KindInt, connectors.KindFloat, connectors.KindDecimal, connectors.KindDate,
		connectors.KindDateTime, connectors.KindTimestamp, connectors.KindTime, connectors.KindText:
		return true
	}
	return false
}

// Compare orders two canonical values of the same kind, exactly (numbers
// of different Go types by value). ok is false when they cannot be
// compared.
func Compare(a, b connectors.Value) (int, bool) { return compare(a, b) }

// compare orders two canonical values of the same kind.
func compare(a, b connectors.Value) (int, bool) {
	// Same-kind integers are the common case (entity ids compared per
	// value record, range bounds): order them without building big.Rat,
	// which costs two allocations per comparison.
	switch x := a.(type) {
	case int64:
		if y, ok := b.(int64); ok {
			return cmpOrdered(x, y), true
		}
	case uint64:
		if y, ok := b.(uint64); ok {
			return cmpOrdered(x, y), true
		}
	case connectors.Decimal:
		// Two decimals (a column's and a literal's, see decimalLiteral)
		// compare by their digits, without big.Rat.
		if y, ok := b.(connectors.Decimal); ok {
			if c, ok := connectors.CompareDecimal(x, y); ok {
				return c, true
			}
		}
	}
	switch x := a.(type) {
	case int64, uint64, float64, connectors.Decimal:
		ra, ok1 := rat(floatAsDecimal(x, b))
		rb, ok2 := rat(floatAsDecimal(b, x))
		if !ok1 || !ok2 {
			return 0, false
		}
		return ra.Cmp(rb), true
	case string:
		y, ok := b.(string)
		if !ok {
			return 0, false
		}
		switch {
		case x < y:
			return -1, true
		case x > y:
			return 1, true
		}
		return 0, true
	case connectors.Date:
		y, ok := b.(connectors.Date)
		return x.Time().Compare(y.Time()), ok
	case connectors.LocalDateTime:
		y, ok := b.(connectors.LocalDateTime)
		return x.Time().Compare(y.Time()), ok
	case time.Time:
		y, ok := b.(time.Time)
		return x.Compare(y), ok
	case connectors.Duration:
		y, ok := b.(connectors.Duration)
		switch {
		case !ok:
			return 0, false
		case x < y:
			return -1, true
		case x > y:
			return 1, true
		}
		return 0, true
	}
	return 0, false
}

func cmpOrdered[T int64 | uint64](x, y T) int {
	switch {
	case x < y:
		return -1
	case x > y:
		return 1
	}
	return 0
}

// floatAsDecimal gives a float compared with a decimal as the shortest
// decimal that reads back as the same float: the number a mapping wrote
// (999.9 in a rule) or a float column holds, not the binary fraction
// nearest to it (999.89999999999997726), which no decimal column's 999.9
// would equal. Anything else is given as it is. A literal compared with a
// decimal column is made that decimal once, when it is compiled
// (decimalLiteral); this is for floats met at run time.
func floatAsDecimal(v, other connectors.Value) connectors.Value {
	f, ok := v.(float64)
	if _, dec := other.(connectors.Decimal); !ok || !dec || math.IsNaN(f) || math.IsInf(f, 0) {
		return v
	}
	return connectors.Decimal(strconv.FormatFloat(f, 'f', -1, 64))
}

// rat gives a number exactly, so a decimal bound compares with an integer
// value without rounding.
func rat(v connectors.Value) (*big.Rat, bool) {
	r := new(big.Rat)
	switch x := v.(type) {
	case int64:
		return r.SetInt64(x), true
	case uint64:
		return r.SetUint64(x), true
	case float64:
		if r.SetFloat64(x) == nil {
			return nil, false
		}
		return r, true
	case connectors.Decimal:
		_, ok := r.SetString(string(x))
		return r, ok
	}
	return nil, false
}
