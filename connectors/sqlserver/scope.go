package sqlserver

import (
	"context"

	"github.com/regflytt/regflytt/connectors"
)

// The catalogue views show a login only the objects it owns or holds some
// permission on: one granted SELECT table by table sees those tables in
// sys.tables and nothing of the others. Whether it sees every table of
// the schema the catalogue reads is asked of the server: VIEW DEFINITION
// on the schema (implied by VIEW DEFINITION or CONTROL on the database,
// db_owner and sysadmin) shows every table's metadata whatever the login
// may read, so a table it may not read is in the catalogue and its read
// fails, loudly. SELECT on the schema (db_datareader) is not enough
// proof: a DENY on one table removes it from sight and from the read
// alike. HAS_PERMS_BY_NAME answers for the effective permissions, through
// roles and Windows groups; anything but 1 counts as limited.
const scopeSQL = `SELECT ISNULL(HAS_PERMS_BY_NAME(@p1, 'SCHEMA', 'VIEW DEFINITION'), 0)`

// CatalogueLimited implements connectors.CatalogueScopeChecker.
func (s *snapshot) CatalogueLimited(ctx context.Context) (bool, error) {
	if s.closed {
		return false, s.d.cfg.errorf("snapshot is closed")
	}
	var sees int64
	if err := s.conn.QueryRowContext(ctx, scopeSQL, s.d.cfg.schema).Scan(&sees); err != nil {
		return false, s.d.classify("ask whether the login sees every table of schema "+s.d.cfg.schema, err)
	}
	return sees != 1, nil
}

var _ connectors.CatalogueScopeChecker = (*snapshot)(nil)
