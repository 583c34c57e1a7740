package instream

import (
	"strconv"
	"testing"
)

// TestNodeBoundaries replays the random workloads whose results
// redis-server 7.0.15 gave (TestEntriesAgainstRedis): node counts
// (radix-tree-keys), lengths and trim replies must match exactly.
func TestNodeBoundaries(t *testing.T) {
	for _, w := range redisWorkloads {
		t.Run("seed="+strconv.FormatUint(w.seed, 10), func(t *testing.T) {
			got := runWorkload(w, nil)
			if got.nodes != w.wantNodes || got.length != w.wantLen || got.removed != w.wantRemoved {
				t.Errorf("nodes, len, removed = %d, %d, %d; want %d, %d, %d",
					got.nodes, got.length, got.removed, w.wantNodes, w.wantLen, w.wantRemoved)
			}
		})
	}
}

// TestNodeBytes pins one node size worked out by hand and checked on
// redis-server 7.0.15: with stream-node-max-bytes 100, entries "f" "v"
// cost 11 bytes after a 29-byte first one, so a node holds 8 of them.
func TestNodeBytes(t *testing.T) {
	for _, tt := range []struct{ adds, want int }{{16, 2}, {17, 3}, {18, 3}} {
		e := newEntries(0, 100)
		for i := range tt.adds {
			e.add(ID{uint64(i + 1), 1}, []Field{{"f", "v"}})
		}
		if got := e.nodes(); got != tt.want {
			t.Errorf("%d adds: nodes() = %d, want %d", tt.adds, got, tt.want)
		}
	}
}

// trimStep is one step of a trim scenario: a trim (or an add followed by
// a trim, as XADD does) and the expected reply and length after it.
type trimStep struct {
	add         bool
	maxLen      int64 // < 0: by minID
	minID       ID
	approx      bool
	limit       int64 // -1: none
	wantRemoved int64
	wantLen     int
	wantNodes   int // 0: not checked
}

// TestTrimUpstream runs the trimming cases of Redis's own test suite
// (spec §5.2, §5.3), each also checked on redis-server 7.0.15.
func TestTrimUpstream(t *testing.T) {
	const noLimit = -1
	tests := []struct {
		name       string
		nodeSize   int
		entries    int
		defLimit   int64 // the default LIMIT of "~" for this node size
		steps      []trimStep
		removeIDs  []uint64 // ms of entries deleted before the steps
		stepsAfter []trimStep
	}{
		{name: "maxlen basic", nodeSize: 100, entries: 1000, steps: []trimStep{
			{maxLen: 666, limit: noLimit, wantRemoved: 334, wantLen: 666},
			{maxLen: 555, limit: noLimit, wantRemoved: 111, wantLen: 555},
			{maxLen: 444, approx: true, limit: 10000, wantRemoved: 55, wantLen: 500},
			{maxLen: 400, approx: true, limit: 10000, wantRemoved: 100, wantLen: 400, wantNodes: 4},
		}},
		{name: "limit 30 with nodes of 10", nodeSize: 10, entries: 100, steps: []trimStep{
			{add: true, maxLen: 55, approx: true, limit: 30, wantRemoved: 30, wantLen: 71},
			{add: true, maxLen: 55, approx: true, limit: 30, wantRemoved: 10, wantLen: 62},
		}},
		{name: "default limit with nodes of 1", nodeSize: 1, entries: 102, steps: []trimStep{
			{maxLen: 1, approx: true, limit: 100, wantRemoved: 100, wantLen: 2},
			{maxLen: 1, limit: noLimit, wantRemoved: 1, wantLen: 1},
		}},
		{name: "limit below a node", nodeSize: 2, entries: 3, steps: []trimStep{
			{maxLen: 0, approx: true, limit: 1, wantRemoved: 0, wantLen: 3},
			{maxLen: 0, approx: true, limit: 2, wantRemoved: 2, wantLen: 1},
		}},
		{name: "tombstones", nodeSize: 3, entries: 7, steps: []trimStep{
			{maxLen: 5, limit: noLimit, wantRemoved: 2, wantLen: 5, wantNodes: 3},
		}, removeIDs: []uint64{3}, stepsAfter: []trimStep{
			// 1-2 went by exact trim, 3 by XDEL: its node is freed.
			{maxLen: 5, limit: noLimit, wantRemoved: 0, wantLen: 4, wantNodes: 2},
			{add: true, maxLen: 100, limit: noLimit, wantRemoved: 0, wantLen: 5, wantNodes: 2},
			{maxLen: -1, minID: ID{3, 1}, limit: noLimit, wantRemoved: 0, wantLen: 5, wantNodes: 2},
			{maxLen: -1, minID: ID{7, 1}, approx: true, limit: 300, wantRemoved: 3, wantLen: 2, wantNodes: 1},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEntries(tt.nodeSize, 4096)
			next := uint64(1)
			add := func() {
				e.add(ID{next, 1}, []Field{{"xitem", strconv.FormatUint(next, 10)}})
				next++
			}
			for range tt.entries {
				add()
			}
			run := func(steps []trimStep) {
				for i, s := range steps {
					if s.add {
						add()
					}
					spec := trimSpec{maxLen: s.maxLen, minID: s.minID, approx: s.approx, limit: s.limit}
					if got := e.trim(spec); got != s.wantRemoved {
						t.Errorf("step %d: trim(%+v) = %d, want %d", i, spec, got, s.wantRemoved)
					}
					if got := e.len(); got != s.wantLen {
						t.Errorf("step %d: len() = %d, want %d", i, got, s.wantLen)
					}
					if got := e.nodes(); s.wantNodes != 0 && got != s.wantNodes {
						t.Errorf("step %d: nodes() = %d, want %d", i, got, s.wantNodes)
					}
				}
			}
			run(tt.steps)
			for _, ms := range tt.removeIDs {
				if !e.remove(ID{ms, 1}) {
					t.Errorf("remove(%d-1) = false, want true", ms)
				}
			}
			run(tt.stepsAfter)
		})
	}
}

// TestTrimEveryAdd is the upstream "XADD with MAXLEN ~ on each insertion":
// 1000 adds, each trimming to ~555, end with 600 entries.
func TestTrimEveryAdd(t *testing.T) {
	e := newEntries(100, 4096)
	for i := range 1000 {
		e.add(ID{uint64(i + 1), 1}, []Field{{"xitem", strconv.Itoa(i)}})
		e.trim(trimSpec{maxLen: 555, approx: true, limit: 10000})
	}
	if got := e.len(); got != 600 {
		t.Errorf("len() = %d, want 600", got)
	}
}

// TestTrimAcked is the 8.2 ACKED case of spec §8.3: with nodes of 2,
// entries 1..5 all delivered and 1, 2, 4 acked, MINID ~ 6-0 removes 1, 2
// and 4, going past the nodes it cannot drop whole.
func TestTrimAcked(t *testing.T) {
	e := newEntries(2, 4096)
	for i := range 5 {
		e.add(ID{uint64(i + 1), 0}, []Field{{"f", "v"}})
	}
	acked := map[uint64]bool{1: true, 2: true, 4: true}
	var b trimBound
	got := e.trim(trimSpec{maxLen: -1, minID: ID{6, 0}, approx: true, limit: 200,
		keep:  func(id ID) bool { return !acked[id.Ms] },
		bound: &b})
	if got != 3 || !b.any || b.max != (ID{4, 0}) {
		t.Errorf("trim = %d, greatest removed %v (any %v); want 3, 4-0", got, b.max, b.any)
	}
	left := e.collect(MinID, MaxID, 0, false)
	if len(left) != 2 || left[0].ID != (ID{3, 0}) || left[1].ID != (ID{5, 0}) {
		t.Errorf("left %v, want 3-0 and 5-0", left)
	}
}

// TestTrimMaxLen checks MAXLEN trims, exact and approximate, on entries
// with removed ones (XDEL) and earlier trims, so that the first node is
// often partly live, for every bound from "removes nothing" down: the
// count removed (approximate: the whole head nodes that leave at least
// maxLen), the length left, and the greatest removed ID, which the log
// records. XADD's MAXLEN trim relies on its answer when nothing goes.
func TestTrimMaxLen(t *testing.T) {
	for _, maxEntries := range []int{1, 3, 10, 100} {
		e := newEntries(maxEntries, 4096)
		var none, some int
		for i := range 600 {
			e.add(ID{uint64(i + 1), 0}, []Field{{"f", "v"}})
			if i%7 == 3 {
				e.remove(ID{uint64(i - 1), 0})
			}
			if i%50 != 49 {
				continue
			}
			for _, approx := range []bool{false, true} {
				for maxLen := int64(e.len()) + 1; maxLen >= 40; maxLen-- {
					before := int64(e.len())
					want := max(before-maxLen, 0)
					if approx {
						want = 0
						for n, l := e.head, before; n != nil && l-int64(n.live) >= maxLen; n = n.next {
							want += int64(n.live)
							l -= int64(n.live)
						}
					}
					var greatest ID
					if want > 0 {
						all := e.collect(MinID, MaxID, int(want), false)
						greatest = all[len(all)-1].ID
					}
					var b trimBound
					n := e.trim(trimSpec{maxLen: maxLen, approx: approx, limit: -1, bound: &b})
					if n != want || int64(e.len()) != before-n || b.any != (n > 0) || b.max != greatest {
						t.Fatalf("maxEntries=%d len=%d maxLen=%d approx=%v: removed %d (greatest %v, any %v), len %d; want %d (greatest %v)",
							maxEntries, before, maxLen, approx, n, b.max, b.any, e.len(), want, greatest)
					}
					if n == 0 {
						none++
					} else {
						some++
					}
				}
			}
		}
		if none == 0 || some == 0 {
			t.Errorf("maxEntries=%d: %d trims removed nothing, %d removed some: the test misses a case", maxEntries, none, some)
		}
	}
}
