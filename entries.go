package instream

import "github.com/tidwall/btree"

// entries holds a stream's entries in ID order.
//
// This first version keeps one tree item per entry. It is the reference
// the packed storage is tested against.
type entries struct {
	tree *btree.BTreeG[Entry]
}

// trimSpec says what a trim removes from the head of the entries.
type trimSpec struct {
	maxLen  int64         // keep at most maxLen entries; < 0: trim by minID
	minID   ID            // remove entries below minID (when maxLen < 0)
	approx  bool          // remove whole nodes only
	limit   int64         // with approx: at most this many entries; < 0: no bound
	keep    func(ID) bool // if set, entries it reports are never removed
	removed func(ID)      // if set, called for every removed entry
}

func newEntries(maxEntries, maxBytes int) *entries {
	return &entries{tree: btree.NewBTreeGOptions(func(a, b Entry) bool { return a.ID.Less(b.ID) },
		btree.Options{NoLocks: true})}
}

func (t *entries) len() int { return t.tree.Len() }

// nodes returns the number of storage nodes.
func (t *entries) nodes() int { return (t.tree.Len() + 99) / 100 }

// add appends an entry; id is greater than every ID added before. The
// fields are copied.
func (t *entries) add(id ID, fields []Field) {
	t.tree.Set(Entry{ID: id, Fields: append([]Field(nil), fields...)})
}

func (t *entries) first() (ID, bool) {
	e, ok := t.tree.Min()
	return e.ID, ok
}

func (t *entries) last() (ID, bool) {
	e, ok := t.tree.Max()
	return e.ID, ok
}

func (t *entries) has(id ID) bool {
	_, ok := t.tree.Get(Entry{ID: id})
	return ok
}

// get returns a copy of the entry with the given ID.
func (t *entries) get(id ID) (Entry, bool) {
	e, ok := t.tree.Get(Entry{ID: id})
	return copyEntry(e), ok
}

// copyEntry copies the fields too, so the caller may modify the result.
func copyEntry(e Entry) Entry {
	if e.Fields != nil {
		e.Fields = append([]Field(nil), e.Fields...)
	}
	return e
}

func (t *entries) remove(id ID) bool {
	_, ok := t.tree.Delete(Entry{ID: id})
	return ok
}

// collect returns the entries with IDs in [start, end], ascending or
// descending, at most count if count > 0. The result is the caller's.
func (t *entries) collect(start, end ID, count int, reverse bool) []Entry {
	out := []Entry{}
	visit := func(e Entry) bool {
		if e.ID.Less(start) || end.Less(e.ID) {
			return false
		}
		out = append(out, copyEntry(e))
		return count <= 0 || len(out) < count
	}
	if reverse {
		t.tree.Descend(Entry{ID: end}, visit)
	} else {
		t.tree.Ascend(Entry{ID: start}, visit)
	}
	return out
}

// trim removes entries from the head as spec says and returns how many.
func (t *entries) trim(spec trimSpec) int64 {
	var n int64
	var victims []ID
	t.tree.Scan(func(e Entry) bool {
		if spec.maxLen >= 0 {
			if int64(t.tree.Len())-n <= spec.maxLen {
				return false
			}
		} else if !e.ID.Less(spec.minID) {
			return false
		}
		if spec.approx && spec.limit >= 0 && n >= spec.limit {
			return false
		}
		if spec.keep == nil || !spec.keep(e.ID) {
			victims = append(victims, e.ID)
			n++
		}
		return true
	})
	for _, id := range victims {
		t.tree.Delete(Entry{ID: id})
		if spec.removed != nil {
			spec.removed(id)
		}
	}
	return n
}
