package persist_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/instream/instream"
	"github.com/instream/instream/aof"
	"github.com/instream/instream/persist"
)

// The counts of idempotent adds and duplicates (XINFO STREAM's iids-added
// and iids-duplicates) survive a reopen and a rewrite, as Redis keeps
// them in its RDB snapshots and replays its AOF's adds and duplicates;
// the log carries them as annotations. A key too long for an annotation
// line keeps its remembered IDs but not the counts.
func TestIdempotencyCounts(t *testing.T) {
	for _, rewrite := range []bool{false, true} {
		for _, key := range []string{"s", strings.Repeat("k", 1100)} {
			name := "reopen"
			if rewrite {
				name = "rewrite"
			}
			t.Run(name+"/key="+key[:1]+"...", func(t *testing.T) {
				ctx := context.Background()
				clk := instream.NewManualClock(time.UnixMilli(1000))
				dir := t.TempDir()
				open := func() *persist.DB {
					db, err := persist.Open(dir, persist.Options{Engine: instream.Options{Clock: clk}, Fsync: aof.No})
					if err != nil {
						t.Fatal(err)
					}
					return db
				}
				db := open()
				for _, iid := range []string{"a", "a", "b", "a", "c"} {
					if _, err := db.Do(ctx, "XADD", key, "IDMP", "p", iid, "*", "f", "v"); err != nil {
						t.Fatal(err)
					}
				}
				if rewrite {
					if err := db.Rewrite(); err != nil {
						t.Fatal(err)
					}
				}
				if err := db.Close(); err != nil {
					t.Fatal(err)
				}
				db = open()
				defer db.Close()
				info, err := db.Info(key)
				if err != nil {
					t.Fatal(err)
				}
				added, dups := int64(3), int64(2)
				if len(key) > 1000 {
					added, dups = 0, 0
				}
				if info.IdempotencyIDs != 3 || info.IdempotentAdds != added || info.Duplicates != dups {
					t.Errorf("after reopening: %d IDs, %d adds, %d duplicates; want 3, %d, %d",
						info.IdempotencyIDs, info.IdempotentAdds, info.Duplicates, added, dups)
				}
			})
		}
	}
}
