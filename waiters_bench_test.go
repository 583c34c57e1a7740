package instream_test

import (
	"context"
	"fmt"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/instream/instream"
)

var benchFields = []instream.Field{{Name: "f", Value: "v"}}

// waitForWaiters spins until n calls are blocked on key.
func waitForWaiters(e *instream.Engine, key string, n int) {
	for instream.Waiters(e, key) != n {
		runtime.Gosched()
	}
}

// percentile returns the p-th percentile of sorted durations.
func percentile(sorted []time.Duration, p float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	return sorted[min(int(float64(len(sorted))*p), len(sorted)-1)]
}

// BenchmarkEngine_WakeLatency measures the time from the start of an Add
// to the return of a Read blocked on that stream, in the reader.
func BenchmarkEngine_WakeLatency(b *testing.B) {
	e := instream.New(instream.Options{})
	defer e.Close()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var start atomic.Int64 // UnixNano of the Add the reader waits for
	lat := make(chan time.Duration, 1)
	go func() {
		after := instream.ID{}
		for {
			res, err := e.Read(ctx, instream.ReadArgs{Streams: []instream.ReadStream{{Key: "s", After: after}}})
			if err != nil {
				return
			}
			now := time.Now().UnixNano()
			after = res[0].Entries[len(res[0].Entries)-1].ID
			lat <- time.Duration(now - start.Load())
		}
	}()
	var all []time.Duration
	b.ReportAllocs()
	for b.Loop() {
		waitForWaiters(e, "s", 1)
		start.Store(time.Now().UnixNano())
		if _, err := e.Add("s", instream.AddArgs{Fields: benchFields}); err != nil {
			b.Fatal(err)
		}
		all = append(all, <-lat)
	}
	slices.Sort(all)
	b.ReportMetric(float64(percentile(all, 0.50).Nanoseconds()), "p50-ns")
	b.ReportMetric(float64(percentile(all, 0.99).Nanoseconds()), "p99-ns")
}

// BenchmarkEngine_FanOut measures waking n readers blocked on one stream
// with one Add: ns/op is the time until the last reader has its entry,
// cpu-ns the CPU time the process used meanwhile (steadier than ns/op on
// a loaded machine); add-ns is how long that Add took, and add2-ns how
// long a second Add (to another stream) took while the readers were
// waking. StartTimer stops the world just before the Add, which makes
// add-ns larger than an add pays; BenchmarkEngine_FanOutAdd times it alone.
// With ctx=shared the readers share one ctx; with ctx=own each has its
// own, derived from a shared parent, as a server's requests do.
func BenchmarkEngine_FanOut(b *testing.B) {
	for _, n := range []int{1, 100, 10_000} {
		for _, own := range []bool{false, true} {
			b.Run(fmt.Sprintf("readers=%s/ctx=%s", benchCount(n), ctxKind(own)), func(b *testing.B) {
				benchFanOut(b, n, own)
			})
		}
	}
}

func benchFanOut(b *testing.B, n int, own bool) {
	e := instream.New(instream.Options{})
	defer e.Close()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var woken atomic.Int64
	all := make(chan struct{}, 1)
	last := instream.ID{}
	// Each round starts n readers that read once and exit, so
	// that ns/op covers waking and returning only.
	start := func() {
		after := last
		for range n {
			rctx, rcancel := readerCtx(ctx, own)
			go func() {
				defer rcancel()
				if _, err := e.Read(rctx, instream.ReadArgs{Streams: []instream.ReadStream{{Key: "s", After: after}}}); err != nil {
					return
				}
				if woken.Add(1) == int64(n) {
					all <- struct{}{}
				}
			}()
		}
	}
	var adds, adds2 []time.Duration
	var cpu int64
	b.ReportAllocs()
	for b.Loop() {
		b.StopTimer()
		woken.Store(0)
		start()
		waitForWaiters(e, "s", n)
		b.StartTimer()
		c0 := instream.CPUTime()
		t0 := time.Now()
		id, err := e.Add("s", instream.AddArgs{Fields: benchFields})
		if err != nil {
			b.Fatal(err)
		}
		last = id
		t1 := time.Now()
		if _, err := e.Add("other", instream.AddArgs{Fields: benchFields, Trim: instream.TrimArgs{Strategy: instream.TrimMaxLen, MaxLen: 10}}); err != nil {
			b.Fatal(err)
		}
		t2 := time.Now()
		<-all
		cpu += instream.CPUTime() - c0
		adds = append(adds, t1.Sub(t0))
		adds2 = append(adds2, t2.Sub(t1))
	}
	slices.Sort(adds)
	slices.Sort(adds2)
	b.ReportMetric(float64(cpu)/float64(b.N), "cpu-ns")
	b.ReportMetric(float64(percentile(adds, 0.5).Nanoseconds()), "add-ns")
	b.ReportMetric(float64(percentile(adds2, 0.5).Nanoseconds()), "add2-ns")
	b.ReportMetric(float64(percentile(adds2, 0.99).Nanoseconds()), "add2-p99-ns")
}

// BenchmarkEngine_FanOutAdd measures the Add that wakes n readers blocked
// on one stream, timed alone (no timer stopped around it): ns/op is its
// mean, p50-ns and p99-ns its percentiles, and add2-ns the median of an
// Add to another stream right after, while the readers wake.
func BenchmarkEngine_FanOutAdd(b *testing.B) {
	for _, n := range []int{1, 100, 10_000} {
		for _, own := range []bool{false, true} {
			b.Run(fmt.Sprintf("readers=%s/ctx=%s", benchCount(n), ctxKind(own)), func(b *testing.B) {
				benchFanOutAdd(b, n, own)
			})
		}
	}
}

func benchFanOutAdd(b *testing.B, n int, own bool) {
	e := instream.New(instream.Options{})
	defer e.Close()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var woken sync.WaitGroup
	last := instream.ID{}
	var adds, adds2 []time.Duration
	var total time.Duration
	for b.Loop() {
		after := last
		woken.Add(n)
		for range n {
			rctx, rcancel := readerCtx(ctx, own)
			go func() {
				defer woken.Done()
				defer rcancel()
				e.Read(rctx, instream.ReadArgs{Streams: []instream.ReadStream{{Key: "s", After: after}}})
			}()
		}
		waitForWaiters(e, "s", n)
		t0 := time.Now()
		id, err := e.Add("s", instream.AddArgs{Fields: benchFields})
		if err != nil {
			b.Fatal(err)
		}
		t1 := time.Now()
		if _, err := e.Add("other", instream.AddArgs{Fields: benchFields, Trim: instream.TrimArgs{Strategy: instream.TrimMaxLen, MaxLen: 10}}); err != nil {
			b.Fatal(err)
		}
		t2 := time.Now()
		last = id
		woken.Wait()
		adds = append(adds, t1.Sub(t0))
		adds2 = append(adds2, t2.Sub(t1))
		total += t1.Sub(t0)
	}
	slices.Sort(adds)
	slices.Sort(adds2)
	b.ReportMetric(float64(total.Nanoseconds())/float64(b.N), "ns/op")
	b.ReportMetric(float64(percentile(adds, 0.5).Nanoseconds()), "p50-ns")
	b.ReportMetric(float64(percentile(adds, 0.99).Nanoseconds()), "p99-ns")
	b.ReportMetric(float64(percentile(adds2, 0.5).Nanoseconds()), "add2-ns")
}

// benchCount writes 1, 100 and 10000 as 1, 100 and 1e4.
func benchCount(n int) string {
	if n == 10_000 {
		return "1e4"
	}
	return fmt.Sprint(n)
}

// ctxKind names the readers' ctx in benchmark names.
func ctxKind(own bool) string {
	if own {
		return "own"
	}
	return "shared"
}

// readerCtx returns a reader's ctx: parent itself, or its own child.
func readerCtx(parent context.Context, own bool) (context.Context, context.CancelFunc) {
	if own {
		return context.WithCancel(parent)
	}
	return parent, func() {}
}
