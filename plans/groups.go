package plans

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/regflytt/regflytt/connectors"

	"github.com/regflytt/regflytt/mappings"
	"github.com/regflytt/regflytt/verify"
	"gopkg.in/yaml.v3"
)

// Control groups per source table (issue 20): the plan's
// verification.source_groups names, per source table, columns (or the
// year of a date column) whose values group its records; the writer
// counts each record's outcome in its groups (groupsOf, beside unitOf),
// and verification counts the source per group itself and checks each
// group's equation.

// readSourceGroups reads verification.source_groups.
func readSourceGroups(f, vf *mappings.Fields) (map[string][]verify.SourceGroup, map[string]mappings.Pos) {
	keys, vals := vf.Pairs("source_groups")
	if len(keys) == 0 {
		return nil, nil
	}
	groups, at := map[string][]verify.SourceGroup{}, map[string]mappings.Pos{}
	bad := func(n *yaml.Node, table string) {
		*f.Diags() = append(*f.Diags(), mappings.Diagnostic{Pos: mappings.PosOf(f.File(), n), Code: "P043",
			Message: "verification.source_groups." + table + " needs a list of the source table's columns or year(<date column>), such as [vardenhet_id, \"year(registrerad)\"]"})
	}
	for i, k := range keys {
		at[k.Value] = mappings.PosOf(f.File(), k)
		if vals[i].Kind != yaml.SequenceNode || len(vals[i].Content) == 0 {
			bad(vals[i], k.Value)
			continue
		}
		for _, c := range vals[i].Content {
			g, ok := parseSourceGroup(c)
			if !ok {
				bad(c, k.Value)
				continue
			}
			groups[k.Value] = append(groups[k.Value], g)
		}
	}
	return groups, at
}

// parseSourceGroup reads one group: a column name, or year(column).
func parseSourceGroup(n *yaml.Node) (verify.SourceGroup, bool) {
	if n.Kind != yaml.ScalarNode {
		return verify.SourceGroup{}, false
	}
	s := strings.TrimSpace(n.Value)
	g := verify.SourceGroup{Name: s, Column: s}
	if inner, ok := strings.CutPrefix(s, "year("); ok {
		col, closed := strings.CutSuffix(inner, ")")
		col = strings.TrimSpace(col)
		if !closed || col == "" {
			return verify.SourceGroup{}, false
		}
		g = verify.SourceGroup{Name: "year(" + col + ")", Column: col, Year: true}
	}
	if g.Column == "" || strings.ContainsAny(g.Column, "() ,") {
		return verify.SourceGroup{}, false
	}
	return g, true
}

// groupsOf tells tl, before a record's outcome is counted, the record's
// value in each control group the plan names for its source table t.
func (w *writer) groupsOf(t *connectors.Table, tl *verify.TableLedger, row []connectors.Value) error {
	groups := w.r.plan.Verification.SourceGroups[t.Name]
	if len(groups) == 0 || tl.Source != t.Name {
		return nil
	}
	names, values := make([]string, len(groups)), make([]string, len(groups))
	for i, g := range groups {
		names[i] = g.Name
		// A column the table lacks counts as NULL here; verify's own
		// count of the source fails on it by name.
		var v connectors.Value
		if idx := t.ColumnIndex(g.Column); idx >= 0 && idx < len(row) {
			v = row[idx]
		}
		values[i] = verify.GroupValue(v, g.Year)
	}
	return tl.ForGroups(names, values)
}

// checkSourceGroupNames checks that each source table the plan groups is
// in the source catalogue with the columns its groups read, a year() of a
// date, datetime or text column: map check, the dry run and the run
// before its first write say so, not the run's end check after every
// record moved.
func (r *runner) checkSourceGroupNames(s *session) error {
	v := r.plan.Verification
	byName := map[string]*connectors.Table{}
	for i := range s.catalog {
		byName[s.catalog[i].Name] = &s.catalog[i]
	}
	for _, name := range slices.Sorted(maps.Keys(v.SourceGroups)) {
		t := byName[name]
		if t == nil {
			return fmt.Errorf("%s: verification.source_groups names %s, which the source does not hold", v.SourceGroupsAt[name], name)
		}
		for _, g := range v.SourceGroups[name] {
			col := t.Column(g.Column)
			if col == nil {
				return fmt.Errorf("%s: verification.source_groups.%s: source table %s has no column %s", v.SourceGroupsAt[name], name, name, g.Column)
			}
			switch col.Type.Kind {
			case connectors.KindDate, connectors.KindDateTime, connectors.KindTimestamp, connectors.KindText:
			default:
				if g.Year {
					// Every record would count as unreadable: a group that
					// balances and says nothing.
					return fmt.Errorf("%s: verification.source_groups.%s: %s needs a date, datetime or text column; %s is %s", v.SourceGroupsAt[name], name, g.Name, g.Column, col.Type.Kind)
				}
			}
		}
	}
	return nil
}

// checkSourceGroups counts each source table the plan groups in the
// snapshot, per group, and checks each group's equation against the
// ledger: source records = migrated + archived + excluded.
func (r *runner) checkSourceGroups(ctx context.Context, s *session, ledger *verify.Ledger, rep *verify.Report) error {
	v := r.plan.Verification
	if len(v.SourceGroups) == 0 {
		return nil
	}
	if err := r.checkSourceGroupNames(s); err != nil {
		return err
	}
	byName := map[string]*connectors.Table{}
	for i := range s.catalog {
		byName[s.catalog[i].Name] = &s.catalog[i]
	}
	keys := map[string][]string{}
	for _, tp := range s.prog.Tables {
		keys[tp.Source.Name] = tp.Key
	}
	counted := map[string]map[string]map[string]int64{}
	for _, name := range slices.Sorted(maps.Keys(v.SourceGroups)) {
		t := byName[name]
		var key []string
		if len(t.PrimaryKey) == 0 {
			key = keys[name]
		}
		c, err := verify.CountSourceGroups(ctx, s.snap, t, key, v.SourceGroups[name])
		if err != nil {
			return err
		}
		counted[name] = c
	}
	verify.CheckSourceGroups(counted, ledger, rep)
	return nil
}
