package instream_test

import (
	"context"
	"sync/atomic"
	"testing"
	"testing/synctest"

	"github.com/instream/instream"
)

// NotifyBlocked's function runs once a blocking call waits, and only
// then: a call that finds entries returns without it, and a call that
// waits is served by the next add once it has run.
func TestNotifyBlocked(t *testing.T) {
	fields := instream.AddArgs{Fields: []instream.Field{{Name: "f", Value: "v"}}}
	cases := []struct {
		name    string
		present bool // an entry is there before the call
		readers int  // blocking XREADs of the same read and ctx (a cohort)
		group   bool
	}{
		{name: "read finds entries", present: true, readers: 1},
		{name: "read waits", readers: 1},
		{name: "reads wait together", readers: 3},
		{name: "group read finds entries", present: true, readers: 1, group: true},
		{name: "group read waits", readers: 1, group: true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				e := bubbleEngine(t)
				if err := e.CreateGroup("s", instream.GroupArgs{Group: "g", MkStream: true}); err != nil {
					t.Fatal(err)
				}
				if tc.present {
					if _, err := e.Add("s", fields); err != nil {
						t.Fatal(err)
					}
				}
				var calls atomic.Int32
				ctx := instream.NotifyBlocked(context.Background(), func() { calls.Add(1) })
				done := make(chan error, tc.readers)
				for range tc.readers {
					go func() {
						var err error
						var n int
						if tc.group {
							var res []instream.GroupEntries
							res, err = e.ReadGroup(ctx, instream.ReadGroupArgs{Group: "g", Consumer: "c",
								Streams: []instream.GroupStream{{Key: "s"}}})
							if len(res) == 1 {
								n = len(res[0].Entries)
							}
						} else {
							var res []instream.StreamEntries
							res, err = e.Read(ctx, instream.ReadArgs{Streams: []instream.ReadStream{{Key: "s"}}})
							if len(res) == 1 {
								n = len(res[0].Entries)
							}
						}
						if err == nil && n != 1 {
							t.Errorf("got %d entries, want 1", n)
						}
						done <- err
					}()
				}
				synctest.Wait()
				want := int32(tc.readers)
				if tc.present {
					want = 0
				}
				if got := calls.Load(); got != want {
					t.Fatalf("NotifyBlocked's function ran %d times, want %d", got, want)
				}
				if !tc.present {
					if _, err := e.Add("s", fields); err != nil {
						t.Fatal(err)
					}
				}
				for range tc.readers {
					if err := <-done; err != nil {
						t.Fatal(err)
					}
				}
			})
		})
	}
}
