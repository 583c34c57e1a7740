package instream

import (
	"encoding/binary"
	"math"
	"math/rand/v2"
	"testing"
)

// uvarint and gather decode what binary.AppendUvarint encodes, wherever the value
// ends in the slice and whatever bytes follow it.
func TestUvarint_MatchesBinary(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	vals := []uint64{0, 1, 127, 128, 255, 16383, 16384, 1<<49 - 1, 1 << 49, 1<<56 - 1, 1 << 56, 1<<63 - 1, math.MaxUint64}
	for range 2000 {
		vals = append(vals, r.Uint64()>>r.IntN(64))
	}
	for _, v := range vals {
		for pre := range 3 {
			for post := range 10 {
				b := make([]byte, pre)
				b = binary.AppendUvarint(b, v)
				end := len(b)
				for range post {
					b = append(b, byte(r.Uint32()))
				}
				if got, off := uvarint(b, pre); got != v || off != end {
					t.Fatalf("uvarint of %d with %d bytes after = %d at %d, want %d at %d", v, post, got, off, v, end)
				}
				if len(b) >= pre+8 {
					got, l := gather(binary.LittleEndian.Uint64(b[pre:]))
					want, wantLen := v, end-pre
					if wantLen > 8 {
						want, wantLen = 0, 0 // longer than gather decodes
					}
					if got != want || l != wantLen {
						t.Fatalf("gather of %d with %d bytes after = %d of length %d, want %d of length %d", v, post, got, l, want, wantLen)
					}
				}
			}
		}
	}
}

// headShort agrees with head wherever it decodes an entry, and decodes
// the usual ones.
func TestHeadShort_MatchesHead(t *testing.T) {
	g := newGen(3)
	e := newEntries(50, 0)
	for i := range 3000 {
		id, ok := g.id()
		if !ok {
			break
		}
		e.add(id, g.fields())
		if i%7 == 3 {
			e.remove(id) // flagged, not dropped, unless the node empties
		}
	}
	short, deleted := 0, 0
	for n := e.head; n != nil; n = n.next {
		for off := 0; off < len(n.buf); {
			want := n.head(off)
			if got, ok := n.headShort(off); ok {
				short++
				if got.deleted() {
					deleted++
				}
				if got != want {
					t.Fatalf("node %v offset %d: headShort = %+v, head = %+v", n.first, off, got, want)
				}
			}
			off = n.end(want)
		}
	}
	if short == 0 || deleted == 0 {
		t.Fatalf("headShort decoded %d entries, %d deleted", short, deleted)
	}
}
