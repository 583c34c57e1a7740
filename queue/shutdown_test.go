package queue_test

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/instream/instream"
	"github.com/instream/instream/queue"
)

// pendingOf returns the pending record of id in the test group.
func pendingOf(t *testing.T, e *instream.Engine, id instream.ID) (instream.PendingEntry, bool) {
	t.Helper()
	ps, err := e.Pending("jobs", instream.PendingArgs{Group: "workers", Start: id, End: id})
	if err != nil {
		t.Fatal(err)
	}
	if len(ps) == 0 {
		return instream.PendingEntry{}, false
	}
	return ps[0], true
}

// Shutdown lets the running handler finish and gives back at once, with
// their delivery counts kept, the messages fetched and not started.
func TestRun_ShutdownDrains(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e, q := setup(t, queue.Options{Concurrency: 1, AckWait: 10 * time.Second})
		started := make(chan struct{}, 10)
		stop := start(t, q, func(ctx context.Context, m queue.Message) error {
			started <- struct{}{}
			time.Sleep(2 * time.Second)
			return nil
		})
		ids := publish(t, q, "a", "b", "c")
		<-started
		t0 := time.Now()
		if err := stop(); err != nil {
			t.Fatalf("Run = %v, want nil", err)
		}
		if d := time.Since(t0); d != 2*time.Second {
			t.Errorf("Run returned %v after its context ended, want 2s (the running handler)", d)
		}
		if _, ok := pendingOf(t, e, ids[0]); ok {
			t.Errorf("the finished job %v is still pending", ids[0])
		}
		for _, id := range ids[1:] {
			p, ok := pendingOf(t, e, id)
			if !ok || p.Deliveries != 0 || !p.Nacked {
				t.Errorf("given back %v: %+v, %v; want pending, nacked, 0 deliveries", id, p, ok)
			}
		}
		if s := stats(t, q); s.Acked != 1 || s.Released != 2 || s.InFlight != 0 {
			t.Errorf("Stats = %+v, want Acked 1, Released 2", s)
		}
		// The next Run gets them as first deliveries.
		var firsts atomic.Int64
		stop = start(t, q, func(ctx context.Context, m queue.Message) error {
			if m.Delivery == 1 {
				firsts.Add(1)
			}
			return nil
		})
		synctest.Wait()
		if err := stop(); err != nil {
			t.Fatal(err)
		}
		if firsts.Load() != 2 {
			t.Errorf("%d given-back jobs came back as first deliveries, want 2", firsts.Load())
		}
	})
}

// A handler still running at the shutdown deadline has its message given
// back and its context cancelled; Run waits for it and says so.
func TestRun_ShutdownTimeout(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e, q := setup(t, queue.Options{Concurrency: 1, ShutdownTimeout: 5 * time.Second})
		var handlerErr atomic.Value
		started := make(chan struct{})
		stop := start(t, q, func(ctx context.Context, m queue.Message) error {
			close(started)
			select {
			case <-time.After(time.Hour):
			case <-ctx.Done():
				handlerErr.Store(ctx.Err())
			}
			return errors.New("interrupted")
		})
		ids := publish(t, q, "slow")
		<-started
		t0 := time.Now()
		if err := stop(); !errors.Is(err, queue.ErrShutdownTimeout) {
			t.Errorf("Run = %v, want ErrShutdownTimeout", err)
		}
		if d := time.Since(t0); d != 5*time.Second {
			t.Errorf("Run returned after %v, want 5s", d)
		}
		if err, _ := handlerErr.Load().(error); !errors.Is(err, context.Canceled) {
			t.Errorf("handler's ctx.Err() = %v, want context.Canceled", err)
		}
		p, ok := pendingOf(t, e, ids[0])
		if !ok || p.Deliveries != 0 {
			t.Errorf("given back: %+v, %v; want pending with 0 deliveries", p, ok)
		}
		if s := stats(t, q); s.Released != 1 || s.Nacked != 0 {
			t.Errorf("Stats = %+v, want Released 1 and the late error dropped", s)
		}
	})
}

// A pool that dies holding a message loses it to another pool AckWait
// after its last lease renewal, and not before.
func TestRun_DeadWorker(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e := instream.New(instream.Options{})
		defer e.Close()
		opts := queue.Options{Stream: "jobs", Group: "workers", Concurrency: 1, AckWait: 3 * time.Second}
		k := newKillable(e)
		dying, err := queue.New(k, opts)
		if err != nil {
			t.Fatal(err)
		}
		l := newLog()
		var mu sync.Mutex
		var errs []error
		blocked := make(chan struct{})
		stopDying := start(t, dying, func(ctx context.Context, m queue.Message) error {
			l.add(m)
			<-blocked
			return nil
		})
		if _, err := dying.Publish(queue.PublishArgs{Fields: []instream.Field{{Name: "job", Value: "held"}}}); err != nil {
			t.Fatal(err)
		}
		synctest.Wait()
		time.Sleep(10 * time.Second) // renewed meanwhile
		k.kill()
		tKill := time.Now()
		opts.OnError = func(err error) { mu.Lock(); errs = append(errs, err); mu.Unlock() }
		healthy, err := queue.New(e, opts)
		if err != nil {
			t.Fatal(err)
		}
		stopHealthy := start(t, healthy, func(ctx context.Context, m queue.Message) error {
			l.add(m)
			return nil
		})
		time.Sleep(time.Minute)
		got := l.times("held")
		if len(got) != 2 {
			t.Fatalf("handled %d times, want 2 (before and after the death)", len(got))
		}
		if d := got[1].Sub(tKill); d <= 0 || d > 3*time.Second {
			t.Errorf("taken over %v after the death, want within AckWait (3s)", d)
		}
		if c := l.count["held"]; c[1] != 2 {
			t.Errorf("second Delivery = %d, want 2", c[1])
		}
		close(blocked)
		if err := stopDying(); !errors.Is(err, errKilled) {
			t.Errorf("dead pool's Run = %v, want errKilled", err)
		}
		if err := stopHealthy(); err != nil {
			t.Fatal(err)
		}
		if s := stats(t, healthy); s.Acked != 1 || s.Redelivered != 1 {
			t.Errorf("healthy Stats = %+v, want Acked 1, Redelivered 1", s)
		}
		if len(errs) != 0 {
			t.Errorf("healthy pool reported errors: %v", errs)
		}
	})
}

// Run ends with the backend: a closed engine's ErrClosed.
func TestRun_EngineClosed(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e, q := setup(t, queue.Options{Concurrency: 2})
		stop := start(t, q, func(ctx context.Context, m queue.Message) error { return nil })
		publish(t, q, "a")
		synctest.Wait()
		e.Close()
		if err := stop(); !errors.Is(err, instream.ErrClosed) {
			t.Errorf("Run on a closed engine = %v, want ErrClosed", err)
		}
	})
}

// On real time, outside a bubble: every goroutine Run started has ended
// when it returns, at most a second later.
func TestRun_NoGoroutineLeft(t *testing.T) {
	before := runtime.NumGoroutine()
	e := instream.New(instream.Options{})
	defer e.Close()
	q, err := queue.New(e, queue.Options{Stream: "jobs", Group: "workers", Concurrency: 8,
		AckWait: 30 * time.Millisecond, ShutdownTimeout: 50 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() {
		done <- q.Run(ctx, func(ctx context.Context, m queue.Message) error {
			select {
			case <-time.After(time.Duration(m.ID.Seq%20) * time.Millisecond):
			case <-ctx.Done():
			}
			if m.ID.Seq%3 == 0 {
				return errors.New("retry")
			}
			return nil
		})
	}()
	for i := range 200 {
		if _, err := q.Publish(queue.PublishArgs{Fields: []instream.Field{{Name: "n", Value: fmt.Sprint(i)}}}); err != nil {
			t.Fatal(err)
		}
	}
	time.Sleep(100 * time.Millisecond)
	cancel()
	if err := <-done; err != nil && !errors.Is(err, queue.ErrShutdownTimeout) {
		t.Fatalf("Run = %v", err)
	}
	deadline := time.Now().Add(time.Second)
	for runtime.NumGoroutine() > before {
		if time.Now().After(deadline) {
			buf := make([]byte, 1<<16)
			t.Fatalf("%d goroutines after Run returned, %d before:\n%s", runtime.NumGoroutine(), before, buf[:runtime.Stack(buf, true)])
		}
		time.Sleep(time.Millisecond)
	}
}
