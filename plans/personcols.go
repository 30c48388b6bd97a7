package plans

import (
	"fmt"
	"slices"

	"github.com/regflytt/regflytt/mappings"
)

// PersonColumns gives, per source table the plan's mappings read, the
// columns each table's person: reads, an empty list for a table whose
// mapping declares none, read from the plan at path with no database:
// regflytt archive erase asks two of them joined, as a run does, for a
// number split over two columns (a birth date and the last four). A
// form store's tables are left out (its person: reads variables, rows of
// its values table). fingerprint is the plan's (Plan.Fingerprint), to
// compare with the one the package was written under.
func PersonColumns(path string) (cols map[string][]string, fingerprint string, err error) {
	p, ds := Load(path)
	if p == nil {
		return nil, "", fmt.Errorf("plan %s: %w", path, ds)
	}
	in, more := p.LoadInputs()
	ds = append(ds, more...)
	if err := ds.Err(); err != nil {
		return nil, "", fmt.Errorf("plan %s: %w", path, err)
	}
	catalog, selects := mappings.NamedSource(in.Mappings)
	prog, cds := mappings.Compile(in.Mappings, catalog, in.Schema, &mappings.Env{Selects: selects})
	var own mappings.Diagnostics
	for _, d := range cds {
		if !mappings.SourceDiagnostic(d) {
			own = append(own, d)
		}
	}
	// A person: that does not compile reads no known columns: trusting
	// the rest would leave its split numbers unsearched.
	if err := own.Err(); err != nil {
		return nil, "", fmt.Errorf("plan %s: its mappings do not compile (regflytt plan check %s): %w", path, path, err)
	}
	if prog == nil {
		return nil, "", fmt.Errorf("plan %s: its mappings do not compile (regflytt plan check %s)", path, path)
	}
	cols = personColumnsOf(prog)
	fingerprint, err = p.Fingerprint(in)
	if err != nil {
		return nil, "", fmt.Errorf("plan %s: %w", path, err)
	}
	return cols, fingerprint, nil
}

// personColumnsOf gives, per source table a table mapping reads as
// records, the columns its person: reads, none where it declares none;
// two mappings of one table, the columns of both. A form store's tables
// are left out (its person: reads variables, rows of its values table):
// the package then says nothing of them, and erase asks every two of
// their values that may be parts.
func personColumnsOf(prog *mappings.Program) map[string][]string {
	cols := map[string][]string{}
	for _, tp := range prog.Tables {
		c, ok := tp.PersonColumns()
		if !ok {
			continue
		}
		name := tp.RecordsTable().Name
		prev := cols[name]
		if prev == nil {
			prev = []string{}
		}
		for _, n := range c {
			if !slices.Contains(prev, n) {
				prev = append(prev, n)
			}
		}
		cols[name] = prev
	}
	return cols
}
