package plans

import (
	"bytes"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/regflytt/regflytt/connectors/wrap"
)

// Each stall is told in words a user without -v can act on: what waits
// on which side, the table, and for how long.
func TestStallMessages(t *testing.T) {
	var b bytes.Buffer
	r := &runner{log: slog.New(slog.NewTextHandler(&b, nil)), plan: &Plan{}}
	for _, c := range []struct {
		s        wrap.Stall
		want     string
		checking string
	}{
		{wrap.Stall{Side: "source", What: "read", Table: "besok", For: 2 * time.Minute}, "still waiting for the source: table besok, no row for 2m0s (not an error", ""},
		{wrap.Stall{Side: "target", What: "commit batch 41", Table: "besok", For: time.Minute, Limit: 10 * time.Minute}, "still waiting for the target to commit batch 41 of besok, for 1m0s (cancelled at the stall limit, 10m0s)", ""},
		{wrap.Stall{Side: "source", What: "read", Table: "besok", For: 10 * time.Minute, Limit: 10 * time.Minute, Cancelled: true}, "stalled: no progress from the source in read of besok for 10m0s (the stall limit): cancelled", ""},
		{wrap.Stall{Side: "archive", What: "the archive part of batch 7", Table: "besok", For: time.Minute}, "still waiting for the disk to write the archive part of batch 7 of besok, for 1m0s", ""},
		// In a verification the warning says which: the move is over.
		{wrap.Stall{Side: "target", What: "checksum", Table: "besok", For: time.Minute}, "the end check: still waiting for the target: checksum of table besok, nothing read for 1m0s (not an error", "the end check"},
		{wrap.Stall{Side: "target", What: "read", Table: "besok", For: time.Minute}, "verify: still waiting for the target: table besok, no row for 1m0s", "verify"},
		{wrap.Stall{Side: "target", What: "checksum", Table: "besok", For: 2 * time.Second, Limit: 2 * time.Second, Cancelled: true}, "the end check: stalled: no progress from the target in checksum of besok for 2s (the stall limit): cancelled; the check stops", "the end check"},
	} {
		b.Reset()
		r.checking = c.checking
		r.stalled(c.s)
		if !strings.Contains(b.String(), c.want) || !strings.Contains(b.String(), "level=WARN") {
			t.Errorf("%+v: logged %q, want a warning with %q", c.s, b.String(), c.want)
		}
	}
}

// Work no context stops (an archive part synced) is warned of past the
// limit, and never cancelled.
func TestObservedWorkIsNotCancelled(t *testing.T) {
	told := make(chan wrap.Stall, 16)
	d := &wrap.Watchdog{Warn: 10 * time.Millisecond, Limit: 20 * time.Millisecond, Stalled: func(s wrap.Stall) {
		select {
		case told <- s:
		default:
		}
	}}
	op := d.Observe("archive", "the archive part of batch 1", "t")
	defer op.End()
	deadline := time.After(30 * time.Second)
	for n := 0; n < 4; {
		select {
		case s := <-told:
			if s.Cancelled {
				t.Fatal("observed work was cancelled")
			}
			if s.For > 20*time.Millisecond {
				n++
			}
		case <-deadline:
			t.Fatal("no warnings past the limit")
		}
	}
}
