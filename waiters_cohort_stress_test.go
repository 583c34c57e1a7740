package instream_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/instream/instream"
)

// Under real scheduling, readers of one stream that block, leave when
// their ctx ends, or panic in NotifyBlocked while an add comes, each end
// as they would alone: with the entry, or with ctx.Err() only if their
// ctx ended, and nothing stays registered. Readers share a ctx, have
// their own, or share one with the previous reader; their reads differ
// by count (so several cohorts, more than one chunk of wakes, and carried
// passes), and some read a second stream too.
func TestEngine_Read_cohortStress(t *testing.T) {
	rounds := 200
	if testing.Short() {
		rounds = 20
	}
	rng := rand.New(rand.NewPCG(3, 4))
	e := instream.New(instream.Options{})
	defer e.Close()
	var hist []instream.ID
	for round := range rounds {
		n := 1 + rng.IntN(400)
		parent, cancelParent := context.WithCancel(context.Background())
		var wg sync.WaitGroup
		errs := make(chan string, n)
		var ctx context.Context
		var cancel context.CancelFunc
		for i := range n {
			switch rng.IntN(3) {
			case 0:
				ctx, cancel = parent, cancelParent
			case 1:
				ctx, cancel = context.WithCancel(parent)
			default:
				if ctx == nil {
					ctx, cancel = context.WithCancel(parent)
				}
			}
			rctx, rcancel := ctx, cancel
			panics := rng.IntN(20) == 0
			if panics {
				delay := rng.IntN(30)
				rctx = instream.NotifyBlocked(rctx, func() {
					for range delay {
						runtime.Gosched()
					}
					panic("broke")
				})
			}
			cancelAfter := -1
			if rng.IntN(4) == 0 {
				cancelAfter = rng.IntN(50)
			}
			// Reads differ by their count.
			after := func() instream.ID {
				if len(hist) == 0 {
					return instream.ID{}
				}
				return hist[len(hist)-1]
			}()
			args := streams(instream.ReadStream{Key: "s", After: after})
			count := rng.IntN(3)
			if rng.IntN(8) == 0 {
				args = streams(instream.ReadStream{Key: "s", After: after}, instream.ReadStream{Key: "t", After: instream.MaxID})
			}
			args.Count = count
			wg.Add(1)
			go func() {
				defer wg.Done()
				if cancelAfter >= 0 {
					go func() {
						for range cancelAfter {
							runtime.Gosched()
						}
						rcancel()
					}()
				}
				defer func() {
					if p := recover(); p != nil && !panics {
						errs <- fmt.Sprintf("reader %d panicked: %v", i, p)
					}
				}()
				res, err := e.Read(rctx, args)
				switch {
				case err != nil && rctx.Err() == nil:
					errs <- fmt.Sprintf("reader %d: %v with its ctx live", i, err)
				case err != nil && err != rctx.Err():
					errs <- fmt.Sprintf("reader %d: %v, want its ctx's %v", i, err, rctx.Err())
				case err == nil && (len(res) != 1 || res[0].Key != "s" || len(res[0].Entries) != 1 || !after.Less(res[0].Entries[0].ID)):
					errs <- fmt.Sprintf("reader %d: %s, want one entry after %v", i, summary(res), after)
				}
			}()
		}
		want := rng.IntN(n + 1)
		for start := time.Now(); instream.Waiters(e, "s") < want && time.Since(start) < 20*time.Millisecond; {
			runtime.Gosched()
		}
		id, err := e.Add("s", instream.AddArgs{Fields: benchFields})
		if err != nil {
			t.Fatal(err)
		}
		hist = append(hist, id)
		done := make(chan struct{})
		go func() { wg.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(20 * time.Second):
			t.Fatalf("round %d: readers still blocked after the add; Waiters(s) = %d", round, instream.Waiters(e, "s"))
		}
		cancelParent()
		close(errs)
		for msg := range errs {
			t.Errorf("round %d (%d readers): %s", round, n, msg)
		}
		deadline := time.Now().Add(5 * time.Second)
		for instream.Waiters(e, "s") != 0 && time.Now().Before(deadline) {
			time.Sleep(time.Millisecond)
		}
		if got := instream.Waiters(e, "s"); got != 0 {
			t.Fatalf("round %d: Waiters(s) = %d, want 0", round, got)
		}
		checked(t, e)
	}
}
