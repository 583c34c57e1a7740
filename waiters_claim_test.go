package instream_test

import (
	"context"
	"testing"
	"testing/synctest"
	"time"

	"github.com/instream/instream"
)

// goClaimRead starts a blocking ReadGroup with CLAIM min-idle on stream s.
func goClaimRead(ctx context.Context, e *instream.Engine, c string, minIdle time.Duration) <-chan groupResult {
	args := instream.ReadGroupArgs{Group: "g", Consumer: c, Claim: true, MinIdle: minIdle,
		Streams: []instream.GroupStream{{Key: "s"}}}
	ch := make(chan groupResult, 1)
	go func() {
		res, err := e.ReadGroup(ctx, args)
		ch <- groupResult{res, err}
	}()
	return ch
}

// claimSummary renders a claim read as "id/idle-ms/count ...".
func claimSummary(r groupResult) string {
	if r.err != nil {
		return "error " + r.err.Error()
	}
	if r.res == nil {
		return "nil"
	}
	s := ""
	for _, ge := range r.res {
		for _, en := range ge.Entries {
			s += en.ID.String() + "/" + en.Idle.String() + "/" + string(rune('0'+en.Deliveries)) + " "
		}
	}
	return s
}

// Two blocked CLAIM readers (spec §8.4): the first takes the new entry;
// the second gets it by claiming once it has been idle long enough.
func TestEngine_ReadGroup_claimTwoReaders(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e := groupEngine(t)
		start := time.Now()
		ch1 := goClaimRead(t.Context(), e, "c1", 100*time.Millisecond)
		synctest.Wait()
		ch2 := goClaimRead(t.Context(), e, "c2", 100*time.Millisecond)
		synctest.Wait()
		time.Sleep(10 * time.Millisecond)
		rdAdd(t, e, "s", "1-0")
		if got := claimSummary(waitGroupRead(t, ch1)); got != "1-0/0s/0 " {
			t.Errorf("c1 got %s, want the new entry 1-0/0s/0", got)
		}
		if !stillBlocked(ch2) {
			t.Fatal("c2 returned at once, want it to wait for 1-0 to become idle")
		}
		time.Sleep(99 * time.Millisecond)
		synctest.Wait()
		if !stillBlocked(ch2) {
			t.Fatal("c2 returned before 1-0 was idle for 100ms")
		}
		time.Sleep(time.Millisecond)
		if got := claimSummary(waitGroupRead(t, ch2)); got != "1-0/100ms/1 " {
			t.Errorf("c2 got %s, want 1-0 claimed after 100ms idle, count 1", got)
		}
		if got := time.Since(start); got != 110*time.Millisecond {
			t.Errorf("c2 served after %v, want 110ms", got)
		}
		if got, want := pendingOwners(t, e, "s"), "1-0:c2 "; got != want {
			t.Errorf("pending = %q, want %q", got, want)
		}
		check(t, e)
	})
}

// A blocked CLAIM read wakes at once on XADD even if nothing is idle
// enough, wakes when a pending entry made by a non-blocking read becomes
// idle, and times out with nothing when nothing does.
func TestEngine_ReadGroup_claimWakeups(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e := groupEngine(t)
		rdAdd(t, e, "s", "1-0")
		if _, err := e.TryReadGroup(instream.ReadGroupArgs{Group: "g", Consumer: "a", Streams: []instream.GroupStream{{Key: "s"}}}); err != nil {
			t.Fatal(err)
		}
		// Pending 1-0 becomes claimable in 1s; a new entry comes first.
		ch := goClaimRead(t.Context(), e, "b", time.Second)
		synctest.Wait()
		time.Sleep(10 * time.Millisecond)
		rdAdd(t, e, "s", "2-0")
		if got := claimSummary(waitGroupRead(t, ch)); got != "2-0/0s/0 " {
			t.Errorf("after XADD got %s, want 2-0/0s/0", got)
		}
		// Now 1-0 (delivered at 0) is due at 1s.
		ch = goClaimRead(t.Context(), e, "b", time.Second)
		time.Sleep(989 * time.Millisecond)
		synctest.Wait()
		if !stillBlocked(ch) {
			t.Fatal("returned before 1-0 was idle for 1s")
		}
		time.Sleep(time.Millisecond)
		if got := claimSummary(waitGroupRead(t, ch)); got != "1-0/1s/1 " {
			t.Errorf("got %s, want 1-0/1s/1", got)
		}
		// Nothing pending: a new pending entry made while waiting arms
		// the timer.
		if _, err := e.Ack("s", "g", id("1-0"), id("2-0")); err != nil {
			t.Fatal(err)
		}
		ch = goClaimRead(t.Context(), e, "b", 50*time.Millisecond)
		synctest.Wait()
		if _, err := e.Claim("s", instream.ClaimArgs{Group: "g", Consumer: "z", IDs: []instream.ID{id("2-0")}, Force: true, Idle: 30 * time.Millisecond}); err != nil {
			t.Fatal(err)
		}
		time.Sleep(19 * time.Millisecond)
		synctest.Wait()
		if !stillBlocked(ch) {
			t.Fatal("returned before 2-0 was idle for 50ms")
		}
		time.Sleep(time.Millisecond)
		// FORCE made the record with count 1 and counted the claim: 2.
		if got := claimSummary(waitGroupRead(t, ch)); got != "2-0/50ms/2 " {
			t.Errorf("got %s, want 2-0/50ms/2", got)
		}
		// Deadline first: nil, and the timer does not outlive the call.
		ctx, cancel := context.WithTimeout(t.Context(), 20*time.Millisecond)
		defer cancel()
		ch = goClaimRead(ctx, e, "c", time.Hour)
		time.Sleep(20 * time.Millisecond)
		r := waitGroupRead(t, ch)
		if r.res != nil || r.err != context.DeadlineExceeded {
			t.Errorf("got %s, %v, want nil, DeadlineExceeded", claimSummary(r), r.err)
		}
		if n := instream.Waiters(e, "s"); n != 0 {
			t.Errorf("Waiters = %d after the call returned", n)
		}
		check(t, e)
	})
}

// Closing the engine ends a CLAIM wait and its timer.
func TestEngine_ReadGroup_claimClose(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e := groupEngine(t)
		rdAdd(t, e, "s", "1-0")
		if _, err := e.TryReadGroup(instream.ReadGroupArgs{Group: "g", Consumer: "a", Streams: []instream.GroupStream{{Key: "s"}}}); err != nil {
			t.Fatal(err)
		}
		ch := goClaimRead(t.Context(), e, "b", time.Hour)
		synctest.Wait()
		e.Close()
		if r := waitGroupRead(t, ch); r.err != instream.ErrClosed {
			t.Errorf("err = %v, want ErrClosed", r.err)
		}
	})
}

// Through Do: XREADGROUP BLOCK with CLAIM wakes when an entry becomes
// idle enough, and replies in the 4-element format.
func TestDo_XReadGroup_blockClaim(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e := groupEngine(t)
		rdAdd(t, e, "s", "1-0")
		if got := formatReply(e.Do(t.Context(), "XREADGROUP", "GROUP", "g", "a", "STREAMS", "s", ">")); got != "[[s [[1-0 [f 1-0]]]]]" {
			t.Fatalf("first read: %s", got)
		}
		done := make(chan string, 1)
		go func() {
			done <- formatReply(e.Do(t.Context(), "XREADGROUP", "GROUP", "g", "b", "BLOCK", "500", "CLAIM", "200", "STREAMS", "s", ">"))
		}()
		time.Sleep(199 * time.Millisecond)
		synctest.Wait()
		select {
		case got := <-done:
			t.Fatalf("returned early: %s", got)
		default:
		}
		time.Sleep(time.Millisecond)
		synctest.Wait()
		if got, want := <-done, "[[s [[1-0 [f 1-0] :200 :1]]]]"; got != want {
			t.Errorf("got %s, want %s", got, want)
		}
		// Nothing becomes idle before the deadline: nil.
		go func() {
			done <- formatReply(e.Do(t.Context(), "XREADGROUP", "GROUP", "g", "b", "BLOCK", "100", "CLAIM", "200", "STREAMS", "s", ">"))
		}()
		time.Sleep(100 * time.Millisecond)
		synctest.Wait()
		if got := <-done; got != "nil" {
			t.Errorf("got %s, want nil at the deadline", got)
		}
		check(t, e)
	})
}

// A blocked CLAIM read with a huge min-idle time arms no overflowing
// timer: it waits for new entries only, until its deadline.
func TestEngine_ReadGroup_claimHugeMinIdle(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e := groupEngine(t)
		rdAdd(t, e, "s", "1-0")
		if _, err := e.TryReadGroup(instream.ReadGroupArgs{Group: "g", Consumer: "a", Streams: []instream.GroupStream{{Key: "s"}}}); err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithTimeout(t.Context(), time.Hour)
		defer cancel()
		ch := goClaimRead(ctx, e, "b", time.Duration(1<<63-1))
		time.Sleep(time.Minute)
		synctest.Wait()
		if !stillBlocked(ch) {
			t.Fatal("returned before any entry was idle enough")
		}
		rdAdd(t, e, "s", "2-0")
		if got := claimSummary(waitGroupRead(t, ch)); got != "2-0/0s/0 " {
			t.Errorf("got %s, want the new entry 2-0/0s/0", got)
		}
	})
}
