package instream

import (
	"context"
	"fmt"
	"slices"
)

// ReadArgs describes a read of new entries from one or more streams, as
// Redis's XREAD does.
type ReadArgs struct {
	// Streams are the streams to read, in reply order. A key may be
	// listed more than once; each occurrence is read on its own.
	Streams []ReadStream

	// Count bounds the entries returned per stream. If 0, no limit.
	Count int

	// MaxCount bounds the entries returned over all streams, and MaxSize
	// the size of the reply in bytes, as Redis 8.10's MAXCOUNT and
	// MAXSIZE do: the streams are served in order until a cap is met, and
	// the rest are left out. MaxSize counts the bytes of Redis's reply
	// (RESP2) roughly, and always lets the first entry through, however
	// big. If 0, no cap.
	MaxCount, MaxSize int
}

// ReadStream names one stream of a read and where to read from. At most
// one of After, New and Last may be set.
type ReadStream struct {
	Key string

	// After selects the entries with IDs > After.
	After ID

	// New selects only entries added after the call starts (Redis's "$"):
	// After becomes the stream's last generated ID, once, at the call, or
	// 0-0 if the stream does not exist.
	New bool

	// Last selects the last existing entry of the stream (Redis 7.4's
	// "+", with the newest semantics). A blocked read waits for the stream
	// to have an entry and returns the last one.
	Last bool
}

// StreamEntries is the part of a read's result that comes from one
// stream.
type StreamEntries struct {
	Key     string
	Entries []Entry
}

// TryRead returns, for each listed stream that has entries past its
// starting point, those entries in ascending order. It is the engine's
// XREAD without BLOCK. It never blocks, and returns nil when no stream
// has anything; a missing stream has nothing. It never modifies the
// engine. The caller owns the returned entries. O(log n + count) per
// stream.
func (e *Engine) TryRead(args ReadArgs) ([]StreamEntries, error) {
	t, err := e.enterRead(readMask(args))
	if err != nil {
		return nil, err
	}
	defer t.end()
	return t.tryRead(args)
}

func (t *tx) tryRead(args ReadArgs) ([]StreamEntries, error) {
	if err := checkReadArgs(args); err != nil {
		return nil, fmt.Errorf("read: %w", err)
	}
	return t.e.readLocked(t.e.resolveRead(args)), nil
}

// Read is like TryRead but, when no stream has anything, waits until one
// has or ctx is done. It is the engine's XREAD BLOCK. Streams with New
// wait for entries added after the call starts. When woken, Read returns
// every listed stream that has entries then, not only the one that woke
// it. If ctx ends first, Read returns nil and ctx.Err() unwrapped; if the
// engine is closed, ErrClosed. If ctx is done on entry, Read returns
// ctx.Err() without looking at the streams; a nil ctx is
// ErrInvalidArgument. Readers woken together may share the returned
// entries, which must not be modified.
//
// Deleting a stream does not end the wait: if a stream of that name is
// created again, its entries above the starting point are returned.
func (e *Engine) Read(ctx context.Context, args ReadArgs) ([]StreamEntries, error) {
	if ctx == nil {
		return nil, fmt.Errorf("read: %w", errNilContext)
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	res, w, b, watcher, err := e.firstRead(args, ctx.Done())
	switch {
	case w == nil:
		return res, err
	case b == nil: // several streams: w is the call's alone
		notifyBlocked(ctx, func() { e.giveUp(ctx, w) })
		if served, err := e.wait(ctx, w); !served {
			return nil, err
		}
		return w.co.res, nil
	case !watcher:
		notifyBlocked(ctx, func() { e.abandonBand(ctx, w, b, false) })
		return waitBandMember(ctx, w, b)
	}
	notifyBlocked(ctx, func() { e.abandonBand(ctx, w, b, true) })
	return e.waitBand(ctx, w, b)
}

// firstRead is read's first pass: it returns the result, or, when
// nothing is there, the waiter whose result will be the call's: one it
// parked, or one of the same read that it joined (cohort.go). A
// one-stream read also gets its band in the cohort, and whether it
// watches it.
func (e *Engine) firstRead(args ReadArgs, done <-chan struct{}) (_ []StreamEntries, _ *waiter, _ *band, watcher bool, _ error) {
	t, err := e.enter(readMask(args), true)
	if err != nil {
		return nil, nil, nil, false, err
	}
	defer t.end()
	if err := checkReadArgs(args); err != nil {
		return nil, nil, nil, false, fmt.Errorf("read: %w", err)
	}
	args = e.resolveRead(args)
	if res := e.readLocked(args); res != nil {
		return res, nil, nil, false, nil
	}
	var k readKey
	one := len(args.Streams) == 1
	if one {
		k = readKey{args.Streams[0], args.Count, args.MaxCount, args.MaxSize}
		if w, b, watcher := t.join(k, done); w != nil {
			return nil, w, b, watcher, nil
		}
	}
	// Writers re-run the read while the caller waits: keep our own copy.
	args.Streams = slices.Clone(args.Streams)
	w := newWaiter(len(args.Streams), false, nil)
	w.serve = func(t *tx) bool {
		w.co.res = t.readServed(args, k)
		return w.co.res != nil
	}
	var b *band
	if one {
		b = w.startCohort(k, done)
	}
	for _, rs := range args.Streams {
		// A Last read waits for any entry: its After is 0-0.
		w.watch(rs.Key, rs.After)
	}
	t.park(w)
	return nil, w, b, b != nil, nil
}

// readServed is readLocked for a waiter being served: a one-stream read,
// k, shares its result with the other waiters of the same pass that ask
// for the same entries (see tx.shared).
func (t *tx) readServed(args ReadArgs, k readKey) []StreamEntries {
	e := t.e
	if len(args.Streams) != 1 {
		return e.readLocked(args)
	}
	sh := &t.shared
	if sh.valid && sh.readKey == k {
		return sh.res
	}
	res := e.readLocked(args)
	*sh = sharedRead{valid: true, readKey: k, res: res}
	return res
}

// errNilContext is the error of a blocking call given a nil context.
var errNilContext = fmt.Errorf("%w: nil context", ErrInvalidArgument)

func checkReadArgs(args ReadArgs) error {
	if len(args.Streams) == 0 {
		return fmt.Errorf("%w: no streams", ErrInvalidArgument)
	}
	for _, rs := range args.Streams {
		switch {
		case rs.New && rs.Last:
			return invalid("stream %q has both New and Last", rs.Key)
		case (rs.New || rs.Last) && !rs.After.IsZero():
			return invalid("stream %q has After with New or Last", rs.Key)
		}
	}
	if err := checkCount("Count", args.Count); err != nil {
		return err
	}
	return checkCaps(args.MaxCount, args.MaxSize)
}

// resolveRead returns a copy of args with New resolved to After, and the
// After of Last streams zeroed.
func (e *Engine) resolveRead(args ReadArgs) ReadArgs {
	if !slices.ContainsFunc(args.Streams, func(rs ReadStream) bool { return rs.New || rs.Last }) {
		return args
	}
	streams := make([]ReadStream, len(args.Streams))
	for i, rs := range args.Streams {
		switch {
		case rs.New:
			rs.After, rs.New = ID{}, false
			if s := e.lookup(rs.Key); s != nil {
				rs.After = s.lastID
			}
		case rs.Last:
			rs.After = ID{}
		}
		streams[i] = rs
	}
	args.Streams = streams
	return args
}

// readLocked makes one attempt at a resolved read: nil if no stream has
// anything.
func (e *Engine) readLocked(args ReadArgs) []StreamEntries {
	var res []StreamEntries
	b := newBudget(args.MaxCount, args.MaxSize)
	for _, rs := range args.Streams {
		count, more := b.next(args.Count)
		if !more {
			break
		}
		s := e.lookup(rs.Key)
		if s == nil {
			continue
		}
		last, ok := s.entries.last()
		if !ok || !rs.After.Less(last) {
			continue
		}
		var ens []Entry
		if rs.Last {
			ens = s.entries.collectCapped(last, last, 1, b, rs.Key)
		} else {
			start, _ := rs.After.Next() // cannot fail: After < last
			ens = s.entries.collectCapped(start, MaxID, count, b, rs.Key)
		}
		if len(ens) > 0 {
			res = append(res, StreamEntries{Key: rs.Key, Entries: ens})
		}
	}
	return res
}
