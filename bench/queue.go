package bench

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

// A QueueOpener opens one side of the queue comparison: a fresh, empty
// queue whose handlers goroutines receive its messages; for each one they
// call h.Handle, then acknowledge the message, then call h.Acked.
//
// A new instream side (say, the queue package) is one such function,
// listed in queueSides.
type QueueOpener func(ctx context.Context, handlers int, h QueueHandler) (QueueRun, error)

// QueueHandler is what a side's handler goroutines call for each message.
// Both are safe for concurrent use.
type QueueHandler struct {
	// Handle is the handler: it gets the message as published.
	Handle func(msg []byte)
	// Acked is called once the message's acknowledgement has been made
	// (for JetStream, sent to the server).
	Acked func()
}

// QueueRun is one opened side of the queue comparison. Publish and
// PublishAsync must not keep msg after they return.
type QueueRun struct {
	// Publish publishes msg and returns once the queue has stored it.
	Publish func(msg []byte) error
	// PublishAsync publishes msg without waiting for it to be stored, and
	// Wait waits until every message published so far is stored. Both nil
	// when the side has no asynchronous publish: Publish is used instead.
	PublishAsync func(msg []byte) error
	Wait         func() error
	// Unacked reports how many published messages are not acknowledged
	// yet (not delivered, or delivered and waiting for their ack).
	Unacked func() (int64, error)
	// Close stops the handlers and releases the queue; it returns the
	// first error a handler goroutine met, if any.
	Close func() error
}

// QueueSide is one instream configuration set against JetStream's queue.
type QueueSide struct {
	// Name says what is measured, shown beside the figure; Impl is a
	// short form for benchmark names.
	Name, Impl string
	Open       QueueOpener
}

// queueSides are the instream sides of the queue comparison: the queue
// package, and the raw engine as the baseline without a queue layer.
var queueSides = []QueueSide{
	{Name: "queue package: Publish → Run (claim reads, leases) → Ack", Impl: "instream-queue", Open: openQueuePackage},
	{Name: "raw engine: Add → blocking ReadGroup → Ack", Impl: "instream-engine", Open: openEngineQueue},
}

// queueJetStream is JetStream's side.
var queueJetStream = QueueSide{Name: "memory storage, durable pull consumer, explicit acks", Impl: "jetstream", Open: openJetStreamQueue}

// queueHandlers is the number of handler goroutines of every queue run.
const queueHandlers = 4

// queueMsgSize is the size of every published message.
const queueMsgSize = 40

// queueTimeout bounds one queue run from the first publish to the last
// ack, and the wait for the queue to report every message acknowledged.
const queueTimeout = 60 * time.Second

// tracker checks that every message of a run is handled exactly once, and
// tells when all n are acknowledged.
type tracker struct {
	seen    []atomic.Uint32
	acked   atomic.Int64
	n       int64
	allDone chan struct{}
	handled chan time.Time // if not nil, gets the time of each Handle
	ackedCh chan struct{}  // if not nil, gets a value at each Acked
	bad     atomic.Int64   // messages whose sequence number is out of range
}

func newTracker(n int) *tracker {
	return &tracker{seen: make([]atomic.Uint32, n), n: int64(n), allDone: make(chan struct{})}
}

func (t *tracker) handler() QueueHandler {
	return QueueHandler{
		Handle: func(msg []byte) {
			at := time.Now()
			if len(msg) != queueMsgSize {
				t.bad.Add(1)
			} else if seq := binary.LittleEndian.Uint64(msg); seq < uint64(len(t.seen)) {
				t.seen[seq].Add(1)
			} else {
				t.bad.Add(1)
			}
			if t.handled != nil {
				// Never blocks a handler: a second signal before the
				// harness took the first can only be a duplicate, which
				// check reports.
				select {
				case t.handled <- at:
				default:
				}
			}
		},
		Acked: func() {
			if t.acked.Add(1) == t.n {
				close(t.allDone)
			}
			if t.ackedCh != nil {
				select {
				case t.ackedCh <- struct{}{}:
				default:
				}
			}
		},
	}
}

// check reports a message handled twice, never, or not as published.
func (t *tracker) check() error {
	if b := t.bad.Load(); b > 0 {
		return fmt.Errorf("%d messages handled with a wrong size or sequence number", b)
	}
	for i := range t.seen {
		if c := t.seen[i].Load(); c != 1 {
			return fmt.Errorf("message %d handled %d times, want once", i, c)
		}
	}
	return nil
}

// message writes message seq into buf, a queueMsgSize buffer whose tail
// is filler.
func message(buf []byte, seq int) []byte {
	binary.LittleEndian.PutUint64(buf, uint64(seq))
	return buf
}

func newMessageBuf() []byte {
	buf := make([]byte, queueMsgSize)
	copy(buf[8:], msg40)
	return buf
}

// queueRate opens side, publishes n messages from one goroutine (with
// PublishAsync if async and the side has it) while queueHandlers handlers
// take them, and returns the messages per second from the first publish
// to the last ack. It checks that each message was handled once and that
// the queue reports nothing left unacknowledged.
func queueRate(ctx context.Context, open QueueOpener, n int, async bool) (float64, error) {
	tr := newTracker(n)
	run, err := open(ctx, queueHandlers, tr.handler())
	if err != nil {
		return 0, err
	}
	run.Close = sync.OnceValue(run.Close)
	defer run.Close()
	publish := run.Publish
	if async && run.PublishAsync != nil {
		publish = run.PublishAsync
	}
	buf := newMessageBuf()
	t0 := time.Now()
	for i := range n {
		if err := publish(message(buf, i)); err != nil {
			return 0, fmt.Errorf("publish %d: %w", i, err)
		}
	}
	if async && run.Wait != nil {
		if err := run.Wait(); err != nil {
			return 0, err
		}
	}
	select {
	case <-tr.allDone:
	case <-ctx.Done():
		return 0, ctx.Err()
	case <-time.After(queueTimeout):
		return 0, fmt.Errorf("queue run: %d of %d messages acknowledged after %v", tr.acked.Load(), n, queueTimeout)
	}
	d := time.Since(t0)
	if err := finish(run, tr); err != nil {
		return 0, err
	}
	return float64(n) / d.Seconds(), nil
}

// queueLatency opens side and publishes trials messages one at a time:
// each is published once the previous one was handled and acknowledged.
// It returns the sorted times from just before each Publish to the start
// of its Handle.
func queueLatency(ctx context.Context, open QueueOpener, trials int) ([]time.Duration, error) {
	tr := newTracker(trials)
	tr.handled = make(chan time.Time, 1)
	tr.ackedCh = make(chan struct{}, 1)
	run, err := open(ctx, queueHandlers, tr.handler())
	if err != nil {
		return nil, err
	}
	run.Close = sync.OnceValue(run.Close)
	defer run.Close()
	buf := newMessageBuf()
	lat := make([]time.Duration, 0, trials)
	for i := range trials {
		t0 := time.Now()
		if err := run.Publish(message(buf, i)); err != nil {
			return nil, fmt.Errorf("publish %d: %w", i, err)
		}
		var at time.Time
		select {
		case at = <-tr.handled:
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(queueTimeout):
			return nil, fmt.Errorf("message %d not handled within %v", i, queueTimeout)
		}
		select {
		case <-tr.ackedCh:
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(queueTimeout):
			return nil, fmt.Errorf("message %d not acknowledged within %v", i, queueTimeout)
		}
		lat = append(lat, at.Sub(t0))
	}
	if err := finish(run, tr); err != nil {
		return nil, err
	}
	slices.Sort(lat)
	return lat, nil
}

// finish checks a run's deliveries, waits (bounded) until the queue
// reports every message acknowledged, and closes it.
func finish(run QueueRun, tr *tracker) error {
	if err := tr.check(); err != nil {
		return err
	}
	deadline := time.Now().Add(queueTimeout)
	for {
		left, err := run.Unacked()
		if err != nil {
			return err
		}
		if left == 0 {
			break
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("queue reports %d messages unacknowledged %v after the last ack", left, queueTimeout)
		}
		time.Sleep(time.Millisecond)
	}
	if err := run.Close(); err != nil {
		return errors.Join(errors.New("closing the queue"), err)
	}
	return nil
}
