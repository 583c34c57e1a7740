package resp

import (
	"context"
	"log"
	"strconv"
	"sync"
	"time"
)

// AOFStatus is the state of the engine's log that INFO persistence
// reports. Its fields are those of package persist's Status, so that one
// converts to the other.
type AOFStatus struct {
	// Size is the log's size in bytes, BaseSize its size right after
	// the last rewrite.
	Size, BaseSize int64
	// WriteErr is the log's error of a failed write or sync, nil while
	// it writes.
	WriteErr error
	// Rewriting reports a rewrite running, started at RewriteStart.
	Rewriting    bool
	RewriteStart time.Time
	// Rewrites counts the rewrites started; LastRewriteErr is the error
	// of the last one that ended, LastRewrite its duration (negative if
	// none has ended), and Failures the failures since the last success.
	Rewrites       int64
	LastRewriteErr error
	LastRewrite    time.Duration
	Failures       int64
}

// cmdBGRewriteAOF starts a rewrite of the log in the background, with
// Redis's replies.
func cmdBGRewriteAOF(_ context.Context, c *client, _ []string) {
	rw := c.s.opts.Rewrite
	if rw == nil {
		c.w.Error("ERR persistence is off (start with --appendonly yes)")
		return
	}
	if st, _ := c.s.aofStatus(); st.Rewriting || !c.s.rewriting.CompareAndSwap(false, true) {
		c.w.Error("ERR Background append only file rewriting already in progress")
		return
	}
	start := c.s.rewrites.begin()
	go func() {
		defer c.s.rewriting.Store(false)
		err := rw()
		c.s.rewrites.end(start, err)
		if err != nil {
			log.Printf("instream: background AOF rewrite failed: %v", err)
		}
	}()
	c.w.Status("Background append only file rewriting started")
}

// rewriteLog records the BGREWRITEAOF runs of a server whose Options
// have Rewrite but no AOF.
type rewriteLog struct {
	mu sync.Mutex
	st AOFStatus
}

func (r *rewriteLog) begin() time.Time {
	now := time.Now()
	r.mu.Lock()
	r.st.Rewriting, r.st.RewriteStart = true, now
	r.st.Rewrites++
	r.mu.Unlock()
	return now
}

func (r *rewriteLog) end(start time.Time, err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.st.Rewriting = false
	r.st.LastRewriteErr, r.st.LastRewrite = err, time.Since(start)
	if err != nil {
		r.st.Failures++
	} else {
		r.st.Failures = 0
	}
}

// aofStatus returns the log's state and whether the server has a log.
func (s *Server) aofStatus() (AOFStatus, bool) {
	switch {
	case s.opts.AOF != nil:
		st := s.opts.AOF()
		// A BGREWRITEAOF counts as running from its reply on.
		st.Rewriting = st.Rewriting || s.rewriting.Load()
		return st, true
	case s.opts.Rewrite != nil:
		s.rewrites.mu.Lock()
		defer s.rewrites.mu.Unlock()
		return s.rewrites.st, true
	}
	return AOFStatus{LastRewrite: -1}, false
}

// persistenceInfo is INFO's Persistence section: the fields of Redis
// 7.0's that instream can report, in its order. Those about RDB
// snapshots, forks and copy-on-write, which instream does not have, are
// left out.
func (s *Server) persistenceInfo() string {
	st, on := s.aofStatus()
	flag := func(b bool) string {
		if b {
			return "1"
		}
		return "0"
	}
	okErr := func(err error) string {
		if err != nil {
			return "err"
		}
		return "ok"
	}
	current := "-1"
	if st.Rewriting {
		current = strconv.FormatInt(int64(time.Since(st.RewriteStart)/time.Second), 10)
	}
	last := "-1"
	if st.LastRewrite >= 0 {
		last = strconv.FormatInt(int64(st.LastRewrite/time.Second), 10)
	}
	ls := []string{
		"loading:0",
		"aof_enabled:" + flag(on),
		"aof_rewrite_in_progress:" + flag(st.Rewriting),
		"aof_rewrite_scheduled:0",
		"aof_last_rewrite_time_sec:" + last,
		"aof_current_rewrite_time_sec:" + current,
		"aof_last_bgrewrite_status:" + okErr(st.LastRewriteErr),
		"aof_rewrites:" + strconv.FormatInt(st.Rewrites, 10),
		"aof_rewrites_consecutive_failures:" + strconv.FormatInt(st.Failures, 10),
		"aof_last_write_status:" + okErr(st.WriteErr),
	}
	if on && s.opts.AOF != nil {
		ls = append(ls,
			"aof_current_size:"+strconv.FormatInt(st.Size, 10),
			"aof_base_size:"+strconv.FormatInt(st.BaseSize, 10))
	}
	return "# Persistence\r\n" + lines(ls...)
}
