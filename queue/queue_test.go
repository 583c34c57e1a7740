package queue_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/instream/instream"
	"github.com/instream/instream/queue"
)

// setup returns an engine and a queue on it, with opts's Stream and Group
// defaulting to "jobs" and "workers".
func setup(t *testing.T, opts queue.Options) (*instream.Engine, *queue.Queue) {
	t.Helper()
	e := instream.New(instream.Options{Clock: opts.Clock})
	t.Cleanup(func() { e.Close() })
	if opts.Stream == "" {
		opts.Stream = "jobs"
	}
	if opts.Group == "" {
		opts.Group = "workers"
	}
	q, err := queue.New(e, opts)
	if err != nil {
		t.Fatal(err)
	}
	return e, q
}

func publish(t *testing.T, q *queue.Queue, jobs ...string) []instream.ID {
	t.Helper()
	var ids []instream.ID
	for _, j := range jobs {
		id, err := q.Publish(queue.PublishArgs{Fields: []instream.Field{{Name: "job", Value: j}}})
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, id)
	}
	return ids
}

// start runs q in the background and returns a function that stops it
// and returns Run's error.
func start(t *testing.T, q *queue.Queue, h queue.Handler) (stop func() error) {
	t.Helper()
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() { done <- q.Run(ctx, h) }()
	return func() error {
		cancel()
		return <-done
	}
}

func stats(t *testing.T, q *queue.Queue) queue.Stats {
	t.Helper()
	s, err := q.Stats()
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// log records handler calls: when each delivery of each job started.
type calls struct {
	mu    sync.Mutex
	calls map[string][]time.Time
	count map[string][]int64
}

func newLog() *calls {
	return &calls{calls: map[string][]time.Time{}, count: map[string][]int64{}}
}

func (l *calls) add(m queue.Message) string {
	job, _ := m.Get("job")
	l.mu.Lock()
	defer l.mu.Unlock()
	l.calls[job] = append(l.calls[job], time.Now())
	l.count[job] = append(l.count[job], m.Delivery)
	return job
}

func (l *calls) times(job string) []time.Time {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]time.Time(nil), l.calls[job]...)
}

func TestRun_AckAndStats(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		_, q := setup(t, queue.Options{Concurrency: 3})
		l := newLog()
		stop := start(t, q, func(ctx context.Context, m queue.Message) error {
			l.add(m)
			return nil
		})
		publish(t, q, "a", "b", "c", "d", "e")
		synctest.Wait()
		if err := stop(); err != nil {
			t.Fatalf("Run = %v, want nil", err)
		}
		for _, j := range []string{"a", "b", "c", "d", "e"} {
			if n := len(l.times(j)); n != 1 {
				t.Errorf("job %s handled %d times, want 1", j, n)
			}
		}
		got := stats(t, q)
		want := queue.Stats{Delivered: 5, Acked: 5, LagKnown: true}
		if got != want {
			t.Errorf("Stats = %+v, want %+v", got, want)
		}
	})
}

func TestRun_LagAndInFlight(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		_, q := setup(t, queue.Options{Concurrency: 2, MaxInFlight: 4})
		release := make(chan struct{})
		stop := start(t, q, func(ctx context.Context, m queue.Message) error {
			<-release
			return nil
		})
		publish(t, q, "1", "2", "3", "4", "5", "6", "7", "8", "9", "10")
		synctest.Wait()
		got := stats(t, q)
		if got.InFlight != 4 || got.Pending != 4 || got.Lag != 6 || !got.LagKnown {
			t.Errorf("with 2 handlers blocked and MaxInFlight 4: Stats = %+v, want InFlight 4, Pending 4, Lag 6", got)
		}
		close(release)
		synctest.Wait()
		if err := stop(); err != nil {
			t.Fatal(err)
		}
		got = stats(t, q)
		if got.Acked != 10 || got.Pending != 0 || got.Lag != 0 || got.InFlight != 0 {
			t.Errorf("after release: Stats = %+v, want Acked 10 and nothing pending", got)
		}
	})
}

// A handler that runs far longer than AckWait keeps its message: a
// second pool never gets it.
func TestRun_LeaseRenewal(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		_, q := setup(t, queue.Options{AckWait: 3 * time.Second, Concurrency: 1})
		l := newLog()
		h := func(ctx context.Context, m queue.Message) error {
			l.add(m)
			time.Sleep(time.Minute)
			return nil
		}
		stop1 := start(t, q, h)
		publish(t, q, "long")
		synctest.Wait()
		stop2 := start(t, q, h)
		time.Sleep(2 * time.Minute)
		if err := stop1(); err != nil {
			t.Fatal(err)
		}
		if err := stop2(); err != nil {
			t.Fatal(err)
		}
		if n := len(l.times("long")); n != 1 {
			t.Errorf("a job of 1 min with AckWait 3s was handled %d times, want 1", n)
		}
		if got := stats(t, q); got.Acked != 1 || got.LeaseLost != 0 || got.Redelivered != 0 {
			t.Errorf("Stats = %+v, want Acked 1, nothing lost or redelivered", got)
		}
	})
}

func TestRun_RetryBackOff(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		_, q := setup(t, queue.Options{AckWait: 10 * time.Second, Concurrency: 1,
			BackOff: []time.Duration{time.Second, 5 * time.Second, 30 * time.Second}})
		l := newLog()
		stop := start(t, q, func(ctx context.Context, m queue.Message) error {
			l.add(m)
			if m.Delivery < 4 {
				return errors.New("not yet")
			}
			return nil
		})
		t0 := time.Now()
		publish(t, q, "flaky")
		time.Sleep(time.Hour)
		if err := stop(); err != nil {
			t.Fatal(err)
		}
		// 30 s > AckWait: the pool keeps that retry and sets it due on time.
		want := []time.Duration{0, time.Second, 6 * time.Second, 36 * time.Second}
		got := l.times("flaky")
		if len(got) != len(want) {
			t.Fatalf("handled %d times, want %d", len(got), len(want))
		}
		for i := range got {
			// Delivery times are whole milliseconds, as in Redis.
			if d := got[i].Sub(t0); d < want[i] || d >= want[i]+time.Millisecond {
				t.Errorf("delivery %d at +%v, want +%v (to the ms)", i+1, d, want[i])
			}
		}
		if c := l.count["flaky"]; fmt.Sprint(c) != "[1 2 3 4]" {
			t.Errorf("Delivery numbers %v, want [1 2 3 4]", c)
		}
		if s := stats(t, q); s.Nacked != 3 || s.Acked != 1 || s.Redelivered != 3 {
			t.Errorf("Stats = %+v, want Nacked 3, Acked 1, Redelivered 3", s)
		}
	})
}

func TestRun_RetryAfter(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		_, q := setup(t, queue.Options{AckWait: 30 * time.Second, Concurrency: 1})
		l := newLog()
		stop := start(t, q, func(ctx context.Context, m queue.Message) error {
			l.add(m)
			if m.Delivery == 1 {
				return queue.RetryAfter(10*time.Minute, nil)
			}
			return nil
		})
		t0 := time.Now()
		publish(t, q, "later")
		time.Sleep(time.Hour)
		if err := stop(); err != nil {
			t.Fatal(err)
		}
		got := l.times("later")
		if len(got) != 2 || got[1].Sub(t0) < 10*time.Minute || got[1].Sub(t0) >= 10*time.Minute+time.Millisecond {
			t.Errorf("deliveries at %v after publish, want 0 and 10m", got)
		}
	})
}

func TestRun_DeadLetter(t *testing.T) {
	tests := []struct {
		name       string
		err        error
		deliveries int64
		text       string
	}{
		{"max deliveries", errors.New("boom"), 3, "boom"},
		{"skip retry", fmt.Errorf("bad input: %w", queue.ErrSkipRetry), 1, "bad input: skip retry"},
		{"panic", nil, 3, "handler panicked: oops"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				e, q := setup(t, queue.Options{MaxDeliver: 3, BackOff: []time.Duration{time.Second}})
				stop := start(t, q, func(ctx context.Context, m queue.Message) error {
					if tt.err == nil {
						panic("oops")
					}
					return tt.err
				})
				ids := publish(t, q, "poison")
				time.Sleep(time.Minute)
				if err := stop(); err != nil {
					t.Fatal(err)
				}
				dead, err := e.Range("jobs:dead", instream.MinID, instream.MaxID, 0)
				if err != nil || len(dead) != 1 {
					t.Fatalf("dead-letter stream: %v, %v; want one entry", dead, err)
				}
				dl, ok := queue.ParseDeadLetter(dead[0])
				want := queue.DeadLetter{Stream: "jobs", Group: "workers", ID: ids[0],
					Fields: []instream.Field{{Name: "job", Value: "poison"}}, Deliveries: tt.deliveries, Error: tt.text}
				if !ok || fmt.Sprint(dl) != fmt.Sprint(want) {
					t.Errorf("ParseDeadLetter = %+v, %v; want %+v", dl, ok, want)
				}
				if s := stats(t, q); s.DeadLettered != 1 || s.Pending != 0 || s.Acked != 0 {
					t.Errorf("Stats = %+v, want DeadLettered 1, nothing pending", s)
				}
			})
		})
	}
}

func TestPublish_Idempotent(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e, q := setup(t, queue.Options{})
		args := queue.PublishArgs{Fields: []instream.Field{{Name: "job", Value: "x"}}, Producer: "api", IdempotencyID: "req-1"}
		a, err := q.Publish(args)
		if err != nil {
			t.Fatal(err)
		}
		b, err := q.Publish(args)
		if err != nil || b != a {
			t.Errorf("second Publish = %v, %v; want %v (the first message)", b, err, a)
		}
		if n, _ := e.Len("jobs"); n != 1 {
			t.Errorf("Len = %d, want 1", n)
		}
		_, err = q.Publish(queue.PublishArgs{Fields: args.Fields, Producer: "api"})
		if !errors.Is(err, instream.ErrInvalidArgument) {
			t.Errorf("Publish with Producer only = %v, want ErrInvalidArgument", err)
		}
	})
}

func TestNew_Invalid(t *testing.T) {
	e := instream.New(instream.Options{})
	defer e.Close()
	tests := []struct {
		name string
		opts queue.Options
	}{
		{"no stream", queue.Options{Group: "g"}},
		{"no group", queue.Options{Stream: "s"}},
		{"negative concurrency", queue.Options{Stream: "s", Group: "g", Concurrency: -1}},
		{"negative in flight", queue.Options{Stream: "s", Group: "g", MaxInFlight: -1}},
		{"tiny ack wait", queue.Options{Stream: "s", Group: "g", AckWait: time.Millisecond}},
		{"negative backoff", queue.Options{Stream: "s", Group: "g", BackOff: []time.Duration{-1}}},
		{"negative shutdown", queue.Options{Stream: "s", Group: "g", ShutdownTimeout: -1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := queue.New(e, tt.opts); !errors.Is(err, instream.ErrInvalidArgument) {
				t.Errorf("New(%+v) = %v, want ErrInvalidArgument", tt.opts, err)
			}
		})
	}
	if _, err := queue.New(nil, queue.Options{Stream: "s", Group: "g"}); !errors.Is(err, instream.ErrInvalidArgument) {
		t.Errorf("New(nil) = %v, want ErrInvalidArgument", err)
	}
}
