package queue_test

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/instream/instream"
	"github.com/instream/instream/queue"
)

// gapped is a Backend whose claims fail while cut is set, as a network
// partition would make a pool's lease renewals fail, and which runs
// takeOver once, right after the next Pending call (another process's
// read landing between a pool's ownership check and the call that
// follows it) or, if a read comes first, before that read.
type gapped struct {
	queue.Backend
	cut      atomic.Bool
	takeOver atomic.Pointer[func()]
}

func (g *gapped) ReadGroup(ctx context.Context, args instream.ReadGroupArgs) ([]instream.GroupEntries, error) {
	if f := g.takeOver.Swap(nil); f != nil {
		(*f)()
	}
	return g.Backend.ReadGroup(ctx, args)
}

func (g *gapped) Claim(key string, args instream.ClaimArgs) ([]instream.GroupEntry, error) {
	if g.cut.Load() {
		return nil, errors.New("partitioned")
	}
	return g.Backend.Claim(key, args)
}

func (g *gapped) Pending(key string, args instream.PendingArgs) ([]instream.PendingEntry, error) {
	res, err := g.Backend.Pending(key, args)
	if f := g.takeOver.Swap(nil); f != nil {
		(*f)()
	}
	return res, err
}

// A pool whose lease renewals failed for longer than AckWait leaves its
// message alone when its handler fails or its shutdown gives the message
// back: another read may be taking it over at that moment, and a retry
// or give-back landing after that read would cut the new holder's lease
// short (XNACK and XCLAIM name no owner to check).
func TestRun_ExpiredLeaseLeftAlone(t *testing.T) {
	tests := []struct {
		name     string
		shutdown bool // give the message back at shutdown, else fail it
	}{
		{name: "retry"},
		{name: "give back", shutdown: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				e := instream.New(instream.Options{})
				defer e.Close()
				opts := queue.Options{Stream: "jobs", Group: "workers", Concurrency: 1, MaxInFlight: 1,
					AckWait: 3 * time.Second, BackOff: []time.Duration{0}, ShutdownTimeout: time.Second,
					OnError: func(error) {}}
				g := &gapped{Backend: e}
				a, err := queue.New(g, opts)
				if err != nil {
					t.Fatal(err)
				}
				finish := make(chan struct{})
				stopA := start(t, a, func(ctx context.Context, m queue.Message) error {
					<-finish
					return errors.New("boom")
				})
				ids := publish(t, a, "job")
				synctest.Wait()
				g.cut.Store(true)
				time.Sleep(5 * time.Second) // a's lease expires
				var took []instream.GroupEntries
				takeOver := func() {
					var err error
					took, err = e.ReadGroup(context.Background(), instream.ReadGroupArgs{
						Group: "workers", Consumer: "b", Streams: []instream.GroupStream{{Key: "jobs"}},
						Count: 1, Claim: true, MinIdle: opts.AckWait,
					})
					if err != nil {
						t.Errorf("b's read: %v", err)
					}
				}
				g.takeOver.Store(&takeOver)
				if tt.shutdown {
					done := make(chan error, 1)
					go func() { done <- stopA() }()
					time.Sleep(opts.ShutdownTimeout)
					synctest.Wait()
					close(finish)
					if err := <-done; !errors.Is(err, queue.ErrShutdownTimeout) {
						t.Errorf("a's Run = %v, want ErrShutdownTimeout", err)
					}
				} else {
					close(finish)
					synctest.Wait()
					if err := stopA(); err != nil {
						t.Errorf("a's Run = %v", err)
					}
				}
				// A pool that checked nothing, and made no read, after its
				// handler ended: b takes the message over now.
				if took == nil {
					takeOver()
				}
				if len(took) != 1 || len(took[0].Entries) != 1 {
					t.Fatalf("b's read: %+v, want the job", took)
				}
				p, ok := pendingOf(t, e, ids[0])
				if !ok || p.Consumer != "b" || p.Deliveries != 2 {
					t.Errorf("the job after a's %s: %+v, %v; want b's delivery 2", tt.name, p, ok)
				}
			})
		})
	}
}
