package plans

import (
	"context"
	"fmt"

	"github.com/regflytt/regflytt/connectors"
	"github.com/regflytt/regflytt/verify"
)

// sourceCounting counts source tables in the run's snapshot in the
// background, for the end check: the source database counts while the
// content check reads the target back, two servers busy at once instead
// of one after the other. Nothing else may use the snapshot until wait
// has returned.
type sourceCounting struct {
	snap   connectors.Snapshot
	done   chan struct{}
	counts map[string]int64
	err    error
}

// startCounting counts tables (each once) in snap.
func startCounting(ctx context.Context, snap connectors.Snapshot, tables []string) *sourceCounting {
	c := &sourceCounting{snap: snap, done: make(chan struct{}), counts: map[string]int64{}}
	go func() {
		defer close(c.done)
		for _, t := range tables {
			if _, ok := c.counts[t]; ok {
				continue
			}
			n, err := snap.Count(ctx, t)
			if err != nil {
				c.err = fmt.Errorf("count source table %s: %w", t, err)
				return
			}
			c.counts[t] = n
		}
	}()
	return c
}

// wait returns the counts once all are taken.
func (c *sourceCounting) wait() (map[string]int64, error) {
	<-c.done
	return c.counts, c.err
}

// snapshot is the counted snapshot answering Count from the counts taken
// (after wait), and asking the database for any other table.
func (c *sourceCounting) snapshot() connectors.Snapshot {
	return countedSnapshot{Snapshot: c.snap, counts: c.counts}
}

type countedSnapshot struct {
	connectors.Snapshot
	counts map[string]int64
}

func (s countedSnapshot) Count(ctx context.Context, table string) (int64, error) {
	if n, ok := s.counts[table]; ok {
		return n, nil
	}
	return s.Snapshot.Count(ctx, table)
}

// ledgerSources is the ledger's source tables, in its order.
func ledgerSources(l *verify.Ledger) []string {
	names := make([]string, 0, len(l.Tables))
	for _, t := range l.Tables {
		names = append(names, t.Source)
	}
	return names
}
