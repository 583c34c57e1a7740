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

type groupResult struct {
	res []instream.GroupEntries
	err error
}

// goReadGroup starts a blocking ReadGroup as consumer c of group g.
func goReadGroup(ctx context.Context, e *instream.Engine, c string, count int, keys ...string) <-chan groupResult {
	args := instream.ReadGroupArgs{Group: "g", Consumer: c, Count: count}
	for _, k := range keys {
		args.Streams = append(args.Streams, instream.GroupStream{Key: k})
	}
	ch := make(chan groupResult, 1)
	go func() {
		res, err := e.ReadGroup(ctx, args)
		ch <- groupResult{res, err}
	}()
	return ch
}

// waitGroupRead is waitResult for ReadGroup calls; waiters_claim_test.go
// uses this name.
var waitGroupRead = waitResult[groupResult]

// groupSummary renders a group read as summary does.
func groupSummary(res []instream.GroupEntries) string {
	if res == nil {
		return summary(nil)
	}
	ses := make([]instream.StreamEntries, len(res))
	for i, ge := range res {
		ses[i].Key = ge.Key
		for _, en := range ge.Entries {
			ses[i].Entries = append(ses[i].Entries, en.Entry)
		}
	}
	return summary(ses)
}

// groupEngine returns an engine with stream s and group g reading new
// entries (IDs above 0-0 on an empty stream).
func groupEngine(t *testing.T) *instream.Engine {
	t.Helper()
	e := bubbleEngine(t)
	if err := e.CreateGroup("s", instream.GroupArgs{Group: "g", MkStream: true}); err != nil {
		t.Fatal(err)
	}
	return e
}

// pendingOwners returns the pending entries of g on key as "id:owner".
func pendingOwners(t *testing.T, e *instream.Engine, key string) string {
	t.Helper()
	ps, err := e.Pending(key, instream.PendingArgs{Group: "g", Start: instream.MinID, End: instream.MaxID, Count: 1000})
	if err != nil {
		t.Fatal(err)
	}
	s := ""
	for _, p := range ps {
		s += fmt.Sprintf("%v:%s ", p.ID, p.Consumer)
	}
	return s
}

// Group readers are served in the order they blocked; only the first
// gets the new entries and the others keep waiting, in their places.
func TestEngine_ReadGroup_fifo(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e := groupEngine(t)
		var chs []<-chan groupResult
		for _, c := range []string{"c1", "c2", "c3", "c4"} {
			chs = append(chs, goReadGroup(t.Context(), e, c, 0, "s"))
			synctest.Wait() // fixes the order of blocking
		}
		if n := instream.Waiters(e, "s"); n != 4 {
			t.Fatalf("Waiters(s) = %d, want 4", n)
		}
		rdAdd(t, e, "s", "1-0")
		synctest.Wait()
		if r := waitResult(t, chs[0]); r.err != nil || groupSummary(r.res) != "s:1-0" {
			t.Errorf("c1: ReadGroup = %s, %v, want s:1-0", groupSummary(r.res), r.err)
		}
		for i, ch := range chs[1:] {
			if !stillBlocked(ch) {
				t.Errorf("c%d returned, want it to keep waiting", i+2)
			}
		}
		// Two entries at once, no COUNT: the next in line takes both.
		if err := instream.AddAll(e, []string{"s", "s"}, instream.AddArgs{ID: id("2-0"), AutoSeq: true, Fields: fields("f", "v")}); err != nil {
			t.Fatal(err)
		}
		if r := waitResult(t, chs[1]); r.err != nil || groupSummary(r.res) != "s:2-0,2-1" {
			t.Errorf("c2: ReadGroup = %s, %v, want s:2-0,2-1", groupSummary(r.res), r.err)
		}
		if !stillBlocked(chs[2]) || !stillBlocked(chs[3]) {
			t.Fatal("c3 or c4 returned, want them to keep waiting")
		}
		rdAdd(t, e, "s", "3-0")
		if r := waitResult(t, chs[2]); r.err != nil || groupSummary(r.res) != "s:3-0" {
			t.Errorf("c3: ReadGroup = %s, %v, want s:3-0", groupSummary(r.res), r.err)
		}
		if got, want := pendingOwners(t, e, "s"), "1-0:c1 2-0:c2 2-1:c2 3-0:c3 "; got != want {
			t.Errorf("pending = %q, want %q", got, want)
		}
		if n := instream.Waiters(e, "s"); n != 1 {
			t.Errorf("Waiters(s) = %d, want 1", n)
		}
		checked(t, e)
	})
}

// With COUNT, what the first waiter leaves goes to the next ones in the
// same pass.
func TestEngine_ReadGroup_countSplits(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e := groupEngine(t)
		var chs []<-chan groupResult
		for _, c := range []string{"c1", "c2", "c3"} {
			chs = append(chs, goReadGroup(t.Context(), e, c, 1, "s"))
			synctest.Wait()
		}
		if err := instream.AddAll(e, []string{"s", "s"}, instream.AddArgs{ID: id("5-0"), AutoSeq: true, Fields: fields("f", "v")}); err != nil {
			t.Fatal(err)
		}
		for i, want := range []string{"s:5-0", "s:5-1"} {
			if r := waitResult(t, chs[i]); r.err != nil || groupSummary(r.res) != want {
				t.Errorf("c%d: ReadGroup = %s, %v, want %s", i+1, groupSummary(r.res), r.err, want)
			}
		}
		if !stillBlocked(chs[2]) {
			t.Error("c3 returned, want it to keep waiting")
		}
		checked(t, e)
	})
}

// A waiter on several streams is served from whichever gets entries.
func TestEngine_ReadGroup_multiStream(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e := groupEngine(t)
		if err := e.CreateGroup("t", instream.GroupArgs{Group: "g", MkStream: true}); err != nil {
			t.Fatal(err)
		}
		ch := goReadGroup(t.Context(), e, "c", 0, "s", "t")
		if !stillBlocked(ch) {
			t.Fatal("ReadGroup returned at once")
		}
		rdAdd(t, e, "t", "1-0")
		if r := waitResult(t, ch); r.err != nil || groupSummary(r.res) != "t:1-0" {
			t.Errorf("ReadGroup = %s, %v, want t:1-0", groupSummary(r.res), r.err)
		}
		if n := instream.Waiters(e, "s") + instream.Waiters(e, "t"); n != 0 {
			t.Errorf("waiters left: %d", n)
		}
		checked(t, e)
	})
}

// A read with a history stream never waits.
func TestEngine_ReadGroup_historyNeverBlocks(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e := groupEngine(t)
		res, err := e.ReadGroup(t.Context(), instream.ReadGroupArgs{Group: "g", Consumer: "c",
			Streams: []instream.GroupStream{{Key: "s", History: true}}})
		if err != nil || groupSummary(res) != "s:" {
			t.Errorf("ReadGroup(history) = %s, %v, want s: (empty)", groupSummary(res), err)
		}
		v, err := e.Do(t.Context(), "XREADGROUP", "GROUP", "g", "c", "BLOCK", "0", "STREAMS", "s", "0")
		if got := doReply(v, err); got != "[[s []]]" {
			t.Errorf("XREADGROUP BLOCK 0 ... 0 = %s, want [[s []]]", got)
		}
	})
}

// Deleting the stream or destroying the group ends the wait with
// ErrNoGroup.
func TestEngine_ReadGroup_noGroup(t *testing.T) {
	tests := []struct {
		name   string
		change func(e *instream.Engine) error
	}{
		{"destroy group", func(e *instream.Engine) error {
			ok, err := e.DestroyGroup("s", "g")
			if err == nil && !ok {
				err = errors.New("DestroyGroup: no group")
			}
			return err
		}},
		{"delete stream", func(e *instream.Engine) error { _, err := e.DeleteStreams("s"); return err }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				e := groupEngine(t)
				if err := e.CreateGroup("s", instream.GroupArgs{Group: "other"}); err != nil {
					t.Fatal(err)
				}
				ch1 := goReadGroup(t.Context(), e, "c1", 0, "s")
				ch2 := goReadGroup(t.Context(), e, "c2", 0, "s")
				dch := goDo(t.Context(), e, "XREADGROUP", "GROUP", "g", "c3", "BLOCK", "0", "STREAMS", "s", ">")
				och := goDo(t.Context(), e, "XREADGROUP", "GROUP", "other", "c", "BLOCK", "0", "STREAMS", "s", ">")
				if !stillBlocked(ch1) || !stillBlocked(dch) {
					t.Fatal("ReadGroup returned at once")
				}
				if err := tt.change(e); err != nil {
					t.Fatal(err)
				}
				for _, ch := range []<-chan groupResult{ch1, ch2} {
					if r := waitResult(t, ch); r.res != nil || !errors.Is(r.err, instream.ErrNoGroup) {
						t.Errorf("ReadGroup = %s, %v, want nil, ErrNoGroup", groupSummary(r.res), r.err)
					}
				}
				synctest.Wait()
				r := <-dch
				if got, want := doReply(r.v, r.err), "error: NOGROUP No such key 's' or consumer group 'g' in XREADGROUP with GROUP option"; got != want {
					t.Errorf("XREADGROUP BLOCK 0 = %s, want %s", got, want)
				}
				if tt.name == "destroy group" {
					// Readers of another group keep waiting.
					if !stillBlocked(och) {
						t.Error("reader of another group returned")
					}
				} else if r := <-och; r.err == nil {
					t.Errorf("reader of another group = %v, want NOGROUP", r.v)
				}
				checked(t, e)
			})
		})
	}
}

// Changes that make nothing new to the group do not serve its waiters;
// an entry that SETID made deliverable again is served on the next add.
func TestEngine_ReadGroup_notWoken(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e := groupEngine(t)
		rdAdd(t, e, "s", "1-0")
		rdAdd(t, e, "s", "2-0")
		if r, err := e.TryReadGroup(instream.ReadGroupArgs{Group: "g", Consumer: "c0", Streams: []instream.GroupStream{{Key: "s"}}}); err != nil || groupSummary(r) != "s:1-0,2-0" {
			t.Fatalf("TryReadGroup = %s, %v", groupSummary(r), err)
		}
		ch := goReadGroup(t.Context(), e, "c", 0, "s")
		if !stillBlocked(ch) {
			t.Fatal("ReadGroup returned at once")
		}
		changes := []struct {
			name string
			f    func() error
		}{
			{"ack", func() error { _, err := e.Ack("s", "g", id("1-0")); return err }},
			{"set group id", func() error { return e.SetGroupID("s", instream.GroupArgs{Group: "g", ID: id("1-0")}) }},
			{"create consumer", func() error {
				_, err := e.CreateConsumer("s", instream.ConsumerArgs{Group: "g", Consumer: "x"})
				return err
			}},
			{"delete consumer", func() error {
				_, err := e.DeleteConsumer("s", instream.ConsumerArgs{Group: "g", Consumer: "x"})
				return err
			}},
			{"claim", func() error {
				_, err := e.Claim("s", instream.ClaimArgs{Group: "g", Consumer: "y", IDs: []instream.ID{id("2-0")}})
				return err
			}},
			{"set id", func() error { return e.SetID("s", instream.SetIDArgs{LastID: id("9-0")}) }},
			{"delete entry", func() error { _, err := e.DeleteEntries("s", id("1-0")); return err }},
			{"create other group", func() error { return e.CreateGroup("s", instream.GroupArgs{Group: "h"}) }},
		}
		for _, c := range changes {
			if err := c.f(); err != nil {
				t.Fatalf("%s: %v", c.name, err)
			}
			if !stillBlocked(ch) {
				t.Fatalf("ReadGroup returned after %s", c.name)
			}
			checked(t, e)
		}
		rdAdd(t, e, "s", "10-0")
		// SETID moved the group back to 1-0: 2-0 is delivered again.
		if r := waitResult(t, ch); r.err != nil || groupSummary(r.res) != "s:2-0,10-0" {
			t.Errorf("ReadGroup = %s, %v, want s:2-0,10-0", groupSummary(r.res), r.err)
		}
		checked(t, e)
	})
}

// A waiter that stays behind keeps its original deadline.
func TestEngine_ReadGroup_deadline(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e := groupEngine(t)
		start := time.Now()
		first := goReadGroup(t.Context(), e, "c1", 0, "s")
		synctest.Wait()
		ctx, cancel := context.WithTimeout(t.Context(), time.Second)
		defer cancel()
		second := goReadGroup(ctx, e, "c2", 0, "s")
		time.Sleep(500 * time.Millisecond)
		rdAdd(t, e, "s", "1-0")
		if r := waitResult(t, first); groupSummary(r.res) != "s:1-0" {
			t.Errorf("c1: ReadGroup = %s, %v, want s:1-0", groupSummary(r.res), r.err)
		}
		r := <-second
		if r.res != nil || r.err != context.DeadlineExceeded {
			t.Errorf("c2: ReadGroup = %s, %v, want nil, context.DeadlineExceeded", groupSummary(r.res), r.err)
		}
		if d := time.Since(start); d != time.Second {
			t.Errorf("c2 returned after %v, want 1s", d)
		}
		if got := pendingOwners(t, e, "s"); got != "1-0:c1 " {
			t.Errorf("pending = %q, want only 1-0 for c1", got)
		}
		checked(t, e)
	})
}

func TestEngine_ReadGroup_cancel(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e := groupEngine(t)
		ctx, cancel := context.WithCancel(t.Context())
		ch := goReadGroup(ctx, e, "c1", 0, "s")
		later := goReadGroup(t.Context(), e, "c2", 0, "s")
		if !stillBlocked(ch) {
			t.Fatal("ReadGroup returned at once")
		}
		cancel()
		if r := waitResult(t, ch); r.res != nil || r.err != context.Canceled {
			t.Errorf("ReadGroup = %s, %v, want nil, context.Canceled", groupSummary(r.res), r.err)
		}
		if n := instream.Waiters(e, "s"); n != 1 {
			t.Errorf("Waiters(s) = %d, want 1", n)
		}
		checked(t, e)
		// The cancelled reader is gone: the next in line is served.
		rdAdd(t, e, "s", "1-0")
		if r := waitResult(t, later); groupSummary(r.res) != "s:1-0" {
			t.Errorf("c2: ReadGroup = %s, %v, want s:1-0", groupSummary(r.res), r.err)
		}
		// A done ctx on entry changes nothing, not even the consumer list.
		rdAdd(t, e, "s", "2-0")
		done, cancel2 := context.WithCancel(t.Context())
		cancel2()
		res, err := e.ReadGroup(done, instream.ReadGroupArgs{Group: "g", Consumer: "new", Streams: []instream.GroupStream{{Key: "s"}}})
		if res != nil || err != context.Canceled {
			t.Errorf("ReadGroup(done ctx) = %s, %v, want nil, context.Canceled", groupSummary(res), err)
		}
		cs, err := e.Consumers("s", "g")
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range cs {
			if c.Name == "new" {
				t.Error("ReadGroup with a done ctx created its consumer")
			}
		}
		checked(t, e)
	})
}

// A waiter served just as its ctx ends still returns its entries, which
// are already pending for it.
func TestEngine_ReadGroup_servedAsCtxEnds(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var onNow atomic.Pointer[func()]
		e := instream.New(instream.Options{Clock: funcClock(func() time.Time {
			if f := onNow.Load(); f != nil {
				(*f)()
			}
			return time.Now()
		})})
		defer e.Close()
		if err := e.CreateGroup("s", instream.GroupArgs{Group: "g", MkStream: true}); err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithCancel(t.Context())
		ch := goReadGroup(ctx, e, "c", 0, "s")
		if !stillBlocked(ch) {
			t.Fatal("ReadGroup returned at once")
		}
		// The add reads the clock under the lock before serving the
		// waiter: cancel the waiter's ctx right there.
		f := func() { cancel() }
		onNow.Store(&f)
		rdAdd(t, e, "s", "1-0")
		onNow.Store(nil)
		if r := waitResult(t, ch); r.err != nil || groupSummary(r.res) != "s:1-0" {
			t.Errorf("ReadGroup = %s, %v, want s:1-0", groupSummary(r.res), r.err)
		}
		if got := pendingOwners(t, e, "s"); got != "1-0:c " {
			t.Errorf("pending = %q, want 1-0:c", got)
		}
		checked(t, e)
	})
}

func TestEngine_ReadGroup_close(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e := groupEngine(t)
		ch := goReadGroup(t.Context(), e, "c", 0, "s")
		rch := goRead(t.Context(), e, streams(instream.ReadStream{Key: "s", New: true}))
		synctest.Wait()
		e.Close()
		if r := waitResult(t, ch); r.res != nil || !errors.Is(r.err, instream.ErrClosed) {
			t.Errorf("ReadGroup = %s, %v, want nil, ErrClosed", groupSummary(r.res), r.err)
		}
		if r := waitResult(t, rch); r.res != nil || !errors.Is(r.err, instream.ErrClosed) {
			t.Errorf("Read = %s, %v, want nil, ErrClosed", summary(r.res), r.err)
		}
		if _, err := e.ReadGroup(t.Context(), instream.ReadGroupArgs{Group: "g", Consumer: "c", Streams: []instream.GroupStream{{Key: "s"}}}); !errors.Is(err, instream.ErrClosed) {
			t.Errorf("ReadGroup after Close: %v, want ErrClosed", err)
		}
		checked(t, e)
	})
}

// XREAD and XREADGROUP waiters on one stream: the XREAD reader gets the
// entry too.
func TestEngine_ReadGroup_withXRead(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e := groupEngine(t)
		gch := goReadGroup(t.Context(), e, "c", 0, "s")
		rch := goRead(t.Context(), e, streams(instream.ReadStream{Key: "s", New: true}))
		synctest.Wait()
		rdAdd(t, e, "s", "1-0")
		if r := waitResult(t, gch); groupSummary(r.res) != "s:1-0" {
			t.Errorf("ReadGroup = %s, %v, want s:1-0", groupSummary(r.res), r.err)
		}
		if r := waitResult(t, rch); summary(r.res) != "s:1-0" {
			t.Errorf("Read = %s, %v, want s:1-0", summary(r.res), r.err)
		}
		checked(t, e)
	})
}

func TestDo_XReadGroup_block(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e := groupEngine(t)
		start := time.Now()
		r := <-goDo(t.Context(), e, "XREADGROUP", "GROUP", "g", "c", "BLOCK", "250", "STREAMS", "s", ">")
		if r.v != nil || r.err != nil {
			t.Errorf("XREADGROUP BLOCK 250 = %v, %v, want nil", r.v, r.err)
		}
		if d := time.Since(start); d != 250*time.Millisecond {
			t.Errorf("XREADGROUP BLOCK 250 returned after %v, want 250ms", d)
		}
		ch := goDo(t.Context(), e, "XREADGROUP", "GROUP", "g", "c", "COUNT", "1", "BLOCK", "0", "STREAMS", "s", ">")
		if !stillBlocked(ch) {
			t.Fatal("XREADGROUP BLOCK 0 returned at once")
		}
		rdAdd(t, e, "s", "1-0")
		synctest.Wait()
		r = <-ch
		if got := doReply(r.v, r.err); got != "[[s [[1-0 [f 1-0]]]]]" {
			t.Errorf("XREADGROUP BLOCK 0 = %s, want [[s [[1-0 [f 1-0]]]]]", got)
		}
		v, err := e.Do(t.Context(), "XREADGROUP", "GROUP", "g", "c", "BLOCK", "9223372036854775807", "STREAMS", "s", ">")
		if got := doReply(v, err); got != "error: ERR timeout is out of range" {
			t.Errorf("XREADGROUP BLOCK max = %s, want ERR timeout is out of range", got)
		}
		ctx, cancel := context.WithCancel(t.Context())
		ch = goDo(ctx, e, "XREADGROUP", "GROUP", "g", "c", "BLOCK", "0", "STREAMS", "s", ">")
		if !stillBlocked(ch) {
			t.Fatal("XREADGROUP BLOCK 0 returned at once")
		}
		cancel()
		if r := <-ch; r.v != nil || r.err != context.Canceled {
			t.Errorf("XREADGROUP cancelled = %v, %v, want nil, context.Canceled", r.v, r.err)
		}
		checked(t, e)
	})
}

// Several producers and a group of blocking consumers on one stream, with
// XREAD readers alongside: every entry is delivered by ">" exactly once
// and acknowledged once, every XREAD reader sees every entry in order,
// and no goroutine or waiter is left (synctest fails on a leftover).
func TestEngine_ReadGroup_stress(t *testing.T) {
	const producers, perProducer, consumers, readers = 4, 500, 6, 2
	const total = producers * perProducer
	synctest.Test(t, func(t *testing.T) {
		e := groupEngine(t)
		ctx, stop := context.WithCancel(t.Context())
		defer stop()
		var (
			mu        = make(chan struct{}, 1) // guards delivered
			delivered = make(map[instream.ID]string)
			acked     atomic.Int64
			failures  = make(chan string, 100)
		)
		fail := func(format string, args ...any) {
			select {
			case failures <- fmt.Sprintf(format, args...):
			default:
			}
		}
		done := make(chan struct{}, producers+consumers+readers)
		for p := range producers {
			go func() {
				defer func() { done <- struct{}{} }()
				for i := range perProducer {
					if _, err := e.Add("s", instream.AddArgs{Fields: fields("p", fmt.Sprint(p), "i", fmt.Sprint(i))}); err != nil {
						fail("Add: %v", err)
						return
					}
					if i%50 == 0 {
						time.Sleep(time.Millisecond)
					}
				}
			}()
		}
		for c := range consumers {
			name := fmt.Sprintf("c%d", c)
			go func() {
				defer func() { done <- struct{}{} }()
				for n := 0; ; n++ {
					rctx, cancel := ctx, context.CancelFunc(func() {})
					if n%7 == 3 {
						// Some calls give up early, exercising unregistration.
						rctx, cancel = context.WithTimeout(ctx, time.Microsecond)
					}
					res, err := e.ReadGroup(rctx, instream.ReadGroupArgs{Group: "g", Consumer: name, Count: 1 + n%5,
						Streams: []instream.GroupStream{{Key: "s"}}})
					cancel()
					if err != nil && ctx.Err() != nil {
						return
					}
					if err != nil && !errors.Is(err, context.DeadlineExceeded) {
						fail("ReadGroup: %v", err)
						return
					}
					for _, ge := range res {
						for _, en := range ge.Entries {
							mu <- struct{}{}
							if prev, ok := delivered[en.ID]; ok {
								fail("%v delivered to %s and %s", en.ID, prev, name)
							}
							delivered[en.ID] = name
							<-mu
							n, err := e.Ack("s", "g", en.ID)
							if err != nil || n != 1 {
								fail("Ack(%v) = %d, %v, want 1", en.ID, n, err)
							}
							if acked.Add(1) == total {
								stop()
							}
						}
					}
				}
			}()
		}
		for range readers {
			go func() {
				defer func() { done <- struct{}{} }()
				after, seen := instream.ID{}, 0
				for seen < total {
					res, err := e.Read(t.Context(), streams(instream.ReadStream{Key: "s", After: after}))
					if err != nil {
						fail("Read: %v", err)
						return
					}
					for _, en := range res[0].Entries {
						if !after.Less(en.ID) {
							fail("Read: %v after %v", en.ID, after)
						}
						after = en.ID
						seen++
					}
				}
			}()
		}
		for range producers + consumers + readers {
			<-done
		}
		close(failures)
		for f := range failures {
			t.Error(f)
		}
		if len(delivered) != total || acked.Load() != total {
			t.Errorf("delivered %d, acked %d, want %d", len(delivered), acked.Load(), total)
		}
		sum, err := e.PendingSummary("s", "g")
		if err != nil || sum.Count != 0 {
			t.Errorf("PendingSummary = %+v, %v, want nothing pending", sum, err)
		}
		if n := instream.Waiters(e, "s"); n != 0 {
			t.Errorf("Waiters(s) = %d, want 0", n)
		}
		checked(t, e)
	})
}

// A reader blocked on several streams sees the outcome of a whole DeleteStreams:
// the NOGROUP error names the first listed stream that is gone.
func TestEngine_ReadGroup_delMany(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e := groupEngine(t)
		if err := e.CreateGroup("t", instream.GroupArgs{Group: "g", MkStream: true}); err != nil {
			t.Fatal(err)
		}
		ch := goDo(t.Context(), e, "XREADGROUP", "GROUP", "g", "c", "BLOCK", "0", "STREAMS", "t", "s", ">", ">")
		if !stillBlocked(ch) {
			t.Fatal("XREADGROUP returned at once")
		}
		if n, err := e.DeleteStreams("s", "t"); n != 2 || err != nil {
			t.Fatalf("DeleteStreams = %d, %v", n, err)
		}
		synctest.Wait()
		r := <-ch
		if got, want := doReply(r.v, r.err), "error: NOGROUP No such key 't' or consumer group 'g' in XREADGROUP with GROUP option"; got != want {
			t.Errorf("XREADGROUP = %s, want %s", got, want)
		}
		checked(t, e)
	})
}

// A fan-out larger than one writer's share is carried on by the readers
// it served, and group readers queued behind are still served at once.
func TestEngine_Read_fanOutMany(t *testing.T) {
	const n = 1000
	synctest.Test(t, func(t *testing.T) {
		e := groupEngine(t)
		chs := make([]<-chan readResult, n)
		for i := range n {
			chs[i] = goRead(t.Context(), e, streams(instream.ReadStream{Key: "s", New: true}))
		}
		synctest.Wait()
		gch := goReadGroup(t.Context(), e, "c", 0, "s")
		synctest.Wait()
		if got := instream.Waiters(e, "s"); got != n+1 {
			t.Fatalf("Waiters(s) = %d, want %d", got, n+1)
		}
		rdAdd(t, e, "s", "1-0")
		synctest.Wait()
		for i, ch := range chs {
			if r := waitResult(t, ch); r.err != nil || summary(r.res) != "s:1-0" {
				t.Fatalf("reader %d: Read = %s, %v, want s:1-0", i, summary(r.res), r.err)
			}
		}
		if r := waitResult(t, gch); r.err != nil || groupSummary(r.res) != "s:1-0" {
			t.Errorf("ReadGroup = %s, %v, want s:1-0", groupSummary(r.res), r.err)
		}
		if got := instream.Waiters(e, "s"); got != 0 {
			t.Errorf("Waiters(s) = %d, want 0", got)
		}
		checked(t, e)
	})
}
