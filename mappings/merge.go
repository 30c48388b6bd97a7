package mappings

import (
	"fmt"
	"strings"

	"github.com/regflytt/regflytt/connectors"
)

// ReasonMergeConflict archives a record whose value differs from the one a
// higher-precedence record gave the same target row: it is kept, in its
// source shape, rather than overwrite or be overwritten silently.
const ReasonMergeConflict = "merge_conflict"

// ReasonKeySpelling archives a merged record whose merge key is the
// registration's only as a case-, accent- and trailing-space-blind
// collation compares it ('ABC' for 'abc', 'josé' for 'jose', 'ghi ' for
// 'ghi'), or a join with a number column ('007' for '7'): the source's
// joins take it for the registration the winner gives, the receiving
// table would take it for another. Merged by its bytes it split the
// registry's one registration in two receiving rows; merged folded it
// would take the winner's spelling by a rule nobody reviewed. It is
// kept, in its source shape, naming both spellings.
const ReasonKeySpelling = "key_spelling"

// MergeProgram merges the rows that several source records make of the
// same registration (a main register's sub-registers, or duplicate
// registrations within one table) into one target row:
//
//   - target: visit
//     merge: [patient, visit_date]   # target columns identifying the registration
//     sources:
//   - {source: delreg_a, precedence: 1, columns: {…}}
//   - {source: delreg_b, precedence: 2, columns: {…}}
//
// Records are taken in precedence order (lower first), then by source,
// then in key order. The first gives the row; each next one fills the
// columns still NULL if none of its values differs from the row so far,
// and is then migrated (merged); one that differs is archived whole with
// merge_conflict, or the reason its column's reasons: gives it, and gives
// nothing. A record whose merge columns hold a
// NULL is a registration of its own. Merge keys are compared as the
// source's joins compare them (keyFold): blind to case, accents and
// trailing spaces unless the collations of the columns feeding them say
// otherwise (MariaDB's utf8mb4_general_ci joins the legacy tables so),
// and text that is a number by its value where a number column feeds the
// key: a record whose key is the first one's only so is archived whole
// as key_spelling. A registration with an excluded record is excluded
// whole (the run keeps the excluded record's key: ExcludedMergeKey).
type MergeProgram struct {
	Target *connectors.Table
	// Key names the merge columns; KeyIndex their positions in a target
	// row.
	Key      []string
	KeyIndex []int
	// Members are the programs whose migrated rows are merged.
	Members []*TableProgram
	// folds says, per merge column, how the source columns that feed it
	// compare its text (keyFold).
	folds []keyFold
}

// keyFold is how a merge column's text is compared, as the legacy join of
// the source columns feeding it compares them: numbers by value where a
// number column feeds it ('007' is 7 to MariaDB and SQL Server joining a
// text column with an integer one); text blind to case and accents, and
// to trailing spaces, unless every text column feeding it is under a
// collation known to see them (connectors.KeyBlindness).
type keyFold struct {
	numbers, caseAccent, trailingSpaces bool
	// limit is what folding is sure of under the collations of the text
	// columns feeding the merge column (FoldLimit).
	limit FoldLimit
}

// foldAll is the fold of a column whose sources are not known.
var foldAll = keyFold{numbers: true, caseAccent: true, trailingSpaces: true}

// fold gives s as f compares it.
func (f keyFold) fold(s string) string {
	if f.numbers {
		if k, ok := numberKey(s); ok {
			return k
		}
	}
	switch {
	case f.caseAccent:
		return FoldText(s)
	case f.trailingSpaces:
		return strings.TrimRight(s, " ")
	}
	return s
}

// keyFolds gives the fold of each merge column from the source columns
// its members feed it from (foldAll for one fed by none: a constant).
// Every member's collations limit it, also those of members after one
// that feeds it from nothing: the others' keys still meet as their
// collations compare them.
func (m *MergeProgram) keyFolds() []keyFold {
	folds := make([]keyFold, len(m.KeyIndex))
	for i, j := range m.KeyIndex {
		var collations []string
		for _, tp := range m.Members {
			if j >= len(tp.cols) || len(tp.cols[j].reads) == 0 {
				folds[i] = foldAll
				continue
			}
			for _, r := range tp.cols[j].reads {
				if r < 0 || r >= len(tp.Source.Columns) {
					folds[i] = foldAll
					continue
				}
				c := &tp.Source.Columns[r]
				if c.Type.Kind != connectors.KindText {
					folds[i].numbers = true
					continue
				}
				ca, ts := connectors.KeyBlindness(c.Collation)
				folds[i].caseAccent = folds[i].caseAccent || ca
				folds[i].trailingSpaces = folds[i].trailingSpaces || ts
				collations = append(collations, c.Collation)
			}
		}
		folds[i].limit = FoldLimitOf(collations...)
	}
	return folds
}

// Candidate is one migrated row waiting to be merged: which member made it
// and the target row.
type Candidate struct {
	Member int
	Row    []connectors.Value
}

func compileMerge(tm *TableMapping, members []*TableProgram, ds *Diagnostics) {
	m := &MergeProgram{Target: members[0].Target, Members: members}
	var keyPos []Pos
	for _, k := range tm.Merge {
		i := m.Target.ColumnIndex(k.Value)
		if i < 0 {
			ds.add(k.Pos, "M015", "merge column %s is not a column of %s%s", k.Value, m.Target.Name, suggest(k.Value, columnNames(m.Target)))
			continue
		}
		m.Key, m.KeyIndex, keyPos = append(m.Key, k.Value), append(m.KeyIndex, i), append(keyPos, k.Pos)
	}
	seen := map[int]bool{}
	for i, tp := range members {
		if tp.EAV != nil {
			// A form store's value rows follow their entity's outcome,
			// which a merge decides only later; not built yet.
			ds.add(tp.Mapping.Source.Pos, "M017", "a form store (eav) cannot be merged yet: pivot it into its own table")
		}
		tp.Merge, tp.Member = m, i
		if len(members) > 1 && seen[tp.Mapping.Precedence] {
			ds.add(tp.Mapping.Pos, "M016", "two sources have precedence %d: say which wins", tp.Mapping.Precedence)
		}
		seen[tp.Mapping.Precedence] = true
	}
	m.folds = m.keyFolds()
	for i, f := range m.folds {
		if f.limit.Collation != "" {
			sure := "printable ASCII"
			if f.limit.Accents {
				sure += " and Latin letters with accents"
			}
			under := "under the collation " + f.limit.Collation
			if f.limit.Collation == "unknown" {
				under = "whose collation the source does not name (a select:'s columns), taken for blind"
			}
			ds.warn(keyPos[i], "M087", "merge column %s is fed from text compared %s, which may take spellings for one key that regflytt's fold cannot tell apart ('ß' for 's', 'ü' for 'y'): a run stops at the first record whose key holds more than %s; feed it from columns of a byte-wise collation, or make the keys agree in the source",
				m.Key[i], under, sure)
		}
	}
}

// MergeKey gives the encoded merge key of a target row, its text folded
// (keyFold) so that the spellings the source's collation or a number
// column takes for one key meet in one group, and false when a merge
// column is NULL (the row then merges with nothing). A key text folding
// is not sure of under the source's collation (FoldLimit) is an error:
// the record could be of a registration spelled otherwise, which the
// run would then split in two receiving rows (or leave an opted-out
// patient's record of it migrating), and pass.
func (m *MergeProgram) MergeKey(row []connectors.Value) ([]byte, bool, error) {
	key := make([]connectors.Value, len(m.KeyIndex))
	for i, j := range m.KeyIndex {
		if row[j] == nil {
			return nil, false, nil
		}
		key[i] = row[j]
		if s, ok := row[j].(string); ok {
			f := foldAll
			if i < len(m.folds) {
				f = m.folds[i]
			}
			if !f.limit.Sure(s) {
				return nil, false, m.unsureKey(i, f)
			}
			key[i] = f.fold(s)
		}
	}
	b, err := connectors.AppendRow(nil, key)
	return b, true, err
}

// ExcludedMergeKey gives the merge key (MergeKey) of a record of a merged
// source that Apply excluded or archived, whose target row it did not
// make: the registration's other records are the excluded patient's too.
// False when the program is not merged or a merge column is NULL (the
// record then is a registration of its own). An error when the key holds
// text folding is not sure of (UnsureMergeKeyError), or a merge column's
// value fails for the record (MergeKeyError): the registration's records
// cannot be told, which for an excluded record means an opted-out
// patient's other records of it would migrate.
func (p *TableProgram) ExcludedMergeKey(row []connectors.Value) ([]byte, bool, error) {
	m := p.Merge
	if m == nil {
		return nil, false, nil
	}
	// The record migrates nowhere: a choice its key makes leaves no value
	// out, and the key is the registration's all the same.
	p.state.env.R, p.state.env.C, p.state.matchOnly = row, &p.state.choices, true
	defer func() {
		// The record's warnings were counted with its exclusion.
		p.state.env.R, p.state.matchOnly = nil, false
		p.env.warnings.reset()
	}()
	out := make([]connectors.Value, len(p.cols))
	for i, j := range m.KeyIndex {
		if j >= len(p.cols) {
			return nil, false, fmt.Errorf("merge column %s: source %s maps no column %d (a defect: please report it)", m.Key[i], p.Source.Name, j)
		}
		cp := &p.cols[j]
		v, err := p.value(cp, row)
		if err != nil {
			f := cp.named(p.failureOf(err))
			return nil, false, &MergeKeyError{Column: m.Key[i], SourceColumn: p.sourceColumns(cp), Reason: f.reason, Detail: f.detail}
		}
		out[j] = v
	}
	k, ok, err := m.MergeKey(out)
	if err != nil {
		return nil, false, err
	}
	return k, ok, nil
}

// MergeKeyError says a merge column's value fails for a record (its own
// mapping archives it for that, or it was excluded before): which
// registration the record is of cannot be told. It names the column,
// the source columns it reads and the reason, never a value.
type MergeKeyError struct {
	Column, SourceColumn string
	Reason, Detail       string
}

func (e *MergeKeyError) Error() string {
	from := ""
	if e.SourceColumn != "" {
		from = " (from " + e.SourceColumn + ")"
	}
	detail := ""
	if e.Detail != "" {
		detail = ": " + e.Detail
	}
	return fmt.Sprintf("merge column %s%s fails for the record with %s%s", e.Column, from, e.Reason, detail)
}

// UnsureMergeKeyError says a merge key holds text folding is not sure of
// under the collation of the columns feeding it (FoldLimit).
type UnsureMergeKeyError struct {
	Column, Collation string
}

func (e *UnsureMergeKeyError) Error() string {
	return fmt.Sprintf("merge column %s: a record's key holds characters (other than printable ASCII or, under some collations, Latin letters with accents) that the collation %s of the source columns feeding it may take for another spelling (utf8mb4_general_ci takes 'ß' for 's', swedish_ci 'ü' for 'y', unicode_ci ignores NUL): regflytt cannot tell which registration the record is of; make the keys agree in the source, or feed the merge column from columns of a byte-wise collation", e.Column, e.Collation)
}

func (m *MergeProgram) unsureKey(i int, f keyFold) error {
	return &UnsureMergeKeyError{Column: m.Key[i], Collation: f.limit.Collation}
}

// keySpelling gives the outcome of a candidate whose merge key differs
// from the first candidate's (first) byte for byte, though it folds
// alike; ok false when the keys are the same.
func (m *MergeProgram) keySpelling(first, c Candidate) (Outcome, bool) {
	var spelled []string
	o := Outcome{Kind: Archived, Reason: ReasonKeySpelling}
	for _, j := range m.KeyIndex {
		if sameValue(c.Row[j], first.Row[j]) {
			continue
		}
		a, _ := c.Row[j].(string)
		b, _ := first.Row[j].(string)
		if o.Column == "" {
			o.Column = m.Target.Columns[j].Name
			if mem := m.Members[c.Member]; j < len(mem.cols) {
				o.SourceColumn = mem.sourceColumns(&mem.cols[j])
			}
		}
		spelled = append(spelled, fmt.Sprintf("%s '%s' where it is '%s'", m.Target.Columns[j].Name, a, b))
	}
	if len(spelled) == 0 {
		return Outcome{}, false
	}
	winner := m.Members[first.Member]
	o.Detail = fmt.Sprintf("its merge key spells %s in the record of %s (precedence %d) that gives this registration: a case-, accent- or trailing-space-blind source, or a join with a number column, takes them for one key, the receiving table for two; make the spellings agree in the source, or in the mapping (lower(), trim(), integer())",
		strings.Join(spelled, ", "), winner.Source.Name, winner.Mapping.Precedence)
	return o, true
}

// Merge merges the candidates of one registration, given in precedence
// order, into one target row and gives each candidate's outcome.
func (m *MergeProgram) Merge(cands []Candidate) ([]connectors.Value, []Outcome) {
	outs := make([]Outcome, len(cands))
	if len(cands) == 0 {
		return nil, outs
	}
	row := append([]connectors.Value(nil), cands[0].Row...)
	from := make([]int, len(row)) // which candidate gave each column
	outs[0] = Outcome{Kind: Migrated}
	for i := 1; i < len(cands); i++ {
		c := cands[i]
		if o, ok := m.keySpelling(cands[0], c); ok {
			outs[i] = o
			continue
		}
		conflict := -1
		for j, v := range c.Row {
			if v != nil && row[j] != nil && !sameValue(v, row[j]) {
				conflict = j
				break
			}
		}
		if conflict >= 0 {
			src := m.Members[cands[from[conflict]].Member].Source.Name
			o := Outcome{Kind: Archived, Reason: ReasonMergeConflict, Column: m.Target.Columns[conflict].Name,
				Detail: fmt.Sprintf("differs from the value a record of %s (precedence %d) gave this registration", src, m.Members[cands[from[conflict]].Member].Mapping.Precedence)}
			// The archived record's own column may name the conflict in
			// the registry's words: reasons: {merge_conflict: weight_disagrees}.
			if mem := m.Members[c.Member]; conflict < len(mem.cols) {
				if to, ok := mem.cols[conflict].reasons[ReasonMergeConflict]; ok {
					o.Reason, o.Detail = to, ReasonMergeConflict+": "+o.Detail
				}
				// The record's own source column that gave the value, as
				// any other column's failure names it.
				o.SourceColumn = mem.sourceColumns(&mem.cols[conflict])
			}
			outs[i] = o
			continue
		}
		for j, v := range c.Row {
			if row[j] == nil && v != nil {
				row[j], from[j] = v, i
			}
		}
		outs[i] = Outcome{Kind: Migrated, Detail: "merged"}
	}
	return row, outs
}

// sameValue compares canonical values exactly, by their encoding.
func sameValue(a, b connectors.Value) bool {
	x, err1 := connectors.AppendValue(nil, a)
	y, err2 := connectors.AppendValue(nil, b)
	return err1 == nil && err2 == nil && string(x) == string(y)
}
