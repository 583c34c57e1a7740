package persist_test

import (
	"errors"
	"sync/atomic"
	"testing"

	"github.com/instream/instream"
	"github.com/instream/instream/aof"
	"github.com/instream/instream/aof/crashfs"
	"github.com/instream/instream/persist"
)

// TestStatus follows the log's figures through a write fault and its
// retry, a failed rewrite and a successful one.
func TestStatus(t *testing.T) {
	fsys := crashfs.New()
	db, err := persist.Open("d", persist.Options{FS: fsys, Fsync: aof.Always, AutoRewritePercent: -1})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	st := db.Status()
	if st.Rewriting || st.Rewrites != 0 || st.LastRewrite >= 0 || st.LastRewriteErr != nil || st.Failures != 0 || st.WriteErr != nil {
		t.Fatalf("fresh: %+v", st)
	}
	add := func() error {
		_, err := db.Add("s", instream.AddArgs{Fields: []instream.Field{{Name: "f", Value: "v"}}})
		return err
	}
	if err := add(); err != nil {
		t.Fatal(err)
	}
	if st := db.Status(); st.Size <= st.BaseSize {
		t.Fatalf("after an add: size %d, base %d", st.Size, st.BaseSize)
	}

	var fail atomic.Int32 // the op that fails, plus one
	fsys.SetFault(func(op crashfs.Op, _ string) error {
		if int32(op)+1 == fail.Load() {
			return crashfs.ErrInjected
		}
		return nil
	})
	fail.Store(int32(crashfs.OpSync) + 1)
	if err := add(); !errors.Is(err, instream.ErrLogFailed) {
		t.Fatalf("add during a sync fault: %v", err)
	}
	if st := db.Status(); !errors.Is(st.WriteErr, crashfs.ErrInjected) {
		t.Fatalf("WriteErr during the fault: %v", st.WriteErr)
	}
	fail.Store(0)
	if err := db.Sync(); err != nil {
		t.Fatal(err)
	}
	if st := db.Status(); st.WriteErr != nil {
		t.Fatalf("WriteErr after the retry: %v", st.WriteErr)
	}

	fail.Store(int32(crashfs.OpCreate) + 1)
	if err := db.Rewrite(); err == nil {
		t.Fatal("rewrite with failing creates succeeded")
	}
	st = db.Status()
	if st.Rewriting || st.Rewrites != 1 || st.LastRewriteErr == nil || st.Failures != 1 || st.LastRewrite < 0 {
		t.Fatalf("after a failed rewrite: %+v", st)
	}
	fail.Store(0)
	if err := db.Rewrite(); err != nil {
		t.Fatal(err)
	}
	st = db.Status()
	if st.Rewriting || st.Rewrites != 2 || st.LastRewriteErr != nil || st.Failures != 0 || st.Size != st.BaseSize {
		t.Fatalf("after a rewrite: %+v", st)
	}
}
