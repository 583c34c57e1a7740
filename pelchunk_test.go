package instream

import (
	"fmt"
	"maps"
	"math/rand/v2"
	"slices"
	"testing"
)

// chunkModel is the reference a chunk list is checked against: a map from
// member to record, and the members unordered, to pick one at random.
type chunkModel struct {
	recs map[ID]int64
	ids  []ID
	pos  map[ID]int // index in ids
}

func (m *chunkModel) set(id ID, rec int64) {
	if _, ok := m.recs[id]; !ok {
		m.pos[id] = len(m.ids)
		m.ids = append(m.ids, id)
	}
	m.recs[id] = rec
}

func (m *chunkModel) del(id ID) {
	i, ok := m.pos[id]
	if !ok {
		return
	}
	last := m.ids[len(m.ids)-1]
	m.ids[i], m.pos[last] = last, i
	m.ids = m.ids[:len(m.ids)-1]
	delete(m.pos, id)
	delete(m.recs, id)
}

func (m *chunkModel) sorted() []ID {
	return slices.SortedFunc(maps.Keys(m.recs), ID.Compare)
}

// chunkRun drives a chunk list with records (R is int64) and one without
// (R is struct{}, as a consumer's list) through the same operations,
// checking both against the model and their invariants after each.
type chunkRun struct {
	t    *testing.T
	r    *rand.Rand
	span uint64 // random IDs have Ms in [0, span)
	got  chunkList[int64]
	keys chunkList[struct{}]
	want chunkModel
	top  ID // the greatest ID ever added, for appends
	step int
}

const (
	phaseGrow = iota
	phaseShrink
	phaseDrain
)

func runChunkModel(t *testing.T, seed uint64, span uint64, steps int) {
	c := &chunkRun{t: t, r: rand.New(rand.NewPCG(seed, span)), span: max(span, 1),
		want: chunkModel{recs: map[ID]int64{}, pos: map[ID]int{}}}
	// Phases alternate growing, shrinking at random and draining from
	// the oldest, so that lists fill past a few chunks, thin out, empty
	// and fill again.
	phase := phaseGrow
	for c.step = 0; c.step < steps; c.step++ {
		if c.step%50 == 0 {
			phase = c.r.IntN(3)
		}
		c.do(phase)
		c.verify()
	}
}

func (c *chunkRun) randomID() ID {
	return ID{Ms: c.r.Uint64N(c.span), Seq: c.r.Uint64N(3)}
}

// member returns a random member, or a random ID if there is none.
func (c *chunkRun) member() ID {
	if len(c.want.ids) == 0 {
		return c.randomID()
	}
	return c.want.ids[c.r.IntN(len(c.want.ids))]
}

func (c *chunkRun) do(phase int) {
	op := c.r.IntN(10)
	switch phase {
	case phaseShrink:
		op = 4 + c.r.IntN(6)
	case phaseDrain:
		op = 5
	}
	switch op {
	case 0: // a read of new entries: above everything
		for range 1 + c.r.IntN(200) {
			c.top.Seq += 1 + c.r.Uint64N(3)
			c.push(c.top)
		}
	case 1: // a new entry after a gap
		c.top.Ms += c.r.Uint64N(3)
		c.push(c.top)
	case 2: // push below the top, which puts
		c.push(c.randomID())
	case 3: // inserts and replacements, as claims make
		for range 1 + c.r.IntN(50) {
			c.put(c.randomID())
		}
	case 4:
		c.put(c.member())
	case 5: // acks of the oldest
		for range 1 + c.r.IntN(100) {
			id, _, _ := c.got.min()
			c.del(id)
		}
	case 6: // acks at random
		for range 1 + c.r.IntN(50) {
			c.del(c.member())
		}
	case 7:
		c.del(c.randomID())
	case 8:
		id := c.member()
		if c.r.IntN(2) == 0 {
			id = c.randomID()
		}
		got, ok := c.got.get(id)
		want, wok := c.want.recs[id]
		c.expect(got == want && ok == wok && c.got.has(id) == wok && c.keys.has(id) == wok,
			"get(%v) = %d, %v; want %d, %v", id, got, ok, want, wok)
	default:
		c.ascend(c.randomID(), 1+c.r.IntN(300))
	}
}

func (c *chunkRun) push(id ID) {
	rec := c.r.Int64()
	prev, replaced := c.got.push(id, rec)
	_, kreplaced := c.keys.push(id, struct{}{})
	want, ok := c.want.recs[id]
	c.expect(prev == want && replaced == ok && kreplaced == ok, "push(%v) = %d, %v (keys %v); want %d, %v", id, prev, replaced, kreplaced, want, ok)
	c.want.set(id, rec)
	c.top = maxID(c.top, id)
	c.checkLists()
}

func (c *chunkRun) put(id ID) {
	rec := c.r.Int64()
	prev, replaced := c.got.put(id, rec)
	_, kreplaced := c.keys.put(id, struct{}{})
	want, ok := c.want.recs[id]
	c.expect(prev == want && replaced == ok && kreplaced == ok, "put(%v) = %d, %v (keys %v); want %d, %v", id, prev, replaced, kreplaced, want, ok)
	c.want.set(id, rec)
	c.top = maxID(c.top, id)
	c.checkLists()
}

func (c *chunkRun) del(id ID) {
	prev, ok := c.got.del(id)
	_, kok := c.keys.del(id)
	want, wok := c.want.recs[id]
	c.expect(ok == wok && kok == wok && prev == want, "del(%v) = %d, %v (keys %v); want %d, %v", id, prev, ok, kok, want, wok)
	c.want.del(id)
	c.checkLists()
}

// ascend compares a walk of at most limit members from ID from.
func (c *chunkRun) ascend(from ID, limit int) {
	var got []ID
	c.got.ascend(from, func(id ID, r int64) bool {
		c.expect(r == c.want.recs[id], "ascend: %v holds %d, want %d", id, r, c.want.recs[id])
		got = append(got, id)
		return len(got) < limit
	})
	var keys []ID
	c.keys.ascend(from, func(id ID, _ struct{}) bool {
		keys = append(keys, id)
		return len(keys) < limit
	})
	want := c.want.sorted()
	i, _ := slices.BinarySearchFunc(want, from, ID.Compare)
	want = want[i:min(len(want), i+limit)]
	c.expect(slices.Equal(got, want) && slices.Equal(keys, want), "ascend(%v, %d) = %v, keys %v; want %v", from, limit, got, keys, want)
}

func (c *chunkRun) checkLists() {
	c.t.Helper()
	if err := c.got.check(); err != nil {
		c.t.Fatalf("step %d: records: %v", c.step, err)
	}
	if err := c.keys.check(); err != nil {
		c.t.Fatalf("step %d: keys: %v", c.step, err)
	}
}

func (c *chunkRun) verify() {
	c.t.Helper()
	c.checkLists()
	n := len(c.want.recs)
	c.expect(c.got.len() == n && c.keys.len() == n, "len %d, keys %d; want %d", c.got.len(), c.keys.len(), n)
	lo, _, lok := c.got.min()
	hi, _, hok := c.got.max()
	if n == 0 {
		c.expect(!lok && !hok, "min, max of an empty list: %v %v, %v %v", lo, lok, hi, hok)
		return
	}
	want := c.want.sorted()
	c.expect(lok && hok && lo == want[0] && hi == want[n-1], "min, max = %v, %v; want %v, %v", lo, hi, want[0], want[n-1])
	if c.step%20 == 0 {
		c.ascend(ID{}, n+1)
	}
}

func (c *chunkRun) expect(ok bool, format string, args ...any) {
	c.t.Helper()
	if !ok {
		c.t.Fatalf("step %d: "+format, append([]any{c.step}, args...)...)
	}
}

func maxID(a, b ID) ID {
	if a.Less(b) {
		return b
	}
	return a
}

func TestChunkListMatchesModel(t *testing.T) {
	for _, span := range []uint64{1, 40, 300, 5000} {
		for seed := range uint64(3) {
			t.Run(fmt.Sprintf("span=%d/seed=%d", span, seed), func(t *testing.T) {
				steps := 2000
				if testing.Short() || raceEnabled {
					steps /= 8
				}
				runChunkModel(t, seed, span, steps)
			})
		}
	}
}

// FuzzChunkList runs the model comparison of TestChunkListMatchesModel
// from fuzzed seeds and ID spans.
func FuzzChunkList(f *testing.F) {
	f.Add(uint64(1), uint16(300))
	f.Add(uint64(2), uint16(1))
	f.Add(uint64(3), uint16(5000))
	f.Fuzz(func(t *testing.T, seed uint64, span uint16) {
		runChunkModel(t, seed, uint64(span), 300)
	})
}
