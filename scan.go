package instream

import (
	"strconv"
	"strings"
)

// copier decodes entries into values the caller owns. All the strings of
// one batch are substrings of one buffer, the fields share one backing
// array, and the names of a node's name set are decoded once per batch.
type copier struct {
	sb     strings.Builder
	out    []Entry
	fields []Field
	n      *node
	// sets[s] is 1 + the index in fields of the first field of an entry
	// of n with name set s, or 0.
	sets [8]int
	// num and numStr are the last integer value decoded and its string:
	// timestamps often repeat in neighbouring entries.
	num    uint64
	numStr string
}

// init sizes the buffers for about want entries like those of n.
func (c *copier) init(want int, n *node) {
	c.out = make([]Entry, 0, want)
	if n == nil || n.count == 0 || want == 0 {
		return
	}
	c.fields = make([]Field, 0, want*n.fieldCount(0))
	c.sb.Grow(want * (n.lpBytes/n.count + 4))
}

// entry appends a copy of the entry of n whose head is h, and returns
// the offset after it.
func (c *copier) entry(n *node, h head) int {
	if n != c.n {
		c.n, c.sets = n, [8]int{}
	}
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
			f.Name = c.str(n.names[noff : noff+int(l)])
			noff += int(l)
		}
		var v uint64
		v, off = uvarint(n.buf, off)
		if v&1 != 0 {
			f.Value = c.int(v >> 1)
		} else {
			l := int(v >> 1)
			f.Value = c.str(n.buf[off : off+l])
			off += l
		}
		c.fields = append(c.fields, f)
	}
	if !cached && h.set < len(c.sets) {
		c.sets[h.set] = start + 1
	}
	end := len(c.fields)
	c.out = append(c.out, Entry{ID: h.id, Fields: c.fields[start:end:end]})
	return off
}

// int returns the decimal string of v.
func (c *copier) int(v uint64) string {
	if v != c.num || c.numStr == "" {
		var num [20]byte
		c.num, c.numStr = v, c.str(strconv.AppendUint(num[:0], v, 10))
	}
	return c.numStr
}

// str returns a string copy of b, carved from the batch buffer.
func (c *copier) str(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	i := c.sb.Len()
	c.sb.Write(b)
	return c.sb.String()[i:]
}

// fieldIter yields the fields of one entry during scan, without copying.
// The slices it returns are valid only until the scan callback returns
// and must not be modified.
type fieldIter struct {
	names []byte // the rest of the entry's name set
	vals  []byte // the rest of the entry's values
	left  int
	num   [20]byte
}

// len returns the number of fields not yet returned by next.
func (f *fieldIter) len() int { return f.left }

// next returns the next field's name and value, or ok false after the
// last field. They are valid until the next call of next (an integer
// value is formatted into f) and must not be modified.
func (f *fieldIter) next() (name, value []byte, ok bool) {
	if f.left == 0 {
		return nil, nil, false
	}
	f.left--
	l, off := uvarint(f.names, 0)
	name = f.names[off : off+int(l) : off+int(l)]
	f.names = f.names[off+int(l):]
	v, off := uvarint(f.vals, 0)
	if v&1 != 0 {
		value = strconv.AppendUint(f.num[:0], v>>1, 10)
		f.vals = f.vals[off:]
	} else {
		end := off + int(v>>1)
		value = f.vals[off:end:end]
		f.vals = f.vals[end:]
	}
	return name, value, true
}

// scan calls fn for each entry with an ID in [start, end], in ascending
// or descending order, until fn returns false. It is the zero-copy twin
// of collect: nothing is copied or allocated, what fn gets is valid only
// during the call, and fn must not add, remove or trim entries of t.
// O(log n + visited).
func (t *entries) scan(start, end ID, reverse bool, fn func(id ID, f fieldIter) bool) {
	if end.Less(start) {
		return
	}
	t.walk(t.from(start, end, reverse), start, end, reverse, func(n *node, h head) (int, bool) {
		c, off := uvarint(n.names, n.setOff(h.set))
		more := fn(h.id, fieldIter{names: n.names[off:], vals: n.buf[h.vals:], left: int(c)})
		return n.end(h), more
	})
}
