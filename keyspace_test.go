package instream_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/instream/instream"
)

func TestEngine_Rename(t *testing.T) {
	tests := []struct {
		name          string
		from, to      string
		nx            bool
		want          bool
		wantErr       error
		wantKeys      []string
		wantLenOfDest int64
	}{
		{"rename", "a", "c", false, true, nil, []string{"b", "c"}, 2},
		{"replace", "a", "b", false, true, nil, []string{"b"}, 2},
		{"nx onto existing", "a", "b", true, false, nil, []string{"a", "b"}, 1},
		{"nx onto free", "a", "c", true, true, nil, []string{"b", "c"}, 2},
		{"same name", "a", "a", false, true, nil, []string{"a", "b"}, 2},
		{"same name nx", "a", "a", true, false, nil, []string{"a", "b"}, 2},
		{"missing", "x", "y", false, false, instream.ErrNoStream, []string{"a", "b"}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEngine(t)
			add(t, e, "a", "1-1", "2-1")
			add(t, e, "b", "1-1")
			got, err := e.Rename(tt.from, tt.to, tt.nx)
			if got != tt.want || !errors.Is(err, tt.wantErr) {
				t.Fatalf("Rename(%q, %q, %v) = %v, %v; want %v, %v", tt.from, tt.to, tt.nx, got, err, tt.want, tt.wantErr)
			}
			check(t, e)
			keys, _ := e.Keys()
			if strings.Join(keys, ",") != strings.Join(tt.wantKeys, ",") {
				t.Errorf("keys after Rename = %q, want %q", keys, tt.wantKeys)
			}
			if tt.wantErr == nil {
				if n, _ := e.Len(tt.to); n != tt.wantLenOfDest {
					t.Errorf("Len(%q) = %d, want %d", tt.to, n, tt.wantLenOfDest)
				}
			}
		})
	}
}

// Blocked reads see a rename as Redis 7.2 shows it: a group read on the
// old name fails as on a deleted stream; a read on the new name is served.
func TestEngine_RenameWakesReaders(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e := instream.New(instream.Options{})
		defer e.Close()
		add(t, e, "a", "1-1")
		if err := e.CreateGroup("a", instream.GroupArgs{Group: "g", FromEnd: true}); err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithTimeout(t.Context(), time.Hour)
		defer cancel()
		groupErr := make(chan error, 1)
		go func() {
			_, err := e.ReadGroup(ctx, instream.ReadGroupArgs{Group: "g", Consumer: "c", Streams: []instream.GroupStream{{Key: "a"}}})
			groupErr <- err
		}()
		read := make(chan []instream.StreamEntries, 1)
		go func() {
			res, _ := e.Read(ctx, instream.ReadArgs{Streams: []instream.ReadStream{{Key: "b"}}})
			read <- res
		}()
		synctest.Wait()
		if _, err := e.Rename("a", "b", false); err != nil {
			t.Fatal(err)
		}
		if err := <-groupErr; !errors.Is(err, instream.ErrNoGroup) {
			t.Errorf("group read on the old name: %v, want ErrNoGroup", err)
		}
		if res := <-read; len(res) != 1 || res[0].Key != "b" || len(res[0].Entries) != 1 {
			t.Errorf("read on the new name = %v", res)
		}
		check(t, e)
	})
}

func TestEngine_FlushAll(t *testing.T) {
	e := newEngine(t)
	add(t, e, "a", "1-1")
	add(t, e, "b", "1-1")
	if n, err := e.FlushAll(); n != 2 || err != nil {
		t.Errorf("FlushAll() = %d, %v; want 2, nil", n, err)
	}
	if keys, _ := e.Keys(); len(keys) != 0 {
		t.Errorf("keys after FlushAll: %q", keys)
	}
	check(t, e)
	e.Close()
	if _, err := e.FlushAll(); !errors.Is(err, instream.ErrClosed) {
		t.Errorf("FlushAll after Close: %v", err)
	}
}

func TestEngine_SetNodeLimits(t *testing.T) {
	e := newEngine(t)
	if me, mb := e.NodeLimits(); me != 100 || mb != 4096 {
		t.Errorf("NodeLimits() = %d, %d; want the defaults 100, 4096", me, mb)
	}
	if err := e.SetNodeLimits(-1, 0); !errors.Is(err, instream.ErrInvalidArgument) {
		t.Errorf("SetNodeLimits(-1, 0) = %v, want ErrInvalidArgument", err)
	}
	// An existing stream takes the new limits for its next nodes.
	add(t, e, "s", "1-1")
	if err := e.SetNodeLimits(2, 0); err != nil {
		t.Fatal(err)
	}
	add(t, e, "s", "2-1", "3-1", "4-1", "5-1")
	info, err := e.Info("s")
	if err != nil {
		t.Fatal(err)
	}
	if info.Nodes != 3 { // [1 2] [3 4] [5]
		t.Errorf("nodes with 2 entries per node = %d, want 3", info.Nodes)
	}
	// With no entry limit, an approximate trim without LIMIT still
	// removes whole nodes, up to Redis's default of 10000 entries
	// (redis-server 7.0.15: 100 entries of 500 bytes, MAXLEN ~ 10 keeps 10).
	if err := e.SetNodeLimits(0, 4096); err != nil {
		t.Fatal(err)
	}
	big := strings.Repeat("x", 500)
	for i := range 100 {
		if _, err := e.Add("t", instream.AddArgs{ID: instream.ID{Ms: uint64(i + 1), Seq: 1}, Fields: fields("f", big)}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := e.Add("t", instream.AddArgs{Fields: fields("f", "v"), Trim: instream.TrimArgs{Strategy: instream.TrimMaxLen, MaxLen: 10, Approx: true}}); err != nil {
		t.Fatal(err)
	}
	if n, _ := e.Len("t"); n != 10 {
		t.Errorf("Len after MAXLEN ~ 10 with no entry limit = %d, want 10 (as redis-server)", n)
	}
	check(t, e)
}
