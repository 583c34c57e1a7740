package instream_test

import (
	"math/rand/v2"
	"runtime"
	"strconv"
	"sync/atomic"
	"testing"

	"github.com/instream/instream"
)

// Each benchmark runs at two stream sizes, so that a cost growing with the
// stream shows as a gap between entries=1e3 and entries=1e6.
var engSizes = []struct {
	name string
	n    int
}{
	{"entries=1e3", 1_000},
	{"entries=1e6", 1_000_000},
}

// engActions are the action values of shape b (perf-anchors.md).
var engActions = [...]string{"click", "view", "purchase", "login"}

// engID is the ID of the i-th preloaded entry: explicit IDs, four
// entries per millisecond, as in perf-anchors.md.
func engID(i int) instream.ID {
	return instream.ID{Ms: 1_600_000_000_000 + uint64(i/4), Seq: uint64(i % 4)}
}

// engFields returns the fields of the i-th shape-b entry:
// user=u<6 digits> action=<one of four> ts=<13-digit ms>.
func engFields(i int) []instream.Field {
	user := make([]byte, 0, 7)
	user = append(user, 'u')
	user = engPadded(user, uint64(i%1_000_000), 6)
	return []instream.Field{
		{Name: "user", Value: string(user)},
		{Name: "action", Value: engActions[i%len(engActions)]},
		{Name: "ts", Value: strconv.FormatUint(1_600_000_000_000+uint64(i), 10)},
	}
}

func engPadded(b []byte, v uint64, width int) []byte {
	s := strconv.FormatUint(v, 10)
	for range width - len(s) {
		b = append(b, '0')
	}
	return append(b, s...)
}

// engFieldPool returns 1024 shape-b field sets to cycle through, so that
// building the fields stays out of the measured loop.
func engFieldPool() [][]instream.Field {
	pool := make([][]instream.Field, 1024)
	for i := range pool {
		pool[i] = engFields(i)
	}
	return pool
}

// engLoad adds n shape-b entries with IDs engID(0..n-1) to key.
func engLoad(b *testing.B, e *instream.Engine, key string, n int) {
	b.Helper()
	for i := range n {
		if _, err := e.Add(key, instream.AddArgs{ID: engID(i), Fields: engFields(i)}); err != nil {
			b.Fatalf("Add(%q, %v): %v", key, engID(i), err)
		}
	}
}

func newEngBench(b *testing.B) *instream.Engine {
	b.Helper()
	e := instream.New(instream.Options{})
	b.Cleanup(func() { e.Close() })
	return e
}

// BenchmarkEngine_Add measures Add with generated IDs on a stream of about
// n entries: every n adds, the stream is trimmed back to n with the timer
// stopped, so its size stays in [n, 2n).
func BenchmarkEngine_Add(b *testing.B) {
	for _, size := range engSizes {
		b.Run(size.name, func(b *testing.B) {
			e := newEngBench(b)
			engLoad(b, e, "s", size.n)
			pool := engFieldPool()
			trim := instream.TrimArgs{Strategy: instream.TrimMaxLen, MaxLen: int64(size.n)}
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				if _, err := e.Add("s", instream.AddArgs{Fields: pool[i%len(pool)]}); err != nil {
					b.Fatal(err)
				}
				i++
				if i%size.n == 0 {
					b.StopTimer()
					if _, err := e.Trim("s", trim); err != nil {
						b.Fatal(err)
					}
					b.StartTimer()
				}
			}
		})
	}
}

// BenchmarkEngine_AddIDMP is BenchmarkEngine_Add with idempotent adds
// (XADD IDMP) under the default window of 100 IDs per producer:
// kind=new gives each add a fresh idempotency ID from 16 producers in
// turn, so every add is recorded and, once the window is full, evicts
// one ID; kind=new1 is the same from one producer; kind=auto derives the
// ID from the fields (IDMPAUTO); kind=duplicate repeats an add the
// stream remembers.
func BenchmarkEngine_AddIDMP(b *testing.B) {
	iids := make([]string, 1<<16)
	for i := range iids {
		iids[i] = "req-" + strconv.Itoa(i)
	}
	producers := make([]string, 16)
	for i := range producers {
		producers[i] = "producer-" + strconv.Itoa(i)
	}
	for _, kind := range []string{"new", "new1", "auto", "duplicate"} {
		for _, size := range engSizes {
			b.Run("kind="+kind+"/"+size.name, func(b *testing.B) {
				e := newEngBench(b)
				engLoad(b, e, "s", size.n)
				pool := engFieldPool()
				trim := instream.TrimArgs{Strategy: instream.TrimMaxLen, MaxLen: int64(size.n)}
				b.ReportAllocs()
				i := 0
				for b.Loop() {
					args := instream.AddArgs{Fields: pool[i%len(pool)], Producer: producers[i%len(producers)]}
					switch kind {
					case "new":
						args.IdempotencyID = iids[i%len(iids)]
					case "new1":
						args.Producer, args.IdempotencyID = producers[0], iids[i%len(iids)]
					case "auto":
						// Fresh fields each add (the pool's pairs repeat
						// every 1024), so that every add is new.
						args.AutoIdempotency = true
						args.Fields = append(args.Fields[:len(args.Fields):len(args.Fields)],
							instream.Field{Name: "req", Value: iids[i%len(iids)]})
					case "duplicate":
						args.IdempotencyID = iids[i%8]
					}
					if _, err := e.Add("s", args); err != nil {
						b.Fatal(err)
					}
					i++
					if i%size.n == 0 {
						b.StopTimer()
						if _, err := e.Trim("s", trim); err != nil {
							b.Fatal(err)
						}
						b.StartTimer()
					}
				}
			})
		}
	}
}

// BenchmarkEngine_Range measures reading 100 entries from a random start.
func BenchmarkEngine_Range(b *testing.B) {
	engRange(b, 100)
}

// BenchmarkEngine_Seek measures reading one entry at a random ID, which is
// the cost of finding a position in the stream.
func BenchmarkEngine_Seek(b *testing.B) {
	engRange(b, 1)
}

func engRange(b *testing.B, count int) {
	for _, size := range engSizes {
		b.Run(size.name, func(b *testing.B) {
			e := newEngBench(b)
			engLoad(b, e, "s", size.n)
			rng := rand.New(rand.NewPCG(1, 2))
			b.ReportAllocs()
			var cpu0 int64
			for b.Loop() {
				if cpu0 == 0 {
					cpu0 = instream.CPUTime()
				}
				start := engID(rng.IntN(size.n - count + 1))
				got, err := e.Range("s", start, instream.MaxID, count)
				if err != nil || len(got) != count {
					b.Fatalf("Range(%v, +, %d) = %d entries, %v; want %d", start, count, len(got), err, count)
				}
			}
			if cpu0 != 0 {
				b.ReportMetric(float64(instream.CPUTime()-cpu0)/float64(b.N), "cpu-ns/op")
			}
		})
	}
}

// BenchmarkEngine_AddParallel measures Add from GOMAXPROCS goroutines,
// each to its own stream and all to one stream. Each Add trims its stream
// approximately to n entries (XADD MAXLEN ~ n), so whole nodes are dropped
// as they fill and the streams stay near n entries throughout the run.
func BenchmarkEngine_AddParallel(b *testing.B) {
	for _, mode := range []string{"streams=distinct", "streams=one"} {
		for _, size := range engSizes {
			b.Run(mode+"/"+size.name, func(b *testing.B) {
				e := newEngBench(b)
				keyOf := func(g int64) string {
					if mode == "streams=one" {
						return "s"
					}
					return "s" + strconv.FormatInt(g, 10)
				}
				// RunParallel starts GOMAXPROCS goroutines; preload a stream
				// for each before timing.
				for g := range int64(runtime.GOMAXPROCS(0)) {
					if mode == "streams=one" && g > 0 {
						break
					}
					engLoad(b, e, keyOf(g), size.n)
				}
				pool := engFieldPool()
				trim := instream.TrimArgs{Strategy: instream.TrimMaxLen, MaxLen: int64(size.n), Approx: true}
				var next atomic.Int64
				b.ReportAllocs()
				b.ResetTimer()
				b.RunParallel(func(pb *testing.PB) {
					key := keyOf(next.Add(1) - 1)
					i := 0
					for pb.Next() {
						if _, err := e.Add(key, instream.AddArgs{Fields: pool[i%len(pool)], Trim: trim}); err != nil {
							b.Error(err)
							return
						}
						i++
					}
				})
			})
		}
	}
}

// engBatches are the read and ack batch sizes of the group benchmarks.
var engBatches = []struct {
	name string
	n    int
}{
	{"batch=100", 100},
	{"batch=1", 1},
}

// newEngGroup returns an engine whose stream "s" holds n entries and has
// group "g" at its start.
func newEngGroup(b *testing.B, n int) *instream.Engine {
	b.Helper()
	e := newEngBench(b)
	engLoad(b, e, "s", n)
	if err := e.CreateGroup("s", instream.GroupArgs{Group: "g"}); err != nil {
		b.Fatal(err)
	}
	return e
}

// engReadGroup reads count new entries as consumer c of group g on "s".
func engReadGroup(b *testing.B, e *instream.Engine, count int) []instream.GroupEntry {
	res, err := e.TryReadGroup(instream.ReadGroupArgs{
		Group: "g", Consumer: "c", Streams: []instream.GroupStream{{Key: "s"}}, Count: count,
	})
	if err != nil || len(res) != 1 || len(res[0].Entries) != count {
		b.Fatalf("TryReadGroup(count %d) = %v, %v; want %d entries", count, res, err, count)
	}
	return res[0].Entries
}

// engRewindGroup moves group g back to the start of "s".
func engRewindGroup(b *testing.B, e *instream.Engine) {
	if err := e.SetGroupID("s", instream.GroupArgs{Group: "g"}); err != nil {
		b.Fatal(err)
	}
}

// BenchmarkEngine_ReadGroupNew measures reading new entries as a group
// consumer (XREADGROUP ... >), in batches. The entries stay pending, so
// the pending list grows to n; then, with the timer stopped, the group is
// destroyed and created again at the stream's start. (BenchmarkEngine_ReadGroupHistory,
// in group_bench_test.go, measures history reads of pending entries.)
func BenchmarkEngine_ReadGroupNew(b *testing.B) {
	for _, batch := range engBatches {
		for _, size := range engSizes {
			b.Run(batch.name+"/"+size.name, func(b *testing.B) {
				e := newEngGroup(b, size.n)
				read := 0
				b.ReportAllocs()
				for b.Loop() {
					if read+batch.n > size.n {
						b.StopTimer()
						if _, err := e.DestroyGroup("s", "g"); err != nil {
							b.Fatal(err)
						}
						if err := e.CreateGroup("s", instream.GroupArgs{Group: "g"}); err != nil {
							b.Fatal(err)
						}
						read = 0
						b.StartTimer()
					}
					engReadGroup(b, e, batch.n)
					read += batch.n
				}
			})
		}
	}
}

// BenchmarkEngine_Ack measures acknowledging pending entries, in batches,
// oldest first. All n entries are made pending with the timer stopped;
// once all are acknowledged, they are read again, also untimed.
func BenchmarkEngine_Ack(b *testing.B) {
	benchHandBack(b, "Ack", func(e *instream.Engine, ids []instream.ID) (int64, error) {
		return e.Ack("s", "g", ids...)
	})
}

// BenchmarkEngine_Nack is BenchmarkEngine_Ack with Nack (FAIL): the same
// pending list, the same IDs in batches, each handed back to the group.
func BenchmarkEngine_Nack(b *testing.B) {
	benchHandBack(b, "Nack", func(e *instream.Engine, ids []instream.ID) (int64, error) {
		return e.Nack("s", instream.NackArgs{Group: "g", IDs: ids})
	})
}

// benchHandBack times op on batches of pending IDs, oldest first; when
// every entry has been handled, the group is rewound and read again with
// the timer stopped.
func benchHandBack(b *testing.B, name string, op func(e *instream.Engine, ids []instream.ID) (int64, error)) {
	for _, batch := range engBatches {
		for _, size := range engSizes {
			b.Run(batch.name+"/"+size.name, func(b *testing.B) {
				e := newEngGroup(b, size.n)
				ids := make([]instream.ID, size.n)
				for i := range ids {
					ids[i] = engID(i)
				}
				fill := func() {
					engRewindGroup(b, e)
					for read := 0; read < size.n; read += 10_000 {
						engReadGroup(b, e, min(10_000, size.n-read))
					}
				}
				fill()
				done := 0
				b.ReportAllocs()
				for b.Loop() {
					if done+batch.n > size.n {
						b.StopTimer()
						fill()
						done = 0
						b.StartTimer()
					}
					n, err := op(e, ids[done:done+batch.n])
					if err != nil || n != int64(batch.n) {
						b.Fatalf("%s(%d ids from %v) = %d, %v; want %d", name, batch.n, ids[done], n, err, batch.n)
					}
					done += batch.n
				}
			})
		}
	}
}
