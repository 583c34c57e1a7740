package instream

import (
	"math"
	"testing"
)

// When the snapshot count wraps, every node is stamped older, so that a
// change after the wrap still copies the nodes the new snapshot holds.
func TestFrozen_GenerationWraps(t *testing.T) {
	for _, wrap := range []bool{false, true} {
		es := newEntries(4, 0)
		for i := uint64(1); i <= 10; i++ {
			es.add(ID{Ms: i}, []Field{{Name: "f", Value: "v"}})
		}
		if wrap {
			// 2^32-1 snapshots later; the nodes were made at generation 0,
			// the value the count wraps to.
			es.gen = math.MaxUint32
		}
		f := es.freeze()
		for _, id := range []ID{{Ms: 2}, {Ms: 6}, {Ms: 10}} {
			if !es.remove(id) {
				t.Fatalf("wrap %v: remove %v failed", wrap, id)
			}
			if !f.has(id) {
				t.Fatalf("wrap %v: the snapshot lost %v, removed after it was taken", wrap, id)
			}
			if es.has(id) {
				t.Fatalf("wrap %v: %v still there after its removal", wrap, id)
			}
		}
	}
}

// A node copied after a snapshot keeps its inline names in itself, not
// in the node it replaced, which must be free to go with the snapshot.
func TestFrozen_CopyOwnsInlineNames(t *testing.T) {
	es := newEntries(4, 0)
	for i := uint64(1); i <= 8; i++ {
		es.add(ID{Ms: i}, []Field{{Name: "f", Value: "v"}})
	}
	old := map[*node]bool{}
	for n := es.head; n != nil; n = n.next {
		old[n] = true
	}
	es.freeze()
	es.remove(ID{Ms: 2})
	es.remove(ID{Ms: 6})
	for n := es.head; n != nil; n = n.next {
		if old[n] {
			t.Fatal("a node changed after the snapshot was not copied")
		}
		if &n.names[:1][0] != &n.inl[0] {
			t.Errorf("node %v: names outside its own inline array", n.first)
		}
		for o := range old {
			if &n.names[:1][0] == &o.inl[0] {
				t.Errorf("node %v: names in the replaced node's inline array", n.first)
			}
		}
	}
}
