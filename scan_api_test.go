package instream_test

import (
	"errors"
	"fmt"
	"log"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/instream/instream"
)

// scanEntries collects what Scan passes to fn, copying it, stopping
// after limit entries if limit > 0.
func scanEntries(t *testing.T, e *instream.Engine, key string, start, end instream.ID, limit int) []instream.Entry {
	t.Helper()
	got := []instream.Entry{}
	err := e.Scan(key, start, end, func(id instream.ID, fields []instream.Field) bool {
		en := instream.Entry{ID: id}
		for _, f := range fields {
			en.Fields = append(en.Fields, instream.Field{Name: strings.Clone(f.Name), Value: strings.Clone(f.Value)})
		}
		got = append(got, en)
		return limit <= 0 || len(got) < limit
	})
	if err != nil {
		t.Fatalf("Scan(%q, %v, %v) error: %v", key, start, end, err)
	}
	return got
}

func equalEntries(a, b []instream.Entry) bool {
	return slices.EqualFunc(a, b, func(x, y instream.Entry) bool {
		return x.ID == y.ID && slices.Equal(x.Fields, y.Fields)
	})
}

// addScanEntries adds n entries with mixed field sets and integer and
// text values to key, deletes every seventh, and returns the engine.
func addScanEntries(t *testing.T, e *instream.Engine, key string, n int) {
	t.Helper()
	for i := range n {
		fields := []instream.Field{{Name: "user", Value: "u" + strconv.Itoa(i%97)}, {Name: "ts", Value: strconv.Itoa(1000 + i/3)}}
		if i%5 == 0 {
			fields = append(fields, instream.Field{Name: "n" + strconv.Itoa(i%3), Value: strconv.Itoa(-i)})
		}
		if i%11 == 0 {
			fields = append(fields, instream.Field{Name: "", Value: ""}, instream.Field{Name: "zero", Value: "007"})
		}
		if _, err := e.Add(key, instream.AddArgs{ID: instream.ID{Ms: uint64(1 + i/4), Seq: uint64(i % 4)}, Fields: fields}); err != nil {
			t.Fatal(err)
		}
		if i%7 == 3 {
			if _, err := e.DeleteEntries(key, instream.ID{Ms: uint64(1 + i/4), Seq: uint64(i % 4)}); err != nil {
				t.Fatal(err)
			}
		}
	}
}

func TestScanMatchesRange(t *testing.T) {
	e := newEngine(t)
	addScanEntries(t, e, "s", 1500)
	id := func(ms, seq uint64) instream.ID { return instream.ID{Ms: ms, Seq: seq} }
	tests := []struct {
		name       string
		start, end instream.ID
		limit      int
	}{
		{"all", instream.MinID, instream.MaxID, 0},
		{"middle", id(50, 2), id(300, 1), 0},
		{"one", id(10, 1), id(10, 1), 0},
		{"deleted one", id(1, 3), id(1, 3), 0},
		{"past the end", id(1000, 0), instream.MaxID, 0},
		{"stop after one", instream.MinID, instream.MaxID, 1},
		{"stop at a batch edge", instream.MinID, instream.MaxID, 16},
		{"stop at the last batch size", instream.MinID, instream.MaxID, 16 + 32 + 64 + 128 + 256},
		{"stop after a batch edge", id(20, 0), instream.MaxID, 257},
		{"stop after two batches", instream.MinID, instream.MaxID, 600},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			want, err := e.Range("s", tt.start, tt.end, tt.limit)
			if err != nil {
				t.Fatal(err)
			}
			if got := scanEntries(t, e, "s", tt.start, tt.end, tt.limit); !equalEntries(got, want) {
				t.Errorf("Scan(%v, %v) stopping after %d = %d entries %v..., want %d entries %v...",
					tt.start, tt.end, tt.limit, len(got), got[:min(len(got), 2)], len(want), want[:min(len(want), 2)])
			}
		})
	}
	// Bounds given backwards are an error for both, not an empty range.
	if _, err := e.Range("s", id(10, 1), id(10, 0), 0); !errors.Is(err, instream.ErrInvalidArgument) {
		t.Errorf("Range backwards: err %v, want ErrInvalidArgument", err)
	}
	err := e.Scan("s", id(10, 1), id(10, 0), func(instream.ID, []instream.Field) bool { return true })
	if !errors.Is(err, instream.ErrInvalidArgument) {
		t.Errorf("Scan backwards: err %v, want ErrInvalidArgument", err)
	}
}

func TestScanMissingAndClosed(t *testing.T) {
	e := instream.New(instream.Options{})
	calls := 0
	fn := func(instream.ID, []instream.Field) bool { calls++; return true }
	if err := e.Scan("nope", instream.MinID, instream.MaxID, fn); err != nil || calls != 0 {
		t.Errorf("Scan of a missing stream = %v with %d calls, want nil with 0", err, calls)
	}
	if _, err := e.Add("s", instream.AddArgs{ID: instream.ID{Ms: 1}, Fields: []instream.Field{{Name: "a", Value: "1"}}}); err != nil {
		t.Fatal(err)
	}
	e.Close()
	if err := e.Scan("s", instream.MinID, instream.MaxID, fn); !errors.Is(err, instream.ErrClosed) || calls != 0 {
		t.Errorf("Scan after Close = %v with %d calls, want ErrClosed with 0", err, calls)
	}
}

// TestScanCallsEngine checks that fn runs without the engine's lock: it
// adds to the stream it scans and deletes each entry it sees.
func TestScanCallsEngine(t *testing.T) {
	e := newEngine(t)
	addScanEntries(t, e, "s", 1000)
	before, err := e.Range("s", instream.MinID, instream.MaxID, 0)
	if err != nil {
		t.Fatal(err)
	}
	var got []instream.ID
	err = e.Scan("s", instream.MinID, instream.MaxID, func(id instream.ID, fields []instream.Field) bool {
		got = append(got, id)
		if len(got) == 1 {
			// Added after the last entry: a later batch sees it.
			if _, err := e.Add("s", instream.AddArgs{ID: instream.ID{Ms: 1 << 40}, Fields: fields}); err != nil {
				t.Error(err)
			}
		}
		// Deleting what was just seen must not disturb the batches.
		if _, err := e.DeleteEntries("s", id); err != nil {
			t.Error(err)
		}
		return true
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(before)+1 || got[len(got)-1] != (instream.ID{Ms: 1 << 40}) {
		t.Fatalf("Scan saw %d entries ending with %v, want %d ending with %v", len(got), got[len(got)-1], len(before)+1, instream.ID{Ms: 1 << 40})
	}
	for i, en := range before {
		if got[i] != en.ID {
			t.Fatalf("Scan entry %d = %v, want %v", i, got[i], en.ID)
		}
	}
	if n, _ := e.Len("s"); n != 0 {
		t.Errorf("Len after deleting every scanned entry = %d, want 0", n)
	}
}

// TestScanWhileWriting scans while another goroutine adds and trims, so
// that the race detector sees the views being read without the lock.
func TestScanWhileWriting(t *testing.T) {
	e := newEngine(t)
	addScanEntries(t, e, "s", 600)
	done := make(chan struct{})
	go func() {
		defer close(done)
		for i := range 2000 {
			id := instream.ID{Ms: uint64(1000 + i)}
			if _, err := e.Add("s", instream.AddArgs{ID: id, Fields: []instream.Field{{Name: "v", Value: strconv.Itoa(i)}, {Name: "w", Value: "x" + strconv.Itoa(i)}}}); err != nil {
				t.Error(err)
				return
			}
			if i%50 == 0 {
				if _, err := e.Trim("s", instream.TrimArgs{Strategy: instream.TrimMaxLen, MaxLen: 300}); err != nil {
					t.Error(err)
					return
				}
			}
		}
	}()
	for range 20 {
		prev := instream.ID{}
		err := e.Scan("s", instream.MinID, instream.MaxID, func(id instream.ID, fields []instream.Field) bool {
			if !prev.Less(id) && !prev.IsZero() {
				t.Errorf("Scan: %v after %v", id, prev)
			}
			prev = id
			if id.Ms >= 1000 && (len(fields) != 2 || fields[0].Value != strconv.Itoa(int(id.Ms-1000)) || fields[1].Value != "x"+fields[0].Value) {
				t.Errorf("Scan: entry %v has fields %v", id, fields)
			}
			return true
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	<-done
}

// This example shows reading a stream without copying it: the fields
// passed to the function are views, valid only during the call.
func ExampleEngine_Scan() {
	e := instream.New(instream.Options{})
	defer e.Close()
	for i, v := range []string{"12", "7", "30"} {
		_, err := e.Add("temps", instream.AddArgs{
			ID:     instream.ID{Ms: 1700000000000, Seq: uint64(i)},
			Fields: []instream.Field{{Name: "celsius", Value: v}},
		})
		if err != nil {
			log.Fatal(err)
		}
	}
	sum := 0
	err := e.Scan("temps", instream.MinID, instream.MaxID, func(id instream.ID, fields []instream.Field) bool {
		n, err := strconv.Atoi(fields[0].Value)
		if err != nil {
			log.Fatal(err)
		}
		sum += n
		fmt.Println(id, fields[0].Name, n)
		return true
	})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("sum", sum)
	// Output:
	// 1700000000000-0 celsius 12
	// 1700000000000-1 celsius 7
	// 1700000000000-2 celsius 30
	// sum 49
}
