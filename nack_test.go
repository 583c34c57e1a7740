package instream_test

import (
	"errors"
	"math"
	"testing"
	"testing/synctest"
	"time"

	"github.com/instream/instream"
)

// nackEngine returns an engine whose stream s has entries 1-0..3-0, all
// pending for consumer c of group g.
func nackEngine(t *testing.T) *instream.Engine {
	t.Helper()
	e, _ := newClockEngine(t)
	add(t, e, "s", "1-0", "2-0", "3-0")
	mustCreateGroup(t, e, "s", instream.GroupArgs{Group: "g"})
	if _, err := e.TryReadGroup(instream.ReadGroupArgs{Group: "g", Consumer: "c",
		Streams: []instream.GroupStream{{Key: "s"}}}); err != nil {
		t.Fatal(err)
	}
	return e
}

func TestEngine_Nack_errors(t *testing.T) {
	neg := int64(-1)
	tests := []struct {
		name string
		key  string
		args instream.NackArgs
		want error
	}{
		{"no IDs", "s", instream.NackArgs{Group: "g"}, instream.ErrInvalidArgument},
		{"unknown mode", "s", instream.NackArgs{Group: "g", Mode: 3, IDs: []instream.ID{id("1-0")}}, instream.ErrInvalidArgument},
		{"negative RetryCount", "s", instream.NackArgs{Group: "g", IDs: []instream.ID{id("1-0")}, RetryCount: &neg}, instream.ErrInvalidArgument},
		{"missing stream", "nokey", instream.NackArgs{Group: "g", IDs: []instream.ID{id("1-0")}}, instream.ErrNoGroup},
		{"missing group", "s", instream.NackArgs{Group: "nog", IDs: []instream.ID{id("1-0")}}, instream.ErrNoGroup},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := nackEngine(t)
			n, err := e.Nack(tt.key, tt.args)
			if !errors.Is(err, tt.want) || n != 0 {
				t.Fatalf("Nack(%q, %+v) = %d, %v; want 0, %v", tt.key, tt.args, n, err, tt.want)
			}
			if got, want := pendingOwners(t, e, "s"), "1-0:c 2-0:c 3-0:c "; got != want {
				t.Errorf("pending after a failed Nack = %q, want %q", got, want)
			}
			check(t, e)
		})
	}
	e := nackEngine(t)
	e.Close()
	if _, err := e.Nack("s", instream.NackArgs{Group: "g", IDs: []instream.ID{id("1-0")}}); !errors.Is(err, instream.ErrClosed) {
		t.Errorf("Nack on a closed engine: %v, want ErrClosed", err)
	}
}

// Each mode's count, the NACK zone's order as a claim read sees it, and
// the pending list and group info on the way.
func TestEngine_Nack_modes(t *testing.T) {
	e := nackEngine(t)
	five := int64(5)
	steps := []struct {
		args instream.NackArgs
		want int64
	}{
		{instream.NackArgs{Group: "g", Mode: instream.NackSilent, IDs: []instream.ID{id("1-0"), id("2-0")}}, 2},
		{instream.NackArgs{Group: "g", Mode: instream.NackFatal, IDs: []instream.ID{id("3-0")}}, 1},
		{instream.NackArgs{Group: "g", IDs: []instream.ID{id("9-0")}}, 0},
		{instream.NackArgs{Group: "g", IDs: []instream.ID{id("2-0")}, RetryCount: &five}, 1},
	}
	for _, st := range steps {
		if n, err := e.Nack("s", st.args); err != nil || n != st.want {
			t.Fatalf("Nack(%+v) = %d, %v; want %d", st.args, n, err, st.want)
		}
		check(t, e)
	}
	list, err := e.Pending("s", instream.PendingArgs{Group: "g"})
	if err != nil {
		t.Fatal(err)
	}
	want := []instream.PendingEntry{
		{ID: id("1-0"), Deliveries: 0, Nacked: true},
		{ID: id("2-0"), Deliveries: 5, Nacked: true},
		{ID: id("3-0"), Deliveries: math.MaxInt64, Nacked: true},
	}
	for i := range want {
		if i >= len(list) || list[i] != want[i] {
			t.Fatalf("Pending = %+v, want %+v", list, want)
		}
	}
	gi, err := e.Group("s", "g")
	if err != nil || gi.Nacked != 3 || gi.Pending != 3 {
		t.Fatalf("Group = %+v, %v; want 3 pending, 3 nacked", gi, err)
	}
	res, err := e.TryReadGroup(instream.ReadGroupArgs{Group: "g", Consumer: "d", Count: 3, Claim: true,
		MinIdle: time.Hour, Streams: []instream.GroupStream{{Key: "s"}}})
	if err != nil || len(res) != 1 {
		t.Fatalf("claim read = %v, %v", res, err)
	}
	var got []string
	for _, en := range res[0].Entries {
		if !en.Nacked || en.Idle != 0 {
			t.Errorf("claimed %v: Nacked %v, Idle %v; want true, 0", en.ID, en.Nacked, en.Idle)
		}
		got = append(got, en.ID.String())
	}
	if s := fmtList(got); s != "1-0 3-0 2-0" {
		t.Errorf("claim read order = %s, want the NACK order 1-0 3-0 2-0", s)
	}
	if gi, _ := e.Group("s", "g"); gi.Nacked != 0 {
		t.Errorf("Nacked after the claim = %d, want 0", gi.Nacked)
	}
	// FATAL's count does not overflow when claimed again.
	ps, _ := e.Pending("s", instream.PendingArgs{Group: "g", Start: id("3-0"), End: id("3-0")})
	if len(ps) != 1 || ps[0].Deliveries != math.MaxInt64 {
		t.Errorf("3-0 after its claim: %+v, want count MaxInt64", ps)
	}
	check(t, e)
}

func fmtList(xs []string) string {
	s := ""
	for i, x := range xs {
		if i > 0 {
			s += " "
		}
		s += x
	}
	return s
}

// Nack wakes a blocked CLAIM read of the group at once (the engine's
// choice; Redis 8.8 leaves it open), not a plain group read.
func TestEngine_Nack_wakesClaimReader(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e := groupEngine(t)
		rdAdd(t, e, "s", "1-0")
		if _, err := e.TryReadGroup(instream.ReadGroupArgs{Group: "g", Consumer: "c",
			Streams: []instream.GroupStream{{Key: "s"}}}); err != nil {
			t.Fatal(err)
		}
		plain := goReadGroup(t.Context(), e, "p", 0, "s")
		claim := goClaimRead(t.Context(), e, "d", time.Hour)
		synctest.Wait()
		time.Sleep(10 * time.Millisecond)
		if n, err := e.Nack("s", instream.NackArgs{Group: "g", IDs: []instream.ID{id("1-0")}}); n != 1 || err != nil {
			t.Fatalf("Nack = %d, %v", n, err)
		}
		r := waitGroupRead(t, claim)
		if r.err != nil || len(r.res) != 1 || len(r.res[0].Entries) != 1 || !r.res[0].Entries[0].Nacked {
			t.Fatalf("claim reader got %+v, want 1-0 nacked", r)
		}
		if !stillBlocked(plain) {
			t.Error("a plain group read returned on Nack")
		}
		if got, want := pendingOwners(t, e, "s"), "1-0:d "; got != want {
			t.Errorf("pending = %q, want %q", got, want)
		}
		check(t, e)
	})
}
