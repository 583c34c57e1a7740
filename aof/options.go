package aof

import (
	"errors"
	"fmt"
	"path/filepath"
	"strings"
)

// Policy says when appended records are synced to stable storage. The
// names are Redis's appendfsync values.
type Policy int

const (
	// Everysec syncs at most once a second, in the background: a crash of
	// the machine loses about the last second, a crash of the process
	// loses only records appended in the last millisecond. While a write
	// or sync is stuck, [Log.Wait] returns at once for at most 2 seconds
	// of unwritten records, then waits for the disk: a crash of the
	// process loses at most those. It is the default, as in Redis.
	Everysec Policy = iota
	// Always makes [Log.Wait] return only once the record is on stable
	// storage. Concurrent writers share one sync (group commit).
	Always
	// No leaves syncing to the operating system. Records are written as
	// under Everysec, with the same 2 second bound while a write is stuck.
	No
)

// String returns the policy's Redis name.
func (p Policy) String() string {
	switch p {
	case Always:
		return "always"
	case Everysec:
		return "everysec"
	case No:
		return "no"
	}
	return fmt.Sprintf("Policy(%d)", int(p))
}

// ParsePolicy parses a Redis appendfsync value: always, everysec or no,
// in any case, as redis-server reads it.
func ParsePolicy(s string) (Policy, error) {
	switch strings.ToLower(s) {
	case "always":
		return Always, nil
	case "everysec":
		return Everysec, nil
	case "no":
		return No, nil
	}
	return 0, fmt.Errorf("aof: unknown fsync policy %q (want always, everysec or no)", s)
}

// Options configure where the log lives and how it syncs. A zero Options
// is valid and uses the defaults: the operating system's filesystem, the
// directory "appendonlydir" in the current directory, files named after
// "appendonly.aof", and [Everysec].
type Options struct {
	// FS is the filesystem. If nil, [OS].
	FS FS
	// Dir is the directory that holds the log's directory (Redis's dir).
	// If empty, the current directory.
	Dir string
	// DirName is the log's directory inside Dir (Redis's appenddirname).
	// If empty, "appendonlydir".
	DirName string
	// FileName is the stem of the log's file names (Redis's
	// appendfilename). If empty, "appendonly.aof".
	FileName string
	// Fsync is the sync policy. If zero, [Everysec].
	Fsync Policy
}

// ErrBadOptions is matched by the error Open returns for Options it
// cannot use: a policy that is not one of the three, or a DirName or
// FileName that is a path rather than a name (redis-server refuses the
// same in appenddirname and appendfilename).
var ErrBadOptions = errors.New("aof: bad options")

// check reports what makes o unusable; o has its defaults.
func (o Options) check() error {
	if o.Fsync != Always && o.Fsync != Everysec && o.Fsync != No {
		return fmt.Errorf("%w: unknown fsync policy %v", ErrBadOptions, o.Fsync)
	}
	// Redis's pathIsBaseName refuses both slashes on every system.
	if strings.ContainsAny(o.DirName, `/\`) {
		return fmt.Errorf("%w: DirName %q can't be a path, just a directory name", ErrBadOptions, o.DirName)
	}
	if strings.ContainsAny(o.FileName, `/\`) {
		return fmt.Errorf("%w: FileName %q can't be a path, just a file name", ErrBadOptions, o.FileName)
	}
	return nil
}

func (o Options) withDefaults() Options {
	if o.FS == nil {
		o.FS = OS
	}
	if o.Dir == "" {
		o.Dir = "."
	}
	if o.DirName == "" {
		o.DirName = "appendonlydir"
	}
	if o.FileName == "" {
		o.FileName = "appendonly.aof"
	}
	return o
}

func (o Options) dir() string          { return filepath.Join(o.Dir, o.DirName) }
func (o Options) manifestName() string { return o.FileName + ".manifest" }
func (o Options) manifestPath() string { return filepath.Join(o.dir(), o.manifestName()) }
func (o Options) tempManifestPath() string {
	return filepath.Join(o.dir(), "temp-"+o.manifestName())
}
func (o Options) path(name string) string { return filepath.Join(o.dir(), name) }

func (o Options) baseName(seq int64) string { return fmt.Sprintf("%s.%d.base.aof", o.FileName, seq) }
func (o Options) incrName(seq int64) string { return fmt.Sprintf("%s.%d.incr.aof", o.FileName, seq) }

// NeedRewrite reports whether a log that has grown to size bytes, from
// base bytes right after its last rewrite, is due for an automatic
// rewrite under Redis's rule: size above minSize (auto-aof-rewrite-min-size,
// 64 MB in Redis) and grown by at least percent of base
// (auto-aof-rewrite-percentage, 100 in Redis). A percent of 0 disables it.
func NeedRewrite(size, base int64, percent int, minSize int64) bool {
	if percent <= 0 || size <= minSize {
		return false
	}
	if base <= 0 {
		base = 1
	}
	return size*100/base-100 >= int64(percent)
}
