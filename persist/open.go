package persist

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/instream/instream"
	"github.com/instream/instream/aof"
)

// Options configure [Open].
type Options struct {
	// Engine configures the engine; its Log field must be nil.
	Engine instream.Options
	// Fsync is the sync policy. If zero, aof.Everysec.
	Fsync aof.Policy
	// DirName is the log's directory inside the directory given to Open
	// (Redis's appenddirname). If empty, "appendonlydir".
	DirName string
	// FileName is the stem of the log's file names (Redis's
	// appendfilename). If empty, "appendonly.aof".
	FileName string
	// FS is the filesystem. If nil, the operating system's.
	FS aof.FS
	// AutoRewritePercent and AutoRewriteMinSize trigger a rewrite when
	// the log has grown by that percentage of its size after the last
	// rewrite and is above that size, as Redis's
	// auto-aof-rewrite-percentage and auto-aof-rewrite-min-size do. If
	// zero, 100 and 64 MiB, Redis's defaults. A negative percentage
	// disables it: Redis's 0, which here means the default, as a zero
	// Options gives Redis's defaults.
	AutoRewritePercent int
	AutoRewriteMinSize int64
}

// DB is an engine with its log. Use the embedded Engine as usual; Close
// the DB, not the engine.
type DB struct {
	*instream.Engine
	log        *aof.Log
	recovery   aof.Recovery
	closeMu    sync.Mutex
	closed     bool
	stop, done chan struct{} // of the automatic rewrites
	rewriteErr atomic.Pointer[error]
	stats      rewriteStats
}

var (
	// ErrNotStream is returned by Open for a log holding a command this
	// package cannot replay, such as one for a key of another type than
	// stream.
	ErrNotStream = errors.New("only stream commands can be loaded")
	// ErrReplay is returned by Open for a log holding a command that
	// fails on the state the records before it built, such as an XADD
	// whose ID is not above the stream's last: the records are intact,
	// but they are not a history the engine could have written.
	ErrReplay = errors.New("a logged command fails to apply")
)

// Open opens or creates the log in dir and returns the engine with every
// change the log holds applied. A torn tail of the last file, left by a
// crash, is cut; [DB.Recovery] says what was cut. Damage anywhere else
// fails with an error matching aof.ErrCorrupt; a record that fails to
// apply, with one matching [ErrReplay] and holding an *aof.RecordError.
// Both name the file and the offset of the record.
//
// One DB at a time may use a directory: the DB holds a lock on the log's
// directory until Close, and while it does, Open of that directory, in
// this process or another, fails at once with an error matching
// aof.ErrLocked and changes nothing (in this process only where the
// filesystem cannot lock a directory; see package aof).
func Open(dir string, opts Options) (*DB, error) {
	if opts.Engine.Log != nil {
		return nil, errors.New("persist: Options.Engine.Log must be nil")
	}
	sink := &logSink{}
	eopts := opts.Engine
	eopts.Log = sink
	e := instream.New(eopts)
	r := &replayer{e: e}
	l, rec, err := aof.Open(aof.Options{
		FS: opts.FS, Dir: dir, DirName: opts.DirName, FileName: opts.FileName, Fsync: opts.Fsync,
	}, r.record)
	if err == nil {
		if err = r.flush("at the end of the log"); err != nil {
			l.Close()
		}
	}
	if err != nil {
		e.Close()
		return nil, fmt.Errorf("persist: open %s: %w", dir, err)
	}
	sink.l = l
	db := &DB{Engine: e, log: l, recovery: *rec, stop: make(chan struct{}), done: make(chan struct{})}
	db.stats.lastDur = -1
	pct, minSize := opts.AutoRewritePercent, opts.AutoRewriteMinSize
	if pct == 0 {
		pct = 100
	}
	if minSize == 0 {
		minSize = 64 << 20
	}
	if pct > 0 {
		go db.autoRewrite(pct, minSize, db.stop, db.done)
	} else {
		close(db.done)
	}
	return db, nil
}

// Recovery reports what opening found: the records replayed and the torn
// tail cut, if any.
func (db *DB) Recovery() aof.Recovery { return db.recovery }

// Sync writes and syncs every change made so far, whatever the policy.
func (db *DB) Sync() error { return db.log.Sync() }

// Close closes the engine, then writes and syncs what the log holds and
// closes it, and reports the log's error, if any.
func (db *DB) Close() error {
	db.closeMu.Lock()
	defer db.closeMu.Unlock()
	if db.closed {
		return nil
	}
	db.closed = true
	close(db.stop)
	<-db.done
	db.Engine.Close()
	return db.log.Close()
}

// logSink hands the engine's records to the log; while Open replays, it
// has no log and drops them (they are the log's own records).
type logSink struct{ l *aof.Log }

// Recording reports whether the engine should build effects: not while
// the log is being replayed into it.
func (s *logSink) Recording() bool { return s.l != nil }

func (s *logSink) Err() error {
	if s.l == nil {
		return nil
	}
	return s.l.Err()
}

func (s *logSink) Append(rec []byte) (uint64, error) {
	if s.l == nil {
		return 0, nil
	}
	return s.l.AppendRESP(rec)
}

func (s *logSink) Wait(seq uint64) error {
	if s.l == nil || seq == 0 {
		return nil
	}
	return s.l.Wait(seq)
}

// replayer applies the log's records to an engine. It is the one place
// where logged commands meet the command layer. Runs of plain XADDs to
// one key with concrete IDs, which make up a rewritten log's base, go in
// by AddBatch: one parse and one lock per thousand entries.
//
// A record that fails must fail when it is handed over, so that the
// error names its file and offset, not when a batch is added later. So a
// run begins with an XADD applied alone, and an XADD goes in the batch
// only if its ID is above the run's last: on a stream that accepted the
// XADD before it, only an ID that is not (or an entry over 1 GiB, which
// flush reports by the batch) makes a plain XADD fail.
type replayer struct {
	e     *instream.Engine
	run   bool        // the last record was a plain XADD to key, applied or batched
	key   string      // the key of the run
	last  instream.ID // the ID of the run's last XADD
	batch []instream.AddArgs
}

const replayBatch = 1024

func (r *replayer) record(cmds [][]string) error {
	if len(cmds) == 1 {
		if id, ok := plainXAdd(cmds[0]); ok {
			return r.xadd(cmds[0], id)
		}
	}
	if err := r.flush("before this record"); err != nil {
		return err
	}
	r.run = false
	for _, cmd := range cmds {
		if err := apply(r.e, cmd); err != nil {
			if errors.Is(err, ErrNotStream) {
				return err
			}
			return fmt.Errorf("%w: %w", ErrReplay, err)
		}
	}
	return nil
}

// xadd applies a plain XADD, batched if it continues the run.
func (r *replayer) xadd(cmd []string, id instream.ID) error {
	fields := make([]instream.Field, 0, (len(cmd)-3)/2)
	for i := 3; i < len(cmd); i += 2 {
		fields = append(fields, instream.Field{Name: cmd[i], Value: cmd[i+1]})
	}
	if r.run && cmd[1] == r.key && r.last.Less(id) {
		if len(r.batch) == replayBatch {
			if err := r.flush("before this record"); err != nil {
				return err
			}
		}
		r.batch = append(r.batch, instream.AddArgs{ID: id, Fields: fields})
		r.last = id
		return nil
	}
	if err := r.flush("before this record"); err != nil {
		return err
	}
	if _, err := r.e.Add(cmd[1], instream.AddArgs{ID: id, Fields: fields}); err != nil {
		return fmt.Errorf("%w: replay %q: %w", ErrReplay, strings.Join(cmd, " "), err)
	}
	r.run, r.key, r.last = true, cmd[1], id
	return nil
}

// flush adds the batched entries. It fails only on what no ID check
// foresees; where says where the batch ends.
func (r *replayer) flush(where string) error {
	if len(r.batch) == 0 {
		return nil
	}
	n := len(r.batch)
	_, err := r.e.AddBatch(r.key, r.batch)
	clear(r.batch)
	r.batch = r.batch[:0]
	if err != nil {
		return fmt.Errorf("%w: replay the %d XADDs to %q %s: %w", ErrReplay, n, r.key, where, err)
	}
	return nil
}

// plainXAdd reports whether cmd is XADD key ms-seq field value ..., with
// no option, and returns its ID.
func plainXAdd(cmd []string) (instream.ID, bool) {
	if len(cmd) < 5 || len(cmd)%2 == 0 || !strings.EqualFold(cmd[0], "xadd") || !strings.Contains(cmd[2], "-") {
		return instream.ID{}, false
	}
	id, err := instream.ParseID(cmd[2])
	return id, err == nil && !id.IsZero()
}

func apply(e *instream.Engine, cmd []string) error {
	if len(cmd) == 0 {
		return nil
	}
	var err error
	switch strings.ToLower(cmd[0]) {
	case "#idmp-counts":
		err = setIdmpCounts(e, cmd)
	case "select":
		if len(cmd) != 2 || cmd[1] != "0" {
			return fmt.Errorf("%w: SELECT of another database than 0", ErrNotStream)
		}
		return nil
	case "rename":
		if len(cmd) != 3 {
			return fmt.Errorf("replay %q: wrong number of arguments", cmd)
		}
		_, err = e.Rename(cmd[1], cmd[2], false)
	case "flushall", "flushdb":
		_, err = e.FlushAll()
	case "xadd", "xtrim":
		_, err = e.Do(context.Background(), dropExactLimit(cmd)...)
	default:
		_, err = e.Do(context.Background(), cmd...)
		var re *instream.RedisError
		if errors.As(err, &re) && strings.HasPrefix(re.Msg, "ERR unknown command") {
			key := ""
			if len(cmd) > 1 {
				key = cmd[1]
			}
			return fmt.Errorf("%w: %s on key %q", ErrNotStream, cmd[0], key)
		}
	}
	if err != nil {
		return fmt.Errorf("replay %q: %w", strings.Join(cmd, " "), err)
	}
	return nil
}

// setIdmpCounts applies the annotation "#idmp-counts" key added
// duplicates: the stream's counts of idempotent adds and duplicates, which
// no command sets (Redis keeps them in its RDB snapshots only).
func setIdmpCounts(e *instream.Engine, cmd []string) error {
	if len(cmd) != 4 {
		return fmt.Errorf("wrong number of arguments")
	}
	added, err1 := strconv.ParseInt(cmd[2], 10, 64)
	dups, err2 := strconv.ParseInt(cmd[3], 10, 64)
	if err := errors.Join(err1, err2); err != nil {
		return err
	}
	return e.SetIdempotencyCounts(cmd[1], added, dups)
}

// dropExactLimit removes a LIMIT from an exact trim of XADD or XTRIM.
// Redis writes trims that way (an approximate trim made exact keeps its
// LIMIT) and its loader ignores it; a client sending it gets an error.
func dropExactLimit(cmd []string) []string {
	exact := false
	for i := 2; i < len(cmd); i++ {
		switch strings.ToUpper(cmd[i]) {
		case "NOMKSTREAM", "KEEPREF", "DELREF", "ACKED":
		case "MAXLEN", "MINID":
			if i+1 < len(cmd) && (cmd[i+1] == "=" || cmd[i+1] == "~") {
				exact = cmd[i+1] == "="
				i++
			}
			i++ // the threshold
		case "LIMIT":
			if exact && i+1 < len(cmd) {
				return append(cmd[:i:i], cmd[i+2:]...)
			}
			i++
		default:
			return cmd // the ID: options end here
		}
	}
	return cmd
}
