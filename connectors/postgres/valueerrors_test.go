package postgres_test

import (
	"context"
	"strings"
	"testing"

	"github.com/regflytt/regflytt/connectors"
	"github.com/regflytt/regflytt/connectors/postgres/pgtest"
)

// A select: source whose cast fails on a value stops the read with the
// server's error, its SQLSTATE and what went wrong, and withholds the
// value, which PostgreSQL quotes ("invalid input syntax for type bigint:
// "19121212-1212""): a source value can be an identity number.
func TestQueryErrorNamesTheFaultNotTheValue(t *testing.T) {
	ctx := context.Background()
	url := pgtest.NewDatabase(t)
	pgtest.Exec(t, url,
		`CREATE TABLE t (id int PRIMARY KEY, pnr text, d text)`,
		`INSERT INTO t VALUES (1, '19121212-1212', '1912-12-12'), (2, '1', '19121212-1212')`)
	src := openSource(t, url)
	for _, sel := range []string{
		`SELECT id, CAST(pnr AS bigint) AS n FROM t`,
		`SELECT id, CAST(d AS date) AS n FROM t`,
		`SELECT id, CAST(CAST(replace(pnr, '-', '') AS bigint) AS int) AS n FROM t WHERE id = 1`,
	} {
		// A failed statement ends its transaction: a snapshot each.
		q := snapshot(t, src).(connectors.Querier)
		cols, err := q.DescribeQuery(ctx, sel)
		if err != nil {
			t.Fatal(err)
		}
		rows, err := q.ScanQuery(ctx, sel, cols, connectors.ScanOptions{Key: []string{"id"}})
		if err == nil {
			for rows.Next() {
			}
			err = rows.Err()
			rows.Close()
		}
		if err == nil {
			t.Errorf("%s: read without an error", sel)
			continue
		}
		msg := err.Error()
		if strings.Contains(msg, "1212121212") || strings.Contains(msg, "12-1212") {
			t.Errorf("%s: the error shows the value: %s", sel, msg)
		}
		t.Log(msg)
		if !strings.Contains(msg, "SQLSTATE 22") {
			t.Errorf("%s: the error does not say what the server refused: %s", sel, msg)
		}
	}
}

// A function or trigger may raise a data exception of its own (class
// 22, as a validation's invalid_parameter_value) with the value in its
// text, unquoted: only the double-quoted runs were withheld, and such a
// message kept the identity number whole.
func TestRaisedDataExceptionMasksTheIdentityNumber(t *testing.T) {
	ctx := context.Background()
	url := pgtest.NewDatabase(t)
	pgtest.Exec(t, url,
		`CREATE TABLE t (id int PRIMARY KEY, pnr text)`,
		`INSERT INTO t VALUES (1, '19121212-1212')`,
		`CREATE FUNCTION checked(p text) RETURNS text LANGUAGE plpgsql AS $$
		BEGIN
			RAISE EXCEPTION 'no such patient: %', p USING ERRCODE = 'invalid_parameter_value';
		END $$`)
	src := openSource(t, url)
	const sel = `SELECT id, checked(pnr) AS c FROM t`
	q := snapshot(t, src).(connectors.Querier)
	cols, err := q.DescribeQuery(ctx, sel)
	if err != nil {
		t.Fatal(err)
	}
	rows, err := q.ScanQuery(ctx, sel, cols, connectors.ScanOptions{Key: []string{"id"}})
	if err == nil {
		for rows.Next() {
		}
		err = rows.Err()
		rows.Close()
	}
	if err == nil {
		t.Fatal("read without an error")
	}
	if msg := err.Error(); strings.Contains(msg, "12-1212") || !strings.Contains(msg, "SQLSTATE 22023") {
		t.Errorf("the error shows the identity number, or not what the server refused: %s", msg)
	}
}
