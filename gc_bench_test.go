package instream_test

import (
	"runtime"
	"slices"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/instream/instream"
)

// BenchmarkEngine_GCHeld measures what a large held stream costs the
// garbage collector: with 1e7 shape-b entries held, each op is one forced
// collection (runtime.GC) while another goroutine adds to that stream
// without pause. It reports the process CPU time of a cycle run alone,
// with the adder paused (gc-cpu-ms: marking and sweeping, on every CPU),
// the wall time of a cycle run beside the adder (gc-wall-ms), the longest
// stop-the-world pause, and the
// latency of the adds that ran during the cycles (add-gc-p50/p99/p999-ns)
// beside those that ran between them (add-p99-ns), so that the machine's
// own noise shows too. Loading takes a few seconds and about 300 MB:
//
//	go test -run '^$' -bench Engine_GCHeld -benchtime 5x .
func BenchmarkEngine_GCHeld(b *testing.B) {
	if testing.Short() {
		b.Skip("loads 1e7 entries")
	}
	const n = 10_000_000
	e := newEngBench(b)
	gcHeldLoad(b, e, n)
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)

	// The adder records each add's latency, tagged with whether a forced
	// cycle was running when it started; it waits while paused, so that
	// the GC's CPU time can be taken with nothing else running.
	var inGC, paused, stop atomic.Bool
	type sample struct {
		ns   int64
		inGC bool
	}
	samples := make([]sample, 0, 1<<22)
	done := make(chan struct{})
	pool := engFieldPool()
	paused.Store(true)
	go func() {
		defer close(done)
		for i := 0; !stop.Load(); i++ {
			if paused.Load() {
				time.Sleep(time.Millisecond)
				continue
			}
			g := inGC.Load()
			t0 := time.Now()
			if _, err := e.Add("s", instream.AddArgs{Fields: pool[i%len(pool)]}); err != nil {
				b.Error(err)
				return
			}
			if len(samples) < cap(samples) {
				samples = append(samples, sample{int64(time.Since(t0)), g && inGC.Load()})
			}
		}
	}()

	var gcCPU, gcWall time.Duration
	var maxPause uint64
	for b.Loop() {
		// A cycle alone: its CPU time is the process's.
		time.Sleep(5 * time.Millisecond) // the adder sees paused
		cpu0 := instream.CPUTime()
		runtime.GC()
		gcCPU += time.Duration(instream.CPUTime() - cpu0)
		// A cycle beside the adder, which also runs before it for the
		// baseline.
		paused.Store(false)
		time.Sleep(20 * time.Millisecond)
		inGC.Store(true)
		t0 := time.Now()
		runtime.GC()
		gcWall += time.Since(t0)
		inGC.Store(false)
		paused.Store(true)
	}
	stop.Store(true)
	<-done
	runtime.ReadMemStats(&after)
	for i := before.NumGC; i < after.NumGC && i-before.NumGC < 256; i++ {
		maxPause = max(maxPause, after.PauseNs[(i+255)%256])
	}

	var gc, other []int64
	for _, s := range samples {
		if s.inGC {
			gc = append(gc, s.ns)
		} else {
			other = append(other, s.ns)
		}
	}
	slices.Sort(gc)
	slices.Sort(other)
	pct := func(s []int64, p float64) float64 {
		if len(s) == 0 {
			return 0
		}
		return float64(s[min(int(float64(len(s))*p), len(s)-1)])
	}
	ops := float64(b.N)
	b.ReportMetric(gcCPU.Seconds()*1e3/ops, "gc-cpu-ms")
	b.ReportMetric(gcWall.Seconds()*1e3/ops, "gc-wall-ms")
	b.ReportMetric(float64(maxPause)/1e3, "pause-max-µs")
	b.ReportMetric(float64(before.HeapAlloc)/n, "heap-B/entry")
	b.ReportMetric(float64(len(gc))/ops, "adds-in-gc")
	b.ReportMetric(pct(gc, 0.5), "add-gc-p50-ns")
	b.ReportMetric(pct(gc, 0.99), "add-gc-p99-ns")
	b.ReportMetric(pct(gc, 0.999), "add-gc-p999-ns")
	b.ReportMetric(pct(other, 0.99), "add-p99-ns")
}

// gcHeldLoad adds n shape-b entries to "s", as engLoad does but reusing
// one field slice.
func gcHeldLoad(b *testing.B, e *instream.Engine, n int) {
	b.Helper()
	fields := make([]instream.Field, 3)
	var user []byte
	for i := range n {
		user = engPadded(append(user[:0], 'u'), uint64(i%1_000_000), 6)
		fields[0] = instream.Field{Name: "user", Value: string(user)}
		fields[1] = instream.Field{Name: "action", Value: engActions[i%len(engActions)]}
		fields[2] = instream.Field{Name: "ts", Value: strconv.FormatUint(1_600_000_000_000+uint64(i), 10)}
		if _, err := e.Add("s", instream.AddArgs{ID: engID(i), Fields: fields}); err != nil {
			b.Fatalf("Add(%v): %v", engID(i), err)
		}
	}
}
