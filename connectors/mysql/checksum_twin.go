package mysql

import (
	"context"
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"github.com/regflytt/regflytt/connectors"
)

var _ connectors.Twinner = (*snapshot)(nil)

// Twin opens a second snapshot that sees exactly the rows of this one's
// InnoDB tables, for verify's source checksums beside its re-reading.
//
// MariaDB cannot share a snapshot between connections, and with the
// binary log off there is no position to compare; InnoDB's read views
// can be compared instead. A read view sees the transactions whose ids
// are below its low limit, except those still active when it was made;
// SHOW ENGINE INNODB STATUS prints each session's limits ("Trx read view
// will not see trx with id >= L, sees < U"), with U below L exactly when
// a transaction was active. Two views with U = L and the same L see the
// same transactions: every one that committed before either began, and
// no other, since any transaction that wrote in between took an id at or
// above L and moved the next view's limit. Anything else (a write on the
// server in between, a transaction open at either start, no PROCESS
// privilege, a session missing from the status) is ErrNoTwin.
//
// Tables outside InnoDB have no snapshot at all; the twin refuses their
// checksums (twinSnapshot), so that they are computed in this snapshot,
// after the reading, as before.
func (s *snapshot) Twin(ctx context.Context) (connectors.Snapshot, error) {
	if s.conn == nil {
		return nil, s.db.errorf("snapshot is closed")
	}
	var first int64
	if err := s.conn.QueryRowContext(ctx, "SELECT CONNECTION_ID()").Scan(&first); err != nil {
		return nil, s.db.errorf("twin snapshot: %w", err)
	}
	snap, err := s.db.Snapshot(ctx)
	if err != nil {
		return nil, err
	}
	twin := snap.(*snapshot)
	if err := sameReadView(ctx, twin, first); err != nil {
		twin.Close()
		return nil, err
	}
	return &twinSnapshot{twin}, nil
}

// sameReadView fails with ErrNoTwin unless the sessions first and twin's
// hold read views that provably see the same transactions.
func sameReadView(ctx context.Context, twin *snapshot, first int64) error {
	var second int64
	if err := twin.conn.QueryRowContext(ctx, "SELECT CONNECTION_ID()").Scan(&second); err != nil {
		return twin.db.errorf("twin snapshot: %w", err)
	}
	var typ, name, status string
	if err := twin.conn.QueryRowContext(ctx, "SHOW ENGINE INNODB STATUS").Scan(&typ, &name, &status); err != nil {
		// Most often no PROCESS privilege: nothing to show it with.
		return fmt.Errorf("%w: InnoDB's status cannot be read: %w", connectors.ErrNoTwin, withoutValues(err))
	}
	a, why := readViewLimit(status, first)
	if why != "" {
		return fmt.Errorf("%w: the first snapshot's read view: %s", connectors.ErrNoTwin, why)
	}
	b, why := readViewLimit(status, second)
	if why != "" {
		return fmt.Errorf("%w: the second snapshot's read view: %s", connectors.ErrNoTwin, why)
	}
	if a != b {
		return fmt.Errorf("%w: transactions began between the two snapshots (read views up to %d and %d)", connectors.ErrNoTwin, a, b)
	}
	return nil
}

var (
	statusThread   = regexp.MustCompile(`(?m)^(?:MariaDB|MySQL) thread id (\d+),`)
	statusReadView = regexp.MustCompile(`(?m)^Trx read view will not see trx with id >= (\d+), sees < (\d+)$`)
)

// readViewLimit finds session thread's transaction in InnoDB's status and
// gives its read view's low limit, or why there is none to compare: the
// session is not listed, has no read view, or had a transaction active
// when the view was made (its limits differ).
func readViewLimit(status string, thread int64) (uint64, string) {
	const list = "LIST OF TRANSACTIONS FOR EACH SESSION:"
	i := strings.Index(status, list)
	if i < 0 {
		return 0, "InnoDB's status lists no transactions"
	}
	found := false
	var limit uint64
	for _, block := range strings.Split(status[i+len(list):], "\n---TRANSACTION ")[1:] {
		m := statusThread.FindStringSubmatch(block)
		if m == nil || m[1] != strconv.FormatInt(thread, 10) {
			continue
		}
		if found {
			return 0, "the session is listed twice"
		}
		found = true
		v := statusReadView.FindAllStringSubmatch(block, -1)
		if len(v) != 1 {
			return 0, "the session's transaction shows no read view"
		}
		low, err1 := strconv.ParseUint(v[0][1], 10, 64)
		up, err2 := strconv.ParseUint(v[0][2], 10, 64)
		if err1 != nil || err2 != nil {
			return 0, "the read view's limits do not parse"
		}
		if low != up {
			return 0, "a transaction was active when it began"
		}
		limit = low
	}
	if !found {
		return 0, "the session is not listed in InnoDB's status"
	}
	return limit, ""
}

// twinSnapshot is a twin: its checksums are of InnoDB tables only, the
// ones whose rows it provably sees as the first snapshot does.
type twinSnapshot struct{ *snapshot }

func (t *twinSnapshot) Checksum(ctx context.Context, tb *connectors.Table, req connectors.ChecksumRequest) (connectors.Buckets, error) {
	if err := t.innoDB(ctx, tb.Name); err != nil {
		return connectors.Buckets{}, err
	}
	return t.snapshot.Checksum(ctx, tb, req)
}

func (t *twinSnapshot) RecordHashes(ctx context.Context, tb *connectors.Table, req connectors.ChecksumRequest) ([]connectors.RecordHash, error) {
	if err := t.innoDB(ctx, tb.Name); err != nil {
		return nil, err
	}
	return t.snapshot.RecordHashes(ctx, tb, req)
}

func (t *twinSnapshot) innoDB(ctx context.Context, table string) error {
	if t.conn == nil {
		return t.db.errorf("snapshot is closed")
	}
	var engine string
	err := t.conn.QueryRowContext(ctx, "SELECT COALESCE(ENGINE, '') FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ?", t.db.schema, table).Scan(&engine)
	if err != nil {
		return t.db.errorf("twin snapshot: engine of %s: %w", table, err)
	}
	if !strings.EqualFold(engine, "InnoDB") {
		return fmt.Errorf("%w: table %s is not InnoDB (%s) and has no snapshot", connectors.ErrNoTwin, table, engine)
	}
	return nil
}
