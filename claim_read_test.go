package instream_test

import (
	"errors"
	"testing"
	"time"

	"github.com/instream/instream"
)

func TestEngine_TryReadGroup_claim(t *testing.T) {
	e, clk := newClockEngine(t)
	for _, s := range []string{"1-0", "2-0"} {
		if _, err := e.Add("s", instream.AddArgs{ID: id(s), Fields: fields("f", s)}); err != nil {
			t.Fatal(err)
		}
	}
	mustCreateGroup(t, e, "s", instream.GroupArgs{Group: "g"})
	read := func(args instream.ReadGroupArgs) []instream.GroupEntries {
		t.Helper()
		args.Group = "g"
		res, err := e.TryReadGroup(args)
		if err != nil {
			t.Fatal(err)
		}
		check(t, e)
		return res
	}
	s := []instream.GroupStream{{Key: "s"}}
	read(instream.ReadGroupArgs{Consumer: "a", Count: 1, Streams: s})
	clk.Advance(70 * time.Millisecond)

	res := read(instream.ReadGroupArgs{Consumer: "b", Claim: true, MinIdle: 50 * time.Millisecond, Streams: s})
	want := []instream.GroupEntry{
		{Entry: instream.Entry{ID: id("1-0"), Fields: fields("f", "1-0")}, Claimed: true, Idle: 70 * time.Millisecond, Deliveries: 1},
		{Entry: instream.Entry{ID: id("2-0"), Fields: fields("f", "2-0")}},
	}
	if len(res) != 1 || !res[0].Claim || len(res[0].Entries) != 2 {
		t.Fatalf("claim read = %+v, want one claim-mode stream with 2 entries", res)
	}
	for i, en := range res[0].Entries {
		w := want[i]
		if en.ID != w.ID || en.Claimed != w.Claimed || en.Idle != w.Idle || en.Deliveries != w.Deliveries || len(en.Fields) != 1 || en.Fields[0] != w.Fields[0] {
			t.Errorf("entry %d = %+v, want %+v", i, en, w)
		}
	}
	// History ignores Claim: not claim mode, and b's own entries.
	res = read(instream.ReadGroupArgs{Consumer: "b", Claim: true, Streams: []instream.GroupStream{{Key: "s", History: true}}})
	if len(res) != 1 || res[0].Claim || len(res[0].Entries) != 2 || res[0].Entries[0].Claimed {
		t.Errorf("history read with Claim = %+v, want b's 2 entries, not in claim mode", res)
	}
	if _, err := e.TryReadGroup(instream.ReadGroupArgs{Group: "g", Consumer: "b", Claim: true, MinIdle: -time.Millisecond, Streams: s}); !errors.Is(err, instream.ErrInvalidArgument) {
		t.Errorf("negative MinIdle: err %v, want ErrInvalidArgument", err)
	}
	// Without Claim, MinIdle would mean nothing.
	if _, err := e.TryReadGroup(instream.ReadGroupArgs{Group: "g", Consumer: "b", MinIdle: time.Millisecond, Streams: s}); !errors.Is(err, instream.ErrInvalidArgument) {
		t.Errorf("MinIdle without Claim: err %v, want ErrInvalidArgument", err)
	}
}
