package persist_test

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/instream/instream"
	"github.com/instream/instream/aof"
	"github.com/instream/instream/persist"
)

var benchActions = [...]string{"click", "view", "purchase", "login"}

// shapeB returns the fields of the i-th shape-b entry (perf-anchors.md):
// user=u<6 digits> action=<one of four> ts=<13-digit ms>.
func shapeB(i int) []instream.Field {
	return []instream.Field{
		{Name: "user", Value: fmt.Sprintf("u%06d", i%1_000_000)},
		{Name: "action", Value: benchActions[i%len(benchActions)]},
		{Name: "ts", Value: strconv.FormatUint(1_600_000_000_000+uint64(i), 10)},
	}
}

func shapeBPool() [][]instream.Field {
	pool := make([][]instream.Field, 1024)
	for i := range pool {
		pool[i] = shapeB(i)
	}
	return pool
}

func openBench(b *testing.B, dir string, p aof.Policy) *persist.DB {
	b.Helper()
	db, err := persist.Open(dir, persist.Options{Fsync: p, AutoRewritePercent: -1})
	if err != nil {
		b.Fatal(err)
	}
	return db
}

// BenchmarkPersist_Add measures Add of shape-b entries with generated
// IDs, in memory and with a log under each policy but always. The
// process's CPU time per Add is steadier than wall time on a shared
// machine.
func BenchmarkPersist_Add(b *testing.B) {
	for _, mode := range []string{"memory", "no", "everysec"} {
		b.Run("fsync="+mode, func(b *testing.B) {
			var e *instream.Engine
			if mode == "memory" {
				e = instream.New(instream.Options{})
				defer e.Close()
			} else {
				p, _ := aof.ParsePolicy(mode)
				db := openBench(b, b.TempDir(), p)
				defer db.Close()
				e = db.Engine
			}
			pool := shapeBPool()
			b.ReportAllocs()
			i := 0
			cpu := cpuTime() // the log's writer included
			for b.Loop() {
				if _, err := e.Add("s", instream.AddArgs{Fields: pool[i%len(pool)]}); err != nil {
					b.Fatal(err)
				}
				i++
			}
			b.ReportMetric(float64(cpuTime()-cpu)/float64(b.N), "cpu-ns/op")
		})
	}
}

// BenchmarkPersist_AddRatio gives everysec's cost against memory's in
// one run: it alternates blocks of adds between an in-memory engine and
// one logging under everysec, so that both see the same CPU speed on a
// machine whose speed drifts, and reports each one's time per add and
// their ratio. b.N counts the adds to each, so that ns/op is the time of
// one add to each.
func BenchmarkPersist_AddRatio(b *testing.B) {
	mem := instream.New(instream.Options{})
	defer mem.Close()
	db := openBench(b, b.TempDir(), aof.Everysec)
	defer db.Close()
	pool := shapeBPool()
	const block = 10_000
	i := 0
	adds := func(e *instream.Engine, n int) time.Duration {
		start := time.Now()
		for j := range n {
			if _, err := e.Add("s", instream.AddArgs{Fields: pool[(i+j)%len(pool)]}); err != nil {
				b.Fatal(err)
			}
		}
		return time.Since(start)
	}
	var memTime, logTime time.Duration
	b.ResetTimer()
	for left := b.N; left > 0; left -= block {
		n := min(block, left)
		memTime += adds(mem, n)
		logTime += adds(db.Engine, n)
		i += n
	}
	b.ReportMetric(float64(memTime.Nanoseconds())/float64(b.N), "memory-ns/add")
	b.ReportMetric(float64(logTime.Nanoseconds())/float64(b.N), "everysec-ns/add")
	b.ReportMetric(float64(logTime)/float64(memTime), "ratio")
}

// BenchmarkPersist_AddAlways measures durable adds under always with
// concurrent producers sharing syncs (group commit).
func BenchmarkPersist_AddAlways(b *testing.B) {
	for _, producers := range []int{1, 64} {
		b.Run(fmt.Sprint("producers=", producers), func(b *testing.B) {
			db := openBench(b, b.TempDir(), aof.Always)
			defer db.Close()
			pool := shapeBPool()
			var next atomic.Int64
			b.SetParallelism(max(1, producers/max(1, testingProcs())))
			start := time.Now()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					i := int(next.Add(1))
					if _, err := db.Add("s", instream.AddArgs{Fields: pool[i%len(pool)]}); err != nil {
						b.Error(err)
						return
					}
				}
			})
			b.ReportMetric(float64(next.Load())/time.Since(start).Seconds(), "adds/s")
		})
	}
}

func testingProcs() int { return runtimeProcs }

// loadQueue fills a log in dir with n shape-b entries, a group and
// pending pending entries, then rewrites it if rewrite is set.
func loadQueue(b *testing.B, dir string, n, pending int, rewrite bool) {
	b.Helper()
	db := openBench(b, dir, aof.No)
	for i := range n {
		if _, err := db.Add("s", instream.AddArgs{ID: instream.ID{Ms: 1_600_000_000_000 + uint64(i/4), Seq: uint64(i % 4)},
			Fields: shapeB(i)}); err != nil {
			b.Fatal(err)
		}
	}
	if err := db.CreateGroup("s", instream.GroupArgs{Group: "g"}); err != nil {
		b.Fatal(err)
	}
	for read := 0; read < pending; read += 100 {
		if _, err := db.TryReadGroup(instream.ReadGroupArgs{Group: "g", Consumer: "c", Count: 100,
			Streams: []instream.GroupStream{{Key: "s"}}}); err != nil {
			b.Fatal(err)
		}
	}
	if rewrite {
		if err := db.Rewrite(); err != nil {
			b.Fatal(err)
		}
	}
	if err := db.Close(); err != nil {
		b.Fatal(err)
	}
}

func dirSize(b *testing.B, dir string) int64 {
	var total int64
	err := filepath.Walk(dir, func(_ string, fi os.FileInfo, err error) error {
		if err == nil && !fi.IsDir() {
			total += fi.Size()
		}
		return err
	})
	if err != nil {
		b.Fatal(err)
	}
	return total
}

// BenchmarkPersist_Reopen measures Open of a log holding 1e6 shape-b
// entries, a group and 10,000 pending entries, as written (one record
// per add) and after a rewrite, and reports the log's bytes per entry.
func BenchmarkPersist_Reopen(b *testing.B) {
	const n, pending = 1_000_000, 10_000
	for _, rewrite := range []bool{false, true} {
		b.Run(fmt.Sprint("entries=1e6/rewritten=", rewrite), func(b *testing.B) {
			dir := b.TempDir()
			loadQueue(b, dir, n, pending, rewrite)
			for b.Loop() {
				db := openBench(b, dir, aof.No)
				if l, _ := db.Len("s"); l != n {
					b.Fatalf("len %d", l)
				}
				db.Close()
			}
			b.ReportMetric(float64(dirSize(b, dir))/n, "log-bytes/entry")
		})
	}
}

// BenchmarkPersist_RewritePause measures the longest Add while a rewrite
// of 1e6 shape-b entries with 10,000 pending runs (rewrite=true), and,
// as the floor the machine sets, over as long a time with no rewrite
// (rewrite=false): on a loaded machine the kernel alone can keep an Add
// off the CPU for milliseconds. max-add-ms is the longest Add;
// max-off-queue-ms the longest once the time its thread waited for a
// CPU is taken out (on Linux), which is what the engine answers for.
func BenchmarkPersist_RewritePause(b *testing.B) {
	dir := b.TempDir()
	loadQueue(b, dir, 1_000_000, 10_000, false)
	db := openBench(b, dir, aof.Everysec)
	defer db.Close()
	pool := shapeBPool()
	var took time.Duration // the last rewrite's
	for _, rewrite := range []bool{true, false} {
		b.Run(fmt.Sprint("rewrite=", rewrite), func(b *testing.B) {
			var worst, worstOff time.Duration
			for b.Loop() {
				stop := make(chan struct{})
				var wg sync.WaitGroup
				var longest, longestOff time.Duration
				wg.Add(1)
				go func() {
					defer wg.Done()
					runtime.LockOSThread() // for runQueueWait
					defer runtime.UnlockOSThread()
					for i := 0; ; i++ {
						select {
						case <-stop:
							return
						default:
						}
						q0 := runQueueWait()
						t0 := time.Now()
						if _, err := db.Add("t", instream.AddArgs{Fields: pool[i%len(pool)]}); err != nil {
							b.Error(err)
							return
						}
						d := time.Since(t0)
						longest = max(longest, d)
						longestOff = max(longestOff, d-(runQueueWait()-q0))
						time.Sleep(100 * time.Microsecond)
					}
				}()
				if rewrite {
					t0 := time.Now()
					if err := db.Rewrite(); err != nil {
						b.Fatal(err)
					}
					took = time.Since(t0)
				} else {
					time.Sleep(took)
				}
				close(stop)
				wg.Wait()
				worst, worstOff = max(worst, longest), max(worstOff, longestOff)
			}
			b.ReportMetric(float64(worst.Microseconds())/1000, "max-add-ms")
			b.ReportMetric(float64(worstOff.Microseconds())/1000, "max-off-queue-ms")
		})
	}
}
