package crashfs_test

import (
	"errors"
	"io"
	"math/rand/v2"
	"testing"

	"github.com/instream/instream/aof/crashfs"
)

func read(t *testing.T, fs *crashfs.FS, name string) (string, bool) {
	t.Helper()
	r, err := fs.Open(name)
	if err != nil {
		return "", false
	}
	b, _ := io.ReadAll(r)
	return string(b), true
}

func TestCrash(t *testing.T) {
	fs := crashfs.New()
	fs.MkdirAll("/d")
	f, err := fs.Create("/d/a")
	if err != nil {
		t.Fatal(err)
	}
	f.Write([]byte("synced"))
	if _, ok := read(t, fs.Crash(nil), "/d/a"); ok {
		t.Fatal("a file whose directory entry was never synced survived a crash")
	}
	f.Sync()
	fs.SyncDir("/d")
	f.Write([]byte(" unsynced"))
	if got, _ := read(t, fs, "/d/a"); got != "synced unsynced" {
		t.Fatalf("before the crash: %q", got)
	}
	if got, _ := read(t, fs.Crash(nil), "/d/a"); got != "synced" {
		t.Fatalf("after a crash: %q, want the synced bytes", got)
	}
	seen := map[string]bool{}
	for i := range 200 {
		got, _ := read(t, fs.Crash(rand.New(rand.NewPCG(uint64(i), 0))), "/d/a")
		if len(got) < len("synced") || got != "synced unsynced"[:len(got)] {
			t.Fatalf("a crash kept %q, not a prefix with the synced bytes", got)
		}
		seen[got] = true
	}
	if len(seen) < 5 {
		t.Fatalf("random crashes kept only %d distinct tails", len(seen))
	}
	// A truncate that was not synced can be undone by a crash.
	f.Sync()
	if err := f.Truncate(3); err != nil {
		t.Fatal(err)
	}
	if got, _ := read(t, fs.Crash(nil), "/d/a"); got != "synced unsynced" {
		t.Fatalf("unsynced truncate survived: %q", got)
	}
	// A rename is durable only once the directory is synced.
	g, _ := fs.Create("/d/tmp")
	g.Write([]byte("new"))
	g.Sync()
	fs.Rename("/d/tmp", "/d/a")
	if got, _ := read(t, fs.Crash(nil), "/d/a"); got != "synced unsynced" {
		t.Fatalf("unsynced rename survived: %q", got)
	}
	fs.SyncDir("/d")
	if got, _ := read(t, fs.Crash(nil), "/d/a"); got != "new" {
		t.Fatalf("synced rename lost: %q", got)
	}
}

func TestFault(t *testing.T) {
	fs := crashfs.New()
	fs.MkdirAll("/d")
	f, _ := fs.Create("/d/a")
	fs.SetFault(func(op crashfs.Op, name string) error {
		if op == crashfs.OpWrite {
			return crashfs.ErrInjected
		}
		return nil
	})
	n, err := f.Write([]byte("abcdef"))
	if n != 3 || !errors.Is(err, crashfs.ErrInjected) {
		t.Fatalf("Write = %d, %v; want a short write of 3 and ErrInjected", n, err)
	}
	fs.SetFault(nil)
	if got, _ := read(t, fs, "/d/a"); got != "abc" {
		t.Fatalf("after a failed write: %q", got)
	}
}
