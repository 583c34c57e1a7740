package instream

import (
	"fmt"
	"math"
	"time"

	"github.com/tidwall/btree"
)

// pending is the record of one delivered, unacknowledged entry.
type pending struct {
	id        ID
	owner     uint32 // the owning consumer's num; 0 only while XCLAIM FORCE creates it
	delivered int64  // Unix ms of the last delivery
	count     int64  // deliveries so far
}

// pelRec is a pending record as a group's pending list stores it, beside
// its ID. It holds no pointers, so the chunks that store it cost the
// garbage collector nothing to scan.
type pelRec struct {
	delivered int64
	count     int64
	owner     uint32
}

func (r pelRec) pending(id ID) pending { return pending{id, r.owner, r.delivered, r.count} }

// found is the record of id if ok, else the zero record.
func (r pelRec) found(id ID, ok bool) (pending, bool) {
	if !ok {
		return pending{}, false
	}
	return r.pending(id), true
}

// pel is a group's pending list ordered by ID (see chunkList): O(log P)
// lookups and updates, and O(1) appends of new deliveries. Each consumer
// indexes its own IDs a second time, in an idSet.
type pel struct {
	l chunkList[pelRec]
}

func newPEL() pel { return pel{} }

func (l *pel) len() int { return l.l.len() }

func (l *pel) get(id ID) (pending, bool) {
	r, ok := l.l.get(id)
	return r.found(id, ok)
}

func (l *pel) has(id ID) bool { return l.l.has(id) }

func (l *pel) min() (pending, bool) {
	id, r, ok := l.l.min()
	return r.found(id, ok)
}

func (l *pel) max() (pending, bool) {
	id, r, ok := l.l.max()
	return r.found(id, ok)
}

// ascend calls fn for the records with IDs >= from, in order, until fn
// returns false.
func (l *pel) ascend(from ID, fn func(pending) bool) {
	l.l.ascend(from, func(id ID, r pelRec) bool { return fn(r.pending(id)) })
}

// scan calls fn for every record, in order, until fn returns false.
func (l *pel) scan(fn func(pending) bool) { l.ascend(ID{}, fn) }

// set stores p, replacing the record with its ID if any.
func (l *pel) set(p pending) (pending, bool) {
	r, ok := l.l.put(p.id, pelRec{p.delivered, p.count, p.owner})
	return r.found(p.id, ok)
}

// push is set for a record that is most likely above all others, as a
// new delivery is: it then appends without a search.
func (l *pel) push(p pending) (pending, bool) {
	r, ok := l.l.push(p.id, pelRec{p.delivered, p.count, p.owner})
	return r.found(p.id, ok)
}

func (l *pel) del(id ID) (pending, bool) {
	r, ok := l.l.del(id)
	return r.found(id, ok)
}

// idleKey orders a group's pending records by delivery time, then ID:
// the oldest deliveries first, which XREADGROUP CLAIM takes (spec §8.4).
type idleKey struct {
	delivered int64
	id        ID
}

// idleIndex is a group's pending list a second time, by idleKey, so that
// finding the k oldest deliveries costs O(log P + k). Groups that never
// serve a CLAIM read do not pay for it: it is nil until the first one
// builds it (O(P log P), once), and kept in step from then on.
type idleIndex struct {
	t *btree.BTreeG[idleKey]
}

func (x idleIndex) set(k idleKey) {
	if x.t != nil {
		x.t.Set(k)
	}
}

func (x idleIndex) del(k idleKey) {
	if x.t != nil {
		x.t.Delete(k)
	}
}

// idle returns the group's idle index, building it if needed.
func (g *group) idle() *btree.BTreeG[idleKey] {
	if g.byIdle.t == nil {
		g.byIdle.t = btree.NewBTreeGOptions(func(a, b idleKey) bool {
			if a.delivered != b.delivered {
				return a.delivered < b.delivered
			}
			return a.id.Less(b.id)
		}, btree.Options{NoLocks: true})
		g.pel.scan(func(p pending) bool {
			g.byIdle.t.Set(idleKey{p.delivered, p.id})
			return true
		})
	}
	return g.byIdle.t
}

// idSet is an ordered set of IDs: a consumer's pending entries. Its list
// is made at the first add, since many consumers never hold any.
type idSet struct {
	l *chunkList[struct{}]
}

func (s *idSet) len() int {
	if s.l == nil {
		return 0
	}
	return s.l.len()
}

func (s *idSet) has(id ID) bool { return s.l != nil && s.l.has(id) }

// ascend calls fn for the IDs >= from, in order, until fn returns false.
func (s *idSet) ascend(from ID, fn func(ID) bool) {
	if s.l != nil {
		s.l.ascend(from, func(id ID, _ struct{}) bool { return fn(id) })
	}
}

// scan calls fn for every ID, in order, until fn returns false.
func (s *idSet) scan(fn func(ID) bool) { s.ascend(ID{}, fn) }

// add inserts id; appending above all others costs no search.
func (s *idSet) add(id ID) {
	if s.l == nil {
		s.l = &chunkList[struct{}]{}
	}
	s.l.push(id, struct{}{})
}

func (s *idSet) del(id ID) {
	if s.l != nil {
		s.l.del(id)
	}
}

// owner returns the consumer that holds p.
func (g *group) owner(p pending) *consumer {
	if c := g.recent; c != nil && c.num == p.owner {
		return c
	}
	return g.consumers.byNum(p.owner)
}

// unpend removes id from the group's pending list and its owner's, and
// reports whether it was pending.
func (g *group) unpend(id ID) bool {
	p, ok := g.pel.del(id)
	if ok {
		g.byIdle.del(idleKey{p.delivered, p.id})
		if c := g.owner(p); c != nil {
			c.pel.del(id)
		}
	}
	return ok
}

// store writes p, a changed copy of a pending record or a new one, into
// the group's pending list and keeps the idle index in step. The owner's
// list is the caller's (see assign).
func (g *group) store(p pending) {
	prev, replaced := g.pel.set(p)
	if replaced {
		if prev.delivered == p.delivered {
			return
		}
		g.byIdle.del(idleKey{prev.delivered, p.id})
	}
	g.byIdle.set(idleKey{p.delivered, p.id})
}

// assign gives p to c; the caller stores p back with store.
func (g *group) assign(p *pending, c *consumer) {
	if p.owner == c.num {
		return
	}
	if old := g.owner(*p); old != nil {
		old.pel.del(p.id)
	}
	p.owner = c.num
	c.pel.add(p.id)
}

// deliver records that entry id was handed to c at time now as a new
// entry: a record that already exists moves to c and restarts its count.
func (g *group) deliver(id ID, c *consumer, now int64) {
	prev, replaced := g.pel.push(pending{id: id, owner: c.num, delivered: now, count: 1})
	if !replaced || prev.delivered != now {
		if replaced {
			g.byIdle.del(idleKey{prev.delivered, id})
		}
		g.byIdle.set(idleKey{now, id})
	}
	if replaced {
		if prev.owner == c.num {
			return
		}
		if old := g.owner(prev); old != nil {
			old.pel.del(id)
		}
	}
	c.pel.add(id)
}

// Ack acknowledges the given IDs in a group: they leave its pending list.
// It returns how many were pending, counting each ID once, including IDs
// whose entries were deleted. It is the engine's XACK. A missing stream or
// group acknowledges nothing. O(log P) per ID.
func (e *Engine) Ack(key, group string, ids ...ID) (int64, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.closed {
		return 0, ErrClosed
	}
	_, g, err := e.lookupGroup(key, group)
	if err != nil {
		return 0, nil
	}
	var n int64
	for _, id := range ids {
		if g.unpend(id) {
			n++
		}
	}
	return n, nil
}

// PendingSummary describes a group's pending list, as the short form of
// Redis's XPENDING does.
type PendingSummary struct {
	Count           int64 // pending entries
	Lowest, Highest ID    // the smallest and greatest pending IDs; zero if none
	// Consumers lists the consumers with pending entries, in byte order
	// of their names.
	Consumers []ConsumerPending
}

// ConsumerPending is one consumer's share of a pending list.
type ConsumerPending struct {
	Name  string
	Count int64
}

// PendingSummary summarises the pending list of a group. It is the
// engine's XPENDING key group. O(log P + consumers).
func (e *Engine) PendingSummary(key, group string) (PendingSummary, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.closed {
		return PendingSummary{}, ErrClosed
	}
	_, g, err := e.lookupGroup(key, group)
	if err != nil {
		return PendingSummary{}, fmt.Errorf("pending of group %q on %q: %w", group, key, noGroup(err))
	}
	sum := PendingSummary{Count: int64(g.pel.len())}
	if lo, ok := g.pel.min(); ok {
		hi, _ := g.pel.max()
		sum.Lowest, sum.Highest = lo.id, hi.id
	}
	g.consumers.Scan(func(name string, c *consumer) bool {
		if n := c.pel.len(); n > 0 {
			sum.Consumers = append(sum.Consumers, ConsumerPending{name, int64(n)})
		}
		return true
	})
	return sum, nil
}

// noGroup turns a missing stream into a missing group: commands on a
// group report both as ErrNoGroup, as Redis's NOGROUP does.
func noGroup(err error) error {
	if err == ErrNoStream {
		return ErrNoGroup
	}
	return err
}

// PendingArgs selects pending entries for [Engine.Pending].
type PendingArgs struct {
	Group string
	// Start and End bound the IDs: [Start, End].
	Start, End ID
	// Count is the most entries returned; <= 0 returns none.
	Count int
	// ByConsumer keeps only the entries of Consumer (a name that may be
	// empty); if the consumer does not exist, none.
	ByConsumer bool
	Consumer   string
	// MinIdle keeps only entries idle for at least MinIdle; <= 0 keeps all.
	MinIdle time.Duration
}

// PendingEntry is one pending record.
type PendingEntry struct {
	ID         ID
	Consumer   string        // the owner
	Idle       time.Duration // since the last delivery, in whole ms, >= 0
	Deliveries int64
}

// Pending lists a group's pending entries with IDs in [args.Start,
// args.End], in ascending order. It is the engine's extended XPENDING.
// O(log P + scanned).
func (e *Engine) Pending(key string, args PendingArgs) ([]PendingEntry, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.closed {
		return nil, ErrClosed
	}
	_, g, err := e.lookupGroup(key, args.Group)
	if err != nil {
		return nil, fmt.Errorf("pending of group %q on %q: %w", args.Group, key, noGroup(err))
	}
	out := []PendingEntry{}
	if args.Count <= 0 || args.End.Less(args.Start) {
		return out, nil
	}
	now := e.nowMs()
	minIdle := args.MinIdle.Milliseconds()
	visit := func(p pending) bool {
		if args.End.Less(p.id) {
			return false
		}
		idle := max(now-p.delivered, 0)
		if minIdle > 0 && idle < minIdle {
			return true
		}
		out = append(out, PendingEntry{p.id, g.owner(p).name, time.Duration(idle) * time.Millisecond, p.count})
		return len(out) < args.Count
	}
	if !args.ByConsumer {
		g.pel.ascend(args.Start, visit)
		return out, nil
	}
	c, ok := g.consumers.Get(args.Consumer)
	if !ok {
		return out, nil
	}
	c.pel.ascend(args.Start, func(id ID) bool {
		p, _ := g.pel.get(id)
		return visit(p)
	})
	return out, nil
}

// ClaimArgs describes a claim, with the options of Redis's XCLAIM.
type ClaimArgs struct {
	Group, Consumer string // Consumer is created if missing

	// MinIdle skips entries delivered less than MinIdle ago; <= 0 claims
	// regardless of idle time.
	MinIdle time.Duration

	IDs []ID

	// Idle sets the claimed entries' delivery time to now minus Idle
	// (IDLE). Time, if not zero, sets it to Time instead (TIME). A time
	// in the future or before 1970 becomes now.
	Idle time.Duration
	Time time.Time

	// RetryCount, if not nil and >= 0, sets the delivery count instead of
	// incrementing it (RETRYCOUNT).
	RetryCount *int64

	// Force claims IDs that are not pending, as long as their entries
	// exist (FORCE).
	Force bool

	// JustID returns IDs only (Fields nil) and leaves delivery counts as
	// they are (JUSTID).
	JustID bool

	// LastID, if greater than the group's last-delivered ID, becomes it
	// (LASTID), whether or not anything is claimed.
	LastID ID
}

// Claim transfers pending entries to a consumer and returns them in the
// order of args.IDs (an ID given twice may be claimed twice). It is the
// engine's XCLAIM. IDs whose entries were deleted leave the pending list
// and are not returned. O(log P + log n) per ID.
func (e *Engine) Claim(key string, args ClaimArgs) ([]Entry, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.closed {
		return nil, ErrClosed
	}
	s, g, err := e.lookupGroup(key, args.Group)
	if err != nil {
		return nil, fmt.Errorf("claim in group %q on %q: %w", args.Group, key, noGroup(err))
	}
	now := e.nowMs()
	if g.lastID.Less(args.LastID) {
		g.lastID = args.LastID
	}
	when := now - args.Idle.Milliseconds()
	if !args.Time.IsZero() {
		when = args.Time.UnixMilli()
	}
	if when < 0 || when > now {
		when = now
	}
	c, _ := g.consumer(args.Consumer, now)
	c.seen = now
	minIdle := args.MinIdle.Milliseconds()
	out := []Entry{}
	for _, id := range args.IDs {
		en, exists := s.entries.get(id)
		if !exists {
			g.unpend(id)
			continue
		}
		p, ok := g.pel.get(id)
		switch {
		case !ok && !args.Force:
			continue
		case !ok:
			p = pending{id: id, delivered: now, count: 1}
		case minIdle > 0 && now-p.delivered < minIdle:
			continue
		}
		g.assign(&p, c)
		p.delivered = when
		switch {
		case args.RetryCount != nil && *args.RetryCount >= 0:
			p.count = *args.RetryCount
		case !args.JustID:
			p.count++
		}
		g.store(p)
		c.active = now
		out = append(out, claimed(en, args.JustID))
	}
	if len(out) > 0 {
		// IDLE and TIME can make an entry claimable sooner.
		e.pendingChanged(key)
	}
	return out, nil
}

// claimed is a claimed entry as returned: its ID only with justID. The
// storage's get and collect return entries the caller owns.
func claimed(en Entry, justID bool) Entry {
	if justID {
		return Entry{ID: en.ID}
	}
	return en
}

// AutoClaimArgs describes an automatic claim, with the options of Redis's
// XAUTOCLAIM.
type AutoClaimArgs struct {
	Group, Consumer string // Consumer is created if missing

	// MinIdle skips entries delivered less than MinIdle ago.
	MinIdle time.Duration

	// Start is the first pending ID to examine: 0-0, or the Next of an
	// earlier call.
	Start ID

	// Count bounds the entries claimed or dropped; at most 10 times Count
	// records are examined. If zero, 100.
	Count int

	// JustID returns IDs only and leaves delivery counts as they are.
	JustID bool
}

// AutoClaimResult is the outcome of [Engine.AutoClaim].
type AutoClaimResult struct {
	// Next is where the next call should start, or 0-0 when the scan
	// reached the end of the pending list.
	Next ID
	// Claimed are the claimed entries in ID order (IDs only with JustID).
	Claimed []Entry
	// Deleted are the pending IDs whose entries were gone; they left the
	// pending list.
	Deleted []ID
}

// AutoClaim scans a group's pending list from args.Start and transfers to
// args.Consumer the entries idle for at least args.MinIdle. It is the
// engine's XAUTOCLAIM. O(log P + 10×Count).
func (e *Engine) AutoClaim(key string, args AutoClaimArgs) (AutoClaimResult, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.closed {
		return AutoClaimResult{}, ErrClosed
	}
	if args.Count < 0 {
		return AutoClaimResult{}, fmt.Errorf("auto claim: %w: Count %d is negative", ErrInvalidArgument, args.Count)
	}
	s, g, err := e.lookupGroup(key, args.Group)
	if err != nil {
		return AutoClaimResult{}, fmt.Errorf("auto claim in group %q on %q: %w", args.Group, key, noGroup(err))
	}
	count := args.Count
	if count == 0 {
		count = 100
	}
	attempts := math.MaxInt
	if count <= math.MaxInt/10 {
		attempts = 10 * count
	}
	now := e.nowMs()
	c, _ := g.consumer(args.Consumer, now)
	c.seen = now
	minIdle := args.MinIdle.Milliseconds()
	res := AutoClaimResult{Claimed: []Entry{}, Deleted: []ID{}}
	// Walk in batches just big enough for the budgets left, plus one
	// record to name the next cursor: claiming changes the tree, so a
	// batch is collected before it is worked on.
	var batch []pending
	from := args.Start
	for {
		want := min(count, attempts) + 1
		batch = batch[:0]
		g.pel.ascend(from, func(p pending) bool {
			batch = append(batch, p)
			return len(batch) < want
		})
		i := 0
		for ; i < len(batch) && attempts > 0 && count > 0; i++ {
			p := batch[i]
			attempts--
			en, exists := s.entries.get(p.id)
			if !exists {
				g.unpend(p.id)
				res.Deleted = append(res.Deleted, p.id)
				count--
				continue
			}
			if minIdle > 0 && now-p.delivered < minIdle {
				continue
			}
			g.assign(&p, c)
			p.delivered = now
			if !args.JustID {
				p.count++
			}
			g.store(p)
			c.active = now
			res.Claimed = append(res.Claimed, claimed(en, args.JustID))
			count--
		}
		if i < len(batch) {
			res.Next = batch[i].id // the first record not examined
			break
		}
		if len(batch) < want {
			break // the end of the list: Next stays 0-0
		}
		var ok bool
		if from, ok = batch[len(batch)-1].id.Next(); !ok {
			break
		}
	}
	return res, nil
}
