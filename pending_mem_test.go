package instream_test

import (
	"fmt"
	"runtime"
	"testing"

	"github.com/instream/instream"
)

// liveHeap returns the live heap after full collections.
func liveHeap() int64 {
	var ms runtime.MemStats
	runtime.GC()
	runtime.GC()
	runtime.ReadMemStats(&ms)
	return int64(ms.HeapAlloc)
}

// BenchmarkPendingMemory reports the heap growth per pending entry when
// one consumer reads 1e5 entries through a group (COUNT 1000), and per
// consumer when 1e4 consumers are created: the figures bench's
// "compare -only pel" sets against Redis's used_memory. Run it with
// -benchtime=1x; each iteration builds its own engine.
func BenchmarkPendingMemory(b *testing.B) {
	const n, nc = 100_000, 10_000
	var perEntry, perConsumer float64
	for b.Loop() {
		b.StopTimer()
		e := instream.New(instream.Options{})
		for i := 1; i <= n; i++ {
			if _, err := e.Add("s", instream.AddArgs{ID: instream.ID{Ms: uint64(i)},
				Fields: fields("user", "u000001", "action", "click", "ts", "1700000000000")}); err != nil {
				b.Fatal(err)
			}
		}
		if err := e.CreateGroup("s", instream.GroupArgs{Group: "g"}); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		h0 := liveHeap()
		for read := 0; read < n; {
			res, err := e.TryReadGroup(instream.ReadGroupArgs{Group: "g", Consumer: "reader",
				Streams: []instream.GroupStream{{Key: "s"}}, Count: 1000})
			if err != nil || len(res) != 1 || len(res[0].Entries) == 0 {
				b.Fatalf("TryReadGroup after %d: %v, %v", read, res, err)
			}
			read += len(res[0].Entries)
		}
		h1 := liveHeap()
		for i := range nc {
			if _, err := e.CreateConsumer("s", instream.ConsumerArgs{Group: "g", Consumer: fmt.Sprintf("consumer-%06d", i)}); err != nil {
				b.Fatal(err)
			}
		}
		h2 := liveHeap()
		runtime.KeepAlive(e)
		e.Close()
		perEntry = float64(h1-h0) / n
		perConsumer = float64(h2-h1) / nc
	}
	b.ReportMetric(perEntry, "B/pending")
	b.ReportMetric(perConsumer, "B/consumer")
}
