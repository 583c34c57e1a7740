package instream

import "fmt"

// check verifies the invariants of the packed storage: the node list and
// the tree agree, every node decodes to strictly ascending IDs between its
// first and last ID, its counts and marks match what it holds, and the
// live counts add up to len. Tests call it after mutations.
func (t *entries) check() error {
	if t.tree.Len() == 0 && (t.head != nil || t.tail != nil) {
		return fmt.Errorf("empty tree, but a node list")
	}
	var prev *node
	var last ID
	nodes, live := 0, 0
	for n := t.head; n != nil; prev, n = n, n.next {
		if n.prev != prev {
			return fmt.Errorf("node %v: broken back link", n.first)
		}
		if r, ok := t.tree.Get(nodeRef{first: n.first}); !ok || r.n != n {
			return fmt.Errorf("node %v: not in the tree", n.first)
		}
		if nodes > 0 && !last.Less(n.first) {
			return fmt.Errorf("node %v: not after %v", n.first, last)
		}
		if err := n.check(); err != nil {
			return fmt.Errorf("node %v: %w", n.first, err)
		}
		nodes++
		live += int(n.live)
		last = n.last
	}
	switch {
	case prev != t.tail:
		return fmt.Errorf("tail is not the last node")
	case nodes != t.tree.Len():
		return fmt.Errorf("%d nodes in the list, %d in the tree", nodes, t.tree.Len())
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
	case count != n.count || live != int(n.live):
		return fmt.Errorf("count %d live %d, but %d and %d entries", n.count, n.live, count, live)
	case len(n.marks) != marks || int(n.marked) != marked:
		return fmt.Errorf("%d marks for %d entries", len(n.marks), count)
	}
	return nil
}
