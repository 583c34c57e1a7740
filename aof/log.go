package aof

import (
	"errors"
	"fmt"
	"sync"
	"time"
)

var (
	// ErrClosed is returned by calls on a closed log.
	ErrClosed = errors.New("aof: log is closed")
	// ErrWriteFailed is matched by the error a log returns after a write
	// or sync failed: it refuses appends until a retry succeeds, as Redis
	// answers MISCONF.
	ErrWriteFailed = errors.New("aof: writing to the log failed; appends are refused until it succeeds again")
	// ErrEmptyRecord is returned by Append when given no command.
	ErrEmptyRecord = errors.New("aof: a record needs at least one command")
)

// Log is an open append-only log. Append and Wait are safe for concurrent
// use by multiple goroutines; records are logged in the order their
// Append calls return.
type Log struct {
	opts Options

	mu       sync.Mutex
	buf      []byte // records appended, not yet taken by the writer
	appended uint64
	written  uint64 // records handed to the operating system
	durable  uint64 // records on stable storage
	err      error  // sticky: set by a failed write or sync
	closed   bool
	idle     bool          // the writer waits for a kick
	round    chan struct{} // closed and replaced after each writer round
	cut      *cutPoint     // a switch to a new incremental file, not yet taken
	cutBusy  bool          // a cut is pending, taken or not
	size     int64         // bytes of the files in the manifest, buffered records included
	baseSize int64         // size right after the last rewrite

	kick   chan struct{}
	done   chan struct{}
	exited chan struct{}

	// The writer's state, guarded by io.
	io       sync.Mutex
	f        File
	fname    string
	pend     []byte    // bytes for f since the last sync (under No: not yet written)
	pendOff  int64     // the offset in f where pend begins
	pendDone int       // bytes of pend written
	pendSeq  uint64    // the last record in pend
	wcut     *cutPoint // a cut taken: switch once pend is synced
	lastSync time.Time
	wrote    uint64 // the last record written
	synced   uint64 // the last record synced
	broken   bool   // f may hold bytes past pendOff that must be cut off before writing

	// The manifest, guarded by rw, which a rewrite holds.
	rw sync.Mutex
	m  *manifest
}

// cutPoint is where appends move to a new incremental file.
type cutPoint struct {
	at   int    // offset in buf
	seq  uint64 // the last record before the cut
	f    File
	name string
	off  int64 // bytes already in the new file (its header)
}

// Append adds a record: one command, or several applied all or none.
// It only copies the record into a buffer and returns its sequence
// number; pass that to [Log.Wait] to wait until the record is durable
// under the log's policy. After a failed write or sync it returns an
// error matching [ErrWriteFailed] and logs nothing, until a retry
// succeeds.
func (l *Log) Append(cmds ...[]string) (seq uint64, err error) {
	if len(cmds) == 0 {
		return 0, ErrEmptyRecord
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed {
		return 0, ErrClosed
	}
	if l.err != nil {
		return 0, l.err
	}
	n := len(l.buf)
	l.buf = appendRecord(l.buf, cmds)
	l.size += int64(len(l.buf) - n)
	l.appended++
	if l.idle {
		l.idle = false
		select {
		case l.kick <- struct{}{}:
		default:
		}
	}
	return l.appended, nil
}

// Wait returns once record seq is durable under the log's policy: on
// stable storage under [Always]; at once under [Everysec] and [No]. It
// returns an error matching [ErrWriteFailed] if the record could not be
// written or synced: its outcome is then unknown, as the log keeps it and
// retries.
func (l *Log) Wait(seq uint64) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.opts.Fsync != Always {
		if seq > l.written {
			return l.err
		}
		return nil
	}
	for l.durable < seq {
		if l.err != nil {
			return l.err
		}
		ch := l.round
		l.mu.Unlock()
		<-ch
		l.mu.Lock()
	}
	return nil
}

// Err returns the sticky error that makes the log refuse appends, or nil.
func (l *Log) Err() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.err
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

// Close writes and syncs what is buffered and closes the log. Appends
// after Close return [ErrClosed].
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
	err := l.flush(true)
	l.io.Lock()
	defer l.io.Unlock()
	if cerr := l.f.Close(); err == nil && cerr != nil {
		err = fmt.Errorf("aof: close %s: %w", l.fname, cerr)
	}
	l.f = nil
	return err
}

// run is the background writer: it writes whenever records are appended,
// syncs as the policy asks, and retries after a failure once a second.
func (l *Log) run() {
	defer close(l.exited)
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	for {
		select {
		case <-l.kick:
		case <-tick.C:
		case <-l.done:
			return
		}
		for {
			l.flush(false)
			l.mu.Lock()
			if (len(l.buf) == 0 && l.cut == nil) || l.err != nil {
				l.idle = true
				l.mu.Unlock()
				break
			}
			l.mu.Unlock()
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
	for {
		l.take()
		err := l.writeOut(force)
		if err == nil && l.wcut != nil {
			c := l.wcut
			if cerr := l.f.Close(); cerr != nil {
				err = cerr // the old file is synced: nothing is lost
			}
			l.f, l.fname, l.pendOff, l.wcut = c.f, c.name, c.off, nil
			l.mu.Lock()
			l.cutBusy = false
			more := len(l.buf) > 0
			l.mu.Unlock()
			if err == nil && (more || force) {
				continue
			}
		}
		if err != nil {
			err = fmt.Errorf("%w: %w", ErrWriteFailed, err)
		}
		l.publish(err)
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
	if c := l.cut; c != nil {
		l.pend = append(l.pend, l.buf[:c.at]...)
		if c.seq > l.pendSeq {
			l.pendSeq = c.seq
		}
		l.buf = l.buf[:copy(l.buf, l.buf[c.at:])]
		l.wcut, l.cut = c, nil
		return
	}
	if len(l.buf) > 0 {
		l.pend = append(l.pend, l.buf...)
		l.pendSeq = l.appended
		l.buf = l.buf[:0]
	}
}

// writeOut writes pend and syncs it when due. After a failure, it first
// cuts the file back to where pend begins and writes all of pend again.
func (l *Log) writeOut(force bool) error {
	retry := l.broken
	if l.broken {
		if err := l.f.Truncate(l.pendOff); err != nil {
			return err
		}
		l.pendDone, l.broken = 0, false
	}
	if l.pendDone < len(l.pend) {
		n, err := l.f.Write(l.pend[l.pendDone:])
		l.pendDone += n
		if err == nil && l.pendDone < len(l.pend) {
			err = fmt.Errorf("short write to %s", l.fname)
		}
		if err != nil {
			l.broken = true
			return err
		}
	}
	due := force || retry || l.wcut != nil || l.opts.Fsync == Always ||
		(l.opts.Fsync == Everysec && time.Since(l.lastSync) >= time.Second)
	if !due {
		if l.opts.Fsync == No {
			l.pendOff += int64(len(l.pend))
			l.pend, l.pendDone = l.pend[:0], 0
		}
		l.wrote = l.pendSeq
		return nil
	}
	if err := l.f.Sync(); err != nil {
		// The kernel may have dropped the dirty pages: never trust a later
		// sync of the same bytes, write them again.
		l.broken = true
		return err
	}
	l.lastSync = time.Now()
	l.pendOff += int64(len(l.pend))
	l.pend, l.pendDone = l.pend[:0], 0
	l.wrote, l.synced = l.pendSeq, l.pendSeq
	return nil
}

// publish makes the writer's progress and error visible and wakes Wait.
func (l *Log) publish(err error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if err != nil {
		l.err = err
	} else if !l.broken {
		l.err = nil
	}
	l.written = max(l.written, l.wrote, l.synced)
	l.durable = max(l.durable, l.synced)
	close(l.round)
	l.round = make(chan struct{})
}
