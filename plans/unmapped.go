package plans

import (
	"fmt"
	"sort"
	"strings"

	"github.com/regflytt/regflytt/mappings"
)

// checkUnmappedTables holds the source tables no mapping reads to the
// plan's unmapped_tables. Such a table is archived whole, row for row:
// nothing in it is matched against the opt-out and erasure lists, so with
// a list in the plan an undeclared one could carry an opted-out patient's
// rows into the archive, which the law forbids. Every such table must
// then be named with the reason it holds no patient's data; a table that
// does hold some is mapped instead (with person: or parent:), so its
// listed patients are excluded. A name that is no unmapped source table
// is refused too, so the declaration cannot go stale unnoticed.
func (r *runner) checkUnmappedTables(s *session) error {
	read := readByPrograms(s.prog)
	inSource := map[string]bool{}
	var undeclared []string
	for i := range s.catalog {
		name := s.catalog[i].Name
		inSource[name] = true
		if read[name] || r.plan.listTableReason(name) != "" {
			continue
		}
		if _, ok := r.plan.UnmappedTables[name]; !ok {
			undeclared = append(undeclared, name)
		}
	}
	var stale []string
	for name, reason := range r.plan.UnmappedTables {
		switch {
		case !inSource[name]:
			stale = append(stale, fmt.Sprintf("%s: unmapped_tables names %s, which the source does not have", reason.Pos, name))
		case read[name]:
			stale = append(stale, fmt.Sprintf("%s: unmapped_tables names %s, which a mapping reads", reason.Pos, name))
		}
	}
	sort.Strings(stale)
	if len(stale) > 0 {
		return fmt.Errorf("%s", strings.Join(stale, "; "))
	}
	hasList := false
	for _, l := range r.plan.exclusionLists() {
		hasList = hasList || l.table.IsSet() || l.file.IsSet()
	}
	if !hasList {
		return nil
	}
	// A mapped table is matched against the lists through its person:,
	// or follows a parent that is; anything else migrates a listed
	// patient's rows unless the mapping says its records are no patient's.
	// A parent: whose records are matched by no person: (a care unit, a
	// staff account) takes no listed patient's record with it: its
	// children share its declaration (an account's grants), unless they
	// hold an identity number (a patient table linked to its care unit).
	var unmatched []string
	for _, tp := range s.prog.Tables {
		m := tp.Mapping
		if m == nil || m.Person != nil || m.NoPerson.IsSet() || r.plan.listTableReason(tp.Source.Name) != "" {
			continue
		}
		if tp.Parent == nil {
			unmatched = append(unmatched, fmt.Sprintf("%s (%s)", tp.Source.Name, m.Pos))
			continue
		}
		if matchedAgainstLists(tp) {
			continue
		}
		if ids := mappings.IdentityColumnsOf(r.in.Mappings, m); len(ids) > 0 {
			unmatched = append(unmatched, fmt.Sprintf("%s (%s; it holds the identity numbers %s, and its parent: %s is matched by no person:)", tp.Source.Name, m.Pos, strings.Join(ids, ", "), tp.Parent.Records.Name))
		}
	}
	// A table declared to hold no patient's data is archived whole, each
	// row as it is; one with a column named as an identity number (pnr,
	// the old opt-out table an exported file replaced) would put a listed
	// patient's number into the archive under PASS. The name contradicts
	// the declaration, as it does for a mapped table (P011).
	var named []string
	for i := range s.catalog {
		t := &s.catalog[i]
		if _, ok := r.plan.UnmappedTables[t.Name]; !ok || read[t.Name] || r.plan.listTableReason(t.Name) != "" {
			continue
		}
		var cols []string
		for _, c := range t.Columns {
			if mappings.IdentityName(c.Name) {
				cols = append(cols, c.Name)
			}
		}
		if len(cols) > 0 {
			named = append(named, fmt.Sprintf("%s (%s: %s)", t.Name, r.plan.UnmappedTables[t.Name].Pos, strings.Join(cols, ", ")))
		}
	}
	if len(named) > 0 {
		sort.Strings(named)
		return fmt.Errorf("%s: with an opt-out or erasure list, unmapped_tables declares %s to hold no patient's data, but their columns named as identity numbers say otherwise: archived whole, a listed patient's rows and number would be kept in the archive package; map each with person: or parent:, so that the lists take those rows out (P010)", r.plan.File, strings.Join(named, ", "))
	}
	if len(unmatched) > 0 {
		return fmt.Errorf("%s: with an opt-out or erasure list, mapped source tables %s are matched against neither list: give each a person: (the identity number) or a parent: (the record it belongs to), or, if its records are no patient's, no_person: with the reason (P011)", r.plan.File, strings.Join(unmatched, ", "))
	}
	if len(undeclared) == 0 {
		return nil
	}
	return fmt.Errorf("%s: source tables %s are read by no mapping and would be archived whole, where the opt-out and erasure lists cannot take out a listed patient's rows: map each (with person: or parent:), or, if it holds no patient's data, name it under unmapped_tables with the reason (P010)", r.plan.File, strings.Join(undeclared, ", "))
}
