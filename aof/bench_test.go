package aof_test

import (
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/instream/instream/aof"
)

// benchRecord is a shape-b-like XADD: a concrete ID and a few fields.
var benchRecord = []string{"XADD", "orders", "1700000000000-0", "id", "12345", "customer", "c-789", "amount", "42.50", "status", "new"}

// BenchmarkLog_Append measures Append alone: the cost a call pays under
// Everysec and No, where the writer runs in the background.
func BenchmarkLog_Append(b *testing.B) {
	for _, p := range []aof.Policy{aof.Everysec, aof.No} {
		b.Run("fsync="+p.String(), func(b *testing.B) {
			l, _, err := aof.Open(aof.Options{Dir: b.TempDir(), Fsync: p}, func([][]string) error { return nil })
			if err != nil {
				b.Fatal(err)
			}
			defer l.Close()
			b.ReportAllocs()
			for b.Loop() {
				if _, err := l.Append(benchRecord); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkLog_AppendWait measures durable appends under Always on the
// real disk: each writer appends and waits for the sync that covers its
// record, so concurrent writers share syncs.
func BenchmarkLog_AppendWait(b *testing.B) {
	for _, writers := range []int{1, 64} {
		b.Run(fmt.Sprintf("fsync=always/writers=%d", writers), func(b *testing.B) {
			l, _, err := aof.Open(aof.Options{Dir: b.TempDir(), Fsync: aof.Always}, func([][]string) error { return nil })
			if err != nil {
				b.Fatal(err)
			}
			defer l.Close()
			var left atomic.Int64
			left.Store(int64(b.N))
			start := time.Now()
			syncs0 := aof.FileSyncs.Load()
			b.ResetTimer()
			done := make(chan struct{})
			for range writers {
				go func() {
					defer func() { done <- struct{}{} }()
					for left.Add(-1) >= 0 {
						seq, err := l.Append(benchRecord)
						if err == nil {
							err = l.Wait(seq)
						}
						if err != nil {
							b.Error(err)
							return
						}
					}
				}()
			}
			for range writers {
				<-done
			}
			b.StopTimer()
			b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "appends/s")
			b.ReportMetric(float64(b.N)/float64(aof.FileSyncs.Load()-syncs0), "records/sync")
		})
	}
}

// BenchmarkRead measures replay: a base of n shape-b XADDs written by a
// rewrite, then n records in the incremental file.
func BenchmarkRead(b *testing.B) {
	const n = 100_000
	dir := b.TempDir()
	opts := aof.Options{Dir: dir, Fsync: aof.No}
	l, _, err := aof.Open(opts, nil)
	if err != nil {
		b.Fatal(err)
	}
	rw, err := l.BeginRewrite()
	if err == nil {
		err = rw.Cut()
	}
	if err == nil {
		err = rw.WriteBase(func(w *aof.BaseWriter) error {
			for i := range n {
				rec := append([]string(nil), benchRecord...)
				rec[2] = fmt.Sprintf("1700000000000-%d", i)
				if err := w.Add(rec...); err != nil {
					return err
				}
			}
			return nil
		})
	}
	if err == nil {
		err = rw.Commit()
	}
	if err != nil {
		b.Fatal(err)
	}
	for i := range n {
		rec := append([]string(nil), benchRecord...)
		rec[2] = fmt.Sprintf("1700000001000-%d", i)
		if _, err := l.Append(rec); err != nil {
			b.Fatal(err)
		}
	}
	if err := l.Close(); err != nil {
		b.Fatal(err)
	}
	size, _ := l.Size()
	b.Run(fmt.Sprintf("records=%d", 2*n), func(b *testing.B) {
		b.SetBytes(size)
		for b.Loop() {
			rec, err := aof.Read(opts, func([][]string) error { return nil })
			if err != nil || rec.Records != 2*n {
				b.Fatalf("Read: %v, %+v", err, rec)
			}
		}
		b.ReportMetric(float64(2*n)*float64(b.N)/b.Elapsed().Seconds(), "records/s")
	})
}

// BenchmarkAppendRecord measures encoding a record and its checksum:
// Append's part (the encoding) and the writer's (the checksum).
func BenchmarkAppendRecord(b *testing.B) {
	buf := make([]byte, 0, 1<<20)
	rec := [][]string{benchRecord}
	b.ReportAllocs()
	for b.Loop() {
		buf = aof.AppendRecord(buf[:0], rec)
	}
}
