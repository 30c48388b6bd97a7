package plans

import (
	"fmt"
	"slices"

	"github.com/regflytt/regflytt/archive"
	"github.com/regflytt/regflytt/mappings"
)

// PlanVersion names a version of a plan as a run records it in an
// archive package's package.json.
type PlanVersion struct {
	// Fingerprint is Plan.Fingerprint: plan, schema and mappings, and
	// the approvals and progress recorded in the plan.
	Fingerprint string
	// Hash is Plan.Hash: the version the registry holder approves, which
	// an approval or a milestone recorded after the run leaves as it was.
	Hash string
}

// PersonColumns gives, per source table the plan's mappings read, the
// columns each table's person: reads, an empty list for a table whose
// mapping declares none, read from the plan at path with no database:
// regflytt archive erase asks two of them joined, as a run does, for a
// number split over two columns (a birth date and the last four). A
// form store's person: reads variables, rows of its values table: forms
// says which, and its entities table's columns are those of the entity
// it reads. ver is the plan's version, to compare with the one the
// package was written under.
func PersonColumns(path string) (cols map[string][]string, forms []archive.PersonForm, ver PlanVersion, err error) {
	p, ds := Load(path)
	if p == nil {
		return nil, nil, PlanVersion{}, fmt.Errorf("plan %s: %w", path, ds)
	}
	in, more := p.LoadInputs()
	ds = append(ds, more...)
	if err := ds.Err(); err != nil {
		return nil, nil, PlanVersion{}, fmt.Errorf("plan %s: %w", path, err)
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
		return nil, nil, PlanVersion{}, fmt.Errorf("plan %s: its mappings do not compile (regflytt plan check %s): %w", path, path, err)
	}
	if prog == nil {
		return nil, nil, PlanVersion{}, fmt.Errorf("plan %s: its mappings do not compile (regflytt plan check %s)", path, path)
	}
	cols = personColumnsOf(prog)
	if ver.Fingerprint, err = p.Fingerprint(in); err != nil {
		return nil, nil, PlanVersion{}, fmt.Errorf("plan %s: %w", path, err)
	}
	if ver.Hash, err = p.Hash(in); err != nil {
		return nil, nil, PlanVersion{}, fmt.Errorf("plan %s: %w", path, err)
	}
	forms = personFormsOf(prog)
	for i := range forms {
		// Compiled without the source, the entities' key is invented
		// and every name the person: reads taken for a variable: erase
		// reads the key, and which names are entity columns, from the
		// package.
		forms[i].EntityKey = ""
	}
	return cols, forms, ver, nil
}

// personColumnsOf gives, per source table a table mapping reads as
// records, the columns its person: reads, none where it declares none;
// two mappings of one table, the columns of both. A form store's
// entities table gets the entity columns its person: reads, its values
// table none (no value row holds two parts): what it reads of value rows
// is personFormsOf's.
func personColumnsOf(prog *mappings.Program) map[string][]string {
	cols := map[string][]string{}
	for _, tp := range prog.Tables {
		c, ok := tp.PersonColumns()
		if !ok {
			ec, _, eav := tp.PersonVariables()
			if !eav {
				continue
			}
			c = ec
			if cols[tp.EAV.Values.Name] == nil {
				cols[tp.EAV.Values.Name] = []string{}
			}
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

// personFormsOf gives what each form store's person: reads of its value
// rows (the variables, and where the values table keeps them), for
// archive erase to join an entity's rows as the run's pivot did. A form
// store whose person: reads no variable is listed too: erase then finds
// an entity by its entity columns and takes its value rows with it.
// Two mappings of one values table, the variables of both.
func personFormsOf(prog *mappings.Program) []archive.PersonForm {
	var forms []archive.PersonForm
	for _, tp := range prog.Tables {
		_, vars, ok := tp.PersonVariables()
		if !ok || len(tp.EAV.Entities.PrimaryKey) != 1 {
			continue
		}
		e := tp.EAV
		f := archive.PersonForm{Entities: e.Entities.Name, EntityKey: e.Entities.PrimaryKey[0], Values: e.Values.Name,
			Entity: e.Values.Columns[e.Entity].Name, Attribute: e.Values.Columns[e.Attribute].Name, Value: e.Values.Columns[e.Value].Name,
			Variables: vars}
		if i := slices.IndexFunc(forms, func(g archive.PersonForm) bool { return g.Values == f.Values }); i >= 0 {
			for _, v := range vars {
				if !slices.Contains(forms[i].Variables, v) {
					forms[i].Variables = append(forms[i].Variables, v)
				}
			}
			continue
		}
		if f.Variables == nil {
			f.Variables = []string{}
		}
		forms = append(forms, f)
	}
	return forms
}
