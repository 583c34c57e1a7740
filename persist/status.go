package persist

import (
	"errors"
	"sync"
	"time"

	"github.com/instream/instream/aof"
)

// Status is the state of a DB's log, the figures Redis's INFO
// persistence reports about its AOF.
type Status struct {
	// Size is the log's size in bytes, BaseSize its size right after
	// the last rewrite (at Open, the size found).
	Size, BaseSize int64
	// WriteErr is the log's sticky error of a failed write or sync, nil
	// once a retry has succeeded. While it is set, changes are refused.
	WriteErr error
	// Rewriting reports a rewrite running, started at RewriteStart.
	Rewriting    bool
	RewriteStart time.Time
	// Rewrites counts the rewrites started since Open, by Rewrite or
	// automatically; LastRewriteErr is the error of the last one that
	// ended (nil if it succeeded or none has ended), LastRewrite its
	// duration (negative if none has ended), and Failures the failures
	// since the last success.
	Rewrites       int64
	LastRewriteErr error
	LastRewrite    time.Duration
	Failures       int64
}

// rewriteStats tracks the rewrites for Status.
type rewriteStats struct {
	mu       sync.Mutex
	running  bool
	start    time.Time
	started  int64
	lastErr  error
	lastDur  time.Duration
	failures int64
}

// Status reports the log's size, its write error and its rewrites.
func (db *DB) Status() Status {
	size, base := db.log.Size()
	st := &db.stats
	st.mu.Lock()
	defer st.mu.Unlock()
	return Status{Size: size, BaseSize: base, WriteErr: db.log.Err(),
		Rewriting: st.running, RewriteStart: st.start, Rewrites: st.started,
		LastRewriteErr: st.lastErr, LastRewrite: st.lastDur, Failures: st.failures}
}

// begin records a rewrite starting, unless err says another one runs.
func (st *rewriteStats) begin(err error) (time.Time, bool) {
	if errors.Is(err, aof.ErrRewriteRunning) {
		return time.Time{}, false
	}
	now := time.Now()
	st.mu.Lock()
	st.running, st.start = true, now
	st.started++
	st.mu.Unlock()
	return now, true
}

// end records how the rewrite started at start ended.
func (st *rewriteStats) end(start time.Time, err error) {
	st.mu.Lock()
	defer st.mu.Unlock()
	st.running = false
	st.lastErr, st.lastDur = err, time.Since(start)
	if err != nil {
		st.failures++
	} else {
		st.failures = 0
	}
}
