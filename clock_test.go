package instream_test

import (
	"context"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/instream/instream"
)

func TestManualClock(t *testing.T) {
	c := instream.NewManualClock(t0)
	if got := c.Now(); !got.Equal(t0) {
		t.Fatalf("Now() = %v, want %v", got, t0)
	}
	c.Advance(1500 * time.Millisecond)
	if got, want := c.Now(), t0.Add(1500*time.Millisecond); !got.Equal(want) {
		t.Errorf("after Advance(1.5s): Now() = %v, want %v", got, want)
	}
	c.Advance(-time.Second)
	if got, want := c.Now(), t0.Add(500*time.Millisecond); !got.Equal(want) {
		t.Errorf("after Advance(-1s): Now() = %v, want %v", got, want)
	}
	later := time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)
	c.Set(later)
	if got := c.Now(); !got.Equal(later) {
		t.Errorf("after Set: Now() = %v, want %v", got, later)
	}

	// Concurrent use (run with -race): 100 advances of 1 ms add up.
	c.Set(t0)
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			for range 25 {
				c.Advance(time.Millisecond)
				_ = c.Now()
			}
		})
	}
	wg.Wait()
	if got, want := c.Now(), t0.Add(100*time.Millisecond); !got.Equal(want) {
		t.Errorf("after concurrent advances: Now() = %v, want %v", got, want)
	}
}

// funcClock is a Clock that reads its time from a function; its timers
// are the time package's.
type funcClock func() time.Time

func (f funcClock) Now() time.Time { return f() }

func (funcClock) AfterFunc(d time.Duration, fn func()) instream.Timer { return time.AfterFunc(d, fn) }

// The engine reads its clock through Options.Clock: generated IDs and idle
// times follow the manual clock.
func TestManualClockDrivesEngine(t *testing.T) {
	e, clk := newClockEngine(t)
	id1, err := e.Add("s", instream.AddArgs{Fields: fields("f", "v")})
	if err != nil || id1 != (instream.ID{Ms: uint64(t0.UnixMilli())}) {
		t.Fatalf("Add = %v, %v; want %d-0", id1, err, t0.UnixMilli())
	}
	mustCreateGroup(t, e, "s", instream.GroupArgs{Group: "g"})
	if _, err := e.TryReadGroup(instream.ReadGroupArgs{Group: "g", Consumer: "c",
		Streams: []instream.GroupStream{{Key: "s"}}}); err != nil {
		t.Fatal(err)
	}
	clk.Advance(42 * time.Millisecond)
	list, err := e.Pending("s", instream.PendingArgs{Group: "g", End: instream.MaxID, Count: 1})
	if err != nil || len(list) != 1 || list[0].Idle != 42*time.Millisecond {
		t.Errorf("Pending = %+v, %v; want one entry idle 42ms", list, err)
	}
}

// ManualClock's timers fire when the clock is moved past them, earliest
// first, before Advance or Set returns.
func TestManualClock_timers(t *testing.T) {
	c := instream.NewManualClock(t0)
	var got []string
	fire := func(name string) func() { return func() { got = append(got, name) } }
	c.AfterFunc(30*time.Millisecond, fire("c"))
	c.AfterFunc(10*time.Millisecond, fire("a"))
	c.AfterFunc(10*time.Millisecond, fire("a2")) // due with a, armed after it
	stopped := c.AfterFunc(20*time.Millisecond, fire("stopped"))
	moved := c.AfterFunc(time.Millisecond, fire("b"))
	if !stopped.Stop() || stopped.Stop() {
		t.Error("Stop of a pending timer = false, or a second Stop = true")
	}
	if !moved.Reset(25 * time.Millisecond) {
		t.Error("Reset of a pending timer = false")
	}
	c.Advance(9 * time.Millisecond)
	if len(got) != 0 {
		t.Errorf("after 9ms fired %v, want none", got)
	}
	c.Advance(21 * time.Millisecond)
	if want := []string{"a", "a2", "b", "c"}; !slices.Equal(got, want) {
		t.Errorf("after 30ms fired %v, want %v", got, want)
	}
	if moved.Stop() {
		t.Error("Stop of a fired timer = true")
	}

	// A timer's function may arm another, which fires in the same move if
	// it is due; d <= 0 fires at the next move; Set forward fires too.
	got = nil
	c.AfterFunc(5*time.Millisecond, func() {
		got = append(got, "first")
		c.AfterFunc(0, fire("armed by first"))
		c.AfterFunc(time.Hour, fire("an hour later"))
	})
	c.Advance(5 * time.Millisecond)
	if want := []string{"first", "armed by first"}; !slices.Equal(got, want) {
		t.Errorf("fired %v, want %v", got, want)
	}
	c.Set(c.Now().Add(-time.Minute)) // back: nothing is due
	c.Set(c.Now().Add(time.Minute + time.Hour))
	if want := []string{"first", "armed by first", "an hour later"}; !slices.Equal(got, want) {
		t.Errorf("after Set an hour on, fired %v, want %v", got, want)
	}
}

// Advancing a ManualClock wakes a blocked CLAIM read when a pending entry
// becomes idle enough: the clock drives the engine's timers.
func TestManualClock_wakesClaimRead(t *testing.T) {
	e, clk := newClockEngine(t)
	add(t, e, "s", "1-0")
	mustCreateGroup(t, e, "s", instream.GroupArgs{Group: "g"})
	if _, err := e.TryReadGroup(instream.ReadGroupArgs{Group: "g", Consumer: "a",
		Streams: []instream.GroupStream{{Key: "s"}}}); err != nil {
		t.Fatal(err)
	}
	ch := goClaimRead(context.Background(), e, "b", time.Second)
	for instream.Waiters(e, "s") == 0 {
		time.Sleep(time.Millisecond)
	}
	clk.Advance(999 * time.Millisecond)
	if n := instream.Waiters(e, "s"); n != 1 {
		t.Fatalf("after 999ms: %d waiters, want the CLAIM read still waiting", n)
	}
	clk.Advance(time.Millisecond)
	// The timer ran in Advance: the read was served before it returned.
	if n := instream.Waiters(e, "s"); n != 0 {
		t.Fatalf("after 1s: %d waiters, want the CLAIM read served", n)
	}
	select {
	case r := <-ch:
		if got := claimSummary(r); got != "1-0/1s/1 " {
			t.Errorf("CLAIM read = %q, want 1-0/1s/1", got)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the served CLAIM read did not return")
	}
	check(t, e)
}
