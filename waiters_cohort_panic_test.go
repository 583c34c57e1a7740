package instream_test

import (
	"context"
	"fmt"
	"testing"
	"testing/synctest"

	"github.com/instream/instream"
)

// A reader whose NotifyBlocked function panics, the panic recovered by
// its caller, stops waiting; the others of its cohort still end as they
// would have, served by the next add or ended by their ctx, however many
// they are and whichever of them panicked: the first (which parked the
// waiter), one that shares its ctx, the last, or all. Nothing is left
// waiting: a goroutine left behind fails the bubble.
func TestEngine_Read_cohortNotifyPanics(t *testing.T) {
	for _, own := range []bool{false, true} {
		for _, n := range []int{2, 65, 200} {
			panickers := []struct {
				name  string
				panic func(i int) bool
			}{
				{"first", func(i int) bool { return i == 0 }},
				{"second", func(i int) bool { return i == 1 }},
				{"last", func(i int) bool { return i == n-1 }},
				{"all", func(int) bool { return true }},
			}
			for _, p := range panickers {
				for _, outcome := range []string{"add", "cancel"} {
					name := fmt.Sprintf("ctx=%s/readers=%d/panics=%s/%s", ctxKind(own), n, p.name, outcome)
					t.Run(name, func(t *testing.T) {
						synctest.Test(t, func(t *testing.T) {
							testNotifyPanics(t, own, n, p.panic, outcome == "cancel")
						})
					})
				}
			}
		}
	}
}

func testNotifyPanics(t *testing.T, own bool, n int, panics func(int) bool, cancel bool) {
	e := bubbleEngine(t)
	rdAdd(t, e, "s", "1-0")
	// Not derived from t.Context, which ends with the bubble: a reader
	// left waiting would then go unnoticed. Cancelled by the cancel
	// outcome only.
	run := 0 // one ctx for all
	if own {
		run = 1
	}
	ctxs, _, cancelAll := runCtxs(context.Background(), n, run)
	release := make(chan struct{})
	const panicked = "panicked"
	chs := make([]chan string, n)
	for i := range chs {
		ctx := ctxs[i]
		if panics(i) {
			ctx = instream.NotifyBlocked(ctx, func() {
				<-release
				panic("NotifyBlocked's function broke")
			})
		}
		ch := make(chan string, 1)
		chs[i] = ch
		go func() {
			defer func() {
				if recover() != nil {
					ch <- panicked
				}
			}()
			res, err := e.Read(ctx, streams(instream.ReadStream{Key: "s", After: instream.MustParseID("1-0")}))
			ch <- fmt.Sprintf("%s, %v", summary(res), err)
		}()
		synctest.Wait() // in order: the first parks the waiter
	}
	if got := instream.Waiters(e, "s"); got != n {
		t.Fatalf("Waiters(s) = %d, want %d", got, n)
	}
	close(release)
	synctest.Wait()
	stay := n
	for i := range n {
		if panics(i) {
			stay--
			if got := waitResult(t, chs[i]); got != panicked {
				t.Errorf("reader %d: %s, want a panic", i, got)
			}
		}
	}
	if got := instream.Waiters(e, "s"); got != stay {
		t.Errorf("Waiters(s) = %d after the panics, want %d", got, stay)
	}
	checked(t, e)
	want := "s:2-0, <nil>"
	if cancel {
		cancelAll()
		want = "nil, context canceled"
	} else {
		rdAdd(t, e, "s", "2-0")
	}
	for i := range n {
		if panics(i) {
			continue
		}
		if got := waitResult(t, chs[i]); got != want {
			t.Errorf("reader %d: %s, want %s", i, got, want)
		}
	}
	if got := instream.Waiters(e, "s"); got != 0 {
		t.Errorf("Waiters(s) = %d, want 0", got)
	}
	checked(t, e)
}

// A blocking call whose NotifyBlocked function panics does not stay
// registered: a read of several streams or a group read that panicked is
// not served by the next add, which goes to the next reader instead.
func TestNotifyBlocked_panicUnregisters(t *testing.T) {
	for _, group := range []bool{false, true} {
		t.Run(fmt.Sprintf("group=%v", group), func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				e := bubbleEngine(t)
				if err := e.CreateGroup("s", instream.GroupArgs{Group: "g", MkStream: true}); err != nil {
					t.Fatal(err)
				}
				read := func(ctx context.Context, consumer string) (string, error) {
					if group {
						res, err := e.ReadGroup(ctx, instream.ReadGroupArgs{Group: "g", Consumer: consumer,
							Streams: []instream.GroupStream{{Key: "s"}}})
						if len(res) == 0 {
							return "nil", err
						}
						return fmt.Sprint(len(res[0].Entries)), err
					}
					res, err := e.Read(ctx, streams(instream.ReadStream{Key: "s"}, instream.ReadStream{Key: "t"}))
					return summary(res), err
				}
				broken := instream.NotifyBlocked(t.Context(), func() { panic("broke") })
				func() {
					defer func() {
						if recover() == nil {
							t.Error("the read did not panic")
						}
					}()
					read(broken, "a")
				}()
				if got := instream.Waiters(e, "s"); got != 0 {
					t.Fatalf("Waiters(s) = %d after the panic, want 0", got)
				}
				ch := make(chan string, 1)
				go func() {
					got, err := read(t.Context(), "b")
					ch <- fmt.Sprintf("%s, %v", got, err)
				}()
				synctest.Wait()
				if _, err := e.Add("s", instream.AddArgs{ID: instream.MustParseID("1-0"), Fields: benchFields}); err != nil {
					t.Fatal(err)
				}
				want := "s:1-0, <nil>"
				if group {
					want = "1, <nil>"
				}
				if got := waitResult(t, ch); got != want {
					t.Errorf("next reader: %s, want %s", got, want)
				}
				checked(t, e)
			})
		})
	}
}
