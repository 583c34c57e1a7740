package aof_test

import (
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// BenchmarkFile_groupCommit is the floor to compare BenchmarkLog_AppendWait
// with, in the same run: the plainest group commit on an os.File, where a
// waiter that finds no sync running writes and syncs for everyone.
func BenchmarkFile_groupCommit(b *testing.B) {
	for _, writers := range []int{1, 64} {
		b.Run(fmt.Sprintf("writers=%d", writers), func(b *testing.B) {
			f, err := os.Create(filepath.Join(b.TempDir(), "f"))
			if err != nil {
				b.Fatal(err)
			}
			defer f.Close()
			var (
				mu               sync.Mutex
				cond             = sync.NewCond(&mu)
				buf              []byte
				appended, synced uint64
				busy             bool
				rounds           int
			)
			rec := make([]byte, 110)
			var left atomic.Int64
			left.Store(int64(b.N))
			start := time.Now()
			b.ResetTimer()
			var wg sync.WaitGroup
			for range writers {
				wg.Go(func() {
					for left.Add(-1) >= 0 {
						mu.Lock()
						buf = append(buf, rec...)
						appended++
						seq := appended
						for synced < seq {
							if busy {
								cond.Wait()
								continue
							}
							busy = true
							out, upto := buf, appended
							buf = nil
							mu.Unlock()
							f.Write(out)
							syscall.Fdatasync(int(f.Fd()))
							mu.Lock()
							rounds++
							busy, synced = false, upto
							cond.Broadcast()
						}
						mu.Unlock()
					}
				})
			}
			wg.Wait()
			b.StopTimer()
			b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "appends/s")
			b.ReportMetric(float64(b.N)/float64(rounds), "records/sync")
		})
	}
}
