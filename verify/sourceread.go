package verify

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/regflytt/regflytt/connectors"
)

// SourceReadCheck compares the rows a connector read of one source table
// with the source database's own checksum of them, computed in SQL.
// Everything else verify proves goes through the same connector as the
// run: a connector that decodes a value wrongly (a driver's time zone, a
// character set, a rounding) gives the run and its verification the same
// wrong value, and both agree. The database's own encoding does not go
// through that decoding.
//
// Check's Table is the source table, its ExpectedRows the rows the
// connector read, its ActualRows those in the database's checksum. Float
// columns are not in the check (a database's float text is not its
// stored bits). NotChecked says why a table could not be checked (its
// database computes no checksum of some column type); such a table does
// not fail.
type SourceReadCheck struct {
	Table      string `json:"table"`
	RowsRead   int64  `json:"rows_read"`
	NotChecked string `json:"not_checked,omitempty"`
	// BySelect: a select: read the table; what was checked is the columns
	// its result names like the table's, with the key.
	BySelect bool `json:"by_select,omitempty"`
	// ColumnsNotChecked names the select's columns named like the
	// table's that it was not held to: a float, another kind in the
	// select's result, text the connector reads exactly only from the
	// table (a Latin-1 column, an ENUM, SET or YEAR).
	ColumnsNotChecked []string      `json:"columns_not_checked,omitempty"`
	Check             *ContentCheck `json:"check,omitempty"`
	// ByKey holds a select:'s columns named like the table's to the
	// table's own, read side by side by key through the connector and
	// compared by their text: those the checksum leaves out (another
	// kind in the select's result, a cast; a float; text the connector
	// reads exactly only from the table), and in a run's own end check,
	// which computes no checksum of the source, every such column.
	ByKey *SelectKeyCheck `json:"by_key,omitempty"`
	OK    bool            `json:"ok"`
}

// SelectKeyCheck compares, record by record, a select:'s columns named
// like its table's with the table's own columns: both are read through
// the connector, in one snapshot, and each value is compared by its text
// (an integer 100 and the text '100' agree; a column computed from
// another, CAST(version AS CHAR) AS reg_nr, does not). Differences name
// the records by key and the columns, never a value.
type SelectKeyCheck struct {
	// Columns are the columns compared, the key first.
	Columns      []string `json:"columns"`
	Key          []string `json:"key"`
	RowsSelected int64    `json:"rows_selected"`
	RowsInTable  int64    `json:"rows_in_table"`
	Buckets      uint32   `json:"buckets"`
	// DifferingBuckets counts the buckets of the key hash whose records
	// differ; Differences names the records of the first ones.
	DifferingBuckets int          `json:"differing_buckets"`
	Differences      []Difference `json:"differences,omitempty"`
	OK               bool         `json:"ok"`
}

// text names what the check compared and its outcome.
func (k *SelectKeyCheck) text() string {
	return fmt.Sprintf("columns %s held to the table's by key (%d records selected, %d in the table)", strings.Join(k.Columns, ", "), k.RowsSelected, k.RowsInTable)
}

// SourceReadTable is the part of source table t a source-read check
// covers: every column but floats, so that the database can compute it.
// ok is false when nothing is left to check.
func SourceReadTable(t *connectors.Table) (part *connectors.Table, cols []int, ok bool) {
	p := *t
	p.Columns = nil
	for i, c := range t.Columns {
		if c.Type.Kind == connectors.KindFloat {
			continue
		}
		p.Columns = append(p.Columns, c)
		cols = append(cols, i)
	}
	// A table without a primary key is keyed by every hashed column
	// (NewContent): a key of a float column would not be there.
	for _, k := range p.PrimaryKey {
		if p.ColumnIndex(k) < 0 {
			p.PrimaryKey = nil
			break
		}
	}
	return &p, cols, len(p.Columns) > 0
}

// CompareSourceRead asks the database for its checksum of the columns c
// covers and compares it with c, built from the rows as read. A database
// that cannot compute it for this table (connectors.ErrNoPushdown) gives
// a check that says so and does not fail: hashing the rows in Go would
// compare the connector with itself. One that computes no checksum at
// all gives ErrNoChecksummer.
func CompareSourceRead(ctx context.Context, cs connectors.Checksummer, t *connectors.Table, c *Content) (*SourceReadCheck, error) {
	sc := &SourceReadCheck{Table: t.Name, RowsRead: c.Rows, OK: true}
	got, err := cs.Checksum(ctx, t, c.rowRequest())
	if errors.Is(err, connectors.ErrNoChecksummer) {
		return nil, err
	}
	if errors.Is(err, connectors.ErrNoPushdown) {
		sc.NotChecked = "the source database computes no checksum of this table's column types (" + strings.TrimPrefix(err.Error(), connectors.ErrNoPushdown.Error()+": ") + ")"
		return sc, nil
	}
	if err != nil {
		return nil, fmt.Errorf("verify: the source's own checksum of %s: %w", t.Name, err)
	}
	if got.ReadBack {
		// Never asked for (rowRequest has no ReadBack), and no check if
		// given: the connector's reading against itself.
		return nil, fmt.Errorf("verify: the source's own checksum of %s: the connector read the rows back instead", t.Name)
	}
	want := c.Buckets()
	diff, err := connectors.DiffBuckets(want, got)
	if err != nil {
		return nil, fmt.Errorf("verify: source table %s: %w", t.Name, err)
	}
	wt, gt := want.Total(), got.Total()
	sc.Check = &ContentCheck{Table: t.Name, ExpectedRows: c.Rows, ActualRows: int64(gt.Count), Buckets: c.N,
		Expected: totalOf(wt), Actual: totalOf(gt), Pushdown: true, DifferingBuckets: len(diff),
		HashedColumns: c.HashedNames, KeyColumns: c.KeyNames, OK: len(diff) == 0, diff: diff, hashDiff: diff}
	sc.OK = sc.Check.OK
	return sc, nil
}

// Problem says what a failed source-read check means for a person.
func (sc *SourceReadCheck) Problem() string {
	if sc.OK {
		return ""
	}
	var b strings.Builder
	if k := sc.ByKey; k != nil && !k.OK {
		fmt.Fprintf(&b, "source table %s: the select: reading it gives, under the names of the table's columns, what the table does not hold there (read side by side by key, %d records selected, %d in the table; %d of %d buckets differ): a column named like one of the table's is computed from another column (a cast, trim, concat), a join's column or a changed value, and the table's own column is then read by nothing; select it as it is, or give what the select makes a name of its own and list the table's column under drop: with its reason",
			sc.Table, k.RowsSelected, k.RowsInTable, k.DifferingBuckets, k.Buckets)
		for i, d := range k.Differences {
			if i == maxPlaces {
				fmt.Fprintf(&b, "; and %d more", len(k.Differences)-i)
				break
			}
			b.WriteString("; ")
			b.WriteString(d.recordText(selectKeyWords))
		}
	}
	cc := sc.Check
	if cc == nil || cc.OK {
		return b.String()
	}
	if b.Len() > 0 {
		b.WriteString("; and ")
	}
	if sc.BySelect {
		fmt.Fprintf(&b, "source table %s: the select: reading it gives, under the names of the table's columns, what the table does not hold there (the database's own checksum of those columns: %d rows, %d read; %d of %d buckets differ): a column named like one of the table's is another column renamed into it, a join's column or a changed value, and the table's own column is then read by nothing; select it as it is, or give what the select makes a name of its own and list the table's column under drop: with its reason",
			sc.Table, cc.ActualRows, cc.ExpectedRows, cc.DifferingBuckets, cc.Buckets)
	} else {
		fmt.Fprintf(&b, "source table %s: the rows regflytt's connector read differ from what the source database holds (its own checksum in SQL: %d rows, %d read; %d of %d buckets differ): the connector decodes some value wrongly, so the run and this verification saw the same wrong values; do not accept the migration, report the table's column types",
			sc.Table, cc.ActualRows, cc.ExpectedRows, cc.DifferingBuckets, cc.Buckets)
	}
	for i, d := range cc.Differences {
		if i == maxPlaces {
			fmt.Fprintf(&b, "; and %d more", len(cc.Differences)-i)
			break
		}
		b.WriteString("; ")
		b.WriteString(d.recordText(sourceReadWords))
	}
	return b.String()
}

// recordWords is how one kind of check says what happened to a
// differing record: the key stands for %s, the counts for %d.
type recordWords struct {
	missing, foreign, duplicate, changed string
}

var (
	selectKeyWords = recordWords{
		missing:   "record (%s) is selected but the table has no such record",
		foreign:   "record (%s) is in the table but the select gives none",
		duplicate: "record (%s) is selected %d times, the table holds it %d times",
		changed:   "record (%s): column %s is not the table's",
	}
	sourceReadWords = recordWords{
		missing:   "record (%s) was read but the database's checksum has no such record",
		foreign:   "record (%s) is in the database but was not read",
		duplicate: "record (%s) was read %d times, the database holds it %d times",
		changed:   "record (%s): column %s read differently",
	}
)

// recordText names one differing record by its key and the columns
// that differ, never a value.
func (d Difference) recordText(w recordWords) string {
	key := strings.Join(d.Key, ", ")
	switch d.Kind {
	case "missing":
		return fmt.Sprintf(w.missing, key)
	case "foreign":
		return fmt.Sprintf(w.foreign, key)
	case "duplicate":
		return fmt.Sprintf(w.duplicate, key, d.Expected, d.Actual)
	}
	return fmt.Sprintf(w.changed, key, strings.Join(d.Columns, ", "))
}
