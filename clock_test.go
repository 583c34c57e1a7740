package instream_test

import (
	"sync"
	"testing"
	"time"

	"github.com/instream/instream"
)

func TestManualClock(t *testing.T) {
	c := instream.NewManualClock(t0)
	if got := c.Now(); !got.Equal(t0) {
		t.Fatalf("Now() = %v, want %v", got, t0)
	}
	c.Advance(1500 * time.Millisecond)
	if got, want := c.Now(), t0.Add(1500*time.Millisecond); !got.Equal(want) {
		t.Errorf("after Advance(1.5s): Now() = %v, want %v", got, want)
	}
	c.Advance(-time.Second)
	if got, want := c.Now(), t0.Add(500*time.Millisecond); !got.Equal(want) {
		t.Errorf("after Advance(-1s): Now() = %v, want %v", got, want)
	}
	later := time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)
	c.Set(later)
	if got := c.Now(); !got.Equal(later) {
		t.Errorf("after Set: Now() = %v, want %v", got, later)
	}

	// Concurrent use (run with -race): 100 advances of 1 ms add up.
	c.Set(t0)
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			for range 25 {
				c.Advance(time.Millisecond)
				_ = c.Now()
			}
		})
	}
	wg.Wait()
	if got, want := c.Now(), t0.Add(100*time.Millisecond); !got.Equal(want) {
		t.Errorf("after concurrent advances: Now() = %v, want %v", got, want)
	}
}

// The engine reads its clock through Options.Now: generated IDs and idle
// times follow the manual clock.
func TestManualClockDrivesEngine(t *testing.T) {
	e, clk := newClockEngine(t)
	id1, err := e.Add("s", instream.AddArgs{Fields: fields("f", "v")})
	if err != nil || id1 != (instream.ID{Ms: uint64(t0.UnixMilli())}) {
		t.Fatalf("Add = %v, %v; want %d-0", id1, err, t0.UnixMilli())
	}
	mustCreateGroup(t, e, "s", instream.GroupArgs{Group: "g"})
	if _, err := e.TryReadGroup(instream.ReadGroupArgs{Group: "g", Consumer: "c",
		Streams: []instream.GroupStream{{Key: "s"}}}); err != nil {
		t.Fatal(err)
	}
	clk.Advance(42 * time.Millisecond)
	list, err := e.Pending("s", instream.PendingArgs{Group: "g", End: instream.MaxID, Count: 1})
	if err != nil || len(list) != 1 || list[0].Idle != 42*time.Millisecond {
		t.Errorf("Pending = %+v, %v; want one entry idle 42ms", list, err)
	}
}
