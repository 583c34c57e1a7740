// Package crashfs is an in-memory filesystem for testing package aof's
// crash safety: it keeps what was synced apart from what was only
// written, simulates a crash that loses the rest (or keeps a random
// prefix of it, as a torn write does), and injects faults.
package crashfs

import (
	"bytes"
	"errors"
	"io"
	"io/fs"
	"math/rand/v2"
	"path/filepath"
	"slices"
	"sync"

	"github.com/instream/instream/aof"
)

// Op names a filesystem operation, for fault injection.
type Op int

// The operations a fault can be injected into.
const (
	OpCreate Op = iota
	OpOpen
	OpWrite
	OpSync
	OpTruncate
	OpRename
	OpRemove
	OpSyncDir
)

var opNames = [...]string{"create", "open", "write", "sync", "truncate", "rename", "remove", "syncdir"}

func (o Op) String() string { return opNames[o] }

// ErrInjected is a fault returned by the function given to SetFault; any
// error will do, this one is a convenience.
var ErrInjected = errors.New("crashfs: injected fault")

// FS is an in-memory filesystem. It is safe for concurrent use.
type FS struct {
	mu      sync.Mutex
	names   map[string]*node // what the process sees
	durable map[string]*node // what survives a crash
	pending []dirOp          // directory changes not yet synced
	dirs    map[string]bool
	locks   map[string]bool // directories locked by Lock
	fault   func(op Op, name string) error
}

type node struct {
	data   []byte
	durLen int    // data[:durLen] is synced
	durOld []byte // the synced content, if data no longer extends it
}

type dirOp struct {
	dir  string
	name string
	n    *node // nil: remove
}

// New returns an empty filesystem.
func New() *FS {
	return &FS{names: map[string]*node{}, durable: map[string]*node{}, dirs: map[string]bool{}, locks: map[string]bool{}}
}

// SetFault installs f, called before every operation; an error it
// returns fails the operation. A failed write still writes the first
// half of its bytes, as a short write does. Nil removes it.
func (c *FS) SetFault(f func(op Op, name string) error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.fault = f
}

func (c *FS) check(op Op, name string) error {
	if c.fault != nil {
		if err := c.fault(op, name); err != nil {
			return &fs.PathError{Op: op.String(), Path: name, Err: err}
		}
	}
	return nil
}

// Crash returns the filesystem as a machine would find it after a crash
// now: synced content and synced directory entries. With rng non-nil, a
// random prefix of the unsynced directory changes survives, and each file
// keeps a random prefix of its unsynced appended bytes; with rng nil,
// nothing unsynced survives. The copy holds no locks: they ended with
// the process.
func (c *FS) Crash(rng *rand.Rand) *FS {
	c.mu.Lock()
	defer c.mu.Unlock()
	names := map[string]*node{}
	for k, v := range c.durable {
		names[k] = v
	}
	keep := 0
	if rng != nil {
		keep = rng.IntN(len(c.pending) + 1)
	}
	for _, op := range c.pending[:keep] {
		apply(names, op)
	}
	copies := map[*node]*node{}
	out := New()
	for k := range c.dirs {
		out.dirs[k] = true
	}
	for k, n := range names {
		cp, ok := copies[n]
		if !ok {
			var data []byte
			if n.durOld != nil {
				data = slices.Clone(n.durOld)
			} else {
				end := n.durLen
				if rng != nil {
					end += rng.IntN(len(n.data) - n.durLen + 1)
				}
				data = slices.Clone(n.data[:end])
			}
			cp = &node{data: data, durLen: len(data)}
			copies[n] = cp
		}
		out.names[k] = cp
		out.durable[k] = cp
	}
	return out
}

func apply(names map[string]*node, op dirOp) {
	p := filepath.Join(op.dir, op.name)
	if op.n == nil {
		delete(names, p)
	} else {
		names[p] = op.n
	}
}

// ReadFile returns the current content of a file.
func (c *FS) ReadFile(name string) ([]byte, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	n, ok := c.names[filepath.Clean(name)]
	if !ok {
		return nil, &fs.PathError{Op: "read", Path: name, Err: fs.ErrNotExist}
	}
	return slices.Clone(n.data), nil
}

// WriteFile replaces a file's content, synced, as damage on the medium
// would: for tests that flip bits or tear files.
func (c *FS) WriteFile(name string, data []byte) {
	c.mu.Lock()
	defer c.mu.Unlock()
	name = filepath.Clean(name)
	n := &node{data: slices.Clone(data), durLen: len(data)}
	c.names[name] = n
	c.durable[name] = n
}

func (c *FS) link(name string, n *node) {
	c.names[name] = n
	dir, base := filepath.Split(name)
	c.pending = append(c.pending, dirOp{dir: filepath.Clean(dir), name: base, n: n})
}

// Create implements aof.FS.
func (c *FS) Create(name string) (aof.File, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	name = filepath.Clean(name)
	if err := c.check(OpCreate, name); err != nil {
		return nil, err
	}
	if !c.dirs[filepath.Dir(name)] {
		return nil, &fs.PathError{Op: "create", Path: name, Err: fs.ErrNotExist}
	}
	if n, ok := c.names[name]; ok {
		n.truncate(0)
		return &file{fs: c, n: n, name: name}, nil
	}
	n := &node{}
	c.link(name, n)
	return &file{fs: c, n: n, name: name}, nil
}

// OpenAppend implements aof.FS.
func (c *FS) OpenAppend(name string) (aof.File, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	n, name, err := c.existing(OpOpen, "open", name)
	if err != nil {
		return nil, err
	}
	return &file{fs: c, n: n, name: name}, nil
}

// Open implements aof.FS: the reader sees the content at the time of
// the call.
func (c *FS) Open(name string) (io.ReadCloser, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	n, _, err := c.existing(OpOpen, "open", name)
	if err != nil {
		return nil, err
	}
	return io.NopCloser(bytes.NewReader(slices.Clone(n.data))), nil
}

// Size implements aof.FS.
func (c *FS) Size(name string) (int64, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	n, ok := c.names[filepath.Clean(name)]
	if !ok {
		return 0, &fs.PathError{Op: "stat", Path: name, Err: fs.ErrNotExist}
	}
	return int64(len(n.data)), nil
}

// Truncate implements aof.FS.
func (c *FS) Truncate(name string, size int64) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	n, _, err := c.existing(OpTruncate, "truncate", name)
	if err != nil {
		return err
	}
	n.truncate(int(size))
	return nil
}

// Rename implements aof.FS.
func (c *FS) Rename(oldname, newname string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	n, oldname, err := c.existing(OpRename, "rename", oldname)
	if err != nil {
		return err
	}
	c.unlink(oldname)
	c.link(filepath.Clean(newname), n)
	return nil
}

// Remove implements aof.FS.
func (c *FS) Remove(name string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	_, name, err := c.existing(OpRemove, "remove", name)
	if err != nil {
		return err
	}
	c.unlink(name)
	return nil
}

// existing cleans name, applies the fault rules of op to it and returns
// its file, or a PathError for pathOp if there is none. c.mu is held.
func (c *FS) existing(op Op, pathOp, name string) (*node, string, error) {
	name = filepath.Clean(name)
	if err := c.check(op, name); err != nil {
		return nil, name, err
	}
	n, ok := c.names[name]
	if !ok {
		return nil, name, &fs.PathError{Op: pathOp, Path: name, Err: fs.ErrNotExist}
	}
	return n, name, nil
}

// unlink removes the clean name; like a new link, the removal is lost
// at a crash until its directory is synced.
func (c *FS) unlink(name string) {
	delete(c.names, name)
	dir, base := filepath.Split(name)
	c.pending = append(c.pending, dirOp{dir: filepath.Clean(dir), name: base})
}

// ReadDir implements aof.FS.
func (c *FS) ReadDir(dir string) ([]string, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	dir = filepath.Clean(dir)
	if !c.dirs[dir] {
		return nil, &fs.PathError{Op: "readdir", Path: dir, Err: fs.ErrNotExist}
	}
	var out []string
	for k := range c.names {
		if filepath.Dir(k) == dir {
			out = append(out, filepath.Base(k))
		}
	}
	slices.Sort(out)
	return out, nil
}

// MkdirAll implements aof.FS. Directories are durable at once.
func (c *FS) MkdirAll(dir string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	for d := filepath.Clean(dir); ; d = filepath.Dir(d) {
		c.dirs[d] = true
		if d == filepath.Dir(d) || d == "." {
			return nil
		}
	}
}

// SyncDir implements aof.FS: it makes the directory's pending changes
// durable, in order.
func (c *FS) SyncDir(dir string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	dir = filepath.Clean(dir)
	if err := c.check(OpSyncDir, dir); err != nil {
		return err
	}
	rest := c.pending[:0]
	for _, op := range c.pending {
		if op.dir == dir {
			apply(c.durable, op)
		} else {
			rest = append(rest, op)
		}
	}
	c.pending = rest
	return nil
}

// Lock implements aof.FS with a table of the directories locked, kept
// in memory like the rest: a second Lock of a directory fails until the
// first is released.
func (c *FS) Lock(dir string) (io.Closer, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	dir = filepath.Clean(dir)
	if !c.dirs[dir] {
		return nil, &fs.PathError{Op: "lock", Path: dir, Err: fs.ErrNotExist}
	}
	if c.locks[dir] {
		return nil, aof.ErrLocked
	}
	c.locks[dir] = true
	return &lock{fs: c, dir: dir}, nil
}

type lock struct {
	fs   *FS
	dir  string
	once sync.Once
}

func (l *lock) Close() error {
	l.once.Do(func() {
		l.fs.mu.Lock()
		delete(l.fs.locks, l.dir)
		l.fs.mu.Unlock()
	})
	return nil
}

func (n *node) truncate(size int) {
	if size < n.durLen && n.durOld == nil {
		n.durOld = slices.Clone(n.data[:n.durLen])
	}
	if size <= len(n.data) {
		n.data = n.data[:size]
	} else {
		n.data = append(n.data, make([]byte, size-len(n.data))...)
	}
}

type file struct {
	fs     *FS
	n      *node
	name   string
	closed bool
}

var errClosed = errors.New("file already closed")

func (f *file) Write(p []byte) (int, error) {
	c := f.fs
	c.mu.Lock()
	defer c.mu.Unlock()
	if f.closed {
		return 0, &fs.PathError{Op: "write", Path: f.name, Err: errClosed}
	}
	if err := c.check(OpWrite, f.name); err != nil {
		half := len(p) / 2
		f.n.data = append(f.n.data, p[:half]...)
		return half, err
	}
	f.n.data = append(f.n.data, p...)
	return len(p), nil
}

func (f *file) Sync() error {
	c := f.fs
	c.mu.Lock()
	defer c.mu.Unlock()
	if f.closed {
		return &fs.PathError{Op: "sync", Path: f.name, Err: errClosed}
	}
	if err := c.check(OpSync, f.name); err != nil {
		return err
	}
	f.n.durLen, f.n.durOld = len(f.n.data), nil
	return nil
}

func (f *file) Truncate(size int64) error {
	c := f.fs
	c.mu.Lock()
	defer c.mu.Unlock()
	if f.closed {
		return &fs.PathError{Op: "truncate", Path: f.name, Err: errClosed}
	}
	if err := c.check(OpTruncate, f.name); err != nil {
		return err
	}
	f.n.truncate(int(size))
	return nil
}

func (f *file) Close() error {
	c := f.fs
	c.mu.Lock()
	defer c.mu.Unlock()
	if f.closed {
		return &fs.PathError{Op: "close", Path: f.name, Err: errClosed}
	}
	f.closed = true
	return nil
}

var _ aof.FS = (*FS)(nil)
