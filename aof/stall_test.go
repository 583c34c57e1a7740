package aof_test

import (
	"errors"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/instream/instream/aof"
	"github.com/instream/instream/aof/crashfs"
)

// stallFS is a crashfs whose writes, once armed, take as long as slow
// says, and fail if it returns an error: a write(2) stuck on a slow or
// busy disk. The wait is a sleep, which a synctest bubble's fake clock
// runs through.
type stallFS struct {
	*crashfs.FS
	mu   sync.Mutex
	slow func(n int) (time.Duration, error) // n counts writes from 1
	n    int
}

func (s *stallFS) Create(name string) (aof.File, error) {
	f, err := s.FS.Create(name)
	if err != nil {
		return nil, err
	}
	return stallFile{f, s}, nil
}

func (s *stallFS) OpenAppend(name string) (aof.File, error) {
	f, err := s.FS.OpenAppend(name)
	if err != nil {
		return nil, err
	}
	return stallFile{f, s}, nil
}

// arm makes the writes from now on follow slow; nil makes them healthy.
func (s *stallFS) arm(slow func(n int) (time.Duration, error)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.slow, s.n = slow, 0
}

type stallFile struct {
	aof.File
	fs *stallFS
}

func (f stallFile) Write(p []byte) (int, error) {
	f.fs.mu.Lock()
	slow := f.fs.slow
	f.fs.n++
	n := f.fs.n
	f.fs.mu.Unlock()
	if slow != nil {
		d, err := slow(n)
		time.Sleep(d)
		if err != nil {
			return 0, err
		}
	}
	return f.File.Write(p)
}

// firstWrite makes the first write take d, then fail with err if not nil.
func firstWrite(d time.Duration, err error) func(int) (time.Duration, error) {
	return func(n int) (time.Duration, error) {
		if n == 1 {
			return d, err
		}
		return 0, nil
	}
}

// Under Everysec and No, Wait returns at once while records wait to be
// written, as long as none has waited more than MaxPostpone; past it, a
// slow write makes Wait block until its record is handed to the
// operating system, so that a crash of the process loses at most the
// changes of MaxPostpone, and memory holds no more. The test adds a
// record every 50 ms for 6 s of fake time and checks each Wait against
// what a crash of the process would keep at that moment.
func TestStall_waitBlocksPastPostpone(t *testing.T) {
	cases := []struct {
		name    string
		slow    func(int) (time.Duration, error)
		blocks  bool // some Wait must block
		failure bool // blocked Waits must report ErrWriteFailed
	}{
		{name: "healthy", slow: func(int) (time.Duration, error) { return 0, nil }},
		{name: "one write of 1.9s", slow: firstWrite(1900*time.Millisecond, nil)},
		{name: "one write of 3s", slow: firstWrite(3*time.Second, nil), blocks: true},
		// No write takes 2 s, yet the records a write leaves behind wait
		// for it and for the next one.
		{name: "every write 1.5s", slow: func(int) (time.Duration, error) { return 1500 * time.Millisecond, nil }, blocks: true},
		// The writer retries at once (its ticker fired during the stall):
		// the writes keep failing, so that the blocked Waits see the error.
		{name: "writes fail after 3s", slow: func(n int) (time.Duration, error) {
			if n == 1 {
				return 3 * time.Second, crashfs.ErrInjected
			}
			return 0, crashfs.ErrInjected
		}, blocks: true, failure: true},
	}
	for _, p := range []aof.Policy{aof.Everysec, aof.No} {
		for _, c := range cases {
			t.Run("fsync="+p.String()+"/"+c.name, func(t *testing.T) {
				synctest.Test(t, func(t *testing.T) {
					testStall(t, p, c.slow, c.blocks, c.failure)
				})
			})
		}
	}
}

func testStall(t *testing.T, p aof.Policy, slow func(int) (time.Duration, error), wantBlocks, failure bool) {
	fs := &stallFS{FS: crashfs.New()}
	l, _, _ := open(t, aof.Options{FS: fs, Dir: "/d", Fsync: p})
	defer l.Close() // on a failed check: the bubble must end with no goroutine left
	fs.arm(slow)
	// written returns how many records a crash of the process keeps now.
	written := func() int {
		got, _, err := collect(t, aof.Options{FS: fs.FS, Dir: "/d"})
		if err != nil {
			t.Fatal(err)
		}
		return len(got)
	}
	var at []time.Time // when each record was appended
	blocked := 0
	start := time.Now()
	for i := 0; time.Since(start) < 6*time.Second; i++ {
		seq, err := l.Append(record(i)...)
		if err != nil {
			t.Fatal(err)
		}
		at = append(at, time.Now())
		done := make(chan error, 1)
		go func() { done <- l.Wait(seq) }()
		synctest.Wait()
		n := written()
		var waited time.Duration // by the oldest record not written
		if n < len(at) {
			waited = time.Since(at[n])
		}
		select {
		case err := <-done:
			// Once a write failed, Wait reports it at once; the caller
			// refuses changes until a retry succeeds.
			if err == nil && waited > aof.MaxPostpone {
				t.Fatalf("at %v, Wait(%d) returned at once with record %d unwritten for %v", time.Since(start), seq, n, waited)
			}
			if err != nil && !failure {
				t.Fatalf("Wait(%d): %v", seq, err)
			}
		default:
			blocked++
			if waited <= aof.MaxPostpone {
				t.Fatalf("at %v, Wait(%d) blocked with the oldest record unwritten for %v", time.Since(start), seq, waited)
			}
			err := <-done
			switch {
			case failure && !errors.Is(err, aof.ErrWriteFailed):
				t.Fatalf("blocked Wait(%d) = %v, want ErrWriteFailed", seq, err)
			case !failure && err != nil:
				t.Fatalf("blocked Wait(%d): %v", seq, err)
			case err == nil && written() < i+1:
				t.Fatalf("blocked Wait(%d) returned with its record unwritten", seq)
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	if wantBlocks != (blocked > 0) {
		t.Errorf("%d of %d Waits blocked; want some: %v", blocked, len(at), wantBlocks)
	}
	fs.arm(nil)
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	got, _, err := collect(t, aof.Options{FS: fs.FS, Dir: "/d"})
	if err != nil {
		t.Fatal(err)
	}
	wantRecords(t, got, len(at))
}

// Waits blocked behind a stuck write all return once Close, which waits
// for that write, has written their records: none is left blocked.
func TestStall_closeReleasesWaits(t *testing.T) {
	for _, p := range []aof.Policy{aof.Everysec, aof.No} {
		t.Run("fsync="+p.String(), func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				fs := &stallFS{FS: crashfs.New()}
				l, _, _ := open(t, aof.Options{FS: fs, Dir: "/d", Fsync: p})
				defer l.Close() // on a failed check: the bubble must end with no goroutine left
				fs.arm(firstWrite(10*time.Second, nil))
				var waits []chan error
				for i := range 80 { // 4 s of records, one every 50 ms
					seq, err := l.Append(record(i)...)
					if err != nil {
						t.Fatal(err)
					}
					done := make(chan error, 1)
					go func() { done <- l.Wait(seq) }()
					waits = append(waits, done)
					time.Sleep(50 * time.Millisecond)
				}
				synctest.Wait()
				blocked := 0
				for _, done := range waits {
					blocked += 1 - len(done)
				}
				if blocked == 0 {
					t.Fatal("no Wait blocked behind a write stuck for 4 s")
				}
				if err := l.Close(); err != nil {
					t.Fatal(err)
				}
				for i, done := range waits {
					if err := <-done; err != nil {
						t.Fatalf("Wait of record %d after Close: %v", i, err)
					}
				}
				got, _, err := collect(t, aof.Options{FS: fs.FS, Dir: "/d"})
				if err != nil {
					t.Fatal(err)
				}
				wantRecords(t, got, len(waits))
			})
		})
	}
}
