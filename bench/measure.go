package bench

import (
	"math"
	"runtime"
	"slices"
	"syscall"
	"time"
)

// na marks a figure that was not measured.
var na = math.NaN()

// timing is the cost of one operation: the median over repetitions, with
// the spread, and the allocations per operation.
type timing struct {
	ns, min, max float64
	allocs       float64
}

// measure runs setup (untimed) and then run, reps times, and returns the
// median time per op, where run performs ops operations.
func measure(reps, ops int, setup, run func()) timing {
	var ns []float64
	var allocs float64
	var ms runtime.MemStats
	for range reps {
		if setup != nil {
			setup()
		}
		runtime.GC()
		runtime.ReadMemStats(&ms)
		m0 := ms.Mallocs
		t0 := time.Now()
		run()
		d := time.Since(t0)
		runtime.ReadMemStats(&ms)
		ns = append(ns, float64(d.Nanoseconds())/float64(ops))
		allocs = float64(ms.Mallocs-m0) / float64(ops)
	}
	slices.Sort(ns)
	return timing{ns: ns[len(ns)/2], min: ns[0], max: ns[len(ns)-1], allocs: allocs}
}

// budgeted calls op(j) for j = 0, 1, ... until max calls or the budget is
// spent, and returns the mean time per call and the number of calls.
func budgeted(max int, budget time.Duration, op func(j int) error) (float64, int, error) {
	t0 := time.Now()
	j := 0
	for ; j < max; j++ {
		if err := op(j); err != nil {
			return 0, j, err
		}
		if time.Since(t0) > budget {
			j++
			break
		}
	}
	return float64(time.Since(t0).Nanoseconds()) / float64(j), j, nil
}

// heapAlloc returns the live heap after a full collection.
func heapAlloc() int64 {
	var ms runtime.MemStats
	runtime.GC()
	runtime.GC()
	runtime.ReadMemStats(&ms)
	return int64(ms.HeapAlloc)
}

// percentile returns the p-th percentile (0..100) of sorted durations.
func percentile(sorted []time.Duration, p float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	i := int(math.Ceil(p/100*float64(len(sorted)))) - 1
	return sorted[max(0, min(i, len(sorted)-1))]
}

// measureErr is measure for a run that can fail: after the first error,
// the remaining repetitions do nothing and the error is returned.
func measureErr(reps, ops int, setup func(), run func() error) (timing, error) {
	var err error
	t := measure(reps, ops, setup, func() {
		if err == nil {
			err = run()
		}
	})
	return t, err
}

// cpuTime returns the CPU time the process has used so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
