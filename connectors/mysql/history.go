package mysql

import (
	"context"
	"database/sql"
	"slices"

	"github.com/regflytt/regflytt/connectors"
)

// A table WITH SYSTEM VERSIONING keeps the earlier versions of its rows,
// and the rows since deleted, beside its current rows. A plain SELECT and
// COUNT(*) see the current rows only, which is what a scan reads: the
// history is no record of the catalogue's table, and History says how
// many versions it holds, so that verification names them (a finding the
// plan acknowledges) instead of accounting for every record it saw.

// versionedTableType is information_schema.TABLES.TABLE_TYPE of a
// system-versioned table.
const versionedTableType = "SYSTEM VERSIONED"

const versionedQuery = "SELECT TABLE_NAME FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_TYPE = '" + versionedTableType + "'"

// dropPeriodEnd takes the end of the system-time period out of a
// versioned table's primary key: the server adds it to the key (so that
// the versions of a row are distinct), and where the period's columns
// are implicit (ROW_START, ROW_END) it is no column of the catalogue at
// all. The current rows are unique by the declared key alone.
func dropPeriodEnd(t *connectors.Table) {
	if t == nil {
		return
	}
	t.PrimaryKey = slices.DeleteFunc(t.PrimaryKey, func(k string) bool { return t.Column(k) == nil })
	if len(t.PrimaryKey) == 0 {
		t.PrimaryKey = nil
	}
}

// History implements connectors.HistoryLister: the system-versioned
// tables of the database with earlier row versions, counted in the
// snapshot.
func (s *snapshot) History(ctx context.Context) ([]connectors.TableHistory, error) {
	if s.conn == nil {
		return nil, s.db.errorf("snapshot is closed")
	}
	var names []string
	err := each(ctx, s.conn, versionedQuery, s.db.schema, func(r *sql.Rows) error {
		var name string
		if err := r.Scan(&name); err != nil {
			return err
		}
		names = append(names, name)
		return nil
	})
	if err != nil {
		return nil, s.db.errorf("list system-versioned tables: %w", err)
	}
	slices.Sort(names)
	var out []connectors.TableHistory
	for _, name := range names {
		q, err := Dialect{}.QuoteIdent(name)
		if err != nil {
			return nil, err
		}
		var n int64
		// Every version, current ones included, less the current ones.
		if err := s.conn.QueryRowContext(ctx, "SELECT (SELECT COUNT(*) FROM "+q+" FOR SYSTEM_TIME ALL) - (SELECT COUNT(*) FROM "+q+")").Scan(&n); err != nil {
			return nil, s.db.errorf("count the history of %s: %w", name, err)
		}
		if n > 0 {
			out = append(out, connectors.TableHistory{Table: name, Versions: n})
		}
	}
	return out, nil
}

var _ connectors.HistoryLister = (*snapshot)(nil)
