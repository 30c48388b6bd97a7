package plans

import (
	"context"
	"fmt"
	"sync"

	"github.com/regflytt/regflytt/connectors"
	"github.com/regflytt/regflytt/verify"
)

// targetChecksums takes the target's side of each receiving table's
// content comparison in the background, in order, on the target's
// snapshot, while verification re-reads the source through the mappings:
// the target's checksum (SQL in the database, or its rows read back) and
// the re-application load different servers, and took as long as each
// other one after the other (1M rows: 6.5 s and 14.8 s). Nothing else may
// use the target's snapshot until wait has returned.
type targetChecksums struct {
	cancel context.CancelFunc
	done   chan struct{}
	once   sync.Once
	sides  map[string]verify.TargetSide
	// err is the first failure, which ends the work: the snapshot may be
	// unusable after it.
	err error
}

// startTargetSides takes the sides of the tables in order that exist in
// the target (inTarget).
func startTargetSides(ctx context.Context, tsnap connectors.Snapshot, inTarget map[string]*connectors.Table, order []string, contents map[string]*verify.Content) *targetChecksums {
	ctx, cancel := context.WithCancel(ctx)
	t := &targetChecksums{cancel: cancel, done: make(chan struct{}), sides: map[string]verify.TargetSide{}}
	go func() {
		defer close(t.done)
		for _, name := range order {
			tt := inTarget[name]
			if tt == nil {
				continue
			}
			ts, err := verify.ChecksumTarget(ctx, tsnap, tt, contents[name])
			if err != nil {
				t.err = err
				return
			}
			t.sides[name] = ts
		}
	}()
	return t
}

// wait returns once the background work has ended.
func (t *targetChecksums) wait() {
	t.once.Do(func() {
		<-t.done
		t.cancel()
	})
}

// stop cancels what is left of the background work and waits for it.
func (t *targetChecksums) stop() {
	t.cancel()
	t.wait()
}

// side gives a table's target side, waiting for it.
func (t *targetChecksums) side(name string) (verify.TargetSide, error) {
	t.wait()
	if ts, ok := t.sides[name]; ok {
		return ts, nil
	}
	if t.err != nil {
		return verify.TargetSide{}, t.err
	}
	return verify.TargetSide{}, fmt.Errorf("verify: no checksum of receiving table %s was taken", name)
}
