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
}

// CodeMisses reports the codes of a source row (a pivot row for a form
// store) that its columns' code lists do not map. It checks every column,
// not only the first that fails, so map check can list them all.
func (p *TableProgram) CodeMisses(row []connectors.Value, fn func(CodeMiss)) {
	for i := range p.cols {
		cp := &p.cols[i]
		if cp.codelist == nil || cp.src < 0 || row[cp.src] == nil {
			continue
		}
		p.codeMiss(cp, row[cp.src], cp.version(row), fn)
	}
}

// ValueCodeMisses does CodeMisses for one value row of a form store,
// without its entity: the codes of the variable it holds.
func (p *TableProgram) ValueCodeMisses(value []connectors.Value, fn func(CodeMiss)) {
	e := p.EAV
	name, _ := connectors.FormatValue(value[e.Attribute])
	idx, ok := e.vars[name]
	if !ok || value[e.Value] == nil {
		return
	}
	for i := range p.cols {
		cp := &p.cols[i]
		if cp.codelist == nil || cp.src != idx {
			continue
		}
		version := cp.clConst
		if vi, ok := e.versions[name]; ok && cp.clVersion == vi && e.Version >= 0 {
			version, _ = connectors.FormatValue(value[e.Version])
		}
		p.codeMiss(cp, value[e.Value], version, fn)
	}
}

func (cp *columnProgram) version(row []connectors.Value) string {
	if cp.clVersion >= 0 {
		v, _ := connectors.FormatValue(row[cp.clVersion])
		return v
	}
	return cp.clConst
}

func (p *TableProgram) codeMiss(cp *columnProgram, v connectors.Value, version string, fn func(CodeMiss)) {
	code, _ := connectors.FormatValue(v)
	if _, ok := cp.codelist.Lookup(version, code); !ok {
		fn(CodeMiss{Column: cp.target.Name, Pos: cp.codePos, List: cp.codelist, Version: version, Code: code})
	}
}

// Variable returns whether a form store's mapping reads the variable.
func (e *EAVProgram) Variable(name string) bool {
	_, ok := e.vars[name]
	return ok
}
