package instream

import (
	"fmt"
	"math/rand/v2"
	"os"
	"runtime"
	"strconv"
	"testing"
)

// shape makes the entries of perf-anchors.md: "a" (v = 8 letters),
// "a-int" (v = 8 digits), "b" (user, action, ts) and "c" (b's values
// under 10 variants of the names, of the same lengths).
type shape struct {
	name string
	rng  *rand.Rand
	buf  []Field
}

func newShape(name string) *shape {
	return &shape{name: name, rng: rand.New(rand.NewPCG(1, 2))}
}

var actions = []string{"click", "view", "purchase", "login"}

// fields returns the fields of entry i; the slice is reused.
func (s *shape) fields(i int) []Field {
	r := s.rng
	switch s.name {
	case "a":
		b := make([]byte, 8)
		for j := range b {
			b[j] = 'a' + byte(r.IntN(26))
		}
		s.buf = append(s.buf[:0], Field{"v", string(b)})
	case "a-int":
		s.buf = append(s.buf[:0], Field{"v", strconv.Itoa(10_000_000 + r.IntN(90_000_000))})
	default:
		user := "u" + strconv.Itoa(100_000+r.IntN(900_000))
		ts := strconv.FormatInt(1_763_000_000_000+int64(i/4), 10)
		names := [3]string{"user", "action", "ts"}
		if s.name == "c" {
			k := strconv.Itoa(i % 10)
			names = [3]string{"use" + k, "actio" + k, "t" + k}
		}
		s.buf = append(s.buf[:0], Field{names[0], user}, Field{names[1], actions[r.IntN(4)]}, Field{names[2], ts})
	}
	return s.buf
}

// shapeID is the ID of entry i: 4 entries per millisecond.
func shapeID(i int) ID { return ID{1_763_000_000_000 + uint64(i/4), uint64(i % 4)} }

// fill returns entries holding n entries of shape b.
func fill(n int) *entries {
	e := newEntries(100, 4096)
	s := newShape("b")
	for i := range n {
		e.add(shapeID(i), s.fields(i))
	}
	return e
}

var benchSizes = []int{1e3, 1e6}

// loop runs body in a b.Loop and reports the process CPU time per op.
func loop(b *testing.B, body func()) {
	b.ReportAllocs()
	var start int64
	for b.Loop() {
		if start == 0 {
			start = cpuTime()
		}
		body()
	}
	if start != 0 {
		b.ReportMetric(float64(cpuTime()-start)/float64(b.N), "cpu-ns/op")
	}
}

func BenchmarkEntries_Add(b *testing.B) {
	for _, n := range benchSizes {
		b.Run(fmt.Sprintf("entries=%d", n), func(b *testing.B) {
			e := fill(n)
			s := newShape("b")
			pool := make([][]Field, 1024)
			for i := range pool {
				pool[i] = append([]Field(nil), s.fields(n+i)...)
			}
			i := n
			loop(b, func() {
				e.add(shapeID(i), pool[i%len(pool)])
				i++
			})
		})
	}
}

func BenchmarkEntries_Collect(b *testing.B) {
	for _, n := range benchSizes {
		for _, rev := range []bool{false, true} {
			b.Run(fmt.Sprintf("entries=%d/reverse=%v", n, rev), func(b *testing.B) {
				e := fill(n)
				r := rand.New(rand.NewPCG(3, 4))
				loop(b, func() {
					id := shapeID(r.IntN(n))
					if rev {
						e.collect(MinID, id, 100, true)
					} else {
						e.collect(id, MaxID, 100, false)
					}
				})
			})
		}
	}
}

var sink int

// BenchmarkEntries_Fill is Scan's batch read of 100 entries, without
// the engine's lock and map look-up, with each value visited.
func BenchmarkEntries_Fill(b *testing.B) {
	for _, n := range benchSizes {
		b.Run(fmt.Sprintf("entries=%d", n), func(b *testing.B) {
			e := fill(n)
			r := rand.New(rand.NewPCG(3, 4))
			var buf scanBuf
			loop(b, func() {
				buf.reset()
				e.fill(shapeID(r.IntN(n)), MaxID, 100, &buf)
				for _, f := range buf.fields {
					sink += len(f.Value)
				}
			})
		})
	}
}

// BenchmarkEntries_Seek reads one entry at a random ID.
func BenchmarkEntries_Seek(b *testing.B) {
	for _, n := range benchSizes {
		b.Run(fmt.Sprintf("entries=%d", n), func(b *testing.B) {
			e := fill(n)
			r := rand.New(rand.NewPCG(5, 6))
			loop(b, func() {
				e.collect(shapeID(r.IntN(n)), MaxID, 1, false)
			})
		})
	}
}

// TestMemoryPerEntry prints the heap growth per entry, after GC, for
// 1,000,000 entries of each shape in nodes of Redis's default size. It
// runs only with INSTREAM_MEM=1 (INSTREAM_MEM_N sets the count):
//
//	INSTREAM_MEM=1 go test -run TestMemoryPerEntry -v
func TestMemoryPerEntry(t *testing.T) {
	if os.Getenv("INSTREAM_MEM") == "" {
		t.Skip("set INSTREAM_MEM=1 to measure memory per entry")
	}
	n := 1_000_000
	if v, err := strconv.Atoi(os.Getenv("INSTREAM_MEM_N")); err == nil {
		n = v
	}
	for _, name := range []string{"a", "a-int", "b", "c"} {
		s := newShape(name)
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		e := newEntries(100, 4096)
		for i := range n {
			e.add(shapeID(i), s.fields(i))
		}
		runtime.GC()
		runtime.ReadMemStats(&after)
		per := float64(after.HeapAlloc-before.HeapAlloc) / float64(n)
		t.Logf("shape %-5s %8.1f B/entry  %5d nodes  %5.1f entries/node", name, per, e.nodes(), float64(n)/float64(e.nodes()))
		runtime.KeepAlive(e)
	}
}
