package sqlserver

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"fmt"
	"io"
	"strings"
	"sync"
	"testing"
)

// fakeServer answers a snapshot's queries at the database/sql/driver
// level, so that the connector's own code (the query it sends, its
// arguments, what it makes of the answer) runs without a SQL Server. A
// query it has no answer for fails, so a changed query text fails the
// test that pins it.
type fakeServer struct {
	mu      sync.Mutex
	answers map[string]fakeResult // exact query text -> result
	prefix  map[string]fakeResult // query text prefix -> result
	sent    []fakeQuery
}

type fakeResult struct {
	columns []string
	rows    [][]driver.Value
}

type fakeQuery struct {
	text string
	args []any
}

// snapshot gives a snapshot of schema on a connection to the fake.
func (f *fakeServer) snapshot(t *testing.T, schema string) *snapshot {
	t.Helper()
	db := sql.OpenDB(fakeConnector{f})
	t.Cleanup(func() { db.Close() })
	conn, err := db.Conn(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	cfg := &config{schema: schema, database: "Reg", where: "sqlserver sqlserver://u:xxxxx@h?database=Reg"}
	return &snapshot{conn: conn, d: &DB{db: db, cfg: cfg, readOnly: true}}
}

// count reports how many times query was sent.
func (f *fakeServer) count(query string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	n := 0
	for _, q := range f.sent {
		if q.text == query {
			n++
		}
	}
	return n
}

type fakeConnector struct{ f *fakeServer }

func (c fakeConnector) Connect(context.Context) (driver.Conn, error) { return &fakeConn{c.f}, nil }
func (c fakeConnector) Driver() driver.Driver                        { return nil }

type fakeConn struct{ f *fakeServer }

func (c *fakeConn) Prepare(string) (driver.Stmt, error) {
	return nil, fmt.Errorf("fake: Prepare is not used")
}
func (c *fakeConn) Close() error              { return nil }
func (c *fakeConn) Begin() (driver.Tx, error) { return nil, fmt.Errorf("fake: Begin is not used") }

func (c *fakeConn) ExecContext(_ context.Context, query string, _ []driver.NamedValue) (driver.Result, error) {
	return driver.RowsAffected(0), nil
}

func (c *fakeConn) QueryContext(_ context.Context, query string, args []driver.NamedValue) (driver.Rows, error) {
	f := c.f
	f.mu.Lock()
	defer f.mu.Unlock()
	q := fakeQuery{text: query}
	for _, a := range args {
		q.args = append(q.args, a.Value)
	}
	f.sent = append(f.sent, q)
	if r, ok := f.answers[query]; ok {
		return &fakeRows{r: r}, nil
	}
	for p, r := range f.prefix {
		if strings.HasPrefix(query, p) {
			return &fakeRows{r: r}, nil
		}
	}
	return nil, fmt.Errorf("fake: no answer for %q", query)
}

type fakeRows struct {
	r fakeResult
	i int
}

func (r *fakeRows) Columns() []string { return r.r.columns }
func (r *fakeRows) Close() error      { return nil }
func (r *fakeRows) Next(dest []driver.Value) error {
	if r.i >= len(r.r.rows) {
		return io.EOF
	}
	copy(dest, r.r.rows[r.i])
	r.i++
	return nil
}
