package instream

import (
	"context"
	"fmt"
)

// A blocked call is a waiter: a channel closed once, under the locks of
// its keys, when a writer has served the call. The waiter is registered
// on each distinct key it watches, in FIFO order of blocking. This file
// is the only one that makes or closes such channels.
//
// A writer that makes a key ready (an add, deleting the key, destroying
// a group) runs, under its locks as its call ends (tx.end) and in FIFO
// order, the read of each waiter of the key that may now succeed, and
// hands the result over. XREAD
// waiters whose threshold is below the new entries all get them
// (fan-out); the first waiter of a group takes the new entries and the
// next ones find nothing and keep waiting, in their places. A served
// call returns without taking the lock again.
//
// So that one add does not hold the lock for a long fan-out, a writer
// serves at most xreadChunk XREAD waiters itself and hands the rest of the
// pass to the last one it served, which carries on, under the key's
// lock, before its call returns (for a cohort, a goroutine started for
// it does). Group waiters are always served by the writer.
// XREAD calls that make the same one-stream read share one waiter
// (cohort.go), so a writer serves them as one.

// A group read with CLAIM (8.4) also waits for a pending entry of its
// group to become idle enough (Redis 8.4). Such a waiter carries idleDue
// and keeps one timer, armed for the earliest such moment on the engine's
// clock (Options.Clock, so a ManualClock fires it as it moves); when it
// fires, it runs the read under its keys' locks like a writer
// would. The timer is re-armed whenever the waiter's read finds nothing
// or a group read or claim changes the pending list of a watched key,
// and stopped when the call returns.

// xreadChunk is how many XREAD waiters one pass serves before handing
// over the rest.
const xreadChunk = 64

// waiterState tracks one blocked call.
type waiterState uint8

const (
	waiting  waiterState = iota // registered on its keys
	woken                       // unregistered and ready closed by a writer
	returned                    // unregistered by the call itself
)

// waiter is one blocked call.
type waiter struct {
	ready chan struct{}
	regs  []waitReg // one per distinct key watched
	state waiterState

	// serve runs the call's read within t, the call that serves it, and
	// reports whether the call is done (serve then keeps the result or
	// error for the call).
	serve  func(t *tx) bool
	group  bool       // a group read: deleting the key or a group serves it
	closed bool       // woken by Close, not served
	carry  string     // a key whose XREAD waiters this call must serve on
	one    [1]waitReg // the registration of a one-stream call
	mask   uint64     // the stripes of its keys (locks.go)

	// idleDue, for a CLAIM read, returns the earliest time (Unix ms) at
	// which a pending entry becomes claimable, and false if none will.
	idleDue func() (int64, bool)
	timer   Timer // armed for idleDue on the engine's clock; nil until first needed

	calls int    // blocked calls waiting on w: 1, or a cohort's
	co    cohort // an XREAD's result, and the calls that joined it (cohort.go)
}

// waitReg is a waiter's place in the queue of one key.
type waitReg struct {
	w          *waiter
	key        string
	after      ID // XREAD: wake when the stream has a live entry above after
	prev, next *waitReg
}

// readKey is what a one-stream XREAD asks for, once resolved.
type readKey struct {
	arg   ReadStream
	count int
	// maxCount and maxSize are the read's caps (readcap.go)
	maxCount, maxSize int
}

// sharedRead is one XREAD result, with what it was read for.
type sharedRead struct {
	valid bool
	readKey
	res []StreamEntries
}

// waitList is the FIFO queue of the waiters of one key.
type waitList struct {
	head, tail *waitReg
	n          int
	groups     int // how many of the waiters are group reads
	claims     int // how many of the waiters are CLAIM reads
}

// newWaiter returns a waiter with room for n registrations.
func newWaiter(n int, group bool, serve func(t *tx) bool) *waiter {
	w := &waiter{ready: make(chan struct{}), group: group, serve: serve, calls: 1}
	if n <= 1 {
		w.regs = w.one[:0]
	} else {
		w.regs = make([]waitReg, 0, n)
	}
	return w
}

// watch adds key to the keys w waits on, with an XREAD threshold. A key
// already watched keeps the lower threshold. Call before block.
func (w *waiter) watch(key string, after ID) {
	for i := range w.regs {
		if w.regs[i].key == key {
			if after.Less(w.regs[i].after) {
				w.regs[i].after = after
			}
			return
		}
	}
	w.regs = append(w.regs, waitReg{w: w, key: key, after: after})
	w.mask |= bit(key)
}

// wide reports whether w's keys span several stripes.
func (w *waiter) wide() bool { return w.mask&(w.mask-1) != 0 }

// block puts w at the tail of the queue of each key it watches.
func (e *Engine) block(w *waiter) {
	wide := w.wide()
	for i := range w.regs {
		r := &w.regs[i]
		st := e.stripe(r.key)
		if st.waits == nil {
			st.waits = make(map[string]*waitList)
		}
		l := st.waits[r.key]
		if l == nil {
			l = &waitList{}
			st.waits[r.key] = l
		}
		if wide {
			st.wide++
		}
		r.prev, r.next = l.tail, nil
		if l.tail != nil {
			l.tail.next = r
		} else {
			l.head = r
		}
		l.tail = r
		l.n++
		if w.group {
			l.groups++
		}
		if w.idleDue != nil {
			l.claims++
		}
	}
}

// unblock removes w from every queue, dropping queues left empty.
func (e *Engine) unblock(w *waiter) {
	wide := w.wide()
	for i := range w.regs {
		r := &w.regs[i]
		st := e.stripe(r.key)
		if wide {
			st.wide--
		}
		l := st.waits[r.key]
		if r.prev != nil {
			r.prev.next = r.next
		} else {
			l.head = r.next
		}
		if r.next != nil {
			r.next.prev = r.prev
		} else {
			l.tail = r.prev
		}
		r.prev, r.next = nil, nil
		l.n -= w.calls
		if w.group {
			l.groups--
		}
		if w.idleDue != nil {
			l.claims--
		}
		if l.head == nil {
			delete(st.waits, r.key)
		}
	}
}

// wake unregisters w, which has been served or closed, and closes its
// channel.
func (e *Engine) wake(w *waiter) {
	e.unblock(w)
	w.stopTimer()
	w.state = woken
	close(w.ready)
}

// leave is called by a blocked call that stopped waiting. It unregisters
// w if no writer did, and reports whether a writer had woken it.
func (e *Engine) leave(w *waiter) bool {
	wasWoken := w.state == woken
	if w.state == waiting {
		e.unblock(w)
	}
	w.stopTimer()
	w.state = returned
	return wasWoken
}

// park registers w, a call that found nothing and will wait, and arms
// its timer. If arming panics, t's end unregisters w.
func (t *tx) park(w *waiter) {
	t.e.block(w)
	t.parking = w
	t.armIdle(w)
	t.parking = nil
}

// wait waits, without locks, until a writer serves w, ctx is done or
// Close wakes w; w was parked by a call that has ended since. It reports
// whether w was served; if not, w is unregistered and err says why the
// call ends. A call served just as ctx ended counts as served: a group
// read has already changed the pending list for it.
//
// Close wakes waiters through their own channel rather than through one
// shared channel, so that a woken waiter's select does not contend with
// all the others.
func (e *Engine) wait(ctx context.Context, w *waiter) (served bool, err error) {
	select {
	case <-w.ready:
		// The writer set w's result (or closed) before closing ready.
		if w.closed {
			return false, ErrClosed
		}
		if w.carry != "" {
			e.carryOn(w)
		}
		return true, nil
	case <-ctx.Done():
	}
	return e.giveUp(ctx, w)
}

// giveUp ends the wait of w, whose ctx is done, unless a writer served
// it meanwhile.
func (e *Engine) giveUp(ctx context.Context, w *waiter) (served bool, err error) {
	t, _ := e.enter(w.mask, false)
	defer t.end()
	if e.leave(w) {
		if w.closed {
			return false, ErrClosed
		}
		t.carryOn(w)
		return true, nil
	}
	return false, ctx.Err()
}

// carryOn serves the XREAD waiters of the pass handed over to w, if any.
func (e *Engine) carryOn(w *waiter) {
	t, _ := e.enter(bit(w.carry), false)
	defer t.end()
	t.carryOn(w)
}

func (t *tx) carryOn(w *waiter) {
	key := w.carry
	w.carry = ""
	if key != "" && !t.e.closed {
		t.e.serveKey(t, key, false)
	}
}

// armIdle (re)arms the timer of a waiting CLAIM read for the moment its
// next pending entry becomes claimable, or stops it if there is none.
func (t *tx) armIdle(w *waiter) {
	if w.idleDue == nil || w.state != waiting {
		return
	}
	due, ok := w.idleDue()
	if !ok {
		w.stopTimer()
		return
	}
	// At least 1ms: the read has just found nothing claimable, so an
	// earlier due time can only be a clock that stood still.
	d := msDuration(max(idleMs(due, t.now()), 1))
	if w.timer == nil {
		e := t.e
		w.timer = e.opts.Clock.AfterFunc(d, func() { e.idleFired(w) })
		return
	}
	w.timer.Reset(d)
}

// idleFired runs the read of a CLAIM waiter whose timer fired, and
// hands over the result or re-arms the timer. A timer that fires after
// the call returned does nothing.
func (e *Engine) idleFired(w *waiter) {
	t, err := e.enter(w.mask, true)
	if err != nil {
		return
	}
	defer t.end()
	if w.state != waiting {
		return
	}
	if w.serve(t) {
		e.wake(w)
		return
	}
	t.armIdle(w)
}

func (w *waiter) stopTimer() {
	if w.timer != nil {
		w.timer.Stop()
	}
}

// pendingChanged is called after a group read or claim changed pending
// lists of the stream named key: CLAIM waiters on key re-arm their
// timers, since an entry may now become claimable sooner.
func (t *tx) pendingChanged(key string) {
	l := t.e.stripe(key).waits[key]
	if l == nil || l.claims == 0 {
		return
	}
	for r := l.head; r != nil; r = r.next {
		if r.w.idleDue != nil {
			t.armIdle(r.w)
		}
	}
}

// entriesNacked is called after Nack handed entries of the stream named
// key back to a group: they are claimable at once, so the CLAIM waiters
// of key run their reads when the call ends, as after an add.
func (t *tx) entriesNacked(key string) {
	if l := t.e.stripe(key).waits[key]; l != nil && l.claims > 0 {
		t.keyReady(key)
	}
}

// closeWaiters wakes every waiter with ErrClosed; Close calls it.
func (e *Engine) closeWaiters() {
	for i := range e.stripes {
		for _, l := range e.stripes[i].waits {
			for l.head != nil {
				w := l.head.w
				w.closed = true
				e.wake(w)
			}
		}
	}
}

// streamAppended is called after an entry was added to the stream named
// key, whether or not the add created it.
func (t *tx) streamAppended(key string) {
	t.touch(key)
	t.keyReady(key)
}

// streamDeleted is called after the stream named key was deleted. Its
// group waiters fail (their read now finds no group); XREAD waiters keep
// waiting for a stream of that name to be created again.
func (t *tx) streamDeleted(key string) {
	t.touch(key)
	t.keyReady(key)
}

// groupDestroyed is called after a group of the stream named key was
// destroyed: the waiters reading through it fail. Like
// Redis, which re-runs every client blocked on a key made ready, it
// re-runs the reads of all group waiters of key.
func (t *tx) groupDestroyed(key string) {
	t.keyReady(key)
}

// serveKey runs, in FIFO order, the read of each waiter of key that may
// now succeed, and hands over the results: the XREAD waiters whose
// threshold is below the stream's last live entry (xreadChunk of them; the
// last one served carries on), and, if groups, every group waiter
// (deleting the stream or the group fails them).
func (e *Engine) serveKey(t *tx, key string, groups bool) {
	st := e.stripe(key)
	l := st.waits[key]
	if l == nil {
		return
	}
	if st.wide > 0 && t.held != allStripes {
		// enter prevents this; serving would read unlocked streams.
		panic("instream: serving a waiter of several stripes without holding them all")
	}
	t.shared = sharedRead{}
	defer func() { t.shared = sharedRead{} }()
	var last ID
	ok := false
	if s := e.lookup(key); s != nil {
		last, ok = s.entries.last()
	}
	budget := xreadChunk
	// The last XREAD waiter served is told to carry on before its channel
	// is closed, so its channel closes one step late (deferred, so that a
	// panic in a later read does not leave it waiting).
	var held *waiter
	defer func() {
		if held != nil {
			e.release(held)
		}
	}()
	var next *waitReg
	for r := l.head; r != nil; r = next {
		// Serving never unlinks another waiter's registration, so next
		// stays valid; waiters that keep waiting keep their place.
		next = r.next
		w := r.w
		if w.group {
			if !groups {
				continue
			}
		} else {
			if !ok || !r.after.Less(last) || held != nil && held.carry != "" {
				continue
			}
			if budget <= 0 {
				held.carry = key
				if !groups || l.groups == 0 {
					break
				}
				continue
			}
		}
		if !w.serve(t) {
			continue
		}
		if w.group {
			e.wake(w)
			continue
		}
		e.unblock(w)
		w.state = woken
		budget -= w.wakes()
		if held != nil {
			e.release(held)
		}
		held = w
	}
}

// checkWaiters verifies that no stream keeps a waiter whose call returned,
// and that the queues are well linked.
func (e *Engine) checkWaiters() error {
	for i := range e.stripes {
		st := &e.stripes[i]
		wide := 0
		for key, l := range st.waits {
			if err := checkWaitList(key, l); err != nil {
				return err
			}
			for r := l.head; r != nil; r = r.next {
				if r.w.wide() {
					wide++
				}
			}
		}
		if wide != st.wide {
			return fmt.Errorf("stripe %d: %d wide waiters counted, %d queued", i, st.wide, wide)
		}
	}
	return nil
}

func checkWaitList(key string, l *waitList) error {
	if l.head == nil {
		return fmt.Errorf("waiters of %q: empty queue kept", key)
	}
	var prev *waitReg
	n := 0
	for r := l.head; r != nil; r = r.next {
		n += r.w.calls
		switch {
		case r.w.calls < 1 || r.w.co.bands > r.w.calls:
			return fmt.Errorf("waiters of %q: a waiter of %d calls in %d bands", key, r.w.calls, r.w.co.bands)
		case r.key != key:
			return fmt.Errorf("waiters of %q: registration for %q", key, r.key)
		case r.prev != prev:
			return fmt.Errorf("waiters of %q: broken links", key)
		case r.w.state != waiting:
			return fmt.Errorf("waiters of %q: keeps a waiter whose call returned", key)
		case r.w.idleDue == nil && r.w.timer != nil:
			return fmt.Errorf("waiters of %q: a timer on a waiter that does not claim", key)
		}
		prev = r
	}
	if l.tail != prev {
		return fmt.Errorf("waiters of %q: wrong tail", key)
	}
	if l.n != n {
		return fmt.Errorf("waiters of %q: count %d, but %d queued", key, l.n, n)
	}
	return nil
}
