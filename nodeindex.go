package instream

// nodeIndex finds the node whose ID range could hold an ID. It holds the
// nodes in ID order in chunks of up to chunkNodes, and the first ID of
// every chunk in flat arrays: a look-up searches the small top arrays,
// then scans a few cache lines of one chunk, loaded together. A B-tree
// of (ID, pointer) items reads several lines of a leaf one after the
// other instead, and on a large stream each of them is a miss.
//
// Nodes are only ever added after the last one; any node may go.
type nodeIndex struct {
	chunks   []*indexChunk
	firstMs  []uint64 // firstMs[i], firstSeq[i]: first ID in chunks[i]
	firstSeq []uint64
	n        int
}

// chunkNodes is the size of a chunk: its slots fill four cache lines.
const chunkNodes = 16

// An indexChunk's slots hold each node's first ms beside the node, so
// that the scan that finds the slot has read the node's address too; the
// seqs, needed only when two nodes start in the same ms, are apart.
type indexChunk struct {
	slots [chunkNodes]indexSlot
	seq   [chunkNodes]uint64
	len   int
}

type indexSlot struct {
	ms uint64
	n  *node
}

// len returns the number of nodes.
func (x *nodeIndex) len() int { return x.n }

// push adds n, whose first ID is above that of every node held.
func (x *nodeIndex) push(n *node) {
	var c *indexChunk
	if k := len(x.chunks); k > 0 && x.chunks[k-1].len < chunkNodes {
		c = x.chunks[k-1]
	} else {
		c = &indexChunk{}
		x.chunks = append(x.chunks, c)
		x.firstMs = append(x.firstMs, n.first.Ms)
		x.firstSeq = append(x.firstSeq, n.first.Seq)
	}
	c.slots[c.len], c.seq[c.len] = indexSlot{n.first.Ms, n}, n.first.Seq
	c.len++
	x.n++
}

// atOrBelow reports whether the ID (ms, seq) is <= id.
func atOrBelow(ms, seq uint64, id ID) bool {
	return ms < id.Ms || ms == id.Ms && seq <= id.Seq
}

// chunkOf returns the index of the last chunk whose first ID is <= id,
// or -1.
func (x *nodeIndex) chunkOf(id ID) int {
	lo, hi := 0, len(x.chunks) // answer+1 in [lo, hi]
	for lo < hi {
		m := int(uint(lo+hi) >> 1)
		if atOrBelow(x.firstMs[m], x.firstSeq[m], id) {
			lo = m + 1
		} else {
			hi = m
		}
	}
	return lo - 1
}

// slotOf returns the index of the last node of c whose first ID is <= id,
// or -1.
func (c *indexChunk) slotOf(id ID) int {
	// A scan loads the chunk's key lines at once, as a binary search
	// would not.
	j := 0
	for j < c.len && atOrBelow(c.slots[j].ms, c.seq[j], id) {
		j++
	}
	return j - 1
}

// find returns the last node whose first ID is <= id, or nil.
func (x *nodeIndex) find(id ID) *node {
	i := x.chunkOf(id)
	if i < 0 {
		return nil
	}
	c := x.chunks[i]
	return c.slots[c.slotOf(id)].n
}

// findNext is find, and also returns the first ms of the node after the
// one found, or 0 if there is none.
func (x *nodeIndex) findNext(id ID) (*node, uint64) {
	i := x.chunkOf(id)
	if i < 0 {
		return nil, 0
	}
	c := x.chunks[i]
	j := c.slotOf(id)
	switch {
	case j+1 < c.len:
		return c.slots[j].n, c.slots[j+1].ms
	case i+1 < len(x.chunks):
		return c.slots[j].n, x.firstMs[i+1]
	}
	return c.slots[j].n, 0
}

// remove drops n, reporting whether it was held.
func (x *nodeIndex) remove(n *node) bool {
	i := x.chunkOf(n.first)
	if i < 0 {
		return false
	}
	c := x.chunks[i]
	j := c.slotOf(n.first)
	if j < 0 || c.slots[j].n != n {
		return false
	}
	copy(c.slots[j:c.len], c.slots[j+1:c.len])
	copy(c.seq[j:c.len], c.seq[j+1:c.len])
	c.len--
	c.slots[c.len] = indexSlot{}
	x.n--
	if c.len == 0 {
		x.dropChunk(i)
		x.merge(i)
		return true
	}
	if j == 0 {
		x.firstMs[i], x.firstSeq[i] = c.slots[0].ms, c.seq[0]
	}
	x.merge(i + 1)
	x.merge(i)
	return true
}

// merge moves the nodes of chunk i to the end of chunk i-1 if they fit,
// so that no two neighbours fit in one chunk: deletions cannot leave a
// chunk per node.
func (x *nodeIndex) merge(i int) {
	if i <= 0 || i >= len(x.chunks) {
		return
	}
	p, c := x.chunks[i-1], x.chunks[i]
	if p.len+c.len > chunkNodes {
		return
	}
	copy(p.slots[p.len:], c.slots[:c.len])
	copy(p.seq[p.len:], c.seq[:c.len])
	p.len += c.len
	x.dropChunk(i)
}

func (x *nodeIndex) dropChunk(i int) {
	k := len(x.chunks) - 1
	copy(x.chunks[i:], x.chunks[i+1:])
	x.chunks[k] = nil
	x.chunks = x.chunks[:k]
	copy(x.firstMs[i:], x.firstMs[i+1:])
	x.firstMs = x.firstMs[:k]
	copy(x.firstSeq[i:], x.firstSeq[i+1:])
	x.firstSeq = x.firstSeq[:k]
}
