// Package queue implements a work queue on a stream with a consumer
// group: workers with an ack-wait lease that renews itself while a handler
// runs, retries after a delay, a dead-letter stream after too many
// deliveries, a cap on messages in flight, idempotent publishing and a
// graceful shutdown.
//
// A [Queue] keeps no state of its own outside a running worker pool: the
// messages, their delivery counts and the dead letters live in ordinary
// streams and in the group's pending list, through the calls of
// [Backend], which an *instream.Engine implements, and so can a client of
// a Redis server (Redis 8.4 or later: XREADGROUP … CLAIM, and 8.6 for
// idempotent adds).
//
//	q, _ := queue.New(e, queue.Options{Stream: "jobs", Group: "workers"})
//	q.Publish(queue.PublishArgs{Fields: []instream.Field{{Name: "job", Value: "resize"}}})
//	err := q.Run(ctx, func(ctx context.Context, m queue.Message) error {
//		return resize(ctx, m) // nil acknowledges; an error retries later
//	})
//
// # Delivery
//
// [Queue.Run] runs a pool of Concurrency handlers fed by one blocking
// group read with Claim and MinIdle set to AckWait (Redis 8.4's
// XREADGROUP … CLAIM): each read first takes over the group's messages
// left unacknowledged for AckWait, by any consumer, then new ones. No
// janitor runs. While a handler works, the pool renews the lease of its
// message every AckWait/3 (one claim of all its messages, JUSTID, which
// resets their idle time and leaves their delivery counts alone), so a
// live message is never redelivered while its process runs; a message
// whose process died is redelivered AckWait after its last renewal.
// Delivery is at least once: a handler must tolerate running a message
// again.
//
// # Outcomes
//
// A handler's nil return acknowledges the message. An error, or a panic
// (reported as [ErrHandlerPanic]), makes it come back after the delay
// BackOff gives for its delivery, or after the delay of [RetryAfter];
// the delay is set on the pending entry itself (its delivery time is
// moved back so that it becomes claimable then), not kept in a timer. An
// error wrapping [ErrSkipRetry], or a failure of the MaxDeliver-th
// delivery, moves the message to the dead-letter stream, with its
// original ID, its delivery count and the last error ([ParseDeadLetter]).
//
// # What is atomic
//
// Each backend call is atomic on its own; the queue makes no call that
// must be atomic with another except the dead-letter move, an add to the
// dead-letter stream followed by an acknowledgement. Until the backend
// offers an atomic batch, the add is idempotent (Redis 8.6's IDMP, keyed
// by the message's stream, group and ID), so a crash between the two
// leaves the message pending: it is delivered again, and if it goes to
// the dead-letter stream again, that add adds nothing (as long as the
// dead-letter stream's idempotency window, 100 s and 100 IDs per queue by
// default, still holds the first). A retry or give-back first checks
// that the pool still holds the delivery, then moves its delivery time:
// two calls, so a read taking the message over in between, which only a
// lease expiring at that instant allows, sees its lease cut short.
//
// # Shutdown
//
// When Run's context ends, the pool stops reading, gives back at once the
// messages it fetched but had not started, and lets running handlers
// finish for up to ShutdownTimeout; then it gives back their messages and
// cancels the handlers' context. A message given back keeps its delivery
// count, as Redis 8.8's XNACK SILENT does. Run returns once every
// goroutine it started has ended.
package queue
