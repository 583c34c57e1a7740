package instream

import (
	"slices"
	"sync/atomic"
)

// Watch reports whether any of a set of streams was modified since the
// watch began, as Redis's WATCH does for MULTI/EXEC. A stream counts as
// modified exactly where Redis 7.0 signals a modified key to WATCH:
// entries added (creating the stream or not), entries removed by XDEL,
// XTRIM, XDELEX, XACKDEL or trimming on add, the stream deleted, flushed,
// renamed away or renamed onto, or created by XGROUP CREATE MKSTREAM.
// Group and pending-list changes (XREADGROUP, XACK, XCLAIM, XGROUP) and
// XSETID do not count, as in Redis. Changes made through any path count:
// the typed API, Update, and Redis commands.
//
// Watching costs a map lookup per modification while any watch is open,
// and nothing otherwise.
type Watch struct {
	e        *Engine
	keys     []string
	modified atomic.Bool // set under the lock of a watched stream, read anywhere
	closed   bool        // written with every stripe locked (locks.go)
}

// Watch starts watching the named streams. Close the Watch when done;
// until then the engine keeps it. Watching a stream that does not exist
// is allowed: creating it is a modification.
func (e *Engine) Watch(keys ...string) (*Watch, error) {
	t, err := e.begin()
	if err != nil {
		return nil, err
	}
	defer t.end()
	w := &Watch{e: e, keys: slices.Clone(keys)}
	if e.watches == nil {
		e.watches = make(map[string][]*Watch)
	}
	for _, k := range w.keys {
		e.watches[k] = append(e.watches[k], w)
	}
	return w, nil
}

// Modified reports whether a watched stream was modified since the
// Watch began. It does not take the engine, so it may be called inside
// Update, where its answer is exact for the batch: no other call can
// modify a stream between it and the batch's operations.
func (w *Watch) Modified() bool { return w.modified.Load() }

// Close stops the watch. It is idempotent, and must not be called inside
// Update (it takes the engine).
func (w *Watch) Close() {
	t := w.e.acquire() // on a closed engine too
	defer t.end()
	if w.closed {
		return
	}
	w.closed = true
	ws := w.e.watches
	for _, k := range w.keys {
		l := slices.DeleteFunc(ws[k], func(x *Watch) bool { return x == w })
		if len(l) == 0 {
			delete(ws, k)
		} else {
			ws[k] = l
		}
	}
}

// touch marks the watches of key modified.
func (t *tx) touch(key string) {
	if len(t.e.watches) == 0 {
		return
	}
	for _, w := range t.e.watches[key] {
		w.modified.Store(true)
	}
}
