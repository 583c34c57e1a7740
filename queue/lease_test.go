package queue_test

import (
	"context"
	"errors"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/instream/instream"
	"github.com/instream/instream/queue"
)

// partitioned is a Backend whose claims fail while cut is set, as a
// network partition would make a pool's lease renewals fail.
type partitioned struct {
	queue.Backend
	cut atomic.Bool
}

func (p *partitioned) Claim(key string, args instream.ClaimArgs) ([]instream.GroupEntry, error) {
	if p.cut.Load() {
		return nil, errors.New("partitioned")
	}
	return p.Backend.Claim(key, args)
}

// A pool whose renewals fail loses a running message once its lease
// expires: another pool takes it over, the first pool finds out at its
// next renewal, and its handler's late failure leaves the new holder's
// delivery alone.
func TestRun_LeaseLost(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e := instream.New(instream.Options{})
		defer e.Close()
		opts := queue.Options{Stream: "jobs", Group: "workers", Concurrency: 1, AckWait: 3 * time.Second}
		pa := &partitioned{Backend: e}
		var errs atomic.Int64
		opts.OnError = func(error) { errs.Add(1) }
		opts.MaxInFlight = 1 // a reads nothing more while it holds the job
		a, err := queue.New(pa, opts)
		if err != nil {
			t.Fatal(err)
		}
		opts.OnError, opts.MaxInFlight = nil, 0
		b, err := queue.New(e, opts)
		if err != nil {
			t.Fatal(err)
		}
		release := make(chan struct{})
		stopA := start(t, a, func(ctx context.Context, m queue.Message) error {
			<-release
			return errors.New("too late")
		})
		ids := publish(t, a, "job")
		synctest.Wait()
		var secondMu sync.Mutex
		var second []int64
		deliveries := func() []int64 {
			secondMu.Lock()
			defer secondMu.Unlock()
			return slices.Clone(second)
		}
		stopB := start(t, b, func(ctx context.Context, m queue.Message) error {
			secondMu.Lock()
			second = append(second, m.Delivery)
			secondMu.Unlock()
			<-release
			return nil
		})
		time.Sleep(10 * time.Second)
		if len(deliveries()) != 0 {
			t.Fatalf("pool b got the job while a's lease was renewed")
		}
		pa.cut.Store(true)
		time.Sleep(5 * time.Second) // a's lease expires
		if got := deliveries(); len(got) != 1 || got[0] != 2 {
			t.Fatalf("pool b's deliveries after a's renewals failed: %v, want [2]", got)
		}
		pa.cut.Store(false)
		time.Sleep(2 * time.Second) // a's next renewal finds the job gone
		close(release)
		synctest.Wait()
		if err := stopA(); err != nil {
			t.Fatal(err)
		}
		if err := stopB(); err != nil {
			t.Fatal(err)
		}
		if s := stats(t, a); s.LeaseLost != 1 || s.Nacked != 0 || s.Acked != 0 || s.Errors == 0 || s.Errors != errs.Load() {
			t.Errorf("pool a: Stats = %+v (OnError calls %d), want LeaseLost 1, its failure dropped, errors reported", s, errs.Load())
		}
		if s := stats(t, b); s.Acked != 1 || s.Redelivered != 1 || s.Pending != 0 {
			t.Errorf("pool b: Stats = %+v, want Acked 1, Redelivered 1, nothing pending", s)
		}
		if _, ok := pendingOf(t, e, ids[0]); ok {
			t.Errorf("the job is still pending")
		}
	})
}
