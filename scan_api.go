package instream

import (
	"fmt"
	"sync"
)

// Scan reads scanFirst entries per hold of the lock at first, since
// many scans stop early, and then twice as many each time, up to
// scanBatch: enough to make locking cheap per entry, few enough that
// writers wait little.
const (
	scanFirst = 16
	scanBatch = 256
)

var scanPool = sync.Pool{New: func() any { return new(scanBuf) }}

// Scan calls fn for each entry of the stream named key with an ID in
// [start, end], in ascending order, until fn returns false. It reads what
// Range reads without copying: nothing is allocated in steady state.
//
// The fields passed to fn, and their strings, are valid only until fn
// returns; fn must not modify or keep them (copy what it keeps, e.g.
// with strings.Clone). fn runs without the engine's lock held, so it may
// call the engine, including to change the stream.
//
// Scan reads the entries in batches, as repeated XRANGE calls with
// COUNT do: each batch is a consistent snapshot, but entries added,
// deleted or trimmed after Scan began may or may not be seen. It
// returns ErrClosed if the engine is closed before it ends, and nil if
// the stream does not exist. A start above end is ErrInvalidArgument. O(log n) per batch (of up to 256 entries)
// plus O(1) per entry.
func (e *Engine) Scan(key string, start, end ID, fn func(id ID, fields []Field) bool) error {
	b := scanPool.Get().(*scanBuf)
	defer b.release()
	for size := scanFirst; ; size = min(2*size, scanBatch) {
		more, err := e.scanBatch(key, start, end, size, b)
		if err != nil {
			return err
		}
		from := 0
		for i, id := range b.ids {
			to := b.ends[i]
			if !fn(id, b.fields[from:to:to]) {
				return nil
			}
			from = to
		}
		if !more {
			return nil
		}
		next, ok := b.ids[len(b.ids)-1].Next()
		if !ok {
			return nil
		}
		start = next
	}
}

// scanBatch fills b with the next batch of Scan and reports whether
// entries in range are left after it.
func (e *Engine) scanBatch(key string, start, end ID, size int, b *scanBuf) (bool, error) {
	b.reset()
	t, err := e.beginRead(key)
	if err != nil {
		return false, err
	}
	defer t.end()
	// Later batches start after an ID <= end, so only the first can fail.
	if err := checkBounds(start, end); err != nil {
		return false, fmt.Errorf("scan %q: %w", key, err)
	}
	return t.scanBatch(key, start, end, size, b), nil
}

func (t *tx) scanBatch(key string, start, end ID, size int, b *scanBuf) bool {
	s := t.lookup(key)
	if s == nil {
		return false
	}
	return s.entries.fill(start, end, size, b)
}

// release drops b's references into the entries and returns it to the
// pool.
func (b *scanBuf) release() {
	b.reset()
	b.forget()
	scanPool.Put(b)
}
