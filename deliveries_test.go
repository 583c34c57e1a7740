package instream_test

import (
	"testing"
	"time"

	"github.com/instream/instream"
)

// delivery is what a test expects of a handed-over entry.
type delivery struct {
	id         string
	claimed    bool
	deleted    bool
	idle       time.Duration
	deliveries int64
}

func checkDeliveries(t *testing.T, what string, got []instream.GroupEntry, want []delivery) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: %d entries %+v, want %d", what, len(got), got, len(want))
	}
	for i, w := range want {
		g := got[i]
		if g.ID != id(w.id) || g.Claimed != w.claimed || g.Deleted != w.deleted || g.Idle != w.idle || g.Deliveries != w.deliveries {
			t.Errorf("%s: entry %d = %v claimed %v deleted %v idle %v deliveries %d; want %+v",
				what, i, g.ID, g.Claimed, g.Deleted, g.Idle, g.Deliveries, w)
		}
	}
}

// Claim, AutoClaim and history reads report each entry's idle time and
// delivery count before the delivery, as a CLAIM read does.
func TestDeliveries(t *testing.T) {
	e, clk := newClockEngine(t)
	add(t, e, "s", "1-0", "2-0", "3-0", "4-0")
	mustCreateGroup(t, e, "s", instream.GroupArgs{Group: "g"})
	read := instream.ReadGroupArgs{Group: "g", Consumer: "c", Count: 3, Streams: []instream.GroupStream{{Key: "s"}}}
	got, err := e.TryReadGroup(read)
	if err != nil {
		t.Fatal(err)
	}
	checkDeliveries(t, "new entries", got[0].Entries, []delivery{{"1-0", false, false, 0, 0}, {"2-0", false, false, 0, 0}, {"3-0", false, false, 0, 0}})

	clk.Advance(5 * time.Second)
	history := instream.ReadGroupArgs{Group: "g", Consumer: "c", Streams: []instream.GroupStream{{Key: "s", History: true}}}
	if got, err = e.TryReadGroup(history); err != nil {
		t.Fatal(err)
	}
	checkDeliveries(t, "history", got[0].Entries, []delivery{{"1-0", false, false, 5 * time.Second, 1}, {"2-0", false, false, 5 * time.Second, 1}, {"3-0", false, false, 5 * time.Second, 1}})

	clk.Advance(3 * time.Second)
	ens, err := e.Claim("s", instream.ClaimArgs{Group: "g", Consumer: "d", IDs: []instream.ID{id("1-0"), id("4-0")}, Force: true})
	if err != nil {
		t.Fatal(err)
	}
	// 4-0 was never delivered: Force makes it pending with nothing before.
	checkDeliveries(t, "claim", ens, []delivery{{"1-0", true, false, 3 * time.Second, 2}, {"4-0", true, false, 0, 0}})
	if ens[0].Fields == nil {
		t.Errorf("claim without JustID returned no fields")
	}

	clk.Advance(time.Second)
	if _, err := e.DeleteEntries("s", id("3-0")); err != nil {
		t.Fatal(err)
	}
	res, err := e.AutoClaim("s", instream.AutoClaimArgs{Group: "g", Consumer: "x", MinIdle: 2 * time.Second, JustID: true})
	if err != nil {
		t.Fatal(err)
	}
	// 1-0 and 4-0 were claimed a second ago; 3-0 is gone.
	checkDeliveries(t, "auto claim", res.Claimed, []delivery{{"2-0", true, false, 4 * time.Second, 2}})
	if len(res.Deleted) != 1 || res.Deleted[0] != id("3-0") || res.Claimed[0].Fields != nil {
		t.Errorf("auto claim = %+v, want 3-0 deleted and IDs only", res)
	}

	// A history entry whose stream entry is gone keeps its record's counts.
	if _, err := e.DeleteEntries("s", id("2-0")); err != nil {
		t.Fatal(err)
	}
	clk.Advance(time.Second)
	history.Consumer = "x"
	if got, err = e.TryReadGroup(history); err != nil {
		t.Fatal(err)
	}
	checkDeliveries(t, "history of a deleted entry", got[0].Entries, []delivery{{"2-0", false, true, time.Second, 2}})
	check(t, e)
}

func TestEntry_Get(t *testing.T) {
	en := instream.Entry{ID: id("1-0"), Fields: fields("job", "resize", "", "empty name", "job", "second")}
	tests := []struct {
		name, want string
		ok         bool
	}{
		{"job", "resize", true}, // the first of two
		{"", "empty name", true},
		{"size", "", false},
	}
	for _, tt := range tests {
		if got, ok := en.Get(tt.name); got != tt.want || ok != tt.ok {
			t.Errorf("Get(%q) = %q, %v; want %q, %v", tt.name, got, ok, tt.want, tt.ok)
		}
	}
	if _, ok := (instream.Entry{}).Get(""); ok {
		t.Errorf("Get on an entry without fields found a field")
	}
}
