package instream_test

import (
	"testing"
	"testing/synctest"

	"github.com/instream/instream"
)

// TestEngine_Read_fanOutShares checks that readers woken in one pass, who
// may share one result, each get exactly the entries they asked for: the
// same threshold and count share, a different count or threshold does not.
func TestEngine_Read_fanOutShares(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e := instream.New(instream.Options{})
		defer e.Close()
		f := []instream.Field{{Name: "f", Value: "v"}}
		first, err := e.Add("s", instream.AddArgs{Fields: f})
		if err != nil {
			t.Fatal(err)
		}
		from := func(after instream.ID, count int) instream.ReadArgs {
			return instream.ReadArgs{Count: count, Streams: []instream.ReadStream{{Key: "s", After: after}}}
		}
		readers := []struct {
			args instream.ReadArgs
			want int // entries
		}{
			{from(first, 0), 2},
			{from(first, 0), 2},
			{from(first, 1), 1},
			{from(first, 0), 2},
			{from(first, 2), 2},
			{from(first, 1), 1},
		}
		chans := make([]<-chan readResult, len(readers))
		for i, r := range readers {
			chans[i] = goRead(t.Context(), e, r.args)
		}
		synctest.Wait()
		// Two entries added in one batch, so one pass serves everyone.
		if err := instream.AddAll(e, []string{"s", "s"}, instream.AddArgs{Fields: f}); err != nil {
			t.Fatal(err)
		}
		all, err := e.Range("s", instream.MinID, instream.MaxID, 0)
		if err != nil {
			t.Fatal(err)
		}
		for i, r := range readers {
			got := waitResult(t, chans[i])
			if got.err != nil {
				t.Fatalf("reader %d: %v", i, got.err)
			}
			ens := got.res[0].Entries
			if len(ens) != r.want || ens[0].ID != all[1].ID || ens[len(ens)-1].ID != all[r.want].ID {
				t.Errorf("reader %d (count %d) got %v, want the %d entries after %v", i, r.args.Count, ens, r.want, first)
			}
		}
	})
}
