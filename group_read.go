package instream

import (
	"context"
	"fmt"
	"math"
	"time"
)

// ReadGroupArgs describes a read as a consumer group, with the options of
// Redis's XREADGROUP.
type ReadGroupArgs struct {
	// Group and Consumer name the reader. The consumer is created in every
	// listed stream's group if missing; it must not be empty.
	Group, Consumer string

	// Streams are read in order; there must be at least one.
	Streams []GroupStream

	// Count is the most entries returned per stream; 0: no limit.
	Count int

	// MaxCount and MaxSize cap the whole read, claimed entries included,
	// as in [ReadArgs]; entries left out are not delivered. If 0, no cap.
	MaxCount, MaxSize int

	// NoAck delivers new entries without adding them to the pending list.
	// It does not apply to entries taken by Claim, which stay pending.
	NoAck bool

	// Claim (Redis 8.4's CLAIM min-idle-time) makes each ">" stream first
	// take over the group's pending entries idle for at least MinIdle,
	// whoever owns them (the caller included), oldest delivery first
	// (ties by ID), up to Count; then, if Count leaves room, new entries
	// follow as usual. A claimed entry passes to the consumer, its
	// delivery time becomes now and its delivery count grows by one.
	// Pending entries whose stream entry is gone are dropped from the
	// pending list, as XAUTOCLAIM does, and not returned. Count is per
	// stream. History streams ignore Claim. A blocked ReadGroup with
	// Claim also wakes when a pending entry becomes idle enough.
	Claim bool
	// MinIdle is Claim's idle threshold; 0 claims every pending entry.
	// It must be zero without Claim.
	MinIdle time.Duration

	anyName bool // Do: Redis accepts the consumer name ""
}

// GroupStream is one stream of a group read.
type GroupStream struct {
	Key string

	// History reads the consumer's own pending entries with IDs > After,
	// instead of new entries (Redis's ">", the default). After must be
	// zero without History.
	History bool
	After   ID
}

// GroupEntry is one entry delivered to a consumer.
type GroupEntry struct {
	Entry
	// Deleted marks a history entry whose stream entry is gone; its
	// Fields are nil. It stays pending until acknowledged or claimed.
	Deleted bool

	// Claimed marks an entry taken over from the pending list, by a
	// Claim read, [Engine.Claim] or [Engine.AutoClaim].
	Claimed bool
	// Nacked marks a claimed entry that was nacked ([Engine.Nack]): it
	// had no delivery time, so its Idle is 0 (Redis reports -1).
	Nacked bool

	// Idle and Deliveries are the entry's idle time (whole ms) and
	// delivery count before this delivery, as its pending record held
	// them: set for claimed entries and for history reads; both are 0
	// for a new entry. A queue can retire an entry whose Deliveries
	// reach its limit.
	Idle       time.Duration
	Deliveries int64
}

// GroupEntries are the entries read from one stream.
type GroupEntries struct {
	Key     string
	Entries []GroupEntry
	// Claim says the stream was read in claim mode (Claim and ">"), so
	// Redis replies with idle times and delivery counts for its entries.
	Claim bool
}

// GroupError is the error of a call on a consumer group of several
// streams: it names the stream whose group failed. Err is one of the
// package's errors, such as ErrNoGroup.
type GroupError struct {
	Op         string // the call, such as "read"
	Key, Group string
	Err        error
}

func (e *GroupError) Error() string {
	return fmt.Sprintf("%s group %q on %q: %v", e.Op, e.Group, e.Key, e.Err)
}

func (e *GroupError) Unwrap() error { return e.Err }

// TryReadGroup reads as a consumer of a group without blocking. It is the
// engine's XREADGROUP without BLOCK. For each stream in order it returns
// either new entries (IDs above the group's last-delivered ID, which
// advances; unless args.NoAck they become pending for the consumer) or,
// with History, the consumer's own pending entries after the given ID
// (their delivery counts grow by one). A history stream always appears in
// the result, even empty; a stream with nothing new does not. TryReadGroup
// returns nil, nil when nothing could be served. A missing stream or group
// gives ErrNoGroup and changes nothing.
// O(log n + count) per stream, plus O(log P) per entry.
func (e *Engine) TryReadGroup(args ReadGroupArgs) (_ []GroupEntries, err error) {
	t, err := e.writable(e.enter(groupMask(args), true))
	if err != nil {
		return nil, err
	}
	defer t.endWrite(&err)
	return t.tryReadGroup(args)
}

// ReadGroup is like TryReadGroup but, when nothing can be served, waits
// until something can or ctx is done. It is the engine's XREADGROUP
// BLOCK. A read with a History stream never waits.
//
// Readers of one group are served in the order they started waiting: new
// entries go to the first, and the next ones keep waiting. While waiting,
// deleting a listed stream or destroying the group ends the call with
// ErrNoGroup. If ctx ends first, ReadGroup returns nil and ctx.Err()
// unwrapped, having changed nothing since it started waiting; but a call
// served just as ctx ended returns its entries, which are already
// pending. If ctx is done on entry, ReadGroup returns ctx.Err() and
// changes nothing; a nil ctx is ErrInvalidArgument. If the engine is
// closed, ErrClosed.
func (e *Engine) ReadGroup(ctx context.Context, args ReadGroupArgs) ([]GroupEntries, error) {
	if ctx == nil {
		return nil, fmt.Errorf("read group %q: %w", args.Group, errNilContext)
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	res, gw, err := e.firstReadGroup(args)
	if gw == nil {
		return res, err
	}
	notifyBlocked(ctx, func() { e.giveUp(ctx, gw.w) })
	if served, err := e.wait(ctx, gw.w); !served {
		return nil, err
	}
	return gw.res, gw.err
}

// groupWait is a parked ReadGroup: its arguments and, once served, its
// result. One allocation holds what the waiter's functions need.
type groupWait struct {
	e    *Engine
	w    *waiter
	args ReadGroupArgs
	one  [1]GroupStream // args.Streams when there is one
	res  []GroupEntries
	err  error
}

func (gw *groupWait) serve(t *tx) bool {
	gw.res, gw.err = t.tryReadGroup(gw.args)
	return gw.err != nil || gw.res != nil
}

// firstReadGroup is readGroup's first pass: it returns the result, or,
// when nothing can be served, parks a waiter, which sets the result of
// the groupWait returned when served.
func (e *Engine) firstReadGroup(args ReadGroupArgs) (_ []GroupEntries, _ *groupWait, err error) {
	t, err := e.writable(e.enter(groupMask(args), true))
	if err != nil {
		return nil, nil, err
	}
	defer t.endWrite(&err)
	if res, err := t.tryReadGroup(args); err != nil || res != nil {
		return res, nil, err
	}
	gw := &groupWait{e: e, args: args}
	// The caller may change its slice while the read waits.
	gw.args.Streams = append(gw.one[:0:len(gw.one)], args.Streams...)
	gw.w = newWaiter(len(args.Streams), true, gw.serve)
	if args.Claim {
		gw.w.idleDue = gw.claimDue
	}
	for _, st := range args.Streams {
		gw.w.watch(st.Key, ID{})
	}
	t.park(gw.w)
	return nil, gw, nil
}

// tryReadGroup makes one attempt at a group read: it validates, creates
// consumers (7.2+: for every listed stream, even when nothing is served),
// serves, and returns nil, nil when nothing could be served. Blocked
// group reads run it again each time they are served.
func (t *tx) tryReadGroup(args ReadGroupArgs) ([]GroupEntries, error) {
	e, now := t.e, t.now()
	if err := checkReadGroupArgs(args); err != nil {
		return nil, fmt.Errorf("read group %q: %w", args.Group, err)
	}
	type target struct {
		s *stream
		g *group
	}
	targets := make([]target, len(args.Streams))
	for i, st := range args.Streams {
		s, g, err := e.lookupGroup(st.Key, args.Group)
		if err != nil {
			return nil, &GroupError{"read", st.Key, args.Group, noGroup(err)}
		}
		targets[i] = target{s, g}
	}
	var out []GroupEntries
	served := false
	b := newBudget(args.MaxCount, args.MaxSize)
	for i, st := range args.Streams {
		s, g := targets[i].s, targets[i].g
		c, created := g.consumer(args.Consumer, now)
		c.seen = now
		var mark groupMark
		if t.logging {
			mark = markGroup(g)
			if created {
				t.fxConsumer("CREATECONSUMER", st.Key, args.Group, args.Consumer)
			}
		}
		count, more := b.next(args.Count)
		if !more {
			continue // the caps are met: the stream is left out
		}
		if st.History {
			ens := readHistory(s, g, c, st.After, count, now, b, st.Key)
			out = append(out, GroupEntries{Key: st.Key, Entries: ens})
			served = true
			if t.logging {
				t.fxRead(st.Key, g, c, now, ens, nil, true, false, mark)
			}
			continue
		}
		var ens []GroupEntry
		var gone []ID
		limited := count > 0
		if args.Claim {
			ens, gone = s.claimIdle(g, c, count, args.MinIdle.Milliseconds(), now, b, st.Key)
			if limited {
				count -= len(ens)
			}
		}
		if !limited || count > 0 {
			if news := s.readNew(g, c, count, args.NoAck, now, b, st.Key, args.Claim, len(ens) == 0); ens == nil {
				ens = news
			} else {
				ens = append(ens, news...)
			}
		}
		if t.logging {
			t.fxRead(st.Key, g, c, now, ens, gone, false, args.NoAck, mark)
		}
		if len(ens) > 0 {
			out = append(out, GroupEntries{Key: st.Key, Entries: ens, Claim: args.Claim})
			served = true
			t.pendingChanged(st.Key)
		}
	}
	if !served {
		return nil, nil
	}
	return out, nil
}

// claimDue is the waiter's idleDue for a CLAIM read: the earliest time
// (Unix ms) at which a pending entry of the group in one of the streams
// is idle for MinIdle. O(streams × log P).
func (gw *groupWait) claimDue() (int64, bool) {
	args := &gw.args
	minIdle := args.MinIdle.Milliseconds()
	var due int64
	found := false
	for _, st := range args.Streams {
		_, g, err := gw.e.lookupGroup(st.Key, args.Group)
		if err != nil || st.History {
			continue
		}
		if k, ok := g.idle().Min(); ok {
			d := deliveredAt(k.delivered)
			at := d + min(minIdle, math.MaxInt64-max(d, 0))
			if !found || at < due {
				due, found = at, true
			}
		}
	}
	return due, found
}

func checkReadGroupArgs(args ReadGroupArgs) error {
	switch {
	case len(args.Streams) == 0:
		return invalid("no streams")
	case !args.Claim && args.MinIdle != 0:
		return invalid("MinIdle is set but Claim is not")
	}
	for _, st := range args.Streams {
		if !st.History && !st.After.IsZero() {
			return invalid("stream %q has After but not History", st.Key)
		}
	}
	if err := checkConsumer(args.Consumer, args.anyName); err != nil {
		return err
	}
	if err := checkCount("Count", args.Count); err != nil {
		return err
	}
	if err := checkCaps(args.MaxCount, args.MaxSize); err != nil {
		return err
	}
	return checkDuration("MinIdle", args.MinIdle)
}

// claimIdle gives c the pending entries of g idle for at least minIdle ms
// at time now, oldest delivery first, up to count if count > 0, and
// returns them with their idle time and delivery count before the claim,
// and the IDs of records it dropped because their entries were gone.
// Records whose entries are gone leave the pending list (the choice of
// XAUTOCLAIM; Redis 8.4 leaves it open). O(log P + k) for k examined.
//
// Within budget b, for the reply of stream key.
func (s *stream) claimIdle(g *group, c *consumer, count int, minIdle, now int64, b *readBudget, key string) ([]GroupEntry, []ID) {
	if g.pel.len() == 0 {
		return nil, nil
	}
	// Collect first: claiming moves records within the index.
	var live []Entry
	var gone []ID
	g.idle().Scan(func(k idleKey) bool {
		if idleMs(now, deliveredAt(k.delivered)) < minIdle {
			return false
		}
		en, ok := s.entries.get(k.id)
		if !ok {
			gone = append(gone, k.id)
			return true
		}
		if !b.take(entrySize(en, key, len(live) == 0, true)) {
			return false
		}
		live = append(live, en)
		return count <= 0 || len(live) < count
	})
	for _, id := range gone {
		g.unpend(id)
	}
	out := make([]GroupEntry, len(live))
	for i, en := range live {
		p, _ := g.pel.get(en.ID)
		out[i] = claimed(en, p, true, now, false)
		g.redeliver(p, c, now, incCount(p.count))
		c.active = now
	}
	return out, gone
}

// readHistory returns c's pending entries with IDs > after, up to count
// if count > 0, counting a delivery for each that still exists. Each
// comes with the idle time and delivery count of its record before.
//
// Within budget b, for the reply of stream key.
func readHistory(s *stream, g *group, c *consumer, after ID, count int, now int64, b *readBudget, key string) []GroupEntry {
	out := []GroupEntry{}
	start, ok := after.Next()
	if !ok {
		return out
	}
	c.pel.ascend(start, func(id ID) bool {
		en, exists := s.entries.get(id)
		if b != nil && !b.take(entrySize(Entry{ID: id, Fields: en.Fields}, key, len(out) == 0, false)) {
			return false
		}
		p, _ := g.pel.get(id)
		ge := GroupEntry{Entry: en, Idle: msDuration(max(now-p.delivered, 0)), Deliveries: p.count}
		if !exists {
			ge.Entry, ge.Deleted = Entry{ID: id}, true
		} else {
			g.redeliver(p, c, now, incCount(p.count))
		}
		out = append(out, ge)
		return count <= 0 || len(out) < count
	})
	return out
}

// readNew delivers the entries after g's last-delivered ID to c, up to
// count if count > 0, within budget b for the reply of stream key (claim:
// in claim mode; head: the stream has no entries in the reply yet).
func (s *stream) readNew(g *group, c *consumer, count int, noAck bool, now int64,
	b *readBudget, key string, claim, head bool) []GroupEntry {
	last, ok := s.entries.last()
	if !ok || !g.lastID.Less(last) {
		return nil
	}
	start, _ := g.lastID.Next() // cannot fail: g.lastID < last
	out := s.entries.collectGroupCapped(start, MaxID, count, b, key, claim, head)
	first := s.firstID() // reading changes no entries
	for _, en := range out {
		s.advance(g, en.ID, first)
		if !noAck {
			g.deliver(en.ID, c, now)
			c.active = now
		}
	}
	return out
}

// advance moves g's last-delivered ID to id, an ID above it, and keeps
// entries-read as Redis 8 does (including Redis PR #13958). first
// is s.firstID().
func (s *stream) advance(g *group, id, first ID) {
	if g.entriesRead != unknownEntriesRead && !g.lastID.Less(first) && !s.hasTombstoneAfter(g.lastID) {
		g.entriesRead++
	} else if s.entriesAdded > 0 {
		g.entriesRead = s.estimate(id)
	}
	g.lastID = id
}

// hasTombstoneAfter reports whether an entry with an ID >= x may have been
// deleted (Redis's streamRangeHasTombstones(s, x, NULL)).
func (s *stream) hasTombstoneAfter(x ID) bool {
	return s.entries.len() > 0 && !s.maxDeleted.IsZero() && !s.maxDeleted.Less(x)
}

// estimate returns how many entries were added up to and including ID x,
// or unknownEntriesRead (Redis's streamEstimateDistanceFromFirstEverEntry).
func (s *stream) estimate(x ID) int64 {
	n := int64(s.entries.len())
	switch {
	case s.entriesAdded == 0:
		return 0
	case n == 0 && !s.lastID.Less(x):
		return s.entriesAdded
	case !x.IsZero() && x.Less(s.maxDeleted):
		return unknownEntriesRead
	case x == s.lastID:
		return s.entriesAdded
	case s.lastID.Less(x):
		return unknownEntriesRead
	}
	first := s.firstID()
	if s.maxDeleted.IsZero() || s.maxDeleted.Less(first) {
		switch {
		case x.Less(first):
			return s.entriesAdded - n
		case x == first:
			return s.entriesAdded - n + 1
		}
	}
	return unknownEntriesRead
}

// lag returns how many entries g has not been handed yet, and false when
// that is unknown, as Redis 7.2+ computes XINFO GROUPS' lag.
func (s *stream) lag(g *group) (int64, bool) {
	n := int64(s.entries.len())
	if s.entriesAdded == 0 || n == 0 {
		return 0, true
	}
	first := s.firstID()
	if g.lastID.Less(first) && s.maxDeleted.Less(first) {
		return n, true
	}
	if g.entriesRead != unknownEntriesRead && !s.hasTombstoneAfter(g.lastID) {
		return s.entriesAdded - g.entriesRead, true
	}
	if er := s.estimate(g.lastID); er != unknownEntriesRead {
		return s.entriesAdded - er, true
	}
	return 0, false
}
