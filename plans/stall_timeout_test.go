package plans_test

import (
	"strings"
	"testing"
	"time"

	"github.com/regflytt/regflytt/plans"
)

// run: {stall_timeout: D} in the plan: a duration of a second or more,
// or 0/none for no limit; anything else is P072 at its line.
func TestPlanStallTimeout(t *testing.T) {
	dir := t.TempDir()
	for extra, want := range map[string]time.Duration{
		"run: {stall_timeout: 10m}\n":  10 * time.Minute,
		"run: {stall_timeout: 90s}\n":  90 * time.Second,
		"run: {stall_timeout: none}\n": 0,
		"run: {stall_timeout: 0}\n":    0,
		"":                             0,
	} {
		p, ds := plans.Load(writePlan(t, dir, extra))
		if err := ds.Err(); err != nil || p.StallTimeout != want {
			t.Errorf("%q: stall timeout %v, %v; want %v", extra, p.StallTimeout, err, want)
		}
	}
	for _, extra := range []string{"run: {stall_timeout: 10}\n", "run: {stall_timeout: 500ms}\n", "run: {stall_timeout: -1m}\n", "run: {stall_timeout: soon}\n"} {
		_, ds := plans.Load(writePlan(t, dir, extra))
		if err := ds.Err(); err == nil || !strings.Contains(err.Error(), "plan.yaml:9:") || !strings.Contains(err.Error(), "error P072") {
			t.Errorf("%q: %v, want P072 at its line", extra, err)
		}
	}
}
