package instream

import "github.com/tidwall/btree"

// frozen is a stream's entries as they were when a snapshot was taken,
// read without the engine's lock: a copy of the entries' B-tree and the
// nodes it held then, which no call changes any more. Taking it costs
// O(1); the calls after it pay instead, by copying a node the first time
// they change it (entries.own).
type frozen struct {
	tree *btree.BTreeG[nodeRef]
}

// freeze returns the entries as they are now. The B-tree is copied on
// write, and the generation moves on, so that every node now in it is
// copied before a change.
func (t *entries) freeze() *frozen {
	t.gen++
	return &frozen{tree: t.tree.Copy()}
}

// own returns n ready for a change: n itself, or, if a snapshot may read
// it, a copy that takes its place.
func (t *entries) own(n *node) *node {
	if n.gen == t.gen {
		return n
	}
	return t.replace(n)
}

// replace puts a copy of n in its place in the list and the tree, and
// returns it. The copy shares n's bytes (see node.shared). A snapshot
// reads n through its own B-tree, never through the list links, so
// relinking the neighbours changes nothing it reads.
func (t *entries) replace(n *node) *node {
	c := new(node)
	*c = *n
	c.gen, c.shared = t.gen, true
	if c.prev != nil {
		c.prev.next = c
	} else {
		t.head = c
	}
	if c.next != nil {
		c.next.prev = c
	} else {
		t.tail = c
	}
	n.prev, n.next = nil, nil
	t.tree.Set(nodeRef{c.first, c})
	if t.open == n {
		t.open = c
	}
	// A Scan resuming in n would miss the changes made to c.
	t.unlinks++
	return c
}

// has reports whether a live entry has the given ID. O(log n).
func (f *frozen) has(id ID) bool {
	var n *node
	f.tree.Descend(nodeRef{first: id}, func(r nodeRef) bool {
		n = r.n
		return false
	})
	if n == nil || n.last.Less(id) {
		return false
	}
	_, ok := n.find(id)
	return ok
}

// first returns the ID of the first live entry.
func (f *frozen) first() (ID, bool) {
	var id ID
	ok := false
	f.tree.Scan(func(r nodeRef) bool {
		if r.n.live == 0 {
			return true
		}
		h, _ := r.n.firstLive()
		id, ok = h.id, true
		return false
	})
	return id, ok
}

// walk calls fn for each live entry in ascending order until fn returns
// false.
func (f *frozen) walk(fn visitor) {
	f.tree.Scan(func(r nodeRef) bool {
		n := r.n
		for off := 0; off < len(n.buf); {
			h := n.head(off)
			if h.deleted() {
				off = n.end(h)
				continue
			}
			next, more := fn(n, h)
			if !more {
				return false
			}
			off = next
		}
		return true
	})
}
