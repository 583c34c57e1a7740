package instream_test

import (
	"errors"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/instream/instream"
)

func txAdd(tx *instream.Tx, key, id string) error {
	_, err := tx.Add(key, instream.AddArgs{ID: instream.MustParseID(id), Fields: fields("f", id)})
	return err
}

// A dead-letter move: read from a group, add the entry to another
// stream and acknowledge it, in one batch.
func TestEngine_Update_moveEntry(t *testing.T) {
	e := instream.New(instream.Options{})
	defer e.Close()
	rdAdd(t, e, "jobs", "1-0")
	if err := e.CreateGroup("jobs", instream.GroupArgs{Group: "g"}); err != nil {
		t.Fatal(err)
	}
	err := e.Update(func(tx *instream.Tx) error {
		res, err := tx.TryReadGroup(instream.ReadGroupArgs{Group: "g", Consumer: "c",
			Streams: []instream.GroupStream{{Key: "jobs"}}})
		if err != nil {
			return err
		}
		en := res[0].Entries[0]
		if _, err := tx.Add("dead", instream.AddArgs{Fields: en.Fields}); err != nil {
			return err
		}
		_, err = tx.Ack("jobs", "g", en.ID)
		return err
	})
	if err != nil {
		t.Fatalf("Update: %v", err)
	}
	if n, _ := e.Len("dead"); n != 1 {
		t.Errorf("Len(dead) = %d, want 1", n)
	}
	if s, _ := e.PendingSummary("jobs", "g"); s.Count != 0 {
		t.Errorf("pending = %d, want 0", s.Count)
	}
	checked(t, e)
}

// Changes made before an error or a panic stay, and the engine is free
// afterwards.
func TestEngine_Update_noRollback(t *testing.T) {
	boom := errors.New("boom")
	tests := []struct {
		name    string
		fn      func(tx *instream.Tx) error
		wantErr error
		panics  bool
	}{
		{"error", func(tx *instream.Tx) error {
			if err := txAdd(tx, "s", "1-0"); err != nil {
				return err
			}
			return txAdd(tx, "s", "1-0") // too small
		}, instream.ErrIDTooSmall, false},
		{"fn error", func(tx *instream.Tx) error {
			if err := txAdd(tx, "s", "1-0"); err != nil {
				return err
			}
			return boom
		}, boom, false},
		{"panic", func(tx *instream.Tx) error {
			if err := txAdd(tx, "s", "1-0"); err != nil {
				return err
			}
			panic(boom)
		}, nil, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := instream.New(instream.Options{})
			defer e.Close()
			var err error
			func() {
				defer func() {
					r := recover()
					if (r != nil) != tt.panics {
						t.Errorf("recovered %v, want panic %v", r, tt.panics)
					}
				}()
				err = e.Update(tt.fn)
			}()
			if !tt.panics && !errors.Is(err, tt.wantErr) {
				t.Errorf("Update = %v, want %v", err, tt.wantErr)
			}
			if n, err := e.Len("s"); n != 1 || err != nil {
				t.Errorf("Len after Update = %d, %v, want 1", n, err)
			}
			checked(t, e)
		})
	}
}

func TestEngine_Update_txDone(t *testing.T) {
	e := instream.New(instream.Options{})
	defer e.Close()
	var kept *instream.Tx
	if err := e.Update(func(tx *instream.Tx) error { kept = tx; return nil }); err != nil {
		t.Fatal(err)
	}
	if _, err := kept.Len("s"); !errors.Is(err, instream.ErrTxDone) {
		t.Errorf("Len after Update = %v, want ErrTxDone", err)
	}
	if err := txAdd(kept, "s", "1-0"); !errors.Is(err, instream.ErrTxDone) {
		t.Errorf("Add after Update = %v, want ErrTxDone", err)
	}
	if n, _ := e.Exists("s"); n != 0 {
		t.Error("an Add after Update created the stream")
	}
}

func TestEngine_Update_closed(t *testing.T) {
	e := instream.New(instream.Options{})
	e.Close()
	ran := false
	err := e.Update(func(*instream.Tx) error { ran = true; return nil })
	if !errors.Is(err, instream.ErrClosed) || ran {
		t.Errorf("Update on a closed engine = %v, ran %v; want ErrClosed, not run", err, ran)
	}
}

// Blocked readers are served after the batch, and see its outcome: an
// add followed by a delete wakes nobody; two adds come together.
func TestEngine_Update_servesAfter(t *testing.T) {
	tests := []struct {
		name string
		fn   func(tx *instream.Tx) error
		want string // the read's result, "" if it keeps waiting
	}{
		{"add then delete", func(tx *instream.Tx) error {
			if err := txAdd(tx, "s", "1-0"); err != nil {
				return err
			}
			_, err := tx.DeleteStreams("s")
			return err
		}, ""},
		{"two adds", func(tx *instream.Tx) error {
			if err := txAdd(tx, "s", "1-0"); err != nil {
				return err
			}
			return txAdd(tx, "s", "2-0")
		}, "s:1-0,2-0"},
		{"add then trim", func(tx *instream.Tx) error {
			if err := txAdd(tx, "s", "1-0"); err != nil {
				return err
			}
			_, err := tx.Trim("s", instream.TrimArgs{Strategy: instream.TrimMaxLen})
			return err
		}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				e := bubbleEngine(t)
				ch := goRead(t.Context(), e, streams(instream.ReadStream{Key: "s", New: true}))
				if !stillBlocked(ch) {
					t.Fatal("Read returned at once")
				}
				if err := e.Update(tt.fn); err != nil {
					t.Fatalf("Update: %v", err)
				}
				if tt.want == "" {
					if !stillBlocked(ch) {
						t.Fatal("the batch woke the reader")
					}
					rdAdd(t, e, "s", "5-0")
					tt.want = "s:5-0"
				}
				r := waitResult(t, ch)
				if r.err != nil || summary(r.res) != tt.want {
					t.Errorf("Read = %s, %v, want %s", summary(r.res), r.err, tt.want)
				}
				checked(t, e)
			})
		})
	}
}

// The batch is atomic: concurrent readers see both adds or neither.
func TestEngine_Update_atomic(t *testing.T) {
	e := instream.New(instream.Options{})
	defer e.Close()
	var wg sync.WaitGroup
	stop := make(chan struct{})
	wg.Go(func() {
		for {
			select {
			case <-stop:
				return
			default:
			}
			a, _ := e.Len("a")
			if b, _ := e.Len("b"); a > b {
				t.Errorf("saw a=%d before b=%d", a, b)
				return
			}
		}
	})
	for i := 1; i <= 200; i++ {
		err := e.Update(func(tx *instream.Tx) error {
			id := instream.ID{Ms: uint64(i)}.String()
			if err := txAdd(tx, "b", id); err != nil {
				return err
			}
			return txAdd(tx, "a", id)
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	close(stop)
	wg.Wait()
}

// Everything in a batch happens at one time: generated IDs share their
// milliseconds.
func TestEngine_Update_oneClock(t *testing.T) {
	e := instream.New(instream.Options{Clock: tickingClock{instream.NewManualClock(time.UnixMilli(1000))}})
	defer e.Close()
	var ids []instream.ID
	err := e.Update(func(tx *instream.Tx) error {
		for _, k := range []string{"a", "b", "a"} {
			id, err := tx.Add(k, instream.AddArgs{Fields: fields("f", "v")})
			if err != nil {
				return err
			}
			ids = append(ids, id)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if ids[0].Ms != ids[1].Ms || ids[1].Ms != ids[2].Ms || ids[2].Seq != 1 {
		t.Errorf("IDs %v: want one millisecond, a's second with seq 1", ids)
	}
}

// tickingClock moves one millisecond each time it is read.
type tickingClock struct{ *instream.ManualClock }

func (c tickingClock) Now() time.Time {
	c.Advance(time.Millisecond)
	return c.ManualClock.Now()
}
