package persist

import (
	"errors"
	"fmt"
	"time"

	"github.com/instream/instream/aof"
)

// Rewrite compacts the log: it writes a new base file holding the
// engine's state at one moment, as the commands that rebuild it, while
// calls go on, then switches the manifest to it and removes the old
// files. It is Redis's BGREWRITEAOF, run to the end. A rewrite already
// running gives aof.ErrRewriteRunning.
func (db *DB) Rewrite() (err error) {
	rw, err := db.log.BeginRewrite()
	if start, ok := db.stats.begin(err); ok {
		defer func() { db.stats.end(start, err) }()
	}
	if err != nil {
		return fmt.Errorf("persist: rewrite: %w", err)
	}
	sn, err := db.Engine.Snapshot(rw.Cut)
	if err != nil {
		rw.Abort()
		return fmt.Errorf("persist: rewrite: %w", err)
	}
	if err := rw.WriteBase(func(w *aof.BaseWriter) error { return sn.Commands(w.Add) }); err != nil {
		rw.Abort()
		return fmt.Errorf("persist: rewrite: %w", err)
	}
	if err := rw.Commit(); err != nil {
		return fmt.Errorf("persist: rewrite: %w", err)
	}
	return nil
}

// autoRewrite rewrites the log whenever it has grown as Redis's
// auto-aof-rewrite-percentage and auto-aof-rewrite-min-size say, until
// stop is closed.
func (db *DB) autoRewrite(percent int, minSize int64, stop <-chan struct{}, done chan<- struct{}) {
	defer close(done)
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	for {
		select {
		case <-stop:
			return
		case <-tick.C:
		}
		size, base := db.log.Size()
		if !aof.NeedRewrite(size, base, percent, minSize) {
			continue
		}
		if err := db.Rewrite(); err != nil && !errors.Is(err, aof.ErrRewriteRunning) {
			db.rewriteErr.Store(&err)
		}
	}
}

// RewriteErr returns the error of the last automatic rewrite that failed,
// or nil.
func (db *DB) RewriteErr() error {
	if p := db.rewriteErr.Load(); p != nil {
		return *p
	}
	return nil
}
