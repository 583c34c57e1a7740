package aof_test

import (
	"errors"
	"io"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/instream/instream/aof"
	"github.com/instream/instream/aof/crashfs"
)

// While a log is open, a second Open of its directory fails with
// ErrLocked, naming the directory, and touches nothing: not even the
// files a rewrite in progress would leave, which an Open removes. The
// first log goes on; once it is closed, Open succeeds.
func TestOpen_locked(t *testing.T) {
	for _, tt := range lockFSs(t) {
		t.Run(tt.name, func(t *testing.T) {
			opts := aof.Options{FS: tt.fs, Dir: tt.dir, Fsync: aof.Always}
			dir := filepath.Join(tt.dir, "appendonlydir")
			a, _, _ := open(t, opts)
			appendN(t, a, 0, 5)
			// What a rewrite leaves while it runs: an Open would remove them.
			for _, n := range []string{"temp-appendonly.aof.manifest", "appendonly.aof.2.base.aof"} {
				f, err := tt.fs.Create(filepath.Join(dir, n))
				if err != nil {
					t.Fatal(err)
				}
				f.Close()
			}
			before := dirState(t, tt.fs, dir)

			b, _, err := aof.Open(opts, nil)
			if !errors.Is(err, aof.ErrLocked) {
				if b != nil {
					b.Close()
				}
				t.Fatalf("second Open: err %v, want ErrLocked", err)
			}
			if b != nil || !strings.Contains(err.Error(), dir) {
				t.Fatalf("second Open: log %v, error %q does not name %s", b, err, dir)
			}
			if after := dirState(t, tt.fs, dir); !reflect.DeepEqual(after, before) {
				t.Fatalf("the failed Open changed the directory:\n%v\nwas\n%v", after, before)
			}

			appendN(t, a, 5, 10)
			if err := a.Close(); err != nil {
				t.Fatal(err)
			}
			c, got, _ := open(t, opts)
			wantRecords(t, got, 10)
			if err := c.Close(); err != nil {
				t.Fatal(err)
			}
		})
	}
}

// A child process started while a log is open does not inherit its
// lock: once the log is closed, Open succeeds while the child lives.
func TestOpen_lockNotInherited(t *testing.T) {
	sleep, err := exec.LookPath("sleep")
	if err != nil {
		t.Skip("no sleep command to run as a child")
	}
	opts := aof.Options{Dir: t.TempDir()}
	a, _, _ := open(t, opts)
	child := exec.Command(sleep, "60")
	if err := child.Start(); err != nil {
		t.Fatal(err)
	}
	defer child.Wait()
	defer child.Process.Kill()
	if err := a.Close(); err != nil {
		t.Fatal(err)
	}
	b, _, err := aof.Open(opts, nil)
	if err != nil {
		t.Fatalf("Open after Close, with a child started while the log was open: %v", err)
	}
	b.Close()
}

// An Open that fails after taking the lock releases it.
func TestOpen_failedReleasesLock(t *testing.T) {
	for _, tt := range lockFSs(t) {
		t.Run(tt.name, func(t *testing.T) {
			opts := aof.Options{FS: tt.fs, Dir: tt.dir}
			dir := filepath.Join(tt.dir, "appendonlydir")
			if err := tt.fs.MkdirAll(dir); err != nil {
				t.Fatal(err)
			}
			f, err := tt.fs.Create(filepath.Join(dir, "appendonly.aof.manifest"))
			if err != nil {
				t.Fatal(err)
			}
			io.WriteString(f, "not a manifest\n")
			f.Close()
			if _, _, err := aof.Open(opts, nil); !errors.Is(err, aof.ErrCorrupt) {
				t.Fatalf("Open of a damaged manifest: %v, want ErrCorrupt", err)
			}
			lock, err := tt.fs.Lock(dir)
			if err != nil {
				t.Fatalf("Lock after the failed Open: %v", err)
			}
			lock.Close()
		})
	}
}

// A lock taken directly excludes a second one until it is closed.
func TestFS_lock(t *testing.T) {
	for _, tt := range lockFSs(t) {
		t.Run(tt.name, func(t *testing.T) {
			if err := tt.fs.MkdirAll(tt.dir); err != nil {
				t.Fatal(err)
			}
			l1, err := tt.fs.Lock(tt.dir)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := tt.fs.Lock(tt.dir); !errors.Is(err, aof.ErrLocked) {
				t.Fatalf("second Lock: %v, want ErrLocked", err)
			}
			if err := l1.Close(); err != nil {
				t.Fatal(err)
			}
			l2, err := tt.fs.Lock(tt.dir)
			if err != nil {
				t.Fatalf("Lock after Close: %v", err)
			}
			l2.Close()
			if _, err := tt.fs.Lock(filepath.Join(tt.dir, "missing")); err == nil || errors.Is(err, aof.ErrLocked) {
				t.Fatalf("Lock of a missing directory: %v", err)
			}
		})
	}
}

// The in-process lock, used where flock(2) is missing or fails, excludes
// a second lock of the directory, by its absolute path cleaned, until it
// is closed.
func TestLockInProcess(t *testing.T) {
	dir := t.TempDir()
	l1, err := aof.LockInProcess(dir)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := aof.LockInProcess(dir + string(filepath.Separator) + "."); !errors.Is(err, aof.ErrLocked) {
		t.Fatalf("second lock: %v, want ErrLocked", err)
	}
	if err := l1.Close(); err != nil {
		t.Fatal(err)
	}
	l2, err := aof.LockInProcess(dir)
	if err != nil {
		t.Fatalf("lock after Close: %v", err)
	}
	l2.Close()
	if _, err := aof.LockInProcess(filepath.Join(dir, "missing")); err == nil {
		t.Fatal("lock of a missing directory succeeded")
	}
}

type lockFS struct {
	name string
	fs   aof.FS
	dir  string
}

func lockFSs(t *testing.T) []lockFS {
	return []lockFS{
		{"os", aof.OS, t.TempDir()},
		{"crashfs", crashfs.New(), "/d"},
	}
}

// dirState returns the names and sizes of dir's files.
func dirState(t *testing.T, fsys aof.FS, dir string) map[string]int64 {
	t.Helper()
	names, err := fsys.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]int64{}
	for _, n := range names {
		size, err := fsys.Size(filepath.Join(dir, n))
		if err != nil {
			t.Fatal(err)
		}
		out[n] = size
	}
	return out
}
