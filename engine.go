package instream

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"time"
)

// Options configures an Engine. A zero Options is valid and uses the
// defaults.
type Options struct {
	// Clock is the engine's time: of every generated ID, idle time and
	// delivery time, read once per call, and of the timers that wake
	// blocked CLAIM reads. If nil, the time package's (time.Now and
	// time.AfterFunc). A [ManualClock] moves only when told.
	Clock Clock

	// NodeMaxEntries bounds the entries kept in one storage node, as Redis's
	// stream-node-max-entries does. Approximate trimming removes whole
	// nodes only. If zero (or negative), 100 entries.
	NodeMaxEntries int

	// NodeMaxBytes bounds the bytes of one storage node, as Redis's
	// stream-node-max-bytes does. If zero (or negative), 4096 bytes.
	NodeMaxBytes int

	// Log, if not nil, receives every change as Redis commands (see
	// [Log]); calls that change state wait until it has made the change
	// durable. Package persist sets it up. If nil, the engine is purely
	// in memory.
	Log Log

	// IdempotencyDuration is how long a new stream remembers the
	// idempotency IDs of its idempotent adds, in whole seconds from 1 s
	// to 24 h, as Redis's stream-idmp-duration config. Other values are
	// cut to whole seconds and brought within those bounds. If zero (or
	// negative), 100 s. [Engine.SetConfig] changes it per stream.
	IdempotencyDuration time.Duration

	// IdempotencyMaxSize is how many idempotency IDs a new stream
	// remembers per producer, from 1 to 10,000 (larger values mean
	// 10,000), as Redis's stream-idmp-maxsize config. If zero (or
	// negative), 100. [Engine.SetConfig] changes it per stream.
	IdempotencyMaxSize int
}

// Engine is an in-process store of named streams with Redis Streams
// semantics. An Engine is safe for concurrent use by multiple goroutines.
type Engine struct {
	stripes [nStripes]stripe    // the keyspace and its locks (locks.go)
	gate    rwLock              // locked for writing by a call that holds every stripe (locks.go)
	opts    Options             // written with every stripe held
	closed  bool                // written with every stripe held
	watches map[string][]*Watch // open watches by key (watch.go); written with every stripe held
	rec     recording           // opts.Log, if it can stop recording
}

// These errors are returned by the typed API. Use errors.Is to test for
// them: the returned errors carry the operation and names.
var (
	// ErrClosed is returned by every call on an Engine after Close.
	ErrClosed = errors.New("engine closed")

	// ErrNoStream is returned when the named stream does not exist.
	ErrNoStream = errors.New("no such stream")

	// ErrNoGroup is returned when the named consumer group, or its stream,
	// does not exist.
	ErrNoGroup = errors.New("no such consumer group")

	// ErrGroupExists is returned when creating a consumer group whose name
	// is taken.
	ErrGroupExists = errors.New("consumer group already exists")

	// ErrIDTooSmall is returned by Add when the new ID is not greater than
	// the stream's last generated ID.
	ErrIDTooSmall = errors.New("id is equal or smaller than the stream's last id")

	// ErrIDExhausted is returned by Add when the stream's last generated ID
	// is MaxID.
	ErrIDExhausted = errors.New("stream has exhausted the last possible id")

	// ErrTooLarge is returned by Add when an entry's names and values
	// exceed 1 GiB in total.
	ErrTooLarge = errors.New("entry too large")

	// ErrNoFields is returned by Add when the entry has no fields.
	ErrNoFields = errors.New("entry has no fields")

	// ErrInvalidArgument is returned for an argument out of its range,
	// such as a negative MaxLen, or one that cannot mean what was
	// written, such as a MaxLen without a trim Strategy (see "Arguments
	// and zero values" in the package documentation). The wrapping error
	// names the argument.
	ErrInvalidArgument = errors.New("invalid argument")

	// ErrSetIDTooSmall is returned by SetID when the new last ID is below
	// the stream's last entry, or below its max deleted entry ID.
	ErrSetIDTooSmall = errors.New("id is smaller than the stream's top item")

	// ErrEntriesAddedTooSmall is returned by SetID when EntriesAdded is
	// less than the stream's length.
	ErrEntriesAddedTooSmall = errors.New("entries added is smaller than the stream length")

	// ErrNoEntry is returned by RecordIdempotency when the stream has no
	// entry with the given ID.
	ErrNoEntry = errors.New("no such entry")

	// ErrIdempotencyConflict is returned by RecordIdempotency when the
	// producer and idempotency ID already stand for another entry.
	ErrIdempotencyConflict = errors.New("idempotency id already maps to another entry")
)

// maxEntryBytes is the largest total of names and values in one entry.
const maxEntryBytes = 1 << 30

// New returns an Engine configured by opts.
func New(opts Options) *Engine {
	if opts.Clock == nil {
		opts.Clock = realClock{}
	}
	if opts.NodeMaxEntries <= 0 {
		opts.NodeMaxEntries = 100
	}
	if opts.NodeMaxBytes <= 0 {
		opts.NodeMaxBytes = 4096
	}
	e := &Engine{opts: opts}
	for i := range e.stripes {
		e.stripes[i].tx.e, e.stripes[i].tx.home = e, &e.stripes[i]
	}
	for i := range e.stripes {
		e.stripes[i].tx.logging = opts.Log != nil
	}
	e.rec, _ = opts.Log.(recording)
	return e
}

// Close releases the engine. Blocked reads return ErrClosed, and so does
// every later call. Close is idempotent and always returns nil.
func (e *Engine) Close() error {
	t := e.acquire()
	defer t.end()
	if !e.closed {
		e.closed = true
		e.closeWaiters()
	}
	return nil
}

// DeleteStreams deletes the named streams with their groups and pending
// lists, and reports how many existed. It is the engine's DEL. No keys is
// ErrInvalidArgument.
func (e *Engine) DeleteStreams(keys ...string) (_ int64, err error) {
	t, err := e.writable(e.enter(maskOf(len(keys), func(i int) string { return keys[i] }), true))
	if err != nil {
		return 0, err
	}
	defer t.endWrite(&err)
	return t.deleteStreams(keys)
}

// deleteStreams deletes keys; blocked readers see the outcome of the whole call.
func (t *tx) deleteStreams(keys []string) (int64, error) {
	if len(keys) == 0 {
		return 0, fmt.Errorf("delete streams: %w", invalid("no keys"))
	}
	var n int64
	for _, k := range keys {
		if t.e.dropStream(k) {
			t.streamDeleted(k)
			n++
			if t.logging {
				t.record("DEL", k)
			}
		}
	}
	return n, nil
}

// Exists reports how many of the named streams exist; a name given twice
// counts twice. It is the engine's EXISTS. No keys is ErrInvalidArgument.
func (e *Engine) Exists(keys ...string) (int64, error) {
	t, err := e.enterRead(maskOf(len(keys), func(i int) string { return keys[i] }))
	if err != nil {
		return 0, err
	}
	defer t.end()
	return t.exists(keys)
}

func (t *tx) exists(keys []string) (int64, error) {
	if len(keys) == 0 {
		return 0, fmt.Errorf("exists: %w", invalid("no keys"))
	}
	var n int64
	for _, k := range keys {
		if t.lookup(k) != nil {
			n++
		}
	}
	return n, nil
}

// Type returns "stream" if the named stream exists and "none" otherwise.
// It is the engine's TYPE.
func (e *Engine) Type(key string) (string, error) {
	t, err := e.beginRead(key)
	if err != nil {
		return "", err
	}
	defer t.end()
	return t.typeOf(key), nil
}

func (t *tx) typeOf(key string) string {
	if t.lookup(key) != nil {
		return "stream"
	}
	return "none"
}

// Keys returns the names of all streams, in byte order. It is the
// engine's KEYS *. O(k log k) for k streams.
func (e *Engine) Keys() ([]string, error) {
	t, err := e.enterRead(allStripes)
	if err != nil {
		return nil, err
	}
	defer t.end()
	return t.keys(), nil
}

func (t *tx) keys() []string {
	var keys []string
	for i := range t.e.stripes {
		keys = slices.AppendSeq(keys, maps.Keys(t.e.stripes[i].streams))
	}
	slices.Sort(keys)
	return keys
}
