package instream

import (
	"context"
	"fmt"
)

// A blocked call is a waiter: a channel closed once, under e.mu, when the
// call should look again (XREAD) or has been served (XREADGROUP). The
// waiter is registered on each distinct key it watches, in FIFO order of
// blocking. This file is the only one that makes or closes such channels.
//
// XREAD waiters are only woken: each re-runs its read under the lock,
// which gives Redis's fan-out. XREADGROUP waiters are served by the
// writer: it runs their read under the lock in FIFO order and hands the
// result over, so the first waiter of a group takes the new entries and
// the next ones find nothing and keep waiting, in their places.

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

	// serve, set for group reads, runs the read at time now and reports
	// whether the call is done (it then keeps the result or error).
	serve func(now int64) bool
}

// waitReg is a waiter's place in the queue of one key.
type waitReg struct {
	w          *waiter
	key        string
	after      ID // XREAD: wake when the stream has a live entry above after
	prev, next *waitReg
}

// waitList is the FIFO queue of the waiters of one key.
type waitList struct {
	head, tail *waitReg
}

// newWaiter returns a waiter with room for n registrations.
func newWaiter(n int) *waiter {
	return &waiter{ready: make(chan struct{}), regs: make([]waitReg, 0, n)}
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
}

// block puts w at the tail of the queue of each key it watches.
func (e *Engine) block(w *waiter) {
	if e.waiters == nil {
		e.waiters = make(map[string]*waitList)
	}
	for i := range w.regs {
		r := &w.regs[i]
		l := e.waiters[r.key]
		if l == nil {
			l = &waitList{}
			e.waiters[r.key] = l
		}
		r.prev, r.next = l.tail, nil
		if l.tail != nil {
			l.tail.next = r
		} else {
			l.head = r
		}
		l.tail = r
	}
}

// unblock removes w from every queue, dropping queues left empty.
func (e *Engine) unblock(w *waiter) {
	for i := range w.regs {
		r := &w.regs[i]
		l := e.waiters[r.key]
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
		if l.head == nil {
			delete(e.waiters, r.key)
		}
	}
}

// wake unregisters w and closes its channel.
func (e *Engine) wake(w *waiter) {
	e.unblock(w)
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
	w.state = returned
	return wasWoken
}

// await releases e.mu, waits until w is woken, ctx is done or the engine
// closes, and takes e.mu again. It reports whether a writer woke w; if
// not, w is unregistered and err says why the call must end.
func (e *Engine) await(ctx context.Context, w *waiter) (bool, error) {
	e.block(w)
	e.mu.Unlock()
	select {
	case <-w.ready:
	case <-ctx.Done():
	case <-e.done:
	}
	e.mu.Lock()
	if e.leave(w) {
		return true, nil
	}
	if e.closed {
		return false, ErrClosed
	}
	return false, ctx.Err()
}

// streamAppended is called after an entry was added to s, the stream named
// key (created says whether the add created it). It wakes the XREAD
// waiters whose threshold is below the stream's last live entry, and
// serves the group waiters of key in FIFO order.
func (e *Engine) streamAppended(key string, s *stream, created bool) {
	l := e.waiters[key]
	if l == nil {
		return
	}
	last, ok := s.entries.last()
	now := int64(-1)
	var next *waitReg
	for r := l.head; r != nil; r = next {
		// wake and serve never unlink another waiter's registration, so
		// next stays valid; waiters that keep waiting keep their place.
		next = r.next
		w := r.w
		if w.serve == nil {
			if ok && r.after.Less(last) {
				e.wake(w)
			}
			continue
		}
		if now < 0 {
			now = e.nowMs()
		}
		if w.serve(now) {
			e.wake(w)
		}
	}
}

// streamDeleted is called after the stream named key was deleted. Its
// group waiters fail (their read now finds no group); XREAD waiters keep
// waiting for a stream of that name to be created again.
func (e *Engine) streamDeleted(key string, s *stream) {
	e.serveGroupWaiters(key)
}

// groupDestroyed is called after the group named group of the stream
// named key was destroyed: the waiters reading through it fail. Like
// Redis, which re-runs every client blocked on the key, it re-runs the
// reads of all group waiters of key.
func (e *Engine) groupDestroyed(key string, s *stream, group string) {
	e.serveGroupWaiters(key)
}

// serveGroupWaiters runs the read of each group waiter of key, in FIFO
// order, as Redis re-runs every client blocked on a key made ready.
func (e *Engine) serveGroupWaiters(key string) {
	l := e.waiters[key]
	if l == nil {
		return
	}
	now := e.nowMs()
	var next *waitReg
	for r := l.head; r != nil; r = next {
		next = r.next
		if w := r.w; w.serve != nil && w.serve(now) {
			e.wake(w)
		}
	}
}

// checkWaiters verifies that no stream keeps a waiter whose call returned,
// and that the queues are well linked.
func (e *Engine) checkWaiters() error {
	for key, l := range e.waiters {
		if l.head == nil {
			return fmt.Errorf("waiters of %q: empty queue kept", key)
		}
		var prev *waitReg
		for r := l.head; r != nil; r = r.next {
			switch {
			case r.key != key:
				return fmt.Errorf("waiters of %q: registration for %q", key, r.key)
			case r.prev != prev:
				return fmt.Errorf("waiters of %q: broken links", key)
			case r.w.state != waiting:
				return fmt.Errorf("waiters of %q: keeps a waiter whose call returned", key)
			}
			prev = r
		}
		if l.tail != prev {
			return fmt.Errorf("waiters of %q: wrong tail", key)
		}
	}
	return nil
}
