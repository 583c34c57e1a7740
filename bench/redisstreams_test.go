package bench

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"sync"
	"testing"
	"time"

	"github.com/instream/instream"
	"github.com/instream/instream/redisstreams"
	"github.com/redis/go-redis/v9"
)

// The benchmarks below put the Redis-backed instream.Streams beside
// go-redis used directly with the same commands, against one local
// redis-server. Both use a go-redis client with its default options
// (RESP3, a pool of 10 connections per CPU), so the difference is the
// Client's own work: building the command and decoding the reply into
// instream's types.

var (
	redisOnce sync.Once
	redisSrv  *Redis
	redisErr  error
)

// TestMain stops, by its PID, the redis-server the benchmarks started.
func TestMain(m *testing.M) {
	code := m.Run()
	if redisSrv != nil {
		redisSrv.Stop()
	}
	os.Exit(code)
}

// newRedisClient returns a go-redis client of a redis-server started once
// for the benchmarks of this file, with its streams flushed.
func newRedisClient(b *testing.B) *redis.Client {
	b.Helper()
	redisOnce.Do(func() {
		path, err := exec.LookPath("redis-server")
		if err != nil {
			redisErr = fmt.Errorf("redis-server not on PATH: %w", err)
			return
		}
		redisSrv, redisErr = StartRedis(context.Background(), path)
	})
	if redisErr != nil {
		b.Skip(redisErr)
	}
	rdb := redis.NewClient(&redis.Options{Addr: redisSrv.Addr})
	b.Cleanup(func() { rdb.Close() })
	if err := rdb.FlushAll(context.Background()).Err(); err != nil {
		b.Fatal(err)
	}
	return rdb
}

// producers runs total calls of add spread over n goroutines, add(i)
// being the i-th call of one goroutine.
func producers(b *testing.B, n int, add func(p, i int) error) {
	var wg sync.WaitGroup
	per := b.N / n
	for p := range n {
		wg.Go(func() {
			for i := range per + boolInt(p < b.N%n) {
				if err := add(p, i); err != nil {
					b.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// BenchmarkRedisAdd measures XADD of a shape-b entry with a generated ID
// by n concurrent producers, each on a stream of its own: through
// redisstreams' Add and through go-redis's Do with the same command.
func BenchmarkRedisAdd(b *testing.B) {
	for _, n := range []int{1, 16} {
		fields := Fields(ShapeB.Fields(0))
		kv := ShapeB.Fields(0)
		b.Run(fmt.Sprintf("client=redisstreams/producers=%d", n), func(b *testing.B) {
			s := redisstreams.New(newRedisClient(b), redisstreams.Options{})
			defer s.Close()
			b.ReportAllocs()
			b.ResetTimer()
			producers(b, n, func(p, _ int) error {
				_, err := s.Add(fmt.Sprint("p", p), instream.AddArgs{Fields: fields})
				return err
			})
		})
		b.Run(fmt.Sprintf("client=go-redis/producers=%d", n), func(b *testing.B) {
			rdb := newRedisClient(b)
			ctx := context.Background()
			b.ReportAllocs()
			b.ResetTimer()
			producers(b, n, func(p, _ int) error {
				return rdb.Do(ctx, xaddArgs(fmt.Sprint("p", p), "*", kv)...).Err()
			})
		})
	}
}

// BenchmarkRedisAddBatch measures adding entries in batches: AddBatch
// sends a batch in one pipelined round trip, against one Add (one round
// trip) per entry. It reports entries/s.
func BenchmarkRedisAddBatch(b *testing.B) {
	fields := Fields(ShapeB.Fields(0))
	for _, size := range []int{10, 100} {
		batch := make([]instream.AddArgs, size)
		for i := range batch {
			batch[i] = instream.AddArgs{Fields: fields}
		}
		b.Run(fmt.Sprintf("call=AddBatch/batch=%d", size), func(b *testing.B) {
			s := redisstreams.New(newRedisClient(b), redisstreams.Options{})
			defer s.Close()
			start := time.Now()
			for b.Loop() {
				if _, err := s.AddBatch("s", batch); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.N*size)/time.Since(start).Seconds(), "entries/s")
		})
		b.Run(fmt.Sprintf("call=Add/batch=%d", size), func(b *testing.B) {
			s := redisstreams.New(newRedisClient(b), redisstreams.Options{})
			defer s.Close()
			start := time.Now()
			for b.Loop() {
				for _, args := range batch {
					if _, err := s.Add("s", args); err != nil {
						b.Fatal(err)
					}
				}
			}
			b.ReportMetric(float64(b.N*size)/time.Since(start).Seconds(), "entries/s")
		})
	}
}
