package mysql

import (
	"context"
	"database/sql"
	"strings"

	"github.com/regflytt/regflytt/connectors"
)

// createdEngine is the storage engine Create gives every table
// (tableOptions): the one whose transactions a commit unit relies on.
const createdEngine = "InnoDB"

const enginesQuery = "SELECT TABLE_NAME, ENGINE FROM information_schema.TABLES " +
	"WHERE TABLE_SCHEMA = ? AND TABLE_TYPE IN ('BASE TABLE', 'SYSTEM VERSIONED')"

// OtherEngines implements connectors.EngineChecker: the tables among
// tables whose engine is not InnoDB (compared without case, as the server
// names engines), with their engine.
func (s *snapshot) OtherEngines(ctx context.Context, tables []string) (map[string]string, string, error) {
	if s.conn == nil {
		return nil, createdEngine, s.db.errorf("snapshot is closed")
	}
	want := make(map[string]bool, len(tables))
	for _, t := range tables {
		want[t] = true
	}
	out := map[string]string{}
	err := each(ctx, s.conn, enginesQuery, s.db.schema, func(r *sql.Rows) error {
		var name string
		var engine sql.NullString
		if err := r.Scan(&name, &engine); err != nil {
			return err
		}
		if want[name] && !strings.EqualFold(engine.String, createdEngine) {
			out[name] = engine.String
		}
		return nil
	})
	if err != nil {
		return nil, createdEngine, s.db.errorf("list storage engines: %w", err)
	}
	return out, createdEngine, nil
}

var _ connectors.EngineChecker = (*snapshot)(nil)
