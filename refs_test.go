package instream_test

import (
	"errors"
	"slices"
	"testing"

	"github.com/instream/instream"
)

func TestDeleteEntriesEx_Typed(t *testing.T) {
	e, _ := newClockEngine(t)
	for _, s := range []string{"1-0", "2-0", "3-0"} {
		if _, err := e.Add("s", instream.AddArgs{ID: id(s), Fields: fields("f", "v")}); err != nil {
			t.Fatal(err)
		}
	}
	mustCreateGroup(t, e, "s", instream.GroupArgs{Group: "g", ID: id("1-0")})
	got, err := e.DeleteEntriesEx("s", instream.Acked, id("1-0"), id("2-0"), id("9-0"))
	want := []instream.DeleteResult{instream.EntryDeleted, instream.EntryReferenced, instream.EntryNotFound}
	if err != nil || !slices.Equal(got, want) {
		t.Fatalf("DeleteEntriesEx Acked = %v, %v; want %v", got, err, want)
	}
	check(t, e)
	if _, err := e.DeleteEntriesEx("s", instream.KeepRef); !errors.Is(err, instream.ErrInvalidArgument) {
		t.Errorf("DeleteEntriesEx with no IDs: err %v, want ErrInvalidArgument", err)
	}
	if _, err := e.AckDelete("s", "g", instream.Acked+1, id("2-0")); !errors.Is(err, instream.ErrInvalidArgument) {
		t.Errorf("AckDelete with a bad policy: err %v, want ErrInvalidArgument", err)
	}
	if got, err = e.AckDelete("s", "nog", instream.KeepRef, id("2-0")); !errors.Is(err, instream.ErrNoGroup) {
		t.Errorf("AckDelete on a missing group = %v, %v; want ErrNoGroup", got, err)
	}
	if n, _ := e.Len("s"); n != 2 {
		t.Errorf("Len = %d, want 2", n)
	}
	if s := instream.EntryReferenced.String(); s != "referenced" {
		t.Errorf("String = %q", s)
	}
	e.Close()
	if _, err := e.DeleteEntriesEx("s", instream.KeepRef, id("2-0")); !errors.Is(err, instream.ErrClosed) {
		t.Errorf("after Close: err %v, want ErrClosed", err)
	}
}
