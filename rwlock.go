package instream

import (
	"runtime"
	"sync"
	"sync/atomic"
)

// rwLock is the readers-writer lock of a stripe. Its write side costs
// one compare-and-swap to lock and one to unlock when nobody waits, as a
// sync.Mutex does; sync.RWMutex takes two more atomic operations, about
// a tenth of an Add. Anyone who must wait does so in the slow path,
// under mu, after setting lockSlow in state, so that every fast path
// then fails and comes to the slow path too.
//
// Waiting is fair both ways: a writer that waits stops new readers, and
// when a writer unlocks, the readers that were waiting go before the
// next writer (readersTurn), as with sync.RWMutex.
type rwLock struct {
	state atomic.Int64 // lockW | lockSlow | number of readers inside

	mu          sync.Mutex // guards the rest; taken only by the slow paths
	cond        sync.Cond  // on mu; broadcast when state may let a waiter in
	waitW       int        // writers waiting
	waitR       int        // readers waiting
	readersTurn bool       // the waiting readers go before the waiting writers
}

const (
	lockW       = int64(1) << 40 // a writer holds the lock
	lockSlow    = int64(1) << 41 // someone waits: fast paths must not pass
	lockReaders = int64(1)<<32 - 1
)

func (l *rwLock) Lock() {
	if !l.state.CompareAndSwap(0, lockW) {
		l.lockSlow()
	}
}

func (l *rwLock) Unlock() {
	if !l.state.CompareAndSwap(lockW, 0) {
		l.unlockSlow()
	}
}

// writing reports whether a writer holds l.
func (l *rwLock) writing() bool { return l.state.Load()&lockW != 0 }

func (l *rwLock) RLock() {
	s := l.state.Load()
	if s&(lockW|lockSlow) != 0 || !l.state.CompareAndSwap(s, s+1) {
		l.rlockSlow()
	}
}

func (l *rwLock) RUnlock() {
	if s := l.state.Add(-1); s&lockSlow != 0 && s&lockReaders == 0 {
		// The last reader out: a writer may be waiting for it.
		l.mu.Lock()
		l.cond.Broadcast()
		l.mu.Unlock()
	}
}

// others reports whether waiters other than the caller, who is counted,
// remain, and so whether lockSlow must stay set.
func (l *rwLock) others() int64 {
	if l.waitW+l.waitR > 1 {
		return lockSlow
	}
	return 0
}

// lockToWait locks mu for a caller that may wait on cond, which is set
// up on first use so that the zero rwLock is ready.
func (l *rwLock) lockToWait() {
	l.mu.Lock()
	if l.cond.L == nil {
		l.cond.L = &l.mu
	}
}

func (l *rwLock) lockSlow() {
	l.lockToWait()
	l.waitW++
	for {
		s := l.state.Load()
		if s&(lockW|lockReaders) == 0 && !(l.readersTurn && l.waitR > 0) {
			if l.state.CompareAndSwap(s, lockW|l.others()) {
				l.waitW--
				l.mu.Unlock()
				return
			}
			continue
		}
		if s&lockSlow == 0 && !l.state.CompareAndSwap(s, s|lockSlow) {
			continue // the state moved: look again
		}
		l.cond.Wait()
	}
}

func (l *rwLock) unlockSlow() {
	l.mu.Lock()
	for {
		s := l.state.Load()
		if l.state.CompareAndSwap(s, s&^lockW) {
			break
		}
	}
	if l.waitR > 0 {
		l.readersTurn = true
	}
	if l.cond.L != nil {
		l.cond.Broadcast()
	}
	l.mu.Unlock()
}

func (l *rwLock) rlockSlow() {
	l.lockToWait()
	l.waitR++
	for {
		s := l.state.Load()
		if s&lockW == 0 && (l.waitW == 0 || l.readersTurn) {
			if l.state.CompareAndSwap(s, (s&lockReaders+1)|l.others()) {
				l.waitR--
				if l.waitR == 0 {
					l.readersTurn = false
				}
				l.mu.Unlock()
				return
			}
			continue
		}
		if s&lockSlow == 0 && !l.state.CompareAndSwap(s, s|lockSlow) {
			continue
		}
		l.cond.Wait()
	}
}

// waitIdle waits until no one holds l, and takes nothing. Calls hold a
// stripe for microseconds, so it yields a few times first; then it
// waits as a writer would, without taking the lock, so that the
// holder's unlock wakes it (no timer: a testing/synctest bubble whose
// other goroutines wait on locks would never move its clock).
func (l *rwLock) waitIdle() {
	for range 64 {
		if l.state.Load()&(lockW|lockReaders) == 0 {
			return
		}
		runtime.Gosched()
	}
	l.lockToWait()
	l.waitW++
	for {
		s := l.state.Load()
		if s&(lockW|lockReaders) == 0 {
			break
		}
		if s&lockSlow == 0 && !l.state.CompareAndSwap(s, s|lockSlow) {
			continue
		}
		l.cond.Wait()
	}
	l.waitW--
	if l.waitW+l.waitR == 0 {
		for {
			s := l.state.Load()
			if s&lockSlow == 0 || l.state.CompareAndSwap(s, s&^lockSlow) {
				break
			}
		}
	}
	l.cond.Broadcast() // readers held back by this wait may go
	l.mu.Unlock()
}
