package mysql

import (
	"context"
	"database/sql"
)

// ExecOnPooledConnections opens n connections of db's pool, runs query
// on each and gives them back idle, so that the session state the query
// sets is what the next snapshot and the streamed read beside it start
// from, as pooled connections' (or a server's global setting) would be.
func ExecOnPooledConnections(ctx context.Context, db *DB, n int, query string) error {
	conns := make([]*sql.Conn, 0, n)
	defer func() {
		for _, c := range conns {
			c.Close()
		}
	}()
	for range n {
		c, err := db.db.Conn(ctx)
		if err != nil {
			return err
		}
		conns = append(conns, c)
		if _, err := c.ExecContext(ctx, query); err != nil {
			return err
		}
	}
	return nil
}
