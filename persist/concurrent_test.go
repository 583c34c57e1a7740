package persist_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/instream/instream"
	"github.com/instream/instream/aof"
	"github.com/instream/instream/persist"
)

// TestDB_concurrentReplay runs random commands from several goroutines
// at once, with multi-key ones (DEL, RENAME, FLUSHALL, MULTI batches) and,
// with rewrites, a rewrite now and then; reopened, the log must rebuild
// exactly the state the engine had. Each key's records must be in the
// order its changes were made, and a multi-key change one record, even
// though calls on different keys run in parallel.
func TestDB_concurrentReplay(t *testing.T) {
	for _, rewrite := range []bool{false, true} {
		for seed := range uint64(3) {
			t.Run(fmt.Sprint("rewrite=", rewrite, "/seed=", seed), func(t *testing.T) {
				concurrentReplay(t, seed, rewrite)
			})
		}
	}
}

func concurrentReplay(t *testing.T, seed uint64, rewrite bool) {
	clk := instream.NewManualClock(time.UnixMilli(1000))
	dir := t.TempDir()
	open := func() *persist.DB {
		db, err := persist.Open(dir, persist.Options{
			Engine: instream.Options{Clock: clk, NodeMaxEntries: 4}, Fsync: aof.No})
		if err != nil {
			t.Fatal(err)
		}
		return db
	}
	db := open()
	ctx := context.Background()
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Go(func() {
			r := rand.New(rand.NewPCG(seed, uint64(g)))
			for range 400 {
				if r.IntN(8) == 0 {
					clk.Advance(time.Duration(r.IntN(2)) * time.Millisecond)
				}
				if r.IntN(10) == 0 {
					batch := make([][]string, 2+r.IntN(3))
					for i := range batch {
						batch[i] = randomCommandOf(r, true, !rewrite)
					}
					runBatch(db.Engine, batch)
					continue
				}
				db.Do(ctx, randomCommandOf(r, true, !rewrite)...)
			}
		})
	}
	if rewrite {
		wg.Go(func() {
			for range 4 {
				if err := db.Rewrite(); err != nil {
					t.Error(err)
				}
				time.Sleep(time.Millisecond)
			}
		})
	}
	wg.Wait()
	want := state(t, db.Engine)
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	db = open()
	defer db.Close()
	if got := state(t, db.Engine); !reflect.DeepEqual(want, got) {
		t.Fatalf("reopened:\n got %v\nwant %v", got, want)
	}
}
