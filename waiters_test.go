package instream_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/instream/instream"
)

// bubbleEngine returns an engine on time.Now, which inside a synctest
// bubble is the bubble's fake clock, so that idle times pass with it;
// the engine is closed when t ends.
func bubbleEngine(t testing.TB) *instream.Engine {
	t.Helper()
	e := instream.New(instream.Options{})
	t.Cleanup(func() { e.Close() })
	return e
}

type readResult struct {
	res []instream.StreamEntries
	err error
}

// goRead starts a blocking Read and returns where its result will come.
func goRead(ctx context.Context, e *instream.Engine, args instream.ReadArgs) <-chan readResult {
	ch := make(chan readResult, 1)
	go func() {
		res, err := e.Read(ctx, args)
		ch <- readResult{res, err}
	}()
	return ch
}

// stillBlocked waits until the bubble is idle and reports whether no
// result has come.
func stillBlocked[T any](ch <-chan T) bool {
	synctest.Wait()
	select {
	case <-ch:
		return false
	default:
		return true
	}
}

// waitResult waits until the bubble is idle and returns the blocked call's
// result; it fails the test if the call is still blocked.
func waitResult[T any](t *testing.T, ch <-chan T) T {
	t.Helper()
	synctest.Wait()
	select {
	case r := <-ch:
		return r
	default:
		t.Fatal("call still blocked")
		var zero T
		return zero
	}
}

func streams(rs ...instream.ReadStream) instream.ReadArgs {
	return instream.ReadArgs{Streams: rs}
}

func TestEngine_Read_wakesOnAdd(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e := bubbleEngine(t)
		start := time.Now()
		ch := goRead(t.Context(), e, streams(instream.ReadStream{Key: "s"}))
		if !stillBlocked(ch) {
			t.Fatal("Read on a missing stream returned at once")
		}
		if n := instream.Waiters(e, "s"); n != 1 {
			t.Errorf("Waiters(s) = %d, want 1", n)
		}
		checked(t, e)
		time.Sleep(time.Second)
		rdAdd(t, e, "s", "1-0")
		r := waitResult(t, ch)
		if r.err != nil || summary(r.res) != "s:1-0" {
			t.Errorf("Read = %s, %v, want s:1-0", summary(r.res), r.err)
		}
		if d := time.Since(start); d != time.Second {
			t.Errorf("Read returned after %v, want 1s", d)
		}
		if n := instream.Waiters(e, "s"); n != 0 {
			t.Errorf("Waiters(s) after the read = %d, want 0", n)
		}
		checked(t, e)
	})
}

// Every waiting reader whose threshold is below the new entry gets it;
// the others keep waiting.
func TestEngine_Read_fanOut(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e := bubbleEngine(t)
		rdAdd(t, e, "s", "1-0")
		id := instream.MustParseID
		readers := []struct {
			rs   instream.ReadStream
			want string // after adding 2-0; "" keeps waiting
		}{
			{instream.ReadStream{Key: "s", After: id("1-0")}, "s:2-0"},
			{instream.ReadStream{Key: "s", After: id("1-5")}, "s:2-0"},
			{instream.ReadStream{Key: "s", New: true}, "s:2-0"},
			{instream.ReadStream{Key: "s", Last: true}, ""}, // served at once: 1-0
			{instream.ReadStream{Key: "s", After: id("5-0")}, ""},
		}
		chs := make([]<-chan readResult, len(readers))
		for i, r := range readers {
			chs[i] = goRead(t.Context(), e, streams(r.rs))
		}
		synctest.Wait()
		if n := instream.Waiters(e, "s"); n != 4 {
			t.Errorf("Waiters(s) = %d, want 4", n)
		}
		if r := waitResult(t, chs[3]); summary(r.res) != "s:1-0" {
			t.Errorf("Read(Last) = %s, %v, want s:1-0", summary(r.res), r.err)
		}
		rdAdd(t, e, "s", "2-0")
		synctest.Wait()
		for i, r := range readers {
			if i == 3 {
				continue
			}
			if r.want == "" {
				if !stillBlocked(chs[i]) {
					t.Errorf("Read(%+v) returned, want it to keep waiting", r.rs)
				}
				continue
			}
			got := waitResult(t, chs[i])
			if got.err != nil || summary(got.res) != r.want {
				t.Errorf("Read(%+v) = %s, %v, want %s", r.rs, summary(got.res), got.err, r.want)
			}
		}
		if n := instream.Waiters(e, "s"); n != 1 {
			t.Errorf("Waiters(s) = %d, want 1", n)
		}
		checked(t, e)
		rdAdd(t, e, "s", "6-0")
		if got := waitResult(t, chs[4]); summary(got.res) != "s:6-0" {
			t.Errorf("Read(After 5-0) = %s, %v, want s:6-0", summary(got.res), got.err)
		}
		checked(t, e)
	})
}

// A woken read returns every listed stream that has entries, a repeated
// key once per occurrence.
func TestEngine_Read_multiStream(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e := bubbleEngine(t)
		rdAdd(t, e, "b", "1-0")
		ch := goRead(t.Context(), e, streams(
			instream.ReadStream{Key: "a", New: true},
			instream.ReadStream{Key: "b", New: true},
			instream.ReadStream{Key: "c", New: true},
			instream.ReadStream{Key: "a", New: true},
		))
		if !stillBlocked(ch) {
			t.Fatal("Read returned at once")
		}
		for _, k := range []string{"a", "b", "c"} {
			if n := instream.Waiters(e, k); n != 1 {
				t.Errorf("Waiters(%s) = %d, want 1", k, n)
			}
		}
		if err := instream.AddAll(e, []string{"a", "b"}, instream.AddArgs{Fields: []instream.Field{{Name: "f", Value: "v"}}}); err != nil {
			t.Fatal(err)
		}
		r := waitResult(t, ch)
		if r.err != nil || len(r.res) != 3 || r.res[0].Key != "a" || r.res[1].Key != "b" || r.res[2].Key != "a" {
			t.Fatalf("Read = %s, %v, want a, b and a", summary(r.res), r.err)
		}
		if len(r.res[1].Entries) != 1 || r.res[1].Entries[0].ID == instream.MustParseID("1-0") {
			t.Errorf("Read: stream b = %v, want only the new entry", r.res[1].Entries)
		}
		for _, k := range []string{"a", "b", "c"} {
			if n := instream.Waiters(e, k); n != 0 {
				t.Errorf("Waiters(%s) = %d, want 0", k, n)
			}
		}
		checked(t, e)
	})
}

// A blocked Last read returns only the newest entry of what arrived.
func TestEngine_Read_last(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e := bubbleEngine(t)
		ch := goRead(t.Context(), e, instream.ReadArgs{Streams: []instream.ReadStream{{Key: "s", Last: true}}, Count: 10})
		if !stillBlocked(ch) {
			t.Fatal("Read returned at once")
		}
		if err := instream.AddAll(e, []string{"s", "s"}, instream.AddArgs{Fields: []instream.Field{{Name: "f", Value: "v"}}}); err != nil {
			t.Fatal(err)
		}
		r := waitResult(t, ch)
		last, _ := e.RevRange("s", instream.MaxID, instream.MinID, 1)
		if r.err != nil || len(r.res) != 1 || len(r.res[0].Entries) != 1 || r.res[0].Entries[0].ID != last[0].ID {
			t.Errorf("Read = %s, %v, want only %v", summary(r.res), r.err, last[0].ID)
		}
	})
}

// Changes that add nothing readable do not end an XREAD wait: XDEL,
// XTRIM, XSETID, deleting the key, and an add trimmed away at once.
func TestEngine_Read_notWoken(t *testing.T) {
	id := instream.MustParseID
	tests := []struct {
		name   string
		change func(e *instream.Engine) error
	}{
		{"delete entry", func(e *instream.Engine) error { _, err := e.DeleteEntries("s", id("1-0")); return err }},
		{"trim", func(e *instream.Engine) error {
			_, err := e.Trim("s", instream.TrimArgs{Strategy: instream.TrimMaxLen})
			return err
		}},
		{"set id", func(e *instream.Engine) error { return e.SetID("s", instream.SetIDArgs{LastID: id("9-0")}) }},
		{"del key", func(e *instream.Engine) error { _, err := e.DeleteStreams("s"); return err }},
		{"add with maxlen 0", func(e *instream.Engine) error {
			_, err := e.Add("s", instream.AddArgs{Fields: []instream.Field{{Name: "f", Value: "v"}},
				Trim: instream.TrimArgs{Strategy: instream.TrimMaxLen, MaxLen: 0}})
			return err
		}},
		{"add to another stream", func(e *instream.Engine) error {
			_, err := e.Add("t", instream.AddArgs{Fields: []instream.Field{{Name: "f", Value: "v"}}})
			return err
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				e := bubbleEngine(t)
				rdAdd(t, e, "s", "1-0")
				ch := goRead(t.Context(), e, streams(instream.ReadStream{Key: "s", New: true}))
				if !stillBlocked(ch) {
					t.Fatal("Read returned at once")
				}
				if err := tt.change(e); err != nil {
					t.Fatal(err)
				}
				if !stillBlocked(ch) {
					t.Errorf("Read returned after %s, want it to keep waiting", tt.name)
				}
				if n := instream.Waiters(e, "s"); n != 1 {
					t.Errorf("Waiters(s) = %d, want 1", n)
				}
				checked(t, e)
			})
		})
	}
}

// A re-created stream wakes its XREAD waiters, which apply their old
// threshold.
func TestEngine_Read_recreated(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e := bubbleEngine(t)
		rdAdd(t, e, "s", "5-0")
		ch := goRead(t.Context(), e, streams(instream.ReadStream{Key: "s", New: true}))
		if !stillBlocked(ch) {
			t.Fatal("Read returned at once")
		}
		if _, err := e.DeleteStreams("s"); err != nil {
			t.Fatal(err)
		}
		rdAdd(t, e, "s", "3-0")
		if !stillBlocked(ch) {
			t.Fatal("Read returned an entry below its threshold")
		}
		rdAdd(t, e, "s", "6-0")
		if r := waitResult(t, ch); r.err != nil || summary(r.res) != "s:6-0" {
			t.Errorf("Read = %s, %v, want s:6-0", summary(r.res), r.err)
		}
		checked(t, e)
	})
}

func TestEngine_Read_cancel(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e := bubbleEngine(t)
		ctx, cancel := context.WithCancel(t.Context())
		ch := goRead(ctx, e, streams(instream.ReadStream{Key: "a"}, instream.ReadStream{Key: "b"}))
		if !stillBlocked(ch) {
			t.Fatal("Read returned at once")
		}
		cancel()
		r := waitResult(t, ch)
		if r.res != nil || r.err != context.Canceled {
			t.Errorf("Read = %s, %v, want nil, context.Canceled", summary(r.res), r.err)
		}
		if n := instream.Waiters(e, "a") + instream.Waiters(e, "b"); n != 0 {
			t.Errorf("waiters left after cancel: %d", n)
		}
		checked(t, e)
	})
}

func TestEngine_Read_deadline(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e := bubbleEngine(t)
		start := time.Now()
		ctx, cancel := context.WithTimeout(t.Context(), 1500*time.Millisecond)
		defer cancel()
		ch := goRead(ctx, e, streams(instream.ReadStream{Key: "s", After: instream.MustParseID("5-0")}))
		time.Sleep(time.Second)
		// Entries below the threshold wake the waiter, which goes back to
		// waiting with its original deadline.
		rdAdd(t, e, "s", "1-0")
		if !stillBlocked(ch) {
			t.Fatal("Read returned before its deadline")
		}
		r := <-ch
		if r.res != nil || r.err != context.DeadlineExceeded {
			t.Errorf("Read = %s, %v, want nil, context.DeadlineExceeded", summary(r.res), r.err)
		}
		if d := time.Since(start); d != 1500*time.Millisecond {
			t.Errorf("Read returned after %v, want 1.5s", d)
		}
		checked(t, e)
	})
}

func TestEngine_Read_close(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e := bubbleEngine(t)
		ch1 := goRead(t.Context(), e, streams(instream.ReadStream{Key: "s"}))
		ch2 := goRead(t.Context(), e, streams(instream.ReadStream{Key: "t", New: true}))
		synctest.Wait()
		e.Close()
		for _, ch := range []<-chan readResult{ch1, ch2} {
			if r := waitResult(t, ch); r.res != nil || !errors.Is(r.err, instream.ErrClosed) {
				t.Errorf("Read = %s, %v, want nil, ErrClosed", summary(r.res), r.err)
			}
		}
		checked(t, e)
	})
}

type doResult struct {
	v   any
	err error
}

func goDo(ctx context.Context, e *instream.Engine, args ...string) <-chan doResult {
	ch := make(chan doResult, 1)
	go func() {
		v, err := e.Do(ctx, args...)
		ch <- doResult{v, err}
	}()
	return ch
}

// A BLOCK timeout longer than a Duration holds (292 years) waits for
// ever, as Redis does, instead of overflowing into a short wait.
func TestDo_block_longTimeout(t *testing.T) {
	for _, cmd := range [][]string{
		{"XREAD", "BLOCK", "18446744073710", "STREAMS", "s", "$"},
		{"XREADGROUP", "GROUP", "g", "c", "BLOCK", "18446744073710", "STREAMS", "s", ">"},
		{"XREAD", "BLOCK", "9223372036854", "STREAMS", "s", "$"}, // the longest that fits
	} {
		t.Run(strings.Join(cmd, " "), func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				e := bubbleEngine(t)
				if _, err := e.Do(t.Context(), "XGROUP", "CREATE", "s", "g", "$", "MKSTREAM"); err != nil {
					t.Fatal(err)
				}
				ch := goDo(t.Context(), e, cmd...)
				time.Sleep(100 * 365 * 24 * time.Hour)
				if !stillBlocked(ch) {
					t.Fatalf("%v returned within a century", cmd)
				}
				rdAdd(t, e, "s", "1-0")
				r := waitResult(t, ch)
				if got := doReply(r.v, r.err); got != "[[s [[1-0 [f 1-0]]]]]" {
					t.Errorf("%v = %s, want [[s [[1-0 [f 1-0]]]]]", cmd, got)
				}
			})
		})
	}
}

func TestDo_XRead_block(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e := bubbleEngine(t)
		start := time.Now()
		// Timeout: a nil reply after exactly BLOCK ms.
		ch := goDo(t.Context(), e, "XREAD", "BLOCK", "100", "STREAMS", "s", "$")
		r := <-ch
		if r.v != nil || r.err != nil {
			t.Errorf("XREAD BLOCK 100 = %v, %v, want nil", r.v, r.err)
		}
		if d := time.Since(start); d != 100*time.Millisecond {
			t.Errorf("XREAD BLOCK 100 returned after %v, want 100ms", d)
		}
		// Woken by an add.
		ch = goDo(t.Context(), e, "XREAD", "BLOCK", "0", "STREAMS", "s", "$")
		if !stillBlocked(ch) {
			t.Fatal("XREAD BLOCK 0 returned at once")
		}
		time.Sleep(time.Hour)
		rdAdd(t, e, "s", "1-0")
		synctest.Wait()
		r = <-ch
		if got := doReply(r.v, r.err); got != "[[s [[1-0 [f 1-0]]]]]" {
			t.Errorf("XREAD BLOCK 0 = %s, want [[s [[1-0 [f 1-0]]]]]", got)
		}
		// The caller's ctx ends the wait with its own error.
		ctx, cancel := context.WithCancel(t.Context())
		ch = goDo(ctx, e, "XREAD", "BLOCK", "5000", "STREAMS", "s", "$")
		if !stillBlocked(ch) {
			t.Fatal("XREAD BLOCK 5000 returned at once")
		}
		cancel()
		if r := <-ch; r.v != nil || r.err != context.Canceled {
			t.Errorf("XREAD BLOCK 5000, cancelled = %v, %v, want nil, context.Canceled", r.v, r.err)
		}
		// "+" on a missing stream waits, then gives the newest entry only.
		ch = goDo(t.Context(), e, "XREAD", "BLOCK", "0", "STREAMS", "new", "+")
		if !stillBlocked(ch) {
			t.Fatal("XREAD BLOCK 0 + returned at once")
		}
		if err := instream.AddAll(e, []string{"new", "new"}, instream.AddArgs{ID: instream.MustParseID("7-0"), AutoSeq: true, Fields: []instream.Field{{Name: "a", Value: "b"}}}); err != nil {
			t.Fatal(err)
		}
		synctest.Wait()
		r = <-ch
		if got := doReply(r.v, r.err); got != "[[new [[7-1 [a b]]]]]" {
			t.Errorf("XREAD BLOCK 0 STREAMS new + = %s, want [[new [[7-1 [a b]]]]]", got)
		}
		e.Close()
		if v, err := e.Do(t.Context(), "XREAD", "BLOCK", "0", "STREAMS", "s", "$"); v != nil || !errors.Is(err, instream.ErrClosed) {
			t.Errorf("XREAD after Close = %v, %v, want ErrClosed", v, err)
		}
		checked(t, e)
	})
}
