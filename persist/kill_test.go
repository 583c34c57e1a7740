package persist_test

import (
	"bufio"
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/instream/instream"
	"github.com/instream/instream/aof"
	"github.com/instream/instream/internal/child"
	"github.com/instream/instream/persist"
)

const childEnv = "PERSIST_KILL_CHILD_DIR"

// TestMain runs the crash loop's child, or the lock test's, when asked
// to.
func TestMain(m *testing.M) {
	if dir := os.Getenv(childEnv); dir != "" {
		runChild(dir)
		return
	}
	if dir := os.Getenv(openChildEnv); dir != "" {
		runOpenChild(dir)
		return
	}
	os.Exit(m.Run())
}

// runChild adds entries and acknowledges some under Always, printing
// each one that returned success, until it is killed.
func runChild(dir string) {
	db, err := persist.Open(dir, persist.Options{Fsync: aof.Always})
	if err != nil {
		fmt.Println("E", err)
		os.Exit(1)
	}
	ctx := context.Background()
	w := bufio.NewWriter(os.Stdout)
	fmt.Fprintln(w, "R") // open: the parent's clock starts
	w.Flush()
	for i := 0; ; i++ {
		id, err := db.Do(ctx, "XADD", "s", "*", "n", fmt.Sprint(i))
		if err != nil {
			fmt.Fprintln(w, "E", err)
			w.Flush()
			os.Exit(1)
		}
		fmt.Fprintln(w, "A", id)
		if i%3 == 0 {
			res, err := db.ReadGroup(ctx, instream.ReadGroupArgs{Group: "g", Consumer: "c",
				Count: 1, Streams: []instream.GroupStream{{Key: "s"}}})
			if err == nil && len(res) == 1 {
				got := res[0].Entries[0].ID
				if _, err := db.Ack("s", "g", got); err == nil {
					fmt.Fprintln(w, "K", got)
				}
			}
		}
		w.Flush()
	}
}

// TestKillLoop kills a writing child at random moments; after each
// reopen every add and ack that returned success is there, the group is
// consistent, and IDs keep growing.
func TestKillLoop(t *testing.T) {
	if testing.Short() {
		t.Skip("runs child processes")
	}
	dir := t.TempDir()
	r := rand.New(rand.NewPCG(1, 2))
	added := map[string]bool{}
	acked := map[string]bool{}
	var last instream.ID
	db, err := persist.Open(dir, persist.Options{Fsync: aof.Always})
	if err != nil {
		t.Fatal(err)
	}
	if err := db.CreateGroup("s", instream.GroupArgs{Group: "g", MkStream: true}); err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	for round := range 12 {
		cmd, lines := child.Start(t, childEnv+"="+dir)
		// The kill comes at a random moment after the child has opened
		// the log (a slow, loaded machine may take long to start it).
		var deadline <-chan time.Time
	read:
		for {
			select {
			case l, ok := <-lines:
				if !ok {
					break read
				}
				switch {
				case l == "R":
					deadline = time.After(time.Duration(20+r.IntN(200)) * time.Millisecond)
				case strings.HasPrefix(l, "A "):
					added[l[2:]] = true
				case strings.HasPrefix(l, "K "):
					acked[l[2:]] = true
				default:
					t.Fatalf("round %d: child: %s", round, l)
				}
			case <-deadline:
				cmd.Process.Kill()
				for l := range lines { // lines printed before the kill
					if strings.HasPrefix(l, "A ") {
						added[l[2:]] = true
					} else if strings.HasPrefix(l, "K ") {
						acked[l[2:]] = true
					}
				}
				break read
			}
		}
		cmd.Wait()

		db, err := persist.Open(dir, persist.Options{Fsync: aof.Always})
		if err != nil {
			t.Fatalf("round %d: reopen: %v", round, err)
		}
		ents, err := db.Range("s", instream.ID{}, instream.MaxID, 0)
		if err != nil {
			t.Fatal(err)
		}
		have := map[string]bool{}
		for _, en := range ents {
			have[en.ID.String()] = true
		}
		for id := range added {
			if !have[id] {
				t.Fatalf("round %d: acknowledged add %s lost", round, id)
			}
		}
		pend, err := db.Pending("s", instream.PendingArgs{Group: "g"})
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range pend {
			if acked[p.ID.String()] {
				t.Fatalf("round %d: acknowledged ack of %s lost", round, p.ID)
			}
			if !have[p.ID.String()] {
				t.Fatalf("round %d: pending %s has no entry", round, p.ID)
			}
		}
		sum, err := db.PendingSummary("s", "g")
		if err != nil || sum.Count != int64(len(pend)) {
			t.Fatalf("round %d: summary %+v %v, list %d", round, sum, err, len(pend))
		}
		info, err := db.Info("s")
		if err != nil {
			t.Fatal(err)
		}
		if info.LastGeneratedID.Less(last) {
			t.Fatalf("round %d: last ID went back from %v to %v", round, last, info.LastGeneratedID)
		}
		last = info.LastGeneratedID
		if err := db.Close(); err != nil {
			t.Fatal(err)
		}
	}
	if len(added) < 50 || len(acked) < 10 {
		t.Fatalf("only %d adds and %d acks in all rounds", len(added), len(acked))
	}
}
