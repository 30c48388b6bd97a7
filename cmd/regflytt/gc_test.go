package main

import (
	"math"
	"runtime/debug"
	"testing"
)

// The binary's collector settings: GOGC=200 and a soft limit per job,
// unless the environment sets the collector.
func TestTuneGC(t *testing.T) {
	prevPercent := debug.SetGCPercent(100)
	prevLimit := debug.SetMemoryLimit(math.MaxInt64)
	t.Cleanup(func() { debug.SetGCPercent(prevPercent); debug.SetMemoryLimit(prevLimit) })

	t.Setenv("GOGC", "")
	t.Setenv("GOMEMLIMIT", "")
	tuneGC()
	if got := debug.SetGCPercent(-1); got != gcPercent {
		t.Errorf("GOGC %d, want %d", got, gcPercent)
	}
	debug.SetGCPercent(gcPercent)
	if got := debug.SetMemoryLimit(-1); got != memoryLimitPerJob {
		t.Errorf("memory limit %d, want %d", got, memoryLimitPerJob)
	}
	tuneGCForJobs(3)
	if got := debug.SetMemoryLimit(-1); got != 3*memoryLimitPerJob {
		t.Errorf("memory limit with 3 jobs %d, want %d", got, 3*memoryLimitPerJob)
	}

	// The person running regflytt decides.
	debug.SetGCPercent(100)
	debug.SetMemoryLimit(math.MaxInt64)
	t.Setenv("GOMEMLIMIT", "1GiB")
	tuneGC()
	tuneGCForJobs(3)
	if got := debug.SetGCPercent(-1); got != 100 {
		t.Errorf("GOGC %d with GOMEMLIMIT set, want Go's 100", got)
	}
	debug.SetGCPercent(100)
	if got := debug.SetMemoryLimit(-1); got != math.MaxInt64 {
		t.Errorf("memory limit %d with GOMEMLIMIT set, want none", got)
	}
}
