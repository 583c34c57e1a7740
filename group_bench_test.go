package instream_test

import (
	"fmt"
	"testing"

	"github.com/instream/instream"
)

// benchEngine returns an engine with n entries in "s" and a group "g"
// whose consumer "old" holds all n as pending.
func benchEngine(b *testing.B, n int) *instream.Engine {
	b.Helper()
	e, _ := newClockEngine(b)
	for i := 1; i <= n; i++ {
		if _, err := e.Add("s", instream.AddArgs{ID: instream.ID{Ms: uint64(i)}, Fields: fields("f", "v")}); err != nil {
			b.Fatal(err)
		}
	}
	if err := e.CreateGroup("s", instream.GroupArgs{Group: "g"}); err != nil {
		b.Fatal(err)
	}
	if _, err := e.TryReadGroup(instream.ReadGroupArgs{Group: "g", Consumer: "old",
		Streams: []instream.GroupStream{{Key: "s"}}}); err != nil {
		b.Fatal(err)
	}
	return e
}

var benchSizes = []int{100, 10_000, 1_000_000}

// BenchmarkEngine_ReadGroupAck measures the consumer loop: read count
// new entries as a group, then acknowledge them, on a stream of 100,000
// entries (the group rewinds when it reaches the end). ns/entry is the
// figure perf-anchors.md sets targets for.
func BenchmarkEngine_ReadGroupAck(b *testing.B) {
	for _, count := range []int{1, 100} {
		b.Run(fmt.Sprintf("count=%d", count), func(b *testing.B) {
			e, _ := newClockEngine(b)
			for i := 1; i <= 100_000; i++ {
				if _, err := e.Add("s", instream.AddArgs{ID: instream.ID{Ms: uint64(i)}, Fields: fields("f", "v")}); err != nil {
					b.Fatal(err)
				}
			}
			if err := e.CreateGroup("s", instream.GroupArgs{Group: "g"}); err != nil {
				b.Fatal(err)
			}
			args := instream.ReadGroupArgs{Group: "g", Consumer: "c", Count: count, Streams: []instream.GroupStream{{Key: "s"}}}
			ids := make([]instream.ID, 0, count)
			entries := 0
			b.ReportAllocs()
			for b.Loop() {
				res, err := e.TryReadGroup(args)
				if err != nil {
					b.Fatal(err)
				}
				if res == nil {
					if err := e.SetGroupID("s", instream.GroupArgs{Group: "g"}); err != nil {
						b.Fatal(err)
					}
					continue
				}
				ids = ids[:0]
				for _, en := range res[0].Entries {
					ids = append(ids, en.ID)
				}
				if n, err := e.Ack("s", "g", ids...); int(n) != len(ids) || err != nil {
					b.Fatal(n, err)
				}
				entries += len(ids)
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(entries), "ns/entry")
		})
	}
}

// BenchmarkEngine_ReadGroupHistory measures a history read of 10 pending
// entries out of n.
func BenchmarkEngine_ReadGroupHistory(b *testing.B) {
	for _, n := range benchSizes {
		b.Run(fmt.Sprintf("pending=%d", n), func(b *testing.B) {
			e := benchEngine(b, n)
			args := instream.ReadGroupArgs{Group: "g", Consumer: "old", Count: 10,
				Streams: []instream.GroupStream{{Key: "s", History: true, After: instream.ID{Ms: uint64(n / 2)}}}}
			b.ReportAllocs()
			for b.Loop() {
				if _, err := e.TryReadGroup(args); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkEngine_Claim moves one pending entry out of n between two
// consumers.
func BenchmarkEngine_Claim(b *testing.B) {
	for _, n := range benchSizes {
		b.Run(fmt.Sprintf("pending=%d", n), func(b *testing.B) {
			e := benchEngine(b, n)
			args := instream.ClaimArgs{Group: "g", IDs: []instream.ID{{Ms: uint64(n / 2)}}, JustID: true}
			consumers := [2]string{"a", "b"}
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				args.Consumer = consumers[i%2]
				i++
				if ens, err := e.Claim("s", args); len(ens) != 1 || err != nil {
					b.Fatal(ens, err)
				}
			}
		})
	}
}

// BenchmarkEngine_AutoClaim claims 10 entries per call, walking a pending
// list of n with the cursor.
func BenchmarkEngine_AutoClaim(b *testing.B) {
	for _, n := range benchSizes {
		b.Run(fmt.Sprintf("pending=%d", n), func(b *testing.B) {
			e := benchEngine(b, n)
			args := instream.AutoClaimArgs{Group: "g", Consumer: "c", Count: 10, JustID: true}
			b.ReportAllocs()
			for b.Loop() {
				res, err := e.AutoClaim("s", args)
				if err != nil || len(res.Claimed) == 0 {
					b.Fatal(res, err)
				}
				args.Start = res.Next
			}
		})
	}
}

// BenchmarkEngine_Pending lists 10 pending entries from the middle of n.
func BenchmarkEngine_Pending(b *testing.B) {
	for _, n := range benchSizes {
		b.Run(fmt.Sprintf("pending=%d", n), func(b *testing.B) {
			e := benchEngine(b, n)
			args := instream.PendingArgs{Group: "g", Start: instream.ID{Ms: uint64(n / 2)}, End: instream.MaxID, Count: 10}
			b.ReportAllocs()
			for b.Loop() {
				if list, err := e.Pending("s", args); len(list) != 10 || err != nil {
					b.Fatal(list, err)
				}
			}
		})
	}
}

// BenchmarkEngine_ReadGroupTail measures a consumer that keeps up with
// the producer, as a blocked XREADGROUP served on each add does: add new
// entries to a stream of 10,000, read them with COUNT 64, acknowledge.
func BenchmarkEngine_ReadGroupTail(b *testing.B) {
	for _, fresh := range []int{1, 64} {
		b.Run(fmt.Sprintf("new=%d", fresh), func(b *testing.B) {
			e := benchEngine(b, 10_000)
			args := instream.ReadGroupArgs{Group: "g", Consumer: "c", Count: 64, Streams: []instream.GroupStream{{Key: "s"}}}
			ids := make([]instream.ID, 0, fresh)
			f := fields("f", "v")
			ms := uint64(10_000)
			b.ReportAllocs()
			for b.Loop() {
				for range fresh {
					ms++
					if _, err := e.Add("s", instream.AddArgs{ID: instream.ID{Ms: ms}, Fields: f}); err != nil {
						b.Fatal(err)
					}
				}
				res, err := e.TryReadGroup(args)
				if err != nil || len(res) != 1 || len(res[0].Entries) != fresh {
					b.Fatal(res, err)
				}
				ids = ids[:0]
				for _, en := range res[0].Entries {
					ids = append(ids, en.ID)
				}
				if n, err := e.Ack("s", "g", ids...); int(n) != fresh || err != nil {
					b.Fatal(n, err)
				}
			}
		})
	}
}
