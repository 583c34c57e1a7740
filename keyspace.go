package instream

import "fmt"

// Rename gives the stream named key the name newKey, replacing any stream
// of that name unless nx is set, and reports whether it renamed (false
// only when nx is set and newKey exists). It is the engine's RENAME and
// RENAMENX; a missing key gives ErrNoStream. Blocked reads see the change
// as Redis's do: group reads on key fail as on a deleted stream, and
// reads on newKey are run again against the renamed stream.
func (e *Engine) Rename(key, newKey string, nx bool) (bool, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.closed {
		return false, ErrClosed
	}
	s := e.streams[key]
	if s == nil {
		return false, fmt.Errorf("rename %q: %w", key, ErrNoStream)
	}
	if key == newKey {
		return !nx, nil
	}
	if nx && e.streams[newKey] != nil {
		return false, nil
	}
	e.batch(func() {
		delete(e.streams, key)
		e.streams[newKey] = s
		e.streamDeleted(key)
		e.keyReady(newKey)
	})
	return true, nil
}

// FlushAll deletes every stream and reports how many there were. It is
// the engine's FLUSHALL (and FLUSHDB: the engine has one database).
func (e *Engine) FlushAll() (int64, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.closed {
		return 0, ErrClosed
	}
	n := int64(len(e.streams))
	e.batch(func() {
		for k := range e.streams {
			delete(e.streams, k)
			e.streamDeleted(k)
		}
	})
	return n, nil
}

// NodeLimits returns the storage node limits in force (Redis's
// stream-node-max-entries and stream-node-max-bytes).
func (e *Engine) NodeLimits() (maxEntries, maxBytes int) {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.opts.NodeMaxEntries, e.opts.NodeMaxBytes
}

// SetNodeLimits changes the storage node limits, as CONFIG SET of
// Redis's stream-node-max-entries and stream-node-max-bytes does: nodes
// created from now on, in every stream, use them. Zero means no limit;
// a negative value is ErrInvalidArgument.
func (e *Engine) SetNodeLimits(maxEntries, maxBytes int) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.closed {
		return ErrClosed
	}
	if maxEntries < 0 || maxBytes < 0 {
		return fmt.Errorf("node limits %d, %d: %w", maxEntries, maxBytes, ErrInvalidArgument)
	}
	e.opts.NodeMaxEntries, e.opts.NodeMaxBytes = maxEntries, maxBytes
	for _, s := range e.streams {
		fresh := newEntries(maxEntries, maxBytes)
		s.entries.maxEntries, s.entries.maxBytes = fresh.maxEntries, fresh.maxBytes
	}
	return nil
}
