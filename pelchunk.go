package instream

import (
	"math/bits"

	"github.com/tidwall/btree"
)

// chunkCap is the most slots a chunk has: 2 KiB of IDs, and for a group's
// pending list 3 KiB of records, both exact allocation sizes.
const chunkCap = 128

// chunkList is an ordered set of IDs, each with a record of type R: a
// group's pending list (R is pelRec) or a consumer's (R is struct{}). It
// packs its members into chunks of up to chunkCap sorted slots, as the
// entries pack theirs into nodes, so that a member costs little more than
// its ID and record, and the garbage collector scans only chunk headers.
//
// Removing a member only clears its slot's bit, so acks, which mostly
// take the oldest, move nothing. A chunk left with three dead slots or
// more for each live one is tidied: merged into a neighbour if the two
// fit in one chunk, compacted otherwise. So every chunk has more live
// slots than a quarter of its used ones.
//
// Each chunk holds the IDs from its key up to the next chunk's key; the
// head's key is 0-0. A list appended to fills each chunk before it starts
// the next. The chunks form a doubly linked list; once there are three, a
// B-tree keyed by key finds the chunk for an ID. The zero value is empty.
type chunkList[R any] struct {
	head, tail *chunk[R]
	tree       *btree.BTreeG[chunkRef[R]] // nil until the third chunk
	chunks     int
	length     int
	// hint is the chunk the last change looked up, nil or in the list:
	// acks and updates mostly come in ID order. Only changes use it, so
	// lookups may run concurrently.
	hint *chunk[R]
	// gen counts the snapshots taken (freeze): chunks of an earlier
	// generation may be a snapshot's, and are copied before a change.
	gen uint64
}

// chunk is a run of members in ID order. A removed member leaves a dead
// slot that keeps its ID, so the slots stay sorted for a binary search.
// Only the head chunk of an emptied list is ever empty: it is kept, with
// its capacity, for the next member.
type chunk[R any] struct {
	prev, next *chunk[R]
	ids        []ID
	recs       []R // recs[i] is the record of ids[i]
	key        ID
	live       [chunkCap / 64]uint64 // bit i: slot i holds a member
	n          int                   // live slots
	gen        uint64                // the list's gen when made or copied
}

type chunkRef[R any] struct {
	key ID
	c   *chunk[R]
}

func (l *chunkList[R]) len() int { return l.length }

// find returns the chunk whose ID range holds id, or nil if the list has
// no chunk. It changes nothing.
func (l *chunkList[R]) find(id ID) *chunk[R] {
	c := l.tail
	if c == nil || !id.Less(c.key) {
		return c
	}
	if h := l.head; id.Less(h.next.key) {
		return h
	}
	l.tree.Descend(chunkRef[R]{key: id}, func(r chunkRef[R]) bool {
		c = r.c
		return false
	})
	return c
}

// at is find for a change: it tries the hint first, and moves it. The
// chunk is ready for a change (own).
func (l *chunkList[R]) at(id ID) *chunk[R] {
	if c := l.hint; c != nil && !id.Less(c.key) && (c.next == nil || id.Less(c.next.key)) {
		return l.own(c)
	}
	c := l.own(l.find(id))
	l.hint = c
	return c
}

// search returns the index of the first slot of c with an ID >= id.
func (c *chunk[R]) search(id ID) int {
	lo, hi := 0, len(c.ids)
	for lo < hi {
		m := int(uint(lo+hi) >> 1)
		if c.ids[m].Less(id) {
			lo = m + 1
		} else {
			hi = m
		}
	}
	return lo
}

// slot returns the index of member id in c, or -1. Acks mostly take the
// oldest member: that one is tried before a search.
func (c *chunk[R]) slot(id ID) int {
	if i := c.firstLive(); i >= 0 && c.ids[i] == id {
		return i
	}
	i := c.search(id)
	if i < len(c.ids) && c.ids[i] == id && c.isLive(i) {
		return i
	}
	return -1
}

func (c *chunk[R]) isLive(i int) bool { return c.live[i>>6]&(1<<(i&63)) != 0 }

func (c *chunk[R]) mark(i int) {
	c.live[i>>6] |= 1 << (i & 63)
	c.n++
}

func (c *chunk[R]) unmark(i int) {
	c.live[i>>6] &^= 1 << (i & 63)
	c.n--
}

// markFirst sets the live bits of slots [0, k) and clears the others.
func (c *chunk[R]) markFirst(k int) {
	for w := range c.live {
		switch lo := w * 64; {
		case k >= lo+64:
			c.live[w] = ^uint64(0)
		case k <= lo:
			c.live[w] = 0
		default:
			c.live[w] = 1<<(k-lo) - 1
		}
	}
	c.n = k
}

// firstLive and lastLive return the index of the first and last live
// slots of a chunk that has some.
func (c *chunk[R]) firstLive() int {
	for w, x := range c.live {
		if x != 0 {
			return w*64 + bits.TrailingZeros64(x)
		}
	}
	return -1
}

func (c *chunk[R]) lastLive() int {
	for w := len(c.live) - 1; w >= 0; w-- {
		if x := c.live[w]; x != 0 {
			return w*64 + 63 - bits.LeadingZeros64(x)
		}
	}
	return -1
}

func (l *chunkList[R]) get(id ID) (R, bool) {
	if c := l.find(id); c != nil {
		if i := c.slot(id); i >= 0 {
			return c.recs[i], true
		}
	}
	var zero R
	return zero, false
}

// ref returns the record of member id for a change in place, or nil. It
// moves the hint, as changes do; the pointer is valid until the list
// next changes.
func (l *chunkList[R]) ref(id ID) *R {
	if c := l.at(id); c != nil {
		if i := c.slot(id); i >= 0 {
			return &c.recs[i]
		}
	}
	return nil
}

func (l *chunkList[R]) has(id ID) bool {
	c := l.find(id)
	return c != nil && c.slot(id) >= 0
}

// min and max return the first and last members.
func (l *chunkList[R]) min() (ID, R, bool) {
	if l.length == 0 {
		var zero R
		return ID{}, zero, false
	}
	c := l.head
	i := c.firstLive()
	return c.ids[i], c.recs[i], true
}

func (l *chunkList[R]) max() (ID, R, bool) {
	if l.length == 0 {
		var zero R
		return ID{}, zero, false
	}
	c := l.tail
	i := c.lastLive()
	return c.ids[i], c.recs[i], true
}

// ascend calls fn for the members with IDs >= from, in order, until fn
// returns false. fn must not change the list.
func (l *chunkList[R]) ascend(from ID, fn func(ID, R) bool) {
	c := l.find(from)
	if c == nil {
		return
	}
	for i := c.search(from); c != nil; c, i = c.next, 0 {
		for ; i < len(c.ids); i++ {
			if c.isLive(i) && !fn(c.ids[i], c.recs[i]) {
				return
			}
		}
	}
}

// put stores r as the record of id, a member or not, and returns the
// record it replaced.
func (l *chunkList[R]) put(id ID, r R) (prev R, replaced bool) {
	c := l.at(id)
	if c == nil {
		c = l.start()
	}
	i := c.search(id)
	if i < len(c.ids) && c.ids[i] == id {
		if c.isLive(i) {
			prev, c.recs[i] = c.recs[i], r
			return prev, true
		}
		c.recs[i] = r // a dead slot with this very ID
		c.mark(i)
		l.length++
		return prev, false
	}
	l.insert(c, i, id, r)
	return prev, false
}

// push is put for an ID that is most likely above every member, as a new
// delivery's is: it then appends to the tail without a search.
func (l *chunkList[R]) push(id ID, r R) (R, bool) {
	c := l.own(l.tail)
	if c == nil {
		c = l.start()
	}
	if k := len(c.ids); k > 0 && !c.ids[k-1].Less(id) {
		return l.put(id, r)
	}
	if len(c.ids) == chunkCap {
		if c.n <= chunkCap*3/4 {
			c.compact()
		} else {
			c = l.linkAfter(c, newChunk[R](id, chunkCap))
		}
	}
	c.reserve(1)
	i := len(c.ids)
	c.ids, c.recs = c.ids[:i+1], c.recs[:i+1]
	c.ids[i], c.recs[i] = id, r
	c.mark(i)
	l.length++
	var zero R
	return zero, false
}

// insert puts id, not in c, at index i of c, where it sorts.
func (l *chunkList[R]) insert(c *chunk[R], i int, id ID, r R) {
	l.length++
	switch {
	case i > 0 && !c.isLive(i-1):
		i-- // a dead neighbour's slot takes the ID: nothing moves
	case i < len(c.ids) && !c.isLive(i):
	default:
		if len(c.ids) == chunkCap {
			if c.n < chunkCap {
				c.compact()
				i = c.search(id)
			} else if right := l.split(c); i > len(c.ids) {
				c, i = right, i-len(c.ids)
			}
		}
		c.open(i)
	}
	c.ids[i], c.recs[i] = id, r
	c.mark(i)
}

// del removes id and returns its record.
func (l *chunkList[R]) del(id ID) (prev R, ok bool) {
	c := l.at(id)
	if c == nil {
		return prev, false
	}
	i := c.slot(id)
	if i < 0 {
		return prev, false
	}
	prev = c.recs[i]
	c.unmark(i)
	l.length--
	switch {
	case c.n == 0 && l.chunks == 1:
		c.ids, c.recs = c.ids[:0], c.recs[:0]
	case c.n == 0:
		l.unlink(c)
	case 4*c.n <= len(c.ids):
		l.tidy(c)
	}
	return prev, true
}

// start makes the first chunk of an empty list. It starts small: many
// consumers never hold more than a few entries.
func (l *chunkList[R]) start() *chunk[R] {
	c := newChunk[R](ID{}, 0)
	c.gen = l.gen
	l.head, l.tail, l.chunks = c, c, 1
	return c
}

func newChunk[R any](key ID, capacity int) *chunk[R] {
	return &chunk[R]{key: key, ids: make([]ID, 0, capacity), recs: make([]R, 0, capacity)}
}

// reserve makes room for k more slots, doubling the capacity up to
// chunkCap.
func (c *chunk[R]) reserve(k int) {
	need := len(c.ids) + k
	if need <= cap(c.ids) {
		return
	}
	n := min(max(2*cap(c.ids), need, 8), chunkCap)
	ids := make([]ID, len(c.ids), n)
	copy(ids, c.ids)
	recs := make([]R, len(c.recs), n)
	copy(recs, c.recs)
	c.ids, c.recs = ids, recs
}

// open inserts a dead slot at index i of a chunk with room for it.
func (c *chunk[R]) open(i int) {
	c.reserve(1)
	k := len(c.ids)
	c.ids, c.recs = c.ids[:k+1], c.recs[:k+1]
	copy(c.ids[i+1:], c.ids[i:k])
	copy(c.recs[i+1:], c.recs[i:k])
	w := i >> 6
	for j := len(c.live) - 1; j > w; j-- {
		c.live[j] = c.live[j]<<1 | c.live[j-1]>>63
	}
	below := uint64(1)<<(i&63) - 1
	c.live[w] = c.live[w]&below | (c.live[w]&^below)<<1
}

// compact moves the live slots of c to its front, dropping the dead ones.
func (c *chunk[R]) compact() {
	k := 0
	for i := range c.ids {
		if c.isLive(i) {
			c.ids[k], c.recs[k] = c.ids[i], c.recs[i]
			k++
		}
	}
	c.ids, c.recs = c.ids[:k], c.recs[:k]
	c.markFirst(k)
}

// split moves the upper half of c, full and without dead slots, to a new
// chunk after it, and returns that chunk.
func (l *chunkList[R]) split(c *chunk[R]) *chunk[R] {
	h := len(c.ids) / 2
	r := newChunk[R](c.ids[h], chunkCap)
	r.ids = append(r.ids, c.ids[h:]...)
	r.recs = append(r.recs, c.recs[h:]...)
	r.markFirst(len(r.ids))
	c.ids, c.recs = c.ids[:h], c.recs[:h]
	c.markFirst(h)
	l.linkAfter(c, r)
	return r
}

// tidy merges c, mostly dead slots, into a neighbour if they fit in one
// chunk, or else compacts it.
func (l *chunkList[R]) tidy(c *chunk[R]) {
	switch {
	case c.prev != nil && c.prev.n+c.n <= chunkCap:
		l.merge(l.own(c.prev), c)
	case c.next != nil && c.n+c.next.n <= chunkCap:
		l.merge(c, c.next)
	default:
		c.compact()
	}
}

// merge moves the members of b, the chunk after a, into a and drops b.
// A chunk with a successor has the full capacity: only a lone head grows.
func (l *chunkList[R]) merge(a, b *chunk[R]) {
	a.compact()
	for i, id := range b.ids {
		if b.isLive(i) {
			a.ids = append(a.ids, id)
			a.recs = append(a.recs, b.recs[i])
		}
	}
	a.markFirst(len(a.ids))
	l.unlink(b)
}

// linkAfter puts the new chunk r after c, in the list and the tree.
func (l *chunkList[R]) linkAfter(c, r *chunk[R]) *chunk[R] {
	r.gen = l.gen
	r.prev, r.next = c, c.next
	if c.next != nil {
		c.next.prev = r
	} else {
		l.tail = r
	}
	c.next = r
	l.chunks++
	switch {
	case l.tree != nil && r == l.tail:
		l.tree.Load(chunkRef[R]{r.key, r})
	case l.tree != nil:
		l.tree.Set(chunkRef[R]{r.key, r})
	case l.chunks > 2:
		l.tree = btree.NewBTreeGOptions(func(a, b chunkRef[R]) bool { return a.key.Less(b.key) },
			btree.Options{NoLocks: true})
		for x := l.head; x != nil; x = x.next {
			l.tree.Load(chunkRef[R]{x.key, x})
		}
	}
	return r
}

// unlink drops c, which is not the only chunk. A new head takes the key
// 0-0, and with it the place of the old head in the tree.
func (l *chunkList[R]) unlink(c *chunk[R]) {
	if c.next != nil {
		c.next.prev = c.prev
	} else {
		l.tail = c.prev
	}
	if l.hint == c {
		l.hint = nil
	}
	l.chunks--
	if c.prev != nil {
		c.prev.next = c.next
		if l.tree != nil {
			l.tree.Delete(chunkRef[R]{key: c.key})
		}
	} else {
		h := c.next
		l.head = h
		if l.tree != nil {
			l.tree.Delete(chunkRef[R]{key: h.key})
			l.tree.Set(chunkRef[R]{ID{}, h})
		}
		h.key = ID{}
	}
	c.prev, c.next = nil, nil
}
