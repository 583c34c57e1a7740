package instream_test

import (
	"errors"
	"reflect"
	"testing"
	"testing/synctest"

	"github.com/instream/instream"
)

func TestAddBatch(t *testing.T) {
	e := newEngine(t)
	f := []instream.Field{{Name: "f", Value: "v"}}
	ids, err := e.AddBatch("s", []instream.AddArgs{
		{ID: instream.MustParseID("2-0"), Fields: f},
		{ID: instream.MustParseID("1-0"), Fields: f},
		{ID: instream.MustParseID("3-0"), Fields: f},
	})
	if !errors.Is(err, instream.ErrIDTooSmall) {
		t.Errorf("AddBatch error = %v, want ErrIDTooSmall for entry 1", err)
	}
	want := []instream.ID{instream.MustParseID("2-0"), {}, instream.MustParseID("3-0")}
	if !reflect.DeepEqual(ids, want) {
		t.Errorf("AddBatch IDs = %v, want %v", ids, want)
	}
	if n, _ := e.Len("s"); n != 2 {
		t.Errorf("Len = %d after a batch with one failure, want 2", n)
	}
	e.Close()
	if _, err := e.AddBatch("s", nil); !errors.Is(err, instream.ErrClosed) {
		t.Errorf("AddBatch after Close = %v, want ErrClosed", err)
	}
}

// A reader blocked on the stream is served once, with the whole batch.
func TestAddBatch_wakesOnce(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e := newEngine(t)
		done := make(chan []instream.StreamEntries)
		go func() {
			res, err := e.Read(t.Context(), instream.ReadArgs{Streams: []instream.ReadStream{{Key: "s", New: true}}})
			if err != nil {
				t.Error(err)
			}
			done <- res
		}()
		synctest.Wait()
		f := []instream.Field{{Name: "f", Value: "v"}}
		if _, err := e.AddBatch("s", []instream.AddArgs{{Fields: f}, {Fields: f}, {Fields: f}}); err != nil {
			t.Fatal(err)
		}
		if res := <-done; len(res) != 1 || len(res[0].Entries) != 3 {
			t.Errorf("Read woken by AddBatch = %+v, want the 3 entries", res)
		}
	})
}
