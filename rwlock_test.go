package instream

import (
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// A writer excludes everyone and readers share. value is a plain int on
// purpose: under -race, a lock that fails to order it is reported.
func TestRWLock_exclusion(t *testing.T) {
	var (
		l      rwLock
		value  int
		writes atomic.Int32
		inside atomic.Int32 // readers inside now
		wg     sync.WaitGroup
	)
	for w := range 4 {
		wg.Go(func() {
			for i := range 5000 {
				if (i+w)%3 == 0 {
					l.Lock()
					if n := inside.Load(); n != 0 {
						t.Errorf("writer inside with %d readers", n)
					}
					value++
					writes.Add(1)
					l.Unlock()
					continue
				}
				l.RLock()
				inside.Add(1)
				_ = value
				inside.Add(-1)
				l.RUnlock()
			}
		})
	}
	wg.Wait()
	if n := int(writes.Load()); value != n {
		t.Errorf("value %d after %d writes", value, n)
	}
	if s := l.state.Load(); s != 0 {
		t.Errorf("state %#x after everyone left", s)
	}
}

// Readers do not exclude each other.
func TestRWLock_readersShare(t *testing.T) {
	var l rwLock
	l.RLock()
	done := make(chan struct{})
	go func() {
		l.RLock()
		l.RUnlock()
		close(done)
	}()
	within(t, done, "a second reader waited for the first")
	l.RUnlock()
}

// A writer waits for the readers inside, and the last one lets it in;
// readers that come meanwhile wait behind the writer.
func TestRWLock_writerWaitsForReaders(t *testing.T) {
	var l rwLock
	l.RLock()
	l.RLock()
	var in atomic.Bool
	wrote := make(chan struct{})
	go func() {
		l.Lock()
		in.Store(true)
		l.Unlock()
		close(wrote)
	}()
	for l.state.Load()&lockSlow == 0 {
		time.Sleep(time.Millisecond) // until the writer waits
	}
	read := make(chan struct{})
	go func() {
		l.RLock()
		if !in.Load() {
			t.Error("a reader passed a waiting writer")
		}
		l.RUnlock()
		close(read)
	}()
	l.RUnlock()
	time.Sleep(10 * time.Millisecond)
	if in.Load() {
		t.Fatal("writer got in with a reader inside")
	}
	l.RUnlock()
	within(t, wrote, "writer not let in by the last reader")
	within(t, read, "reader not let in after the writer")
}

// Neither side starves: a reader gets in while a writer locks in a
// loop, and a writer gets in while readers overlap in a loop.
func TestRWLock_fair(t *testing.T) {
	for _, hot := range []string{"writer", "readers"} {
		t.Run("hot="+hot, func(t *testing.T) {
			var l rwLock
			var stop atomic.Bool
			var wg sync.WaitGroup
			for range 2 {
				wg.Go(func() {
					for !stop.Load() {
						if hot == "writer" {
							l.Lock()
							l.Unlock()
						} else {
							l.RLock()
							time.Sleep(10 * time.Microsecond)
							l.RUnlock()
						}
					}
				})
			}
			done := make(chan struct{})
			go func() {
				for range 100 {
					if hot == "writer" {
						l.RLock()
						l.RUnlock()
					} else {
						l.Lock()
						l.Unlock()
					}
				}
				close(done)
			}()
			within(t, done, "starved")
			stop.Store(true)
			wg.Wait()
		})
	}
}

func within(t *testing.T, done <-chan struct{}, msg string) {
	t.Helper()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal(msg)
	}
}

// waitIdle returns once the holders leave, takes nothing, and leaves
// the lock usable by both sides.
func TestRWLock_waitIdle(t *testing.T) {
	for _, holder := range []string{"writer", "reader"} {
		t.Run("holder="+holder, func(t *testing.T) {
			var l rwLock
			if holder == "writer" {
				l.Lock()
			} else {
				l.RLock()
			}
			var released atomic.Bool
			done := make(chan struct{})
			go func() {
				l.waitIdle()
				if !released.Load() {
					t.Error("waitIdle returned while the lock was held")
				}
				close(done)
			}()
			time.Sleep(10 * time.Millisecond) // past the yields: waitIdle waits in the slow path
			released.Store(true)
			if holder == "writer" {
				l.Unlock()
			} else {
				l.RUnlock()
			}
			within(t, done, "waitIdle not woken by the unlock")
			l.Lock()
			l.Unlock()
			l.RLock()
			l.RUnlock()
			if s := l.state.Load(); s != 0 {
				t.Errorf("state %#x after everyone left", s)
			}
		})
	}
}
