// Package queuetest is a suite of behaviour tests for the queue package
// on any [queue.Backend]: the engine's own tests run it on an
// *instream.Engine, and the redisstreams module's on a real Redis server.
// It runs on real time, with leases of a fraction of a second; the
// queue's tests on a ManualClock (the chaos test) stay with the engine.
package queuetest

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/instream/instream"
	"github.com/instream/instream/queue"
)

// Open returns the backend for one test. The suite names its streams
// "{queuetest-N}" and "{queuetest-N}:dead", one hash tag per test, so a
// cluster can serve it; it does not delete them.
type Open func(t *testing.T) queue.Backend

// Run runs the suite, its tests in parallel.
func Run(t *testing.T, open Open) {
	for _, tc := range []struct {
		name string
		run  func(t *testing.T, b queue.Backend, o queue.Options)
	}{
		{"AckFlow", testAckFlow},
		{"RetryThenDeadLetter", testRetryDeadLetter},
		{"SkipRetry", testSkipRetry},
		{"RetryDelay", testRetryDelay},
		{"LeaseRenewed", testLeaseRenewed},
		{"ShutdownGivesBack", testShutdown},
		{"IdempotentPublish", testIdempotent},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			stream := fmt.Sprintf("{queuetest-%s-%d}", runID, seq.Add(1))
			tc.run(t, open(t), queue.Options{Stream: stream, Group: "workers", AckWait: time.Second,
				BackOff: []time.Duration{0}, ShutdownTimeout: 2 * time.Second})
		})
	}
}

var (
	seq   atomic.Int64
	runID = fmt.Sprint(time.Now().UnixNano() % 1e9)
)

func newQueue(t *testing.T, b queue.Backend, o queue.Options) *queue.Queue {
	t.Helper()
	q, err := queue.New(b, o)
	if err != nil {
		t.Fatal(err)
	}
	return q
}

func publish(t *testing.T, q *queue.Queue, n int) []instream.ID {
	t.Helper()
	ids := make([]instream.ID, n)
	for i := range ids {
		id, err := q.Publish(queue.PublishArgs{Fields: []instream.Field{{Name: "n", Value: fmt.Sprint(i)}}})
		if err != nil {
			t.Fatalf("Publish: %v", err)
		}
		ids[i] = id
	}
	return ids
}

// run starts q.Run and returns a function that stops it and returns its
// error.
func run(t *testing.T, q *queue.Queue, h queue.Handler) func() error {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- q.Run(ctx, h) }()
	var once sync.Once
	var err error
	stop := func() error {
		once.Do(func() {
			cancel()
			err = <-done
		})
		return err
	}
	t.Cleanup(func() { stop() })
	return stop
}

// waitFor polls cond for up to 10 s.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for end := time.Now().Add(10 * time.Second); time.Now().Before(end); time.Sleep(5 * time.Millisecond) {
		if cond() {
			return
		}
	}
	t.Fatalf("timed out waiting for %s", what)
}

// counters returns q's counters, and its group's state once Run created
// the group.
func counters(q *queue.Queue) queue.Stats {
	s, _ := q.Stats()
	return s
}

func stats(t *testing.T, q *queue.Queue) queue.Stats {
	t.Helper()
	s, err := q.Stats()
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func deadLetters(t *testing.T, b queue.Backend, o queue.Options) []queue.DeadLetter {
	t.Helper()
	s, ok := b.(interface {
		Range(key string, start, end instream.ID, count int) ([]instream.Entry, error)
	})
	if !ok {
		t.Skip("the backend cannot range over the dead-letter stream")
	}
	ens, err := s.Range(o.Stream+":dead", instream.MinID, instream.MaxID, 0)
	if err != nil {
		t.Fatal(err)
	}
	var out []queue.DeadLetter
	for _, en := range ens {
		dl, ok := queue.ParseDeadLetter(en)
		if !ok {
			t.Fatalf("dead-letter entry %v does not parse", en)
		}
		out = append(out, dl)
	}
	return out
}

func testAckFlow(t *testing.T, b queue.Backend, o queue.Options) {
	o.Concurrency = 4
	q := newQueue(t, b, o)
	ids := publish(t, q, 50)
	var mu sync.Mutex
	seen := map[instream.ID]int{}
	stop := run(t, q, func(ctx context.Context, m queue.Message) error {
		mu.Lock()
		seen[m.ID]++
		mu.Unlock()
		return nil
	})
	waitFor(t, "50 acks", func() bool { return counters(q).Acked == 50 })
	if err := stop(); err != nil {
		t.Errorf("Run = %v", err)
	}
	for _, id := range ids {
		if seen[id] != 1 {
			t.Errorf("%v handled %d times, want 1", id, seen[id])
		}
	}
	if s := stats(t, q); s.Pending != 0 || s.Delivered != 50 || s.InFlight != 0 {
		t.Errorf("Stats = %+v, want 50 delivered, none pending or in flight", s)
	}
}

func testRetryDeadLetter(t *testing.T, b queue.Backend, o queue.Options) {
	o.MaxDeliver = 3
	q := newQueue(t, b, o)
	ids := publish(t, q, 1)
	var calls atomic.Int64
	stop := run(t, q, func(ctx context.Context, m queue.Message) error {
		if calls.Add(1) != m.Delivery {
			t.Errorf("call %d has Delivery %d", calls.Load(), m.Delivery)
		}
		return errors.New("boom")
	})
	waitFor(t, "a dead letter", func() bool { return counters(q).DeadLettered == 1 })
	stop()
	dls := deadLetters(t, b, o)
	if len(dls) != 1 || dls[0].ID != ids[0] || dls[0].Deliveries != 3 || dls[0].Error != "boom" ||
		dls[0].Stream != o.Stream || dls[0].Group != o.Group {
		t.Errorf("dead letters = %+v, want %v with 3 deliveries and error boom", dls, ids[0])
	}
	if s := stats(t, q); s.Pending != 0 || s.Nacked != 2 || calls.Load() != 3 {
		t.Errorf("Stats = %+v after %d calls, want nothing pending, 2 retries, 3 calls", s, calls.Load())
	}
}

func testSkipRetry(t *testing.T, b queue.Backend, o queue.Options) {
	q := newQueue(t, b, o)
	ids := publish(t, q, 1)
	stop := run(t, q, func(ctx context.Context, m queue.Message) error {
		return fmt.Errorf("bad input: %w", queue.ErrSkipRetry)
	})
	waitFor(t, "a dead letter", func() bool { return counters(q).DeadLettered == 1 })
	stop()
	dls := deadLetters(t, b, o)
	if len(dls) != 1 || dls[0].ID != ids[0] || dls[0].Deliveries != 1 {
		t.Errorf("dead letters = %+v, want %v after 1 delivery", dls, ids[0])
	}
	if s := stats(t, q); s.Pending != 0 || s.Delivered != 1 {
		t.Errorf("Stats = %+v, want 1 delivery, nothing pending", s)
	}
}

func testRetryDelay(t *testing.T, b queue.Backend, o queue.Options) {
	q := newQueue(t, b, o)
	publish(t, q, 1)
	const delay = 300 * time.Millisecond // below AckWait: the delivery time is moved
	var first time.Time
	var gap atomic.Int64
	stop := run(t, q, func(ctx context.Context, m queue.Message) error {
		if m.Delivery == 1 {
			first = time.Now()
			return queue.RetryAfter(delay, errors.New("later"))
		}
		gap.Store(int64(time.Since(first)))
		return nil
	})
	waitFor(t, "the retry", func() bool { return counters(q).Acked == 1 })
	stop()
	if g := time.Duration(gap.Load()); g < delay-20*time.Millisecond {
		t.Errorf("retried after %v, want at least %v", g, delay)
	}
}

// A handler running for two and a half AckWaits keeps its message: a second pool
// polling the same group never gets it.
func testLeaseRenewed(t *testing.T, b queue.Backend, o queue.Options) {
	q := newQueue(t, b, o)
	publish(t, q, 1)
	var calls atomic.Int64
	h := func(ctx context.Context, m queue.Message) error {
		calls.Add(1)
		time.Sleep(5 * o.AckWait / 2)
		return nil
	}
	stop1 := run(t, q, h)
	waitFor(t, "the first call", func() bool { return calls.Load() == 1 })
	stop2 := run(t, q, h)
	waitFor(t, "the ack", func() bool { return counters(q).Acked == 1 })
	stop1()
	stop2()
	if n := calls.Load(); n != 1 {
		t.Errorf("handled %d times, want once", n)
	}
}

func testShutdown(t *testing.T, b queue.Backend, o queue.Options) {
	o.Concurrency = 1
	q := newQueue(t, b, o)
	publish(t, q, 3)
	started := make(chan struct{}, 3)
	stop := run(t, q, func(ctx context.Context, m queue.Message) error {
		started <- struct{}{}
		time.Sleep(100 * time.Millisecond)
		return nil
	})
	<-started
	waitFor(t, "all three fetched", func() bool { return counters(q).InFlight == 3 })
	if err := stop(); err != nil {
		t.Fatalf("Run = %v", err)
	}
	if s := stats(t, q); s.Acked != 1 || s.Released != 2 || s.Pending != 2 {
		t.Fatalf("Stats after shutdown = %+v, want 1 acked, 2 given back and pending", s)
	}
	// The next Run gets them at once, as first deliveries.
	var firsts atomic.Int64
	stop = run(t, q, func(ctx context.Context, m queue.Message) error {
		if m.Delivery == 1 {
			firsts.Add(1)
		}
		return nil
	})
	waitFor(t, "the given-back messages", func() bool { return counters(q).Acked == 3 })
	stop()
	if firsts.Load() != 2 {
		t.Errorf("%d of the given-back messages came as first deliveries, want 2", firsts.Load())
	}
}

func testIdempotent(t *testing.T, b queue.Backend, o queue.Options) {
	q := newQueue(t, b, o)
	args := queue.PublishArgs{Fields: []instream.Field{{Name: "f", Value: "v"}}, Producer: "p", IdempotencyID: "order-1"}
	first, err := q.Publish(args)
	if errors.Is(err, errors.ErrUnsupported) {
		t.Skipf("the backend lacks idempotent adds: %v", err)
	}
	if err != nil {
		t.Fatal(err)
	}
	again, err := q.Publish(args)
	if err != nil || again != first {
		t.Errorf("second Publish = %v, %v; want %v", again, err, first)
	}
}
