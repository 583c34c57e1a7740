package instream

import (
	"slices"
	"strconv"
	"strings"
	"testing"
	"unsafe"
)

// allocSize's tables give the class a search of sizeClasses gives.
func TestAllocSize_Classes(t *testing.T) {
	for n := 0; n <= 40000; n++ {
		want := (n + 8191) &^ 8191
		if i, _ := slices.BinarySearch(sizeClasses[:], n); i < len(sizeClasses) {
			want = sizeClasses[i]
		}
		if got := allocSize(n); got != want {
			t.Fatalf("allocSize(%d) = %d, want %d", n, got, want)
		}
	}
}

// packedFields returns the fields of entry i: names from one of ten
// variants, as in streams whose events differ in their names.
func packedFields(i int) []Field {
	k := strconv.Itoa(i % 10)
	return []Field{{"use" + k, "u" + strconv.Itoa(100000+i)}, {"actio" + k, "click"}, {"t" + k, strconv.Itoa(1e12 + i)}}
}

// blockOf reports whether p lies in the block of n bytes at base.
func blockOf(base unsafe.Pointer, n int, p unsafe.Pointer) bool {
	return uintptr(p) >= uintptr(base) && uintptr(p) < uintptr(base)+uintptr(n)
}

// A sealed node puts its marks and name sets in the unused end of its
// bytes' block, or in one block, when that takes fewer bytes, and reads
// back the same.
func TestSeal_Packs(t *testing.T) {
	packed, saved := 0, 0
	for maxEntries := 5; maxEntries <= 100; maxEntries += 5 {
		e := newEntries(maxEntries, 4096)
		var want []Entry
		for i := range 2000 {
			id := ID{uint64(1000 + i/4), uint64(i % 4)}
			e.add(id, packedFields(i))
			want = append(want, Entry{ID: id, Fields: packedFields(i)})
		}
		if err := e.check(); err != nil {
			t.Fatalf("max %d: %v", maxEntries, err)
		}
		if got := e.collect(MinID, MaxID, 0, false); !sameEntries(got, want) {
			t.Fatalf("max %d: entries differ after sealing", maxEntries)
		}
		back := slices.Clone(want)
		slices.Reverse(back)
		if got := e.collect(MinID, MaxID, 0, true); !sameEntries(got, back) {
			t.Fatalf("max %d: reversed entries differ after sealing", maxEntries)
		}
		for n := e.head; n != e.tail; n = n.next {
			separate := allocSize(len(n.buf)) + allocSize(8*len(n.marks)) + allocSize(4*len(n.sets)) + allocSize(len(n.names))
			used := allocSize(cap(n.buf))
			base, size := unsafe.Pointer(unsafe.SliceData(n.buf)), allocSize(len(n.buf))
			var side unsafe.Pointer
			sideLen := 0
			for _, p := range []struct {
				data unsafe.Pointer
				len  int
			}{
				{unsafe.Pointer(unsafe.SliceData(n.marks)), 8 * len(n.marks)},
				{unsafe.Pointer(unsafe.SliceData(n.sets)), 4 * len(n.sets)},
				{unsafe.Pointer(unsafe.SliceData(n.names)), len(n.names)},
			} {
				switch {
				case p.len == 0:
				case blockOf(base, size, p.data):
					packed++
				case side != nil && blockOf(side, sideLen+p.len, p.data):
					sideLen += p.len
				case side == nil && n.packed:
					side, sideLen = p.data, p.len
				default:
					used += allocSize(p.len)
				}
			}
			if side != nil {
				used += allocSize(sideLen)
			}
			if used > separate {
				t.Errorf("max %d: node %v takes %d bytes, %d in blocks of their own", maxEntries, n.first, used, separate)
			}
			saved += separate - used
		}
	}
	if packed == 0 || saved == 0 {
		t.Errorf("%d pieces packed after buf, %d bytes saved", packed, saved)
	}
}

// A change after a snapshot copies a packed node's bytes with its marks
// and names, so that the copy keeps nothing of the snapshot's block, and
// the snapshot still reads what it held.
func TestSeal_PackedCopiedAfterSnapshot(t *testing.T) {
	e := newEntries(20, 4096)
	var want []Entry
	for i := range 200 {
		id := ID{uint64(1000 + i), 0}
		e.add(id, packedFields(i))
		want = append(want, Entry{ID: id, Fields: packedFields(i)})
	}
	old := map[*node]bool{}
	for n := e.head; n != nil; n = n.next {
		old[n] = n.packed
	}
	if !old[e.head] {
		t.Fatal("the first node is not packed")
	}
	held := e.collect(MinID, MaxID, 0, false)
	f := e.freeze()
	for i := 0; i < 200; i += 3 {
		e.remove(ID{uint64(1000 + i), 0})
	}
	for n := e.head; n != nil; n = n.next {
		if _, ok := old[n]; ok {
			t.Fatalf("node %v changed in place after the snapshot", n.first)
		}
		for o, packed := range old {
			if !packed {
				continue
			}
			base, size := unsafe.Pointer(unsafe.SliceData(o.buf)), allocSize(len(o.buf))
			for _, p := range []unsafe.Pointer{
				unsafe.Pointer(unsafe.SliceData(n.buf)), unsafe.Pointer(unsafe.SliceData(n.marks)),
				unsafe.Pointer(unsafe.SliceData(n.sets)), unsafe.Pointer(unsafe.SliceData(n.names)),
			} {
				if blockOf(base, size, p) {
					t.Errorf("node %v: keeps a piece in the block of the node it replaced", n.first)
				}
			}
		}
	}
	if !sameEntries(frozenEntries(f), want) {
		t.Error("the snapshot's entries changed")
	}
	if !sameEntries(held, want) {
		t.Error("entries read before the snapshot changed")
	}
	if err := e.check(); err != nil {
		t.Fatal(err)
	}
	var live []Entry
	for i, en := range want {
		if i%3 != 0 {
			live = append(live, en)
		}
	}
	if got := e.collect(MinID, MaxID, 0, false); !sameEntries(got, live) {
		t.Error("entries after the removals differ")
	}
}

// A node whose marks fit in the spare capacity of its bytes' block gets
// them there in place: sealing it copies no bytes.
func TestSeal_PacksInPlace(t *testing.T) {
	inPlace := 0
	for pad := range 40 {
		e := newEntries(20, 4096)
		var tail *node
		var data unsafe.Pointer
		capBefore := 0
		for i := range 200 {
			id := ID{uint64(1000 + i), 0}
			user := "u" + strconv.Itoa(100000+i) + strings.Repeat("x", pad)
			e.add(id, []Field{{"user", user}, {"ts", strconv.Itoa(1e12 + i)}})
			// Sealed: marks packed while the bytes stay in a block of
			// the same class must be in that block, without a copy.
			if e.tail != tail && tail != nil && tail.packed && allocSize(len(tail.buf)) == allocSize(capBefore) {
				if unsafe.Pointer(unsafe.SliceData(tail.buf)) != data {
					t.Errorf("pad %d, node %v: bytes copied to pack %d marks", pad, tail.first, len(tail.marks))
				} else if blockOf(data, capBefore, unsafe.Pointer(unsafe.SliceData(tail.marks))) {
					inPlace++
				}
			}
			tail, data, capBefore = e.tail, unsafe.Pointer(unsafe.SliceData(e.tail.buf)), cap(e.tail.buf)
		}
		if err := e.check(); err != nil {
			t.Fatalf("pad %d: %v", pad, err)
		}
	}
	if inPlace == 0 {
		t.Error("no node packed its marks in place")
	}
}
