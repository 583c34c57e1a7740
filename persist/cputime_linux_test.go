package persist_test

import (
	"fmt"
	"os"
	"syscall"
	"time"
)

// cpuTime returns the CPU time used by the process so far, in ns. The
// benchmarks report it per op beside wall time, because the shared
// machine's wall times swing with the load of other processes.
func cpuTime() int64 {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return ru.Utime.Nano() + ru.Stime.Nano()
}

// runQueueWait returns how long the calling thread has waited for a CPU
// while runnable (the kernel's schedstat). A goroutine that reads it
// twice must be locked to its thread.
func runQueueWait() time.Duration {
	b, err := os.ReadFile("/proc/thread-self/schedstat")
	if err != nil {
		return 0
	}
	var run, wait int64
	if _, err := fmt.Sscan(string(b), &run, &wait); err != nil {
		return 0
	}
	return time.Duration(wait)
}
