package instream_test

import (
	"testing"
	"time"
)

// BenchmarkEngine_Snapshot measures Snapshot on a stream of 1e6 shape-b
// entries with a group holding 10,000 pending entries: every call waits
// while it runs, so held-ms, the time from the cut to its return, is the
// longest any call can be held up by a rewrite's snapshot.
func BenchmarkEngine_Snapshot(b *testing.B) {
	e := newEngGroup(b, 1_000_000)
	for range 100 {
		engReadGroup(b, e, 100)
	}
	b.ReportAllocs()
	var held, worst time.Duration
	for b.Loop() {
		var cut time.Time
		if _, err := e.Snapshot(func() error { cut = time.Now(); return nil }); err != nil {
			b.Fatal(err)
		}
		d := time.Since(cut)
		held += d
		worst = max(worst, d)
	}
	b.ReportMetric(float64(held.Microseconds())/1000/float64(b.N), "held-ms")
	b.ReportMetric(float64(worst.Microseconds())/1000, "max-held-ms")
}
