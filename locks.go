package instream

import (
	"fmt"
	"math/bits"
	"sync"
)

// The lock order. The keyspace is split into nStripes stripes by a hash
// of the key; each stripe has its own readers-writer lock (rwlock.go),
// which guards the streams of its keys, their waiter queues and its tx. A call enters the engine
// only through one of the enter functions below and leaves only through
// the tx's end, which every entry defers, so that no exit, a panic
// included, leaves a lock held. What a call locks:
//
//   - a call on one key (Add, Ack, ReadGroup on one stream, ...) locks
//     that key's stripe for writing (beginKey);
//   - a call that only looks at one key (Range, Len, Info, Pending, Scan's
//     batches, ...) locks it for reading (beginRead), so such calls never
//     exclude each other;
//   - a call on several known keys (multi-stream XREAD and XREADGROUP,
//     DEL, EXISTS, RENAME) locks their stripes (enter, enterRead);
//   - a call whose keys are not known in advance or that spans the
//     keyspace (Update, FlushAll, Keys, Watch, Close, SetNodeLimits, the
//     Do layer's helpers) holds every stripe (begin, acquire).
//
// Holding every stripe does not lock each: such a call locks e.gate
// for writing and waits until no call is inside a stripe (enterAll); a
// call that locks a stripe and then sees the gate locked lets go and
// waits on the gate (lockSome). So the order is: e.gate, then stripes in ascending
// index order, whatever the mode, and all of a call's stripes are taken
// before its work starts. Calls cannot deadlock, and each is atomic as a
// Redis command is: a multi-key call excludes every call on any of its
// keys for its whole duration.
//
// A blocked read registers on the queue of each key it reads. Serving it
// runs its read, so its server must hold every stripe the read touches.
// A waiter whose keys span several stripes is "wide" and is counted in
// each of those stripes; a call that would lock a set of stripes that
// holds a wide waiter locks every stripe instead (enter), so a wide
// waiter is only ever served, re-armed or unregistered by a call holding
// all stripes. Other waiters only need their one stripe.
//
// The fields shared by all stripes are written only with every stripe
// held, and read with any: Engine.watches, Engine.closed, Engine.opts.
// A Log's Err and Append are called with the call's stripes held (so a
// key's records keep its order), concurrently from different stripes.
// The clock's own mutex (ManualClock) is taken under stripes, and timer
// callbacks (idleFired) run without it, so the clock never waits for a
// stripe while holding it. Tx methods and unexported functions and
// methods assume the caller holds what they touch and never lock.
//
// Caller code runs under locks only in Update (update.go), whose fn gets
// the live tx through a Tx and must not call the Engine.

// nStripes is the number of stripes; a power of two, at most 64 (a set of
// stripes is a uint64 mask).
const (
	stripeBits = 6
	nStripes   = 1 << stripeBits
)

// allStripes is the mask of every stripe.
const allStripes = ^uint64(0) >> (64 - nStripes)

// stripe is one lock of the keyspace and what it guards.
type stripe struct {
	mu      rwLock
	streams map[string]*stream   // the streams of its keys
	waits   map[string]*waitList // blocked calls by key (waiters.go)
	wide    int                  // registrations here of waiters with keys in other stripes
	// tx is the tx of the call that holds mu for writing, when this is
	// the lowest stripe it holds; one call at a time, so it is reused.
	tx tx
	_  [64]byte // keeps the next stripe's mu off this one's cache lines
}

// stripeOf returns the index of key's stripe. The hash reads the key 8
// bytes at a time (FNV's byte at a time cost a tenth of an Add for a key
// of 20 bytes), and has no seed, so that a key's stripe is the same in
// every run (benchmarks of a few keys are then repeatable).
func stripeOf(key string) int {
	const m = 0x9e3779b97f4a7c15
	n := len(key)
	h := uint64(n)
	switch {
	case n > 8:
		// Whole words, then the last 8 bytes, which may overlap those
		// hashed; the mixing below spreads every word into the top bits.
		s := key
		for len(s) > 16 {
			h = (h ^ le64(s)) * m
			s = s[8:]
		}
		h = (h ^ le64(s)) * m
		h ^= le64(key[n-8:])
	case n >= 4:
		h ^= uint64(le32(key))<<32 | uint64(le32(key[n-4:]))
	case n > 0:
		h ^= uint64(key[0])<<16 | uint64(key[n>>1])<<8 | uint64(key[n-1])
	}
	h = (h ^ h>>32) * m
	h = (h ^ h>>29) * m
	return int(h >> (64 - stripeBits)) // the top bits depend on every bit
}

func le64(s string) uint64 {
	_ = s[7]
	return uint64(s[0]) | uint64(s[1])<<8 | uint64(s[2])<<16 | uint64(s[3])<<24 |
		uint64(s[4])<<32 | uint64(s[5])<<40 | uint64(s[6])<<48 | uint64(s[7])<<56
}

func le32(s string) uint32 {
	_ = s[3]
	return uint32(s[0]) | uint32(s[1])<<8 | uint32(s[2])<<16 | uint32(s[3])<<24
}

// bit returns the mask of key's stripe.
func bit(key string) uint64 { return 1 << stripeOf(key) }

// stripe returns key's stripe.
func (e *Engine) stripe(key string) *stripe { return &e.stripes[stripeOf(key)] }

// lookup returns the stream named key, or nil.
func (e *Engine) lookup(key string) *stream { return e.stripe(key).streams[key] }

// setStream makes s the stream named key.
func (e *Engine) setStream(key string, s *stream) { e.stripe(key).setStream(key, s) }

func (st *stripe) setStream(key string, s *stream) {
	if st.streams == nil {
		st.streams = make(map[string]*stream)
	}
	st.streams[key] = s
}

// dropStream deletes the stream named key and reports whether it existed.
func (e *Engine) dropStream(key string) bool {
	st := e.stripe(key)
	if st.streams[key] == nil {
		return false
	}
	delete(st.streams, key)
	return true
}

// streamCount returns the number of streams; every stripe must be held.
func (e *Engine) streamCount() int {
	n := 0
	for i := range e.stripes {
		n += len(e.stripes[i].streams)
	}
	return n
}

func (e *Engine) lockStripes(mask uint64, write bool) {
	for m := mask; m != 0; m &= m - 1 {
		st := &e.stripes[bits.TrailingZeros64(m)]
		if write {
			st.mu.Lock()
		} else {
			st.mu.RLock()
		}
	}
}

// unlockStripes releases what lockStripes or enterAll (mask allStripes,
// write) took.
func (e *Engine) unlockStripes(mask uint64, write bool) {
	if mask&(mask-1) == 0 {
		st := &e.stripes[bits.TrailingZeros64(mask)]
		if write {
			st.mu.Unlock()
		} else {
			st.mu.RUnlock()
		}
		return
	}
	if mask == allStripes && write {
		e.leaveAll()
		return
	}
	for m := mask; m != 0; m &= m - 1 {
		st := &e.stripes[bits.TrailingZeros64(m)]
		if write {
			st.mu.Unlock()
		} else {
			st.mu.RUnlock()
		}
	}
}

// lockSome locks the stripes of mask, none of which is held, and yields
// to a call that holds every stripe: if one has started (e.gate is
// locked for writing), it lets go and locks them again while holding
// the gate for reading, which no such call then holds. The gate's lock
// and the loads of the stripes' states in enterAll, and the stripes'
// locks and the load of the gate's state here, are sequentially
// consistent atomics: either enterAll sees the stripe held and waits, or
// this call sees the gate locked and yields.
func (e *Engine) lockSome(mask uint64, write bool) {
	e.lockStripes(mask, write)
	if !e.gate.writing() {
		return
	}
	e.unlockStripes(mask, write)
	e.gate.RLock()
	e.lockStripes(mask, write)
	e.gate.RUnlock()
}

// enterAll gives the call every stripe, cheaply: rather than lock each
// one, it locks e.gate and waits until no call is inside any stripe;
// calls that come later see the gate locked and wait on it (lockSome).
func (e *Engine) enterAll() {
	e.gate.Lock()
	// One pass without branches: the stripes are almost always idle.
	var busy int64
	for i := range e.stripes {
		busy |= e.stripes[i].mu.state.Load()
	}
	if busy&(lockW|lockReaders) == 0 {
		return
	}
	for i := range e.stripes {
		if l := &e.stripes[i].mu; l.state.Load()&(lockW|lockReaders) != 0 {
			l.waitIdle()
		}
	}
}

func (e *Engine) leaveAll() { e.gate.Unlock() }

// wideIn reports whether a stripe of mask holds a wide waiter.
func (e *Engine) wideIn(mask uint64) bool {
	for m := mask; m != 0; m &= m - 1 {
		if e.stripes[bits.TrailingZeros64(m)].wide > 0 {
			return true
		}
	}
	return false
}

// enter locks the stripes of mask for writing, or every stripe if one of
// them holds a wide waiter, and returns the tx of the call. If
// checkClosed, it fails with ErrClosed, the first error of every call on
// a closed engine. On success the caller must defer end.
func (e *Engine) enter(mask uint64, checkClosed bool) (*tx, error) {
	if mask&(mask-1) == 0 {
		if t := e.enterOne(bits.TrailingZeros64(mask), checkClosed); t != nil {
			return t, nil
		}
		// Wide waiters or closed: the general path below decides.
	}
	if mask != allStripes {
		e.lockSome(mask, true)
		if e.wideIn(mask) {
			// Wide waiters only change with every stripe held, so once
			// unlocked the answer can only be that they are gone; holding
			// all is right either way.
			e.unlockStripes(mask, true)
			mask = allStripes
		}
	}
	if mask == allStripes {
		e.enterAll()
	}
	if checkClosed && e.closed {
		e.unlockStripes(mask, true)
		return nil, ErrClosed
	}
	t := &e.stripes[bits.TrailingZeros64(mask)].tx
	t.held = mask
	e.fresh(t)
	return t, nil
}

// fresh readies the tx of a call that holds stripes for writing; its
// other fields were reset by the last end.
func (e *Engine) fresh(t *tx) {
	t.haveNow = false
	if e.rec != nil {
		t.logging = e.rec.Recording()
	}
}

// enterOne is enter's hot path, for stripe i alone: nil if that stripe
// holds a wide waiter or the engine is closed and checkClosed.
func (e *Engine) enterOne(i int, checkClosed bool) *tx {
	st := &e.stripes[i]
	st.mu.Lock() // lockSome, inlined for the hot path
	if e.gate.writing() {
		st.mu.Unlock()
		e.gate.RLock()
		st.mu.Lock()
		e.gate.RUnlock()
	}
	if st.wide != 0 || checkClosed && e.closed {
		st.mu.Unlock()
		return nil
	}
	t := &st.tx
	t.held = 1 << i
	e.fresh(t)
	return t
}

// writable finishes entering for a call that may change state: with a
// log that failed to write or sync, it lets go and refuses the call, as
// Redis answers MISCONF before running a write command. On success the caller must defer endWrite.
func (e *Engine) writable(t *tx, err error) (*tx, error) {
	if err == nil && t.logging {
		return e.logWritable(t)
	}
	return t, err
}

func (e *Engine) logWritable(t *tx) (*tx, error) {
	if lerr := e.opts.Log.Err(); lerr != nil {
		t.end()
		return nil, fmt.Errorf("%w: %w", ErrLogFailed, lerr)
	}
	return t, nil
}

// beginWrite is begin for a call that may change state (see writable).
func (e *Engine) beginWrite() (*tx, error) { return e.writable(e.begin()) }

// begin enters the engine for a call that may touch any key.
func (e *Engine) begin() (*tx, error) { return e.enter(allStripes, true) }

// acquire is begin without the closed check, for Close and for the paths
// that must finish what a call started on an engine that has since closed.
func (e *Engine) acquire() *tx {
	t, _ := e.enter(allStripes, false)
	return t
}

// beginKey enters the engine for a call that changes the stream named key
// (or its waiters) and nothing else.
func (e *Engine) beginKey(key string) (*tx, error) {
	i := stripeOf(key)
	st := &e.stripes[i]
	st.mu.Lock() // enterOne, inlined for the hottest path
	if !e.gate.writing() && st.wide == 0 && !e.closed {
		t := &st.tx
		t.held = 1 << i
		e.fresh(t)
		return t, nil
	}
	st.mu.Unlock()
	t := e.enterOne(i, true)
	if t == nil {
		var err error
		if t, err = e.enter(1<<i, true); err != nil {
			return nil, err
		}
	}
	return t, nil
}

// stripe returns key's stripe. A call that holds one stripe touches only
// the keys of that stripe, its home, so it need not hash them; race
// builds check.
func (t *tx) stripe(key string) *stripe {
	if t.held&(t.held-1) == 0 && !checkStripes {
		return t.home
	}
	return t.hashStripe(key)
}

func (t *tx) hashStripe(key string) *stripe {
	i := stripeOf(key)
	if t.held&(t.held-1) == 0 && i != bits.TrailingZeros64(t.held) {
		panic(fmt.Sprintf("instream: key %q is not in the one stripe held", key))
	}
	return &t.e.stripes[i]
}

// lookup returns the stream named key, or nil.
func (t *tx) lookup(key string) *stream { return t.stripe(key).streams[key] }

// readTxs are the txs of calls that only look: several may hold one
// stripe at a time, so they cannot share the stripe's tx.
var readTxs = sync.Pool{New: func() any { return new(tx) }}

// beginRead enters the engine for a call that only looks at the stream
// named key: its stripe is locked for reading. Such a call must change
// nothing, not even lazily.
func (e *Engine) beginRead(key string) (*tx, error) { return e.enterRead(bit(key)) }

func (e *Engine) enterRead(mask uint64) (*tx, error) {
	e.lockSome(mask, false)
	if e.closed {
		e.unlockStripes(mask, false)
		return nil, ErrClosed
	}
	t := readTxs.Get().(*tx)
	// A pooled tx may have served another engine: forget its memo.
	t.e, t.held, t.read, t.haveNow = e, mask, true, false
	t.home = &e.stripes[bits.TrailingZeros64(mask)]
	return t, nil
}

// maskOf returns the stripes of n keys, key(i) being the i-th. No keys
// gives the first stripe, so that the call still locks what it reads
// (the closed flag) before it fails on its arguments.
func maskOf(n int, key func(i int) string) uint64 {
	var m uint64
	for i := range n {
		m |= bit(key(i))
	}
	if m == 0 {
		m = 1
	}
	return m
}

// beginInfo is beginRead for XINFO STREAM, which first forgets the
// stream's expired idempotency IDs: a stream that remembers some is
// locked for writing.
func (e *Engine) beginInfo(key string) (*tx, error) {
	t, err := e.beginRead(key)
	if err != nil {
		return nil, err
	}
	if s := e.lookup(key); s == nil || s.idmp.oldest == nil {
		return t, nil
	}
	t.end()
	return e.beginKey(key)
}

func readMask(args ReadArgs) uint64 {
	return maskOf(len(args.Streams), func(i int) string { return args.Streams[i].Key })
}

func groupMask(args ReadGroupArgs) uint64 {
	return maskOf(len(args.Streams), func(i int) string { return args.Streams[i].Key })
}
