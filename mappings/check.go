package mappings

import (
	"github.com/regflytt/regflytt/connectors"
)

// CodeMiss is a code the source holds that a column's code list does not
// map in that version.
type CodeMiss struct {
	// Column is the target column; Pos where its code list is named.
	Column string
	Pos    Pos
	List   *CodeList
	// Version is the code-list version ("" for a list with one).
	Version, Code string
	// ValueOnly: under value granularity the run archives the value alone
	// (the column left NULL), not the record.
	ValueOnly bool
	// Reason is set for a code the list archives on purpose (archive:):
	// expected, not a code to fix.
	Reason string
	// OtherSpelling: the code is a listed one in another case or with
	// trailing spaces, or another form of a code (a boolean, bytes, a
	// number the list writes twice), which the run archives
	// (code_unmapped) whatever the list's unmapped: policy; Form says
	// which (see CodeList.OtherForm).
	OtherSpelling bool
	Form          OtherForm
	// NoVersion: the list has versions and none is the one the row names
	// (or the row names none), which the run archives (code_unmapped)
	// whatever the list's unmapped: policy (see CodeList.HasVersion).
	NoVersion bool
}

// CodeMisses reports the codes of a source row (for a form store: the
// pivot of one entity, see EntityCodeMisses) that its columns' code lists
// do not map. The code and its version are found exactly as Apply finds
// them: the value from the source column, the expression or the constant,
// then the default; the version from its column in the same row. It checks
// every column, not only the first that fails, so map check can list them
// all; a value whose expression fails is not a code miss (the run
// archives it for that failure).
func (p *TableProgram) CodeMisses(row []connectors.Value, fn func(CodeMiss)) {
	p.state.env.R = row
	defer func() { p.state.env.R = nil }()
	for i := range p.cols {
		cp := &p.cols[i]
		if cp.codelist == nil {
			continue
		}
		v, ok := p.codeInput(cp, row)
		if !ok || v == nil {
			continue
		}
		p.codeMiss(cp, v, cp.version(row), fn)
	}
}

// codeInput is the value that reaches a column's code list: the first
// steps of value, which Apply runs.
func (p *TableProgram) codeInput(cp *columnProgram, row []connectors.Value) (connectors.Value, bool) {
	var v connectors.Value
	switch {
	case cp.src >= 0:
		v = row[cp.src]
	case cp.expr != nil:
		var err error
		if v, err = cp.expr.run(&p.state.vm, &p.state.env); err != nil {
			return nil, false
		}
	case cp.hasConst:
		v = cp.constant
	}
	if v == nil && cp.hasDef {
		v = cp.def
	}
	return v, true
}

// EntityCodeMisses does CodeMisses for one entity of a form store and its
// value rows (in values-key order), pivoted as ApplyEntity pivots them:
// the first value row of a variable (in valueOrder) is the one a column reads, and a
// variable's version comes from that value row, a registration's from its
// entity column.
func (p *TableProgram) EntityCodeMisses(entity []connectors.Value, values [][]connectors.Value, fn func(CodeMiss)) {
	e := p.EAV
	pivot := make([]connectors.Value, len(p.Source.Columns))
	copy(pivot, entity)
	filled := make([]bool, len(p.Source.Columns))
	order := e.valueOrder(values)
	for n := range values {
		vr := values[n]
		if order != nil {
			vr = values[order[n]]
		}
		name, _ := connectors.FormatValue(vr[e.Attribute])
		idx, ok := e.vars[name]
		if !ok || filled[idx] {
			continue
		}
		filled[idx] = true
		pivot[idx] = vr[e.Value]
		if vi, ok := e.versions[name]; ok {
			pivot[vi] = vr[e.Version]
		}
	}
	p.CodeMisses(pivot, fn)
}

func (cp *columnProgram) version(row []connectors.Value) string {
	if cp.clVersion >= 0 {
		return cp.codelist.VersionOf(row[cp.clVersion])
	}
	return cp.clConst
}

func (p *TableProgram) codeMiss(cp *columnProgram, v connectors.Value, version string, fn func(CodeMiss)) {
	code := cp.codelist.CodeOf(version, v)
	if _, ok := cp.codelist.Lookup(version, code); !ok {
		reason, _ := cp.codelist.ArchiveReason(version, code)
		var form OtherForm
		other := false
		if reason == "" {
			form, other = cp.otherForm(v, version, code)
		}
		fn(CodeMiss{Column: cp.target.Name, Pos: cp.codePos, List: cp.codelist, Version: version, Code: code,
			ValueOnly: p.ValueGranularity && cp.target.Nullable && !cp.owner, Reason: reason,
			OtherSpelling: other, Form: form,
			NoVersion: reason == "" && cp.noVersion(version)})
	}
}

// Variable returns whether a form store's mapping reads the variable.
func (e *EAVProgram) Variable(name string) bool {
	_, ok := e.vars[name]
	return ok
}

// SpellingOf gives the mapped variable a name not mapped itself spells
// as a case-, accent- and trailing-space-blind collation compares (a
// form holding it and not the variable is archived as
// variable_spelling); false for a mapped or dropped name, or another.
func (e *EAVProgram) SpellingOf(name string) (string, bool) {
	if _, ok := e.vars[name]; ok {
		return "", false
	}
	if _, ok := e.dropped[name]; ok {
		return "", false
	}
	if vs := e.folded[foldVariable(name)]; len(vs) > 0 {
		return vs[0], true
	}
	return "", false
}

// UnsureVariable says whether a variable name no column reads, mapped in
// no spelling folding sees, is one folding is not sure of under the
// attribute column's collation (FoldLimit), and gives the collation: a
// form holding it while it lacks a mapped variable is archived whole as
// variable_spelling (spelledVariables).
func (e *EAVProgram) UnsureVariable(name string) (string, bool) {
	if _, ok := e.vars[name]; ok {
		return "", false
	}
	if _, ok := e.dropped[name]; ok {
		return "", false
	}
	if len(e.folded[foldVariable(name)]) > 0 || e.attrLimit.Sure(name) {
		return "", false
	}
	return e.attrLimit.Collation, true
}
