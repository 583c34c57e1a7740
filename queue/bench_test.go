package queue_test

import (
	"context"
	"encoding/binary"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/instream/instream"
	"github.com/instream/instream/queue"
)

// BenchmarkQueue_Flow measures publish → handler → ack with 4 handlers
// and 40-byte messages. mode=throughput publishes flat out from one
// goroutine (msgs/s; its latency includes the backlog); mode=latency
// publishes the next message once the last was handled (the latency of
// one message through an idle queue). The latency is from just before
// Publish to the handler's start.
func BenchmarkQueue_Flow(b *testing.B) {
	for _, mode := range []string{"throughput", "latency"} {
		b.Run("mode="+mode, func(b *testing.B) { benchFlow(b, mode == "latency") })
	}
}

func benchFlow(b *testing.B, oneByOne bool) {
	e := instream.New(instream.Options{})
	defer e.Close()
	q, err := queue.New(e, queue.Options{Stream: "jobs", Group: "workers", Concurrency: 4})
	if err != nil {
		b.Fatal(err)
	}
	epoch := time.Now()
	var mu sync.Mutex
	lat := make([]time.Duration, 0, b.N) // grown in the handlers, it would time the copying
	var handled atomic.Int64
	next := make(chan struct{}, 1)
	n := int64(0)
	allDone := make(chan struct{})
	h := func(ctx context.Context, m queue.Message) error {
		d := time.Since(epoch) - time.Duration(binary.LittleEndian.Uint64([]byte(m.Fields[0].Value)))
		mu.Lock()
		lat = append(lat, d)
		mu.Unlock()
		if handled.Add(1) == atomic.LoadInt64(&n) {
			close(allDone)
		}
		if oneByOne {
			next <- struct{}{}
		}
		return nil
	}
	ctx, cancel := context.WithCancel(context.Background())
	runErr := make(chan error, 1)
	go func() { runErr <- q.Run(ctx, h) }()
	// Warm up: create the group and start the pool.
	for {
		if _, err := e.Group("jobs", "workers"); err == nil {
			break
		}
		time.Sleep(time.Millisecond)
	}
	payload := make([]byte, 40)
	for i := range payload[8:] {
		payload[8+i] = 'x'
	}
	atomic.StoreInt64(&n, int64(b.N))
	b.ReportAllocs()
	b.ResetTimer()
	start := time.Now()
	for range b.N {
		binary.LittleEndian.PutUint64(payload, uint64(time.Since(epoch)))
		if _, err := q.Publish(queue.PublishArgs{Fields: []instream.Field{{Name: "m", Value: string(payload)}}}); err != nil {
			b.Fatal(err)
		}
		if oneByOne {
			<-next
		}
	}
	<-allDone
	elapsed := time.Since(start)
	b.StopTimer()
	cancel()
	if err := <-runErr; err != nil {
		b.Fatal(err)
	}
	s, err := q.Stats()
	if err != nil || s.Acked != int64(b.N) {
		b.Fatalf("Stats = %+v, %v; want %d acked", s, err, b.N)
	}
	slices.Sort(lat)
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "msgs/s")
	b.ReportMetric(float64(lat[len(lat)/2].Nanoseconds())/1e3, "p50-µs")
	b.ReportMetric(float64(lat[len(lat)*99/100].Nanoseconds())/1e3, "p99-µs")
}
