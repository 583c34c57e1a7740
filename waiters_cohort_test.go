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

// Readers blocked on one stream with the same read and the same ctx are
// served together (one cohort): each ends exactly as it would alone,
// whether the stream gets an entry, their ctx ends, the engine closes, or
// the entry comes just as the ctx ends. Sizes on both sides of the number
// of readers a writer wakes itself.
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
		// ctx ends there, and the readers, served, still get the entry.
		{"servedAsCtxEnds", func(e *instream.Engine, cancel func(), onNow *atomic.Pointer[func()]) error {
			f := func() { cancel() }
			onNow.Store(&f)
			defer onNow.Store(nil)
			return add(e, cancel, onNow)
		}, "s:2-0", nil},
	}
	for _, n := range []int{1, 2, 64, 65, 200} {
		for _, o := range outcomes {
			t.Run(fmt.Sprintf("readers=%d/%s", n, o.name), func(t *testing.T) {
				// The leader's select may see its ctx end and the entry
				// together; repeat so that both ways are taken.
				for range 8 {
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
						ctx, cancel := context.WithCancel(t.Context())
						defer cancel()
						chs := make([]<-chan readResult, n)
						for i := range chs {
							chs[i] = goRead(ctx, e, streams(instream.ReadStream{Key: "s", New: true}))
						}
						synctest.Wait()
						if got := instream.Waiters(e, "s"); got != n {
							t.Fatalf("Waiters(s) = %d, want %d", got, n)
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

// Readers on different ctxs do not wait together: ending one ctx ends
// only its readers, in whatever order they blocked, and the others are
// served by the next add.
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
