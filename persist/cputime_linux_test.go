package persist_test

import "syscall"

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
