package postgres

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/regflytt/regflytt/connectors"
)

var _ connectors.Twinner = (*snapshot)(nil)

// Twin opens a second transaction in this snapshot's own, exported with
// pg_export_snapshot and imported with SET TRANSACTION SNAPSHOT: the
// server guarantees both see the same rows.
func (s *snapshot) Twin(ctx context.Context) (connectors.Snapshot, error) {
	if s.closed {
		return nil, fmt.Errorf("twin snapshot: the snapshot is closed")
	}
	var id string
	if err := s.tx.QueryRow(ctx, "SELECT pg_export_snapshot()").Scan(&id); err != nil {
		return nil, s.db.errorf(err, "twin snapshot: export the snapshot")
	}
	if !snapshotID.MatchString(id) {
		return nil, fmt.Errorf("twin snapshot: the server exported a snapshot named %q", id)
	}
	tx, err := s.db.pool.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly})
	if err != nil {
		return nil, s.db.errorf(err, "twin snapshot: begin")
	}
	if _, err := tx.Exec(ctx, "SET TRANSACTION SNAPSHOT '"+id+"'"); err != nil {
		rollback(tx)
		return nil, s.db.errorf(err, "twin snapshot: import the snapshot")
	}
	return &snapshot{db: s.db, tx: tx, position: s.position}, nil
}
