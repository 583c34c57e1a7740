package instream

import (
	"runtime"
	"strconv"
	"sync/atomic"
	"testing"
	"time"
)

// BenchmarkEngine_LockHold measures, for Add from GOMAXPROCS goroutines
// on distinct streams or on one, how long a call waits for its stripe
// lock (wait-ns) and holds it (hold-ns), from one call in 16, less the
// cost of reading the clock. These are the inputs of the scaling model
// in bench/README.md: a stripe serves at most 1/hold adds a second, and
// wait shows how much of that the goroutines lose to each other.
func BenchmarkEngine_LockHold(b *testing.B) {
	for _, mode := range []string{"streams=distinct", "streams=one"} {
		b.Run(mode, func(b *testing.B) {
			e := New(Options{})
			defer e.Close()
			fs := []Field{{"user", "u000001"}, {"action", "click"}, {"ts", "1600000000000"}}
			trim := TrimArgs{Strategy: TrimMaxLen, MaxLen: 1_000, Approx: true}
			clock := clockCost()
			var next, waitNs, holdNs, samples atomic.Int64
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				key := "s"
				if mode == "streams=distinct" {
					key += strconv.FormatInt(next.Add(1), 10)
				}
				var wait, hold, n int64
				for i := 0; pb.Next(); i++ {
					args := AddArgs{Fields: fs, Trim: trim}
					if i%16 != 0 {
						if _, err := e.Add(key, args); err != nil {
							b.Error(err)
							return
						}
						continue
					}
					t0 := time.Now()
					t, err := e.beginKey(key)
					if err != nil {
						b.Error(err)
						return
					}
					t1 := time.Now()
					_, err = t.addOnce(key, &args)
					t2 := time.Now()
					t.end()
					if err != nil {
						b.Error(err)
						return
					}
					wait += int64(t1.Sub(t0)) - clock
					hold += int64(t2.Sub(t1)) - clock
					n++
				}
				waitNs.Add(wait)
				holdNs.Add(hold)
				samples.Add(n)
			})
			if n := samples.Load(); n > 0 {
				b.ReportMetric(float64(waitNs.Load())/float64(n), "wait-ns")
				b.ReportMetric(float64(holdNs.Load())/float64(n), "hold-ns")
			}
			b.ReportMetric(float64(runtime.GOMAXPROCS(0)), "procs")
		})
	}
}

// clockCost is the mean time between two readings of the clock, in ns.
func clockCost() int64 {
	const n = 1 << 16
	start := time.Now()
	var last time.Time
	for range n {
		last = time.Now()
	}
	return int64(last.Sub(start)) / n
}
