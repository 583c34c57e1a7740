package persist_test

import (
	"context"
	"reflect"
	"testing"

	"github.com/instream/instream/aof"
	"github.com/instream/instream/persist"
)

// XDELEX DELREF on an entry already gone still removes its pending
// references (and answers -1 for it, as for an ID nothing holds). That
// change must reach the log even when every ID answers -1, or the
// references come back on reopen (found by TestDifferential, seeds 1045
// and 1161 with -count raised).
func TestDelRefOfGoneEntrySurvivesReopen(t *testing.T) {
	tests := []struct {
		name   string
		remove []string // how the entry goes, keeping its references
		delex  []string
	}{
		{"XDEL", []string{"XDEL", "s", "1-0"},
			[]string{"XDELEX", "s", "DELREF", "IDS", "1", "1-0"}},
		{"XTRIM KEEPREF", []string{"XTRIM", "s", "MINID", "2-0", "KEEPREF"},
			[]string{"XDELEX", "s", "DELREF", "IDS", "1", "1-0"}},
		{"with an ID never added", []string{"XDEL", "s", "1-0"},
			[]string{"XDELEX", "s", "DELREF", "IDS", "2", "1-0", "9-0"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := context.Background()
			dir := t.TempDir()
			open := func() *persist.DB {
				db, err := persist.Open(dir, persist.Options{Fsync: aof.No})
				if err != nil {
					t.Fatal(err)
				}
				return db
			}
			db := open()
			for _, cmd := range [][]string{
				{"XADD", "s", "1-0", "f", "v"},
				{"XADD", "s", "2-0", "f", "v"},
				{"XGROUP", "CREATE", "s", "g1", "0"},
				{"XGROUP", "CREATE", "s", "g2", "0"},
				{"XREADGROUP", "GROUP", "g1", "c", "STREAMS", "s", ">"},
				{"XREADGROUP", "GROUP", "g2", "c", "COUNT", "1", "STREAMS", "s", ">"},
				tt.remove,
			} {
				if _, err := db.Do(ctx, cmd...); err != nil {
					t.Fatalf("%q: %v", cmd, err)
				}
			}
			got, err := db.Do(ctx, tt.delex...)
			if err != nil {
				t.Fatal(err)
			}
			want := []any{int64(-1)}
			if len(tt.delex) > 6 {
				want = append(want, int64(-1))
			}
			if !reflect.DeepEqual(got, want) {
				t.Fatalf("%q = %v, want %v", tt.delex, got, want)
			}
			pending := func(db *persist.DB) []any {
				var all []any
				for _, g := range []string{"g1", "g2"} {
					p, err := db.Do(ctx, "XPENDING", "s", g) // no idle times
					if err != nil {
						t.Fatal(err)
					}
					all = append(all, p)
				}
				return all
			}
			before := pending(db)
			if err := db.Close(); err != nil {
				t.Fatal(err)
			}
			db = open()
			defer db.Close()
			if after := pending(db); !reflect.DeepEqual(after, before) {
				t.Fatalf("pending after reopen %v, before %v", after, before)
			}
		})
	}
}
