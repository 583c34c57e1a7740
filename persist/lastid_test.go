package persist_test

import (
	"context"
	"fmt"
	"reflect"
	"testing"
	"time"

	"github.com/instream/instream"
	"github.com/instream/instream/aof"
	"github.com/instream/instream/persist"
)

// A stream whose last ID was lowered (XSETID, on an empty stream) below
// entries a trim removed while they were pending survives a rewrite and
// a reopen: the rewrite's placeholders for those entries lie above the
// last ID it sets. So does one whose entries-added counter XSETID
// lowered below the number of those entries, which the placeholders
// outnumber while they are in the stream.
func TestRewrite_lastIDBelowPending(t *testing.T) {
	read := []string{"XREADGROUP", "GROUP", "g1", "c", "STREAMS", "s1", ">"}
	for i, cmds := range [][][]string{
		{{"XADD", "s1", "1-1", "f", "v"}, {"XADD", "s1", "7-1", "f", "v"}, {"XGROUP", "CREATE", "s1", "g1", "0"},
			read, {"XTRIM", "s1", "MAXLEN", "0"}, {"XSETID", "s1", "4-0"}},
		// Below every pending entry, by a MINID trim.
		{{"XADD", "s1", "5-1", "f", "v"}, {"XADD", "s1", "6-1", "f", "v"}, {"XGROUP", "CREATE", "s1", "g1", "0"},
			read, {"XTRIM", "s1", "MINID", "9"}, {"XSETID", "s1", "0-1"}},
		// With an entry deleted while pending, below the new last ID.
		{{"XADD", "s1", "1-1", "f", "v"}, {"XADD", "s1", "2-1", "f", "v"}, {"XADD", "s1", "8-1", "f", "v"},
			{"XGROUP", "CREATE", "s1", "g1", "0"}, read, {"XDEL", "s1", "2-1"},
			{"XTRIM", "s1", "MAXLEN", "0"}, {"XSETID", "s1", "3-0"}},
		// With the entries-added counter lowered below the number of
		// entries trimmed while pending, the last ID below them or not.
		{{"XADD", "s1", "1-1", "f", "v"}, {"XADD", "s1", "2-1", "f", "v"}, {"XGROUP", "CREATE", "s1", "g1", "0"},
			read, {"XTRIM", "s1", "MAXLEN", "0"}, {"XSETID", "s1", "4-0", "ENTRIESADDED", "0"}},
		{{"XADD", "s1", "1-1", "f", "v"}, {"XADD", "s1", "7-1", "f", "v"}, {"XADD", "s1", "8-1", "f", "v"},
			{"XGROUP", "CREATE", "s1", "g1", "0"}, read, {"XTRIM", "s1", "MAXLEN", "0"},
			{"XSETID", "s1", "4-0", "ENTRIESADDED", "1"}},
	} {
		t.Run(fmt.Sprint(i), func(t *testing.T) {
			dir := t.TempDir()
			clk := instream.NewManualClock(time.UnixMilli(1000)) // idle times stay put
			open := func() *persist.DB {
				db, err := persist.Open(dir, persist.Options{Engine: instream.Options{Clock: clk}, Fsync: aof.No})
				if err != nil {
					t.Fatal(err)
				}
				return db
			}
			db := open()
			for _, cmd := range cmds {
				if _, err := db.Do(context.Background(), cmd...); err != nil {
					t.Fatalf("%q: %v", cmd, err)
				}
			}
			want := state(t, db.Engine)
			if err := db.Rewrite(); err != nil {
				t.Fatal(err)
			}
			if err := db.Close(); err != nil {
				t.Fatal(err)
			}
			db = open()
			defer db.Close()
			if got := state(t, db.Engine); !reflect.DeepEqual(got, want) {
				t.Fatalf("after a rewrite and a reopen:\n got %v\nwant %v", got, want)
			}
			// The stream goes on from its last ID, below the removed entries.
			if _, err := db.Add("s1", instream.AddArgs{ID: instream.ID{Ms: 4, Seq: 5}, Fields: []instream.Field{{Name: "f", Value: "v"}}}); err != nil {
				t.Fatalf("add above the lowered last ID: %v", err)
			}
		})
	}
}
