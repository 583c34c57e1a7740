package aof

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"slices"
)

var (
	// ErrRewriteRunning is returned by BeginRewrite while another rewrite
	// has not been committed or aborted.
	ErrRewriteRunning = errors.New("aof: a rewrite is already running")
	// ErrRewriteOrder is returned when a rewrite's steps are called out of
	// order: Cut, then WriteBase, then Commit, each once.
	ErrRewriteOrder = errors.New("aof: rewrite steps out of order")
)

// baseChunk is the size past which a base file's commands are closed into
// a checksummed chunk.
const baseChunk = 64 << 10

// Rewrite is a rewrite (compaction) in progress: appends move to a new
// incremental file at Cut, a new base is written from a snapshot taken at
// the same moment, and Commit switches the manifest to the new base and
// the new incremental file. A crash at any step leaves a directory that
// loads every record.
//
// The caller's sequence:
//
//	r, err := log.BeginRewrite() // creates the next incremental file
//	// with appends excluded (under the lock the caller appends under):
//	r.Cut()
//	snap := takeSnapshot()
//	// without the lock:
//	err = r.WriteBase(func(w *BaseWriter) error { … w.Add(args...) … })
//	err = r.Commit() // or r.Abort()
type Rewrite struct {
	l        *Log
	incr     fileInfo
	incrFile File
	base     fileInfo
	state    int // 0 begun, 1 cut, 2 base written, 3 finished, 4 commit failed in the switch
	sizeCut  int64
	baseSize int64
}

// BeginRewrite starts a rewrite: it creates the next incremental file and
// names it in the manifest, after the current one. Appends go on into the
// current file until [Rewrite.Cut].
func (l *Log) BeginRewrite() (*Rewrite, error) {
	if !l.rw.TryLock() {
		return nil, ErrRewriteRunning
	}
	if err := l.usable(); err != nil {
		l.rw.Unlock()
		return nil, err
	}
	fi, f, err := l.nextIncr(l.m)
	if err != nil {
		l.rw.Unlock()
		return nil, err
	}
	next := *l.m
	next.incr = append(slices.Clone(l.m.incr), fi)
	if err := l.writeManifest(&next); err != nil {
		f.Close()
		l.opts.FS.Remove(l.opts.path(fi.name))
		l.rw.Unlock()
		return nil, err
	}
	l.m = &next
	return &Rewrite{l: l, incr: fi, incrFile: f}, nil
}

func (l *Log) usable() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed {
		return ErrClosed
	}
	return l.err
}

// Cut moves appends to the rewrite's incremental file: records appended
// before Cut returns belong to the snapshot the new base is written from,
// the others to the new file. Call it with appends excluded, and take the
// snapshot before they resume. It only marks the buffer.
func (r *Rewrite) Cut() error {
	if r.state != 0 {
		return ErrRewriteOrder
	}
	l := r.l
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.cutBusy {
		return ErrRewriteOrder
	}
	l.seal()
	l.cut = &cutPoint{at: len(l.ready), seq: l.appended, f: r.incrFile, name: r.incr.name, off: int64(len(fileHeader))}
	l.cutBusy = true
	r.sizeCut = l.size
	r.state = 1
	if l.idle {
		l.idle = false
		select {
		case l.kick <- struct{}{}:
		default:
		}
	}
	return nil
}

// WriteBase writes the new base file: fn adds the commands that rebuild
// the snapshot, in order. The file is synced before WriteBase returns.
func (r *Rewrite) WriteBase(fn func(w *BaseWriter) error) error {
	if r.state != 1 {
		return ErrRewriteOrder
	}
	l := r.l
	var seq int64 = 1
	if l.m.base != nil {
		seq = l.m.base.seq + 1
	}
	r.base = fileInfo{name: l.opts.baseName(seq), seq: seq, typ: typeBase}
	f, err := l.newFile(r.base.name)
	if err != nil {
		return err
	}
	w := &BaseWriter{f: f, name: r.base.name, size: int64(len(fileHeader))}
	err = fn(w)
	if err == nil {
		err = w.flush()
	}
	if err == nil {
		if _, err = io.WriteString(f, baseEnd); err != nil {
			err = fmt.Errorf("aof: write %s: %w", r.base.name, err)
		}
		w.size += int64(len(baseEnd))
	}
	if err == nil {
		if err = f.Sync(); err != nil {
			err = fmt.Errorf("aof: sync %s: %w", r.base.name, err)
		}
	}
	if cerr := f.Close(); err == nil && cerr != nil {
		err = fmt.Errorf("aof: close %s: %w", r.base.name, cerr)
	}
	if err != nil {
		l.opts.FS.Remove(l.opts.path(r.base.name))
		return err
	}
	r.baseSize = w.size
	r.state = 2
	return nil
}

// Commit makes the new base and the new incremental file the log: it
// syncs the records appended before the cut, switches the manifest
// atomically, and removes the old files. If it fails, call Abort.
func (r *Rewrite) Commit() error {
	if r.state != 2 {
		return ErrRewriteOrder
	}
	l := r.l
	if err := l.flush(true); err != nil {
		return err
	}
	old := l.m
	i := slices.IndexFunc(old.incr, func(fi fileInfo) bool { return fi.name == r.incr.name })
	next := &manifest{base: &r.base, incr: slices.Clone(old.incr[i:])}
	if err := l.writeManifest(next); err != nil {
		// The rename may have happened: keep the new base, which the next
		// Open removes if the manifest does not name it.
		r.state = 4
		return err
	}
	l.m = next
	r.state = 3
	defer l.rw.Unlock()
	l.mu.Lock()
	l.size = r.baseSize + int64(len(fileHeader)) + (l.size - r.sizeCut)
	l.baseSize = l.size
	l.mu.Unlock()
	keep := map[string]bool{}
	for _, n := range next.files() {
		keep[n] = true
	}
	for _, n := range old.files() {
		if !keep[n] {
			if err := l.opts.FS.Remove(l.opts.path(n)); err != nil && !errors.Is(err, fs.ErrNotExist) {
				return fmt.Errorf("aof: remove %s: %w", n, err)
			}
		}
	}
	return nil
}

// Abort ends a rewrite that will not be committed: the new base, if
// written, is removed; appends go on into the new incremental file if
// Cut was called.
func (r *Rewrite) Abort() {
	switch r.state {
	case 3:
		return
	case 4:
		r.state = 3
		r.l.rw.Unlock()
		return
	}
	if r.state == 0 {
		// Nothing moved to the new file: it stays empty and named.
		r.incrFile.Close()
	}
	if r.state == 2 {
		r.l.opts.FS.Remove(r.l.opts.path(r.base.name))
	}
	r.state = 3
	r.l.rw.Unlock()
}

// BaseWriter writes a base file's commands, checksummed in chunks.
type BaseWriter struct {
	f     File
	name  string
	chunk []byte
	line  []byte
	size  int64
}

// Add appends one command, or annotation, to the base file.
func (w *BaseWriter) Add(args ...string) error {
	if len(args) == 0 {
		return ErrEmptyRecord
	}
	if err := checkNotes(args); err != nil {
		return err
	}
	w.chunk = appendCommand(w.chunk, args)
	if len(w.chunk) >= baseChunk {
		return w.flush()
	}
	return nil
}

func (w *BaseWriter) flush() error {
	if len(w.chunk) == 0 {
		return nil
	}
	w.line = appendRecordLine(w.line[:0], w.chunk)
	if _, err := w.f.Write(w.line); err != nil {
		return fmt.Errorf("aof: write %s: %w", w.name, err)
	}
	if _, err := w.f.Write(w.chunk); err != nil {
		return fmt.Errorf("aof: write %s: %w", w.name, err)
	}
	w.size += int64(len(w.line) + len(w.chunk))
	w.chunk = w.chunk[:0]
	return nil
}
