package queue

import (
	"errors"
	"fmt"
	"time"

	"github.com/instream/instream"
)

// This file holds every call that moves a message's lease: renewal,
// retry, give-back and the dead-letter move.

// keep renews the leases every AckWait/3 until stop is closed: one timer
// for the pool, whatever it holds.
func (p *pool) keep(stop <-chan struct{}) {
	every := p.q.opts.AckWait / 3
	tick := make(chan struct{}, 1)
	t := p.q.opts.Clock.AfterFunc(every, func() {
		select {
		case tick <- struct{}{}:
		default:
		}
	})
	defer t.Stop()
	for {
		select {
		case <-stop:
			return
		case <-tick:
			p.renew()
			t.Reset(every)
		}
	}
}

// renew resets the idle time of the messages held (and of the delayed
// retries with more than AckWait to go) with one claim to the pool's
// consumer, JUSTID, which keeps delivery counts. A message whose count
// changed, or which is no longer pending, was taken over by another read
// after its lease expired: it is lost to this pool. Delayed retries with
// at most AckWait to go get the delivery time that makes them come back
// on time.
func (p *pool) renew() {
	o := &p.q.opts
	p.lease.Lock()
	defer p.lease.Unlock()
	now := o.Clock.Now()
	var ids []instream.ID
	var ms, due []*msg
	p.mu.Lock()
	for _, m := range p.held {
		if m.state == running {
			ids, ms = append(ids, m.ID), append(ms, m)
		}
	}
	for _, m := range p.delayed {
		if m.due.Sub(now) > o.AckWait {
			ids, ms = append(ids, m.ID), append(ms, m)
		} else {
			due = append(due, m)
			delete(p.delayed, m.ID)
		}
	}
	p.mu.Unlock()
	for _, m := range due {
		p.setDelivered(m, o.AckWait-max(m.due.Sub(now), 0))
	}
	if len(ids) == 0 {
		return
	}
	got, err := p.q.b.Claim(o.Stream, instream.ClaimArgs{
		Group: o.Group, Consumer: p.consumer, IDs: ids, JustID: true,
	})
	if err != nil {
		p.fail(fmt.Errorf("renew leases: %w", err))
		return
	}
	counts := make(map[instream.ID]int64, len(got))
	for _, ge := range got {
		counts[ge.ID] = ge.Deliveries
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, m := range ms {
		if n, ok := counts[m.ID]; ok && n == m.Delivery {
			m.leased = now
			continue
		}
		switch {
		case m.state == running && p.held[m.ID] == m:
			m.state = lost
			p.q.c.leaseLost.Add(1)
		case p.delayed[m.ID] == m:
			delete(p.delayed, m.ID)
			p.q.c.leaseLost.Add(1)
		}
	}
}

// retry gives m back to come again after delay: at once with a
// negative acknowledgement (Redis 8.8's XNACK FAIL, which claim reads
// serve first), or else by moving its delivery time back so that it is
// idle for AckWait-delay, or, for a delay beyond AckWait, by keeping it
// among the delayed retries, whose leases renew until AckWait is left.
func (p *pool) retry(m *msg, delay time.Duration) {
	o := &p.q.opts
	p.q.c.nacked.Add(1)
	if delay > o.AckWait {
		p.mu.Lock()
		m.due = o.Clock.Now().Add(delay)
		p.delayed[m.ID] = m
		p.mu.Unlock()
		return
	}
	p.lease.RLock()
	defer p.lease.RUnlock()
	if delay == 0 && p.nack([]*msg{m}, instream.NackFail) {
		return
	}
	p.setDelivered(m, o.AckWait-delay)
}

// nack hands back the messages of ms the pool still owns with XNACK in
// mode, and reports whether the backend has XNACK: if not, the caller
// does without. The caller holds p.lease.
func (p *pool) nack(ms []*msg, mode instream.NackMode) bool {
	if p.q.noNack.Load() {
		return false
	}
	var ids []instream.ID
	for _, m := range ms {
		if p.owns(m) {
			ids = append(ids, m.ID)
		}
	}
	if len(ids) == 0 {
		return true
	}
	o := &p.q.opts
	_, err := p.q.b.Nack(o.Stream, instream.NackArgs{Group: o.Group, Mode: mode, IDs: ids})
	switch {
	case errors.Is(err, errors.ErrUnsupported):
		p.q.noNack.Store(true)
		return false
	case err != nil:
		p.fail(fmt.Errorf("nack %s %d messages: %w", mode, len(ids), err))
	}
	return true
}

// setDelivered makes m idle for idle, keeping its delivery count: with
// idle = AckWait it is claimable at once. It is the queue's negative
// acknowledgement (Redis 8.8's XNACK FAIL is the same for idle =
// AckWait); the caller holds p.lease.
func (p *pool) setDelivered(m *msg, idle time.Duration) {
	if !p.owns(m) {
		return
	}
	o := &p.q.opts
	_, err := p.q.b.Claim(o.Stream, instream.ClaimArgs{
		Group: o.Group, Consumer: p.consumer, IDs: []instream.ID{m.ID}, Idle: idle, JustID: true,
	})
	if err != nil {
		p.fail(fmt.Errorf("retry %s: %w", m.ID, err))
	}
}

// owns reports whether m's delivery is still the pool's: its lease was
// read or renewed less than 2/3 AckWait ago, and it is pending for the
// pool's consumer with m's delivery count. Moving the delivery time of a
// message another read took over (after this pool's lease expired) would
// cut the new holder's lease short.
//
// The check and the call that follows are two calls, and XNACK and
// XCLAIM name no owner to check: a read that takes the message over
// between them would have its lease cut short. A lease that old is left
// alone, so that read needs the two calls to last AckWait/3 or more.
// Older leases are those of a pool whose renewals failed or came late, or
// that the clock jumped past: another read may be taking them over.
func (p *pool) owns(m *msg) bool {
	o := &p.q.opts
	p.mu.Lock()
	age := o.Clock.Now().Sub(m.leased)
	p.mu.Unlock()
	if age >= o.AckWait-o.AckWait/3 {
		return false
	}
	ps, err := p.q.b.Pending(o.Stream, instream.PendingArgs{Group: o.Group, Start: m.ID, End: m.ID, Count: 1})
	if err != nil {
		p.fail(fmt.Errorf("check %s: %w", m.ID, err))
		return false
	}
	return len(ps) == 1 && ps[0].Consumer == p.consumer && ps[0].Deliveries == m.Delivery
}

// release gives back held messages that are still running or not
// started, claimable at once with the delivery count they had before this
// delivery: Redis 8.8's XNACK SILENT, or a claim that sets the count and
// the idle time where the backend lacks it. It forgets them.
func (p *pool) release(ms []*msg) {
	o := &p.q.opts
	p.mu.Lock()
	var gone []*msg
	for _, m := range ms {
		if m.state == running {
			m.state = released
			gone = append(gone, m)
		}
	}
	p.mu.Unlock()
	if len(gone) == 0 {
		return
	}
	p.lease.RLock()
	rest := gone
	if p.nack(gone, instream.NackSilent) {
		rest = nil
	}
	byCount := make(map[int64][]instream.ID)
	for _, m := range rest {
		if p.owns(m) {
			byCount[m.Delivery-1] = append(byCount[m.Delivery-1], m.ID)
		}
	}
	for n, ids := range byCount {
		_, err := p.q.b.Claim(o.Stream, instream.ClaimArgs{
			Group: o.Group, Consumer: p.consumer, IDs: ids, Idle: o.AckWait, RetryCount: &n, JustID: true,
		})
		if err != nil {
			p.fail(fmt.Errorf("give back %d messages: %w", len(ids), err))
		}
	}
	p.lease.RUnlock()
	p.q.c.released.Add(int64(len(gone)))
	for _, m := range gone {
		p.done(m)
	}
}

// releaseDelayed sets the delivery time of the delayed retries for when
// they are due, as far as AckWait allows, when the pool stops.
func (p *pool) releaseDelayed() {
	o := &p.q.opts
	now := o.Clock.Now()
	p.mu.Lock()
	ms := make([]*msg, 0, len(p.delayed))
	for _, m := range p.delayed {
		ms = append(ms, m)
	}
	clear(p.delayed)
	p.mu.Unlock()
	for _, m := range ms {
		p.setDelivered(m, max(o.AckWait-m.due.Sub(now), 0))
	}
}

// deadLetter moves m to the dead-letter stream with its delivery count
// and last error, in one atomic step (AckAdd): only if the pool still
// holds this delivery, and never acknowledged without its dead letter.
// If the move fails, the message is nacked FATAL where the backend has
// XNACK, so that the next read dead-letters it at once.
func (p *pool) deadLetter(m *msg, deliveries int64, cause error) {
	o := &p.q.opts
	_, ok, err := p.q.b.AckAdd(o.Stream, instream.AckAddArgs{
		Group: o.Group, ID: m.ID, Consumer: p.consumer, Deliveries: m.Delivery,
		To:  o.DeadLetter,
		Add: instream.AddArgs{Fields: deadEntry(o.Stream, o.Group, m.Message, deliveries, cause)},
	})
	switch {
	case err != nil:
		p.fail(fmt.Errorf("dead-letter %s: %w", m.ID, err))
		p.lease.RLock()
		p.nack([]*msg{m}, instream.NackFatal)
		p.lease.RUnlock()
	case ok:
		p.q.c.deadLettered.Add(1)
	default:
		p.q.c.leaseLost.Add(1)
	}
}
