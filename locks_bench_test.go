package instream_test

import (
	"sync"
	"sync/atomic"
	"testing"

	"github.com/instream/instream"
)

// BenchmarkEngine_RangeWhileAdding measures Range of ten entries of one
// stream while another goroutine adds, as fast as it can, to another
// stream (adder=other), to the same one (adder=same) or not at all
// (adder=none). adds/op is how many adds the adder made per read: with
// per-stream locks, reads and adds of different streams proceed in
// parallel when there are CPUs for both.
func BenchmarkEngine_RangeWhileAdding(b *testing.B) {
	for _, adder := range []string{"none", "other", "same"} {
		b.Run("adder="+adder, func(b *testing.B) {
			e := newEngBench(b)
			engLoad(b, e, "r", 1_000)
			engLoad(b, e, "w", 1_000)
			key := "w"
			if adder == "same" {
				key = "r"
			}
			pool := engFieldPool()
			trim := instream.TrimArgs{Strategy: instream.TrimMaxLen, MaxLen: 1_000, Approx: true}
			var stop atomic.Bool
			var adds atomic.Int64
			var wg sync.WaitGroup
			if adder != "none" {
				wg.Go(func() {
					for i := 0; !stop.Load(); i++ {
						if _, err := e.Add(key, instream.AddArgs{Fields: pool[i%len(pool)], Trim: trim}); err != nil {
							b.Error(err)
							return
						}
						adds.Add(1)
					}
				})
			}
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				if ens, err := e.Range("r", instream.MinID, instream.MaxID, 10); err != nil || len(ens) != 10 {
					b.Fatalf("Range: %d entries, %v", len(ens), err)
				}
			}
			b.StopTimer()
			stop.Store(true)
			wg.Wait()
			b.ReportMetric(float64(adds.Load())/float64(b.N), "adds/op")
		})
	}
}

// BenchmarkEngine_Update measures an Update batch that does nothing
// (batch=empty: the cost of locking every stripe and releasing them) and
// one that adds to two streams (batch=add2).
func BenchmarkEngine_Update(b *testing.B) {
	for _, batch := range []string{"empty", "add2"} {
		b.Run("batch="+batch, func(b *testing.B) {
			e := newEngBench(b)
			pool := engFieldPool()
			trim := instream.TrimArgs{Strategy: instream.TrimMaxLen, MaxLen: 1_000, Approx: true}
			i := 0
			fn := func(tx *instream.Tx) error {
				if batch == "empty" {
					return nil
				}
				for _, k := range [...]string{"a", "b"} {
					if _, err := tx.Add(k, instream.AddArgs{Fields: pool[i%len(pool)], Trim: trim}); err != nil {
						return err
					}
				}
				return nil
			}
			b.ReportAllocs()
			for b.Loop() {
				if err := e.Update(fn); err != nil {
					b.Fatal(err)
				}
				i++
			}
		})
	}
}
