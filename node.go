package instream

import (
	"encoding/binary"
	"math"
	"math/bits"
)

// A node packs a run of consecutive entries into one byte slice, as a
// Redis listpack does. Each entry is encoded in node.buf as:
//
//	hdr    uvarint: seq<<hdrShift | flags (with flagBigSeq, hdr holds only
//	       the flags and seq follows as its own uvarint)
//	ms     uvarint: id.Ms - first.Ms
//	[set]  uvarint, with flagOtherSet: the index of the entry's name set;
//	       without it the entry has the names of the node's first entry
//	values one uvarint each: n<<1|1 for a canonical integer n >= 0,
//	       len<<1 followed by the bytes otherwise
//
// seq is id.Seq - first.Seq when ms is 0, else id.Seq, so every ID decodes
// on its own. Deleting an entry sets flagDeleted in its first byte; the
// bytes stay until the whole node goes, as in Redis.
type node struct {
	// The fields a seek reads come first, in the first two of the
	// struct's three cache lines.
	first ID // ID of the node's first entry, deleted or not: its key
	buf   []byte
	// marks locate entries markEvery entries or markBytes bytes apart,
	// whichever comes first, so that a seek decodes at most markEvery
	// entries in few cache lines and a reverse walk can go back. A mark
	// holds its entry's offset (markOffBits), its seq as encoded (see
	// above; noSeq if too large) and its ms delta (noMs if too large),
	// so that a search of the marks stays out of buf.
	marks []uint64
	// names holds the field-name sets: set 0 (the first entry's names) at
	// offset 0, set i at sets[i-1]. A set is a count and then each name
	// as a length and its bytes. While they fit, they are in inl, so
	// that a seek finds them in the node's own cache lines.
	names  []byte
	count  int   // entries, deleted ones included
	marked int32 // index of the entry of the last mark, 0 if none
	// gen is the entries' generation when the node was made or copied:
	// a node of an earlier one may be read by a snapshot, and is copied
	// before a change (entries.own).
	gen  uint32
	live int32 // entries not deleted; a node holds under 2^31 entries
	// shared is set when buf is also an older copy's: a deletion then
	// flags a copy of it. Appends go past the older copy's length and
	// need no copy.
	shared bool
	// packed is set when some of marks, sets and names share a block
	// with buf or with each other (seal).
	packed  bool
	inl     [18]byte // fills the struct to its size class, 192 bytes
	last    ID       // ID of the node's last entry, deleted or not
	sets    []uint32
	lpBytes int // size of Redis's listpack for the same entries
	prev    *node
	next    *node
}

const (
	markEvery = 16
	markBytes = 128
	// linearMarks is the most marks segmentOf scans rather than halves.
	linearMarks = 32

	// entries.add starts a new node before an offset needs more bits.
	markOffBits = 30
	markSeqBits = 8
	markMsShift = markOffBits + markSeqBits
	noSeq       = 1<<markSeqBits - 1
	noMs        = 1<<(64-markMsShift) - 1

	flagDeleted  = 1 << 0
	flagOtherSet = 1 << 1
	flagBigSeq   = 1 << 2
	hdrShift     = 3

	maxPrealloc = 64 << 10
)

// uvarint decodes the uvarint at b[off:] and returns it with the offset
// after it. The data is trusted.
func uvarint(b []byte, off int) (uint64, int) {
	if c := b[off]; c < 0x80 {
		return uint64(c), off + 1
	}
	return uvarintLong(b, off)
}

func uvarintLong(b []byte, off int) (uint64, int) {
	var v uint64
	for s := uint(0); ; s += 7 {
		c := b[off]
		off++
		if c < 0x80 {
			return v | uint64(c)<<s, off
		}
		v |= uint64(c&0x7f) << s
	}
}

// gather decodes the uvarint in the little-endian bytes of x and returns
// it with its length, or length 0 if it is longer than 8 bytes (values
// of 2^56 or more). It takes the 7-bit groups at once rather than byte
// by byte, for the values of several bytes, such as timestamps, that a
// read decodes.
func gather(x uint64) (uint64, int) {
	stop := ^x & 0x8080808080808080
	if stop == 0 {
		return 0, 0
	}
	n := bits.TrailingZeros64(stop) + 1
	x &= 1<<n - 1
	x = x&0x007f007f007f007f | x&0x7f007f007f007f00>>1
	x = x&0x00003fff00003fff | x&0x3fff00003fff0000>>2
	x = x&0x000000000fffffff | x&0x0fffffff00000000>>4
	return x, n / 8
}

// head is the decoded start of an entry.
type head struct {
	id    ID
	flags uint64
	set   int
	vals  int // offset of the first value
}

func (h head) deleted() bool { return h.flags&flagDeleted != 0 }

func (n *node) head(off int) head {
	hdr, off := uvarint(n.buf, off)
	seq := hdr >> hdrShift
	if hdr&flagBigSeq != 0 {
		seq, off = uvarint(n.buf, off)
	}
	ms, off := uvarint(n.buf, off)
	id := ID{n.first.Ms + ms, seq}
	if ms == 0 {
		id.Seq += n.first.Seq
	}
	set := 0
	if hdr&flagOtherSet != 0 {
		var s uint64
		s, off = uvarint(n.buf, off)
		set = int(s)
	}
	return head{id: id, flags: hdr & (1<<hdrShift - 1), set: set, vals: off}
}

// headShort is head for the usual entry, with a one-byte header without
// a name set and a one-byte ms delta; false for any other, and then the
// caller calls head. It is small enough to inline in a read's loop.
func (n *node) headShort(off int) (head, bool) {
	b := n.buf
	hdr := b[off]
	if hdr&(0x80|flagBigSeq|flagOtherSet) != 0 || b[off+1] >= 0x80 {
		return head{}, false
	}
	ms := uint64(b[off+1])
	id := ID{n.first.Ms + ms, uint64(hdr >> hdrShift)}
	if ms == 0 {
		id.Seq += n.first.Seq
	}
	return head{id: id, flags: uint64(hdr & flagDeleted), vals: off + 2}, true
}

// idAt decodes only the ID of the entry at off.
func (n *node) idAt(off int) ID {
	hdr, off := uvarint(n.buf, off)
	seq := hdr >> hdrShift
	if hdr&flagBigSeq != 0 {
		seq, off = uvarint(n.buf, off)
	}
	ms, _ := uvarint(n.buf, off)
	if ms == 0 {
		seq += n.first.Seq
	}
	return ID{n.first.Ms + ms, seq}
}

// setOff returns the offset of name set s in n.names.
func (n *node) setOff(s int) int {
	if s == 0 {
		return 0
	}
	return int(n.sets[s-1])
}

// fieldCount returns the number of names in set s.
func (n *node) fieldCount(s int) int {
	c, _ := uvarint(n.names, n.setOff(s))
	return int(c)
}

// end returns the offset just after the entry whose head is h.
func (n *node) end(h head) int {
	off := h.vals
	for range n.fieldCount(h.set) {
		var v uint64
		v, off = uvarint(n.buf, off)
		if v&1 == 0 {
			off += int(v >> 1)
		}
	}
	return off
}

// segment returns the offsets of the entries of segment k (entries
// k*markEvery up to the next mark) in offs, and how many there are.
func (n *node) segment(k int, offs *[markEvery]int) int {
	off, stop := 0, len(n.buf)
	if k > 0 {
		off = n.markOff(k - 1)
	}
	if k < len(n.marks) {
		stop = n.markOff(k)
	}
	c := 0
	for off < stop {
		offs[c] = off
		c++
		off = n.end(n.head(off))
	}
	return c
}

func (n *node) markOff(k int) int { return int(n.marks[k] & (1<<markOffBits - 1)) }

// mark returns the mark of an entry with that ID at offset off.
func (n *node) mark(id ID, off int) uint64 {
	ms := id.Ms - n.first.Ms
	seq := id.Seq
	if ms == 0 {
		seq -= n.first.Seq
	}
	return min(ms, noMs)<<markMsShift | min(seq, noSeq)<<markOffBits | uint64(off)
}

// lastMarkOff returns the offset of the last mark, 0 if none.
func (n *node) lastMarkOff() int {
	if len(n.marks) == 0 {
		return 0
	}
	return n.markOff(len(n.marks) - 1)
}

// needsMark reports whether an entry that many entries and bytes after
// the last mark (or the first entry) gets a mark.
func (n *node) needsMark(entries, bytes int) bool {
	return entries >= markEvery || bytes >= markBytes
}

// markAbove reports whether id is below the ID of the entry of mark k.
func (n *node) markAbove(k int, id ID) bool {
	if id.Ms < n.first.Ms {
		return true
	}
	m := n.marks[k]
	if ms := m >> markMsShift; ms != noMs {
		if d := id.Ms - n.first.Ms; d != ms {
			return d < ms
		}
		if seq := m >> markOffBits & noSeq; seq != noSeq {
			if ms == 0 {
				seq += n.first.Seq
			}
			return id.Seq < seq
		}
	}
	return id.Less(n.idAt(n.markOff(k)))
}

// segmentOf returns the index of the last segment whose first entry has an
// ID <= id (0 if none).
func (n *node) segmentOf(id ID) int {
	if len(n.marks) <= linearMarks {
		// A scan reads the marks' few cache lines at once; a binary
		// search would wait for each in turn.
		k := 0
		for k < len(n.marks) && !n.markAbove(k, id) {
			k++
		}
		return k
	}
	lo, hi := 0, len(n.marks) // answer in [0, len(marks)]
	for lo < hi {
		m := int(uint(lo+hi+1) >> 1)
		if n.markAbove(m-1, id) {
			hi = m - 1
		} else {
			lo = m
		}
	}
	return lo
}

// seek returns the offset of the first entry with an ID >= id, deleted or
// not, or len(n.buf) if there is none.
func (n *node) seek(id ID) int {
	return n.seekFrom(n.segmentOf(id), id)
}

// seekFrom is seek, given k = n.segmentOf(id).
func (n *node) seekFrom(k int, id ID) int {
	off := 0
	if k > 0 {
		off = n.markOff(k - 1)
	}
	for off < len(n.buf) {
		h := n.head(off)
		if !h.id.Less(id) {
			return off
		}
		off = n.end(h)
	}
	return off
}

// find returns the offset of the live entry with the given ID.
func (n *node) find(id ID) (int, bool) {
	off := n.seek(id)
	if off == len(n.buf) {
		return 0, false
	}
	h := n.head(off)
	return off, h.id == id && !h.deleted()
}

// lastLive returns the head of the node's last live entry.
func (n *node) lastLive() (head, bool) {
	var offs [markEvery]int
	for k := len(n.marks); k >= 0; k-- {
		for i := n.segment(k, &offs) - 1; i >= 0; i-- {
			if h := n.head(offs[i]); !h.deleted() {
				return h, true
			}
		}
	}
	return head{}, false
}

// firstLive returns the head of the node's first live entry.
func (n *node) firstLive() (head, bool) {
	for off := 0; off < len(n.buf); {
		h := n.head(off)
		if !h.deleted() {
			return h, true
		}
		off = n.end(h)
	}
	return head{}, false
}

// appendSet appends the names of fields as a name set.
func appendSet(b []byte, fields []Field) []byte {
	b = binary.AppendUvarint(b, uint64(len(fields)))
	for _, f := range fields {
		b = binary.AppendUvarint(b, uint64(len(f.Name)))
		b = append(b, f.Name...)
	}
	return b
}

// setEqual reports whether set s holds exactly the names of fields.
func (n *node) setEqual(s int, fields []Field) bool {
	c, off := uvarint(n.names, n.setOff(s))
	if int(c) != len(fields) {
		return false
	}
	for _, f := range fields {
		var l uint64
		l, off = uvarint(n.names, off)
		if int(l) != len(f.Name) || string(n.names[off:off+int(l)]) != f.Name {
			return false
		}
		off += int(l)
	}
	return true
}

// appendEntry encodes an entry with name set s at the end of the node and
// accounts for it in lpBytes.
func (n *node) appendEntry(id ID, fields []Field, s int) {
	if n.count > 0 && n.needsMark(n.count-int(n.marked), len(n.buf)-n.lastMarkOff()) {
		n.marks = append(n.marks, n.mark(id, len(n.buf)))
		n.marked = int32(n.count)
	}
	ms := id.Ms - n.first.Ms
	seq := id.Seq
	if ms == 0 {
		seq -= n.first.Seq
	}
	var flags uint64
	if s != 0 {
		flags = flagOtherSet
	}
	b := n.buf
	if seq < 1<<(64-hdrShift) {
		b = binary.AppendUvarint(b, seq<<hdrShift|flags)
	} else {
		b = binary.AppendUvarint(b, flags|flagBigSeq)
		b = binary.AppendUvarint(b, seq)
	}
	b = binary.AppendUvarint(b, ms)
	if s != 0 {
		b = binary.AppendUvarint(b, uint64(s))
	}
	// Redis's entry: flags, ms-diff, seq-diff, [count, names], values,
	// lp-count; the names are left out when they are the master's.
	lp := lpIntSize(2) + lpIntSize(int64(ms)) + lpIntSize(int64(id.Seq-n.first.Seq))
	if s == 0 {
		lp += lpIntSize(int64(len(fields)) + 3)
	} else {
		lp += lpIntSize(int64(len(fields))) + lpIntSize(2*int64(len(fields))+4)
		for _, f := range fields {
			lp += lpSize(f.Name)
		}
	}
	for _, f := range fields {
		v, isInt := lpInt(f.Value)
		if isInt && v >= 0 {
			b = binary.AppendUvarint(b, uint64(v)<<1|1)
			lp += lpIntSize(v)
			continue
		}
		if isInt {
			lp += lpIntSize(v)
		} else {
			lp += lpStrSize(len(f.Value))
		}
		b = binary.AppendUvarint(b, uint64(len(f.Value))<<1)
		b = append(b, f.Value...)
	}
	n.buf = b
	if n.count > 0 {
		lp += lpIntSize(int64(n.live+1)) - lpIntSize(int64(n.live))
	}
	n.lpBytes += lp
	n.count++
	n.live++
	n.last = id
}

// markDeleted flags the live entry at off as deleted.
func (n *node) markDeleted(off int) {
	if n.shared {
		n.unshare()
	}
	n.buf[off] |= flagDeleted
	del := int64(n.count - int(n.live))
	n.lpBytes += lpIntSize(int64(n.live-1)) - lpIntSize(int64(n.live)) +
		lpIntSize(del+1) - lpIntSize(del)
	n.live--
}

// newNode returns a node whose first entry will be id with these fields,
// sized like prev.
func newNode(id ID, fields []Field, prev *node) *node {
	n := &node{first: id}
	if prev != nil {
		// Nodes tend to look alike: start with room for one like prev,
		// up to a bound, so that most nodes grow without copying.
		// The capacity is the whole size class: seal may put marks
		// and names in what the entries leave of it.
		n.buf = make([]byte, 0, allocSize(min(len(prev.buf)+len(prev.buf)/16, maxPrealloc)))
		n.marks = make([]uint64, 0, min(len(prev.marks), maxPrealloc/64))
	}
	n.names = appendSet(n.inl[:0], fields)
	// Redis's empty listpack and master entry: live count, deleted count,
	// name count, names, terminator.
	n.lpBytes = 7 + lpIntSize(1) + lpIntSize(0) + lpIntSize(int64(len(fields))) + lpIntSize(0)
	for _, f := range fields {
		n.lpBytes += lpSize(f.Name)
	}
	return n
}

// lpInt reports whether s is stored by Redis's listpack as an integer (a
// canonical signed 64-bit decimal) and returns it.
func lpInt(s string) (int64, bool) {
	if len(s) == 0 || len(s) > 20 {
		return 0, false
	}
	if s == "0" {
		return 0, true
	}
	neg := s[0] == '-'
	p := s
	if neg {
		p = s[1:]
	}
	// 20 digits are above 1<<63; 19 cannot overflow v.
	if len(p) == 0 || len(p) > 19 || p[0] < '1' || p[0] > '9' {
		return 0, false
	}
	var v uint64
	for i := 0; i < len(p); i++ {
		c := p[i] - '0'
		if c > 9 {
			return 0, false
		}
		v = v*10 + uint64(c)
	}
	if neg {
		if v > 1<<63 {
			return 0, false
		}
		return int64(-v), true
	}
	if v > math.MaxInt64 {
		return 0, false
	}
	return int64(v), true
}

// lpSize is the size of s as a listpack element.
func lpSize(s string) int {
	if v, ok := lpInt(s); ok {
		return lpIntSize(v)
	}
	return lpStrSize(len(s))
}

// lpIntSize is the size of an integer listpack element: its encoding
// plus a one-byte back length.
func lpIntSize(v int64) int {
	switch {
	case v >= 0 && v <= 127:
		return 2
	case v >= -4096 && v <= 4095:
		return 3
	case v >= math.MinInt16 && v <= math.MaxInt16:
		return 4
	case v >= -1<<23 && v < 1<<23:
		return 5
	case v >= math.MinInt32 && v <= math.MaxInt32:
		return 6
	}
	return 10
}

// lpStrSize is the size of a string listpack element of l bytes.
func lpStrSize(l int) int {
	enc := 5 + l
	switch {
	case l < 64:
		enc = 1 + l
	case l < 4096:
		enc = 2 + l
	}
	switch {
	case enc <= 127:
		return enc + 1
	case enc < 16383:
		return enc + 2
	case enc < 2097151:
		return enc + 3
	case enc < 268435455:
		return enc + 4
	}
	return enc + 5
}
