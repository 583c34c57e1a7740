package instream_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/instream/instream"
)

// argsEngine returns an engine with stream "s" holding 1-0 .. n-0 and
// group "g", whose consumer "c" holds every entry as pending, and an
// empty stream "t" with the same group.
func argsEngine(t *testing.T, n int) *instream.Engine {
	t.Helper()
	e, clk := newClockEngine(t)
	for i := 1; i <= n; i++ {
		add(t, e, "s", instream.ID{Ms: uint64(i)}.String())
	}
	mustCreateGroup(t, e, "s", instream.GroupArgs{Group: "g"})
	mustCreateGroup(t, e, "t", instream.GroupArgs{Group: "g", MkStream: true})
	if _, err := e.TryReadGroup(instream.ReadGroupArgs{Group: "g", Consumer: "c",
		Streams: []instream.GroupStream{{Key: "s"}}}); err != nil {
		t.Fatal(err)
	}
	clk.Advance(time.Minute)
	return e
}

// Every call rejects a value that cannot mean what was written with
// ErrInvalidArgument, naming the field, and changes nothing.
func TestArgs_Invalid(t *testing.T) {
	neg := int64(-1)
	s := []instream.GroupStream{{Key: "s"}}
	tests := []struct {
		name  string
		field string // the error names it
		call  func(e *instream.Engine) error
	}{
		{"Range backwards", "start", func(e *instream.Engine) error {
			_, err := e.Range("s", id("5-0"), id("3-0"), 0)
			return err
		}},
		{"Range negative count", "count", func(e *instream.Engine) error {
			_, err := e.Range("s", instream.MinID, instream.MaxID, -1)
			return err
		}},
		{"RevRange with Range's bound order", "start", func(e *instream.Engine) error {
			_, err := e.RevRange("s", instream.MinID, instream.MaxID, 0)
			return err
		}},
		{"RevRange negative count", "count", func(e *instream.Engine) error {
			_, err := e.RevRange("s", instream.MaxID, instream.MinID, -1)
			return err
		}},
		{"Scan backwards", "start", func(e *instream.Engine) error {
			return e.Scan("s", instream.MaxID, instream.MinID, func(instream.ID, []instream.Field) bool { return true })
		}},
		{"DeleteEntries no IDs", "IDs", func(e *instream.Engine) error {
			_, err := e.DeleteEntries("s")
			return err
		}},
		{"DeleteStreams no keys", "keys", func(e *instream.Engine) error {
			_, err := e.DeleteStreams()
			return err
		}},
		{"Exists no keys", "keys", func(e *instream.Engine) error {
			_, err := e.Exists()
			return err
		}},
		{"Trim zero TrimArgs", "Strategy", func(e *instream.Engine) error {
			_, err := e.Trim("s", instream.TrimArgs{})
			return err
		}},
		{"Trim MaxLen without Strategy", "MaxLen", func(e *instream.Engine) error {
			_, err := e.Trim("s", instream.TrimArgs{MaxLen: 2})
			return err
		}},
		{"Add MaxLen without Strategy", "MaxLen", func(e *instream.Engine) error {
			_, err := e.Add("s", instream.AddArgs{Fields: fields("a", "1"), Trim: instream.TrimArgs{MaxLen: 2}})
			return err
		}},
		{"Add MinID without Strategy", "MinID", func(e *instream.Engine) error {
			_, err := e.Add("s", instream.AddArgs{Fields: fields("a", "1"), Trim: instream.TrimArgs{MinID: id("3-0")}})
			return err
		}},
		{"Add Approx without Strategy", "Approx", func(e *instream.Engine) error {
			_, err := e.Add("s", instream.AddArgs{Fields: fields("a", "1"), Trim: instream.TrimArgs{Approx: true}})
			return err
		}},
		{"Add Refs without Strategy", "Refs", func(e *instream.Engine) error {
			_, err := e.Add("s", instream.AddArgs{Fields: fields("a", "1"), Trim: instream.TrimArgs{Refs: instream.DelRef}})
			return err
		}},
		{"Add Seq with AutoSeq", "Seq", func(e *instream.Engine) error {
			_, err := e.Add("s", instream.AddArgs{ID: id("9-1"), AutoSeq: true, Fields: fields("a", "1")})
			return err
		}},
		{"InfoFull negative count", "count", func(e *instream.Engine) error {
			_, err := e.InfoFull("s", -1)
			return err
		}},
		{"TryRead negative Count", "Count", func(e *instream.Engine) error {
			_, err := e.TryRead(instream.ReadArgs{Streams: []instream.ReadStream{{Key: "s"}}, Count: -1})
			return err
		}},
		{"TryRead After with New", "After", func(e *instream.Engine) error {
			_, err := e.TryRead(instream.ReadArgs{Streams: []instream.ReadStream{{Key: "s", New: true, After: id("1-0")}}})
			return err
		}},
		{"TryRead After with Last", "After", func(e *instream.Engine) error {
			_, err := e.TryRead(instream.ReadArgs{Streams: []instream.ReadStream{{Key: "s", Last: true, After: id("1-0")}}})
			return err
		}},
		{"CreateGroup ID with FromEnd", "ID", func(e *instream.Engine) error {
			return e.CreateGroup("s", instream.GroupArgs{Group: "h", ID: id("1-0"), FromEnd: true})
		}},
		{"SetGroupID MkStream", "MkStream", func(e *instream.Engine) error {
			return e.SetGroupID("s", instream.GroupArgs{Group: "g", MkStream: true})
		}},
		{"CreateConsumer empty Consumer", "Consumer", func(e *instream.Engine) error {
			_, err := e.CreateConsumer("s", instream.ConsumerArgs{Group: "g"})
			return err
		}},
		{"DeleteConsumer empty Consumer", "Consumer", func(e *instream.Engine) error {
			_, err := e.DeleteConsumer("s", instream.ConsumerArgs{Group: "g"})
			return err
		}},
		{"TryReadGroup empty Consumer", "Consumer", func(e *instream.Engine) error {
			_, err := e.TryReadGroup(instream.ReadGroupArgs{Group: "g", Streams: s})
			return err
		}},
		{"TryReadGroup negative Count", "Count", func(e *instream.Engine) error {
			_, err := e.TryReadGroup(instream.ReadGroupArgs{Group: "g", Consumer: "d", Streams: s, Count: -1})
			return err
		}},
		{"TryReadGroup MinIdle without Claim", "MinIdle", func(e *instream.Engine) error {
			_, err := e.TryReadGroup(instream.ReadGroupArgs{Group: "g", Consumer: "d", Streams: s, MinIdle: time.Second})
			return err
		}},
		{"TryReadGroup After without History", "After", func(e *instream.Engine) error {
			_, err := e.TryReadGroup(instream.ReadGroupArgs{Group: "g", Consumer: "d",
				Streams: []instream.GroupStream{{Key: "s", After: id("1-0")}}})
			return err
		}},
		{"Ack no IDs", "IDs", func(e *instream.Engine) error {
			_, err := e.Ack("s", "g")
			return err
		}},
		{"Pending End below Start", "start", func(e *instream.Engine) error {
			_, err := e.Pending("s", instream.PendingArgs{Group: "g", Start: id("3-0"), End: id("2-0")})
			return err
		}},
		{"Pending negative Count", "Count", func(e *instream.Engine) error {
			_, err := e.Pending("s", instream.PendingArgs{Group: "g", Count: -1})
			return err
		}},
		{"Pending negative MinIdle", "MinIdle", func(e *instream.Engine) error {
			_, err := e.Pending("s", instream.PendingArgs{Group: "g", MinIdle: -time.Second})
			return err
		}},
		{"Pending Consumer without ByConsumer", "Consumer", func(e *instream.Engine) error {
			_, err := e.Pending("s", instream.PendingArgs{Group: "g", Consumer: "c"})
			return err
		}},
		{"Claim empty Consumer", "Consumer", func(e *instream.Engine) error {
			_, err := e.Claim("s", instream.ClaimArgs{Group: "g", IDs: []instream.ID{id("1-0")}})
			return err
		}},
		{"Claim negative MinIdle", "MinIdle", func(e *instream.Engine) error {
			_, err := e.Claim("s", instream.ClaimArgs{Group: "g", Consumer: "d", IDs: []instream.ID{id("1-0")}, MinIdle: -1})
			return err
		}},
		{"Claim negative Idle", "Idle", func(e *instream.Engine) error {
			_, err := e.Claim("s", instream.ClaimArgs{Group: "g", Consumer: "d", IDs: []instream.ID{id("1-0")}, Idle: -1})
			return err
		}},
		{"Claim Idle and Time", "Idle and Time", func(e *instream.Engine) error {
			_, err := e.Claim("s", instream.ClaimArgs{Group: "g", Consumer: "d", IDs: []instream.ID{id("1-0")},
				Idle: time.Second, Time: time.UnixMilli(1)})
			return err
		}},
		{"Claim negative RetryCount", "RetryCount", func(e *instream.Engine) error {
			_, err := e.Claim("s", instream.ClaimArgs{Group: "g", Consumer: "d", IDs: []instream.ID{id("1-0")}, RetryCount: &neg})
			return err
		}},
		{"AutoClaim empty Consumer", "Consumer", func(e *instream.Engine) error {
			_, err := e.AutoClaim("s", instream.AutoClaimArgs{Group: "g"})
			return err
		}},
		{"AutoClaim negative Count", "Count", func(e *instream.Engine) error {
			_, err := e.AutoClaim("s", instream.AutoClaimArgs{Group: "g", Consumer: "d", Count: -1})
			return err
		}},
		{"AutoClaim negative MinIdle", "MinIdle", func(e *instream.Engine) error {
			_, err := e.AutoClaim("s", instream.AutoClaimArgs{Group: "g", Consumer: "d", MinIdle: -1})
			return err
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := argsEngine(t, 3)
			before, err := e.InfoFull("s", 0)
			if err != nil {
				t.Fatal(err)
			}
			err = tt.call(e)
			if !errors.Is(err, instream.ErrInvalidArgument) || !strings.Contains(err.Error(), tt.field) {
				t.Fatalf("err = %v, want ErrInvalidArgument naming %s", err, tt.field)
			}
			after, err := e.InfoFull("s", 0)
			if err != nil || !sameFullInfo(before, after) {
				t.Errorf("the call changed the stream:\n%+v\n%+v", before, after)
			}
			check(t, e)
		})
	}
}

// sameFullInfo compares what a rejected call could have changed.
func sameFullInfo(a, b instream.StreamFullInfo) bool {
	if a.Length != b.Length || a.LastGeneratedID != b.LastGeneratedID || len(a.Groups) != len(b.Groups) {
		return false
	}
	for i := range a.Groups {
		ga, gb := a.Groups[i], b.Groups[i]
		if ga.Name != gb.Name || ga.Pending != gb.Pending || ga.Consumers != gb.Consumers ||
			ga.LastDeliveredID != gb.LastDeliveredID || len(ga.PendingEntries) != len(gb.PendingEntries) {
			return false
		}
		for j := range ga.PendingEntries {
			if ga.PendingEntries[j] != gb.PendingEntries[j] {
				return false
			}
		}
	}
	return true
}

// A zero value means the natural default: no limit, the whole range,
// every entry.
func TestArgs_ZeroMeansDefault(t *testing.T) {
	const n = 150 // more than XAUTOCLAIM's default COUNT of 100
	tests := []struct {
		name string
		call func(e *instream.Engine) (int, error) // how many entries it got
		want int
	}{
		{"Range count 0", func(e *instream.Engine) (int, error) {
			got, err := e.Range("s", instream.MinID, instream.MaxID, 0)
			return len(got), err
		}, n},
		{"InfoFull count 0", func(e *instream.Engine) (int, error) {
			got, err := e.InfoFull("s", 0)
			return len(got.Entries), err
		}, n},
		{"TryRead zero ReadArgs but the key", func(e *instream.Engine) (int, error) {
			got, err := e.TryRead(instream.ReadArgs{Streams: []instream.ReadStream{{Key: "s"}}})
			return len(got[0].Entries), err
		}, n},
		{"Pending zero PendingArgs but the group", func(e *instream.Engine) (int, error) {
			got, err := e.Pending("s", instream.PendingArgs{Group: "g"})
			return len(got), err
		}, n},
		{"Pending zero End from Start", func(e *instream.Engine) (int, error) {
			got, err := e.Pending("s", instream.PendingArgs{Group: "g", Start: instream.ID{Ms: 101}})
			return len(got), err
		}, n - 100},
		{"AutoClaim Count 0", func(e *instream.Engine) (int, error) {
			res, err := e.AutoClaim("s", instream.AutoClaimArgs{Group: "g", Consumer: "d"})
			if err == nil && !res.Next.IsZero() {
				t.Errorf("AutoClaim Count 0: Next = %v, want 0-0 (the end of the list)", res.Next)
			}
			return len(res.Claimed), err
		}, n},
		{"history read Count 0", func(e *instream.Engine) (int, error) {
			got, err := e.TryReadGroup(instream.ReadGroupArgs{Group: "g", Consumer: "c",
				Streams: []instream.GroupStream{{Key: "s", History: true}}})
			return len(got[0].Entries), err
		}, n},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := argsEngine(t, n)
			got, err := tt.call(e)
			if err != nil || got != tt.want {
				t.Errorf("got %d entries, %v; want %d", got, err, tt.want)
			}
			check(t, e)
		})
	}
}

// The AutoClaim budgets cannot overflow, whatever Count is.
func TestArgs_AutoClaimHugeCount(t *testing.T) {
	e := argsEngine(t, 3)
	for _, start := range []instream.ID{instream.MinID, id("2-0"), id("9-0")} {
		res, err := e.AutoClaim("s", instream.AutoClaimArgs{Group: "g", Consumer: "d", Count: 1<<63 - 1, Start: start})
		if err != nil || !res.Next.IsZero() {
			t.Errorf("AutoClaim from %v with the largest Count = %+v, %v", start, res, err)
		}
	}
	check(t, e)
}
