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
// moved back so that it becomes claimable then), not kept in a timer; a
// delay of 0 is a negative acknowledgement (XNACK FAIL), which claim
// reads serve before anything else. An error wrapping [ErrSkipRetry], or
// a failure of the MaxDeliver-th delivery, moves the message to the
// dead-letter stream, with its original ID, its delivery count and the
// last error ([ParseDeadLetter]); if that move fails, the message is
// nacked FATAL, so that the next read moves it.
//
// # What is atomic
//
// Each backend call is atomic on its own. The dead-letter move is one
// call, AckAdd: the dead letter is added and the message acknowledged in
// one step, and only if the pool still holds that delivery (pending for
// its consumer with its delivery count), so a crash never leaves a
// message acknowledged without its dead letter, and two pools never both
// move it. A retry or give-back first checks that the pool still holds
// the delivery, then nacks it or moves its delivery time: two calls, and
// neither XNACK nor XCLAIM checks the owner. A pool therefore leaves
// alone a message whose lease it has not renewed for 2/3 AckWait (its
// renewals failed, or the clock jumped): it comes back when that lease
// expires. A read can take a message over between the two calls only if
// they last AckWait/3 or more.
//
// # Redis servers
//
// On a Redis server (the redisstreams module) the queue uses XNACK
// (Redis 8.8) to retry at once and to give messages back, and claim
// reads (8.4) to fetch. On an older server, whose client answers
// errors.ErrUnsupported, it does without, from the first such answer on:
// it moves delivery times with XCLAIM instead of nacking, and fetches
// with XAUTOCLAIM then a group read that waits at most AckWait/4 (on
// real time), so a message whose lease expired comes back up to that
// late. Idempotent publishing needs Redis 8.6. On a Redis Cluster, the
// stream and the dead-letter stream must share a slot: name the stream
// with a hash tag, such as "{jobs}", whose default dead-letter stream
// is "{jobs}:dead".
//
// # Shutdown
//
// When Run's context ends, the pool stops reading, gives back at once the
// messages it fetched but had not started, and lets running handlers
// finish for up to ShutdownTimeout; then it gives back their messages and
// cancels the handlers' context. A message given back is nacked SILENT
// (Redis 8.8's XNACK): it comes first to the next read, with the
// delivery count it had before this delivery. Run returns once every
// goroutine it started has ended.
package queue
