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
	OK                bool          `json:"ok"`
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
	if sc.OK || sc.Check == nil {
		return ""
	}
	cc := sc.Check
	var b strings.Builder
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
		b.WriteString(d.sourceReadText())
	}
	return b.String()
}

// sourceReadText names one differing record of a source-read check by
// its source key and the columns read differently, never a value.
func (d Difference) sourceReadText() string {
	key := strings.Join(d.Key, ", ")
	switch d.Kind {
	case "missing":
		return fmt.Sprintf("record (%s) was read but the database's checksum has no such record", key)
	case "foreign":
		return fmt.Sprintf("record (%s) is in the database but was not read", key)
	case "duplicate":
		return fmt.Sprintf("record (%s) was read %d times, the database holds it %d times", key, d.Expected, d.Actual)
	}
	return fmt.Sprintf("record (%s): column %s read differently", key, strings.Join(d.Columns, ", "))
}
