package plans

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"sort"

	"github.com/regflytt/regflytt/connectors"
	"github.com/regflytt/regflytt/verify"
)

// selectHold is a select: whose columns named like its table's are held
// to the table by key (holdSelectByKey): names are those columns.
type selectHold struct {
	so    selectOf
	query string
	qcols []connectors.Column
	names []string
}

// namedLikeTable are the names of the select's result columns that name
// a column of its table, in the table's order.
func namedLikeTable(t *connectors.Table, qcols []connectors.Column) []string {
	var out []string
	for _, c := range t.Columns {
		if slices.ContainsFunc(qcols, func(q connectors.Column) bool { return q.Name == c.Name }) {
			out = append(out, c.Name)
		}
	}
	return out
}

// holdSelects holds every select: of selects (selectTables) to its table
// by key (holdSelectByKey), all its columns named like the table's: the
// run's own end check, and verify where the source computes no checksum
// (SQLite), neither of which holds a select to its table otherwise. A
// select it cannot hold so (no key, a key the table or its result does
// not have) is listed as not checked, with the reason; why says why the
// checksum holds none.
func holdSelects(ctx context.Context, snap connectors.Snapshot, selects map[string]selectOf, why string) ([]*verify.SourceReadCheck, error) {
	var out []*verify.SourceReadCheck
	for _, query := range slices.Sorted(maps.Keys(selects)) {
		so := selects[query]
		t := so.table
		q, err := querierOf(snap)
		if err != nil {
			return nil, err
		}
		qcols, err := q.DescribeQuery(ctx, query)
		if err != nil {
			return nil, fmt.Errorf("verify: source table %s: describe its select: %w", t.Name, err)
		}
		if len(so.key) == 0 || !keyNamed(so, qcols) {
			out = append(out, &verify.SourceReadCheck{Table: t.Name, BySelect: true, OK: true,
				NotChecked: "a select: reads it, and its result does not name the table's key columns: its columns were not held to the table"})
			continue
		}
		kc, err := holdSelectByKey(ctx, snap, &selectHold{so: so, query: query, qcols: qcols, names: namedLikeTable(t, qcols)})
		if err != nil {
			return nil, err
		}
		out = append(out, &verify.SourceReadCheck{Table: t.Name, RowsRead: kc.RowsSelected, BySelect: true, NotChecked: why, ByKey: kc, OK: kc.OK})
	}
	return out, nil
}

// maxHeldBuckets is how many differing buckets of a by-key check are
// read again to name their records.
const maxHeldBuckets = 16

// holdSelectByKey reads a select: and the table its rows stand for side
// by side by key, through the connector, in one snapshot, and compares
// the select's columns named (the table's column names, as the select
// names them) with the table's own. A column computed from another one
// under a table column's name (CAST(version AS CHAR) AS reg_nr), which
// the source database's checksum cannot hold to the table (another kind
// in the result), is caught so: its values are not the table column's.
// Values are compared by their text (connectors.AppendText), so that a
// column cast to text as it is (CAST(reg_nr AS CHAR) AS reg_nr) agrees
// with the table. Both sides are hashed into buckets by key (verify.Content)
// and the records of differing buckets are read again and named.
func holdSelectByKey(ctx context.Context, snap connectors.Snapshot, h *selectHold) (*verify.SelectKeyCheck, error) {
	so, query, qcols, t := h.so, h.query, h.qcols, h.so.table
	q, err := querierOf(snap)
	if err != nil {
		return nil, err
	}
	at := map[string]int{}
	for i, c := range qcols {
		at[c.Name] = i
	}
	// The compared columns: the key first, then the others, each at its
	// position in the select's result and in the table's rows.
	cols := append([]string(nil), so.key...)
	for _, n := range h.names {
		if !slices.Contains(so.key, n) {
			cols = append(cols, n)
		}
	}
	var selPos, tabPos []int
	text, err := connectors.ParseType("text")
	if err != nil {
		return nil, err
	}
	synth := &connectors.Table{Name: t.Name, PrimaryKey: so.key}
	for _, n := range cols {
		i, ok := at[n]
		j := t.ColumnIndex(n)
		if !ok || j < 0 {
			return nil, fmt.Errorf("verify: source table %s: column %s is not both in the table and in its select:'s result", t.Name, n)
		}
		selPos, tabPos = append(selPos, i), append(tabPos, j)
		synth.Columns = append(synth.Columns, connectors.Column{Name: n, Type: text, Nullable: true})
	}
	// The table is read by the select's key, which the run reads the
	// select by (a table without a primary key is read so too).
	scanTable := func() (connectors.Rows, error) {
		return snap.Scan(ctx, t, connectors.ScanOptions{Key: so.key})
	}
	scanSelect := func() (connectors.Rows, error) {
		return q.ScanQuery(ctx, query, qcols, connectors.ScanOptions{Key: so.key})
	}
	row := make([]connectors.Value, len(cols))
	var buf []byte
	each := func(what string, open func() (connectors.Rows, error), pos []int, fn func(row []connectors.Value) error) error {
		rows, err := open()
		if err != nil {
			return fmt.Errorf("verify: source table %s: read %s: %w", t.Name, what, err)
		}
		defer rows.Close()
		for rows.Next() {
			src := rows.Row()
			for i, j := range pos {
				if row[i], err = textOf(src[j], &buf); err != nil {
					return fmt.Errorf("verify: source table %s: %s, column %s: %w", t.Name, what, cols[i], err)
				}
			}
			if err := fn(row); err != nil {
				return fmt.Errorf("verify: source table %s: %s: %w", t.Name, what, err)
			}
		}
		if err := rows.Err(); err != nil {
			return fmt.Errorf("verify: source table %s: read %s: %w", t.Name, what, err)
		}
		return nil
	}
	// sums hashes both sides into n buckets by key. Both are hashed
	// here, so a keyed hash drawn for this check serves (as in a run's
	// own end check), not SHA-256, which took most of the time: nothing
	// outside compares these sums.
	sums := func(n uint32) (sel *verify.Content, diff []uint32, rows [2]int64, err error) {
		sel, err = verify.NewContent(synth, n)
		if err != nil {
			return nil, nil, rows, fmt.Errorf("verify: source table %s: %w", t.Name, err)
		}
		tab, err := verify.NewContent(synth, n)
		if err != nil {
			return nil, nil, rows, fmt.Errorf("verify: source table %s: %w", t.Name, err)
		}
		sel.Hasher = connectors.NewRunHasher()
		tab.Hasher = sel.Hasher
		if err := each("its select:", scanSelect, selPos, sel.Add); err != nil {
			return nil, nil, rows, err
		}
		if err := each("the table", scanTable, tabPos, tab.Add); err != nil {
			return nil, nil, rows, err
		}
		diff, err = connectors.DiffBuckets(sel.Buckets(), tab.Buckets())
		if err != nil {
			return nil, nil, rows, fmt.Errorf("verify: source table %s: %w", t.Name, err)
		}
		return sel, diff, [2]int64{sel.Rows, tab.Rows}, nil
	}
	n := verify.BucketsFor(t.RowEstimate)
	sel, diff, rows, err := sums(n)
	if err != nil {
		return nil, err
	}
	// A catalogue that estimates too few rows (SQLite's none) gave
	// buckets too large for a drill-down to hold: where they differ,
	// both sides are hashed again into as many buckets as the rows read
	// call for, so that the drill-down holds about 64 records a bucket.
	if fine := verify.BucketsFor(max(rows[0], rows[1])); len(diff) > 0 && fine > n {
		n = fine
		if sel, diff, rows, err = sums(n); err != nil {
			return nil, err
		}
	}
	kc := &verify.SelectKeyCheck{Columns: cols, Key: so.key, RowsSelected: rows[0], RowsInTable: rows[1], Buckets: n}
	kc.DifferingBuckets, kc.OK = len(diff), len(diff) == 0
	if kc.OK {
		return kc, nil
	}
	// The records of the first differing buckets, from both sides.
	in := map[uint32]bool{}
	for _, b := range diff[:min(len(diff), maxHeldBuckets)] {
		in[b] = true
	}
	keep := func(into map[string][][]connectors.Value) func([]connectors.Value) error {
		return func(r []connectors.Value) error {
			b, err := sel.Bucket(r)
			if err != nil || !in[b] {
				return err
			}
			k := keyString(r[:len(so.key)])
			into[k] = append(into[k], copyRow(r))
			return nil
		}
	}
	selRows, tabRows := map[string][][]connectors.Value{}, map[string][][]connectors.Value{}
	if err := each("its select:", scanSelect, selPos, keep(selRows)); err != nil {
		return nil, err
	}
	if err := each("the table", scanTable, tabPos, keep(tabRows)); err != nil {
		return nil, err
	}
	kc.Differences = keyDifferences(t.Name, cols, len(so.key), selRows, tabRows)
	return kc, nil
}

// keyDifferences names the records whose rows differ between the select
// (a) and the table (b), by key, in key order.
func keyDifferences(table string, cols []string, nkey int, a, b map[string][][]connectors.Value) []verify.Difference {
	keys := make([]string, 0, len(a)+len(b))
	for k := range a {
		keys = append(keys, k)
	}
	for k := range b {
		if _, ok := a[k]; !ok {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	var out []verify.Difference
	for _, k := range keys {
		ra, rb := a[k], b[k]
		var shown []connectors.Value
		if len(ra) > 0 {
			shown = ra[0][:nkey]
		} else {
			shown = rb[0][:nkey]
		}
		d := verify.Difference{Table: table, Key: keyTexts(shown), Expected: len(ra), Actual: len(rb)}
		switch {
		case len(rb) == 0:
			d.Kind = "missing"
		case len(ra) == 0:
			d.Kind = "foreign"
		case len(ra) != len(rb):
			d.Kind = "duplicate"
		default:
			for i := nkey; i < len(cols); i++ {
				if ra[0][i] != rb[0][i] {
					d.Columns = append(d.Columns, cols[i])
				}
			}
			if len(d.Columns) == 0 {
				continue
			}
			d.Kind = "changed"
		}
		out = append(out, d)
	}
	return out
}

// textOf is a value's text as compared by holdSelectByKey: NULL stays
// NULL, every other value its text form (an integer 100 and the text
// '100' alike).
// A text is its own text (no copy); other values are printed into buf,
// the caller's, reused.
func textOf(v connectors.Value, buf *[]byte) (connectors.Value, error) {
	switch x := v.(type) {
	case nil:
		return nil, nil
	case string:
		return v, nil // boxed already: x would be boxed again
	case connectors.InvalidDate:
		return "invalid date " + x.Raw, nil
	}
	b, err := connectors.AppendText((*buf)[:0], v)
	if err != nil {
		return nil, err
	}
	*buf = b
	return string(b), nil
}

func keyString(key []connectors.Value) string {
	b, _ := connectors.AppendRow(nil, key)
	return string(b)
}

// keyTexts names a record by its key as every check does: an identity
// number in it masked (connectors.MaskIdentityNumbers), NULL as NULL.
func keyTexts(key []connectors.Value) []string {
	out := make([]string, len(key))
	for i, v := range key {
		s, ok := connectors.FormatValue(v)
		if !ok {
			s = "NULL"
		}
		out[i] = connectors.MaskIdentityNumbers(s)
	}
	return out
}
