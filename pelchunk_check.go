package instream

import (
	"fmt"
	"math/bits"
)

// check verifies the invariants of a chunk list: the chunk list and the
// tree agree, the head's key is 0-0 and the other keys bound their
// chunks' IDs, IDs ascend strictly across all slots, live counts match
// the bits and add up to len, and no chunk is empty but the only one or
// has three dead slots or more for each live one. Tests call it after
// mutations.
func (l *chunkList[R]) check() error {
	var prev *chunk[R]
	var last ID
	chunks, length, hinted := 0, 0, l.hint == nil
	for c := l.head; c != nil; prev, c = c, c.next {
		if err := c.check(prev, last); err != nil {
			return fmt.Errorf("chunk %d (key %v): %w", chunks, c.key, err)
		}
		if l.tree != nil {
			if r, ok := l.tree.Get(chunkRef[R]{key: c.key}); !ok || r.c != c {
				return fmt.Errorf("chunk %d (key %v): not in the tree", chunks, c.key)
			}
		}
		if c.n == 0 && (chunks > 0 || c.next != nil) {
			return fmt.Errorf("chunk %d (key %v): empty, but not the only chunk", chunks, c.key)
		}
		if len(c.ids) > 0 {
			last = c.ids[len(c.ids)-1]
		}
		hinted = hinted || l.hint == c
		chunks++
		length += c.n
	}
	switch {
	case prev != l.tail:
		return fmt.Errorf("tail is not the last chunk")
	case chunks != l.chunks:
		return fmt.Errorf("%d chunks in the list, %d counted", chunks, l.chunks)
	case l.tree == nil && chunks > 2:
		return fmt.Errorf("%d chunks but no tree", chunks)
	case l.tree != nil && l.tree.Len() != chunks:
		return fmt.Errorf("%d chunks in the list, %d in the tree", chunks, l.tree.Len())
	case length != l.length:
		return fmt.Errorf("len %d, but %d live slots", l.length, length)
	case !hinted:
		return fmt.Errorf("the hint is not a chunk of the list")
	}
	return nil
}

// check verifies one chunk, whose predecessor prev ends with ID last.
func (c *chunk[R]) check(prev *chunk[R], last ID) error {
	switch {
	case c.prev != prev:
		return fmt.Errorf("broken back link")
	case prev == nil && !c.key.IsZero():
		return fmt.Errorf("head key is not 0-0")
	case prev != nil && (!prev.key.Less(c.key) || !last.Less(c.key)):
		return fmt.Errorf("key not above the previous chunk (key %v, last ID %v)", prev.key, last)
	case len(c.ids) != len(c.recs) || len(c.ids) > chunkCap || cap(c.ids) > chunkCap:
		return fmt.Errorf("%d IDs, %d records, capacity %d", len(c.ids), len(c.recs), cap(c.ids))
	case len(c.ids) > 0 && 4*c.n <= len(c.ids):
		return fmt.Errorf("%d live slots of %d", c.n, len(c.ids))
	}
	n := 0
	for w, x := range c.live {
		n += bits.OnesCount64(x)
		if lo := w * 64; lo+64 > len(c.ids) && x>>max(len(c.ids)-lo, 0) != 0 {
			return fmt.Errorf("live bits beyond slot %d", len(c.ids))
		}
	}
	if n != c.n {
		return fmt.Errorf("%d live bits, count %d", n, c.n)
	}
	for i, id := range c.ids {
		switch {
		case i > 0 && !c.ids[i-1].Less(id):
			return fmt.Errorf("slot %d: %v not above %v", i, id, c.ids[i-1])
		case i == 0 && prev != nil && id.Less(c.key):
			return fmt.Errorf("slot 0: %v below the key", id)
		}
	}
	return nil
}
