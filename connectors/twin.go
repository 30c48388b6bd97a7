package connectors

import (
	"context"
	"errors"
)

// Twinner is a snapshot that can open a second one, on a connection of
// its own, that sees exactly the rows it sees. verify computes the source
// database's own checksums in the twin while it re-reads the source
// through the first: the two servers' work overlaps instead of following
// each other, and both are of the same rows.
//
// PostgreSQL imports the first's exported snapshot; MariaDB cannot share
// one, and gives a twin only where it can show that no transaction
// committed between the two snapshots' starts. A twin that cannot be
// shown to see the same rows is never returned: Twin fails with
// ErrNoTwin, and the caller reads in the first snapshot.
type Twinner interface {
	// Twin opens the second snapshot. The caller closes it, before the
	// first.
	Twin(ctx context.Context) (Snapshot, error)
}

// ErrNoTwin says a Twinner could not show that a second snapshot would
// see exactly the rows the first sees.
var ErrNoTwin = errors.New("no second snapshot shown to see the same rows")
