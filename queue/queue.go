package queue

import (
	"context"
	"errors"
	"fmt"
	"os"
	"runtime"
	"sync/atomic"
	"time"

	"github.com/instream/instream"
)

// Backend is the part of the typed stream API ([instream.Streams]) a
// queue uses. An *instream.Engine implements it, and so does
// *redisstreams.Client over a Redis server. Nack and, for fetching,
// ReadGroup with Claim may fail with an error wrapping
// errors.ErrUnsupported: the queue then does without (see the package
// documentation).
type Backend interface {
	Add(key string, args instream.AddArgs) (instream.ID, error)
	CreateGroup(key string, args instream.GroupArgs) error
	Group(key, group string) (instream.GroupInfo, error)
	ReadGroup(ctx context.Context, args instream.ReadGroupArgs) ([]instream.GroupEntries, error)
	Ack(key, group string, ids ...instream.ID) (int64, error)
	Claim(key string, args instream.ClaimArgs) ([]instream.GroupEntry, error)
	AutoClaim(key string, args instream.AutoClaimArgs) (instream.AutoClaimResult, error)
	Pending(key string, args instream.PendingArgs) ([]instream.PendingEntry, error)
	Nack(key string, args instream.NackArgs) (int64, error)
	AckAdd(key string, args instream.AckAddArgs) (instream.ID, bool, error)
}

var _ Backend = (*instream.Engine)(nil)

// These errors are returned or recorded by the queue. Use errors.Is to
// test for them.
var (
	// ErrHandlerPanic is the error recorded for a handler that panicked;
	// the panic's value follows it in the text.
	ErrHandlerPanic = errors.New("handler panicked")

	// ErrSkipRetry, wrapped in a handler's error, moves the message to the
	// dead-letter stream at once (JetStream's Term, Redis 8.8's XNACK
	// FATAL, asynq's SkipRetry).
	ErrSkipRetry = errors.New("skip retry")

	// ErrLeaseExpired is the error recorded for a message dead-lettered
	// because its deliveries ran out without a handler's result: its last
	// lease expired, for instance because its process died.
	ErrLeaseExpired = errors.New("lease expired before the handler returned")

	// ErrShutdownTimeout is returned by Run when handlers were still
	// running ShutdownTimeout after its context ended: their messages
	// were given back.
	ErrShutdownTimeout = errors.New("handlers still running at the shutdown deadline")
)

// Options configures a Queue. A zero Options is valid except for Stream
// and Group, which must be set; every other field has a default, given
// at its end.
type Options struct {
	// Stream holds the messages; Group is the consumer group the workers
	// read as. Run creates both if missing, the group from the stream's
	// start so that no message published before it is missed.
	Stream, Group string

	// Consumer names the consumer of the group a Run reads as; two Runs
	// must not share one. If empty, each Run uses a name of its own made
	// of the host name, the process ID and a sequence number.
	Consumer string

	// Concurrency is how many handlers each Run runs at once. If zero,
	// runtime.GOMAXPROCS(0).
	Concurrency int

	// MaxInFlight caps the messages a Run holds unacknowledged: fetched
	// and not yet settled (acknowledged, given back for a retry or
	// dead-lettered). It is at least Concurrency. If zero, 1000, as
	// JetStream's MaxAckPending.
	MaxInFlight int

	// AckWait is the lease of a delivered message: if its pool neither
	// renews nor settles it for that long, another read may take it over.
	// It must be at least 3 ms. If zero, 30 s, as JetStream's AckWait.
	AckWait time.Duration

	// MaxDeliver is how many times a message is delivered before it goes
	// to the dead-letter stream. If zero, 25 (asynq's MaxRetry, river's
	// MaxAttempts); if negative, no limit.
	MaxDeliver int

	// BackOff is the delay before a failed message comes back: after the
	// failure of delivery n, BackOff[min(n, len(BackOff))-1]. If nil, 1 s
	// doubling with each delivery, at most 5 min. A delay longer than
	// AckWait is kept by the Run, which renews the lease until AckWait is
	// left; if the Run stops first, the message comes back after AckWait.
	BackOff []time.Duration

	// DeadLetter is the dead-letter stream. If empty, Stream + ":dead".
	DeadLetter string

	// ShutdownTimeout is how long Run lets running handlers finish once
	// its context ended. If zero, 8 s, as asynq's ShutdownTimeout.
	ShutdownTimeout time.Duration

	// Clock times leases, delays and the shutdown deadline; use the
	// Engine's (instream.Options.Clock) so both agree. If nil, the time
	// package's.
	Clock instream.Clock

	// OnError, if not nil, is called with each error of a backend call a
	// pool makes in the background (an acknowledgement, a lease renewal,
	// a retry, a dead-letter move); the message concerned is then
	// redelivered after its lease expires. It must not block.
	OnError func(error)
}

// Queue is a work queue on a stream and a consumer group. It is safe for
// concurrent use by multiple goroutines.
type Queue struct {
	b    Backend
	opts Options
	c    counters

	// Set once a backend call answered errors.ErrUnsupported (a Redis
	// server older than 8.8 or 8.4): the queue then does without.
	noNack, noClaimRead atomic.Bool
}

// counters are the Queue's statistics, shared by its Runs.
type counters struct {
	delivered, redelivered, acked, nacked, deadLettered atomic.Int64
	released, leaseLost, errors, inFlight               atomic.Int64
}

var consumerSeq atomic.Int64

// New returns a queue on b configured by opts. It makes no call to b.
func New(b Backend, opts Options) (*Queue, error) {
	switch {
	case b == nil:
		return nil, invalid("backend is nil")
	case opts.Stream == "" || opts.Group == "":
		return nil, invalid("Stream and Group must be set")
	case opts.Concurrency < 0, opts.MaxInFlight < 0:
		return nil, invalid("Concurrency and MaxInFlight must not be negative")
	case opts.AckWait != 0 && opts.AckWait < 3*time.Millisecond:
		return nil, invalid("AckWait %v is below 3ms", opts.AckWait)
	case opts.ShutdownTimeout < 0:
		return nil, invalid("ShutdownTimeout %v is negative", opts.ShutdownTimeout)
	}
	for _, d := range opts.BackOff {
		if d < 0 {
			return nil, invalid("BackOff holds a negative delay %v", d)
		}
	}
	if opts.Concurrency == 0 {
		opts.Concurrency = runtime.GOMAXPROCS(0)
	}
	if opts.MaxInFlight == 0 {
		opts.MaxInFlight = 1000
	}
	opts.MaxInFlight = max(opts.MaxInFlight, opts.Concurrency)
	if opts.AckWait == 0 {
		opts.AckWait = 30 * time.Second
	}
	if opts.MaxDeliver == 0 {
		opts.MaxDeliver = 25
	}
	if opts.DeadLetter == "" {
		opts.DeadLetter = opts.Stream + ":dead"
	}
	if opts.ShutdownTimeout == 0 {
		opts.ShutdownTimeout = 8 * time.Second
	}
	if opts.Clock == nil {
		opts.Clock = realClock{}
	}
	return &Queue{b: b, opts: opts}, nil
}

func invalid(format string, args ...any) error {
	return fmt.Errorf("queue options: %w: %s", instream.ErrInvalidArgument, fmt.Sprintf(format, args...))
}

// realClock is the time package's clock.
type realClock struct{}

func (realClock) Now() time.Time { return time.Now() }

func (realClock) AfterFunc(d time.Duration, f func()) instream.Timer { return time.AfterFunc(d, f) }

// PublishArgs describes a message to publish.
type PublishArgs struct {
	// Fields are the message; there must be at least one.
	Fields []instream.Field

	// Producer and IdempotencyID, if set, make the publish idempotent
	// (Redis 8.6's XADD IDMP): publishing the same pair again within the
	// stream's idempotency window adds nothing and returns the first
	// message's ID. Set both or neither.
	Producer, IdempotencyID string
}

// Publish adds a message to the queue's stream, creating the stream if
// needed, and returns its ID.
func (q *Queue) Publish(args PublishArgs) (instream.ID, error) {
	if (args.Producer == "") != (args.IdempotencyID == "") {
		return instream.ID{}, fmt.Errorf("publish to %q: %w: set both Producer and IdempotencyID, or neither",
			q.opts.Stream, instream.ErrInvalidArgument)
	}
	return q.b.Add(q.opts.Stream, instream.AddArgs{
		Fields: args.Fields, Producer: args.Producer, IdempotencyID: args.IdempotencyID,
	})
}

// Stats are a queue's counters, summed over its Runs since New, and its
// group's state.
type Stats struct {
	Delivered    int64 // messages handed to a handler
	Redelivered  int64 // of those, the ones delivered before
	Acked        int64 // acknowledged after the handler returned nil
	Nacked       int64 // given back for a retry after a failure
	DeadLettered int64 // moved to the dead-letter stream
	Released     int64 // given back unhandled or unfinished at shutdown, delivery count kept
	LeaseLost    int64 // found taken over by another read while held
	Errors       int64 // background backend calls that failed
	InFlight     int64 // held now: fetched and not yet settled

	// Pending is the size of the group's pending list, and Lag the
	// messages it has not been handed yet (when LagKnown), as XINFO
	// GROUPS reports them.
	Pending  int64
	Lag      int64
	LagKnown bool
}

// Stats returns the queue's counters and its group's pending count and
// lag.
func (q *Queue) Stats() (Stats, error) {
	c := &q.c
	s := Stats{
		Delivered: c.delivered.Load(), Redelivered: c.redelivered.Load(),
		Acked: c.acked.Load(), Nacked: c.nacked.Load(), DeadLettered: c.deadLettered.Load(),
		Released: c.released.Load(), LeaseLost: c.leaseLost.Load(), Errors: c.errors.Load(),
		InFlight: c.inFlight.Load(),
	}
	gi, err := q.b.Group(q.opts.Stream, q.opts.Group)
	if err != nil {
		return s, fmt.Errorf("queue stats: %w", err)
	}
	s.Pending, s.Lag, s.LagKnown = gi.Pending, gi.Lag, gi.LagKnown
	return s, nil
}

// consumerName returns the consumer name of a new Run.
func (q *Queue) consumerName() string {
	if q.opts.Consumer != "" {
		return q.opts.Consumer
	}
	host, err := os.Hostname()
	if err != nil || host == "" {
		host = "host"
	}
	return fmt.Sprintf("%s-%d-%d", host, os.Getpid(), consumerSeq.Add(1))
}

// backoff returns the retry delay after the failure of delivery n >= 1.
func (q *Queue) backoff(n int64) time.Duration {
	if b := q.opts.BackOff; len(b) > 0 {
		return b[min(n, int64(len(b)))-1]
	}
	const most = 5 * time.Minute
	if n > 10 {
		return most
	}
	return min(time.Second<<(n-1), most)
}
