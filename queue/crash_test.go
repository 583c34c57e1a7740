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

var errCrashed = errors.New("process crashed")

// crashing is a backend whose process dies at its n-th call: that call
// is made or not (after), and every later call fails.
type crashing struct {
	queue.Backend
	mu    sync.Mutex
	left  int
	after bool
	calls []string
}

func (c *crashing) call(name string, f func() error) error {
	c.mu.Lock()
	if c.left == 0 {
		c.mu.Unlock()
		return errCrashed
	}
	c.left--
	last := c.left == 0
	c.calls = append(c.calls, name)
	c.mu.Unlock()
	if last && !c.after {
		return errCrashed
	}
	if err := f(); err != nil || last {
		return errors.Join(err, errCrashed)
	}
	return nil
}

func (c *crashing) ReadGroup(ctx context.Context, args instream.ReadGroupArgs) (res []instream.GroupEntries, err error) {
	err = c.call("ReadGroup", func() (err error) { res, err = c.Backend.ReadGroup(ctx, args); return err })
	return res, err
}

func (c *crashing) Ack(key, group string, ids ...instream.ID) (n int64, err error) {
	err = c.call("Ack", func() (err error) { n, err = c.Backend.Ack(key, group, ids...); return err })
	return n, err
}

func (c *crashing) Claim(key string, args instream.ClaimArgs) (res []instream.GroupEntry, err error) {
	err = c.call("Claim", func() (err error) { res, err = c.Backend.Claim(key, args); return err })
	return res, err
}

func (c *crashing) Pending(key string, args instream.PendingArgs) (res []instream.PendingEntry, err error) {
	err = c.call("Pending", func() (err error) { res, err = c.Backend.Pending(key, args); return err })
	return res, err
}

func (c *crashing) Nack(key string, args instream.NackArgs) (n int64, err error) {
	err = c.call("Nack", func() (err error) { n, err = c.Backend.Nack(key, args); return err })
	return n, err
}

func (c *crashing) AckAdd(key string, args instream.AckAddArgs) (id instream.ID, ok bool, err error) {
	err = c.call("AckAdd", func() (err error) { id, ok, err = c.Backend.AckAdd(key, args); return err })
	return id, ok, err
}

// A process that dies at any of its backend calls, before or after the
// call took effect, while it moves failing messages to the dead-letter
// stream, never leaves a message acknowledged without its dead letter,
// nor dead-lettered twice: the next process finishes the move.
func TestDeadLetter_CrashPoints(t *testing.T) {
	for n := 1; ; n++ {
		var made []string
		for _, after := range []bool{false, true} {
			name := fmt.Sprintf("crash at call %d, after=%v", n, after)
			synctest.Test(t, func(t *testing.T) {
				e, q := setup(t, queue.Options{Concurrency: 1})
				ids := publish(t, q, "a", "b")
				fail := func(ctx context.Context, m queue.Message) error {
					if m.ID == ids[0] {
						return fmt.Errorf("poison: %w", queue.ErrSkipRetry)
					}
					return errors.New("boom") // b: retried until MaxDeliver
				}
				o := queue.Options{Stream: "jobs", Group: "workers", Concurrency: 1, MaxDeliver: 2,
					AckWait: time.Second, BackOff: []time.Duration{0}}
				cb := &crashing{Backend: e, left: n, after: after}
				q1, err := queue.New(cb, o)
				if err != nil {
					t.Fatal(err)
				}
				ctx, cancel := context.WithCancel(t.Context())
				defer cancel()
				done := make(chan error, 1)
				go func() { done <- q1.Run(ctx, fail) }()
				select {
				case <-done:
				case <-time.After(time.Minute): // never crashed: it ran out of work
					cancel()
					<-done
				}
				made = cb.calls

				// The next process, after the dead one's leases expired.
				time.Sleep(2 * time.Second)
				q2, err := queue.New(e, o)
				if err != nil {
					t.Fatal(err)
				}
				ctx2, cancel2 := context.WithCancel(t.Context())
				done2 := make(chan error, 1)
				go func() { done2 <- q2.Run(ctx2, fail) }()
				time.Sleep(time.Minute)
				cancel2()
				if err := <-done2; err != nil {
					t.Fatalf("%s: second Run = %v", name, err)
				}
				if ps, err := e.Pending("jobs", instream.PendingArgs{Group: "workers"}); err != nil || len(ps) != 0 {
					t.Errorf("%s: pending %+v, %v; want none", name, ps, err)
				}
				dead, err := e.Range("jobs:dead", instream.MinID, instream.MaxID, 0)
				if err != nil {
					t.Fatal(err)
				}
				got := map[instream.ID]int{}
				for _, en := range dead {
					dl, ok := queue.ParseDeadLetter(en)
					if !ok {
						t.Fatalf("%s: %v does not parse", name, en)
					}
					got[dl.ID]++
				}
				if len(dead) != 2 || got[ids[0]] != 1 || got[ids[1]] != 1 {
					t.Errorf("%s: dead letters %v, want a and b once each (calls %v)", name, got, made)
				}
			})
		}
		if len(made) < n { // the first process never reached call n
			if n < 6 {
				t.Fatalf("only %d calls made: %v", len(made), made)
			}
			t.Logf("%d crash points; the calls: %v", 2*(n-1), made)
			return
		}
	}
}
