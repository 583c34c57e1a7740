package aof

import (
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"runtime"
	"sync"
	"sync/atomic"
	"time"
)

var (
	// ErrClosed is returned by calls on a closed log.
	ErrClosed = errors.New("aof: log is closed")
	// ErrWriteFailed is matched by the error [Log.Err], [Log.Wait] and
	// [Log.Sync] return after a write or sync failed, until a retry
	// succeeds; callers refuse changes meanwhile, as Redis answers MISCONF.
	ErrWriteFailed = errors.New("aof: a write or sync of the log failed")
	// ErrEmptyRecord is returned by Append when given no command.
	ErrEmptyRecord = errors.New("aof: a record needs at least one command")
	// ErrBadRecord is returned by AppendRESP when given bytes that are not
	// RESP commands.
	ErrBadRecord = errors.New("aof: a record must be RESP commands")
	// ErrLocked is returned by Open for a directory that another open log
	// holds, in this process or another: one log at a time may use a
	// directory.
	ErrLocked = errors.New("another open log holds the directory")
)

// Log is an open append-only log. Append and Wait are safe for concurrent
// use by multiple goroutines; records are logged in the order their
// Append calls return.
type Log struct {
	opts Options
	lock io.Closer // the directory's, released by Close

	mu       sync.Mutex
	buf      []byte   // records appended, not yet taken by the writer
	ready    [][]byte // full buffers before buf, not yet taken
	free     [][]byte // buffers to reuse
	appended uint64
	written  uint64 // records handed to the operating system
	durable  uint64 // records on stable storage
	err      error  // sticky: set by a failed write or sync
	// errNow and writtenNow mirror err and written, set under mu, for
	// the lock-free checks Err and Wait make on every change.
	errNow     atomic.Pointer[error]
	writtenNow atomic.Uint64
	closed     bool
	idle       bool      // the writer waits for a kick
	takenAt    time.Time // when buffered records were last taken to be written
	bufSince   int64     // clock when the oldest record not taken was appended, 0 if none (Everysec and No)
	// due is set once enough is buffered for a write: the next caller
	// of Wait does it (Everysec and No).
	due      atomic.Bool
	round    chan struct{} // closed and replaced after each writer round
	leading  bool          // a waiter is running a round for the others (Always)
	cut      *cutPoint     // a switch to a new incremental file, not yet taken
	cutBusy  bool          // a cut is pending, taken or not
	size     int64         // bytes of the files in the manifest, buffered records included
	baseSize int64         // size right after the last rewrite

	kick   chan struct{}
	done   chan struct{}
	exited chan struct{}

	// The background syncer of Everysec (syncLoop). Every sync of the
	// log's file holds sy; sySeq is the last record a sync covered.
	sy         sync.Mutex
	sySeq      uint64
	syncJobs   chan syncJob
	syncBusy   atomic.Bool // a job is handed off and not done
	syncFailed atomic.Bool // a background sync failed; the writer retries it
	syncExited chan struct{}

	// The writer's state, guarded by io.
	io       sync.Mutex
	f        File
	fname    string
	pend     [][]byte  // buffers for f not yet synced (under Always) or written
	pendOff  int64     // the offset in f where pend begins
	pendDone int       // bytes of pend written
	pendSeq  uint64    // the last record in pend
	wcut     *cutPoint // a cut taken: switch once pend is synced
	lastSync time.Time
	wrote    uint64 // the last record written
	synced   uint64 // the last record synced
	broken   bool   // f may hold bytes past pendOff that must be cut off before writing
	// pendSince is when the oldest record in pend was appended (clock),
	// 0 if pend is empty (Everysec and No).
	pendSince int64

	// The manifest, guarded by rw, which a rewrite holds.
	rw sync.Mutex
	m  *manifest

	// epoch is the origin of clock. oldest is, under Everysec and No,
	// when the oldest record a writer round leaves unwritten was appended
	// (or the round began, if it took none), from the round's start until
	// the next round if this one was slow, else until its end; 0 when no
	// round watches. Once that record has waited maxPostpone, stall
	// negates it: Wait blocks while it is negative, so that it reads one
	// atomic rather than the clock on every change.
	epoch  time.Time
	oldest atomic.Int64
	stall  *time.Timer
}

const (
	// writeDelay is how long records gather before a write under Everysec
	// and No: the most a crash of the process alone can lose.
	writeDelay = time.Millisecond
	// bufSize is the size of a buffer, and writeChunk how much buffered
	// makes the next caller of Wait write: a write(2) costs about 3 us
	// besides its bytes, so that it should serve a thousand appends or
	// more (64 KB chunks measured slower; 128 KB to 512 KB alike).
	bufSize    = 256 << 10
	writeChunk = bufSize
	// maxPostpone is how long records may wait unwritten under Everysec
	// and No while a write or sync is slow: past it, Wait blocks until
	// its record is written. Redis under everysec postpones its AOF write
	// while a background fsync runs, for at most 2 seconds, then writes,
	// and its clients wait for that write.
	maxPostpone = 2 * time.Second
)

// syncJob asks the background syncer to sync f, which holds every
// record up to seq written.
type syncJob struct {
	f   File
	seq uint64
}

// cutPoint is where appends move to a new incremental file.
type cutPoint struct {
	at   int    // buffers of ready before the cut
	seq  uint64 // the last record before the cut
	f    File
	name string
	off  int64 // bytes already in the new file (its header)
}

// Append adds a record: one command, or several applied all or none.
// It only encodes the record into a buffer and returns its sequence
// number; pass that to [Log.Wait] to wait until the record is durable
// under the log's policy.
//
// Append does not refuse a record after a failed write or sync: the
// caller has usually applied the change already, and a record kept is
// written by the retry, so the log never falls behind the caller's
// state. Refusing new changes is the caller's part, as Redis's MISCONF
// check comes before a command runs: check [Log.Err] before making a
// change, under the same lock as Append.
func (l *Log) Append(cmds ...[]string) (seq uint64, err error) {
	if len(cmds) == 0 {
		return 0, ErrEmptyRecord
	}
	if err := checkNotes(cmds...); err != nil {
		return 0, err
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed {
		return 0, ErrClosed
	}
	body := bodyLen(cmds)
	n := recordLen(body)
	sealed := l.room(n)
	l.buf = appendRecord(l.buf, cmds, body)
	return l.added(n, sealed), nil
}

// AppendRESP is [Log.Append] for a record already encoded as Redis
// writes commands to its append-only file: RESP arrays of bulk strings,
// several wrapped in MULTI and EXEC, the form an instream.Log receives.
// It copies rec into the buffer and keeps nothing of it. It checks only
// that rec begins a command or an annotation line and ends a line
// ([ErrBadRecord]), not every length in it, as this is every change's
// path: a record that does not parse would be written, and make Open
// refuse the file as damaged.
func (l *Log) AppendRESP(rec []byte) (seq uint64, err error) {
	short := len(rec) < len("*1\r\n$1\r\nx\r\n")
	if len(rec) > 0 && rec[0] == '#' {
		short = len(rec) < len("#x\r\n")
	}
	if short || rec[0] != '*' && rec[0] != '#' || rec[len(rec)-2] != '\r' || rec[len(rec)-1] != '\n' {
		return 0, ErrBadRecord
	}
	sum := crc32.Checksum(rec, castagnoli) // before the lock
	// No defer: this is every change's path, and nothing here panics.
	l.mu.Lock()
	if l.closed {
		l.mu.Unlock()
		return 0, ErrClosed
	}
	n := recordLen(len(rec))
	sealed := l.room(n)
	l.buf = appendRecordHead(l.buf, len(rec))
	putHex32(l.buf[len(l.buf)-10:], sum)
	l.buf = append(l.buf, rec...)
	seq = l.added(n, sealed)
	l.mu.Unlock()
	return seq, nil
}

// room makes room in buf for a record of n bytes, and reports whether it
// sealed a full buffer to do so: a full buffer is handed on whole rather
// than grown and copied.
func (l *Log) room(n int) (sealed bool) {
	if len(l.buf) > 0 && len(l.buf)+n > cap(l.buf) {
		l.seal()
		return true
	}
	return false
}

// added counts a record of n bytes just put in buf, kicks the writer if
// it waits, and returns the record's sequence number.
func (l *Log) added(n int, sealed bool) uint64 {
	l.size += int64(n)
	l.appended++
	if l.bufSince == 0 && l.opts.Fsync != Always {
		l.bufSince = l.clock() // once per writer round
	}
	// Under Always, Wait does the writing; a kick would only add a
	// goroutine switch. Under Everysec and No, a full chunk is written by
	// the next caller of Wait, on this core, as Redis's main thread writes
	// before it sleeps; the writer only keeps the records from waiting
	// more than writeDelay. After a failure, retries keep their own pace.
	if l.opts.Fsync != Always && l.err == nil {
		if (sealed || len(l.buf) >= writeChunk) && !l.due.Load() {
			l.due.Store(true)
		}
		if l.idle {
			l.idle = false
			select {
			case l.kick <- struct{}{}:
			default:
			}
		}
	}
	return l.appended
}

// Wait returns once record seq is durable under the log's policy: on
// stable storage under [Always]; under [Everysec] and [No] at once,
// unless a slow write or sync has kept records unwritten for more than 2
// seconds: it then returns once seq is handed to the operating system. It
// returns an error matching [ErrWriteFailed] if the record could not be
// written or synced: its outcome is then unknown, as the log keeps it and
// retries.
func (l *Log) Wait(seq uint64) error {
	if l.opts.Fsync != Always {
		// publish stores written before err: an error read after a
		// stale written is one the record may still be subject to.
		if seq > l.writtenNow.Load() {
			if l.due.Load() {
				l.writeDue()
			}
			if l.oldest.Load() < 0 {
				return l.waitWritten(seq)
			}
			return l.Err()
		}
		return nil
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	for l.durable < seq {
		if l.err != nil {
			return l.err
		}
		if l.leading {
			ch := l.round
			l.mu.Unlock()
			<-ch
			l.mu.Lock()
			continue
		}
		// Group commit: the first waiter to find no leader writes and
		// syncs for everyone appended so far; the others wait for its
		// round. The flag, not the io lock, elects the leader: the round
		// ends (publish) before the leader lets go of io, and a waiter
		// that found io still held then would wait a round for nothing.
		l.leading = true
		l.mu.Unlock()
		l.io.Lock()
		open := l.f != nil
		if open {
			// Let callers that are about to append do so first: right
			// after a round, the first caller back would otherwise sync
			// alone while the rest wait a round.
			runtime.Gosched()
			l.flushLocked(false) // publish clears leading
		}
		l.io.Unlock()
		l.mu.Lock()
		if !open {
			l.leading = false
			close(l.round) // wake the waiters: the log is closed
			l.round = make(chan struct{})
			if l.durable < seq && l.err == nil {
				return ErrClosed
			}
		}
	}
	return nil
}

// writeDue writes the buffered records, unless another goroutine is
// writing: it will take them, or leave due set for the next caller.
func (l *Log) writeDue() {
	if l.Err() != nil || !l.io.TryLock() {
		return // after a failure, retries keep their own pace
	}
	if l.f != nil && l.due.Load() {
		l.flushLocked(false)
	}
	l.io.Unlock()
}

// waitWritten returns once record seq is written, or the log failed:
// records have waited unwritten longer than maxPostpone, and changes now
// wait for the disk rather than pile up in memory. It waits for the
// writer's rounds, not on the io lock: the writer takes what is buffered
// within writeDelay of a round's end, and a test's fake clock runs only
// while every goroutine waits on a channel or a timer.
func (l *Log) waitWritten(seq uint64) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	for l.written < seq {
		if l.err != nil {
			return l.err
		}
		round := l.round
		l.mu.Unlock()
		<-round
		l.mu.Lock()
	}
	return nil
}

// clock returns the time since the log opened, in nanoseconds, plus one:
// 0 means none.
func (l *Log) clock() int64 {
	return int64(time.Since(l.epoch)) + 1
}

// watch sets oldest to since, the clock when the oldest record not yet
// written was appended (0: none), and arms stall for the moment that
// record will have waited longer than maxPostpone. Only writer rounds
// call it, under io.
func (l *Log) watch(since, now int64) {
	switch left := since + int64(maxPostpone) - now; {
	case since == 0:
		l.oldest.Store(0)
		l.stall.Stop()
	case left < 0:
		l.oldest.Store(-since)
	default:
		l.oldest.Store(since)
		l.stall.Reset(time.Duration(left + 1))
	}
}

// stalled runs when stall fires. It marks oldest as stalled only if it
// still names the record stall was armed for and that record is past
// maxPostpone: a round may have moved oldest on meanwhile.
func (l *Log) stalled() {
	if since := l.oldest.Load(); since > 0 && l.clock()-since > int64(maxPostpone) {
		l.oldest.CompareAndSwap(since, -since)
	}
}

// Err returns the sticky error of a failed write or sync, or nil once a
// retry has succeeded. While it is set, callers should refuse changes.
func (l *Log) Err() error {
	if p := l.errNow.Load(); p != nil {
		return *p
	}
	return nil
}

// Sync writes and syncs every record appended so far, whatever the
// policy, and retries after a failed write or sync. It returns nil once
// they are on stable storage.
func (l *Log) Sync() error {
	l.mu.Lock()
	closed := l.closed
	l.mu.Unlock()
	if closed {
		return ErrClosed
	}
	return l.flush(true)
}

// Size returns the log's size in bytes (base and incremental files,
// buffered records included) and its size right after the last rewrite,
// the two figures [NeedRewrite] takes.
func (l *Log) Size() (size, base int64) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.size, l.baseSize
}

// Close writes and syncs what is buffered, closes the log and releases
// its directory's lock. Appends after Close return [ErrClosed].
func (l *Log) Close() error {
	l.mu.Lock()
	if l.closed {
		l.mu.Unlock()
		return ErrClosed
	}
	l.closed = true
	l.mu.Unlock()
	close(l.done)
	<-l.exited
	<-l.syncExited
	err := l.flush(true)
	l.io.Lock()
	defer l.io.Unlock()
	l.stall.Stop()
	if cerr := l.f.Close(); err == nil && cerr != nil {
		err = fmt.Errorf("aof: close %s: %w", l.fname, cerr)
	}
	l.f = nil
	if cerr := l.lock.Close(); err == nil && cerr != nil {
		err = fmt.Errorf("aof: unlock %s: %w", l.opts.dir(), cerr)
	}
	return err
}

// run is the background writer: it writes whenever records are appended,
// syncs as the policy asks, and retries after a failure once a second.
// Under Everysec and No it lets records gather for up to writeDelay
// before a write, so that a write(2) serves many appends.
func (l *Log) run() {
	defer close(l.exited)
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	delay := time.NewTimer(time.Hour)
	delay.Stop()
	for {
		select {
		case <-l.kick:
			if l.opts.Fsync != Always && !l.sleep(delay) {
				return
			}
		case <-tick.C:
		case <-l.done:
			return
		}
		for {
			l.flush(false)
			l.mu.Lock()
			if (len(l.ready) == 0 && l.cut == nil) || l.err != nil {
				idle := len(l.buf) == 0 || l.err != nil
				l.idle = idle
				l.mu.Unlock()
				if !idle {
					select {
					case l.kick <- struct{}{}:
					default:
					}
				}
				break
			}
			l.mu.Unlock()
		}
	}
}

// sleep lets the records appended since the writer was kicked gather for
// writeDelay. Halfway, it sets due, so that the next caller of Wait
// writes them on its own core; only records no caller took by writeDelay
// are left to the writer. A caller that wrote meanwhile took the records
// then buffered, so the oldest left is no older than that write: sleep
// goes on from it. It returns false once the log closes.
func (l *Log) sleep(t *time.Timer) bool {
	start := time.Now()
	asked := false
	t.Reset(writeDelay / 2)
	for {
		select {
		case <-t.C:
		case <-l.done:
			t.Stop()
			return false
		}
		l.mu.Lock()
		taken, empty := l.takenAt, len(l.buf) == 0 && len(l.ready) == 0
		l.mu.Unlock()
		if empty {
			return true
		}
		if taken.After(start) {
			start, asked = taken, false
		}
		age := time.Since(start)
		if age >= writeDelay {
			return true
		}
		if !asked && age >= writeDelay/2 {
			l.due.Store(true)
			asked = true
		}
		if asked {
			t.Reset(writeDelay - age)
		} else {
			t.Reset(writeDelay/2 - age)
		}
	}
}

// flush runs one round of the writer: it takes the buffered records,
// writes them, and syncs if the policy or force asks. A pending cut is
// followed: the records before it are synced to the old file, the rest go
// to the new one.
func (l *Log) flush(force bool) error {
	l.io.Lock()
	defer l.io.Unlock()
	if l.f == nil {
		return ErrClosed
	}
	return l.flushLocked(force)
}

// flushLocked is flush with l.io held.
func (l *Log) flushLocked(force bool) error {
	postpone := l.opts.Fsync != Always
	var begun int64
	if postpone {
		begun = l.clock()
	}
	for {
		l.take()
		if postpone {
			since := l.pendSince
			if since == 0 {
				since = begun
			}
			l.watch(since, l.clock()) // not begun: a cut's first pass may have been slow
		}
		err := l.writeOut(force)
		if err == nil && l.wcut != nil {
			c := l.wcut
			if cerr := l.f.Close(); cerr != nil {
				err = cerr // the old file is synced: nothing is lost
			}
			l.f, l.fname, l.pendOff, l.wcut = c.f, c.name, c.off, nil
			l.mu.Lock()
			l.cutBusy = false
			more := len(l.buf) > 0 || len(l.ready) > 0
			l.mu.Unlock()
			if err == nil && (more || force) {
				continue
			}
		}
		if err != nil {
			err = fmt.Errorf("%w: %w", ErrWriteFailed, err)
		}
		l.publish(err)
		if postpone {
			// After a slow round, the records buffered meanwhile may be
			// old already: they count until the next round takes them.
			since, now := int64(0), l.clock()
			if now-begun > int64(writeDelay) {
				l.mu.Lock()
				since = l.bufSince
				l.mu.Unlock()
			}
			l.watch(since, now)
		}
		return err
	}
}

// take moves the buffered records, up to a pending cut, to pend.
func (l *Log) take() {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.wcut != nil {
		return // finish the old file first
	}
	if l.pendSince == 0 {
		// The records left after a cut may be as old: bufSince stays.
		l.pendSince = l.bufSince
	}
	if c := l.cut; c != nil {
		l.pend = append(l.pend, l.ready[:c.at]...)
		l.ready = l.ready[:copy(l.ready, l.ready[c.at:])]
		l.pendSeq = max(l.pendSeq, c.seq)
		l.wcut, l.cut = c, nil
		return
	}
	l.seal()
	if len(l.ready) > 0 {
		l.pend = append(l.pend, l.ready...)
		clear(l.ready)
		l.ready = l.ready[:0]
		l.pendSeq = l.appended
		l.takenAt = time.Now()
	}
	l.bufSince = 0
	l.due.Store(false)
}

// seal moves buf, if it holds records, to ready.
func (l *Log) seal() {
	if len(l.buf) > 0 {
		l.ready = append(l.ready, l.buf)
		l.buf = l.newBuf()
	}
}

// newBuf returns an empty buffer, reused if one is free.
func (l *Log) newBuf() []byte {
	if n := len(l.free); n > 0 {
		b := l.free[n-1]
		l.free = l.free[:n-1]
		return b[:0]
	}
	return make([]byte, 0, bufSize)
}

// release hands pend's buffers back for reuse and empties it.
func (l *Log) release() {
	l.pendOff += int64(l.pendDone)
	l.mu.Lock()
	for _, b := range l.pend {
		if len(l.free) < 32 && cap(b) == bufSize {
			l.free = append(l.free, b)
		}
	}
	l.mu.Unlock()
	clear(l.pend)
	l.pend, l.pendDone, l.pendSince = l.pend[:0], 0, 0
}

// writeOut writes pend and syncs it when due. After a failure, it first
// cuts the file back to where pend begins and writes all of pend again.
// Under Everysec the sync due once a second is handed to the background
// syncer, so that writing goes on while it runs.
func (l *Log) writeOut(force bool) error {
	retry := l.broken || l.syncFailed.Load()
	if l.broken {
		if err := l.f.Truncate(l.pendOff); err != nil {
			return err
		}
		l.pendDone, l.broken = 0, false
	}
	skip := l.pendDone
	for _, b := range l.pend {
		if skip >= len(b) {
			skip -= len(b)
			continue
		}
		n, err := l.f.Write(b[skip:])
		l.pendDone += n
		if err == nil && n < len(b)-skip {
			err = fmt.Errorf("short write to %s", l.fname)
		}
		if err != nil {
			l.broken = true
			return err
		}
		skip = 0
	}
	due := force || retry || l.wcut != nil || l.opts.Fsync == Always
	if l.opts.Fsync != Always {
		// Written bytes are not kept for a sync that fails: like Redis, a
		// failed sync is retried as a sync; keeping a second's worth of
		// records in memory would cost every append.
		l.release()
		l.wrote = l.pendSeq
	}
	if !due {
		if l.opts.Fsync == Everysec && time.Since(l.lastSync) >= time.Second && l.syncBusy.CompareAndSwap(false, true) {
			l.lastSync = time.Now()
			l.syncJobs <- syncJob{f: l.f, seq: l.wrote}
		}
		return nil
	}
	if err := l.syncTo(l.f, l.pendSeq); err != nil {
		// The kernel may have dropped the dirty pages: never trust a later
		// sync of the same bytes, write them again.
		l.broken = true
		return err
	}
	l.syncFailed.Store(false)
	l.lastSync = time.Now()
	l.release()
	l.wrote, l.synced = l.pendSeq, l.pendSeq
	return nil
}

// syncTo syncs f, which holds every record up to seq written.
func (l *Log) syncTo(f File, seq uint64) error {
	l.sy.Lock()
	defer l.sy.Unlock()
	if err := f.Sync(); err != nil {
		return err
	}
	l.sySeq = max(l.sySeq, seq)
	return nil
}

// syncLoop is the background syncer of Everysec: it runs the syncs the
// writer hands off, as Redis runs them on a background thread, so that
// records appended meanwhile still reach the operating system and
// survive a crash of the process. A failed sync sets the sticky error;
// the writer retries it.
func (l *Log) syncLoop() {
	defer close(l.syncExited)
	for {
		select {
		case j := <-l.syncJobs:
			l.runSyncJob(j)
			l.syncBusy.Store(false)
		case <-l.done:
			return
		}
	}
}

// runSyncJob syncs j.f unless a sync since covered j.seq: a file the
// writer has moved away from is synced and closed only after such a
// sync, under sy, so j.f is still open when it is synced here.
func (l *Log) runSyncJob(j syncJob) {
	l.sy.Lock()
	if l.sySeq >= j.seq {
		l.sy.Unlock()
		return
	}
	err := j.f.Sync()
	if err == nil {
		l.sySeq = j.seq
	}
	l.sy.Unlock()
	l.mu.Lock()
	defer l.mu.Unlock()
	if err != nil {
		l.syncFailed.Store(true)
		err = fmt.Errorf("%w: %w", ErrWriteFailed, err)
		l.err = err
		l.errNow.Store(&err)
		return
	}
	l.durable = max(l.durable, j.seq)
}

// publish makes the writer's progress and error visible and wakes Wait.
func (l *Log) publish(err error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.written = max(l.written, l.wrote, l.synced)
	l.writtenNow.Store(l.written)
	if err != nil {
		l.err = err
		l.errNow.Store(&err)
	} else if !l.broken && !l.syncFailed.Load() {
		l.err = nil
		l.errNow.Store(nil)
	}
	l.durable = max(l.durable, l.synced)
	l.leading = false
	close(l.round)
	l.round = make(chan struct{})
}
