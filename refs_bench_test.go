package instream_test

import (
	"fmt"
	"testing"

	"github.com/instream/instream"
)

// BenchmarkEngine_ReadGroupClaim measures a CLAIM read of 10 entries
// against pending lists of growing size P: the idle index makes it
// O(log P + 10), so ns/op should barely grow with P.
func BenchmarkEngine_ReadGroupClaim(b *testing.B) {
	for _, n := range benchSizes {
		b.Run(fmt.Sprintf("pending=%d", n), func(b *testing.B) {
			e := benchEngine(b, n)
			args := instream.ReadGroupArgs{Group: "g", Consumer: "new", Count: 10, Claim: true,
				Streams: []instream.GroupStream{{Key: "s"}}}
			b.ReportAllocs()
			for b.Loop() {
				res, err := e.TryReadGroup(args)
				if err != nil || len(res) != 1 || len(res[0].Entries) != 10 {
					b.Fatalf("TryReadGroup = %v, %v", res, err)
				}
			}
		})
	}
}

// BenchmarkEngine_DeleteEntriesExAcked measures XDELEX ACKED on a referenced
// entry (kept) with two groups holding n pending entries each: the check
// is O(groups × log P), not a scan of the pending lists.
func BenchmarkEngine_DeleteEntriesExAcked(b *testing.B) {
	for _, n := range benchSizes {
		b.Run(fmt.Sprintf("pending=%d", n), func(b *testing.B) {
			e := benchEngine(b, n)
			if err := e.CreateGroup("s", instream.GroupArgs{Group: "g2"}); err != nil {
				b.Fatal(err)
			}
			target := instream.ID{Ms: uint64(n / 2)}
			b.ReportAllocs()
			for b.Loop() {
				res, err := e.DeleteEntriesEx("s", instream.Acked, target)
				if err != nil || res[0] != instream.EntryReferenced {
					b.Fatalf("DeleteEntriesEx = %v, %v", res, err)
				}
			}
		})
	}
}
