package instream

import "fmt"

// Rename gives the stream named key the name newKey, replacing any stream
// of that name unless nx is set, and reports whether it renamed (false
// only when nx is set and newKey exists). It is the engine's RENAME and
// RENAMENX; a missing key gives ErrNoStream. Blocked reads see the change
// as Redis's do: group reads on key fail as on a deleted stream, and
// reads on newKey are run again against the renamed stream.
func (e *Engine) Rename(key, newKey string, nx bool) (_ bool, err error) {
	t, err := e.writable(e.enter(bit(key)|bit(newKey), true))
	if err != nil {
		return false, err
	}
	defer t.endWrite(&err)
	return t.rename(key, newKey, nx)
}

func (t *tx) rename(key, newKey string, nx bool) (bool, error) {
	e := t.e
	s := e.lookup(key)
	if s == nil {
		return false, fmt.Errorf("rename %q: %w", key, ErrNoStream)
	}
	if key == newKey {
		return !nx, nil
	}
	if nx && e.lookup(newKey) != nil {
		return false, nil
	}
	e.dropStream(key)
	e.setStream(newKey, s)
	if t.logging {
		t.record("RENAME", key, newKey)
	}
	t.streamDeleted(key)
	t.touch(newKey)
	t.keyReady(newKey)
	return true, nil
}

// FlushAll deletes every stream and reports how many there were. It is
// the engine's FLUSHALL (and FLUSHDB: the engine has one database).
func (e *Engine) FlushAll() (_ int64, err error) {
	t, err := e.beginWrite()
	if err != nil {
		return 0, err
	}
	defer t.endWrite(&err)
	return t.flushAll(), nil
}

func (t *tx) flushAll() int64 {
	e := t.e
	n := int64(e.streamCount())
	if t.logging && n > 0 {
		t.record("FLUSHALL")
	}
	for i := range e.stripes {
		st := &e.stripes[i]
		for k := range st.streams {
			delete(st.streams, k)
			t.streamDeleted(k)
		}
	}
	return n
}

// NodeLimits returns the storage node limits in force (Redis's
// stream-node-max-entries and stream-node-max-bytes).
func (e *Engine) NodeLimits() (maxEntries, maxBytes int) {
	// Written only with every stripe held, opts may be read under any
	// one stripe; on a closed engine too.
	e.lockSome(1, false)
	defer e.unlockStripes(1, false)
	return e.opts.NodeMaxEntries, e.opts.NodeMaxBytes
}

// SetNodeLimits changes the storage node limits, as CONFIG SET of
// Redis's stream-node-max-entries and stream-node-max-bytes does: nodes
// created from now on, in every stream, use them. Zero means no limit;
// a negative value is ErrInvalidArgument.
func (e *Engine) SetNodeLimits(maxEntries, maxBytes int) error {
	t, err := e.begin()
	if err != nil {
		return err
	}
	defer t.end()
	return t.setNodeLimits(maxEntries, maxBytes)
}

func (t *tx) setNodeLimits(maxEntries, maxBytes int) error {
	e := t.e
	if maxEntries < 0 || maxBytes < 0 {
		return fmt.Errorf("node limits %d, %d: %w", maxEntries, maxBytes, ErrInvalidArgument)
	}
	e.opts.NodeMaxEntries, e.opts.NodeMaxBytes = maxEntries, maxBytes
	for i := range e.stripes {
		for _, s := range e.stripes[i].streams {
			fresh := newEntries(maxEntries, maxBytes)
			s.entries.maxEntries, s.entries.maxBytes = fresh.maxEntries, fresh.maxBytes
		}
	}
	return nil
}
