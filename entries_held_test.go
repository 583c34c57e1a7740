package instream

import (
	"strings"
	"testing"
)

func deepCopyEntries(es []Entry) []Entry {
	out := make([]Entry, len(es))
	for i, e := range es {
		out[i].ID = e.ID
		for _, f := range e.Fields {
			out[i].Fields = append(out[i].Fields, Field{strings.Clone(f.Name), strings.Clone(f.Value)})
		}
	}
	return out
}

// What collect and get returned stays as it was, and what a snapshot
// holds reads the same, whatever adds, removals, trims and later
// snapshots do meanwhile: sealed nodes pack pieces into their blocks,
// appends reuse the blocks of shared nodes, and a packed node becomes
// the tail again when the node after it goes.
func TestEntries_heldResultsStay(t *testing.T) {
	configs := []struct{ maxEntries, maxBytes int }{{3, 100}, {10, 4096}, {100, 4096}, {0, 300}, {7, 0}, {20, 1 << 12}}
	packedTail := 0 // adds made while the tail was a packed node
	for _, cfg := range configs {
		for seed := range uint64(6) {
			g := newGen(seed*31 + uint64(cfg.maxEntries))
			if seed%2 == 0 {
				g.small = true
			}
			r := g.rng
			got, want := newEntries(cfg.maxEntries, cfg.maxBytes), newModel(cfg.maxEntries, cfg.maxBytes)
			type held struct {
				got, copy []Entry
			}
			var helds []held
			type snap struct {
				f    *frozen
				want []Entry
			}
			var snaps []snap
			var ids []ID
			pick := func() ID {
				if len(ids) == 0 {
					return MinID
				}
				return ids[r.IntN(len(ids))]
			}
			for step := range 1500 {
				switch k := r.IntN(100); {
				case k < 50:
					id, ok := g.id()
					if !ok {
						continue
					}
					fs := g.fields()
					if got.tail != nil && got.tail.packed {
						packedTail++
					}
					ids = append(ids, id)
					got.add(id, fs)
					want.add(id, fs)
				case k < 62:
					id := pick()
					got.remove(id)
					want.remove(id)
				case k < 66:
					spec := trimSpec{maxLen: r.Int64N(int64(want.length) + 2), limit: -1, approx: r.IntN(2) == 0}
					got.trim(spec)
					want.trim(spec)
				case k < 70:
					snaps = append(snaps, snap{got.freeze(), deepCopyEntries(want.all())})
				case k < 85:
					start, end := pick(), pick()
					if end.Less(start) {
						start, end = end, start
					}
					res := got.collect(start, end, r.IntN(20)-3, r.IntN(2) == 0)
					helds = append(helds, held{res, deepCopyEntries(res)})
				default:
					if en, ok := got.get(pick()); ok {
						helds = append(helds, held{[]Entry{en}, deepCopyEntries([]Entry{en})})
					}
				}
				if step%50 == 0 {
					for i, h := range helds {
						if !sameEntries(h.got, h.copy) {
							t.Fatalf("cfg %v seed %d step %d: held result %d changed", cfg, seed, step, i)
						}
					}
					for i, s := range snaps {
						if !sameEntries(frozenEntries(s.f), s.want) {
							t.Fatalf("cfg %v seed %d step %d: snapshot %d changed", cfg, seed, step, i)
						}
					}
					if err := got.check(); err != nil {
						t.Fatal(err)
					}
					if !sameEntries(got.collect(MinID, MaxID, 0, false), want.all()) {
						t.Fatalf("step %d: all differ", step)
					}
				}
			}
		}
	}
	if packedTail == 0 {
		t.Error("no add found a packed node at the tail")
	}
}
