package instream

import "context"

// Many calls blocked on one stream usually make the same read: a
// consumer per goroutine, or a server's clients, each waiting for what
// comes after the same last entry. Each such call parking its own waiter
// makes a writer's fan-out cost one read, one unregistration and one
// channel per call.
//
// So a one-stream XREAD that would park behind a waiter making the same
// read, at the tail of the key's queue, joins it instead: a writer serves
// the waiter once for all its calls (a cohort). Joining only the tail
// keeps the FIFO order of the key's waiters. The waiter stays registered
// while any of its calls waits, whichever of them started it.
//
// Each call keeps its own ctx. The calls of a cohort that share one
// ctx.Done form a band: the first (the band's watcher) waits on the
// waiter's ready and on that Done; the others wait only on the band's
// channel, which the watcher closes when it returns, so that calls of one
// parent ctx do not all contend on its Done as they wake. When a band's
// Done ends before the cohort is served, the band leaves (its calls end
// with ctx.Err()) and the other bands keep waiting.
//
// A writer that serves a cohort closes ready itself when few watchers
// wait on it; for more, it starts a goroutine to close it, so that an
// add pays O(1) for one cohort however many calls it wakes.

// cohort is what the calls of a one-stream XREAD waiter share.
type cohort struct {
	ok    bool            // a one-stream XREAD: others may join
	read  readKey         // the read every call of the cohort makes
	bands int             // bands waiting: the watchers on ready
	last  *band           // the band a call with the same Done joins; nil if gone
	first band            // the band of the call that parked the waiter
	res   []StreamEntries // the result of the read, once served
}

// band is the calls of a cohort that share one ctx.Done.
type band struct {
	done <-chan struct{}
	n    int           // calls, the watcher included
	ch   chan struct{} // closed by the watcher as it returns; nil until a second call joins
	left bool          // ctx ended before the cohort was served; set before ch is closed
}

// startCohort makes w, a one-stream XREAD waiter about to be parked, a
// cohort for the read k, and returns the band of its first call.
func (w *waiter) startCohort(k readKey, done <-chan struct{}) *band {
	w.co.ok, w.co.read = true, k
	w.co.first = band{done: done, n: 1}
	w.co.last = &w.co.first
	w.co.bands = 1
	return &w.co.first
}

// join makes the call whose resolved one-stream read is k, with ctx.Done
// done, one of the cohort at the tail of the key's queue, if that cohort
// makes the same read, and returns the cohort's waiter and the call's
// band; watcher reports whether the call watches the band (a new band) or
// only waits on its channel. nil if there is no such cohort.
func (t *tx) join(k readKey, done <-chan struct{}) (w *waiter, b *band, watcher bool) {
	l := t.e.stripe(k.arg.Key).waits[k.arg.Key]
	if l == nil {
		return nil, nil, false
	}
	w = l.tail.w
	if !w.co.ok || w.co.read != k {
		return nil, nil, false
	}
	w.calls++
	l.n++
	if b = w.co.last; b != nil && b.done == done {
		if b.ch == nil {
			b.ch = make(chan struct{})
		}
		b.n++
		return w, b, false
	}
	b = &band{done: done, n: 1}
	w.co.last = b
	w.co.bands++
	return w, b, true
}

// wakes returns how many goroutines release wakes for w, a waiter just
// served: its call, a cohort's watchers, or one that wakes them.
func (w *waiter) wakes() int {
	if w.co.ok && w.co.bands <= xreadChunk {
		return w.co.bands
	}
	return 1
}

// release closes the ready of w, a waiter a writer has served, after its
// last use of w. A cohort with many watchers, or with the rest of the
// pass to serve, is left to a goroutine of its own.
func (e *Engine) release(w *waiter) {
	if !w.co.ok || w.co.bands <= xreadChunk && w.carry == "" {
		close(w.ready)
		return
	}
	go e.fanOut(w)
}

// fanOut wakes the watchers of w, a served cohort, and serves the rest
// of the pass if it was handed to w.
func (e *Engine) fanOut(w *waiter) {
	close(w.ready)
	if w.carry != "" {
		e.carryOn(w)
	}
}

// waitBand waits, without locks, until the cohort w of the call, the
// watcher of band b, is served or closed, or ctx ends; then it wakes the
// rest of the band and returns the call's result.
func (e *Engine) waitBand(ctx context.Context, w *waiter, b *band) ([]StreamEntries, error) {
	select {
	case <-w.ready:
	case <-b.done:
		if served, _ := e.leaveBand(w, b, true); !served {
			b.wake()
			return nil, ctx.Err()
		}
		// Served or closed meanwhile: the result stands.
	}
	b.wake()
	return w.result()
}

// waitBandMember waits, without locks, until the watcher of b, the band
// of the call, returns, and returns the call's result.
func waitBandMember(ctx context.Context, w *waiter, b *band) ([]StreamEntries, error) {
	<-b.ch
	if b.left {
		// The band's Done, this call's, ended first.
		return nil, ctx.Err()
	}
	return w.result()
}

// wake wakes the calls of b that wait on its channel.
func (b *band) wake() {
	if b.ch != nil {
		close(b.ch)
	}
}

// result is the result of the calls of a cohort that was served or closed.
func (w *waiter) result() ([]StreamEntries, error) {
	if w.closed {
		return nil, ErrClosed
	}
	return w.co.res, nil
}

// leaveBand takes one call of band b out of cohort w, or the whole band,
// unless w is no longer waiting (served, closed, or left by all its
// calls): then it reports served, and the result of w stands. The band
// leaves with its last call; w is unregistered with its last call, and
// its ready closed for a goroutine that may still watch it. It returns
// how many calls the band keeps.
func (e *Engine) leaveBand(w *waiter, b *band, whole bool) (served bool, rest int) {
	t, _ := e.enter(w.mask, false)
	defer t.end()
	if w.state != waiting {
		return true, 0
	}
	if b.left {
		return false, 0
	}
	n := 1
	if whole {
		n = b.n
	}
	key := w.regs[0].key
	e.stripe(key).waits[key].n -= n
	w.calls -= n
	b.n -= n
	if b.n == 0 {
		b.left = true
		w.co.bands--
		if w.co.last == b {
			w.co.last = nil
		}
	}
	if w.calls == 0 {
		e.leave(w)
		close(w.ready)
	}
	return false, b.n
}

// abandonBand ends the wait of a call of cohort w, in band b, whose
// NotifyBlocked function panicked, so that the rest of the cohort still
// ends as it would have. If the call watched a band that others wait
// in, a goroutine watches it in its place.
func (e *Engine) abandonBand(ctx context.Context, w *waiter, b *band, watcher bool) {
	served, rest := e.leaveBand(w, b, false)
	switch {
	case !watcher:
	case served:
		// The band's calls have their result.
		b.wake()
	case rest > 0:
		go e.waitBand(ctx, w, b)
	}
}
