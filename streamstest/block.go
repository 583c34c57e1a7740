package streamstest

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/instream/instream"
)

var _ = register(
	test{"BlockingRead", testBlockingRead},
	test{"BlockingReadGroup", testBlockingReadGroup},
	test{"BlockingCancel", testBlockingCancel},
	test{"BlockingGroupGone", testBlockingGroupGone},
	test{"Close", testClose},
)

// CancelBound is how soon a blocked read must return once its context is
// cancelled.
const CancelBound = 100 * time.Millisecond

// addSoon adds an entry to key after d, from another goroutine.
func addSoon(t *testing.T, s instream.Streams, key string, d time.Duration) {
	go func() {
		time.Sleep(d)
		if _, err := s.Add(key, instream.AddArgs{Fields: fields("late", "1")}); err != nil {
			t.Errorf("Add(%q) while a read waits: %v", key, err)
		}
	}()
}

func testBlockingRead(t *testing.T, e *env) {
	s, a, b := e.s, e.key("a"), e.key("b")
	mustAdd(t, s, a, "1-0", "f", "v")
	addSoon(t, s, b, 30*time.Millisecond)
	got, err := s.Read(t.Context(), instream.ReadArgs{Streams: []instream.ReadStream{{Key: a, New: true}, {Key: b, New: true}}})
	if err != nil || len(got) != 1 || got[0].Key != b || len(got[0].Entries) != 1 || got[0].Entries[0].Fields[0].Name != "late" {
		t.Errorf("Read(new of a, b) = %+v, %v; want the entry added to b", got, err)
	}

	// Data already there: no wait, even with a deadline already close.
	ctx, cancel := context.WithTimeout(t.Context(), time.Second)
	defer cancel()
	got, err = s.Read(ctx, instream.ReadArgs{Streams: []instream.ReadStream{{Key: a}}})
	check(t, "Read(a from 0-0)", got, err, []instream.StreamEntries{{Key: a, Entries: []instream.Entry{entry("1-0", "f", "v")}}})

	ctx, cancel = context.WithTimeout(t.Context(), 80*time.Millisecond)
	defer cancel()
	start := time.Now()
	got, err = s.Read(ctx, instream.ReadArgs{Streams: []instream.ReadStream{{Key: a, New: true}}})
	if err != context.DeadlineExceeded || got != nil {
		t.Errorf("Read(new of a, 80ms) = %+v, %v; want nil, context.DeadlineExceeded", got, err)
	}
	if d := time.Since(start); d < 80*time.Millisecond || d > 80*time.Millisecond+CancelBound {
		t.Errorf("Read(new of a, 80ms) took %v", d)
	}
}

func testBlockingReadGroup(t *testing.T, e *env) {
	s, k := e.s, e.key("s")
	mustGroup(t, s, k, "g", instream.ID{})
	// Two readers of one group each get one of two entries.
	type result struct {
		res []instream.GroupEntries
		err error
	}
	ch := make(chan result, 2)
	for _, c := range []string{"c1", "c2"} {
		go func() {
			res, err := s.ReadGroup(t.Context(), instream.ReadGroupArgs{Group: "g", Consumer: c, Count: 1, Streams: readNew(k)})
			ch <- result{res, err}
		}()
	}
	time.Sleep(30 * time.Millisecond)
	mustAdd(t, s, k, "1-0", "f", "1")
	mustAdd(t, s, k, "2-0", "f", "2")
	seen := map[instream.ID]bool{}
	for range 2 {
		select {
		case r := <-ch:
			if r.err != nil || len(r.res) != 1 || len(r.res[0].Entries) != 1 {
				t.Errorf("ReadGroup = %+v, %v; want one entry", r.res, r.err)
				continue
			}
			seen[r.res[0].Entries[0].ID] = true
		case <-time.After(5 * time.Second):
			t.Fatal("a blocked ReadGroup was not served")
		}
	}
	if !seen[id("1-0")] || !seen[id("2-0")] {
		t.Errorf("the readers got %v, want 1-0 and 2-0 once each", seen)
	}
	sum, err := s.PendingSummary(k, "g")
	if err != nil || sum.Count != 2 || len(sum.Consumers) != 2 {
		t.Errorf("PendingSummary = %+v, %v; want one entry pending for each reader", sum, err)
	}

	_, err = s.ReadGroup(t.Context(), instream.ReadGroupArgs{Group: "nog", Consumer: "c", Streams: readNew(k)})
	checkErr(t, "ReadGroup(no group)", err, instream.ErrNoGroup)
	// A history read never waits.
	got, err := s.ReadGroup(t.Context(), instream.ReadGroupArgs{Group: "g", Consumer: "c9",
		Streams: []instream.GroupStream{{Key: k, History: true}}})
	check(t, "ReadGroup(history)", got, err, []instream.GroupEntries{{Key: k, Entries: []instream.GroupEntry{}}})
}

func testBlockingCancel(t *testing.T, e *env) {
	s, k := e.s, e.key("s")
	mustGroup(t, s, k, "g", instream.ID{})
	reads := []struct {
		name string
		read func(ctx context.Context) (bool, error)
	}{
		{"Read", func(ctx context.Context) (bool, error) {
			res, err := s.Read(ctx, instream.ReadArgs{Streams: []instream.ReadStream{{Key: k, New: true}}})
			return res != nil, err
		}},
		{"ReadGroup", func(ctx context.Context) (bool, error) {
			res, err := s.ReadGroup(ctx, instream.ReadGroupArgs{Group: "g", Consumer: "c", Streams: readNew(k)})
			return res != nil, err
		}},
	}
	for _, r := range reads {
		ctx, cancel := context.WithCancel(t.Context())
		done := make(chan error, 1)
		go func() {
			got, err := r.read(ctx)
			if got {
				err = errors.New("got entries")
			}
			done <- err
		}()
		time.Sleep(50 * time.Millisecond)
		cancel()
		start := time.Now()
		select {
		case err := <-done:
			if err != context.Canceled {
				t.Errorf("%s after cancel: %v, want context.Canceled unwrapped", r.name, err)
			}
			if d := time.Since(start); d > CancelBound {
				t.Errorf("%s returned %v after cancel, want <= %v", r.name, d, CancelBound)
			}
		case <-time.After(5 * time.Second):
			t.Fatalf("%s did not return after cancel", r.name)
		}
		// A context done on entry: no wait at all.
		if _, err := r.read(ctx); err != context.Canceled {
			t.Errorf("%s with a done context: %v, want context.Canceled", r.name, err)
		}
	}
	// The cancelled read took nothing: the next entry goes to the next reader.
	mustAdd(t, s, k, "1-0", "f", "1")
	got, err := s.TryReadGroup(instream.ReadGroupArgs{Group: "g", Consumer: "d", Streams: readNew(k)})
	if err != nil || len(got) != 1 || len(got[0].Entries) != 1 {
		t.Errorf("TryReadGroup after the cancelled reads = %+v, %v; want 1-0", got, err)
	}
}

func testBlockingGroupGone(t *testing.T, e *env) {
	s, k := e.s, e.key("s")
	mustGroup(t, s, k, "g", instream.ID{})
	done := make(chan error, 1)
	go func() {
		_, err := s.ReadGroup(t.Context(), instream.ReadGroupArgs{Group: "g", Consumer: "c", Streams: readNew(k)})
		done <- err
	}()
	time.Sleep(50 * time.Millisecond)
	if _, err := s.DestroyGroup(k, "g"); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-done:
		checkErr(t, "ReadGroup when its group is destroyed", err, instream.ErrNoGroup)
	case <-time.After(5 * time.Second):
		t.Fatal("ReadGroup did not return when its group was destroyed")
	}
}

func testClose(t *testing.T, e *env) {
	s := e.open(t)
	k := e.key("s")
	mustGroup(t, s, k, "g", instream.ID{})
	done := make(chan error, 1)
	go func() {
		_, err := s.ReadGroup(t.Context(), instream.ReadGroupArgs{Group: "g", Consumer: "c", Streams: readNew(k)})
		done <- err
	}()
	time.Sleep(50 * time.Millisecond)
	if err := s.Close(); err != nil {
		t.Errorf("Close: %v", err)
	}
	select {
	case err := <-done:
		checkErr(t, "ReadGroup when closed", err, instream.ErrClosed)
	case <-time.After(5 * time.Second):
		t.Fatal("ReadGroup did not return on Close")
	}
	_, err := s.Add(k, instream.AddArgs{Fields: fields("f", "v")})
	checkErr(t, "Add after Close", err, instream.ErrClosed)
	if err := s.Close(); err != nil {
		t.Errorf("Close again: %v", err)
	}
	// Another instance is unaffected.
	if _, err := e.s.Len(k); err != nil {
		t.Errorf("Len on another instance: %v", err)
	}
}
