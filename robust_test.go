package instream_test

import (
	"context"
	"errors"
	"math"
	"sync/atomic"
	"testing"
	"time"

	"github.com/instream/instream"
)

// panicClock is a clock that panics while armed: reading it (onNow) or
// arming a timer.
type panicClock struct {
	armed atomic.Bool
	onNow bool // Now panics too, not only AfterFunc
}

func (c *panicClock) Now() time.Time {
	if c.onNow && c.armed.Load() {
		panic("clock broke")
	}
	return t0
}

func (c *panicClock) AfterFunc(d time.Duration, f func()) instream.Timer {
	if c.armed.Load() {
		panic("timer broke")
	}
	return time.AfterFunc(d, f)
}

// mustPanic runs f and fails the test unless f panics.
func mustPanic(t *testing.T, name string, f func()) {
	t.Helper()
	defer func() {
		if recover() == nil {
			t.Errorf("%s did not panic", name)
		}
	}()
	f()
}

// within runs f and fails the test if it does not return in time: a call
// that blocks for ever on a lock left held.
func within(t *testing.T, name string, f func()) {
	t.Helper()
	done := make(chan struct{})
	go func() {
		defer close(done)
		f()
	}()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatalf("%s blocked: the engine's lock was left held", name)
	}
}

// A panic inside a call, here from the clock, must not leave the engine
// locked: every later call, Close included, still runs.
func TestPanicReleasesLock(t *testing.T) {
	read := instream.ReadGroupArgs{Group: "g", Consumer: "c", Streams: []instream.GroupStream{{Key: "s"}}}
	claim := read
	claim.Claim, claim.MinIdle = true, time.Hour
	calls := []struct {
		name  string
		onNow bool // the clock's Now panics, not only its timers
		call  func(e *instream.Engine)
	}{
		{"Add", true, func(e *instream.Engine) { e.Add("s", instream.AddArgs{Fields: fields("f", "v")}) }},
		{"TryReadGroup", true, func(e *instream.Engine) { e.TryReadGroup(read) }},
		{"blocking ReadGroup", true, func(e *instream.Engine) { e.ReadGroup(context.Background(), read) }},
		{"blocking ReadGroup with CLAIM", true, func(e *instream.Engine) { e.ReadGroup(context.Background(), claim) }},
		{"arming the timer of a blocking CLAIM read", false, func(e *instream.Engine) {
			e.ReadGroup(context.Background(), claim)
		}},
		{"Pending", true, func(e *instream.Engine) {
			e.Pending("s", instream.PendingArgs{Group: "g", End: instream.MaxID, Count: 10})
		}},
	}
	for _, c := range calls {
		t.Run(c.name, func(t *testing.T) {
			clk := &panicClock{onNow: c.onNow}
			// Not closed on failure: Close would block on the lock.
			e := instream.New(instream.Options{Clock: clk})
			add(t, e, "s", "1-0")
			mustCreateGroup(t, e, "s", instream.GroupArgs{Group: "g"})
			// 1-0 pending for a, so that a CLAIM read arms its timer.
			if _, err := e.TryReadGroup(instream.ReadGroupArgs{Group: "g", Consumer: "a",
				Streams: []instream.GroupStream{{Key: "s"}}}); err != nil {
				t.Fatal(err)
			}
			clk.armed.Store(true)
			within(t, c.name, func() { mustPanic(t, c.name, func() { c.call(e) }) })
			clk.armed.Store(false)
			within(t, "Add after the panic", func() { e.Add("s", instream.AddArgs{Fields: fields("f", "v")}) })
			if n := instream.Waiters(e, "s"); n != 0 {
				t.Errorf("%d waiters left registered by the call that panicked", n)
			}
			within(t, "Close after the panic", func() { e.Close() })
		})
	}
}

// A panic while a call serves the waiters it made ready (here the group
// read of a blocked ReadGroup, run by Del) releases the lock too.
func TestPanicServingReleasesLock(t *testing.T) {
	clk := &panicClock{onNow: true}
	e := instream.New(instream.Options{Clock: clk}) // closed by the test: see above
	add(t, e, "s", "1-0")
	mustCreateGroup(t, e, "s", instream.GroupArgs{Group: "g", ID: id("1-0")})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	go func() {
		_, err := e.ReadGroup(ctx, instream.ReadGroupArgs{Group: "g", Consumer: "c",
			Streams: []instream.GroupStream{{Key: "s"}}})
		done <- err
	}()
	for instream.Waiters(e, "s") == 0 {
		time.Sleep(time.Millisecond)
	}
	clk.armed.Store(true)
	mustPanic(t, "DeleteStreams serving a group waiter", func() { e.DeleteStreams("s") })
	clk.armed.Store(false)
	within(t, "Exists after the panic", func() { e.Exists("s") })
	cancel()
	within(t, "the blocked ReadGroup", func() { <-done })
	within(t, "Close after the panic", func() { e.Close() })
}

// AutoClaim's Count may be as large as an int goes.
func TestAutoClaim_maxCount(t *testing.T) {
	e, _ := newClockEngine(t)
	add(t, e, "s", "1-0", "2-0")
	mustCreateGroup(t, e, "s", instream.GroupArgs{Group: "g"})
	args := instream.AutoClaimArgs{Group: "g", Consumer: "c", Count: math.MaxInt}
	res, err := e.AutoClaim("s", args)
	if err != nil || len(res.Claimed) != 0 || !res.Next.IsZero() {
		t.Errorf("AutoClaim with nothing pending = %+v, %v; want nothing, 0-0", res, err)
	}
	if _, err := e.TryReadGroup(instream.ReadGroupArgs{Group: "g", Consumer: "a",
		Streams: []instream.GroupStream{{Key: "s"}}}); err != nil {
		t.Fatal(err)
	}
	res, err = e.AutoClaim("s", args)
	if err != nil || len(res.Claimed) != 2 || !res.Next.IsZero() {
		t.Errorf("AutoClaim of 2 pending = %+v, %v; want both claimed, 0-0", res, err)
	}
	args.Start = id("3-0")
	if res, err = e.AutoClaim("s", args); err != nil || len(res.Claimed) != 0 {
		t.Errorf("AutoClaim past the pending entries = %+v, %v; want nothing", res, err)
	}
	check(t, e)
}

// Idle times stay >= 0 after any jump of the clock, even one beyond what a
// Duration holds (a clock that once returned the zero time.Time).
func TestIdleNeverNegative(t *testing.T) {
	e, clk := newClockEngine(t)
	add(t, e, "s", "1-0")
	mustCreateGroup(t, e, "s", instream.GroupArgs{Group: "g"})
	clk.Set(time.Time{})
	if _, err := e.TryReadGroup(instream.ReadGroupArgs{Group: "g", Consumer: "a",
		Streams: []instream.GroupStream{{Key: "s"}}}); err != nil {
		t.Fatal(err)
	}
	clk.Set(t0)
	const forever = time.Duration(math.MaxInt64)
	ps, err := e.Pending("s", instream.PendingArgs{Group: "g", End: instream.MaxID, Count: 10})
	if err != nil || len(ps) != 1 || ps[0].Idle != forever {
		t.Errorf("Pending = %+v, %v; want one entry idle %v", ps, err, forever)
	}
	ps, err = e.Pending("s", instream.PendingArgs{Group: "g", End: instream.MaxID, Count: 10, MinIdle: time.Hour})
	if err != nil || len(ps) != 1 {
		t.Errorf("Pending idle for an hour = %+v, %v; want the entry", ps, err)
	}
	res, err := e.TryReadGroup(instream.ReadGroupArgs{Group: "g", Consumer: "b", Claim: true, MinIdle: time.Hour,
		Streams: []instream.GroupStream{{Key: "s"}}})
	if err != nil || len(res) != 1 || len(res[0].Entries) != 1 || res[0].Entries[0].Idle != forever {
		t.Errorf("CLAIM read = %+v, %v; want the entry, idle %v", res, err, forever)
	}
	// The clock going back: idle 0, not negative.
	clk.Set(t0.Add(-time.Hour))
	ps, err = e.Pending("s", instream.PendingArgs{Group: "g", End: instream.MaxID, Count: 10})
	if err != nil || len(ps) != 1 || ps[0].Idle != 0 {
		t.Errorf("Pending after the clock went back = %+v, %v; want idle 0", ps, err)
	}
	cs, err := e.Consumers("s", "g")
	for _, c := range cs {
		if c.Idle < 0 {
			t.Errorf("consumer %s idle %v", c.Name, c.Idle)
		}
	}
	if err != nil || len(cs) != 2 {
		t.Errorf("Consumers = %+v, %v", cs, err)
	}
	check(t, e)
}

// A nil context is an error of the call, not a crash.
func TestNilContext(t *testing.T) {
	e := newEngine(t)
	var nilCtx context.Context
	if _, err := e.Read(nilCtx, streams(instream.ReadStream{Key: "s"})); !errors.Is(err, instream.ErrInvalidArgument) {
		t.Errorf("Read(nil ctx): err = %v, want ErrInvalidArgument", err)
	}
	if _, err := e.ReadGroup(nilCtx, instream.ReadGroupArgs{Group: "g", Consumer: "c",
		Streams: []instream.GroupStream{{Key: "s"}}}); !errors.Is(err, instream.ErrInvalidArgument) {
		t.Errorf("ReadGroup(nil ctx): err = %v, want ErrInvalidArgument", err)
	}
	for _, cmd := range [][]string{
		{"XREAD", "BLOCK", "10", "STREAMS", "s", "$"},
		{"XREAD", "BLOCK", "0", "STREAMS", "s", "$"},
	} {
		if _, err := e.Do(nilCtx, cmd...); !errors.Is(err, instream.ErrInvalidArgument) {
			t.Errorf("Do(nil ctx, %v): err = %v, want ErrInvalidArgument", cmd, err)
		}
	}
	// Commands that do not block do not need a ctx.
	if v, err := e.Do(nilCtx, "XADD", "s", "1-0", "f", "v"); err != nil || v != "1-0" {
		t.Errorf("Do(nil ctx, XADD) = %v, %v", v, err)
	}
}
