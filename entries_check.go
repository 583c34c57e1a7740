package instream

import "fmt"

// check verifies the invariants of the packed storage: the node list and
// the index agree, every node decodes to strictly ascending IDs between its
// first and last ID, its counts and marks match what it holds, and the
// live counts add up to len. Tests call it after mutations.
func (t *entries) check() error {
	if t.index.len() == 0 && (t.head != nil || t.tail != nil) {
		return fmt.Errorf("empty index, but a node list")
	}
	if err := t.index.check(); err != nil {
		return err
	}
	var prev *node
	var last ID
	nodes, live := 0, 0
	for n := t.head; n != nil; prev, n = n, n.next {
		if n.prev != prev {
			return fmt.Errorf("node %v: broken back link", n.first)
		}
		if t.index.find(n.first) != n {
			return fmt.Errorf("node %v: not in the index", n.first)
		}
		if nodes > 0 && !last.Less(n.first) {
			return fmt.Errorf("node %v: not after %v", n.first, last)
		}
		if err := n.check(); err != nil {
			return fmt.Errorf("node %v: %w", n.first, err)
		}
		nodes++
		live += n.live
		last = n.last
	}
	switch {
	case prev != t.tail:
		return fmt.Errorf("tail is not the last node")
	case nodes != t.index.len():
		return fmt.Errorf("%d nodes in the list, %d in the index", nodes, t.index.len())
	case live != t.length:
		return fmt.Errorf("len %d, but %d live entries", t.length, live)
	}
	return nil
}

func (n *node) check() error {
	count, live := 0, 0
	var prev ID
	marks, marked, markOff := 0, 0, 0
	for off := 0; off < len(n.buf); count++ {
		h := n.head(off)
		if count > 0 && n.needsMark(count-marked, off-markOff) {
			if marks >= len(n.marks) || n.markOff(marks) != off {
				return fmt.Errorf("no mark for entry %d at %d", count, off)
			}
			if n.marks[marks] != n.mark(h.id, off) {
				return fmt.Errorf("mark of entry %v: wrong ID", h.id)
			}
			marks, marked, markOff = marks+1, count, off
		}
		switch {
		case count == 0 && h.id != n.first:
			return fmt.Errorf("first entry %v", h.id)
		case count > 0 && !prev.Less(h.id):
			return fmt.Errorf("entry %v after %v", h.id, prev)
		case h.set > len(n.sets):
			return fmt.Errorf("entry %v: name set %d of %d", h.id, h.set, len(n.sets)+1)
		}
		if !h.deleted() {
			live++
		}
		prev = h.id
		off = n.end(h)
		if off > len(n.buf) {
			return fmt.Errorf("entry %v runs past the end", h.id)
		}
	}
	switch {
	case count == 0:
		return fmt.Errorf("no entries")
	case prev != n.last:
		return fmt.Errorf("last entry %v, last %v", prev, n.last)
	case count != n.count || live != n.live:
		return fmt.Errorf("count %d live %d, but %d and %d entries", n.count, n.live, count, live)
	case len(n.marks) != marks || int(n.marked) != marked:
		return fmt.Errorf("%d marks for %d entries", len(n.marks), count)
	}
	return nil
}

// check verifies that the index's chunks are in ID order, non-empty,
// denser than one per node, and counted right.
func (x *nodeIndex) check() error {
	n := 0
	var last ID
	for i, c := range x.chunks {
		if c.len == 0 || c.len > chunkNodes {
			return fmt.Errorf("index chunk %d: %d nodes", i, c.len)
		}
		if x.firstMs[i] != c.slots[0].ms || x.firstSeq[i] != c.seq[0] {
			return fmt.Errorf("index chunk %d: first ID out of date", i)
		}
		if i > 0 && x.chunks[i-1].len+c.len <= chunkNodes {
			return fmt.Errorf("index chunks %d and %d: not merged", i-1, i)
		}
		for j := range c.len {
			id := ID{c.slots[j].ms, c.seq[j]}
			if c.slots[j].n == nil || c.slots[j].n.first != id {
				return fmt.Errorf("index chunk %d slot %d: node and key disagree", i, j)
			}
			if n > 0 && !last.Less(id) {
				return fmt.Errorf("index: %v after %v", id, last)
			}
			last = id
			n++
		}
		for j := c.len; j < chunkNodes; j++ {
			if c.slots[j].n != nil {
				return fmt.Errorf("index chunk %d: stale slot %d", i, j)
			}
		}
	}
	if n != x.n || len(x.firstMs) != len(x.chunks) || len(x.firstSeq) != len(x.chunks) {
		return fmt.Errorf("index: %d nodes counted, %d held", x.n, n)
	}
	return nil
}
