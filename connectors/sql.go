package connectors

import (
	"strconv"
	"strings"
)

// BatchQuery describes a keyset batch query for SelectBatchLimit.
type BatchQuery struct {
	// RowValues says the dialect compares row values: (a, b) > (?, ?).
	RowValues bool
	// Placeholder names the i-th (0-based) parameter.
	Placeholder func(i int) string
	// Select, when set, wraps each quoted column in the select list.
	Select func(quoted string) string
}

// SelectBatchLimit builds "SELECT cols FROM t [WHERE key > after] ORDER BY
// key LIMIT n" for dialects with a LIMIT clause.
func SelectBatchLimit(d Dialect, table string, columns, key []string, after bool, limit int, bq BatchQuery) (string, error) {
	qt, err := d.QuoteIdent(table)
	if err != nil {
		return "", err
	}
	return selectLimit(d, qt, columns, key, after, limit, bq)
}

func selectLimit(d Dialect, from string, columns, key []string, after bool, limit int, bq BatchQuery) (string, error) {
	var err error
	sel := make([]string, len(columns))
	for i, c := range columns {
		if sel[i], err = d.QuoteIdent(c); err != nil {
			return "", err
		}
		if bq.Select != nil {
			sel[i] = bq.Select(sel[i])
		}
	}
	qkey := make([]string, len(key))
	for i, k := range key {
		if qkey[i], err = d.QuoteIdent(k); err != nil {
			return "", err
		}
	}
	var b strings.Builder
	b.WriteString("SELECT " + strings.Join(sel, ", ") + " FROM " + from)
	if after {
		b.WriteString(" WHERE " + KeysetCondition(qkey, bq.RowValues, bq.Placeholder))
	}
	b.WriteString(" ORDER BY " + strings.Join(qkey, ", "))
	if limit > 0 {
		b.WriteString(" LIMIT " + strconv.Itoa(limit))
	}
	return b.String(), nil
}

// CreateTableSQL builds "<verb> t (col type [NOT NULL], …, PRIMARY KEY
// (…))" from a declared table, with the dialect's canonical column types.
func CreateTableSQL(d Dialect, t *Table, verb string) (string, error) {
	qt, err := d.QuoteIdent(t.Name)
	if err != nil {
		return "", err
	}
	return TableSQL(d, verb+" "+qt, t, func(c *Column) (string, error) { return d.ColumnType(c.Type) })
}
