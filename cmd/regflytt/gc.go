package main

import (
	"os"
	"runtime/debug"
)

// The garbage collector's settings the binary uses when the environment
// gives none (GOGC, GOMEMLIMIT).
//
// A move allocates about 1 KB per source row (the driver's values, the
// canonical values, the target rows), nearly all of it dead within a few
// batches, over a live heap of a few batches and the run's bounded key
// and parent sets. Go's default (GOGC=100) collects every time the heap
// doubles that live heap, which cost a fifth of regflytt's CPU per row in
// the 1M-row MariaDB → PostgreSQL identity move; 200 halves the
// collections. Alone, 200 took the EAV platform at ten times the size
// (10M value rows) to 105-114 MB peak RSS, past the 100 MB the runs are
// held to, so a soft memory limit goes with it: the collector keeps to
// 200 while the heap is small and collects more often as it nears the
// limit. Measured on that EAV run (2 cores, quiet): GOGC=100 83 MB and 65
// CPU-s; 150 95 MB, 58 CPU-s; 200 105 MB, 51 CPU-s; 200 with 64 MiB 93 MB,
// 51 CPU-s; 200 with 56 MiB 86 MB, 60 CPU-s. The limit grows with --jobs
// (each job has its own batches and sets), so that a plan's larger live
// heap does not have the collector run back to back.
const (
	gcPercent         = 200
	memoryLimitPerJob = 64 << 20
)

// gcFromEnvironment says the person running regflytt set the collector.
func gcFromEnvironment() bool { return os.Getenv("GOGC") != "" || os.Getenv("GOMEMLIMIT") != "" }

// tuneGC sets the collector's target and a soft memory limit for one job
// unless the environment says how the collector should run.
func tuneGC() {
	if gcFromEnvironment() {
		return
	}
	debug.SetGCPercent(gcPercent)
	debug.SetMemoryLimit(memoryLimitPerJob)
}

// tuneGCForJobs raises the soft memory limit for a run of several jobs.
func tuneGCForJobs(jobs int) {
	if gcFromEnvironment() || jobs <= 1 {
		return
	}
	debug.SetMemoryLimit(int64(jobs) * memoryLimitPerJob)
}
