package aof_test

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/instream/instream/aof"
	"github.com/instream/instream/aof/crashfs"
)

// history is the test's model of a log: every command appended, in log
// order, and the ones acknowledged.
type history struct {
	mu    sync.Mutex // held across Append, as the engine holds its lock
	cmds  []string   // each command's ID, flattened over records
	next  int
	acked map[string]bool
	end   map[string]string // each command's ID → the last ID of its record
}

// add appends a record of one to three commands and returns its IDs.
func (h *history) add(l *aof.Log, rng *rand.Rand) (uint64, []string, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	var rec [][]string
	var ids []string
	for range 1 + rng.IntN(3) {
		h.next++
		id := fmt.Sprintf("%d-0", h.next)
		rec = append(rec, []string{"XADD", "s", id, "f", "v"})
		ids = append(ids, id)
	}
	seq, err := l.Append(rec...)
	if err == nil {
		h.cmds = append(h.cmds, ids...)
		for _, id := range ids {
			h.end[id] = ids[len(ids)-1]
		}
	}
	return seq, ids, err
}

// check verifies that a reopened log holds a prefix of the history, at
// call boundaries, with every acknowledged command in it, and makes that
// prefix the history.
func (h *history) check(t *testing.T, got [][][]string, acked map[string]bool) {
	t.Helper()
	var ids []string
	for _, r := range got {
		for _, c := range r {
			ids = append(ids, c[2])
		}
	}
	if len(ids) > len(h.cmds) || !slices.Equal(ids, h.cmds[:len(ids)]) {
		t.Fatalf("reopened log is not a prefix of what was appended:\n got %q\nwant a prefix of %q", ids, h.cmds)
	}
	have := map[string]bool{}
	for _, id := range ids {
		have[id] = true
	}
	for id := range acked {
		if !have[id] {
			t.Fatalf("acknowledged command %s lost (log holds %d of %d commands)", id, len(ids), len(h.cmds))
		}
	}
	if n := len(ids); n > 0 && h.end[ids[n-1]] != ids[n-1] {
		t.Fatalf("half a record survived: ends at %s, the record at %s", ids[n-1], h.end[ids[n-1]])
	}
	h.cmds = ids
}

// A machine crash at a random moment, with writers and rewrites running
// under Always, loses no acknowledged record and never half a record.
func TestCrash_always(t *testing.T) {
	seed := uint64(time.Now().UnixNano())
	t.Logf("seed %d", seed)
	rng := rand.New(rand.NewPCG(seed, 1))
	fs := crashfs.New()
	h := &history{acked: map[string]bool{}, end: map[string]string{}}
	iterations := 40
	if testing.Short() {
		iterations = 10
	}
	for iter := range iterations {
		opts := aof.Options{FS: fs, Dir: "/d", Fsync: aof.Always}
		l, got, _ := open(t, opts)
		h.check(t, got, h.acked)
		h.acked = map[string]bool{}

		stop := make(chan struct{})
		var wg sync.WaitGroup
		var ackMu sync.Mutex
		acked := map[string]bool{}
		for w := range 4 {
			wg.Go(func() {
				r := rand.New(rand.NewPCG(seed, uint64(iter*10+w+2)))
				for {
					select {
					case <-stop:
						return
					default:
					}
					seq, ids, err := h.add(l, r)
					if err != nil {
						return
					}
					if l.Wait(seq) != nil {
						return
					}
					ackMu.Lock()
					for _, id := range ids {
						acked[id] = true
					}
					ackMu.Unlock()
				}
			})
		}
		wg.Go(func() { // rewrites, now and then
			rng := rand.New(rand.NewPCG(seed, uint64(iter)))
			for {
				select {
				case <-stop:
					return
				case <-time.After(time.Duration(rng.IntN(3)) * time.Millisecond):
				}
				rw, err := l.BeginRewrite()
				if err != nil {
					return
				}
				h.mu.Lock()
				err = rw.Cut()
				snap := slices.Clone(h.cmds)
				h.mu.Unlock()
				if err == nil {
					err = rw.WriteBase(func(w *aof.BaseWriter) error {
						for _, id := range snap {
							if err := w.Add("XADD", "s", id, "f", "v"); err != nil {
								return err
							}
						}
						return nil
					})
				}
				if err == nil {
					err = rw.Commit()
				}
				if err != nil {
					rw.Abort()
					return
				}
			}
		})
		time.Sleep(time.Duration(1+rng.IntN(8)) * time.Millisecond)
		ackMu.Lock()
		h.acked = maps(acked)
		ackMu.Unlock()
		crashed := fs.Crash(rng)
		close(stop)
		l.Close() // the old process's log; its files are gone with the crash
		wg.Wait()
		fs = crashed
		_ = iter
	}
	l, got, _ := open(t, aof.Options{FS: fs, Dir: "/d"})
	h.check(t, got, h.acked)
	l.Close()
}

func maps(m map[string]bool) map[string]bool {
	out := make(map[string]bool, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

// A process that dies at any filesystem operation of a run that
// appends, rewrites and appends again leaves a directory that opens with
// every acknowledged record, whatever unsynced data the crash keeps.
func TestCrash_everyStep(t *testing.T) {
	run := func(fs *crashfs.FS, dieAt int) (ops int, acked int, appended int) {
		fs.SetFault(func(op crashfs.Op, name string) error {
			ops++
			if dieAt >= 0 && ops > dieAt {
				return crashfs.ErrInjected
			}
			return nil
		})
		defer fs.SetFault(nil)
		l, _, err := aof.Open(aof.Options{FS: fs, Dir: "/d", Fsync: aof.Always}, func([][]string) error { return nil })
		if err != nil {
			return ops, 0, 0
		}
		defer l.Close()
		add := func(n int) bool {
			for range n {
				seq, err := l.Append(record(appended)...)
				if err != nil {
					return false
				}
				appended++
				if l.Wait(seq) != nil {
					return false
				}
				acked = appended
			}
			return true
		}
		if !add(4) {
			return
		}
		rw, err := l.BeginRewrite()
		if err != nil {
			return
		}
		defer rw.Abort()
		if !add(2) || rw.Cut() != nil {
			return
		}
		snap := appended
		if !add(2) {
			return
		}
		err = rw.WriteBase(func(w *aof.BaseWriter) error {
			for i := range snap {
				for _, c := range record(i) {
					if err := w.Add(c...); err != nil {
						return err
					}
				}
			}
			return nil
		})
		if err != nil || !add(1) || rw.Commit() != nil {
			return
		}
		add(2)
		return
	}
	total, acked, _ := run(crashfs.New(), -1)
	if acked != 11 {
		t.Fatalf("a run without faults acknowledged %d records, want 11", acked)
	}
	for dieAt := 0; dieAt <= total; dieAt++ {
		for _, keep := range []*rand.Rand{nil, rand.New(rand.NewPCG(uint64(dieAt), 7))} {
			fs := crashfs.New()
			_, acked, appended := run(fs, dieAt)
			crashed := fs.Crash(keep)
			l, got, rec := open(t, aof.Options{FS: crashed, Dir: "/d"})
			var ids []string
			for _, r := range got {
				for _, c := range r {
					ids = append(ids, c[2])
				}
			}
			var want []string
			for i := range appended {
				for _, c := range record(i) {
					if c[0] == "XADD" {
						want = append(want, c[2])
					}
				}
			}
			var xadds []string
			for _, r := range got {
				for _, c := range r {
					if c[0] == "XADD" {
						xadds = append(xadds, c[2])
					}
				}
			}
			if len(xadds) > len(want) || !slices.Equal(xadds, want[:len(xadds)]) {
				t.Fatalf("die at op %d: log holds %q, not a prefix of %q", dieAt, xadds, want)
			}
			if len(xadds) < acked {
				t.Fatalf("die at op %d (keep unsynced: %v): %d records survived, %d were acknowledged (cut %+v)", dieAt, keep != nil, len(xadds), acked, rec.Cut)
			}
			if err := l.Close(); err != nil {
				t.Fatalf("die at op %d: Close after reopen: %v", dieAt, err)
			}
		}
	}
}

// A failed write or sync sets a sticky ErrWriteFailed; once the disk
// works again, a retry writes what was kept, and nothing is lost or
// doubled.
func TestFaults(t *testing.T) {
	for _, p := range []aof.Policy{aof.Always, aof.Everysec} {
		for _, op := range []crashfs.Op{crashfs.OpWrite, crashfs.OpSync} {
			t.Run(fmt.Sprintf("fsync=%s/op=%s", p, op), func(t *testing.T) {
				fs := crashfs.New()
				opts := aof.Options{FS: fs, Dir: "/d", Fsync: p}
				l, _, _ := open(t, opts)
				appendN(t, l, 0, 3)
				if err := l.Sync(); err != nil {
					t.Fatal(err)
				}
				failing := failOp(fs, op)
				failing.Store(true)
				seq, err := l.Append(record(3)...)
				if err != nil {
					t.Fatalf("Append before the fault is seen: %v", err)
				}
				if p == aof.Always {
					if err := l.Wait(seq); !errors.Is(err, aof.ErrWriteFailed) {
						t.Fatalf("Wait = %v, want ErrWriteFailed", err)
					}
				} else if err := l.Sync(); !errors.Is(err, aof.ErrWriteFailed) {
					t.Fatalf("Sync = %v, want ErrWriteFailed", err)
				}
				if err := l.Err(); !errors.Is(err, aof.ErrWriteFailed) || !errors.Is(err, crashfs.ErrInjected) {
					t.Fatalf("Err after the fault = %v, want ErrWriteFailed wrapping the cause", err)
				}
				// A record appended by a call that passed its check before the
				// fault is kept, not dropped.
				seq, err = l.Append(record(4)...)
				if err != nil {
					t.Fatalf("Append after the fault: %v", err)
				}
				if err := l.Wait(seq); p == aof.Always && !errors.Is(err, aof.ErrWriteFailed) {
					t.Fatalf("Wait while failing = %v, want ErrWriteFailed", err)
				}
				if err := l.Sync(); !errors.Is(err, aof.ErrWriteFailed) {
					t.Fatalf("Sync while failing = %v, want ErrWriteFailed", err)
				}
				failing.Store(false)
				if err := l.Sync(); err != nil {
					t.Fatalf("Sync after the disk recovered: %v", err)
				}
				if err := l.Err(); err != nil {
					t.Fatalf("Err after recovery = %v", err)
				}
				appendN(t, l, 5, 6)
				if err := l.Close(); err != nil {
					t.Fatal(err)
				}
				got, rec, err := collect(t, aof.Options{FS: fs.Crash(nil), Dir: "/d"})
				if err != nil || rec.Cut != nil {
					t.Fatalf("Read after a crash: %v, cut %+v", err, rec.Cut)
				}
				wantRecords(t, got, 6)
			})
		}
	}
}

// Under Everysec a failed write or background sync sets the sticky
// error, and the writer retries by itself once a second.
func TestFaults_retryInBackground(t *testing.T) {
	for _, op := range []crashfs.Op{crashfs.OpWrite, crashfs.OpSync} {
		t.Run("op="+op.String(), func(t *testing.T) {
			fs := crashfs.New()
			l, _, _ := open(t, aof.Options{FS: fs, Dir: "/d", Fsync: aof.Everysec})
			defer l.Close()
			failing := failOp(fs, op)
			failing.Store(true)
			if _, err := l.Append(record(0)...); err != nil {
				t.Fatal(err)
			}
			deadline := time.Now().Add(5 * time.Second)
			for l.Err() == nil && time.Now().Before(deadline) {
				time.Sleep(time.Millisecond)
			}
			if !errors.Is(l.Err(), aof.ErrWriteFailed) || !errors.Is(l.Err(), crashfs.ErrInjected) {
				t.Fatalf("Err = %v, want ErrWriteFailed wrapping the cause", l.Err())
			}
			failing.Store(false)
			for l.Err() != nil && time.Now().Before(deadline) {
				time.Sleep(10 * time.Millisecond)
			}
			if err := l.Err(); err != nil {
				t.Fatalf("no background recovery within 5 s: %v", err)
			}
			// The retry synced the record.
			got, _, err := collect(t, aof.Options{FS: fs.Crash(nil), Dir: "/d"})
			if err != nil {
				t.Fatal(err)
			}
			wantRecords(t, got, 1)
		})
	}
}
