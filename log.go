package instream

import "errors"

// Log is where an engine with persistence sends its changes. Each call
// that changes state produces one record: the commands that reproduce
// its effect on a Redis server (see "Persistence" in the package
// documentation), in order. Package persist provides one, writing
// Redis's append-only file format.
//
// The engine calls Err and Append while the call holds the locks of the
// streams it changed, so that each stream's records come in the order of
// its changes, and a change of several streams is one record; they must
// be quick and must not call the engine. Calls on different streams run
// in parallel, so a Log must be safe for concurrent use. The engine calls
// Wait after releasing the locks.
type Log interface {
	// Err returns a non-nil error while the log cannot write: the engine
	// then refuses calls that change state, with ErrLogFailed.
	Err() error
	// Append takes one record and returns its sequence number. It must
	// not keep cmds (the engine reuses the slices); the strings may be
	// kept.
	Append(cmds ...[]string) (seq uint64, err error)
	// Wait returns once record seq is as durable as the log's policy
	// promises.
	Wait(seq uint64) error
}

// recording is implemented by a Log that is not always recording: while
// Recording returns false, calls build no effects (package persist
// replays its log through the engine that way).
type recording interface{ Recording() bool }

// ErrLogFailed is returned by calls that change state on an engine whose
// Log failed to write or sync: the change was refused, or (if the call
// got as far as applying it) it is in memory but its durability is
// unknown. Reads go on. Do answers it with Redis's MISCONF text.
var ErrLogFailed = errors.New("persistence log failed; changes are refused until it can write")

// appendEffects hands the call's effects, if any, to the log as one
// record, and forgets them.
func (t *tx) appendEffects(seq *uint64, err *error) {
	if len(t.fx) == 0 {
		return
	}
	*seq, *err = t.e.opts.Log.Append(t.fx...)
	clear(t.fx)
	t.fx = t.fx[:0]
	clear(t.fxArena)
	t.fxArena = t.fxArena[:0]
}
