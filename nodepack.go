package instream

import (
	"slices"
	"unsafe"
)

// seal releases the spare capacity of a node that stops growing. The
// allocator rounds each block up to its size class, so seal also moves
// marks, sets and names into the unused end of buf's block, or into one
// block of their own, where that takes fewer bytes: a node with many
// name sets has about a tenth of its bytes in them.
func (n *node) seal() {
	n.pack(false)
}

// unshare gives n bytes of its own, leaving the older copy's to it.
func (n *node) unshare() {
	if n.packed {
		// Pieces packed with the older copy's bytes would keep them
		// alive: pack copies them with the bytes.
		n.pack(true)
	} else {
		n.buf = slices.Clone(n.buf)
	}
	n.shared = false
}

// The pieces pack places: marks, sets and names (when not in inl).
const (
	pieceMarks = iota
	pieceSets
	pieceNames
	pieces
)

// Where pack places a piece.
const (
	inOwn  = iota // a block of its own, shrunk to its size class
	inBuf         // after buf, in buf's block
	inSide        // in one block with the other inSide pieces
)

// pack lays out n's slices in the fewest bytes of the allocator's size
// classes (see seal). With fresh, every slice that may share a block
// with buf is copied, so that none keeps buf's block alive.
func (n *node) pack(fresh bool) {
	var size [pieces]int
	size[pieceMarks] = 8 * len(n.marks)
	size[pieceSets] = 4 * len(n.sets)
	inline := n.namesInline()
	if !inline {
		size[pieceNames] = len(n.names)
	}
	b := len(n.buf)
	// The pieces with bytes; the others stay where they are.
	var idx [pieces]int
	k := 0
	for i, s := range size {
		if s > 0 {
			idx[k] = i
			k++
		}
	}
	// Every layout of them, by base 3 digits: the j-th goes where digit
	// j says. The first, each in a block of its own, wins ties.
	var own [pieces]int
	cost := allocSize(b)
	for i, s := range size {
		own[i] = allocSize(s)
		cost += own[i]
	}
	// Pieces may go in place into the spare capacity of buf's block
	// when buf stays in it: no copy of buf then.
	spare := 0
	if !fresh && allocSize(b) == allocSize(cap(n.buf)) &&
		uintptr(unsafe.Pointer(unsafe.SliceData(n.buf)))%8 == 0 {
		spare = cap(n.buf) - alignUp(b)
	}
	var where [pieces]int
	best := where
	for l := 1; l < pow3[k]; l++ {
		var inB, inS, c int
		for j, d := 0, l; j < k; j, d = j+1, d/3 {
			i := idx[j]
			where[i] = d % 3
			switch where[i] {
			case inOwn:
				c += own[i]
			case inBuf:
				inB += size[i]
			case inSide:
				inS += size[i]
			}
		}
		if inB > 0 && alignUp(inB) <= spare {
			c += allocSize(b)
		} else {
			c += allocSize(blockLen(b, inB))
		}
		c += allocSize(blockLen(0, inS))
		if c < cost {
			best, cost = where, c
		}
	}
	where = best
	n.packed = where != [pieces]int{}
	var inB, inS int
	for i, w := range where {
		switch w {
		case inBuf:
			inB += size[i]
		case inSide:
			inS += size[i]
		}
	}
	var bufBlock []byte
	if inB > 0 && alignUp(inB) <= spare {
		bufBlock = n.buf[alignUp(b):cap(n.buf)]
		n.buf = n.buf[:b:b]
	} else if l := blockLen(b, inB); l > b || fresh {
		bufBlock = make([]byte, l)
		copy(bufBlock, n.buf)
		n.buf = bufBlock[:b:b]
		bufBlock = bufBlock[min(alignUp(b), l):]
	} else {
		n.buf = shrink(n.buf)
	}
	side := make([]byte, blockLen(0, inS))
	// A block holds its pieces from an offset that is a multiple of 8,
	// in this order: marks, sets, names.
	for i, w := range where {
		dst := &side
		switch {
		case w == inBuf:
			dst = &bufBlock
		case w == inOwn && i == pieceMarks:
			n.marks = shrinkOrCopy(n.marks, fresh)
			continue
		case w == inOwn && i == pieceSets:
			n.sets = shrinkOrCopy(n.sets, fresh)
			continue
		case w == inOwn && !inline:
			n.names = shrinkOrCopy(n.names, fresh)
			continue
		case w == inOwn:
			continue
		}
		switch i {
		case pieceMarks:
			m := unsafe.Slice((*uint64)(unsafe.Pointer(&(*dst)[0])), len(n.marks))
			copy(m, n.marks)
			n.marks = m
		case pieceSets:
			s := unsafe.Slice((*uint32)(unsafe.Pointer(&(*dst)[0])), len(n.sets))
			copy(s, n.sets)
			n.sets = s
		case pieceNames:
			names := (*dst)[:len(n.names):len(n.names)]
			copy(names, n.names)
			n.names = names
		}
		*dst = (*dst)[size[i]:]
	}
}

func shrinkOrCopy[T any](s []T, copyAll bool) []T {
	if copyAll {
		return slices.Clone(s)
	}
	return shrink(s)
}

// pow3[k] is the number of layouts of k pieces.
var pow3 = [pieces + 1]int{1, 3, 9, 27}

// blockLen returns the length of the block holding b bytes of buf and l
// bytes of pieces, rounded up to a multiple of 8 so that the allocator
// aligns it for marks and sets.
func blockLen(b, l int) int {
	if l == 0 {
		return b
	}
	return alignUp(b) + alignUp(l)
}

func alignUp(n int) int { return (n + 7) &^ 7 }

// namesInline reports whether n's names are in n.inl.
func (n *node) namesInline() bool {
	return cap(n.names) == len(n.inl) && &n.names[:1][0] == &n.inl[0]
}

// shrink returns s, or a copy of it without its spare capacity if that
// copy takes a smaller size class.
func shrink[T any](s []T) []T {
	size := int(unsafe.Sizeof(*new(T)))
	if allocSize(len(s)*size) < allocSize(cap(s)*size) {
		return append(make([]T, 0, len(s)), s...)
	}
	return s
}

// sizeClasses are the Go allocator's object sizes up to 32 KiB: a smaller
// allocation takes the next one up, so a copy into the same class saves
// nothing.
var sizeClasses = [...]int{0, 8, 16, 24, 32, 48, 64, 80, 96, 112, 128, 144, 160, 176, 192, 208, 224, 240, 256,
	288, 320, 352, 384, 416, 448, 480, 512, 576, 640, 704, 768, 896, 1024, 1152, 1280, 1408, 1536, 1792,
	2048, 2304, 2688, 3072, 3200, 3456, 4096, 4864, 5376, 6144, 6528, 6784, 6912, 8192, 9472, 9728, 10240,
	10880, 12288, 13568, 14336, 16384, 18432, 19072, 20480, 21760, 24576, 27264, 28672, 32768}

// sizeClassBy8 maps (n+7)/8 to the index in sizeClasses of n's class
// for n up to 1 KiB, and sizeClassBy128 (n+127)/128 for n up to 32 KiB,
// as the runtime's own tables do: the classes are multiples of 8 below
// 1 KiB and of 128 above.
var sizeClassBy8, sizeClassBy128 = func() (by8 [1024/8 + 1]uint8, by128 [32768/128 + 1]uint8) {
	c := 0
	for i := range by8 {
		for sizeClasses[c] < i*8 {
			c++
		}
		by8[i] = uint8(c)
	}
	for i := range by128 {
		for sizeClasses[c] < i*128 {
			c++
		}
		by128[i] = uint8(c)
	}
	return by8, by128
}()

// allocSize returns about how many bytes the allocator takes for n: its
// size class, or whole 8 KiB pages above them.
func allocSize(n int) int {
	switch {
	case n <= 1024:
		return sizeClasses[sizeClassBy8[(n+7)>>3]]
	case n <= 32768:
		return sizeClasses[sizeClassBy128[(n+127)>>7]]
	}
	return (n + 8191) &^ 8191
}
