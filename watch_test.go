package instream_test

import (
	"testing"

	"github.com/instream/instream"
)

// Which operations count as modifying a watched stream, as checked
// against redis-server 7.0.15 (WATCH, the command on another client,
// MULTI, EXEC).
func TestEngine_Watch_modifications(t *testing.T) {
	id := instream.MustParseID
	add := func(key, ids string) func(e *instream.Engine) error {
		return func(e *instream.Engine) error {
			_, err := e.Add(key, instream.AddArgs{ID: id(ids), Fields: fields("f", "v")})
			return err
		}
	}
	tests := []struct {
		name     string
		key      string // the key watched
		op       func(e *instream.Engine) error
		modified bool
	}{
		{"add", "s", add("s", "9-0"), true},
		{"add too small", "s", add("s", "1-0"), false},
		{"add creating", "new", add("new", "1-0"), true},
		{"add trimming all", "s", func(e *instream.Engine) error {
			_, err := e.Add("s", instream.AddArgs{Fields: fields("f", "v"),
				Trim: instream.TrimArgs{Strategy: instream.TrimMaxLen}})
			return err
		}, true},
		{"add elsewhere", "s", add("other", "1-0"), false},
		{"delete entry", "s", func(e *instream.Engine) error {
			_, err := e.DeleteEntries("s", id("1-0"))
			return err
		}, true},
		{"delete missing entry", "s", func(e *instream.Engine) error {
			_, err := e.DeleteEntries("s", id("9-0"))
			return err
		}, false},
		{"delete entry ex", "s", func(e *instream.Engine) error {
			_, err := e.DeleteEntriesEx("s", instream.KeepRef, id("2-0"))
			return err
		}, true},
		{"ack delete", "s", func(e *instream.Engine) error {
			_, err := e.AckDelete("s", "g", instream.KeepRef, id("1-0"))
			return err
		}, true},
		{"trim", "s", func(e *instream.Engine) error {
			_, err := e.Trim("s", instream.TrimArgs{Strategy: instream.TrimMaxLen, MaxLen: 1})
			return err
		}, true},
		{"trim nothing", "s", func(e *instream.Engine) error {
			_, err := e.Trim("s", instream.TrimArgs{Strategy: instream.TrimMaxLen, MaxLen: 10})
			return err
		}, false},
		{"set id", "s", func(e *instream.Engine) error {
			return e.SetID("s", instream.SetIDArgs{LastID: id("5-0")})
		}, false},
		{"create group", "s", func(e *instream.Engine) error {
			return e.CreateGroup("s", instream.GroupArgs{Group: "g2"})
		}, false},
		{"create group mkstream", "new", func(e *instream.Engine) error {
			return e.CreateGroup("new", instream.GroupArgs{Group: "g", MkStream: true})
		}, true},
		{"destroy group", "s", func(e *instream.Engine) error {
			_, err := e.DestroyGroup("s", "g")
			return err
		}, false},
		{"read group", "s", func(e *instream.Engine) error {
			_, err := e.TryReadGroup(instream.ReadGroupArgs{Group: "g", Consumer: "c2",
				Streams: []instream.GroupStream{{Key: "s"}}})
			return err
		}, false},
		{"ack", "s", func(e *instream.Engine) error {
			_, err := e.Ack("s", "g", id("1-0"))
			return err
		}, false},
		{"claim", "s", func(e *instream.Engine) error {
			_, err := e.Claim("s", instream.ClaimArgs{Group: "g", Consumer: "c2", IDs: []instream.ID{id("1-0")}})
			return err
		}, false},
		{"delete stream", "s", func(e *instream.Engine) error {
			_, err := e.DeleteStreams("s")
			return err
		}, true},
		{"delete missing stream", "nos", func(e *instream.Engine) error {
			_, err := e.DeleteStreams("nos")
			return err
		}, false},
		{"rename from", "s", func(e *instream.Engine) error {
			_, err := e.Rename("s", "t", false)
			return err
		}, true},
		{"rename onto", "t", func(e *instream.Engine) error {
			_, err := e.Rename("s", "t", false)
			return err
		}, true},
		{"flush", "s", func(e *instream.Engine) error {
			_, err := e.FlushAll()
			return err
		}, true},
		{"flush, missing key", "nos", func(e *instream.Engine) error {
			_, err := e.FlushAll()
			return err
		}, false},
		{"in a batch", "s", func(e *instream.Engine) error {
			return e.Update(func(tx *instream.Tx) error {
				_, err := tx.DeleteEntries("s", id("3-0"))
				return err
			})
		}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := instream.New(instream.Options{})
			defer e.Close()
			for _, i := range []string{"1-0", "2-0", "3-0"} {
				rdAdd(t, e, "s", i)
			}
			if err := e.CreateGroup("s", instream.GroupArgs{Group: "g"}); err != nil {
				t.Fatal(err)
			}
			if _, err := e.TryReadGroup(instream.ReadGroupArgs{Group: "g", Consumer: "c1", Count: 1,
				Streams: []instream.GroupStream{{Key: "s"}}}); err != nil {
				t.Fatal(err)
			}
			w, err := e.Watch(tt.key)
			if err != nil {
				t.Fatal(err)
			}
			defer w.Close()
			_ = tt.op(e)
			if got := w.Modified(); got != tt.modified {
				t.Errorf("Modified = %v, want %v", got, tt.modified)
			}
			checked(t, e)
		})
	}
}

// A closed watch no longer sees changes, and closing twice is harmless;
// other watches of the same key are unaffected.
func TestEngine_Watch_close(t *testing.T) {
	e := instream.New(instream.Options{})
	defer e.Close()
	w1, _ := e.Watch("s", "s")
	w2, _ := e.Watch("s")
	w1.Close()
	w1.Close()
	rdAdd(t, e, "s", "1-0")
	if w1.Modified() {
		t.Error("closed watch saw a change")
	}
	if !w2.Modified() {
		t.Error("open watch missed a change")
	}
	w2.Close()
	e.Close()
	if _, err := e.Watch("s"); err == nil {
		t.Error("Watch on a closed engine succeeded")
	}
}
