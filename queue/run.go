package queue

import (
	"context"
	"errors"
	"fmt"
	"math"
	"sync"
	"sync/atomic"
	"time"

	"github.com/instream/instream"
)

// pool is one Run: a fetcher, Concurrency handlers and a lease keeper.
type pool struct {
	q        *Queue
	consumer string
	h        Handler
	work     chan *msg   // fetched messages; its room is MaxInFlight, so sends never block
	ready    []*msg      // admit's buffer, reused: only fetch calls admit
	cursor   instream.ID // where the next AutoClaim starts, without claim reads

	// lease orders lease renewals against the calls that move a
	// message's delivery time (retries and give-backs): a renewal holds
	// it exclusively, so it never undoes a retry delay set meanwhile.
	lease sync.RWMutex

	mu       sync.Mutex
	held     map[instream.ID]*msg // fetched and not settled
	delayed  map[instream.ID]*msg // retries kept until AckWait is left
	room     chan struct{}        // signalled when held drops below the cap
	stopping atomic.Bool

	hctx    context.Context // the handlers' context
	hcancel context.CancelFunc
}

// msg is a held message. Its state is guarded by pool.mu.
type msg struct {
	Message
	state  msgState
	due    time.Time // for a delayed retry: when it comes back
	leased time.Time // when its lease was last read or renewed
}

type msgState uint8

const (
	running  msgState = iota // held, lease renewed
	settling                 // its result is being applied
	lost                     // another read took it over
	released                 // given back at shutdown
)

// Run reads messages as a pool of Concurrency handlers until ctx ends or
// a backend call fails, then shuts down as the package documentation
// says. It creates the stream and group if missing. It returns nil after
// a shutdown in which every running handler finished,
// [ErrShutdownTimeout] if some did not, or the error of the backend call
// that failed (reading, or creating the group). Several Runs, in this
// process or others, may share a queue.
func (q *Queue) Run(ctx context.Context, h Handler) error {
	if h == nil || ctx == nil {
		return fmt.Errorf("queue run: %w: nil handler or context", instream.ErrInvalidArgument)
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	err := q.b.CreateGroup(q.opts.Stream, instream.GroupArgs{Group: q.opts.Group, MkStream: true})
	if err != nil && !errors.Is(err, instream.ErrGroupExists) {
		return fmt.Errorf("queue run: %w", err)
	}
	p := &pool{
		q: q, consumer: q.consumerName(), h: h,
		work:    make(chan *msg, q.opts.MaxInFlight),
		held:    make(map[instream.ID]*msg),
		delayed: make(map[instream.ID]*msg),
		room:    make(chan struct{}, 1),
	}
	p.hctx, p.hcancel = context.WithCancel(context.WithoutCancel(ctx))
	defer p.hcancel()

	var handlers, keeper sync.WaitGroup
	for range q.opts.Concurrency {
		handlers.Go(p.handle)
	}
	stopKeeper := make(chan struct{})
	keeper.Go(func() { p.keep(stopKeeper) })

	runErr := p.fetch(ctx)
	p.stopping.Store(true)
	p.releaseQueued()
	close(p.work)
	if !p.waitHandlers(&handlers) {
		runErr = firstErr(runErr, ErrShutdownTimeout)
	}
	close(stopKeeper)
	keeper.Wait()
	p.releaseDelayed()
	return runErr
}

func firstErr(a, b error) error {
	if a != nil {
		return a
	}
	return b
}

// fetch reads messages while there is room, until ctx ends (nil) or a
// read fails (its error).
func (p *pool) fetch(ctx context.Context) error {
	o := &p.q.opts
	args := instream.ReadGroupArgs{
		Group: o.Group, Consumer: p.consumer,
		Streams: []instream.GroupStream{{Key: o.Stream}},
		Claim:   true, MinIdle: o.AckWait,
	}
	for {
		n, ok := p.waitRoom(ctx)
		if !ok {
			return nil
		}
		args.Count = min(n, 64)
		var res []instream.GroupEntries
		var err error
		if p.q.noClaimRead.Load() {
			res, err = p.readNoClaim(ctx, args)
		} else {
			res, err = p.q.b.ReadGroup(ctx, args)
		}
		for _, st := range res { // entries served as ctx ended are held too
			p.admit(st.Entries)
		}
		switch {
		case err == nil:
		case ctx.Err() != nil && errors.Is(err, ctx.Err()):
			return nil
		case errors.Is(err, errors.ErrUnsupported) && !p.q.noClaimRead.Load():
			p.q.noClaimRead.Store(true)
		default:
			return fmt.Errorf("queue run: %w", err)
		}
	}
}

// readNoClaim is a claim read for a backend without one (a Redis server
// before 8.4): an AutoClaim of the messages idle for AckWait, and if it
// finds none a group read of new ones that waits at most AckWait/4, so
// that a message becomes claimable at most that late.
func (p *pool) readNoClaim(ctx context.Context, args instream.ReadGroupArgs) ([]instream.GroupEntries, error) {
	o := &p.q.opts
	ac, err := p.q.b.AutoClaim(o.Stream, instream.AutoClaimArgs{
		Group: o.Group, Consumer: p.consumer, MinIdle: o.AckWait, Start: p.cursor, Count: args.Count,
	})
	if err != nil {
		return nil, err
	}
	p.cursor = ac.Next
	if len(ac.Claimed) > 0 {
		return []instream.GroupEntries{{Key: o.Stream, Entries: ac.Claimed}}, nil
	}
	args.Claim, args.MinIdle = false, 0
	wctx, cancel := context.WithTimeout(ctx, o.AckWait/4)
	defer cancel()
	res, err := p.q.b.ReadGroup(wctx, args)
	if err != nil && ctx.Err() == nil && errors.Is(err, context.DeadlineExceeded) {
		err = nil
	}
	return res, err
}

// waitRoom waits until fewer than MaxInFlight messages are held and
// returns how many more may be, or false if ctx ended first.
func (p *pool) waitRoom(ctx context.Context) (int, bool) {
	for {
		p.mu.Lock()
		n := p.q.opts.MaxInFlight - len(p.held)
		p.mu.Unlock()
		if n > 0 {
			return n, ctx.Err() == nil
		}
		select {
		case <-p.room:
		case <-ctx.Done():
			return 0, false
		}
	}
}

// admit holds freshly read entries and queues them for the handlers;
// those delivered MaxDeliver times already go to the dead-letter stream.
func (p *pool) admit(ens []instream.GroupEntry) {
	o, c := &p.q.opts, &p.q.c
	var dead []*msg
	ready := p.ready[:0]
	// One allocation for the batch, not one per message.
	ms := make([]msg, len(ens))
	now := o.Clock.Now()
	p.mu.Lock()
	for i, en := range ens {
		// A count of math.MaxInt64 (XNACK FATAL) stays so.
		m := &ms[i]
		m.Message = Message{ID: en.ID, Fields: en.Fields, Delivery: min(en.Deliveries, math.MaxInt64-1) + 1}
		m.leased = now
		if old := p.held[m.ID]; old != nil {
			// Taken back from this very pool: its lease had expired.
			old.state = lost
			c.leaseLost.Add(1)
		} else {
			c.inFlight.Add(1)
		}
		delete(p.delayed, m.ID)
		p.held[m.ID] = m
		if en.Deliveries == math.MaxInt64 || o.MaxDeliver > 0 && en.Deliveries >= int64(o.MaxDeliver) {
			m.state = settling
			dead = append(dead, m)
			continue
		}
		c.delivered.Add(1)
		if en.Deliveries > 0 {
			c.redelivered.Add(1)
		}
		ready = append(ready, m)
	}
	p.mu.Unlock()
	for _, m := range ready {
		p.work <- m
	}
	clear(ready) // hold no message past its run
	p.ready = ready
	for _, m := range dead {
		if m.Delivery == math.MaxInt64 {
			p.deadLetter(m, m.Delivery, errFatal)
		} else {
			p.deadLetter(m, m.Delivery-1, ErrLeaseExpired)
		}
		p.done(m)
	}
}

// errFatal is the cause recorded for a message nacked FATAL: one whose
// handler asked for no retry, and whose dead-letter move failed then.
var errFatal = fmt.Errorf("%w: nacked FATAL", ErrSkipRetry)

// handle runs messages until the work channel closes.
func (p *pool) handle() {
	ids := make([]instream.ID, 1) // the ack's argument, reused
	for m := range p.work {
		p.mu.Lock()
		gone := m.state != running // taken over while queued: its new delivery runs
		p.mu.Unlock()
		switch {
		case gone:
			continue
		case p.stopping.Load():
			p.release([]*msg{m})
			continue
		}
		p.settle(m, p.call(m), ids)
	}
}

// call runs the handler, turning a panic into an error.
func (p *pool) call(m *msg) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("%w: %v", ErrHandlerPanic, r)
		}
	}()
	return p.h(p.hctx, m.Message)
}

// settle applies a handler's result. A nil result always acknowledges,
// even for a message lost or given back meanwhile: the work is done. Any
// other result of a message no longer held is dropped, since its current
// holder decides. ids is a buffer of one ID for the ack.
func (p *pool) settle(m *msg, err error, ids []instream.ID) {
	o, c := &p.q.opts, &p.q.c
	p.mu.Lock()
	held := m.state == running
	if held {
		m.state = settling
	}
	p.mu.Unlock()
	var delay time.Duration
	switch {
	case err == nil:
		ids[0] = m.ID
		n, aerr := p.q.b.Ack(o.Stream, o.Group, ids...)
		if aerr != nil {
			p.fail(fmt.Errorf("ack %s: %w", m.ID, aerr))
		}
		c.acked.Add(n)
	case !held:
	case errors.Is(err, ErrSkipRetry), o.MaxDeliver > 0 && m.Delivery >= int64(o.MaxDeliver):
		p.deadLetter(m, m.Delivery, err)
	default:
		d, ok := retryDelay(err)
		if !ok {
			d = p.q.backoff(m.Delivery)
		}
		delay = d
		p.retry(m, delay)
	}
	p.done(m)
}

// done forgets a settled message and makes room for another.
func (p *pool) done(m *msg) {
	p.mu.Lock()
	if p.held[m.ID] == m {
		delete(p.held, m.ID)
		p.q.c.inFlight.Add(-1)
		select {
		case p.room <- struct{}{}:
		default:
		}
	}
	p.mu.Unlock()
}

// fail records an error of a background call.
func (p *pool) fail(err error) {
	p.q.c.errors.Add(1)
	if f := p.q.opts.OnError; f != nil {
		f(fmt.Errorf("queue %q group %q consumer %q: %w", p.q.opts.Stream, p.q.opts.Group, p.consumer, err))
	}
}

// releaseQueued gives back the messages fetched and not yet started.
func (p *pool) releaseQueued() {
	var ms []*msg
	for {
		select {
		case m := <-p.work:
			ms = append(ms, m)
			continue
		default:
		}
		break
	}
	p.release(ms)
}

// waitHandlers waits for the handlers for up to ShutdownTimeout, then
// gives back the messages still running, cancels the handlers' context
// and waits for them to return. It reports whether they finished in time.
func (p *pool) waitHandlers(handlers *sync.WaitGroup) bool {
	finished := make(chan struct{})
	go func() {
		handlers.Wait()
		close(finished)
	}()
	deadline := make(chan struct{})
	t := p.q.opts.Clock.AfterFunc(p.q.opts.ShutdownTimeout, func() { close(deadline) })
	select {
	case <-finished:
		t.Stop()
		return true
	case <-deadline:
	}
	p.mu.Lock()
	var ms []*msg
	for _, m := range p.held {
		if m.state == running {
			ms = append(ms, m)
		}
	}
	p.mu.Unlock()
	p.release(ms)
	p.hcancel()
	<-finished
	return false
}
