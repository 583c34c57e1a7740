package streamstest

import (
	"fmt"
	"testing"
	"time"

	"github.com/instream/instream"
)

var _ = register(
	test{"InvalidArguments", testInvalidArguments},
	test{"ZeroValues", testZeroValues},
)

// Arguments that cannot mean what was written are ErrInvalidArgument on
// every implementation, and change nothing.
func testInvalidArguments(t *testing.T, e *env) {
	s, k := e.s, e.key("s")
	pendTwo(t, s, k)
	neg := int64(-1)
	one := []instream.ID{id("1-0")}
	gs := readNew(k)
	calls := []struct {
		name string
		call func() error
	}{
		{"Add MaxLen without Strategy", func() error {
			_, err := s.Add(k, instream.AddArgs{Fields: fields("a", "1"), Trim: instream.TrimArgs{MaxLen: 1}})
			return err
		}},
		{"Add Seq with AutoSeq", func() error {
			_, err := s.Add(k, instream.AddArgs{ID: id("9-1"), AutoSeq: true, Fields: fields("a", "1")})
			return err
		}},
		{"Trim MinID without Strategy", func() error {
			_, err := s.Trim(k, instream.TrimArgs{MinID: id("2-0")})
			return err
		}},
		{"SetID negative EntriesAdded", func() error {
			return s.SetID(k, instream.SetIDArgs{LastID: id("9-0"), EntriesAdded: &neg})
		}},
		{"InfoFull negative count", func() error {
			_, err := s.InfoFull(k, -1)
			return err
		}},
		{"TryRead negative Count", func() error {
			_, err := s.TryRead(instream.ReadArgs{Count: -1, Streams: []instream.ReadStream{{Key: k}}})
			return err
		}},
		{"TryRead After with New", func() error {
			_, err := s.TryRead(instream.ReadArgs{Streams: []instream.ReadStream{{Key: k, New: true, After: id("1-0")}}})
			return err
		}},
		{"CreateGroup ID with FromEnd", func() error {
			return s.CreateGroup(k, instream.GroupArgs{Group: "h", ID: id("1-0"), FromEnd: true})
		}},
		{"SetGroupID MkStream", func() error {
			return s.SetGroupID(k, instream.GroupArgs{Group: "g", MkStream: true})
		}},
		{"CreateConsumer empty Consumer", func() error {
			_, err := s.CreateConsumer(k, instream.ConsumerArgs{Group: "g"})
			return err
		}},
		{"DeleteConsumer empty Consumer", func() error {
			_, err := s.DeleteConsumer(k, instream.ConsumerArgs{Group: "g"})
			return err
		}},
		{"TryReadGroup empty Consumer", func() error {
			_, err := s.TryReadGroup(instream.ReadGroupArgs{Group: "g", Streams: gs})
			return err
		}},
		{"TryReadGroup MinIdle without Claim", func() error {
			_, err := s.TryReadGroup(instream.ReadGroupArgs{Group: "g", Consumer: "c", MinIdle: time.Second, Streams: gs})
			return err
		}},
		{"TryReadGroup After without History", func() error {
			_, err := s.TryReadGroup(instream.ReadGroupArgs{Group: "g", Consumer: "c",
				Streams: []instream.GroupStream{{Key: k, After: id("1-0")}}})
			return err
		}},
		{"ReadGroup negative Count", func() error {
			_, err := s.ReadGroup(t.Context(), instream.ReadGroupArgs{Group: "g", Consumer: "c", Count: -1, Streams: gs})
			return err
		}},
		{"Read nil context", func() error {
			//lint:ignore SA1012 a nil context is the case under test
			_, err := s.Read(nil, instream.ReadArgs{Streams: []instream.ReadStream{{Key: k}}})
			return err
		}},
		{"ReadGroup nil context", func() error {
			//lint:ignore SA1012 a nil context is the case under test
			_, err := s.ReadGroup(nil, instream.ReadGroupArgs{Group: "g", Consumer: "c", Streams: gs})
			return err
		}},
		{"Pending End below Start", func() error {
			_, err := s.Pending(k, instream.PendingArgs{Group: "g", Start: id("3-0"), End: id("2-0")})
			return err
		}},
		{"Pending Consumer without ByConsumer", func() error {
			_, err := s.Pending(k, instream.PendingArgs{Group: "g", Consumer: "c"})
			return err
		}},
		{"Pending negative MinIdle", func() error {
			_, err := s.Pending(k, instream.PendingArgs{Group: "g", MinIdle: -time.Second})
			return err
		}},
		{"Claim empty Consumer", func() error {
			_, err := s.Claim(k, instream.ClaimArgs{Group: "g", IDs: one})
			return err
		}},
		{"Claim Idle and Time", func() error {
			_, err := s.Claim(k, instream.ClaimArgs{Group: "g", Consumer: "d", IDs: one, Idle: time.Second, Time: time.UnixMilli(1)})
			return err
		}},
		{"Claim negative RetryCount", func() error {
			_, err := s.Claim(k, instream.ClaimArgs{Group: "g", Consumer: "d", IDs: one, RetryCount: &neg})
			return err
		}},
		{"AutoClaim empty Consumer", func() error {
			_, err := s.AutoClaim(k, instream.AutoClaimArgs{Group: "g"})
			return err
		}},
		{"AutoClaim negative Count", func() error {
			_, err := s.AutoClaim(k, instream.AutoClaimArgs{Group: "g", Consumer: "d", Count: -1})
			return err
		}},
		{"AutoClaim negative MinIdle", func() error {
			_, err := s.AutoClaim(k, instream.AutoClaimArgs{Group: "g", Consumer: "d", MinIdle: -time.Second})
			return err
		}},
	}
	for _, c := range calls {
		checkErr(t, c.name, c.call(), instream.ErrInvalidArgument)
	}
	// Nothing changed: the two entries are still c's, delivered once.
	ps, err := s.Pending(k, instream.PendingArgs{Group: "g"})
	if err != nil || len(ps) != 2 || ps[0].Consumer != "c" || ps[0].Deliveries != 1 || ps[1].Deliveries != 1 {
		t.Errorf("Pending after the refused calls = %+v, %v; want 1-0 and 2-0 of c, delivered once", ps, err)
	}
	n, err := s.Len(k)
	check(t, "Len after the refused calls", n, err, int64(2))
}

// Zero values mean the natural default: no limit for counts, MaxID for
// a zero PendingArgs.End, more than Redis's COUNT 100 for AutoClaim.
func testZeroValues(t *testing.T, e *env) {
	s, k := e.s, e.key("s")
	const n = 150
	batch := make([]instream.AddArgs, n)
	for i := range batch {
		batch[i] = instream.AddArgs{ID: instream.ID{Ms: uint64(i + 1)}, Fields: fields("i", fmt.Sprint(i+1))}
	}
	if _, err := s.AddBatch(k, batch); err != nil {
		t.Fatal(err)
	}
	mustGroup(t, s, k, "g", instream.ID{})
	got, err := s.TryReadGroup(instream.ReadGroupArgs{Group: "g", Consumer: "c", Streams: readNew(k)})
	if err != nil || len(got) != 1 || len(got[0].Entries) != n {
		t.Fatalf("TryReadGroup(count 0) = %d streams, %v; want all %d entries", len(got), err, n)
	}
	ps, err := s.Pending(k, instream.PendingArgs{Group: "g"})
	if err != nil || len(ps) != n || ps[n-1].ID != (instream.ID{Ms: n}) {
		t.Errorf("Pending(zero args) = %d entries, %v; want all %d", len(ps), err, n)
	}
	ps, err = s.Pending(k, instream.PendingArgs{Group: "g", Start: instream.ID{Ms: n - 9}})
	if err != nil || len(ps) != 10 {
		t.Errorf("Pending(from %d-0, zero End) = %d entries, %v; want 10", n-9, len(ps), err)
	}
	res, err := s.AutoClaim(k, instream.AutoClaimArgs{Group: "g", Consumer: "d", JustID: true})
	if err != nil || len(res.Claimed) != n || !res.Next.IsZero() {
		t.Errorf("AutoClaim(count 0) = %d claimed, next %v, %v; want all %d, next 0-0", len(res.Claimed), res.Next, err, n)
	}
	ens, err := s.Range(k, instream.MinID, instream.MaxID, 0)
	if err != nil || len(ens) != n {
		t.Errorf("Range(count 0) = %d entries, %v; want %d", len(ens), err, n)
	}
	full, err := s.InfoFull(k, 0)
	if err != nil || len(full.Entries) != n || len(full.Groups) != 1 || len(full.Groups[0].PendingEntries) != n {
		t.Errorf("InfoFull(count 0) = %d entries, %v; want all %d, and all pending", len(full.Entries), err, n)
	}
}
