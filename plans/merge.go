package plans

import (
	"context"
	"encoding/binary"
	"fmt"
	"os"
	"path/filepath"
	"slices"

	"github.com/regflytt/regflytt/connectors"
	"github.com/regflytt/regflytt/connectors/sqlite"
	"github.com/regflytt/regflytt/mappings"
)

// spill keeps the candidate rows of merged mappings on disk, in an
// embedded SQLite file, and reads them back in merge-key order: grouping
// registrations needs memory for one registration, not for the register.
type spill struct {
	dir    string
	db     *sqlite.DB
	tables map[*mappings.MergeProgram]*spillTable
}

type spillTable struct {
	t    connectors.Table
	rows [][]connectors.Value
	seq  int64
}

// spillSize is how many candidate rows are written per transaction.
const spillSize = 5000

// newSpill makes the spill in a directory of its own under scratch (the
// run's scratch directory; "" is the system's temporary directory).
func newSpill(ctx context.Context, scratch string) (*spill, error) {
	dir, err := os.MkdirTemp(scratch, "regflytt-merge-")
	if err != nil {
		return nil, fmt.Errorf("merge spill: %w", err)
	}
	loc, err := connectors.ParseLocation("sqlite://" + filepath.Join(dir, "spill.db"))
	if err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	db, err := sqlite.OpenTarget(ctx, loc)
	if err != nil {
		os.RemoveAll(dir)
		return nil, fmt.Errorf("merge spill: %w", err)
	}
	return &spill{dir: dir, db: db, tables: map[*mappings.MergeProgram]*spillTable{}}, nil
}

func (s *spill) Close() error {
	err := s.db.Close()
	if rerr := os.RemoveAll(s.dir); err == nil {
		err = rerr
	}
	return err
}

func (s *spill) table(ctx context.Context, m *mappings.MergeProgram) (*spillTable, error) {
	if st, ok := s.tables[m]; ok {
		return st, nil
	}
	bytesT := connectors.Type{Kind: connectors.KindBytes}
	intT := connectors.Type{Kind: connectors.KindInt, Bits: 64}
	st := &spillTable{t: connectors.Table{
		Name:       fmt.Sprintf("merge_%d", len(s.tables)),
		PrimaryKey: []string{"mkey", "prec", "member", "seq"},
		Columns: []connectors.Column{
			{Name: "mkey", Type: bytesT}, {Name: "prec", Type: intT}, {Name: "member", Type: intT},
			{Name: "seq", Type: intT}, {Name: "payload", Type: bytesT},
			// The reason of an excluded record's mark; NULL for a candidate.
			{Name: "excluded", Type: connectors.Type{Kind: connectors.KindText}, Nullable: true},
			// The outcome of a record its mapping archived, held for the
			// merge (spill.hold); NULL for a candidate or a mark.
			{Name: "archived", Type: bytesT, Nullable: true},
		},
	}}
	if err := s.db.Create(ctx, []connectors.Table{st.t}); err != nil {
		return nil, fmt.Errorf("merge spill: %w", err)
	}
	s.tables[m] = st
	return st, nil
}

// add spills one candidate: its target row, its source row and key, kept
// in case the merge archives it, and the notes of its values (archived
// alone, nulled, lost), accounted for when it is merged.
func (s *spill) add(ctx context.Context, tp *mappings.TableProgram, o mappings.Outcome, source, key []connectors.Value) error {
	target := o.Row
	st, err := s.table(ctx, tp.Merge)
	if err != nil {
		return err
	}
	st.seq++
	mkey, ok, err := tp.Merge.MergeKey(target)
	if err != nil {
		return fmt.Errorf("merge key of %s: %w", tp.Source.Name, err)
	}
	if !ok {
		// A NULL in the merge columns: a registration of its own. 0xff
		// cannot start an encoded row of fewer than 255 values.
		mkey = binary.BigEndian.AppendUint64(binary.BigEndian.AppendUint64([]byte{0xff}, uint64(tp.Member)), uint64(st.seq))
	}
	payload, err := candidatePayload(target, source, key, o)
	if err != nil {
		return fmt.Errorf("merge spill of %s: %w", tp.Source.Name, err)
	}
	return s.put(ctx, st, []connectors.Value{mkey, int64(tp.Mapping.Precedence), int64(tp.Member), st.seq, payload, nil, nil})
}

// candidatePayload encodes a spilled record as groups decodes it: its
// target row (none for a held record), source row, key and notes.
func candidatePayload(target, source, key []connectors.Value, o mappings.Outcome) ([]byte, error) {
	payload, err := connectors.AppendRow(nil, target)
	if err == nil {
		payload, err = connectors.AppendRow(payload, source)
	}
	if err == nil {
		payload, err = connectors.AppendRow(payload, key)
	}
	if err == nil {
		payload, err = appendNotes(payload, o)
	}
	return payload, err
}

// hold spills a record of a merged source that its own mapping archived
// (o), under its merge key mkey (ExcludedMergeKey), with its source row
// and key: the merge archives it, or excludes it with a registration
// that has an excluded record. Archived at once, an opted-out patient's
// sub-register record whose height was no number stayed in the archive
// package while the registration was excluded, and the run passed.
func (s *spill) hold(ctx context.Context, tp *mappings.TableProgram, mkey []byte, o mappings.Outcome, source, key []connectors.Value) error {
	st, err := s.table(ctx, tp.Merge)
	if err != nil {
		return err
	}
	st.seq++
	payload, err := candidatePayload(nil, source, key, o)
	var outcome []byte
	if err == nil {
		outcome, err = connectors.AppendRow(nil, []connectors.Value{o.Reason, o.Column, o.SourceColumn, o.Detail})
	}
	if err != nil {
		return fmt.Errorf("merge spill of %s: %w", tp.Source.Name, err)
	}
	return s.put(ctx, st, []connectors.Value{mkey, int64(tp.Mapping.Precedence), int64(tp.Member), st.seq, payload, nil, outcome})
}

func (s *spill) put(ctx context.Context, st *spillTable, row []connectors.Value) error {
	st.rows = append(st.rows, row)
	if len(st.rows) >= spillSize {
		return s.flush(ctx, st)
	}
	return nil
}

// exclude spills the mark of a record of a merged source that was
// excluded (counted already) under its merge key mkey (ExcludedMergeKey),
// with the reason: the registration's other records are the excluded
// patient's too, and the merge excludes them with it (privacy first, as a
// child follows its excluded parent), in any spelling of the key.
func (s *spill) exclude(ctx context.Context, tp *mappings.TableProgram, mkey []byte, reason string) error {
	st, err := s.table(ctx, tp.Merge)
	if err != nil {
		return err
	}
	st.seq++
	return s.put(ctx, st, []connectors.Value{mkey, int64(tp.Mapping.Precedence), int64(tp.Member), st.seq, []byte{}, reason, nil})
}

func (s *spill) flush(ctx context.Context, st *spillTable) error {
	if len(st.rows) == 0 {
		return nil
	}
	tx, err := s.db.Begin(ctx)
	if err != nil {
		return fmt.Errorf("merge spill: %w", err)
	}
	if _, err := tx.Write(ctx, &st.t, st.rows); err != nil {
		tx.Rollback()
		return fmt.Errorf("merge spill: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("merge spill: %w", err)
	}
	st.rows = st.rows[:0]
	return nil
}

// candidate is one spilled row, decoded.
type candidate struct {
	member int
	// mark says this is an excluded record's mark (spill.exclude), which
	// has no rows, excluded with the reason excluded.
	mark     bool
	excluded string
	// archived is the outcome of a record its mapping archived, held
	// for the merge (spill.hold); nil for a candidate.
	archived            *mappings.Outcome
	target, source, key []connectors.Value
	// notes holds the candidate's Values, Nulled, Lost and NotChosen.
	notes mappings.Outcome
}

// noteWidth is how many values encode one ValueNote.
const noteWidth = 5

// appendNotes encodes an outcome's value notes as five rows: archived
// values, nulled columns and rules (pairs), lost values, the columns of
// values a declared choice left out, and the warnings counted only when
// the merge decides (person_not_checked).
func appendNotes(b []byte, o mappings.Outcome) ([]byte, error) {
	flat := func(notes []mappings.ValueNote) []connectors.Value {
		out := make([]connectors.Value, 0, len(notes)*noteWidth)
		for _, n := range notes {
			out = append(out, n.Column, n.SourceColumn, n.Reason, n.Detail, n.Value)
		}
		return out
	}
	rules := make([]connectors.Value, 0, 2*len(o.Nulled))
	for _, n := range o.Nulled {
		rules = append(rules, n.Column, n.Rule)
	}
	b, err := connectors.AppendRow(b, flat(o.Values))
	if err == nil {
		b, err = connectors.AppendRow(b, rules)
	}
	if err == nil {
		b, err = connectors.AppendRow(b, flat(o.Lost))
	}
	if err == nil {
		cols := make([]connectors.Value, len(o.NotChosen))
		for i, c := range o.NotChosen {
			cols[i] = c
		}
		b, err = connectors.AppendRow(b, cols)
	}
	if err == nil {
		var later []connectors.Value
		if slices.Contains(o.Warnings, mappings.WarnPersonNotChecked) {
			later = append(later, mappings.WarnPersonNotChecked)
		}
		if o.PersonUnread {
			later = append(later, personUnreadMark)
		}
		b, err = connectors.AppendRow(b, later)
	}
	return b, err
}

// personUnreadMark encodes Outcome.PersonUnread among the warnings the
// merge decides on: a held record archived for a number that could not
// be read checks no other record of its registration.
const personUnreadMark = "(person unread)"

// decodeNotes reads what appendNotes wrote.
func decodeNotes(b []byte) (mappings.Outcome, error) {
	var o mappings.Outcome
	notes := func(row []connectors.Value) ([]mappings.ValueNote, error) {
		if len(row)%noteWidth != 0 {
			return nil, fmt.Errorf("a value note of %d fields", len(row)%noteWidth)
		}
		var out []mappings.ValueNote
		for i := 0; i < len(row); i += noteWidth {
			text := func(v connectors.Value) string { s, _ := v.(string); return s }
			out = append(out, mappings.ValueNote{Column: text(row[i]), SourceColumn: text(row[i+1]),
				Reason: text(row[i+2]), Detail: text(row[i+3]), Value: row[i+4]})
		}
		return out, nil
	}
	var rows [5][]connectors.Value
	var err error
	for i := range rows {
		if rows[i], b, err = connectors.DecodeRow(b); err != nil {
			return o, err
		}
	}
	if o.Values, err = notes(rows[0]); err != nil {
		return o, err
	}
	for i := 0; i+1 < len(rows[1]); i += 2 {
		col, _ := rows[1][i].(string)
		rule, _ := rows[1][i+1].(string)
		o.Nulled = append(o.Nulled, mappings.NullNote{Column: col, Rule: rule})
	}
	if o.Lost, err = notes(rows[2]); err != nil {
		return o, err
	}
	for _, c := range rows[3] {
		col, _ := c.(string)
		o.NotChosen = append(o.NotChosen, col)
	}
	for _, c := range rows[4] {
		code, _ := c.(string)
		if code == personUnreadMark {
			o.PersonUnread = true
			continue
		}
		o.Warnings = append(o.Warnings, code)
	}
	return o, nil
}

// groups reads a merge program's candidates back in merge-key order and
// calls fn with each registration's merge key (valid during the call) and
// candidates, in precedence order. The order depends only on the
// candidates, so a resumed run that spilled them again meets the groups
// in the same order.
func (s *spill) groups(ctx context.Context, m *mappings.MergeProgram, fn func(mkey []byte, group []candidate) error) error {
	st, ok := s.tables[m]
	if !ok {
		return nil // no candidate at all
	}
	if err := s.flush(ctx, st); err != nil {
		return err
	}
	snap, err := s.db.Snapshot(ctx)
	if err != nil {
		return fmt.Errorf("merge spill: %w", err)
	}
	defer snap.Close()
	rows, err := snap.Scan(ctx, &st.t, connectors.ScanOptions{})
	if err != nil {
		return fmt.Errorf("merge spill: %w", err)
	}
	defer rows.Close()
	var group []candidate
	var key []byte
	for rows.Next() {
		r := rows.Row()
		mkey, _ := r[0].([]byte)
		payload, _ := r[4].([]byte)
		c := candidate{member: int(r[2].(int64))}
		c.excluded, c.mark = r[5].(string)
		if !c.mark {
			rest := payload
			for _, dst := range []*[]connectors.Value{&c.target, &c.source, &c.key} {
				if *dst, rest, err = connectors.DecodeRow(rest); err != nil {
					return fmt.Errorf("merge spill: %w", err)
				}
			}
			if c.notes, err = decodeNotes(rest); err != nil {
				return fmt.Errorf("merge spill: %w", err)
			}
		}
		if b, ok := r[6].([]byte); ok {
			f, _, err := connectors.DecodeRow(b)
			if err != nil {
				return fmt.Errorf("merge spill: a held record's outcome: %w", err)
			}
			if len(f) != 4 {
				return fmt.Errorf("merge spill: a held record's outcome of %d fields, not 4", len(f))
			}
			text := func(v connectors.Value) string { t, _ := v.(string); return t }
			c.archived = &mappings.Outcome{Kind: mappings.Archived, Reason: text(f[0]), Column: text(f[1]), SourceColumn: text(f[2]), Detail: text(f[3]), Warnings: c.notes.Warnings}
		}
		if group != nil && string(mkey) != string(key) {
			if err := fn(key, group); err != nil {
				return err
			}
			group = group[:0]
		}
		key = append(key[:0], mkey...)
		group = append(group, c)
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("merge spill: %w", err)
	}
	if len(group) > 0 {
		return fn(key, group)
	}
	return nil
}
