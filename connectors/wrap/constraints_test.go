package wrap_test

import (
	"context"
	"database/sql/driver"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/regflytt/regflytt/connectors"
	"github.com/regflytt/regflytt/connectors/wrap"
)

// flakyConstraints is a target whose CreateConstraints loses its
// connection the first failures times.
type flakyConstraints struct {
	connectors.Target
	failures, calls int
}

func (f *flakyConstraints) CreateConstraints(context.Context, []connectors.Table) error {
	f.calls++
	if f.calls <= f.failures {
		return fmt.Errorf("CREATE INDEX: %w", driver.ErrBadConn)
	}
	return nil
}

// Creating what a schema declares beyond columns and keys asks the
// database what it lacks first (connectors.PendingConstraints), so an
// attempt whose connection was lost is tried again like any other:
// before, a KILL of the target's connection while its indexes were made
// stopped the run, where every other step retried.
func TestCreateConstraintsRetriedAfterALostConnection(t *testing.T) {
	f := &flakyConstraints{failures: 2}
	tgt := wrap.Target(f, wrap.Policy{Base: time.Millisecond})
	cc, ok := tgt.(connectors.ConstraintCreator)
	if !ok {
		t.Fatal("the wrapped target does not offer CreateConstraints")
	}
	if err := cc.CreateConstraints(context.Background(), nil); err != nil {
		t.Fatalf("after two lost connections: %v", err)
	}
	if f.calls != 3 {
		t.Errorf("CreateConstraints called %d times, want 3", f.calls)
	}

	// A fault that is not transient is not tried again.
	bad := &permanentConstraints{}
	tgt = wrap.Target(bad, wrap.Policy{Base: time.Millisecond})
	if err := tgt.(connectors.ConstraintCreator).CreateConstraints(context.Background(), nil); !errors.Is(err, errDuplicateRows) || bad.calls != 1 {
		t.Errorf("a permanent fault: %v after %d calls, want it after 1", err, bad.calls)
	}
}

var errDuplicateRows = errors.New("could not create unique index: duplicate rows")

type permanentConstraints struct {
	connectors.Target
	calls int
}

func (p *permanentConstraints) CreateConstraints(context.Context, []connectors.Table) error {
	p.calls++
	return errDuplicateRows
}
