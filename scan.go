package instream

import (
	"encoding/binary"
	"math"
	"math/bits"
	"slices"
	"strconv"
	"unsafe"
)

// copier decodes entries into values the caller owns, appending them to
// out, or, for a group read, to group, so that an entry is decoded once.
// Names and string values share the nodes' bytes, which never change
// once written (see scanBuf), so they are not copied; integers are
// formatted into one buffer per batch. The fields share one backing
// array, and the names of a node's name set are decoded once per batch.
type copier struct {
	text  []byte // formatted integers: only ever appended to
	want  int    // the entries init sized the buffers for
	out   []Entry
	group []GroupEntry
	asGrp bool // append to group instead of out
	count int  // entries appended
	// budget, if not nil, caps a read (readcap.go): key names the
	// stream, and claim says the reply has idle times and counts.
	budget *readBudget
	key    string
	claim  bool
	headed bool // the stream's header is counted already
	fields []Field
	n      *node
	// The names of n's first name set, the set of most entries: nNames
	// of them, in namesBuf if they fit, else in spill. namesBuf is never
	// sliced into a field: a copier pointing into itself would be moved
	// to the heap on every read.
	nNames   int
	namesBuf [4]string
	spill    []string
	// sets[s] is 1 + the index in fields of the first field of an entry
	// of n with name set s > 0, or 0.
	sets [8]int
	// num and numStr are the last integer value decoded and its string:
	// timestamps often repeat, or grow by small steps, in neighbouring
	// entries.
	num    uint64
	numStr string
	warmed byte // see warm
}

// init sizes the buffers for about want entries like those of n.
func (c *copier) init(want int, n *node) {
	c.want = want
	if want == 1 && n != nil && n.count > 0 && n.fieldCount(0) <= singleFields {
		c.initSingle()
		return
	}
	if c.asGrp {
		c.group = make([]GroupEntry, 0, want)
	} else {
		c.out = make([]Entry, 0, want)
	}
	if n == nil || n.count == 0 || want == 0 {
		return
	}
	c.fields = make([]Field, 0, want*n.fieldCount(0))
}

// warm loads the byte of n's entries where an entry of ms would be if
// they were spread evenly over the node's ms, so that on a large stream
// its cache line is on its way while the marks are searched, rather than
// asked for after. n.last.Ms shares a cache line with n.names.
func (c *copier) warm(n *node, ms uint64) {
	first := n.first.Ms
	span := n.last.Ms - first
	if ms < first || len(n.buf) == 0 || span == math.MaxUint64 {
		return
	}
	hi, lo := bits.Mul64(uint64(len(n.buf)), min(ms-first, span))
	i, _ := bits.Div64(hi, lo, span+1)
	c.warmed = n.buf[i]
}

// singleFields is the most fields a read of one entry holds in the
// allocation of its entry.
const singleFields = 4

// A read of one entry (a seek, or a reader of new entries that finds
// one) takes one allocation for the entry, its fields and its integers'
// text.
type singleEntry struct {
	e [1]Entry
	f [singleFields]Field
	t [24]byte
}

type singleGroupEntry struct {
	e [1]GroupEntry
	f [singleFields]Field
	t [24]byte
}

func (c *copier) initSingle() {
	if c.asGrp {
		s := new(singleGroupEntry)
		c.group, c.fields, c.text = s.e[:0], s.f[:0], s.t[:0]
		return
	}
	s := new(singleEntry)
	c.out, c.fields, c.text = s.e[:0], s.f[:0], s.t[:0]
}

// entry appends a copy of the entry of n whose head is h, and returns
// the offset after it.
func (c *copier) entry(n *node, h head) int {
	if n != c.n {
		c.node(n)
	}
	if h.set != 0 {
		return c.entrySet(n, h)
	}
	names := c.names()
	start := len(c.fields)
	if cap(c.fields)-start < len(names) {
		c.fields = slices.Grow(c.fields, len(names))
	}
	fs := c.fields[start : start+len(names)]
	off, b := h.vals, n.buf
	// value's decoding, inlined: this loop is most of a range read.
	for i, name := range names {
		v := uint64(b[off])
		if v < 0x80 {
			off++
		} else if x, l := uint64(0), 0; off+8 <= len(b) {
			if x, l = gather(binary.LittleEndian.Uint64(b[off:])); l > 0 {
				v, off = x, off+l
			} else {
				v, off = uvarintLong(b, off)
			}
		} else {
			v, off = uvarintLong(b, off)
		}
		f := &fs[i]
		f.Name = name
		if v&1 != 0 {
			f.Value = c.int(v >> 1)
			continue
		}
		l := int(v >> 1)
		f.Value = view(b[off : off+l])
		off += l
	}
	end := start + len(names)
	c.fields = c.fields[:end]
	// add, inlined.
	if k := len(c.out); !c.asGrp && k < cap(c.out) {
		c.out = c.out[:k+1]
		e := &c.out[k]
		e.ID, e.Fields = h.id, c.fields[start:end:end]
		c.count++
	} else {
		c.addGrow(h.id, start)
	}
	return off
}

// node makes n the node whose names c holds.
func (c *copier) node(n *node) {
	c.n, c.sets = n, [8]int{}
	nf, off := uvarint(n.names, 0)
	c.nNames = int(nf)
	if c.nNames > len(c.namesBuf) {
		c.spill = appendNames(c.spill[:0], n.names, off, c.nNames)
	} else {
		appendNames(c.namesBuf[:0], n.names, off, c.nNames)
	}
}

// names returns the names of the first name set of c.n.
func (c *copier) names() []string {
	if c.nNames > len(c.namesBuf) {
		return c.spill
	}
	return c.namesBuf[:c.nNames]
}

// appendNames appends the k names encoded at b[off:] to dst.
func appendNames(dst []string, b []byte, off, k int) []string {
	for range k {
		var l uint64
		l, off = uvarint(b, off)
		dst = append(dst, view(b[off:off+int(l)]))
		off += int(l)
	}
	return dst
}

// entrySet is entry for an entry whose name set is not n's first.
func (c *copier) entrySet(n *node, h head) int {
	start := len(c.fields)
	cached := h.set < len(c.sets) && c.sets[h.set] > 0
	nf, noff := uvarint(n.names, n.setOff(h.set))
	src := c.sets[min(h.set, len(c.sets)-1)] - 1
	off := h.vals
	for i := range int(nf) {
		var f Field
		if cached {
			f.Name = c.fields[src+i].Name
		} else {
			var l uint64
			l, noff = uvarint(n.names, noff)
			f.Name = view(n.names[noff : noff+int(l)])
			noff += int(l)
		}
		f.Value, off = c.value(n, off)
		c.fields = append(c.fields, f)
	}
	if !cached && h.set < len(c.sets) {
		c.sets[h.set] = start + 1
	}
	c.add(h.id, start)
	return off
}

// add appends the entry id whose fields start at fields[start]. It
// sets the new element's fields one by one: copying a whole Entry in
// would, while the GC marks, take a bulk write barrier (wbMove) that
// costs more than the rest of the entry.
func (c *copier) add(id ID, start int) {
	end := len(c.fields)
	if k := len(c.out); !c.asGrp && k < cap(c.out) {
		c.out = c.out[:k+1]
		e := &c.out[k]
		e.ID, e.Fields = id, c.fields[start:end:end]
		c.count++
		return
	}
	c.addGrow(id, start)
}

// addGrow is add for a group read, or when out is full.
func (c *copier) addGrow(id ID, start int) {
	end := len(c.fields)
	fs := c.fields[start:end:end]
	var e *Entry
	if c.asGrp {
		if len(c.group) == cap(c.group) {
			c.group = slices.Grow(c.group, 1)
		}
		c.group = c.group[:len(c.group)+1]
		e = &c.group[len(c.group)-1].Entry
	} else {
		c.out = slices.Grow(c.out, 1)
		c.out = c.out[:len(c.out)+1]
		e = &c.out[len(c.out)-1]
	}
	e.ID, e.Fields = id, fs
	c.count++
}

// value returns a copy of the value encoded at off in n's bytes, and the
// offset after it.
func (c *copier) value(n *node, off int) (string, int) {
	v, off := uvarint(n.buf, off)
	if v&1 != 0 {
		return c.int(v >> 1), off
	}
	l := int(v >> 1)
	return view(n.buf[off : off+l]), off + l
}

// int returns the decimal string of v.
func (c *copier) int(v uint64) string {
	p := c.numStr
	if v == c.num && p != "" {
		return p
	}
	// Timestamps a few units apart: patch the last digit of a copy of
	// the last text, copied by two words (as appendNext does), here
	// without its calls.
	t, l := c.text, len(p)
	i := len(t)
	if d := v - c.num; d-1 < 9 && l >= 8 && l <= 16 && cap(t)-i >= 16 {
		if last := p[l-1] + byte(d); last <= '9' {
			src := unsafe.Slice(unsafe.StringData(p), l)
			w := t[i : i+16]
			binary.LittleEndian.PutUint64(w, binary.LittleEndian.Uint64(src))
			binary.LittleEndian.PutUint64(w[l-8:], binary.LittleEndian.Uint64(src[l-8:]))
			w[l-1] = last
			c.text = t[:i+l]
			c.num, c.numStr = v, unsafe.String(&w[0], l)
			return c.numStr
		}
	}
	return c.intText(v)
}

// intText is int for any v.
func (c *copier) intText(v uint64) string {
	if room := cap(c.text) - len(c.text); room < 20 {
		if l := decimalLen(v); room < l {
			// Earlier strings keep the old buffer: start a new one with
			// room for an integer as long as this one in each entry
			// still wanted, as timestamped events need.
			c.text = make([]byte, 0, max(l*(c.want-c.count), 32))
		}
	}
	i := len(c.text)
	c.text = appendNext(c.text, v, c.num, c.numStr)
	c.num, c.numStr = v, view(c.text[i:])
	return c.numStr
}

// decimalLen returns the number of decimal digits of v.
func decimalLen(v uint64) int {
	l := 1
	for ; v >= 10; v /= 10 {
		l++
	}
	return l
}

// scanBuf holds one batch of Scan: entry i has ID ids[i] and the fields
// fields[ends[i-1]:ends[i]]. Names and string values point into the
// nodes' bytes, which never change once written (a node's bytes are
// only ever appended to, copied by seal, or dropped whole), so they stay
// valid after the lock is released. Integer values are formatted into
// text, which the next batch reuses.
type scanBuf struct {
	ids    []ID
	ends   []int
	fields []Field
	text   []byte
	// names holds the names of the first name set of node n.
	n     *node
	names []string
	// num and numStr are the last integer formatted and its text.
	num    uint64
	numStr string
	// After a full batch, the next one resumes at offset atOff of node
	// atN of atT, without a descent, if atT has unlinked no node since
	// (atGen).
	atT   *entries
	atN   *node
	atOff int
	atGen uint64
}

// forget drops b's resume position.
func (b *scanBuf) forget() { b.atT, b.atN = nil, nil }

// reset empties b, dropping its references into the nodes but its
// resume position.
func (b *scanBuf) reset() {
	clear(b.fields)
	clear(b.names)
	b.n, b.names = nil, b.names[:0]
	b.ids, b.ends, b.fields, b.text = b.ids[:0], b.ends[:0], b.fields[:0], b.text[:0]
	b.numStr = ""
}

// fill appends to b the live entries with IDs in [start, end], at most
// max, and reports whether it stopped because b was full. It is walk
// written out for speed: Scan's cost is mostly this loop. After a full
// batch, the next fill on t must start just after the batch's last ID.
func (t *entries) fill(start, end ID, max int, b *scanBuf) bool {
	if end.Less(start) {
		return false
	}
	var n *node
	off := 0
	if b.atT == t && b.atN != nil && b.atGen == t.unlinks {
		n, off = b.atN, b.atOff
	} else if n = t.nodeOf(start); n == nil {
		n = t.head
	} else {
		off = n.seek(start)
	}
	b.forget()
	for ; n != nil; n, off = n.next, 0 {
		for off < len(n.buf) {
			h, ok := n.headShort(off)
			if !ok {
				h = n.head(off)
			}
			if end.Less(h.id) {
				return false
			}
			if h.deleted() {
				off = n.end(h)
				continue
			}
			if len(b.ids) == max {
				b.atT, b.atN, b.atOff, b.atGen = t, n, off, t.unlinks
				return true
			}
			off = b.entry(n, h)
		}
	}
	return false
}

// entry appends the entry of n whose head is h and returns the offset
// after it.
func (b *scanBuf) entry(n *node, h head) int {
	if h.set != 0 || n != b.n {
		return b.entrySet(n, h)
	}
	off := h.vals
	for _, name := range b.names {
		f := Field{Name: name}
		f.Value, off = b.value(n, off)
		b.fields = append(b.fields, f)
	}
	b.ids = append(b.ids, h.id)
	b.ends = append(b.ends, len(b.fields))
	return off
}

// entrySet is entry for an entry whose names are not in b.names; it
// keeps the names of n's first name set there.
func (b *scanBuf) entrySet(n *node, h head) int {
	nf, noff := uvarint(n.names, n.setOff(h.set))
	if h.set == 0 {
		b.n, b.names = n, b.names[:0]
	}
	off := h.vals
	for range nf {
		var f Field
		var l uint64
		l, noff = uvarint(n.names, noff)
		f.Name = view(n.names[noff : noff+int(l)])
		noff += int(l)
		if h.set == 0 {
			b.names = append(b.names, f.Name)
		}
		f.Value, off = b.value(n, off)
		b.fields = append(b.fields, f)
	}
	b.ids = append(b.ids, h.id)
	b.ends = append(b.ends, len(b.fields))
	return off
}

// value returns a view of the value encoded at off in n's bytes (an
// integer's text is formatted into b.text), and the offset after it.
func (b *scanBuf) value(n *node, off int) (string, int) {
	v, off := uvarint(n.buf, off)
	if v&1 != 0 {
		return b.int(v >> 1), off
	}
	l := int(v >> 1)
	return view(n.buf[off : off+l]), off + l
}

// int returns the decimal text of v, formatted into b.text.
func (b *scanBuf) int(v uint64) string {
	if v == b.num && b.numStr != "" {
		return b.numStr
	}
	i := len(b.text)
	b.text = appendNext(b.text, v, b.num, b.numStr)
	b.num, b.numStr = v, view(b.text[i:])
	return b.numStr
}

// appendNext appends the decimal text of v to dst, given that of prev
// ("" if unknown): timestamps grow by small steps, and then patching the
// last digit is cheaper than formatting.
func appendNext(dst []byte, v, prev uint64, prevStr string) []byte {
	if d := v - prev; v > prev && d < 10 && prevStr != "" {
		i, l := len(dst), len(prevStr)
		if l >= 8 && l <= 16 && cap(dst)-i >= 16 {
			// Copy prevStr as two overlapping words: a call to memmove
			// costs more than the copy. The bytes written past l are
			// spare capacity, which no string uses yet.
			src := unsafe.Slice(unsafe.StringData(prevStr), l)
			w := dst[i : i+16]
			binary.LittleEndian.PutUint64(w, binary.LittleEndian.Uint64(src))
			binary.LittleEndian.PutUint64(w[l-8:], binary.LittleEndian.Uint64(src[l-8:]))
			dst = dst[:i+l]
		} else {
			dst = append(dst, prevStr...)
		}
		// Add d to the last digit and carry: 1299 + 1 is 1300. A carry
		// out of the first digit makes the number longer: format it.
		for j := len(dst) - 1; j >= i; j-- {
			c := dst[j] + byte(d)
			if c <= '9' {
				dst[j] = c
				return dst
			}
			dst[j], d = c-10, 1
		}
		dst = dst[:i]
	}
	return strconv.AppendUint(dst, v, 10)
}

// view returns a string sharing p's bytes, which must not change while
// the string is in use.
func view(p []byte) string {
	if len(p) == 0 {
		return ""
	}
	return unsafe.String(&p[0], len(p))
}
