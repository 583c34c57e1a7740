package persist_test

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/instream/instream"
	"github.com/instream/instream/aof"
	"github.com/instream/instream/aof/crashfs"
	"github.com/instream/instream/internal/child"
	"github.com/instream/instream/persist"
)

// While a DB is open, a second Open of its directory in the same process
// fails with aof.ErrLocked; the first goes on adding and rewriting, and
// a reopen after its Close holds every entry.
func TestOpen_secondFails(t *testing.T) {
	for _, tt := range []struct {
		name string
		fs   aof.FS
		dir  string
	}{
		{"os", nil, t.TempDir()},
		{"crashfs", crashfs.New(), "/d"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			opts := persist.Options{FS: tt.fs, Fsync: aof.Always}
			a, err := persist.Open(tt.dir, opts)
			if err != nil {
				t.Fatal(err)
			}
			addN(t, a, 0, 10)
			b, err := persist.Open(tt.dir, opts)
			if !errors.Is(err, aof.ErrLocked) || b != nil {
				if b != nil {
					b.Close()
				}
				t.Fatalf("second Open: %v, want ErrLocked", err)
			}
			addN(t, a, 10, 20)
			if err := a.Rewrite(); err != nil {
				t.Fatal(err)
			}
			addN(t, a, 20, 30)
			if err := a.Close(); err != nil {
				t.Fatal(err)
			}
			c, err := persist.Open(tt.dir, opts)
			if err != nil {
				t.Fatalf("Open after Close: %v", err)
			}
			defer c.Close()
			wantEntries(t, c, 30)
		})
	}
}

const openChildEnv = "PERSIST_OPEN_CHILD_DIR"

// runOpenChild opens dir, prints what came of it, and closes it.
func runOpenChild(dir string) {
	db, err := persist.Open(dir, persist.Options{})
	switch {
	case errors.Is(err, aof.ErrLocked):
		fmt.Println("locked")
	case err != nil:
		fmt.Println("E", err)
	default:
		n, err := db.Len("s")
		fmt.Println("open", n, err, db.Close())
	}
}

// Another process cannot open a directory a DB holds, and leaves it as
// it was; once the DB is closed, it can.
func TestOpen_lockedAcrossProcesses(t *testing.T) {
	if testing.Short() {
		t.Skip("runs child processes")
	}
	dir := t.TempDir()
	db, err := persist.Open(dir, persist.Options{Fsync: aof.Always})
	if err != nil {
		t.Fatal(err)
	}
	addN(t, db, 0, 10)
	// What a rewrite leaves while it runs: an Open would remove it.
	logDir := filepath.Join(dir, "appendonlydir")
	if err := os.WriteFile(filepath.Join(logDir, "temp-appendonly.aof.manifest"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	before := dirFiles(t, logDir)
	if got := openInChild(t, dir); got != "locked" {
		db.Close()
		t.Fatalf("child open of a held directory: %q, want locked", got)
	}
	if after := dirFiles(t, logDir); !reflect.DeepEqual(after, before) {
		t.Fatalf("the child's open changed the directory:\n%v\nwas\n%v", after, before)
	}
	addN(t, db, 10, 20)
	if err := db.Rewrite(); err != nil {
		t.Fatalf("rewrite after the child's open: %v", err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	if got, want := openInChild(t, dir), "open 20 <nil> <nil>"; got != want {
		t.Fatalf("child open after Close: %q, want %q", got, want)
	}
}

// openInChild runs runOpenChild on dir in a child process and returns
// the line it printed.
func openInChild(t *testing.T, dir string) string {
	t.Helper()
	cmd, lines := child.Start(t, openChildEnv+"="+dir)
	var got []string
	timeout := time.After(time.Minute)
	for done := false; !done; {
		select {
		case l, ok := <-lines:
			if !ok {
				done = true
				break
			}
			got = append(got, l)
		case <-timeout:
			cmd.Process.Kill()
			t.Fatal("child did not finish within a minute")
		}
	}
	cmd.Wait()
	return strings.Join(got, "\n")
}

// dirFiles returns the names and sizes of dir's files.
func dirFiles(t *testing.T, dir string) map[string]int64 {
	t.Helper()
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]int64{}
	for _, e := range ents {
		fi, err := e.Info()
		if err != nil {
			t.Fatal(err)
		}
		out[e.Name()] = fi.Size()
	}
	return out
}

func addN(t *testing.T, db *persist.DB, from, to int) {
	t.Helper()
	for i := from; i < to; i++ {
		id := instream.ID{Ms: uint64(i + 1)}
		if _, err := db.Add("s", instream.AddArgs{ID: id, Fields: []instream.Field{{Name: "i", Value: strconv.Itoa(i)}}}); err != nil {
			t.Fatalf("add %d: %v", i, err)
		}
	}
}

// wantEntries checks that stream s holds the entries addN added, 0 to n.
func wantEntries(t *testing.T, db *persist.DB, n int) {
	t.Helper()
	ents, err := db.Range("s", instream.ID{}, instream.MaxID, 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(ents) != n {
		t.Fatalf("%d entries, want %d", len(ents), n)
	}
	for i, e := range ents {
		if e.ID.Ms != uint64(i+1) || e.Fields[0].Value != strconv.Itoa(i) {
			t.Fatalf("entry %d = %v", i, e)
		}
	}
}
