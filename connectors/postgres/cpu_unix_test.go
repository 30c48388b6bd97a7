//go:build unix

package postgres_test

import (
	"bytes"
	"os"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// cpuSeconds is the process's user and system CPU time so far.
func cpuSeconds() float64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return float64(ru.Utime.Sec+ru.Stime.Sec) + float64(ru.Utime.Usec+ru.Stime.Usec)/1e6
}

// backendCPU samples, every 20 ms until stop is called, the CPU time of
// one server backend (by its pid) and of the parallel workers it starts
// (their titles name the leader's pid), from /proc: a session's own server
// CPU, whatever else the server runs. A worker's last 20 ms before it
// ends may be missed. 0 where there is no /proc.
func backendCPU(pid int) (stop func() float64) {
	last := map[int]int64{} // pid -> ticks last seen
	isPostgres := map[int]bool{}
	first := procTicks(pid)
	sample := func() {
		ents, err := os.ReadDir("/proc")
		if err != nil {
			return
		}
		worker := []byte("parallel worker for PID " + strconv.Itoa(pid))
		for _, e := range ents {
			p, err := strconv.Atoi(e.Name())
			if err != nil {
				continue
			}
			if p != pid {
				// Only postgres processes can be workers; what a pid is
				// is read once, so that sampling costs the client little.
				pg, seen := isPostgres[p]
				if !seen {
					comm, _ := os.ReadFile("/proc/" + e.Name() + "/comm")
					pg = bytes.HasPrefix(comm, []byte("postgres"))
					isPostgres[p] = pg
				}
				if !pg {
					continue
				}
				cmd, err := os.ReadFile("/proc/" + e.Name() + "/cmdline")
				if err != nil || !bytes.Contains(cmd, worker) {
					continue
				}
			}
			if t := procTicks(p); t > 0 {
				last[p] = t
			}
		}
	}
	done, finished := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(finished)
		tick := time.NewTicker(20 * time.Millisecond)
		defer tick.Stop()
		for {
			sample()
			select {
			case <-done:
				return
			case <-tick.C:
			}
		}
	}()
	return func() float64 {
		close(done)
		<-finished
		sample()
		var ticks int64
		for p, t := range last {
			if p == pid {
				t -= first
			}
			ticks += t
		}
		return float64(ticks) / 100 // USER_HZ
	}
}

// procTicks is a process's user and system CPU time in clock ticks, 0
// when unreadable.
func procTicks(pid int) int64 {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return 0
	}
	// "pid (comm) state ppid …": utime and stime are fields 14 and 15,
	// 12 and 13 after the comm's ')'.
	s := string(b)
	f := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
	if len(f) < 13 {
		return 0
	}
	u, _ := strconv.ParseInt(f[11], 10, 64)
	st, _ := strconv.ParseInt(f[12], 10, 64)
	return u + st
}
