package aof

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"regexp"
	"time"
)

// Open opens the log in opts's directory, creating it if there is none,
// and replays it through fn as [Read] does (a nil fn skips the records).
// A torn tail of the last incremental file is cut off the file before
// appending resumes; the result says what was cut. If the last
// incremental file was written by Redis, appends go to a new one, so that
// every record this package writes carries its checksum; if Redis only
// appended to a file of this package, appends go on in that file. Files
// the manifest does not name (left by a crash during a rewrite) are
// removed. Options it cannot use fail with an error matching
// [ErrBadOptions].
//
// The log holds an exclusive lock on its directory until Close (see
// [FS]): while one is open, another Open of the directory, in this
// process or another, fails with an error matching [ErrLocked] and
// changes nothing. [Read] takes no lock.
func Open(opts Options, fn func(cmds [][]string) error) (_ *Log, _ *Recovery, err error) {
	opts = opts.withDefaults()
	if err := opts.check(); err != nil {
		return nil, nil, err
	}
	if fn == nil {
		fn = func([][]string) error { return nil }
	}
	fsys := opts.FS
	if err := fsys.MkdirAll(opts.dir()); err != nil {
		return nil, nil, fmt.Errorf("aof: create %s: %w", opts.dir(), err)
	}
	lock, err := fsys.Lock(opts.dir())
	if err != nil {
		return nil, nil, fmt.Errorf("aof: lock %s: %w", opts.dir(), err)
	}
	l := &Log{
		opts:   opts,
		epoch:  time.Now(),
		lock:   lock,
		idle:   true,
		round:  make(chan struct{}),
		kick:   make(chan struct{}, 1),
		done:   make(chan struct{}),
		exited: make(chan struct{}),

		syncJobs:   make(chan syncJob, 1),
		syncExited: make(chan struct{}),
	}
	l.stall = time.AfterFunc(maxPostpone, l.stalled)
	l.stall.Stop() // armed by writer rounds (watch)
	defer func() {
		if err != nil {
			if l.f != nil {
				l.f.Close()
			}
			lock.Close()
		}
	}()
	ok, err := exists(fsys, opts.manifestPath())
	if err != nil {
		return nil, nil, fmt.Errorf("aof: %w", err)
	}
	rec := &Recovery{}
	if ok {
		if rec, err = l.load(fn); err != nil {
			return nil, nil, err
		}
	} else if err := l.create(); err != nil {
		return nil, nil, err
	}
	if err := l.collect(); err != nil {
		return nil, nil, err
	}
	l.lastSync = time.Now()
	go l.run()
	go l.syncLoop()
	return l, rec, nil
}

// create makes an empty log: a base and an incremental file holding only
// the header, then the manifest naming them.
func (l *Log) create() error {
	m := &manifest{base: &fileInfo{name: l.opts.baseName(1), seq: 1, typ: typeBase}}
	f, err := l.newFile(m.base.name)
	if err != nil {
		return err
	}
	if _, err := io.WriteString(f, baseEnd); err != nil {
		f.Close()
		return fmt.Errorf("aof: write %s: %w", m.base.name, err)
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return fmt.Errorf("aof: sync %s: %w", m.base.name, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("aof: close %s: %w", m.base.name, err)
	}
	l.size = int64(len(fileHeader) + len(baseEnd))
	l.baseSize = l.size
	return l.startIncr(m)
}

// load replays the log, cuts its torn tail and opens the last
// incremental file for appending.
func (l *Log) load(fn func([][]string) error) (*Recovery, error) {
	fsys := l.opts.FS
	m, err := readManifest(l.opts)
	if err != nil {
		return nil, err
	}
	rec, err := replay(l.opts, m, fn)
	if err != nil {
		return nil, err
	}
	if c := rec.Cut; c != nil {
		p := l.opts.path(c.File)
		if err := fsys.Truncate(p, c.Offset); err != nil {
			return nil, fmt.Errorf("aof: cut %s at %d: %w", c.File, c.Offset, err)
		}
		if err := syncFile(fsys, p); err != nil {
			return nil, err
		}
	}
	for _, fi := range m.files() {
		n, err := fsys.Size(l.opts.path(fi))
		if err != nil {
			return nil, fmt.Errorf("aof: %w", err)
		}
		l.size += n
		if m.base != nil && fi == m.base.name {
			l.baseSize = n // as Redis does after a restart
		}
	}
	if len(m.incr) > 0 {
		last := m.incr[len(m.incr)-1]
		p := l.opts.path(last.name)
		kind, err := fileKind(fsys, p)
		if err != nil {
			return nil, err
		}
		if kind != kindRedis {
			f, err := fsys.OpenAppend(p)
			if err != nil {
				return nil, fmt.Errorf("aof: open %s: %w", last.name, err)
			}
			off, err := fsys.Size(p)
			if err != nil {
				f.Close()
				return nil, fmt.Errorf("aof: %w", err)
			}
			l.f, l.fname, l.pendOff, l.m = f, last.name, off, m
			if kind == kindEmpty {
				l.pend = append(l.pend, []byte(fileHeader))
				l.size += int64(len(fileHeader))
			}
			return rec, nil
		}
	}
	return rec, l.startIncr(m)
}

// startIncr creates the next incremental file, makes it the one appended
// to, and writes the manifest m with it added.
func (l *Log) startIncr(m *manifest) error {
	fi, f, err := l.nextIncr(m)
	if err != nil {
		return err
	}
	next := *m
	next.incr = append(append([]fileInfo(nil), m.incr...), fi)
	if err := l.writeManifest(&next); err != nil {
		f.Close()
		return err
	}
	l.f, l.fname, l.pendOff, l.m = f, fi.name, int64(len(fileHeader)), &next
	l.size += int64(len(fileHeader))
	return nil
}

// nextIncr creates the incremental file that follows m's last one.
func (l *Log) nextIncr(m *manifest) (fileInfo, File, error) {
	var seq int64 = 1
	if n := len(m.incr); n > 0 {
		seq = m.incr[n-1].seq + 1
	}
	fi := fileInfo{name: l.opts.incrName(seq), seq: seq, typ: typeIncr}
	f, err := l.newFile(fi.name)
	return fi, f, err
}

// newFile creates a file holding the header, synced with its directory
// entry, and returns it open for appending.
func (l *Log) newFile(name string) (File, error) {
	fsys := l.opts.FS
	f, err := fsys.Create(l.opts.path(name))
	if err != nil {
		return nil, fmt.Errorf("aof: create %s: %w", name, err)
	}
	if _, err := io.WriteString(f, fileHeader); err != nil {
		f.Close()
		return nil, fmt.Errorf("aof: write %s: %w", name, err)
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return nil, fmt.Errorf("aof: sync %s: %w", name, err)
	}
	if err := fsys.SyncDir(l.opts.dir()); err != nil {
		f.Close()
		return nil, fmt.Errorf("aof: sync %s: %w", l.opts.dir(), err)
	}
	return f, nil
}

// writeManifest replaces the manifest atomically: a temporary file,
// synced, renamed over the old one, and the directory synced.
func (l *Log) writeManifest(m *manifest) error {
	fsys := l.opts.FS
	tmp := l.opts.tempManifestPath()
	f, err := fsys.Create(tmp)
	if err != nil {
		return fmt.Errorf("aof: create %s: %w", tmp, err)
	}
	_, err = f.Write(m.format())
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = fsys.Rename(tmp, l.opts.manifestPath())
	}
	if err == nil {
		err = fsys.SyncDir(l.opts.dir())
	}
	if err != nil {
		return fmt.Errorf("aof: write manifest: %w", err)
	}
	return nil
}

// ownedName reports whether name is one a log of this stem writes.
func (l *Log) ownedName(name string) bool {
	re := regexp.MustCompile(`^` + regexp.QuoteMeta(l.opts.FileName) + `\.[0-9]+\.(base\.(aof|rdb)|incr\.aof)$`)
	return re.MatchString(name) || name == "temp-"+l.opts.manifestName()
}

// collect removes history files and files the manifest does not name.
func (l *Log) collect() error {
	fsys := l.opts.FS
	if len(l.m.history) > 0 {
		next := *l.m
		next.history = nil
		if err := l.writeManifest(&next); err != nil {
			return err
		}
		l.m = &next
	}
	keep := map[string]bool{}
	for _, n := range l.m.files() {
		keep[n] = true
	}
	names, err := fsys.ReadDir(l.opts.dir())
	if err != nil {
		return fmt.Errorf("aof: %w", err)
	}
	removed := false
	for _, n := range names {
		if !keep[n] && l.ownedName(n) {
			if err := fsys.Remove(l.opts.path(n)); err != nil && !errors.Is(err, fs.ErrNotExist) {
				return fmt.Errorf("aof: remove %s: %w", n, err)
			}
			removed = true
		}
	}
	if removed {
		if err := fsys.SyncDir(l.opts.dir()); err != nil {
			return fmt.Errorf("aof: sync %s: %w", l.opts.dir(), err)
		}
	}
	return nil
}

type kind int

const (
	kindEmpty kind = iota
	kindOwn        // begins with the header
	kindRedis
)

// fileKind tells an empty file, one this package wrote, and one Redis
// wrote.
func fileKind(fsys FS, p string) (kind, error) {
	r, err := fsys.Open(p)
	if err != nil {
		return 0, fmt.Errorf("aof: %w", err)
	}
	defer r.Close()
	b := make([]byte, len(fileHeader))
	n, err := io.ReadFull(r, b)
	switch {
	case n == 0 && (err == io.EOF || err == nil):
		return kindEmpty, nil
	case bytes.Equal(b[:n], []byte(fileHeader)):
		return kindOwn, nil
	case err != nil && err != io.EOF && err != io.ErrUnexpectedEOF:
		return 0, fmt.Errorf("aof: read %s: %w", p, err)
	}
	return kindRedis, nil
}

func syncFile(fsys FS, p string) error {
	f, err := fsys.OpenAppend(p)
	if err != nil {
		return fmt.Errorf("aof: %w", err)
	}
	err = f.Sync()
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("aof: sync %s: %w", p, err)
	}
	return nil
}
