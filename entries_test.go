package instream

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"testing"
	"unsafe"
)

// model is the reference the packed entries are checked against: a plain
// list of nodes of entries, with Redis's node rules written out naively
// (the listpack size is recomputed from scratch on every add).
type model struct {
	nodes      []*modelNode
	maxEntries int
	maxBytes   int
	length     int
}

type modelNode struct {
	entries []modelEntry
}

type modelEntry struct {
	e       Entry
	deleted bool
}

func newModel(maxEntries, maxBytes int) *model {
	if maxBytes <= 0 || maxBytes > 1<<30 {
		maxBytes = 1 << 30
	}
	return &model{maxEntries: maxEntries, maxBytes: maxBytes}
}

func (m *model) live(n *modelNode) int {
	c := 0
	for _, e := range n.entries {
		if !e.deleted {
			c++
		}
	}
	return c
}

func (m *model) add(id ID, fields []Field) {
	raw := 0
	for _, f := range fields {
		raw += len(f.Name) + len(f.Value)
	}
	var last *modelNode
	if len(m.nodes) > 0 {
		last = m.nodes[len(m.nodes)-1]
	}
	if last == nil || modelLPBytes(last)+raw >= m.maxBytes ||
		m.maxEntries > 0 && len(last.entries) >= m.maxEntries {
		last = &modelNode{}
		m.nodes = append(m.nodes, last)
	}
	last.entries = append(last.entries, modelEntry{e: Entry{ID: id, Fields: slices.Clone(fields)}})
	m.length++
}

func (m *model) find(id ID) (int, int, bool) {
	for i, n := range m.nodes {
		for j, e := range n.entries {
			if e.e.ID == id && !e.deleted {
				return i, j, true
			}
		}
	}
	return 0, 0, false
}

func (m *model) remove(id ID) bool {
	i, j, ok := m.find(id)
	if !ok {
		return false
	}
	m.nodes[i].entries[j].deleted = true
	m.length--
	if m.live(m.nodes[i]) == 0 {
		m.nodes = slices.Delete(m.nodes, i, i+1)
	}
	return true
}

func (m *model) all() []Entry {
	var out []Entry
	for _, n := range m.nodes {
		for _, e := range n.entries {
			if !e.deleted {
				out = append(out, e.e)
			}
		}
	}
	return out
}

func (m *model) collect(start, end ID, count int, reverse bool) []Entry {
	out := []Entry{}
	all := m.all()
	if reverse {
		slices.Reverse(all)
	}
	for _, e := range all {
		if e.ID.Less(start) || end.Less(e.ID) {
			continue
		}
		out = append(out, e)
		if count > 0 && len(out) == count {
			break
		}
	}
	return out
}

// trim is §5.2 of the spec written out, with the keep rule of entries.trim.
func (m *model) trim(spec trimSpec) int64 {
	var removed int64
	for i := 0; i < len(m.nodes); {
		n := m.nodes[i]
		live := m.live(n)
		if spec.maxLen >= 0 && int64(m.length) <= spec.maxLen {
			break
		}
		if spec.limit >= 0 && removed+int64(live) > spec.limit {
			break
		}
		var whole bool
		if spec.maxLen >= 0 {
			whole = int64(m.length-live) >= spec.maxLen
		} else {
			whole = n.entries[len(n.entries)-1].e.ID.Less(spec.minID)
		}
		for _, e := range n.entries {
			if whole && spec.keep != nil && !e.deleted && spec.keep(e.e.ID) {
				whole = false
			}
		}
		if whole {
			for _, e := range n.entries {
				if !e.deleted {
					spec.removed(e.e.ID)
				}
			}
			removed += int64(live)
			m.length -= live
			m.nodes = slices.Delete(m.nodes, i, i+1)
			continue
		}
		if spec.approx && spec.keep == nil {
			break
		}
		done := false
		for j := range n.entries {
			e := &n.entries[j]
			if spec.maxLen >= 0 && int64(m.length) <= spec.maxLen || spec.maxLen < 0 && !e.e.ID.Less(spec.minID) {
				done = true
				break
			}
			if e.deleted || spec.keep != nil && spec.keep(e.e.ID) {
				continue
			}
			e.deleted = true
			m.length--
			removed++
			spec.removed(e.e.ID)
		}
		if done || spec.keep == nil {
			break
		}
		i++
	}
	return removed
}

// modelLPBytes computes the byte size of Redis's listpack for n from
// scratch, element by element.
func modelLPBytes(n *modelNode) int {
	master := n.entries[0].e
	live := 0
	for _, e := range n.entries {
		if !e.deleted {
			live++
		}
	}
	size := 7
	size += modelElem(strconv.Itoa(live)) + modelElem(strconv.Itoa(len(n.entries)-live))
	size += modelElem(strconv.Itoa(len(master.Fields)))
	for _, f := range master.Fields {
		size += modelElem(f.Name)
	}
	size += modelElem("0")
	for _, me := range n.entries {
		e := me.e
		same := len(e.Fields) == len(master.Fields)
		for i := range e.Fields {
			same = same && e.Fields[i].Name == master.Fields[i].Name
		}
		size += modelElem("0") // flags: 0..3
		size += modelElem(strconv.FormatInt(int64(e.ID.Ms-master.ID.Ms), 10))
		size += modelElem(strconv.FormatInt(int64(e.ID.Seq-master.ID.Seq), 10))
		elems := 3 + len(e.Fields)
		if !same {
			size += modelElem(strconv.Itoa(len(e.Fields)))
			for _, f := range e.Fields {
				size += modelElem(f.Name)
			}
			elems += len(e.Fields) + 1
		}
		for _, f := range e.Fields {
			size += modelElem(f.Value)
		}
		size += modelElem(strconv.Itoa(elems))
	}
	return size
}

// modelElem is the size of one listpack element holding s.
func modelElem(s string) int {
	if v, err := strconv.ParseInt(s, 10, 64); err == nil && strconv.FormatInt(v, 10) == s {
		var enc int
		switch {
		case v >= 0 && v < 128:
			enc = 1
		case v >= -(1<<12) && v < 1<<12:
			enc = 2
		case v >= -(1<<15) && v < 1<<15:
			enc = 3
		case v >= -(1<<23) && v < 1<<23:
			enc = 4
		case v >= -(1<<31) && v < 1<<31:
			enc = 5
		default:
			enc = 9
		}
		return enc + 1
	}
	l := len(s)
	enc := l + 5
	if l < 64 {
		enc = l + 1
	} else if l < 4096 {
		enc = l + 2
	}
	back := 5
	for i, lim := range []int{128, 16383, 2097151, 268435455} {
		if enc < lim {
			back = i + 1
			break
		}
	}
	return enc + back
}

// gen makes random workloads: mixed name sets, integer-looking values,
// values of 0 to 5000 bytes, and IDs with small and huge gaps.
type gen struct {
	rng   *rand.Rand
	last  ID
	sets  [][]string
	small bool // only values of up to 3 bytes, so nodes hold hundreds
}

func newGen(seed uint64) *gen {
	return &gen{
		rng: rand.New(rand.NewPCG(seed, 7)),
		sets: [][]string{
			{"user", "action", "ts"}, {"user", "action", "ts"}, {"v"}, {"a", "b"}, {"b", "a"},
			{"123"}, {""}, {"x", "x"}, {"f1", "f2", "f3", "f4", "f5", "f6"}, {"-7", "0"},
		},
	}
}

func (g *gen) value() string {
	r := g.rng
	if g.small {
		return []string{"1", "x", "-1", "200", "abc", "", "07", "5000"}[r.IntN(8)]
	}
	switch r.IntN(12) {
	case 0:
		return strconv.FormatInt(r.Int64N(300)-150, 10)
	case 1:
		return strconv.FormatInt(r.Int64()>>r.IntN(64), 10)
	case 2:
		return "-" + strconv.FormatInt(r.Int64()>>r.IntN(64), 10)
	case 3:
		return []string{"0", "-0", "007", "+5", "9223372036854775807", "9223372036854775808",
			"-9223372036854775808", "-9223372036854775809", "18446744073709551615", "", "-", "1a"}[r.IntN(12)]
	case 4:
		return strconv.FormatUint(1_700_000_000_000+r.Uint64N(1e9), 10)
	case 5:
		return string(make([]byte, 55+r.IntN(15)))
	case 6:
		if r.IntN(10) == 0 {
			return string(make([]byte, 4085+r.IntN(20)))
		}
		return string(make([]byte, 1+r.IntN(5000)))
	}
	b := make([]byte, r.IntN(20))
	for i := range b {
		b[i] = 'a' + byte(r.IntN(26))
	}
	return string(b)
}

func (g *gen) fields() []Field {
	r := g.rng
	var names []string
	if r.IntN(8) == 0 {
		names = make([]string, 1+r.IntN(4))
		for i := range names {
			names[i] = g.value()
			if len(names[i]) > 100 {
				names[i] = names[i][:r.IntN(100)]
			}
		}
	} else {
		names = g.sets[r.IntN(len(g.sets))]
	}
	fs := make([]Field, len(names))
	for i, n := range names {
		fs[i] = Field{Name: n, Value: g.value()}
	}
	return fs
}

// id returns an ID above the last one, or false when IDs ran out.
func (g *gen) id() (ID, bool) {
	r, id := g.rng, g.last
	switch k := r.IntN(100); {
	case k < 50 && id.Seq < math.MaxUint64:
		id.Seq++
	case k < 53 && id.Seq < math.MaxUint64-1<<62:
		id.Seq += r.Uint64N(1 << 62)
	case k < 54 && id.Ms < math.MaxUint64-1<<40:
		id = ID{math.MaxUint64 - r.Uint64N(1<<20), r.Uint64N(4)}
	case id.Ms < math.MaxUint64-1<<40:
		id = ID{id.Ms + 1 + r.Uint64N(1<<uint(r.IntN(40))), r.Uint64N(4)}
	case id.Seq < math.MaxUint64:
		id.Seq++
	default:
		return ID{}, false
	}
	if id.IsZero() {
		id.Seq = 1
	}
	g.last = id
	return id, true
}

func checkAgainst(t *testing.T, step int, got *entries, want *model) {
	t.Helper()
	if err := got.check(); err != nil {
		t.Fatalf("step %d: check: %v", step, err)
	}
	if got.len() != want.length {
		t.Fatalf("step %d: len() = %d, want %d", step, got.len(), want.length)
	}
	if got.nodes() != len(want.nodes) {
		t.Fatalf("step %d: nodes() = %d, want %d", step, got.nodes(), len(want.nodes))
	}
	i := 0
	for n := got.head; n != nil; n, i = n.next, i+1 {
		mn := want.nodes[i]
		if n.first != mn.entries[0].e.ID || n.count != len(mn.entries) || int(n.live) != want.live(mn) {
			t.Fatalf("step %d: node %d: first %v count %d live %d, want %v %d %d", step, i,
				n.first, n.count, n.live, mn.entries[0].e.ID, len(mn.entries), want.live(mn))
		}
		if lp := modelLPBytes(mn); n.lpBytes != lp {
			t.Fatalf("step %d: node %d: lpBytes %d, want %d", step, i, n.lpBytes, lp)
		}
	}
	if i != len(want.nodes) {
		t.Fatalf("step %d: %d nodes in the list, want %d", step, i, len(want.nodes))
	}
	gf, gok := got.first()
	wf, wok := ID{}, want.length > 0
	gl, lok := got.last()
	var wl ID
	if all := want.all(); len(all) > 0 {
		wf, wl = all[0].ID, all[len(all)-1].ID
	}
	if gf != wf || gok != wok || gl != wl || lok != wok {
		t.Fatalf("step %d: first, last = %v %v, %v %v; want %v %v, %v %v", step, gf, gok, gl, lok, wf, wok, wl, wok)
	}
}

// fillAll reads [start, end] forward through fill, as Engine.Scan does,
// in batches of 7 so that resuming after a full batch is exercised, and
// copies the entries for comparison with collect.
func fillAll(t *entries, start, end ID, count int) []Entry {
	out := []Entry{}
	var b scanBuf
	for {
		b.reset()
		full := t.fill(start, end, 7, &b)
		from := 0
		for i, id := range b.ids {
			if count > 0 && len(out) == count {
				return out
			}
			e := Entry{ID: id}
			for _, f := range b.fields[from:b.ends[i]] {
				e.Fields = append(e.Fields, Field{strings.Clone(f.Name), strings.Clone(f.Value)})
			}
			out = append(out, e)
			from = b.ends[i]
		}
		next, ok := MinID, false
		if len(b.ids) > 0 {
			next, ok = b.ids[len(b.ids)-1].Next()
		}
		if !full || !ok {
			return out
		}
		start = next
	}
}

// frozenEntries returns every entry that f holds, read through a copier
// as a scan reads them.
func frozenEntries(f *frozen) []Entry {
	var out []Entry
	f.walk(func(n *node, h head) (int, bool) {
		var c copier
		c.init(1, n)
		off := c.entry(n, h)
		out = append(out, c.out...)
		return off, true
	})
	return out
}

func sameEntries(a, b []Entry) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i].ID != b[i].ID || !slices.Equal(a[i].Fields, b[i].Fields) {
			return false
		}
	}
	return true
}

func TestEntriesMatchModel(t *testing.T) {
	configs := []struct{ maxEntries, maxBytes int }{
		{1, 0}, {2, 0}, {3, 100}, {10, 4096}, {100, 4096}, {0, 300}, {7, 0}, {100, 1 << 16}, {0, 0},
	}
	for _, cfg := range configs {
		for seed := range uint64(3) {
			t.Run(fmt.Sprintf("entries=%d/bytes=%d/seed=%d", cfg.maxEntries, cfg.maxBytes, seed), func(t *testing.T) {
				steps := 2000
				if cfg.maxEntries == 0 && cfg.maxBytes == 0 {
					steps = 500 // one node: the model recomputes its size on every add
				}
				if testing.Short() {
					steps /= 5
				}
				if raceEnabled {
					steps /= 8 // the full run checks the logic; this one the memory accesses
				}
				runModel(t, seed*100+uint64(cfg.maxEntries), cfg.maxEntries, cfg.maxBytes, steps)
			})
		}
	}
}

// FuzzEntries runs the model comparison of TestEntriesMatchModel from
// fuzzed seeds and node sizes.
func FuzzEntries(f *testing.F) {
	f.Add(uint64(1), uint8(100), uint16(4096))
	f.Add(uint64(2), uint8(1), uint16(0))
	f.Add(uint64(3), uint8(0), uint16(200))
	f.Fuzz(func(t *testing.T, seed uint64, maxEntries uint8, maxBytes uint16) {
		if maxEntries == 0 && maxBytes == 0 {
			maxEntries = 50 // one unbounded node makes the model quadratic
		}
		runModel(t, seed, int(maxEntries), int(maxBytes), 300)
	})
}

func runModel(t *testing.T, seed uint64, maxEntries, maxBytes, steps int) {
	g := newGen(seed)
	r := g.rng
	got, want := newEntries(maxEntries, maxBytes), newModel(maxEntries, maxBytes)
	var ids []ID
	pick := func() ID {
		switch {
		case len(ids) == 0 || r.IntN(10) == 0:
			return ID{r.Uint64N(3), r.Uint64N(3)}
		case r.IntN(10) == 0:
			id := ids[r.IntN(len(ids))]
			if r.IntN(2) == 0 {
				id, _ = id.Next()
			} else {
				id, _ = id.Prev()
			}
			return id
		}
		return ids[r.IntN(len(ids))]
	}
	for step := range steps {
		switch k := r.IntN(100); {
		case k < 55:
			id, ok := g.id()
			if !ok {
				continue
			}
			fs := g.fields()
			ids = append(ids, id)
			got.add(id, fs)
			want.add(id, fs)
			fs[0].Name, fs[0].Value = "changed", "changed" // add must have copied
		case k < 67:
			id := pick()
			if g, w := got.remove(id), want.remove(id); g != w {
				t.Fatalf("step %d: remove(%v) = %v, want %v", step, id, g, w)
			}
		case k < 72:
			spec := trimSpec{maxLen: -1, limit: -1}
			if r.IntN(2) == 0 {
				spec.maxLen = r.Int64N(int64(want.length) + 2)
			} else {
				spec.minID = pick()
			}
			spec.approx = r.IntN(2) == 0
			if spec.approx && r.IntN(2) == 0 {
				spec.limit = r.Int64N(30)
			}
			if r.IntN(3) == 0 {
				mod := 2 + r.Uint64N(3)
				spec.keep = func(id ID) bool { return (id.Ms^id.Seq)%mod == 0 }
			}
			var gotBound, wantBound trimBound
			gspec, wspec := spec, spec
			if r.IntN(2) == 0 {
				gspec.bound, wspec.bound = &gotBound, &wantBound
			}
			if g, w := got.trim(gspec), want.trim(wspec); g != w || gotBound != wantBound {
				t.Fatalf("step %d: trim(%+v) = %d %+v, want %d %+v", step, spec, g, gotBound, w, wantBound)
			}
		case k < 90:
			start, end := pick(), pick()
			if r.IntN(5) == 0 {
				start = MinID
			}
			if r.IntN(5) == 0 {
				end = MaxID
			}
			if r.IntN(4) != 0 && end.Less(start) {
				start, end = end, start
			}
			count := r.IntN(20) - 3
			rev := r.IntN(2) == 0
			w := want.collect(start, end, count, rev)
			if g := got.collect(start, end, count, rev); !sameEntries(g, w) {
				t.Fatalf("step %d: collect(%v, %v, %d, %v) = %v, want %v", step, start, end, count, rev, g, w)
			}
			if g := fillAll(got, start, end, count); !rev && !sameEntries(g, w) {
				t.Fatalf("step %d: fill(%v, %v) up to %d = %v, want %v", step, start, end, count, g, w)
			}
		default:
			id := pick()
			w := want.collect(id, id, 1, false)
			g, ok := got.get(id)
			if ok != (len(w) == 1) || ok && !sameEntries([]Entry{g}, w) || got.has(id) != ok {
				t.Fatalf("step %d: get(%v) = %v %v, want %v", step, id, g, ok, w)
			}
		}
		checkAgainst(t, step, got, want)
		if step%100 == 0 {
			if g, w := got.collect(MinID, MaxID, 0, false), want.all(); !sameEntries(g, w) && len(w) > 0 {
				t.Fatalf("step %d: all entries differ", step)
			}
		}
	}
}

// TestCollectOwned checks that what collect and get return stays as it
// was whatever happens to the entries afterwards.
func TestCollectOwned(t *testing.T) {
	e := newEntries(4, 0)
	fields := func(i int) []Field {
		return []Field{{"name", "value" + strconv.Itoa(i)}, {"n", strconv.Itoa(i * 1000)}}
	}
	for i := range 10 {
		e.add(ID{uint64(i + 1), 0}, fields(i))
	}
	got := e.collect(MinID, MaxID, 0, false)
	one, _ := e.get(ID{3, 0})
	got[0].Fields = append(got[0].Fields, Field{"x", "y"}) // must not spill into got[1]
	for i := range 10 {
		e.remove(ID{uint64(i + 1), 0})
		e.add(ID{uint64(i + 100), 0}, []Field{{"zzzz", "zzzzzzzzzzzz"}})
	}
	e.trim(trimSpec{maxLen: 0, limit: -1})
	for i, en := range got {
		want := fields(i)
		if i == 0 {
			want = append(want, Field{"x", "y"})
		}
		if en.ID != (ID{uint64(i + 1), 0}) || !slices.Equal(en.Fields, want) {
			t.Errorf("entry %d = %v, want %v", i, en, want)
		}
	}
	if !slices.Equal(one.Fields, fields(2)) {
		t.Errorf("get(3-0) = %v, want %v", one.Fields, fields(2))
	}
}

// TestEntriesCheck makes sure check notices broken storage.
func TestEntriesCheck(t *testing.T) {
	tests := []struct {
		name    string
		corrupt func(e *entries)
	}{
		{"length", func(e *entries) { e.length++ }},
		{"live", func(e *entries) { e.head.live-- }},
		{"mark", func(e *entries) { e.head.marks[0]++ }},
		{"mark ms", func(e *entries) { e.head.marks[0] += 1 << 32 }},
		{"tail", func(e *entries) { e.tail = e.head }},
		{"last", func(e *entries) { e.head.last.Seq++ }},
		{"flag", func(e *entries) { e.head.buf[0] |= flagDeleted }},
	}
	for _, tt := range tests {
		e := newEntries(40, 0)
		for i := range 100 {
			e.add(ID{uint64(i + 1), 0}, []Field{{"f", "v"}})
		}
		if err := e.check(); err != nil {
			t.Fatalf("check() of sane entries = %v", err)
		}
		tt.corrupt(e)
		if err := e.check(); err == nil {
			t.Errorf("%s: check() = nil after breaking it", tt.name)
		}
	}
}

// TestListpackSizes compares the element sizes of the node size model
// with the spec's table (modelElem) across every encoding boundary.
func TestListpackSizes(t *testing.T) {
	for _, base := range []int{0, 64, 4096, 16383, 2097151} {
		for l := max(base-12, 0); l < base+12; l++ {
			s := string(make([]byte, l))
			if got, want := lpSize(s), modelElem(s); got != want {
				t.Errorf("lpSize(%d bytes) = %d, want %d", l, got, want)
			}
		}
	}
	for _, base := range []int64{0, 127, 4095, -4096, 32767, -32768, 1 << 23, -1 << 23, math.MaxInt32, math.MinInt32, math.MaxInt64, math.MinInt64} {
		for d := int64(-2); d <= 2; d++ {
			v := base + d // wraps at the int64 ends, which is fine here
			s := strconv.FormatInt(v, 10)
			if got, want := lpSize(s), modelElem(s); got != want {
				t.Errorf("lpSize(%q) = %d, want %d", s, got, want)
			}
		}
	}
	for _, s := range []string{"-0", "007", "+1", "1e3", " 1", "9223372036854775808", "-9223372036854775809", "-", "18446744073709551616", "-99999999999999999999", "10000000000000000000"} {
		if _, ok := lpInt(s); ok {
			t.Errorf("lpInt(%q) reports an integer", s)
		}
	}
}

// A node fills its malloc size class exactly: a field added to it costs
// every stream a larger class unless another one shrinks.
func TestNode_Size(t *testing.T) {
	if got := unsafe.Sizeof(node{}); got != 192 {
		t.Fatalf("node is %d bytes, want 192 (its size class)", got)
	}
}

// A sealed node's bytes are copied to a smaller block only when that
// block is of a smaller size class: a copy within the class saves
// nothing and costs a copy of every node.
func TestShrink_SizeClass(t *testing.T) {
	cases := []struct {
		len, cap int
		copied   bool
	}{
		{4000, 4250, true},  // 4096 against 4864
		{4200, 4600, false}, // both 4864
		{100, 100, false},
		{9000, 9400, false},  // both 9472
		{40000, 49000, true}, // 40 KiB against 48 KiB of pages
	}
	for _, c := range cases {
		s := make([]byte, c.len, c.cap)
		got := shrink(s)
		if copied := &got[:1][0] != &s[:1][0]; copied != c.copied {
			t.Errorf("shrink(len %d, cap %d): copied %v, want %v", c.len, c.cap, copied, c.copied)
		}
		if len(got) != c.len {
			t.Errorf("shrink(len %d, cap %d): len %d", c.len, c.cap, len(got))
		}
	}
}
