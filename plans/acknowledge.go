package plans

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/regflytt/regflytt/mappings"
	"github.com/regflytt/regflytt/verify"
)

// What verification.acknowledge and the control groups name is checked by
// plan check against what the plan itself names: an acknowledgement is
// matched to a finding by its exact id (kind.subject), so one whose kind
// or table is written wrong acknowledges nothing, and verify only notes
// it (as it notes one whose finding this sample did not meet) while the
// finding it was meant for fails the run at its end.

// subjectKind is what the subject of a kind of finding names.
type subjectKind int

const (
	subjectAny          subjectKind = iota // a source schema: only the source knows
	subjectSourceTable                     // a source table the plan reads or names
	subjectSourceColumn                    // <source table>.<column>
	subjectList                            // opt-out or erasure
	subjectCodeList                        // a code list of the mappings
	subjectSource                          // the word "source"
	subjectTargetTable                     // a receiving table
	subjectNever                           // a finding no acknowledgement passes
)

// findingSubjects lists the kinds of finding verification raises
// (runner.findings and the findings it is given) by what their subject
// names.
var findingSubjects = map[string]subjectKind{
	"archived_share":                     subjectSourceTable,
	FindingValuesArchivedShare:           subjectSourceTable,
	ReasonTableNotMapped:                 subjectSourceTable,
	FindingUnitUnknown:                   subjectSourceTable,
	FindingHistoryNotRead:                subjectSourceTable,
	FindingSourceWithoutSnapshot:         subjectSourceTable,
	WarnExclusionParentKept:              subjectSourceTable,
	mappings.WarnCenturyResolved:         subjectSourceTable,
	mappings.WarnCenturyBirthDiffers:     subjectSourceTable,
	mappings.WarnCenturyAmbiguous:        subjectSourceTable,
	mappings.WarnExclusionByDigits:       subjectSourceTable,
	mappings.WarnListCenturyDiffers:      subjectSourceTable,
	mappings.WarnPersonNotChecked:        subjectSourceTable,
	mappings.WarnListedNumberKept:        subjectSourceTable,
	mappings.WarnExclusionByLeftOutValue: subjectSourceTable,
	mappings.WarnPersonCopiesUnjoined:    subjectSourceTable,
	FindingCenturyPair:                   subjectSourceTable,
	FindingLargeObjectsNotRead:           subjectSourceColumn,
	"list_unmatched":                     subjectList,
	"codes_never_seen":                   subjectCodeList,
	FindingSchemaNotRead:                 subjectAny,
	FindingExcludedSinceRun:              subjectSourceTable,
	FindingIncludedSinceRun:              subjectSourceTable,
	FindingSourceChangedSinceRun:         subjectSourceTable,
	// A table of the target the schema does not declare: only the
	// target knows it.
	FindingTargetTableUndeclared:          subjectAny,
	FindingCatalogueLimited:               subjectSource,
	verify.FindingLoginShared:             subjectTargetTable,
	"values_lost":                         subjectNever,
	mappings.WarnPersonNotCheckedArchived: subjectNever,
}

// checkAcknowledgements finds the acknowledgements that cannot match a
// finding of this plan (P044): a kind verification does not raise, or a
// subject the plan does not have (a source table no mapping reads and no
// unmapped_tables or list names, a column no mapping of its table maps or
// drops, a code list, list or receiving table the plan does not have).
// Tables read by no mapping and named nowhere in the plan exist only in
// the source: table_not_mapped.<table> names them, and is left to the
// run.
func (p *Plan) checkAcknowledgements(in *Inputs) mappings.Diagnostics {
	acks := p.Verification.Acknowledge
	if len(acks) == 0 {
		return nil
	}
	src := p.planSources(in)
	sourceCols, sources, selected := src.columns, src.names, src.opaque
	lists := map[string]bool{}
	for _, l := range p.exclusionLists() {
		if l.table.IsSet() || l.file.IsSet() {
			lists[l.name] = true
		}
	}
	var codeLists []string
	for _, f := range in.Mappings {
		for _, cl := range f.CodeLists {
			codeLists = append(codeLists, cl.Name.Value)
		}
	}
	var targets []string
	if in.Schema != nil {
		for _, t := range in.Schema.Tables {
			targets = append(targets, t.Name)
		}
	}
	kinds := make([]string, 0, len(findingSubjects))
	for k, s := range findingSubjects {
		if s != subjectNever {
			kinds = append(kinds, k)
		}
	}
	slices.Sort(kinds)

	var ds mappings.Diagnostics
	for _, id := range sortedStrs(acks) {
		pos, ok := p.Verification.AcknowledgeAt[id]
		if !ok {
			pos = acks[id].Pos
		}
		bad := func(format string, args ...any) {
			ds = append(ds, mappings.Diagnostic{Pos: pos, Code: "P044",
				Message: fmt.Sprintf("verification.acknowledge names %s, ", id) + fmt.Sprintf(format, args...) + ", so it acknowledges nothing: name the finding as the report names it, kind.subject"})
		}
		kind, subject, _ := strings.Cut(id, ".")
		sk, known := findingSubjects[kind]
		switch {
		case !known:
			bad("and %s is no kind of finding verification raises%s (the kinds: %s)", kind, mappings.Suggest(kind, kinds), strings.Join(kinds, ", "))
			continue
		case sk == subjectNever && kind == mappings.WarnPersonNotCheckedArchived:
			bad("which is counted within %s.<table>: acknowledge that", mappings.WarnPersonNotChecked)
			continue
		case sk == subjectNever:
			bad("which fails verification whatever the plan acknowledges")
			continue
		case subject == "":
			bad("and no subject after %s.", kind)
			continue
		}
		switch sk {
		case subjectSourceTable:
			if _, ok := sourceCols[subject]; !ok {
				bad("and %s is no source table the plan reads or names%s", subject, mappings.Suggest(subject, sources))
			}
		case subjectSourceColumn:
			table, column := splitTableColumn(subject, sourceCols)
			switch {
			case table == "":
				bad("and %s is no <source table>.<column> of a table the plan reads or names", subject)
			case !selected[table] && !slices.Contains(sourceCols[table], column):
				bad("and source table %s has no column %s its mapping maps or drops%s", table, column, mappings.Suggest(column, sourceCols[table]))
			}
		case subjectList:
			if !lists[subject] {
				bad("and the plan has no %s list (the lists: opt-out, erasure, each when the plan names its table or file)", subject)
			}
		case subjectCodeList:
			if !slices.Contains(codeLists, subject) {
				bad("and %s is no code list of the mappings%s", subject, mappings.Suggest(subject, codeLists))
			}
		case subjectSource:
			if subject != "source" {
				bad("and the subject of %s is the word source", kind)
			}
		case subjectTargetTable:
			if !slices.Contains(targets, subject) {
				bad("and %s is no table of the receiving schema%s", subject, mappings.Suggest(subject, targets))
			}
		}
	}
	return ds
}

// planSources are the source tables a plan names without a database:
// those its mappings read (with the columns they map, drop or key), its
// unmapped_tables, its list tables and the tables acknowledged as
// table_not_mapped. opaque marks a table whose columns only the source
// knows (a select:'s or form store's table, one read by no mapping).
type planSources struct {
	columns map[string][]string
	names   []string
	opaque  map[string]bool
}

func (p *Plan) planSources(in *Inputs) planSources {
	s := planSources{columns: map[string][]string{}, opaque: map[string]bool{}}
	add := func(name string, opaque bool) {
		if _, ok := s.columns[name]; !ok {
			s.columns[name] = nil
			s.names = append(s.names, name)
		}
		if opaque {
			s.opaque[name] = true
		}
	}
	catalog, _ := mappings.NamedSource(in.Mappings)
	for _, t := range catalog {
		add(t.Name, false)
		for _, c := range t.Columns {
			s.columns[t.Name] = append(s.columns[t.Name], c.Name)
		}
	}
	for _, f := range in.Mappings {
		for _, tm := range f.Tables {
			for _, m := range append([]*mappings.TableMapping{tm}, tm.Members...) {
				if m.Select.IsSet() || m.EAV != nil {
					s.opaque[m.Source.Value] = true
				}
				for _, l := range m.Lookups {
					// A lookup's columns are read by name in expressions.
					s.opaque[l.Table.Value] = true
				}
			}
		}
	}
	for name := range p.UnmappedTables {
		add(name, true)
	}
	for _, l := range p.exclusionLists() {
		if l.table.IsSet() {
			add(l.table.Value, true)
		}
	}
	for id := range p.Verification.Acknowledge {
		if kind, table, ok := strings.Cut(id, "."); ok && kind == ReasonTableNotMapped {
			add(table, true)
		}
	}
	return s
}

// splitTableColumn splits <table>.<column> at the dot after a known
// table's name (a table name may hold a dot, schema.table); "" when no
// known table starts it.
func splitTableColumn(subject string, tables map[string][]string) (string, string) {
	best := ""
	for t := range tables {
		if strings.HasPrefix(subject, t+".") && len(t) > len(best) {
			best = t
		}
	}
	if best == "" {
		return "", ""
	}
	return best, subject[len(best)+1:]
}

// checkGroupNames finds control groups of a receiving table or column the
// schema does not declare (P042), and source groups of a source table the
// plan does not name or of a column its mapping neither maps nor drops
// (P043). The run refused the first before writing, and found the second
// only after moving every record, at its end check.
func (p *Plan) checkGroupNames(in *Inputs) mappings.Diagnostics {
	v := p.Verification
	var ds mappings.Diagnostics
	if in.Schema != nil {
		var names []string
		for _, t := range in.Schema.Tables {
			names = append(names, t.Name)
		}
		for _, table := range sortedGroupTables(v.ControlGroups) {
			t := in.Schema.Table(table)
			if t == nil {
				ds = append(ds, mappings.Diagnostic{Pos: v.ControlGroupsAt[table], Code: "P042",
					Message: fmt.Sprintf("verification.control_groups names %s, which the receiving schema does not declare%s", table, mappings.Suggest(table, names))})
				continue
			}
			cols := make([]string, 0, len(t.Columns))
			for _, c := range t.Columns {
				cols = append(cols, c.Name)
			}
			for _, c := range v.ControlGroups[table] {
				if !slices.Contains(cols, c.Value) {
					ds = append(ds, mappings.Diagnostic{Pos: c.Pos, Code: "P042",
						Message: fmt.Sprintf("verification.control_groups.%s: receiving table %s has no column %s%s", table, table, c.Value, mappings.Suggest(c.Value, cols))})
				}
			}
		}
	}
	if len(v.SourceGroups) == 0 {
		return ds
	}
	src := p.planSources(in)
	for _, name := range slices.Sorted(maps.Keys(v.SourceGroups)) {
		cols, ok := src.columns[name]
		if !ok {
			ds = append(ds, mappings.Diagnostic{Pos: v.SourceGroupsAt[name], Code: "P043",
				Message: fmt.Sprintf("verification.source_groups names %s, which is no source table the plan reads or names%s", name, mappings.Suggest(name, src.names))})
			continue
		}
		if src.opaque[name] {
			continue
		}
		for _, g := range v.SourceGroups[name] {
			if !slices.Contains(cols, g.Column) {
				ds = append(ds, mappings.Diagnostic{Pos: v.SourceGroupsAt[name], Code: "P043",
					Message: fmt.Sprintf("verification.source_groups.%s: the mapping of source table %s neither maps nor drops a column %s%s", name, name, g.Column, mappings.Suggest(g.Column, cols))})
			}
		}
	}
	return ds
}

// planNames gives what plan check finds of the names the plan's
// verification section uses (checkAcknowledgements, checkGroupNames), for
// map check to report and the dry run and the run to refuse as plan check
// does.
func (p *Plan) planNames(in *Inputs) mappings.Diagnostics {
	return append(p.checkAcknowledgements(in), p.checkGroupNames(in)...)
}
