package verify

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"
)

// checkAccessNow and checkAccessAcrossNow run the proof with a context
// nothing cancels: an error there is a bug in the proof.
func checkAccessNow(units map[string]string, before, after []Grant, day time.Time) AccessCheck {
	return checkAccessAcrossNow(units, units, before, after, day)
}

func checkAccessAcrossNow(units, receiving map[string]string, before, after []Grant, day time.Time) AccessCheck {
	c, err := CheckAccessAcross(context.Background(), units, receiving, before, after, day)
	if err != nil {
		panic(fmt.Sprintf("the access proof failed without a cancelled context: %v", err))
	}
	return c
}

// The access proof stops when its context is cancelled (a Ctrl-C of
// verify): it ran to its end, about 2 s at 30,000 patients and 2,000
// care units and much longer for a real registry, and the interrupt
// waited for it.
func TestAccessProofStopsWhenCancelled(t *testing.T) {
	day := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	units := map[string]string{}
	for u := 0; u < 2000; u++ {
		units[fmt.Sprint(u)] = fmt.Sprintf("region %d", u%20)
	}
	var before, after []Grant
	for a := 0; a < 5000; a++ {
		g := Grant{Account: fmt.Sprint(a), Region: fmt.Sprintf("region %d", a%20), Basis: BasisRole, Role: "reporter"}
		before = append(before, g)
		// Each grant starts on a day of its own: a legacy reading per day.
		g.ValidFrom = day.AddDate(0, 0, 1+a%400)
		after = append(after, g)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	start := time.Now()
	_, err := CheckAccessAcross(ctx, units, units, before, after, day)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
	if d := time.Since(start); d > 500*time.Millisecond {
		t.Errorf("a cancelled proof took %v to stop", d)
	}
	// Not cancelled, the same proof runs to its verdict.
	if c, err := CheckAccessAcross(context.Background(), units, units, before[:10], after[:10], day); err != nil || !c.OK {
		t.Fatalf("uncancelled: ok %v, err %v, problems %v", c.OK, err, c.Problems)
	}
}
