package bench

import (
	"context"
	"math/rand/v2"
	"strconv"
	"testing"

	"github.com/alicebob/miniredis/v2"
	"github.com/instream/instream"
	"github.com/redis/go-redis/v9"
)

// The benchmarks run each operation on instream and on miniredis, at two
// stream sizes. miniredis is driven directly (m.XAdd) where it has a Go
// API, and through go-redis over loopback otherwise; those figures include
// the client and the network.

var sizes = []struct {
	name string
	n    int
}{
	{"entries=1e3", 1_000},
	{"entries=1e5", 100_000},
}

func newEngine(b *testing.B, n int) *instream.Engine {
	b.Helper()
	e := instream.New(instream.Options{})
	b.Cleanup(func() { e.Close() })
	for i := range n {
		if _, err := e.Add("r", instream.AddArgs{ID: EntryID(i), Fields: Fields(ShapeB.Fields(i))}); err != nil {
			b.Fatal(err)
		}
	}
	return e
}

// newMini returns a started miniredis whose stream "r" holds n shape-b
// entries, and a go-redis client of it.
func newMini(b *testing.B, n int) (*miniredis.Miniredis, *redis.Client) {
	b.Helper()
	m := miniredis.NewMiniRedis()
	if err := m.Start(); err != nil {
		b.Fatal(err)
	}
	c := NewClient(m.Addr())
	b.Cleanup(func() { c.Close(); m.Close() })
	for i := range n {
		if _, err := m.XAdd("r", EntryID(i).String(), ShapeB.Fields(i)); err != nil {
			b.Fatal(err)
		}
	}
	return m, c
}

// BenchmarkAdd measures adding a shape-b entry with a generated ID to a
// stream of about n entries: every n adds, it is trimmed back to n with
// the timer stopped.
func BenchmarkAdd(b *testing.B) {
	kv, fields := fieldPool()
	for _, size := range sizes {
		b.Run("impl=instream/"+size.name, func(b *testing.B) {
			e := newEngine(b, size.n)
			trim := instream.TrimArgs{Strategy: instream.TrimMaxLen, MaxLen: int64(size.n)}
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				if _, err := e.Add("r", instream.AddArgs{Fields: fields[i%len(fields)]}); err != nil {
					b.Fatal(err)
				}
				if i++; i%size.n == 0 {
					b.StopTimer()
					if _, err := e.Trim("r", trim); err != nil {
						b.Fatal(err)
					}
					b.StartTimer()
				}
			}
		})
		b.Run("impl=miniredis/"+size.name, func(b *testing.B) {
			m, c := newMini(b, size.n)
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				if _, err := m.XAdd("r", "*", kv[i%len(kv)]); err != nil {
					b.Fatal(err)
				}
				if i++; i%size.n == 0 {
					b.StopTimer()
					if err := c.XTrimMaxLen(context.Background(), "r", int64(size.n)).Err(); err != nil {
						b.Fatal(err)
					}
					b.StartTimer()
				}
			}
		})
	}
}

// BenchmarkRange measures reading 100 entries from a random ID.
func BenchmarkRange(b *testing.B) { benchRange(b, 100) }

// BenchmarkSeek measures reading one entry at a random ID.
func BenchmarkSeek(b *testing.B) { benchRange(b, 1) }

func benchRange(b *testing.B, count int) {
	for _, size := range sizes {
		b.Run("impl=instream/"+size.name, func(b *testing.B) {
			e := newEngine(b, size.n)
			rng := rand.New(rand.NewPCG(1, 2))
			b.ReportAllocs()
			for b.Loop() {
				start := EntryID(rng.IntN(size.n - count + 1))
				if got, err := e.Range("r", start, instream.MaxID, count); err != nil || len(got) != count {
					b.Fatalf("Range(r, %v, +, %d) = %d entries, %v", start, count, len(got), err)
				}
			}
		})
		b.Run("impl=miniredis-tcp/"+size.name, func(b *testing.B) {
			_, c := newMini(b, size.n)
			rng := rand.New(rand.NewPCG(1, 2))
			ctx := context.Background()
			b.ReportAllocs()
			for b.Loop() {
				start := EntryID(rng.IntN(size.n - count + 1)).String()
				got, err := c.XRangeN(ctx, "r", start, "+", int64(count)).Result()
				if err != nil || len(got) != count {
					b.Fatalf("XRANGE r %s + COUNT %d = %d entries, %v", start, count, len(got), err)
				}
			}
		})
	}
}

// BenchmarkReadGroupAck measures one group read of a batch of new entries
// followed by the ack of that batch. When the group reaches the end of the
// stream, it is moved back to the start with the timer stopped.
func BenchmarkReadGroupAck(b *testing.B) {
	for _, batch := range []int{100, 1} {
		for _, size := range sizes {
			name := "batch=" + strconv.Itoa(batch) + "/"
			b.Run(name+"impl=instream/"+size.name, func(b *testing.B) {
				e := newEngine(b, size.n)
				if err := e.CreateGroup("r", instream.GroupArgs{Group: "g"}); err != nil {
					b.Fatal(err)
				}
				args := instream.ReadGroupArgs{Group: "g", Consumer: "c", Streams: []instream.GroupStream{{Key: "r"}}, Count: batch}
				ids := make([]instream.ID, 0, batch)
				read := 0
				b.ReportAllocs()
				for b.Loop() {
					if read+batch > size.n {
						b.StopTimer()
						if err := e.SetGroupID("r", instream.GroupArgs{Group: "g"}); err != nil {
							b.Fatal(err)
						}
						read = 0
						b.StartTimer()
					}
					res, err := e.TryReadGroup(args)
					if err != nil || len(res) != 1 || len(res[0].Entries) != batch {
						b.Fatalf("TryReadGroup(count %d) = %v, %v", batch, res, err)
					}
					ids = ids[:0]
					for _, ge := range res[0].Entries {
						ids = append(ids, ge.ID)
					}
					if n, err := e.Ack("r", "g", ids...); err != nil || n != int64(batch) {
						b.Fatalf("Ack(%d ids) = %d, %v", batch, n, err)
					}
					read += batch
				}
			})
			b.Run(name+"impl=miniredis-tcp/"+size.name, func(b *testing.B) {
				_, c := newMini(b, size.n)
				ctx := context.Background()
				if err := c.XGroupCreate(ctx, "r", "g", "0").Err(); err != nil {
					b.Fatal(err)
				}
				args := &redis.XReadGroupArgs{Group: "g", Consumer: "c", Streams: []string{"r", ">"}, Count: int64(batch), Block: -1}
				read := 0
				b.ReportAllocs()
				for b.Loop() {
					if read+batch > size.n {
						b.StopTimer()
						// miniredis has no XGROUP SETID.
						if err := c.XGroupDestroy(ctx, "r", "g").Err(); err != nil {
							b.Fatal(err)
						}
						if err := c.XGroupCreate(ctx, "r", "g", "0").Err(); err != nil {
							b.Fatal(err)
						}
						read = 0
						b.StartTimer()
					}
					res, err := c.XReadGroup(ctx, args).Result()
					if err != nil || len(res) != 1 || len(res[0].Messages) != batch {
						b.Fatalf("XREADGROUP COUNT %d = %v, %v", batch, res, err)
					}
					ids := make([]string, len(res[0].Messages))
					for i, m := range res[0].Messages {
						ids[i] = m.ID
					}
					if n, err := c.XAck(ctx, "r", "g", ids...).Result(); err != nil || n != int64(batch) {
						b.Fatalf("XACK %d ids = %d, %v", batch, n, err)
					}
					read += batch
				}
			})
		}
	}
}
