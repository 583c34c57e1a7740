package instream

import (
	"fmt"
	"slices"
)

// How calls lock is described once, in locks.go. Exported methods are
// thin: enter (begin, beginKey, beginRead, ...), call the tx method of
// the same name, end. The only code that enters the engine without a
// caller's call is the waiting half of a blocking read and a CLAIM
// waiter's timer (waiters.go); each of them enters through the same
// functions.

// tx is one call's hold on the engine, from its enter to end. It reads
// the clock at most once, so that everything a call does happens at one
// time, and collects the keys the call makes ready, whose waiters end
// serves once the whole call has applied its changes (as Redis serves
// blocked clients after a command or a MULTI/EXEC), and, with a Log, the
// call's effects (effects.go), which end hands to the log as one record
// while the call still holds its stripes: so the log has each key's
// changes in their order, and a multi-key change as one record.
//
// A call that writes uses the tx of the lowest stripe it holds; a call
// that only looks gets one from readTxs (locks.go).
type tx struct {
	e       *Engine
	nowMs   int64 // Unix ms, valid if haveNow
	haveNow bool
	read    bool     // the stripes are held for reading
	held    uint64   // the stripes held (locks.go)
	home    *stripe  // the stripe whose tx this is; if read, the lowest held
	ready   []string // keys made ready, in order; may repeat

	// parking is a waiter being registered: if the call panics before it
	// starts waiting, end unregisters it.
	parking *waiter

	// shared is the result of the last one-stream XREAD served in the
	// current pass: in a fan-out, the waiters of a stream usually ask
	// for the same entries, and the result is read-only to its callers,
	// so they share one copy. It is valid only within one serveKey call.
	shared sharedRead

	// logging is set when the engine has a Log: the call's changes
	// record their effects in fx, which end hands to the log as one
	// record. Engines without a log build no effects.
	logging bool
	fx      []byte // the effects, encoded (log.go); reused
	fxN     int    // commands in fx, not counting annotations
	doneIDs []ID   // the IDs an ack or a deletion logs; reused

	// idMsText holds the text of idMs, idMsLen digits (appendIDBulk).
	idMs     uint64
	idMsLen  int
	idMsText [20]byte
}

// end leaves the engine: it drops a waiter left half-registered by a
// panic, serves the waiters of the keys made ready, in the order they
// were made ready, and releases the locks, even if serving panics.
func (t *tx) end() {
	if t.read {
		e, held := t.e, t.held
		t.e, t.home = nil, nil
		readTxs.Put(t)
		e.unlockStripes(held, false)
		return
	}
	if t.parking == nil && len(t.ready) == 0 && len(t.fx) == 0 {
		if t.held&(t.held-1) == 0 {
			t.home.mu.Unlock() // a single stripe held for writing is home
		} else {
			t.e.unlockStripes(t.held, true)
		}
		return
	}
	if seq, _ := t.finish(); seq > 0 {
		t.e.opts.Log.Wait(seq) // the caller reports no error (a waiter's timer)
	}
}

// endWrite is end for a call that may have changed state: once its locks
// are released, it waits until the log has made the call's record durable
// under its policy, and sets *errp (if nil) when it could not.
func (t *tx) endWrite(errp *error) {
	// end's fast path, repeated here in a small frame (endWrite is not
	// inlined; its slow path, with the larger frame, is split out).
	if !t.logging && t.held&(t.held-1) == 0 && t.parking == nil && len(t.ready) == 0 {
		t.home.mu.Unlock()
		return
	}
	t.endWriteSlow(errp)
}

func (t *tx) endWriteSlow(errp *error) {
	if !t.logging {
		t.end()
		return
	}
	var seq uint64
	var err error
	if t.parking == nil && len(t.ready) == 0 && t.held&(t.held-1) == 0 {
		seq, err = t.finishHome()
	} else {
		seq, err = t.finish()
	}
	if err == nil && seq > 0 {
		err = t.e.opts.Log.Wait(seq)
	}
	if err != nil && *errp == nil {
		*errp = fmt.Errorf("%w: %w", ErrLogFailed, err)
	}
}

// finish serves the waiters, hands the effects to the log, and releases
// the locks. It returns the record's sequence number, 0 if none.
func (t *tx) finish() (seq uint64, err error) {
	e := t.e
	defer func() {
		clear(t.ready) // drop the strings
		t.ready = t.ready[:0]
		e.unlockStripes(t.held, true)
	}()
	defer t.appendEffects(&seq, &err) // after serving: served reads have effects too
	if w := t.parking; w != nil {
		t.parking = nil
		e.leave(w)
	}
	for i := 0; i < len(t.ready); i++ {
		if key := t.ready[i]; !slices.Contains(t.ready[:i], key) {
			e.serveKey(t, key, true)
		}
	}
	return 0, nil // set by appendEffects
}

// finishHome is finish for a call that holds its home stripe alone and
// has no waiters to serve, the usual add.
func (t *tx) finishHome() (seq uint64, err error) {
	defer t.home.mu.Unlock()
	t.appendEffects(&seq, &err)
	return seq, err
}

// now returns the call's time in Unix ms, reading the clock the first
// time only.
func (t *tx) now() int64 {
	if !t.haveNow {
		t.readClock()
	}
	return t.nowMs
}

func (t *tx) readClock() {
	if _, ok := t.e.opts.Clock.(realClock); ok {
		t.nowMs = realClock{}.Now().UnixMilli() // a static call, inlined
	} else {
		t.nowMs = t.e.opts.Clock.Now().UnixMilli()
	}
	t.haveNow = true
}

// keyReady records that the call made key ready: the waiters of key are
// served when the call ends.
func (t *tx) keyReady(key string) {
	// Inlined: a call that holds one stripe with no waiters is done.
	if t.held&(t.held-1) != 0 || len(t.home.waits) != 0 || checkStripes {
		t.keyReadyIn(key)
	}
}

func (t *tx) keyReadyIn(key string) {
	if w := t.stripe(key).waits; len(w) != 0 && w[key] != nil {
		t.ready = append(t.ready, key)
	}
}
