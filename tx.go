package instream

import (
	"fmt"
	"slices"
	"strings"
)

// The lock rule. One mutex, e.mu, guards all of the engine's state. A call
// enters the engine only through begin (or acquire) and leaves only
// through the tx's end, which every entry defers, so that no exit, a panic
// included, leaves the mutex held. Exported methods are thin: begin, call
// the tx method of the same name, end. Methods of tx and unexported
// functions and methods assume the mutex is held and never take it. The
// only code that enters the engine without a caller's call is the waiting
// half of a blocking read and a CLAIM waiter's timer (waiters.go); each of
// them enters through begin or acquire too. Caller code runs under the
// mutex only in Update (update.go), whose fn gets the live tx through a
// Tx and must not call the Engine. Update holds the whole keyspace; with
// per-key locks it would still take every key exclusively.

// tx is one call's hold on the engine, from begin to end. It reads the
// clock at most once, so that everything a call does happens at one time,
// and collects the keys the call makes ready, whose waiters end serves
// once the whole call has applied its changes (as Redis serves blocked
// clients after a command or a MULTI/EXEC), and, with a Log, the call's
// effects (effects.go), which end hands to the log as one record. It is
// also where the locks of the keys it touches, for per-key locking, will
// go.
//
// Under the one mutex only one tx is live at a time, so it lives in the
// Engine and is reused; with per-key locks, txs would come from a pool.
type tx struct {
	e       *Engine
	nowMs   int64 // Unix ms, valid if haveNow
	haveNow bool
	ready   []string // keys made ready, in order; may repeat

	// parking is a waiter being registered: if the call panics before it
	// starts waiting, end unregisters it.
	parking *waiter

	// logging is set when the engine has a Log: the call's changes
	// record their effects in fx, which end hands to the log as one
	// record. Engines without a log build no effects.
	logging bool
	fx      [][]string
	fxArena []string        // backs some of fx; reused (Log.Append keeps nothing)
	idBlock strings.Builder // backs the text of the IDs in fx (idText)
}

// begin enters the engine for one call: it takes the mutex and fails with
// ErrClosed, the first error of every call on a closed engine. On success
// the caller must defer end.
func (e *Engine) begin() (*tx, error) {
	e.mu.Lock()
	if e.closed {
		e.mu.Unlock()
		return nil, ErrClosed
	}
	e.tx.haveNow = false // the other fields were reset by the last end
	if e.rec != nil {
		e.tx.logging = e.rec.Recording()
	}
	return &e.tx, nil
}

// beginWrite is begin for a call that may change state: with a log that
// failed to write or sync, it refuses the call, as Redis answers MISCONF
// before running a write command. On success the caller must defer
// endWrite.
func (e *Engine) beginWrite() (*tx, error) {
	t, err := e.begin()
	if err != nil || !t.logging {
		return t, err
	}
	if lerr := e.opts.Log.Err(); lerr != nil {
		e.mu.Unlock()
		return nil, fmt.Errorf("%w: %w", ErrLogFailed, lerr)
	}
	return t, nil
}

// acquire is begin without the closed check, for Close and for the paths
// that must finish what a call started on an engine that has since closed.
func (e *Engine) acquire() *tx {
	e.mu.Lock()
	t := &e.tx // its other fields were reset by the last end
	t.haveNow = false
	if e.rec != nil {
		t.logging = e.rec.Recording()
	}
	return t
}

// end leaves the engine: it drops a waiter left half-registered by a
// panic, serves the waiters of the keys made ready, in the order they
// were made ready, and releases the mutex, even if serving panics.
func (t *tx) end() {
	if t.parking == nil && len(t.ready) == 0 && len(t.fx) == 0 {
		t.e.mu.Unlock()
		return
	}
	if seq, _ := t.finish(); seq > 0 {
		t.e.opts.Log.Wait(seq) // the caller reports no error (a waiter's timer)
	}
}

// endWrite is end for a call that may have changed state: once the mutex
// is released, it waits until the log has made the call's record durable
// under its policy, and sets *errp (if nil) when it could not.
func (t *tx) endWrite(errp *error) {
	if !t.logging {
		t.end()
		return
	}
	seq, err := t.finish()
	if err == nil && seq > 0 {
		err = t.e.opts.Log.Wait(seq)
	}
	if err != nil && *errp == nil {
		*errp = fmt.Errorf("%w: %w", ErrLogFailed, err)
	}
}

// finish serves the waiters, hands the effects to the log, and releases
// the mutex. It returns the record's sequence number, 0 if none.
func (t *tx) finish() (seq uint64, err error) {
	e := t.e
	defer func() {
		clear(t.ready) // drop the strings
		t.ready = t.ready[:0]
		e.mu.Unlock()
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

// now returns the call's time in Unix ms, reading the clock the first
// time only.
func (t *tx) now() int64 {
	if !t.haveNow {
		t.readClock()
	}
	return t.nowMs
}

func (t *tx) readClock() {
	t.nowMs = t.e.opts.Clock.Now().UnixMilli()
	t.haveNow = true
}

// keyReady records that the call made key ready: the waiters of key are
// served when the call ends.
func (t *tx) keyReady(key string) {
	if t.e.waiters.lists[key] != nil {
		t.ready = append(t.ready, key)
	}
}
