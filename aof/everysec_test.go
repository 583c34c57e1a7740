package aof_test

import (
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/instream/instream/aof"
	"github.com/instream/instream/aof/crashfs"
)

// slowSyncFS is a crashfs whose file syncs, while hold is set, wait for
// it to be closed: a disk whose fsync takes long.
type slowSyncFS struct {
	*crashfs.FS
	mu   sync.Mutex
	hold chan struct{}
	held chan struct{} // receives when a sync starts waiting
}

func newSlowSyncFS() *slowSyncFS {
	return &slowSyncFS{FS: crashfs.New(), held: make(chan struct{}, 1)}
}

func (s *slowSyncFS) Create(name string) (aof.File, error) {
	f, err := s.FS.Create(name)
	if err != nil {
		return nil, err
	}
	return slowFile{f, s}, nil
}

func (s *slowSyncFS) OpenAppend(name string) (aof.File, error) {
	f, err := s.FS.OpenAppend(name)
	if err != nil {
		return nil, err
	}
	return slowFile{f, s}, nil
}

// setHold makes syncs wait (on) or lets them go (off).
func (s *slowSyncFS) setHold(on bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if on && s.hold == nil {
		s.hold = make(chan struct{})
	}
	if !on && s.hold != nil {
		close(s.hold)
		s.hold = nil
	}
}

type slowFile struct {
	aof.File
	fs *slowSyncFS
}

func (f slowFile) Sync() error {
	f.fs.mu.Lock()
	hold := f.fs.hold
	f.fs.mu.Unlock()
	if hold != nil {
		select {
		case f.fs.held <- struct{}{}:
		default:
		}
		<-hold
	}
	return f.File.Sync()
}

// waitRecords reads the log as a crash would leave it until it holds n
// records, and fails the test if that takes more than two seconds.
// crash returns the filesystem a crash leaves.
func waitRecords(t *testing.T, crash func() aof.FS, n int, what string) {
	t.Helper()
	deadline := time.Now().Add(2 * time.Second)
	for {
		got, rec, err := collect(t, aof.Options{FS: crash(), Dir: "/d"})
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		if len(got) == n && rec.Cut == nil {
			wantRecords(t, got, n)
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: %d of %d records after 2 s (cut %+v)", what, len(got), n, rec.Cut)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// Under Everysec the sync runs in the background: while it takes long,
// records appended meanwhile still reach the operating system, so that a
// crash of the process alone loses only the last moment.
func TestEverysec_writesDuringSync(t *testing.T) {
	fs := newSlowSyncFS()
	opts := aof.Options{FS: fs, Dir: "/d", Fsync: aof.Everysec}
	l, _, _ := open(t, opts)
	fs.setHold(true)
	appendN(t, l, 0, 1)
	select {
	case <-fs.held: // the once-a-second sync is running, and waits
	case <-time.After(5 * time.Second):
		t.Fatal("no sync within 5 s")
	}
	appendN(t, l, 1, 200)
	// A crash of the process keeps what was written, synced or not: the
	// files as they are now.
	waitRecords(t, func() aof.FS { return fs.FS }, 200, "process crash during a slow sync")
	fs.setHold(false)
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	waitRecords(t, func() aof.FS { return fs.Crash(nil) }, 200, "machine crash after Close")
}

// The background syncer syncs the file a rewrite moved appends to, and a
// slow sync of the old file holds up neither the switch's correctness
// nor later records: a machine crash a few seconds on loses nothing.
func TestEverysec_syncsAcrossRewrite(t *testing.T) {
	fs := newSlowSyncFS()
	opts := aof.Options{FS: fs, Dir: "/d", Fsync: aof.Everysec}
	l, _, _ := open(t, opts)
	defer l.Close()
	appendN(t, l, 0, 5)
	r := cutRewrite(t, l)
	err := r.WriteBase(func(w *aof.BaseWriter) error {
		for i := range 5 {
			for _, c := range record(i) {
				if err := w.Add(c...); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	appendN(t, l, 5, 10)
	if err := r.Commit(); err != nil {
		t.Fatal(err)
	}
	appendN(t, l, 10, 20)
	// Without Sync or Close, only the background syncer makes these
	// durable, in the new incremental file.
	deadline := time.Now().Add(4 * time.Second)
	for {
		got, _, err := collect(t, aof.Options{FS: fs.Crash(nil), Dir: "/d"})
		if err != nil {
			t.Fatal(err)
		}
		// The base holds records 0-4 command by command; count XADDs.
		n := 0
		for _, r := range got {
			for _, c := range r {
				if c[0] == "XADD" {
					n++
				}
			}
		}
		if n == 20 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("machine crash 4 s after the last append: %d of 20 records durable", n)
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err := l.Err(); err != nil {
		t.Fatal(err)
	}
}

// Under Everysec a caller of Wait that finds a chunk's worth of records
// buffered writes them itself: they reach the operating system before
// Wait returns, without waiting for the writer's delay.
func TestEverysec_callerWrites(t *testing.T) {
	fs := crashfs.New()
	l, _, _ := open(t, aof.Options{FS: fs, Dir: "/d", Fsync: aof.Everysec})
	defer l.Close()
	value := strings.Repeat("v", 1000)
	var size int
	for i := 0; i < 4*aof.WriteChunk/len(value); i++ {
		rec := aof.AppendRecord(nil, [][]string{{"XADD", "s", fmt.Sprintf("%d-1", i+1), "f", value}})
		size = len(rec)
		seq, err := l.AppendRESP(rec[strings.Index(string(rec), "\n")+1:])
		if err == nil {
			err = l.Wait(seq)
		}
		if err != nil {
			t.Fatal(err)
		}
		if i%10 != 0 {
			continue
		}
		// A crash of the process now loses less than a chunk.
		got, _, err := collect(t, aof.Options{FS: fs, Dir: "/d"})
		if err != nil {
			t.Fatal(err)
		}
		if lost := (i + 1 - len(got)) * size; lost >= aof.WriteChunk+size {
			t.Fatalf("a crash of the process after record %d loses %d records (%d bytes)", i, i+1-len(got), lost)
		}
	}
}
