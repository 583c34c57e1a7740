package instream

import (
	"math"

	"github.com/tidwall/btree"
)

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
	if t.gen == math.MaxUint32 {
		// The count wraps: stamp every node older than the next one.
		for n := t.head; n != nil; n = n.next {
			n.gen = 0
		}
		t.gen = 0
	}
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
	if n.namesInline() {
		// Names kept inline would point into n and keep it, and its
		// bytes, alive for as long as c lives.
		c.names = c.inl[:len(n.names)]
	}
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

// frozenList is a chunk list as it was when a snapshot was taken: a
// copy of its B-tree or, if it had none, its chunks (at most two), which
// no call changes any more (chunkList.own).
type frozenList[R any] struct {
	tree   *btree.BTreeG[chunkRef[R]]
	chunks []*chunk[R]
}

// freeze returns the list as it is now, in O(1).
func (l *chunkList[R]) freeze() frozenList[R] {
	l.gen++
	if l.tree != nil {
		return frozenList[R]{tree: l.tree.Copy()}
	}
	var f frozenList[R]
	for c := l.head; c != nil; c = c.next {
		f.chunks = append(f.chunks, c)
	}
	return f
}

// own returns c (which may be nil) ready for a change: c itself, or, if
// a snapshot may read it, a copy that takes its place.
func (l *chunkList[R]) own(c *chunk[R]) *chunk[R] {
	if c == nil || c.gen == l.gen {
		return c
	}
	return l.replace(c)
}

// replace puts a copy of c in its place in the list and the tree, and
// returns it. Slots change in place, so they are copied. A snapshot
// reads c's slots only, never its key or links.
func (l *chunkList[R]) replace(c *chunk[R]) *chunk[R] {
	d := &chunk[R]{prev: c.prev, next: c.next, key: c.key, live: c.live, n: c.n, gen: l.gen,
		ids: make([]ID, len(c.ids), cap(c.ids)), recs: make([]R, len(c.recs), cap(c.recs))}
	copy(d.ids, c.ids)
	copy(d.recs, c.recs)
	if d.prev != nil {
		d.prev.next = d
	} else {
		l.head = d
	}
	if d.next != nil {
		d.next.prev = d
	} else {
		l.tail = d
	}
	c.prev, c.next = nil, nil
	if l.tree != nil {
		l.tree.Set(chunkRef[R]{d.key, d})
	}
	if l.hint == c {
		l.hint = d
	}
	return d
}

// scan calls fn for every member, in order.
func (f frozenList[R]) scan(fn func(ID, R)) {
	each := func(c *chunk[R]) {
		for i, id := range c.ids {
			if c.isLive(i) {
				fn(id, c.recs[i])
			}
		}
	}
	if f.tree != nil {
		f.tree.Scan(func(r chunkRef[R]) bool {
			each(r.c)
			return true
		})
		return
	}
	for _, c := range f.chunks {
		each(c)
	}
}
