package instream_test

import (
	"errors"
	"math"
	"reflect"
	"testing"
	"time"

	"github.com/instream/instream"
)

// t0 is the manual clock's start: 1700000000000 ms.
var t0 = time.UnixMilli(1_700_000_000_000)

// newClockEngine returns an engine on a manual clock at t0, closed when the
// test ends.
func newClockEngine(t testing.TB) (*instream.Engine, *instream.ManualClock) {
	t.Helper()
	clk := instream.NewManualClock(t0)
	e := instream.New(instream.Options{Clock: clk})
	t.Cleanup(func() { e.Close() })
	return e, clk
}

func id(s string) instream.ID { return instream.MustParseID(s) }

func fields(kv ...string) []instream.Field {
	var fs []instream.Field
	for i := 0; i+1 < len(kv); i += 2 {
		fs = append(fs, instream.Field{Name: kv[i], Value: kv[i+1]})
	}
	return fs
}

// add adds entries with the given IDs, each with the field f=<id>.
func add(t testing.TB, e *instream.Engine, key string, ids ...string) {
	t.Helper()
	for _, s := range ids {
		if _, err := e.Add(key, instream.AddArgs{ID: id(s), Fields: fields("f", s)}); err != nil {
			t.Fatalf("Add(%q, %s): %v", key, s, err)
		}
	}
	check(t, e)
}

func check(t testing.TB, e *instream.Engine) {
	t.Helper()
	if err := instream.Check(e); err != nil {
		t.Fatalf("Check: %v", err)
	}
}

func mustCreateGroup(t testing.TB, e *instream.Engine, key string, args instream.GroupArgs) {
	t.Helper()
	if err := e.CreateGroup(key, args); err != nil {
		t.Fatalf("CreateGroup(%q, %+v): %v", key, args, err)
	}
	check(t, e)
}

// readIDs reads as a group and returns the IDs per stream, "<id>!" for a
// deleted history entry.
func readIDs(t testing.TB, e *instream.Engine, args instream.ReadGroupArgs) map[string][]string {
	t.Helper()
	res, err := e.TryReadGroup(args)
	if err != nil {
		t.Fatalf("TryReadGroup(%+v): %v", args, err)
	}
	check(t, e)
	if res == nil {
		return nil
	}
	out := map[string][]string{}
	for _, ge := range res {
		ids := []string{}
		for _, en := range ge.Entries {
			s := en.ID.String()
			if en.Deleted {
				s += "!"
				if en.Fields != nil {
					t.Errorf("deleted entry %v has fields %v", en.ID, en.Fields)
				}
			} else if len(en.Fields) != 1 || en.Fields[0].Value != en.ID.String() {
				t.Errorf("entry %v has fields %v", en.ID, en.Fields)
			}
			ids = append(ids, s)
		}
		out[ge.Key] = ids
	}
	return out
}

func TestTryReadGroup(t *testing.T) {
	e, _ := newClockEngine(t)
	add(t, e, "s", "1-0", "2-0", "3-0")
	add(t, e, "t", "5-0")
	mustCreateGroup(t, e, "s", instream.GroupArgs{Group: "g"})
	mustCreateGroup(t, e, "t", instream.GroupArgs{Group: "g"})
	steps := []struct {
		name string
		args instream.ReadGroupArgs
		want map[string][]string
	}{
		{"new count 2", instream.ReadGroupArgs{Group: "g", Consumer: "a", Count: 2,
			Streams: []instream.GroupStream{{Key: "s"}}}, map[string][]string{"s": {"1-0", "2-0"}}},
		{"two streams", instream.ReadGroupArgs{Group: "g", Consumer: "b",
			Streams: []instream.GroupStream{{Key: "s"}, {Key: "t"}}}, map[string][]string{"s": {"3-0"}, "t": {"5-0"}}},
		{"nothing new", instream.ReadGroupArgs{Group: "g", Consumer: "a",
			Streams: []instream.GroupStream{{Key: "s"}, {Key: "t"}}}, nil},
		{"history", instream.ReadGroupArgs{Group: "g", Consumer: "a",
			Streams: []instream.GroupStream{{Key: "s", History: true}}}, map[string][]string{"s": {"1-0", "2-0"}}},
		{"history after", instream.ReadGroupArgs{Group: "g", Consumer: "a",
			Streams: []instream.GroupStream{{Key: "s", History: true, After: id("1-0")}}}, map[string][]string{"s": {"2-0"}}},
		{"history count", instream.ReadGroupArgs{Group: "g", Consumer: "b", Count: 1,
			Streams: []instream.GroupStream{{Key: "t", History: true}, {Key: "s", History: true}}}, map[string][]string{"s": {"3-0"}, "t": {"5-0"}}},
		{"empty history", instream.ReadGroupArgs{Group: "g", Consumer: "c",
			Streams: []instream.GroupStream{{Key: "s", History: true}}}, map[string][]string{"s": {}}},
	}
	for _, st := range steps {
		got := readIDs(t, e, st.args)
		if !reflect.DeepEqual(got, st.want) {
			t.Errorf("%s: TryReadGroup = %v, want %v", st.name, got, st.want)
		}
	}
	_, err := e.TryReadGroup(instream.ReadGroupArgs{Group: "g", Consumer: "a",
		Streams: []instream.GroupStream{{Key: "s"}, {Key: "nope"}}})
	if !errors.Is(err, instream.ErrNoGroup) {
		t.Errorf("TryReadGroup on a missing stream: err = %v, want ErrNoGroup", err)
	}
	var ge *instream.GroupError
	if !errors.As(err, &ge) || *ge != (instream.GroupError{Op: "read", Key: "nope", Group: "g", Err: instream.ErrNoGroup}) {
		t.Errorf("TryReadGroup on a missing stream: err = %#v, want a GroupError naming the stream", err)
	}
}

func TestEngine_Group(t *testing.T) {
	e, _ := newClockEngine(t)
	add(t, e, "s", "1-0", "2-0")
	mustCreateGroup(t, e, "s", instream.GroupArgs{Group: "g", ID: id("1-0")})
	if _, err := e.TryReadGroup(instream.ReadGroupArgs{Group: "g", Consumer: "c",
		Streams: []instream.GroupStream{{Key: "s"}}}); err != nil {
		t.Fatal(err)
	}
	got, err := e.Group("s", "g")
	want := instream.GroupInfo{Name: "g", Consumers: 1, Pending: 1, LastDeliveredID: id("2-0"),
		EntriesRead: 2, Lag: 0, LagKnown: true}
	if err != nil || got != want {
		t.Errorf("Group(s, g) = %+v, %v; want %+v", got, err, want)
	}
	if all, _ := e.Groups("s"); len(all) != 1 || all[0] != got {
		t.Errorf("Groups(s) = %+v, want [%+v]", all, got)
	}
	for _, c := range []struct {
		key, group string
		err        error
	}{
		{"s", "h", instream.ErrNoGroup},
		{"t", "g", instream.ErrNoStream},
	} {
		if _, err := e.Group(c.key, c.group); !errors.Is(err, c.err) {
			t.Errorf("Group(%s, %s): err = %v, want %v", c.key, c.group, err, c.err)
		}
	}
}

func TestGroupErrors(t *testing.T) {
	e, _ := newClockEngine(t)
	add(t, e, "s", "1-0")
	mustCreateGroup(t, e, "s", instream.GroupArgs{Group: "g"})
	neg := int64(-2)
	tests := []struct {
		name string
		call func() error
		want error
	}{
		{"CreateGroup no stream", func() error { return e.CreateGroup("nope", instream.GroupArgs{Group: "g"}) }, instream.ErrNoStream},
		{"CreateGroup exists", func() error { return e.CreateGroup("s", instream.GroupArgs{Group: "g"}) }, instream.ErrGroupExists},
		{"CreateGroup EntriesRead", func() error {
			return e.CreateGroup("s", instream.GroupArgs{Group: "h", EntriesRead: &neg})
		}, instream.ErrInvalidArgument},
		{"SetGroupID no group", func() error { return e.SetGroupID("s", instream.GroupArgs{Group: "h"}) }, instream.ErrNoGroup},
		{"SetGroupID no stream", func() error { return e.SetGroupID("nope", instream.GroupArgs{Group: "g"}) }, instream.ErrNoStream},
		{"DestroyGroup no stream", func() error { _, err := e.DestroyGroup("nope", "g"); return err }, instream.ErrNoStream},
		{"CreateConsumer no group", func() error {
			_, err := e.CreateConsumer("s", instream.ConsumerArgs{Group: "h", Consumer: "c"})
			return err
		}, instream.ErrNoGroup},
		{"DeleteConsumer no stream", func() error {
			_, err := e.DeleteConsumer("nope", instream.ConsumerArgs{Group: "g", Consumer: "c"})
			return err
		}, instream.ErrNoStream},
		{"TryReadGroup no streams", func() error {
			_, err := e.TryReadGroup(instream.ReadGroupArgs{Group: "g", Consumer: "c"})
			return err
		}, instream.ErrInvalidArgument},
		{"TryReadGroup no group", func() error {
			_, err := e.TryReadGroup(instream.ReadGroupArgs{Group: "h", Consumer: "c", Streams: []instream.GroupStream{{Key: "s"}}})
			return err
		}, instream.ErrNoGroup},
		{"PendingSummary no stream", func() error { _, err := e.PendingSummary("nope", "g"); return err }, instream.ErrNoGroup},
		{"Pending no group", func() error { _, err := e.Pending("s", instream.PendingArgs{Group: "h"}); return err }, instream.ErrNoGroup},
		{"Claim no group", func() error { _, err := e.Claim("s", instream.ClaimArgs{Group: "h", Consumer: "c"}); return err }, instream.ErrNoGroup},
		{"AutoClaim no stream", func() error {
			_, err := e.AutoClaim("nope", instream.AutoClaimArgs{Group: "g", Consumer: "c"})
			return err
		}, instream.ErrNoGroup},
		{"AutoClaim negative count", func() error {
			_, err := e.AutoClaim("s", instream.AutoClaimArgs{Group: "g", Consumer: "c", Count: -1})
			return err
		}, instream.ErrInvalidArgument},
		{"Groups no stream", func() error { _, err := e.Groups("nope"); return err }, instream.ErrNoStream},
		{"Consumers no group", func() error { _, err := e.Consumers("s", "h"); return err }, instream.ErrNoGroup},
		{"InfoFull no stream", func() error { _, err := e.InfoFull("nope", 0); return err }, instream.ErrNoStream},
		{"Ack no stream", func() error { _, err := e.Ack("nope", "g", id("1-0")); return err }, instream.ErrNoGroup},
		{"Ack no group", func() error { _, err := e.Ack("s", "h", id("1-0")); return err }, instream.ErrNoGroup},
	}
	for _, tt := range tests {
		if err := tt.call(); !errors.Is(err, tt.want) {
			t.Errorf("%s: err = %v, want %v", tt.name, err, tt.want)
		}
		check(t, e)
	}
}

// A read that fails on a later stream changes nothing on the earlier ones.
func TestTryReadGroupAllOrNothing(t *testing.T) {
	e, _ := newClockEngine(t)
	add(t, e, "s", "1-0")
	mustCreateGroup(t, e, "s", instream.GroupArgs{Group: "g"})
	_, err := e.TryReadGroup(instream.ReadGroupArgs{Group: "g", Consumer: "c",
		Streams: []instream.GroupStream{{Key: "s"}, {Key: "t"}}})
	if !errors.Is(err, instream.ErrNoGroup) {
		t.Fatalf("TryReadGroup = %v, want ErrNoGroup", err)
	}
	gs, _ := e.Groups("s")
	if gs[0].Consumers != 0 || gs[0].Pending != 0 || !gs[0].LastDeliveredID.IsZero() {
		t.Errorf("after a failed read: %+v, want the group untouched", gs[0])
	}
}

func TestClosedEngine(t *testing.T) {
	e, _ := newClockEngine(t)
	add(t, e, "s", "1-0")
	mustCreateGroup(t, e, "s", instream.GroupArgs{Group: "g"})
	e.Close()
	calls := map[string]func() error{
		"CreateGroup": func() error { return e.CreateGroup("s", instream.GroupArgs{Group: "h"}) },
		"TryReadGroup": func() error {
			_, err := e.TryReadGroup(instream.ReadGroupArgs{Group: "g", Streams: []instream.GroupStream{{Key: "s"}}})
			return err
		},
		"Ack":       func() error { _, err := e.Ack("s", "g", id("1-0")); return err },
		"Claim":     func() error { _, err := e.Claim("s", instream.ClaimArgs{Group: "g"}); return err },
		"AutoClaim": func() error { _, err := e.AutoClaim("s", instream.AutoClaimArgs{Group: "g"}); return err },
		"Pending":   func() error { _, err := e.Pending("s", instream.PendingArgs{Group: "g"}); return err },
		"Groups":    func() error { _, err := e.Groups("s"); return err },
		"InfoFull":  func() error { _, err := e.InfoFull("s", 0); return err },
	}
	for name, call := range calls {
		if err := call(); !errors.Is(err, instream.ErrClosed) {
			t.Errorf("%s after Close: %v, want ErrClosed", name, err)
		}
	}
}

func TestRefHooks(t *testing.T) {
	tests := []struct {
		name    string
		refs    instream.RefPolicy
		wantLen int64
		wantPEL int64
	}{
		// g1 has read and holds 1-0 and 2-0; g2 is at 1-0 with nothing pending.
		{"keepref", instream.KeepRef, 1, 2},
		{"delref", instream.DelRef, 1, 0},
		// Acked keeps all: 1-0 and 2-0 are pending in g1, 3-0 is not handed yet.
		{"acked", instream.Acked, 3, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e, _ := newClockEngine(t)
			add(t, e, "s", "1-0", "2-0", "3-0")
			mustCreateGroup(t, e, "s", instream.GroupArgs{Group: "g1"})
			mustCreateGroup(t, e, "s", instream.GroupArgs{Group: "g2", ID: id("1-0")})
			readIDs(t, e, instream.ReadGroupArgs{Group: "g1", Consumer: "c", Count: 2, Streams: []instream.GroupStream{{Key: "s"}}})
			if _, err := e.Trim("s", instream.TrimArgs{Strategy: instream.TrimMaxLen, MaxLen: 1, Refs: tt.refs}); err != nil {
				t.Fatal(err)
			}
			check(t, e)
			n, _ := e.Len("s")
			sum, _ := e.PendingSummary("s", "g1")
			if n != tt.wantLen || sum.Count != tt.wantPEL {
				t.Errorf("after trim: len %d, g1 pending %d; want %d, %d", n, sum.Count, tt.wantLen, tt.wantPEL)
			}
		})
	}
	// Acked trims what every group was handed and acknowledged.
	e, _ := newClockEngine(t)
	add(t, e, "s", "1-0", "2-0", "3-0")
	mustCreateGroup(t, e, "s", instream.GroupArgs{Group: "g"})
	readIDs(t, e, instream.ReadGroupArgs{Group: "g", Consumer: "c", Count: 2, Streams: []instream.GroupStream{{Key: "s"}}})
	if _, err := e.Ack("s", "g", id("1-0")); err != nil {
		t.Fatal(err)
	}
	if n, _ := e.Trim("s", instream.TrimArgs{Strategy: instream.TrimMinID, MinID: id("9-0"), Refs: instream.Acked}); n != 1 {
		t.Errorf("Acked trim removed %d, want 1 (only 1-0 is handed and acknowledged)", n)
	}
	check(t, e)
}

func TestAutoClaimHugeCount(t *testing.T) {
	e, _ := newClockEngine(t)
	add(t, e, "s", "1-0", "2-0")
	mustCreateGroup(t, e, "s", instream.GroupArgs{Group: "g"})
	readIDs(t, e, instream.ReadGroupArgs{Group: "g", Consumer: "a", Streams: []instream.GroupStream{{Key: "s"}}})
	res, err := e.AutoClaim("s", instream.AutoClaimArgs{Group: "g", Consumer: "b", Count: math.MaxInt, JustID: true})
	if err != nil || len(res.Claimed) != 2 || !res.Next.IsZero() {
		t.Errorf("AutoClaim(Count: MaxInt) = %+v, %v; want both claimed, Next 0-0", res, err)
	}
	check(t, e)
}

// TestPendingZeroID checks that 0-0, no entry's ID, is never pending, and
// that pending lists that empty and refill report only what was delivered.
func TestPendingZeroID(t *testing.T) {
	e, _ := newClockEngine(t)
	add(t, e, "s", "1-1", "2-1")
	mustCreateGroup(t, e, "s", instream.GroupArgs{Group: "g"})
	read := instream.ReadGroupArgs{Group: "g", Consumer: "c", Streams: []instream.GroupStream{{Key: "s"}}}
	for round := range 2 {
		if got := readIDs(t, e, read)["s"]; len(got) != 2 {
			t.Fatalf("round %d: read %v, want 2 entries", round, got)
		}
		if n, err := e.Ack("s", "g", instream.ID{}); n != 0 || err != nil {
			t.Errorf("round %d: Ack(0-0) = %d, %v; want 0, nil", round, n, err)
		}
		if _, err := e.Claim("s", instream.ClaimArgs{Group: "g", Consumer: "d", IDs: []instream.ID{{}}, Force: true}); err != nil {
			t.Fatal(err)
		}
		for _, byConsumer := range []bool{false, true} {
			pa := instream.PendingArgs{Group: "g", End: instream.MaxID, Count: 10}
			if byConsumer {
				pa.ByConsumer, pa.Consumer = true, "c"
			}
			list, err := e.Pending("s", pa)
			if err != nil || len(list) != 2 || list[0].ID != id("1-1") || list[1].ID != id("2-1") {
				t.Errorf("round %d: Pending(0-0, +, by consumer %v) = %v, %v; want 1-1 and 2-1", round, byConsumer, list, err)
			}
		}
		sum, err := e.PendingSummary("s", "g")
		if err != nil || sum.Count != 2 || sum.Lowest != id("1-1") || sum.Highest != id("2-1") ||
			len(sum.Consumers) != 1 || sum.Consumers[0] != (instream.ConsumerPending{Name: "c", Count: 2}) {
			t.Errorf("round %d: PendingSummary = %+v, %v; want 2 pending 1-1..2-1, all c's", round, sum, err)
		}
		hist := read
		hist.Streams = []instream.GroupStream{{Key: "s", History: true}}
		if got := readIDs(t, e, hist)["s"]; len(got) != 2 || got[0] != "1-1" {
			t.Errorf("round %d: history read %v, want 1-1 and 2-1", round, got)
		}
		if n, err := e.Ack("s", "g", id("1-1"), id("2-1")); n != 2 || err != nil {
			t.Fatalf("round %d: Ack = %d, %v; want 2", round, n, err)
		}
		sum, err = e.PendingSummary("s", "g")
		if err != nil || sum.Count != 0 || !sum.Lowest.IsZero() || !sum.Highest.IsZero() || len(sum.Consumers) != 0 {
			t.Errorf("round %d: PendingSummary after ack = %+v, %v; want empty", round, sum, err)
		}
		check(t, e)
		if err := e.SetGroupID("s", instream.GroupArgs{Group: "g"}); err != nil {
			t.Fatal(err)
		}
	}
}
