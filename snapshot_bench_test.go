package instream_test

import (
	"testing"
	"time"

	"github.com/instream/instream"
)

// BenchmarkEngine_Snapshot measures Snapshot on a stream of 1e6 shape-b
// entries with a group holding 10,000 pending entries: every call waits
// while it runs, so held-ms, the time from the cut to its return, is the
// longest any call can be held up by a rewrite's snapshot. After each
// snapshot, an Add and an Ack pay for sharing it (they copy what they
// change): first-write-us is their time, untimed in ns/op.
func BenchmarkEngine_Snapshot(b *testing.B) {
	e := newEngGroup(b, 1_000_000)
	var ids []instream.ID
	for range 100 {
		for _, en := range engReadGroup(b, e, 100) {
			ids = append(ids, en.ID)
		}
	}
	pool := engFieldPool()
	b.ReportAllocs()
	var held, worst, writes time.Duration
	for i := 0; b.Loop(); i++ {
		var cut time.Time
		if _, err := e.Snapshot(func() error { cut = time.Now(); return nil }); err != nil {
			b.Fatal(err)
		}
		d := time.Since(cut)
		held += d
		worst = max(worst, d)
		b.StopTimer()
		t0 := time.Now()
		if _, err := e.Add("s", instream.AddArgs{Fields: pool[i%len(pool)]}); err != nil {
			b.Fatal(err)
		}
		if _, err := e.Ack("s", "g", ids[i%len(ids)]); err != nil {
			b.Fatal(err)
		}
		writes += time.Since(t0)
		b.StartTimer()
	}
	b.ReportMetric(float64(held.Microseconds())/1000/float64(b.N), "held-ms")
	b.ReportMetric(float64(worst.Microseconds())/1000, "max-held-ms")
	b.ReportMetric(float64(writes.Nanoseconds())/1000/float64(b.N), "first-write-us")
}
