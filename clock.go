package instream

import (
	"math"
	"slices"
	"sync"
	"time"
)

// Clock is the engine's time: every generated ID, idle time and delivery
// time comes from Now, read once per call, and the engine's own timers,
// which wake blocked CLAIM reads when a pending entry becomes idle enough,
// come from AfterFunc. The engine calls a Clock while holding its lock, so
// a Clock must not call the engine.
type Clock interface {
	Now() time.Time
	// AfterFunc calls f once d has passed, as time.AfterFunc does.
	AfterFunc(d time.Duration, f func()) Timer
}

// Timer is a timer made by [Clock.AfterFunc]; *time.Timer is one.
type Timer interface {
	// Stop prevents the timer from firing and reports whether it stopped
	// it (false if it had fired or been stopped).
	Stop() bool
	// Reset makes the timer fire after d instead, and reports whether it
	// had been pending.
	Reset(d time.Duration) bool
}

// realClock is the default Clock: the time package's, which inside a
// testing/synctest bubble is the bubble's fake time.
type realClock struct{}

func (realClock) Now() time.Time { return time.Now() }

func (realClock) AfterFunc(d time.Duration, f func()) Timer { return time.AfterFunc(d, f) }

// ManualClock is a [Clock] that moves only when told to, for tests and
// simulations: pass it as [Options].Clock. Its timers fire when Advance
// or Set moves it to or past their time: before Advance or Set returns,
// in the goroutine that called it, earliest first (in the order they were
// armed when due together), with the clock already at its new time. A
// timer armed for d <= 0 fires at the next Advance or Set. A ManualClock
// is safe for concurrent use by multiple goroutines.
type ManualClock struct {
	mu     sync.Mutex
	t      time.Time
	timers []*manualTimer // pending, in no order
	armed  uint64         // timers armed so far, to order those due together
}

// manualTimer is a timer of a ManualClock; c.mu guards its fields.
type manualTimer struct {
	c       *ManualClock
	f       func()
	due     time.Time
	seq     uint64
	pending bool
}

// NewManualClock returns a clock that reads t until moved.
func NewManualClock(t time.Time) *ManualClock {
	return &ManualClock{t: t}
}

// Now returns the clock's current time.
func (c *ManualClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

// Advance moves the clock forward by d (backward if d is negative) and
// fires the timers then due.
func (c *ManualClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
	c.fire()
}

// Set moves the clock to t and fires the timers then due.
func (c *ManualClock) Set(t time.Time) {
	c.mu.Lock()
	c.t = t
	c.mu.Unlock()
	c.fire()
}

// AfterFunc arms a timer that calls f when the clock is moved to d from
// now or later.
func (c *ManualClock) AfterFunc(d time.Duration, f func()) Timer {
	c.mu.Lock()
	defer c.mu.Unlock()
	tm := &manualTimer{c: c, f: f}
	c.arm(tm, d)
	return tm
}

// arm (re)schedules tm for d from now.
func (c *ManualClock) arm(tm *manualTimer, d time.Duration) {
	c.armed++
	tm.due, tm.seq = c.t.Add(d), c.armed
	if !tm.pending {
		tm.pending = true
		c.timers = append(c.timers, tm)
	}
}

// disarm removes tm from the pending timers.
func (c *ManualClock) disarm(tm *manualTimer) {
	tm.pending = false
	i := slices.Index(c.timers, tm)
	c.timers = slices.Delete(c.timers, i, i+1)
}

// fire runs the due timers one by one, earliest first, without the lock:
// a timer's function may arm or stop timers, and move the clock.
func (c *ManualClock) fire() {
	for {
		c.mu.Lock()
		var next *manualTimer
		for _, tm := range c.timers {
			if tm.due.After(c.t) {
				continue
			}
			if next == nil || tm.due.Before(next.due) || tm.due.Equal(next.due) && tm.seq < next.seq {
				next = tm
			}
		}
		if next == nil {
			c.mu.Unlock()
			return
		}
		c.disarm(next)
		c.mu.Unlock()
		next.f()
	}
}

func (tm *manualTimer) Stop() bool {
	tm.c.mu.Lock()
	defer tm.c.mu.Unlock()
	was := tm.pending
	if was {
		tm.c.disarm(tm)
	}
	return was
}

func (tm *manualTimer) Reset(d time.Duration) bool {
	tm.c.mu.Lock()
	defer tm.c.mu.Unlock()
	was := tm.pending
	tm.c.arm(tm, d)
	return was
}

// msDuration converts milliseconds to a Duration, saturating instead of
// overflowing.
func msDuration(ms int64) time.Duration {
	const limit = int64(1<<63-1) / int64(time.Millisecond)
	switch {
	case ms > limit:
		return time.Duration(1<<63 - 1)
	case ms < -limit:
		return time.Duration(-1 << 63)
	}
	return time.Duration(ms) * time.Millisecond
}

// idleMs returns the milliseconds from since to now, both Unix ms: 0 if
// since is not earlier, and math.MaxInt64 if the difference overflows.
// Idle times stay >= 0 whatever the clock did.
func idleMs(now, since int64) int64 {
	if since >= now {
		return 0
	}
	if d := now - since; d > 0 {
		return d
	}
	return math.MaxInt64
}
