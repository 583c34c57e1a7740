package instream_test

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/instream/instream"
)

// Readers blocked on one stream with the same read are served together
// (one cohort): each ends exactly as it would alone, whether the stream
// gets an entry, their ctxs end, the engine closes, or the entry comes
// just as the ctxs end. Readers share one ctx, have one each, or share
// one in runs of three; sizes on both sides of the number of readers a
// writer wakes itself.
func TestEngine_Read_cohort(t *testing.T) {
	type outcome struct {
		name string
		end  func(e *instream.Engine, cancel func(), onNow *atomic.Pointer[func()]) error
		want string // summary of each reader's result
		err  error
	}
	add := func(e *instream.Engine, _ func(), _ *atomic.Pointer[func()]) error {
		_, err := e.Add("s", instream.AddArgs{ID: instream.MustParseID("2-0"), Fields: benchFields})
		return err
	}
	outcomes := []outcome{
		{"add", add, "s:2-0", nil},
		{"cancel", func(_ *instream.Engine, cancel func(), _ *atomic.Pointer[func()]) error {
			cancel()
			return nil
		}, "nil", context.Canceled},
		{"close", func(e *instream.Engine, _ func(), _ *atomic.Pointer[func()]) error {
			return e.Close()
		}, "nil", instream.ErrClosed},
		// The add reads the clock under the lock before serving: the
		// ctxs end there, and the readers, served, still get the entry.
		{"servedAsCtxEnds", func(e *instream.Engine, cancel func(), onNow *atomic.Pointer[func()]) error {
			f := func() { cancel() }
			onNow.Store(&f)
			defer onNow.Store(nil)
			return add(e, cancel, onNow)
		}, "s:2-0", nil},
	}
	for _, run := range []int{0, 1, 3} { // readers per ctx; 0: all share one
		for _, n := range []int{1, 2, 64, 65, 200} {
			for _, o := range outcomes {
				t.Run(fmt.Sprintf("ctxRun=%d/readers=%d/%s", run, n, o.name), func(t *testing.T) {
					// A reader's select may see its ctx end and the
					// entry together; repeat so that both ways are taken.
					for range 4 {
						synctest.Test(t, func(t *testing.T) {
							var onNow atomic.Pointer[func()]
							e := instream.New(instream.Options{Clock: funcClock(func() time.Time {
								if f := onNow.Load(); f != nil {
									(*f)()
								}
								return time.Now()
							})})
							defer e.Close()
							rdAdd(t, e, "s", "1-0")
							ctxs, _, cancel := runCtxs(t.Context(), n, run)
							defer cancel()
							chs := make([]<-chan readResult, n)
							for i := range chs {
								chs[i] = goRead(ctxs[i], e, streams(instream.ReadStream{Key: "s", New: true}))
							}
							synctest.Wait()
							if got := instream.Waiters(e, "s"); got != n {
								t.Fatalf("Waiters(s) = %d, want %d", got, n)
							}
							if got := instream.Queued(e, "s"); got != 1 {
								t.Fatalf("Queued(s) = %d, want 1: the readers wait as one", got)
							}
							checked(t, e)
							if err := o.end(e, cancel, &onNow); err != nil {
								t.Fatal(err)
							}
							for i, ch := range chs {
								r := waitResult(t, ch)
								if summary(r.res) != o.want || !errors.Is(r.err, o.err) || (o.err == nil) != (r.err == nil) {
									t.Fatalf("reader %d: Read = %s, %v, want %s, %v", i, summary(r.res), r.err, o.want, o.err)
								}
							}
							if o.name != "close" {
								if got := instream.Waiters(e, "s"); got != 0 {
									t.Errorf("Waiters(s) = %d, want 0", got)
								}
								checked(t, e)
							}
						})
					}
				})
			}
		}
	}
}

// runCtxs returns n ctxs derived from parent: one shared by all if run is
// 0, else a new one every run readers. cancels[i] ends the ctx of reader
// i (and of the readers that share it); cancel ends them all.
func runCtxs(parent context.Context, n, run int) (ctxs []context.Context, cancels []context.CancelFunc, cancel func()) {
	ctxs = make([]context.Context, n)
	cancels = make([]context.CancelFunc, n)
	for i := range ctxs {
		if i == 0 || run > 0 && i%run == 0 {
			ctxs[i], cancels[i] = context.WithCancel(parent)
		} else {
			ctxs[i], cancels[i] = ctxs[i-1], cancels[i-1]
		}
	}
	return ctxs, cancels, func() {
		for _, c := range cancels {
			c()
		}
	}
}

// In a cohort of readers, ending some ctxs ends only the readers of those
// ctxs, whether they blocked first (the call that parked the cohort's
// waiter), last, or in between; the rest are served by the next add. Once
// all have left, nothing is left registered.
func TestEngine_Read_cohortLeave(t *testing.T) {
	for _, run := range []int{1, 3} {
		for _, n := range []int{2, 64, 65, 200} {
			leaves := []struct {
				name  string
				leave func(i int) bool
			}{
				{"first", func(i int) bool { return i == 0 }},
				{"second", func(i int) bool { return i == 1 }},
				{"last", func(i int) bool { return i == n-1 }},
				{"allButLast", func(i int) bool { return i < n-1 }},
				{"allButFirst", func(i int) bool { return i > 0 }},
				{"odd", func(i int) bool { return i%2 == 1 }},
				{"all", func(int) bool { return true }},
			}
			for _, lv := range leaves {
				t.Run(fmt.Sprintf("ctxRun=%d/readers=%d/%s", run, n, lv.name), func(t *testing.T) {
					synctest.Test(t, func(t *testing.T) {
						e := bubbleEngine(t)
						rdAdd(t, e, "s", "1-0")
						ctxs, cancels, cancelAll := runCtxs(t.Context(), n, run)
						defer cancelAll()
						chs := make([]<-chan readResult, n)
						for i := range chs {
							chs[i] = goRead(ctxs[i], e, streams(instream.ReadStream{Key: "s", After: instream.MustParseID("1-0")}))
							if i == 0 {
								synctest.Wait() // the first parks the waiter
							}
						}
						synctest.Wait()
						ended := make([]bool, n)
						for i := range n {
							if lv.leave(i) {
								cancels[i]()
							}
						}
						synctest.Wait()
						left := 0
						for i := range n {
							ended[i] = ctxs[i].Err() != nil
							if ended[i] {
								left++
								if r := waitResult(t, chs[i]); r.res != nil || r.err != context.Canceled {
									t.Errorf("reader %d, cancelled: Read = %s, %v, want nil, context.Canceled", i, summary(r.res), r.err)
								}
							}
						}
						if got := instream.Waiters(e, "s"); got != n-left {
							t.Errorf("Waiters(s) = %d after %d left, want %d", got, left, n-left)
						}
						checked(t, e)
						for i := range n {
							if !ended[i] && !stillBlocked(chs[i]) {
								t.Fatalf("reader %d returned when others left", i)
							}
						}
						rdAdd(t, e, "s", "2-0")
						for i := range n {
							if ended[i] {
								continue
							}
							if r := waitResult(t, chs[i]); summary(r.res) != "s:2-0" || r.err != nil {
								t.Errorf("reader %d: Read = %s, %v, want s:2-0", i, summary(r.res), r.err)
							}
						}
						if got := instream.Waiters(e, "s"); got != 0 {
							t.Errorf("Waiters(s) = %d, want 0", got)
						}
						checked(t, e)
					})
				})
			}
		}
	}
}

// Readers of one cohort each time out at their own deadline, whether
// they call Read with a ctx that has one or XREAD with BLOCK; the ones
// that block longer, or for ever, are served by the next add.
func TestEngine_Read_cohortDeadlines(t *testing.T) {
	for _, n := range []int{2, 65, 200} {
		t.Run(fmt.Sprintf("readers=%d", n), func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				e := bubbleEngine(t)
				rdAdd(t, e, "s", "1-0")
				// Reader i blocks for i%4 s (0: for ever), through Read if
				// i is even, else through XREAD.
				secs := func(i int) int { return i % 4 }
				chs := make([]<-chan string, n)
				for i := range chs {
					ch := make(chan string, 1)
					chs[i] = ch
					d := time.Duration(secs(i)) * time.Second
					if i%2 == 1 {
						go func() {
							ch <- formatReply(e.Do(t.Context(), "XREAD", "BLOCK", fmt.Sprint(d.Milliseconds()), "STREAMS", "s", "1-0"))
						}()
						continue
					}
					ctx, cancel := t.Context(), context.CancelFunc(func() {})
					if d > 0 {
						ctx, cancel = context.WithTimeout(ctx, d)
					}
					go func() {
						defer cancel()
						res, err := e.Read(ctx, streams(instream.ReadStream{Key: "s", After: instream.MustParseID("1-0")}))
						if err != nil {
							ch <- err.Error()
							return
						}
						ch <- summary(res)
					}()
				}
				synctest.Wait()
				if got := instream.Waiters(e, "s"); got != n {
					t.Fatalf("Waiters(s) = %d, want %d", got, n)
				}
				timedOut := func(i int) string {
					if i%2 == 1 {
						return "nil"
					}
					return context.DeadlineExceeded.Error()
				}
				waiting := n
				for s := 1; s <= 3; s++ {
					time.Sleep(time.Second)
					synctest.Wait()
					for i := range n {
						if secs(i) != s {
							continue
						}
						waiting--
						if got := waitResult(t, chs[i]); got != timedOut(i) {
							t.Errorf("after %d s, reader %d (BLOCK %d s): %s, want %s", s, i, secs(i), got, timedOut(i))
						}
					}
					if got := instream.Waiters(e, "s"); got != waiting {
						t.Errorf("after %d s: Waiters(s) = %d, want %d", s, got, waiting)
					}
					checked(t, e)
				}
				rdAdd(t, e, "s", "2-0")
				for i := range n {
					if secs(i) != 0 {
						continue
					}
					want := "s:2-0"
					if i%2 == 1 {
						want = "[[s [[2-0 [f 2-0]]]]]"
					}
					if got := waitResult(t, chs[i]); got != want {
						t.Errorf("reader %d: %s, want %s", i, got, want)
					}
				}
				if got := instream.Waiters(e, "s"); got != 0 {
					t.Errorf("Waiters(s) = %d, want 0", got)
				}
			})
		})
	}
}

// Readers on different ctxs wait together, but ending one ctx ends only
// its readers, in whatever order they blocked, and the others are served
// by the next add.
func TestEngine_Read_cohortOwnCtx(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e := bubbleEngine(t)
		rdAdd(t, e, "s", "1-0")
		ctxA, cancelA := context.WithCancel(t.Context())
		defer cancelA()
		ctxB, cancelB := context.WithCancel(t.Context())
		defer cancelB()
		// a a b b a b, then a on Background: runs of one ctx and
		// alternations both.
		ctxs := []context.Context{ctxA, ctxA, ctxB, ctxB, ctxA, ctxB, context.Background()}
		chs := make([]<-chan readResult, len(ctxs))
		for i, ctx := range ctxs {
			chs[i] = goRead(ctx, e, streams(instream.ReadStream{Key: "s", After: instream.MustParseID("1-0")}))
			synctest.Wait()
		}
		cancelA()
		synctest.Wait()
		if got := instream.Waiters(e, "s"); got != 4 {
			t.Errorf("Waiters(s) = %d after cancelling A, want 4", got)
		}
		checked(t, e)
		rdAdd(t, e, "s", "2-0")
		for i, ctx := range ctxs {
			r := waitResult(t, chs[i])
			want, wantErr := "s:2-0", error(nil)
			if ctx == ctxA {
				want, wantErr = "nil", context.Canceled
			}
			if summary(r.res) != want || r.err != wantErr {
				t.Errorf("reader %d: Read = %s, %v, want %s, %v", i, summary(r.res), r.err, want, wantErr)
			}
		}
		checked(t, e)
	})
}

// Readers of one stream that ask for different entries do not share a
// result; those in between that ask for the same do.
func TestEngine_Read_cohortDifferentReads(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e := bubbleEngine(t)
		rdAdd(t, e, "s", "1-0")
		rdAdd(t, e, "s", "2-0")
		id := instream.MustParseID
		const both, first = 2, 1
		readers := []struct {
			args instream.ReadArgs
			want int // of the two entries added next in one call, 0 for Last
		}{
			{streams(instream.ReadStream{Key: "s", After: id("2-0")}), both},
			{streams(instream.ReadStream{Key: "s", After: id("2-0")}), both},
			{instream.ReadArgs{Count: 1, Streams: []instream.ReadStream{{Key: "s", After: id("2-0")}}}, first},
			{instream.ReadArgs{MaxCount: 1, Streams: []instream.ReadStream{{Key: "s", After: id("2-0")}}}, first},
			{instream.ReadArgs{Count: 1, Streams: []instream.ReadStream{{Key: "s", After: id("2-0")}}}, first},
			{streams(instream.ReadStream{Key: "s", Last: true}, instream.ReadStream{Key: "t", Last: true}), 0},
			{streams(instream.ReadStream{Key: "s", After: id("2-0")}), both},
		}
		// Last is served at once; the rest block, in this order.
		chs := make([]<-chan readResult, len(readers))
		for i, r := range readers {
			chs[i] = goRead(t.Context(), e, r.args)
			synctest.Wait()
		}
		if got := instream.Waiters(e, "s"); got != len(readers)-1 {
			t.Errorf("Waiters(s) = %d, want %d", got, len(readers)-1)
		}
		if err := instream.AddAll(e, []string{"s", "s"}, instream.AddArgs{Fields: benchFields}); err != nil {
			t.Fatal(err)
		}
		all, err := e.Range("s", instream.MinID, instream.MaxID, 0)
		if err != nil || len(all) != 4 {
			t.Fatalf("Range = %d entries, %v, want 4", len(all), err)
		}
		for i, r := range readers {
			want := "s:2-0"
			switch r.want {
			case first:
				want = "s:" + all[2].ID.String()
			case both:
				want = "s:" + all[2].ID.String() + "," + all[3].ID.String()
			}
			got := waitResult(t, chs[i])
			if got.err != nil || summary(got.res) != want {
				t.Errorf("reader %d: Read = %s, %v, want %s", i, summary(got.res), got.err, want)
			}
		}
		checked(t, e)
	})
}

// When the readers a writer serves itself run out on a cohort, the rest
// of the pass is handed to it: readers queued behind it are served too,
// whether the cohort has few ctxs or many.
func TestEngine_Read_cohortCarries(t *testing.T) {
	for _, size := range []int{3, 100} {
		t.Run(fmt.Sprintf("cohort=%d", size), func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				e := bubbleEngine(t)
				rdAdd(t, e, "s", "1-0")
				after := instream.MustParseID("1-0")
				// 63 readers of distinct reads (their counts differ),
				// the cohort, then 10 more.
				var chs []<-chan readResult
				alone := func(count int) {
					chs = append(chs, goRead(t.Context(), e, instream.ReadArgs{Count: count,
						Streams: []instream.ReadStream{{Key: "s", After: after}}}))
					synctest.Wait()
				}
				for i := range 63 {
					alone(1000 + i)
				}
				for range size {
					ctx, cancel := context.WithCancel(t.Context())
					defer cancel()
					chs = append(chs, goRead(ctx, e, streams(instream.ReadStream{Key: "s", After: after})))
					synctest.Wait()
				}
				for i := range 10 {
					alone(2000 + i)
				}
				if got := instream.Queued(e, "s"); got != 63+1+10 {
					t.Fatalf("Queued(s) = %d, want %d", got, 63+1+10)
				}
				rdAdd(t, e, "s", "2-0")
				for i, ch := range chs {
					if r := waitResult(t, ch); summary(r.res) != "s:2-0" || r.err != nil {
						t.Errorf("reader %d: Read = %s, %v, want s:2-0", i, summary(r.res), r.err)
					}
				}
				if got := instream.Waiters(e, "s"); got != 0 {
					t.Errorf("Waiters(s) = %d, want 0", got)
				}
				checked(t, e)
			})
		})
	}
}
