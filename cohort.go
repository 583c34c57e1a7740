package instream

import "context"

// Many calls blocked on one stream usually make the same read: a
// consumer per goroutine, each waiting for what comes after the same
// last entry. Each such call parking its own waiter makes a writer's
// fan-out cost one read, one unregistration and one channel per call,
// and each woken call select on its ctx's Done too; when the calls share
// that Done (one parent ctx), they contend on its channel as they wake.
//
// So a one-stream XREAD that would park behind a waiter making the same
// read with the same ctx.Done, at the tail of the key's queue, joins it
// instead: the waiter (the leader) is served once for all, and the calls
// that joined (members) wait on one channel, fan, without selecting on
// their ctx. Their ctx ends when the leader's does (the same Done), and
// the leader then gives up for all; Close closes fan too. Joining only
// the tail keeps the FIFO order of the key's waiters.
//
// A writer that serves a cohort closes fan itself when it has few
// members; for more, it leaves that to the leader, which closes fan as
// soon as it wakes, so that an add pays O(1) for one cohort however many
// calls it wakes.

// cohort is what a waiter shares with the calls that joined it.
type cohort struct {
	ok      bool            // a one-stream XREAD: others may join
	read    readKey         // the read every member makes
	done    <-chan struct{} // the leader's ctx.Done(), shared by the members
	members int             // calls joined, not counting the leader
	fan     chan struct{}   // closed for the members; nil until one joins
	fanLeft bool            // the leader must close fan when it wakes
	served  bool            // res is the result; set before fan is closed
	res     []StreamEntries // the result of the read, when served
}

// join makes the call whose resolved one-stream read is k, with ctx.Done
// done, a member of the waiter at the tail of the key's queue, if that
// waiter makes the same read, and returns that waiter; nil if not.
func (t *tx) join(k readKey, done <-chan struct{}) *waiter {
	l := t.e.stripe(k.arg.Key).waits[k.arg.Key]
	if l == nil {
		return nil
	}
	w := l.tail.w
	if !w.co.ok || w.co.read != k || w.co.done != done {
		return nil
	}
	if w.co.fan == nil {
		w.co.fan = make(chan struct{})
	}
	w.co.members++
	l.n++
	return w
}

// served records that a writer has served w, which it has unregistered,
// and wakes w's members if they are few; it returns how many it woke.
// The writer closes w's ready after.
func (w *waiter) served() int {
	w.co.served = true
	if w.co.fan == nil {
		return 0
	}
	if w.co.members > xreadChunk {
		w.co.fanLeft = true
		return 0
	}
	close(w.co.fan)
	return w.co.members
}

// fanOut wakes the members that a writer left to w, a served leader.
func (w *waiter) fanOut() {
	if w.co.fanLeft {
		w.co.fanLeft = false
		close(w.co.fan)
	}
}

// waitMember waits, without locks, until the cohort that the call joined
// is done, and returns the call's result.
func waitMember(ctx context.Context, w *waiter) ([]StreamEntries, error) {
	<-w.co.fan
	switch {
	case w.co.served:
		return w.co.res, nil
	case w.closed:
		return nil, ErrClosed
	}
	// The leader gave up: its ctx, whose Done is this call's, ended.
	return nil, ctx.Err()
}
