package sqlserver

import (
	"context"
	"errors"
	"fmt"
	"strings"
)

// Row-level security: a security policy's FILTER predicate (CREATE
// SECURITY POLICY … ADD FILTER PREDICATE fn(col) ON table) silently
// leaves out of every SELECT and COUNT_BIG(*) of the table the rows the
// predicate function rejects for the reading user. Reads and counts
// agree with each other, so a run would archive nothing, verification
// would account for every row it was shown, and the missing records
// would be in no outcome. SQL Server has no session switch that makes
// such a read fail (PostgreSQL's row_security = off), and the predicate
// applies to every user, db_owner and sysadmin included, unless the
// predicate function itself exempts them; whether it does for this
// login cannot be read from the catalogue (the function may look at
// USER_NAME(), SESSION_CONTEXT, a mapping table). So a read of a table
// with an enabled FILTER predicate is refused, naming the table and its
// policy, before anything is read: a DBA turns the policy off for the
// migration window (ALTER SECURITY POLICY p WITH (STATE = OFF)) or drops
// the table's filter predicate from it. BLOCK predicates (type 1) refuse
// writes and do not hide rows from a read.
//
// The catalogue shows a login only the security policies it has
// ALTER ANY SECURITY POLICY or VIEW DEFINITION on; a login with
// db_datareader alone sees none, and could not tell a filtered table
// from a plain one. Unless the login may see every policy of the
// database, every read is refused with the grant that lets it see them
// (VIEW DEFINITION on the database: metadata only, no data, no writes).

// ErrRowFilter is the refusal of a read of a table that a security
// policy's filter predicate may filter, or of a read by a login that
// cannot see whether one does.
var ErrRowFilter = errors.New("row-level security may hide rows of the table from this read")

// rlsVisibleSQL asks whether the login sees every security policy of the
// database: VIEW DEFINITION on the database (given by db_owner, CONTROL
// and sysadmin too) or ALTER ANY SECURITY POLICY. HAS_PERMS_BY_NAME
// gives effective permissions, through roles and groups; NULL (no such
// permission name on an old server) counts as no.
const rlsVisibleSQL = `SELECT CASE WHEN ISNULL(HAS_PERMS_BY_NAME(DB_NAME(), 'DATABASE', 'VIEW DEFINITION'), 0) = 1
  OR ISNULL(HAS_PERMS_BY_NAME(DB_NAME(), 'DATABASE', 'ALTER ANY SECURITY POLICY'), 0) = 1 THEN 1 ELSE 0 END`

// rlsFiltersSQL lists the tables of the schema (@p1) with an enabled
// FILTER predicate (predicate_type 0) and the policy holding it.
const rlsFiltersSQL = `SELECT t.name, SCHEMA_NAME(p.schema_id) + N'.' + p.name
FROM sys.security_predicates AS pr
JOIN sys.security_policies AS p ON p.object_id = pr.object_id
JOIN sys.tables AS t ON t.object_id = pr.target_object_id
WHERE p.is_enabled = 1 AND pr.predicate_type = 0 AND t.schema_id = SCHEMA_ID(@p1)
ORDER BY t.name, 2`

// rowFilters is what a snapshot learnt of row-level security, once.
type rowFilters struct {
	visible  bool
	policies map[string][]string // table -> policies filtering it
}

// checkRowFilter refuses a read of table when a security policy filters
// it, or when the login cannot see whether one does. The catalogue is
// read once per snapshot, on the first read. A target's reads are left
// alone: rows a policy hid from its counts and checksums would be missing
// from what verification compares with the source, a failure, not a
// pass, and a target login need not see the source's policies.
func (s *snapshot) checkRowFilter(ctx context.Context, table string) error {
	if !s.d.readOnly {
		return nil
	}
	if s.filters == nil {
		f, err := s.readRowFilters(ctx)
		if err != nil {
			return s.d.classify("read "+table+": security policies", err)
		}
		s.filters = f
	}
	if !s.filters.visible {
		return s.d.cfg.errorf("read %s: %w: the login cannot see the database's security policies, so a filter predicate hiding rows of the table from it could not be told apart from rows that are not there (grant it VIEW DEFINITION on the database, which shows definitions and no data)", table, ErrRowFilter)
	}
	if p := s.filters.policies[table]; len(p) > 0 {
		return s.d.cfg.errorf("read %s: %w: security policy %s has an enabled filter predicate on the table, which leaves out of every read and count the rows it rejects for the reading login, with nothing to show they are missing (turn the policy off for the migration, ALTER SECURITY POLICY … WITH (STATE = OFF), or drop the table's filter predicate from it, and read again)", table, ErrRowFilter, strings.Join(p, ", "))
	}
	return nil
}

func (s *snapshot) readRowFilters(ctx context.Context) (*rowFilters, error) {
	f := &rowFilters{policies: map[string][]string{}}
	var visible int64
	if err := s.conn.QueryRowContext(ctx, rlsVisibleSQL).Scan(&visible); err != nil {
		return nil, fmt.Errorf("may the login see them: %w", err)
	}
	f.visible = visible == 1
	rows, err := s.conn.QueryContext(ctx, rlsFiltersSQL, s.d.cfg.schema)
	if err != nil {
		return nil, fmt.Errorf("filter predicates: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var table, policy string
		if err := rows.Scan(&table, &policy); err != nil {
			return nil, fmt.Errorf("filter predicates: %w", err)
		}
		f.policies[table] = append(f.policies[table], policy)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("filter predicates: %w", err)
	}
	return f, nil
}
