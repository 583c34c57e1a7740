package instream

import (
	"math"
	"sync"
	"time"
)

// ManualClock is a clock that moves only when told to, for tests and
// simulations: pass its Now method as [Options.Now]. A ManualClock is safe
// for concurrent use by multiple goroutines.
type ManualClock struct {
	mu sync.Mutex
	t  time.Time
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

// Advance moves the clock forward by d (backward if d is negative).
func (c *ManualClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// Set moves the clock to t.
func (c *ManualClock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = t
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
