package aof_test

import (
	"fmt"
	"math/rand/v2"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/instream/instream/aof"
	"github.com/instream/instream/aof/crashfs"
)

// Concurrent Everysec appenders, whose Waits write full chunks, with
// rewrites cutting meanwhile and, in one run, writes failing at times:
// once the disk works, the log holds exactly the appended records, in
// order.
func TestEverysec_concurrentRewrites(t *testing.T) {
	for _, faults := range []bool{false, true} {
		t.Run(fmt.Sprint("faults=", faults), func(t *testing.T) {
			fs := crashfs.New()
			opts := aof.Options{FS: fs, Dir: "/d", Fsync: aof.Everysec}
			l, _, _ := open(t, opts)
			failing := failOp(fs, crashfs.OpWrite)
			var mu sync.Mutex
			var all [][]string
			value := strings.Repeat("v", 300)
			var wg sync.WaitGroup
			finished := make(chan struct{})
			for g := range 4 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for i := 0; i < 20000; i++ {
						cmd := []string{"XADD", fmt.Sprintf("s%d", g), fmt.Sprintf("%d-1", i+1), "f", value}
						mu.Lock()
						seq, err := l.Append(cmd)
						if err == nil {
							all = append(all, cmd)
						}
						mu.Unlock()
						if err != nil {
							t.Error(err)
							return
						}
						l.Wait(seq)
					}
				}()
			}
			go func() { wg.Wait(); close(finished) }()
			commits := 0
			rng := rand.New(rand.NewPCG(1, 2))
			for k := 0; k < 40; k++ {
				select {
				case <-finished:
					k = 100
					continue
				default:
				}
				time.Sleep(time.Duration(rng.IntN(3)) * time.Millisecond)
				if faults {
					failing.Store(rng.IntN(2) == 0)
				}
				if l.Err() != nil {
					continue
				}
				r, err := l.BeginRewrite()
				if err != nil {
					continue
				}
				mu.Lock()
				err = r.Cut()
				snap := append([][]string(nil), all...)
				mu.Unlock()
				if err != nil {
					t.Fatal(err)
				}
				err = r.WriteBase(func(w *aof.BaseWriter) error {
					for _, c := range snap {
						if err := w.Add(c...); err != nil {
							return err
						}
					}
					return nil
				})
				if err == nil {
					err = r.Commit()
				}
				if err == nil {
					commits++
				}
				if err != nil {
					r.Abort()
				}
			}
			failing.Store(false)
			<-finished
			if err := l.Sync(); err != nil {
				t.Fatal(err)
			}
			if err := l.Close(); err != nil {
				t.Fatal(err)
			}
			got, rec, err := collect(t, aof.Options{FS: fs.Crash(nil), Dir: "/d"})
			if err != nil || rec.Cut != nil {
				t.Fatalf("%v %+v", err, rec.Cut)
			}
			var flat [][]string
			for _, r := range got {
				flat = append(flat, r...)
			}
			if len(flat) != len(all) {
				t.Fatalf("%d commands, want %d", len(flat), len(all))
			}
			for i := range all {
				if !reflect.DeepEqual(flat[i][:3], all[i][:3]) {
					t.Fatalf("command %d = %q, want %q", i, flat[i][:3], all[i][:3])
				}
			}
			if !faults && commits == 0 {
				t.Log("no rewrite committed while appending")
			}
		})
	}
}

// A crash of the process loses only the records of the last moment: the
// writer writes within about a millisecond, not at the once-a-second
// tick. The check is on the median loss of 30 samples, so that a loaded
// machine's scheduling pauses do not fail it; the worst sample is held
// to the 2 s bound of changes a crash can lose.
func TestEverysec_crashLossBound(t *testing.T) {
	fs := crashfs.New()
	l, _, _ := open(t, aof.Options{FS: fs, Dir: "/d", Fsync: aof.Everysec})
	defer l.Close()
	var returned []time.Time
	var losses []time.Duration
	for i := 0; i < 3000; i++ {
		seq, err := l.Append(record(i)...)
		if err == nil {
			err = l.Wait(seq)
		}
		if err != nil {
			t.Fatal(err)
		}
		returned = append(returned, time.Now())
		if i%100 == 99 {
			time.Sleep(time.Duration(i%7) * time.Millisecond / 2)
			now := time.Now()
			got, _, err := collect(t, aof.Options{FS: fs, Dir: "/d"})
			if err != nil {
				t.Fatal(err)
			}
			loss := time.Duration(0)
			if len(got) < len(returned) {
				loss = now.Sub(returned[len(got)])
			}
			losses = append(losses, loss)
		}
	}
	slices.Sort(losses)
	if median := losses[len(losses)/2]; median > 50*time.Millisecond {
		t.Errorf("a crash loses records returned %v before (median of %d samples: %v)", median, len(losses), losses)
	}
	if worst := losses[len(losses)-1]; worst > aof.MaxPostpone {
		t.Errorf("a crash loses records returned %v before", worst)
	}
}
