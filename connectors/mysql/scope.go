package mysql

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"

	"github.com/go-sql-driver/mysql"

	"github.com/regflytt/regflytt/connectors"
)

// The server shows an account, in information_schema and SHOW TABLES,
// only the tables it holds a privilege on: one granted SELECT table by
// table sees those tables alone, and nothing says others exist. Whether
// it may read the whole database is asked of the server itself, by
// reading a table that does not exist: with SELECT on the database (by a
// global, database or wildcard grant, directly or through a role) the
// server answers that the table does not exist (1146); without it, it
// refuses the read first (1142), since it never tells an account which
// tables exist that it may not read. information_schema's privilege
// tables cannot tell this: they leave out what a role grants.

const (
	errTableAccessDenied = 1142 // ER_TABLEACCESS_DENIED_ERROR
	errNoSuchTable       = 1146 // ER_NO_SUCH_TABLE
)

// CatalogueLimited implements connectors.CatalogueScopeChecker.
func (s *snapshot) CatalogueLimited(ctx context.Context) (bool, error) {
	if s.conn == nil {
		return false, s.db.errorf("snapshot is closed")
	}
	// A name no registry uses; were it a table the account may read, the
	// probe would say nothing, so the answer is asked again of another.
	for range 3 {
		probe, err := Dialect{}.QuoteIdent(fmt.Sprintf("regflytt_scope_probe_%016x", rand.Uint64()))
		if err != nil {
			return false, err
		}
		rows, err := s.conn.QueryContext(ctx, "SELECT 1 FROM "+probe+" LIMIT 0")
		if err == nil {
			rows.Close()
			continue
		}
		var me *mysql.MySQLError
		switch {
		case errors.As(err, &me) && me.Number == errNoSuchTable:
			return false, nil
		case errors.As(err, &me) && me.Number == errTableAccessDenied:
			return true, nil
		default:
			return false, s.db.errorf("ask whether the account may read every table of %s: %w", s.db.schema, err)
		}
	}
	return false, s.db.errorf("ask whether the account may read every table of %s: three probe tables exist", s.db.schema)
}

var _ connectors.CatalogueScopeChecker = (*snapshot)(nil)
