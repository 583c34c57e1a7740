package instream_test

import (
	"errors"
	"strings"
	"testing"
	"testing/synctest"

	"github.com/instream/instream"
)

func TestEngine_readCaps_invalid(t *testing.T) {
	e, _ := newClockEngine(t)
	add(t, e, "s", "1-0")
	mustCreateGroup(t, e, "s", instream.GroupArgs{Group: "g"})
	for _, c := range []struct{ maxCount, maxSize int }{{-1, 0}, {0, -1}} {
		_, err := e.TryRead(instream.ReadArgs{Streams: []instream.ReadStream{{Key: "s"}},
			MaxCount: c.maxCount, MaxSize: c.maxSize})
		if !errors.Is(err, instream.ErrInvalidArgument) {
			t.Errorf("TryRead with MaxCount %d MaxSize %d: %v, want ErrInvalidArgument", c.maxCount, c.maxSize, err)
		}
		_, err = e.TryReadGroup(instream.ReadGroupArgs{Group: "g", Consumer: "c",
			Streams: []instream.GroupStream{{Key: "s"}}, MaxCount: c.maxCount, MaxSize: c.maxSize})
		if !errors.Is(err, instream.ErrInvalidArgument) {
			t.Errorf("TryReadGroup with MaxCount %d MaxSize %d: %v, want ErrInvalidArgument", c.maxCount, c.maxSize, err)
		}
	}
	if gi, _ := e.Group("s", "g"); gi.Pending != 0 || gi.Consumers != 0 {
		t.Errorf("group after refused reads: %+v, want untouched", gi)
	}
}

// MaxSize's byte model is the engine's own, so only its bounds are
// pinned: at least one entry, fewer than uncapped.
func TestEngine_TryRead_maxSize(t *testing.T) {
	e, _ := newClockEngine(t)
	for i := 1; i <= 50; i++ {
		if _, err := e.Add("s", instream.AddArgs{ID: instream.ID{Ms: uint64(i)},
			Fields: fields("payload", strings.Repeat("x", 100))}); err != nil {
			t.Fatal(err)
		}
	}
	n := func(maxSize int) int {
		res, err := e.TryRead(instream.ReadArgs{Streams: []instream.ReadStream{{Key: "s"}}, MaxSize: maxSize})
		if err != nil || len(res) != 1 {
			t.Fatalf("TryRead MaxSize %d = %v, %v", maxSize, res, err)
		}
		return len(res[0].Entries)
	}
	if got := n(1); got != 1 {
		t.Errorf("MaxSize 1: %d entries, want 1 (the first always fits)", got)
	}
	if got := n(1500); got < 2 || got >= 50 {
		t.Errorf("MaxSize 1500: %d entries, want between 2 and 49", got)
	}
	if got := n(1 << 20); got != 50 {
		t.Errorf("MaxSize 1 MiB: %d entries, want 50", got)
	}
}

// Blocked reads apply the caps when served.
func TestEngine_Read_maxCountBlocking(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e := bubbleEngine(t)
		ch := goRead(t.Context(), e, instream.ReadArgs{MaxCount: 1,
			Streams: []instream.ReadStream{{Key: "a", New: true}, {Key: "b", New: true}}})
		synctest.Wait()
		if err := instream.AddAll(e, []string{"a", "b"}, instream.AddArgs{Fields: fields("f", "v")}); err != nil {
			t.Fatal(err)
		}
		r := waitResult(t, ch)
		if r.err != nil || len(r.res) != 1 || r.res[0].Key != "a" || len(r.res[0].Entries) != 1 {
			t.Fatalf("Read = %s, %v; want one entry of a", summary(r.res), r.err)
		}
		check(t, e)
	})
}

func TestEngine_ReadGroup_maxCountBlocking(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e := bubbleEngine(t)
		for _, k := range []string{"a", "b"} {
			if err := e.CreateGroup(k, instream.GroupArgs{Group: "g", MkStream: true}); err != nil {
				t.Fatal(err)
			}
		}
		ch := make(chan groupResult, 1)
		go func() {
			res, err := e.ReadGroup(t.Context(), instream.ReadGroupArgs{Group: "g", Consumer: "c", MaxCount: 1,
				Streams: []instream.GroupStream{{Key: "a"}, {Key: "b"}}})
			ch <- groupResult{res, err}
		}()
		synctest.Wait()
		if err := instream.AddAll(e, []string{"a", "b"}, instream.AddArgs{Fields: fields("f", "v")}); err != nil {
			t.Fatal(err)
		}
		r := waitGroupRead(t, ch)
		if r.err != nil || len(r.res) != 1 || r.res[0].Key != "a" || len(r.res[0].Entries) != 1 {
			t.Fatalf("ReadGroup = %+v, %v; want one entry of a", r.res, r.err)
		}
		if gi, _ := e.Group("b", "g"); gi.Pending != 0 || !gi.LastDeliveredID.IsZero() {
			t.Errorf("group of b = %+v, want nothing delivered", gi)
		}
		check(t, e)
	})
}
