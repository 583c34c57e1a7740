package instream

import (
	"hash/maphash"

	"github.com/tidwall/btree"
)

// entries holds a stream's entries in ID order, packed into nodes (see
// node.go) that start and end where Redis's listpack nodes would, so that
// approximate trimming and the node count match Redis exactly.
//
// The nodes form a list in ID order, and a B-tree keyed by each node's
// first ID finds the node holding an ID.
type entries struct {
	tree       *btree.BTreeG[nodeRef]
	head, tail *node
	length     int
	maxEntries int // 0: no limit
	maxBytes   int

	// open is the node whose name sets setHash describes; adds go to the
	// tail, so this is almost always the tail.
	open    *node
	setHash []uint64

	// The first and last live IDs, cached because groups ask for them on
	// every delivery and tombstones can make finding them slow; firstOK
	// and lastOK say whether they are known.
	firstID, lastID ID
	firstOK, lastOK bool

	// unlinks counts the nodes dropped or replaced by a copy: a node
	// held since it was last equal is still linked, and offsets in it
	// still point at entries.
	unlinks uint64

	// gen counts the snapshots taken (freeze): nodes of an earlier
	// generation may be a snapshot's, and are copied before a change.
	gen uint32
}

type nodeRef struct {
	first ID
	n     *node
}

// maxNodeBytes is the largest listpack Redis builds (STREAM_LISTPACK_MAX_SIZE).
const maxNodeBytes = 1 << 30

var nameSeed = maphash.MakeSeed()

// trimSpec says what a trim removes from the head of the entries.
type trimSpec struct {
	maxLen int64         // keep at most maxLen entries; < 0: trim by minID
	minID  ID            // remove entries below minID (when maxLen < 0)
	approx bool          // remove whole nodes only
	limit  int64         // at most this many entries, counted by whole nodes; < 0: no bound
	keep   func(ID) bool // if set, entries it reports are never removed
	drop   *stream       // if set, each removed entry leaves the pending lists of its groups (DELREF)
	bound  *trimBound    // if set, tracks the greatest removed ID (for the log)
}

// hooked reports whether removed has anything to do.
func (sp *trimSpec) hooked() bool { return sp.drop != nil || sp.bound != nil }

// removed is called for each entry the trim removes, in ID order.
func (sp *trimSpec) removed(id ID) {
	if sp.drop != nil {
		sp.drop.dropRefs(id)
	}
	if sp.bound != nil {
		sp.bound.max, sp.bound.any = id, true
	}
}

// newEntries returns empty entries whose nodes hold at most maxEntries
// entries (0: no limit) and stop growing at maxBytes bytes of Redis's
// listpack (0 or more than 1 GiB: 1 GiB), as Redis's
// stream-node-max-entries and stream-node-max-bytes do.
func newEntries(maxEntries, maxBytes int) *entries {
	if maxBytes <= 0 || maxBytes > maxNodeBytes {
		maxBytes = maxNodeBytes
	}
	return &entries{
		tree: btree.NewBTreeGOptions(func(a, b nodeRef) bool { return a.first.Less(b.first) },
			btree.Options{NoLocks: true}),
		maxEntries: max(maxEntries, 0),
		maxBytes:   maxBytes,
	}
}

// len returns the number of live entries. O(1).
func (t *entries) len() int { return t.length }

// nodes returns the number of storage nodes (Redis's radix-tree-keys).
func (t *entries) nodes() int { return t.tree.Len() }

// add appends an entry; id is greater than every ID added before. The
// fields are copied. O(1) amortised, plus O(log nodes) when a node starts.
func (t *entries) add(id ID, fields []Field) {
	raw := 0
	for _, f := range fields {
		raw += len(f.Name) + len(f.Value)
	}
	n := t.tail
	if n != nil {
		n = t.own(n)
	}
	// Redis's rule for starting a new node (streamAppendItem), and a
	// bound for marks' offsets that only a node of about 1 GiB of
	// entries with huge sequence numbers, larger here than in Redis,
	// can reach.
	if n == nil || n.lpBytes+raw >= t.maxBytes || (t.maxEntries > 0 && n.count >= t.maxEntries) ||
		len(n.buf) >= 1<<markOffBits {
		if n != nil {
			n.seal()
		}
		n = newNode(id, fields, n)
		t.link(n)
	}
	n.appendEntry(id, fields, t.nameSet(n, fields))
	if t.length == 0 {
		t.firstID, t.firstOK = id, true
	}
	t.lastID, t.lastOK = id, true
	t.length++
}

// link appends the new node n to the node list and the tree.
func (t *entries) link(n *node) {
	n.gen = t.gen
	n.prev = t.tail
	if t.tail != nil {
		t.tail.next = n
	} else {
		t.head = n
	}
	t.tail = n
	t.tree.Load(nodeRef{n.first, n})
}

// unlink drops n from the node list and the tree.
func (t *entries) unlink(n *node) {
	if n.prev != nil {
		n.prev.next = n.next
	} else {
		t.head = n.next
	}
	if n.next != nil {
		n.next.prev = n.prev
	} else {
		t.tail = n.prev
	}
	n.prev, n.next = nil, nil
	t.unlinks++
	t.tree.Delete(nodeRef{first: n.first})
	if t.open == n {
		t.open = nil
	}
}

// nameSet returns the index of the name set of n holding the names of
// fields, adding one if needed.
func (t *entries) nameSet(n *node, fields []Field) int {
	if n.setEqual(0, fields) {
		return 0
	}
	if t.open != n {
		t.open = n
		t.setHash = t.setHash[:0]
		for s := 0; s <= len(n.sets); s++ {
			t.setHash = append(t.setHash, hashSet(n.names[n.setOff(s):]))
		}
	}
	var h maphash.Hash
	h.SetSeed(nameSeed)
	for _, f := range fields {
		hashName(&h, f.Name)
	}
	sum := h.Sum64()
	for s := 1; s < len(t.setHash); s++ {
		if t.setHash[s] == sum && n.setEqual(s, fields) {
			return s
		}
	}
	n.sets = append(n.sets, uint32(len(n.names)))
	n.names = appendSet(n.names, fields)
	t.setHash = append(t.setHash, sum)
	return len(n.sets)
}

func hashName(h *maphash.Hash, name string) {
	var l [8]byte
	for i := range l {
		l[i] = byte(len(name) >> (8 * i))
	}
	h.Write(l[:])
	h.WriteString(name)
}

// hashSet hashes the name set encoded at the start of b as nameSet does.
func hashSet(b []byte) uint64 {
	var h maphash.Hash
	h.SetSeed(nameSeed)
	c, off := uvarint(b, 0)
	for range c {
		var l uint64
		l, off = uvarint(b, off)
		hashName(&h, string(b[off:off+int(l)]))
		off += int(l)
	}
	return h.Sum64()
}

// nodeOf returns the node whose ID range could hold id: the last node
// whose first ID is <= id, or nil.
func (t *entries) nodeOf(id ID) *node {
	// Reads of new entries start in the tail node: skip the descent.
	if t.tail != nil && !id.Less(t.tail.first) {
		return t.tail
	}
	var n *node
	t.tree.Descend(nodeRef{first: id}, func(r nodeRef) bool {
		n = r.n
		return false
	})
	return n
}

// first returns the ID of the first live entry. O(1) but after a trim
// or a delete of that entry, which make it decode the head node.
func (t *entries) first() (ID, bool) {
	if t.length == 0 {
		return ID{}, false
	}
	if !t.firstOK {
		for n := t.head; n != nil; n = n.next {
			if n.live > 0 {
				h, _ := n.firstLive()
				t.firstID, t.firstOK = h.id, true
				break
			}
		}
	}
	return t.firstID, true
}

// last returns the ID of the last live entry, in O(1) like first.
func (t *entries) last() (ID, bool) {
	if t.length == 0 {
		return ID{}, false
	}
	if !t.lastOK {
		for n := t.tail; n != nil; n = n.prev {
			if n.live > 0 {
				h, _ := n.lastLive()
				t.lastID, t.lastOK = h.id, true
				break
			}
		}
	}
	return t.lastID, true
}

// has reports whether a live entry has the given ID. O(log n).
func (t *entries) has(id ID) bool {
	n := t.nodeOf(id)
	if n == nil || n.last.Less(id) {
		return false
	}
	_, ok := n.find(id)
	return ok
}

// get returns a copy of the entry with the given ID. O(log n).
func (t *entries) get(id ID) (Entry, bool) {
	n := t.nodeOf(id)
	if n == nil || n.last.Less(id) {
		return Entry{}, false
	}
	off, ok := n.find(id)
	if !ok {
		return Entry{}, false
	}
	var c copier
	c.init(1, n)
	c.entry(n, n.head(off))
	return c.out[0], true
}

// remove deletes the entry with the given ID, as XDEL does: the entry is
// only flagged, and a node whose last live entry goes is freed.
func (t *entries) remove(id ID) bool {
	n := t.nodeOf(id)
	if n == nil || n.last.Less(id) {
		return false
	}
	off, ok := n.find(id)
	if !ok {
		return false
	}
	t.firstOK = t.firstOK && id != t.firstID
	t.lastOK = t.lastOK && id != t.lastID
	t.length--
	if n.live == 1 {
		t.unlink(n)
		return true
	}
	t.own(n).markDeleted(off)
	return true
}

// collect returns the entries with IDs in [start, end], ascending or
// descending, at most count if count > 0. The result is the caller's: its
// strings are copies. O(log n + returned + deleted entries skipped).
func (t *entries) collect(start, end ID, count int, reverse bool) []Entry {
	var c copier
	t.copyRange(&c, start, end, count, reverse)
	return c.out
}

// collectGroup is collect for a group read: it copies the entries once,
// straight into GroupEntry values.
func (t *entries) collectGroup(start, end ID, count int) []GroupEntry {
	c := copier{asGrp: true}
	t.copyRange(&c, start, end, count, false)
	return c.group
}

// copyRange copies the entries of collect into c.
func (t *entries) copyRange(c *copier, start, end ID, count int, reverse bool) {
	if end.Less(start) {
		c.init(0, nil)
		return
	}
	// Without a count, start small and let the buffers grow: the range
	// may hold far fewer entries than the stream (a read of new entries
	// usually gets one or two).
	want := min(t.length, 16)
	if count > 0 {
		want = min(t.length, count)
	}
	if reverse {
		from := t.nodeOf(end)
		like := from
		if like == nil {
			like = t.head
		}
		c.init(min(want, 1024), like)
		t.walkBack(from, start, end, func(n *node, h head) (int, bool) {
			off := c.entry(n, h)
			if c.budget != nil && !c.fits() {
				return off, false
			}
			return off, count <= 0 || c.count < count
		})
		return
	}
	n, off := t.nodeOf(start), 0
	if n != nil && n != t.tail {
		c.warm(n, start.Ms)
	}
	if n == nil {
		n = t.head
		c.init(min(want, 1024), n)
	} else {
		k := n.segmentOf(start)
		c.init(t.atMost(n, k, min(want, 1024)), n)
		off = n.seekFrom(k, start)
	}
	// walk's loop, without a call through a func value per entry.
	for ; n != nil; n, off = n.next, 0 {
		for off < len(n.buf) {
			h, ok := n.headShort(off)
			if !ok {
				h = n.head(off)
			}
			if end.Less(h.id) {
				return
			}
			if h.deleted() {
				off = n.end(h)
				continue
			}
			off = c.entry(n, h)
			if c.budget != nil && !c.fits() || count > 0 && c.count >= count {
				return
			}
		}
	}
}

// atMost returns limit, or fewer if fewer entries can have an ID >= start,
// going by the entry counts of from, the node that could hold start, and
// of the nodes after it; k is the segment of from that could hold start.
// A reader of new entries waits at the stream's tail and then often finds
// one or two: its buffers need not be sized for the whole read count.
func (t *entries) atMost(from *node, k, limit int) int {
	// The entries from start's segment on: the segments before the last
	// one hold at most markEvery entries each.
	c := from.count - int(from.marked) + (len(from.marks)-k)*markEvery
	c = min(c, from.count)
	for n := from.next; n != nil && c < limit; n = n.next {
		c += n.count
	}
	return min(c, limit)
}

// visitor is called by walkBack and frozen.walk with an entry, and
// returns the offset just after the entry (n.end(h), which it often
// knows already) and whether to go on.
type visitor func(n *node, h head) (end int, more bool)

// walkBack calls fn for each live entry with an ID in [start, end], in
// descending order, until fn returns false. n is the node that could
// hold end: t.nodeOf of it.
func (t *entries) walkBack(n *node, start, end ID, fn visitor) {
	var offs [markEvery]int
	for ; n != nil; n = n.prev {
		if n.live == 0 {
			continue
		}
		for k := n.segmentOf(end); k >= 0; k-- {
			for i := n.segment(k, &offs) - 1; i >= 0; i-- {
				h := n.head(offs[i])
				if end.Less(h.id) || h.deleted() {
					continue
				}
				if h.id.Less(start) {
					return
				}
				if _, more := fn(n, h); !more {
					return
				}
			}
		}
	}
}

// trim removes entries from the head as spec says and returns how many,
// following Redis's streamTrim node by node: a node goes whole when all
// its entries may go; otherwise an exact trim flags the entries it must
// remove in that node and stops, and an approximate one just stops. With
// keep set, kept entries are skipped and both modes go on past them,
// flagging single entries, as Redis 8.2's ACKED does.
func (t *entries) trim(spec trimSpec) int64 {
	var removed int64
	for n := t.head; n != nil; {
		if spec.maxLen >= 0 && int64(t.length) <= spec.maxLen {
			break
		}
		if spec.limit >= 0 && removed+int64(n.live) > spec.limit {
			break
		}
		whole := n.last.Less(spec.minID)
		if spec.maxLen >= 0 {
			whole = int64(t.length-int(n.live)) >= spec.maxLen
		}
		if whole && spec.keep != nil {
			whole = !t.keepsAny(n, spec.keep)
		}
		if !whole && spec.approx && spec.keep == nil {
			break // only whole nodes go, and this one cannot
		}
		next := n.next
		if whole {
			if spec.hooked() {
				t.walkNode(n, spec.removed)
			}
			removed += int64(n.live)
			t.length -= int(n.live)
			t.unlink(n)
			n = next
			continue
		}
		k, done := t.trimNode(n, spec)
		removed += k
		if done || spec.keep == nil {
			break
		}
		n = next
	}
	if removed > 0 {
		// With keep, even the last entry may have gone.
		t.firstOK, t.lastOK = false, false
	}
	return removed
}

// trimNode flags the entries of n that spec removes and reports how many,
// and whether the trim reached its bound inside n.
func (t *entries) trimNode(n *node, spec trimSpec) (int64, bool) {
	var k int64
	n = t.own(n)
	for off := 0; off < len(n.buf); {
		h := n.head(off)
		if spec.maxLen >= 0 && int64(t.length) <= spec.maxLen ||
			spec.maxLen < 0 && !h.id.Less(spec.minID) {
			return k, true
		}
		cur := off
		off = n.end(h)
		if h.deleted() || spec.keep != nil && spec.keep(h.id) {
			continue
		}
		n.markDeleted(cur)
		t.length--
		k++
		spec.removed(h.id)
	}
	return k, false
}

// keepsAny reports whether keep holds any live entry of n.
func (t *entries) keepsAny(n *node, keep func(ID) bool) bool {
	kept := false
	t.walkNode(n, func(id ID) {
		kept = kept || keep(id)
	})
	return kept
}

// walkNode calls fn with the ID of each live entry of n, in order.
func (t *entries) walkNode(n *node, fn func(ID)) {
	for off := 0; off < len(n.buf); {
		h := n.head(off)
		if !h.deleted() {
			fn(h.id)
		}
		off = n.end(h)
	}
}
