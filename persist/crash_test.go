package persist_test

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/instream/instream"
	"github.com/instream/instream/aof"
	"github.com/instream/instream/aof/crashfs"
	"github.com/instream/instream/persist"
)

// TestCrashFS crashes an in-memory filesystem at random moments while
// producers add and acknowledge under Always; after each crash the
// reopened engine holds every change that returned success.
func TestCrashFS(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	fsys := crashfs.New()
	opts := func(f aof.FS) persist.Options { return persist.Options{FS: f, Fsync: aof.Always} }
	var added, acked sync.Map
	for round := range 20 {
		db, err := persist.Open("d", opts(fsys))
		if err != nil {
			t.Fatalf("round %d: open: %v", round, err)
		}
		checkDurable(t, db, &added, &acked)
		db.CreateGroup("s", instream.GroupArgs{Group: "g", MkStream: true})
		var crashed atomic.Bool
		var done atomic.Int64 // successful adds this round
		var wg sync.WaitGroup
		stop := make(chan struct{})
		for w := range 4 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := 0; ; i++ {
					select {
					case <-stop:
						return
					default:
					}
					id, err := db.Add("s", instream.AddArgs{Fields: []instream.Field{{Name: "w", Value: fmt.Sprint(w)}}})
					if err != nil {
						return // closed by the crash
					}
					if crashed.Load() {
						return
					}
					added.Store(id, true)
					done.Add(1)
					if i%2 == 0 {
						res, err := db.TryReadGroup(instream.ReadGroupArgs{Group: "g", Consumer: fmt.Sprint("c", w),
							Count: 1, Streams: []instream.GroupStream{{Key: "s"}}})
						if err == nil && len(res) == 1 {
							got := res[0].Entries[0].ID
							if _, err := db.Ack("s", "g", got); err == nil && !crashed.Load() {
								acked.Store(got, true)
							}
						}
					}
				}
			}()
		}
		for want := int64(20 + r.IntN(200)); done.Load() < want; {
			time.Sleep(50 * time.Microsecond) // let the producers run
		}
		// The crash: what is synced now (and a random part of the rest)
		// is what the next round finds. A call that returns after it may
		// report success for a change the crash lost, so counting stops
		// first: a success counted returned before the crash.
		crashed.Store(true)
		next := fsys.Crash(r)
		close(stop)
		wg.Wait()
		db.Close()
		fsys = next
	}
	db, err := persist.Open("d", opts(fsys))
	if err != nil {
		t.Fatal(err)
	}
	checkDurable(t, db, &added, &acked)
	n := 0
	added.Range(func(any, any) bool { n++; return true })
	if n < 400 {
		t.Fatalf("only %d adds in all rounds", n)
	}
	db.Close()
}

func checkDurable(t *testing.T, db *persist.DB, added, acked *sync.Map) {
	t.Helper()
	ents, _ := db.Range("s", instream.ID{}, instream.MaxID, 0)
	have := map[instream.ID]bool{}
	for _, en := range ents {
		have[en.ID] = true
	}
	added.Range(func(k, _ any) bool {
		if !have[k.(instream.ID)] {
			t.Fatalf("acknowledged add %v lost", k)
		}
		return true
	})
	pend, _ := db.Pending("s", instream.PendingArgs{Group: "g"})
	for _, p := range pend {
		if _, ok := acked.Load(p.ID); ok {
			t.Fatalf("acknowledged ack of %v lost", p.ID)
		}
	}
}

// TestSyncFault fails syncs: the write that hit the fault fails, later
// writes are refused with MISCONF while reads go on, and once the disk
// works again a Sync clears the error and writes are accepted.
func TestSyncFault(t *testing.T) {
	fsys := crashfs.New()
	db, err := persist.Open("d", persist.Options{FS: fsys, Fsync: aof.Always})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ctx := context.Background()
	if _, err := db.Do(ctx, "XADD", "s", "1-1", "f", "v"); err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	failing := true
	fsys.SetFault(func(op crashfs.Op, name string) error {
		mu.Lock()
		defer mu.Unlock()
		if failing && op == crashfs.OpSync {
			return crashfs.ErrInjected
		}
		return nil
	})
	if _, err := db.Add("s", instream.AddArgs{Fields: []instream.Field{{Name: "f", Value: "v"}}}); !errors.Is(err, instream.ErrLogFailed) {
		t.Fatalf("add during fault: %v, want ErrLogFailed", err)
	}
	_, err = db.Do(ctx, "XADD", "s", "*", "f", "v")
	if err == nil || !strings.HasPrefix(err.Error(), "MISCONF Errors writing to the AOF file: ") {
		t.Fatalf("Do during fault: %v", err)
	}
	if n, err := db.Len("s"); err != nil || n != 2 {
		t.Fatalf("read during fault: %d %v (the first failed add is applied, its durability unknown)", n, err)
	}
	mu.Lock()
	failing = false
	mu.Unlock()
	if err := db.Sync(); err != nil {
		t.Fatalf("sync after the fault: %v", err)
	}
	if _, err := db.Do(ctx, "XADD", "s", "*", "f", "v"); err != nil {
		t.Fatalf("add after the fault: %v", err)
	}
	// Everything, the add whose sync failed included, is durable now.
	crashed := fsys.Crash(nil)
	db2, err := persist.Open("d", persist.Options{FS: crashed})
	if err != nil {
		t.Fatal(err)
	}
	defer db2.Close()
	if n, _ := db2.Len("s"); n != 3 {
		t.Fatalf("after crash: %d entries, want 3", n)
	}
}
