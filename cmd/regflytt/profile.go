package main

import (
	"fmt"
	"io"
	"os"
	"runtime/pprof"
)

// startProfile writes a CPU profile of the whole command to the file
// REGFLYTT_CPUPROFILE names, and the allocations it made to the file
// REGFLYTT_MEMPROFILE names, for `go tool pprof` (README, Performance).
// It returns the function that ends the profiles; without the variables
// both do nothing. A profile that cannot start is said and skipped: it
// must never stop the command it was meant to watch.
func startProfile(stderr io.Writer) (stop func()) {
	stopCPU := startCPUProfile(stderr)
	return func() {
		stopCPU()
		writeAllocProfile(stderr)
	}
}

func startCPUProfile(stderr io.Writer) (stop func()) {
	path := os.Getenv("REGFLYTT_CPUPROFILE")
	if path == "" {
		return func() {}
	}
	f, err := os.Create(path)
	if err != nil {
		fmt.Fprintf(stderr, "regflytt: no CPU profile: %v\n", err)
		return func() {}
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		fmt.Fprintf(stderr, "regflytt: no CPU profile: %v\n", err)
		f.Close()
		return func() {}
	}
	return func() {
		pprof.StopCPUProfile()
		if err := f.Close(); err != nil {
			fmt.Fprintf(stderr, "regflytt: CPU profile %s: %v\n", path, err)
		}
	}
}

// writeAllocProfile writes every allocation the command made (go tool
// pprof -sample_index=alloc_space) to REGFLYTT_MEMPROFILE, if set.
func writeAllocProfile(stderr io.Writer) {
	path := os.Getenv("REGFLYTT_MEMPROFILE")
	if path == "" {
		return
	}
	f, err := os.Create(path)
	if err != nil {
		fmt.Fprintf(stderr, "regflytt: no allocation profile: %v\n", err)
		return
	}
	defer f.Close()
	if err := pprof.Lookup("allocs").WriteTo(f, 0); err != nil {
		fmt.Fprintf(stderr, "regflytt: allocation profile %s: %v\n", path, err)
	}
}
