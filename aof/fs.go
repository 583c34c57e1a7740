package aof

import (
	"errors"
	"io"
	"io/fs"
	"os"
	"sort"
	"sync/atomic"
)

// FS is the filesystem the log works on. Paths are slash- or
// OS-separated as the implementation expects; the log joins them with
// [path/filepath.Join]. [OS] is the real one; package crashfs has one in
// memory that simulates crashes and faults.
type FS interface {
	// Create creates or truncates the named file and opens it for
	// appending.
	Create(name string) (File, error)
	// OpenAppend opens an existing file for appending.
	OpenAppend(name string) (File, error)
	// Open opens an existing file for reading.
	Open(name string) (io.ReadCloser, error)
	// Size returns the size of the named file.
	Size(name string) (int64, error)
	// Truncate cuts the named file to size bytes.
	Truncate(name string, size int64) error
	// Rename renames oldname to newname, replacing newname.
	Rename(oldname, newname string) error
	// Remove removes the named file.
	Remove(name string) error
	// ReadDir returns the names of the entries of dir, sorted.
	ReadDir(dir string) ([]string, error)
	// MkdirAll creates dir and its parents if needed.
	MkdirAll(dir string) error
	// SyncDir makes the entries of dir (creations, renames, removals)
	// durable.
	SyncDir(dir string) error
	// Lock takes an exclusive lock on the directory dir, held until the
	// returned Closer is closed, so that one log at a time uses it. While
	// another holds it, whether in this process or another, Lock fails
	// at once with an error matching [ErrLocked].
	Lock(dir string) (io.Closer, error)
}

// File is a file opened for appending.
type File interface {
	io.Writer
	// Sync makes the file's written bytes durable.
	Sync() error
	// Truncate cuts the file to size bytes; later writes append after it.
	Truncate(size int64) error
	Close() error
}

// OS is the operating system's filesystem.
var OS FS = osFS{}

type osFS struct{}

type osFile struct{ *os.File }

func (f osFile) Sync() error {
	fileSyncs.Add(1)
	return datasync(f.File)
}

// fileSyncs counts the syncs of files, for benchmarks: records per sync
// is the figure of group commit that a noisy disk does not blur.
var fileSyncs atomic.Int64

func (osFS) Create(name string) (File, error) {
	f, err := os.OpenFile(name, os.O_CREATE|os.O_TRUNC|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return nil, err
	}
	return osFile{f}, nil
}

func (osFS) OpenAppend(name string) (File, error) {
	f, err := os.OpenFile(name, os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		return nil, err
	}
	return osFile{f}, nil
}

func (osFS) Open(name string) (io.ReadCloser, error) { return os.Open(name) }

func (osFS) Size(name string) (int64, error) {
	fi, err := os.Stat(name)
	if err != nil {
		return 0, err
	}
	return fi.Size(), nil
}

func (osFS) Truncate(name string, size int64) error { return os.Truncate(name, size) }
func (osFS) Rename(o, n string) error               { return os.Rename(o, n) }
func (osFS) Remove(name string) error               { return os.Remove(name) }
func (osFS) MkdirAll(dir string) error              { return os.MkdirAll(dir, 0o755) }

func (osFS) ReadDir(dir string) ([]string, error) {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	names := make([]string, len(ents))
	for i, e := range ents {
		names[i] = e.Name()
	}
	sort.Strings(names)
	return names, nil
}

func (osFS) SyncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	err = d.Sync()
	if cerr := d.Close(); err == nil {
		err = cerr
	}
	return err
}

// exists reports whether name exists on fsys.
func exists(fsys FS, name string) (bool, error) {
	_, err := fsys.Size(name)
	if err == nil {
		return true, nil
	}
	if errors.Is(err, fs.ErrNotExist) {
		return false, nil
	}
	return false, err
}
