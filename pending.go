package instream

import (
	"fmt"
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

// ref returns the record of id for a change in place, valid until the
// list next changes, or nil.
func (l *pel) ref(id ID) *pelRec { return l.l.ref(id) }

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
// the oldest deliveries first, which Redis 8.4's XREADGROUP CLAIM takes.
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
		if p.nacked() {
			g.nacked--
		} else if c := g.owner(p); c != nil {
			c.pel.del(id)
		}
	}
	return ok
}

// unpendAll removes c's pending entries from the group's pending list
// (c's own list is left as it is, for a consumer being dropped) and
// returns how many there were.
func (g *group) unpendAll(c *consumer) int64 {
	n := int64(c.pel.len())
	c.pel.scan(func(id ID) bool {
		if p, ok := g.pel.del(id); ok {
			g.byIdle.del(idleKey{p.delivered, id})
		}
		return true
	})
	return n
}

// store writes p, a changed copy of a pending record or a new one, into
// the group's pending list and keeps the idle index in step. The owner's
// list is the caller's (see assign).
func (g *group) store(p pending) {
	prev, replaced := g.pel.set(p)
	if replaced && prev.nacked() != p.nacked() {
		if p.nacked() {
			g.nacked++
		} else {
			g.nacked--
		}
	}
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
		if prev.nacked() {
			g.nacked--
		}
		if old := g.owner(prev); old != nil {
			old.pel.del(id)
		}
	}
	c.pel.add(id)
}

// redeliver records a new delivery of p, a pending record, to c: c
// becomes its owner, its delivery time when and its delivery count
// count. Every claim and history read goes through it.
func (g *group) redeliver(p pending, c *consumer, when, count int64) {
	g.assign(&p, c)
	p.delivered = when
	p.count = count
	g.store(p)
}

// Ack acknowledges the given IDs in a group: they leave its pending list.
// It returns how many were pending, counting each ID once, including IDs
// whose entries were deleted. It is the engine's XACK. A missing stream or
// group is ErrNoGroup (where XACK answers 0), and no IDs is
// ErrInvalidArgument. O(log P) per ID.
func (e *Engine) Ack(key, group string, ids ...ID) (_ int64, err error) {
	t, err := e.writable(e.beginKey(key))
	if err != nil {
		return 0, err
	}
	defer t.endWrite(&err)
	return t.ack(key, group, ids)
}

func (t *tx) ack(key, group string, ids []ID) (int64, error) {
	if len(ids) == 0 {
		return 0, fmt.Errorf("ack in group %q on %q: %w", group, key, invalid("no IDs"))
	}
	_, g, err := t.e.lookupGroup(key, group)
	if err != nil {
		return 0, fmt.Errorf("ack in group %q on %q: %w", group, key, noGroup(err))
	}
	var n int64
	done := t.doneIDs[:0]
	for _, id := range ids {
		if g.unpend(id) {
			n++
			if t.logging {
				done = append(done, id)
			}
		}
	}
	if t.logging {
		t.fxIDs(done, "XACK", key, group)
		t.doneIDs = done[:0]
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
	t, err := e.beginRead(key)
	if err != nil {
		return PendingSummary{}, err
	}
	defer t.end()
	return t.pendingSummary(key, group)
}

func (t *tx) pendingSummary(key, group string) (PendingSummary, error) {
	_, g, err := t.e.lookupGroup(key, group)
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

// PendingArgs selects pending entries for [Engine.Pending]. Its zero
// value, with a Group, selects the whole pending list.
type PendingArgs struct {
	Group string
	// Start and End bound the IDs: [Start, End]. A zero End means MaxID
	// (no entry has the ID 0-0, so it could select nothing); an End below
	// Start is ErrInvalidArgument.
	Start, End ID
	// Count is the most entries returned; 0: no limit.
	Count int
	// ByConsumer keeps only the entries of Consumer (a name that may be
	// empty); if the consumer does not exist, none. Consumer without
	// ByConsumer is ErrInvalidArgument.
	ByConsumer bool
	Consumer   string
	// MinIdle keeps only entries idle for at least MinIdle; 0 keeps all.
	// Nacked entries count as delivered at Unix time 0.
	MinIdle time.Duration
}

// PendingEntry is one pending record.
type PendingEntry struct {
	ID         ID
	Consumer   string        // the owner
	Idle       time.Duration // since the last delivery, in whole ms, >= 0
	Deliveries int64
	// Nacked marks an entry handed back by [Engine.Nack]: it has no owner
	// (Consumer is "") and no delivery time (Idle is 0; Redis reports -1).
	Nacked bool
}

// Pending lists a group's pending entries with IDs in [args.Start,
// args.End], in ascending order. It is the engine's extended XPENDING.
// O(log P + scanned).
func (e *Engine) Pending(key string, args PendingArgs) ([]PendingEntry, error) {
	t, err := e.beginRead(key)
	if err != nil {
		return nil, err
	}
	defer t.end()
	return t.pending(key, args)
}

func (t *tx) pending(key string, args PendingArgs) ([]PendingEntry, error) {
	args, err := checkPendingArgs(args)
	if err != nil {
		return nil, fmt.Errorf("pending of group %q on %q: %w", args.Group, key, err)
	}
	_, g, err := t.e.lookupGroup(key, args.Group)
	if err != nil {
		return nil, fmt.Errorf("pending of group %q on %q: %w", args.Group, key, noGroup(err))
	}
	out := []PendingEntry{}
	now := t.now()
	minIdle := args.MinIdle.Milliseconds()
	visit := func(p pending) bool {
		if args.End.Less(p.id) {
			return false
		}
		idle := idleMs(now, deliveredAt(p.delivered))
		if minIdle > 0 && idle < minIdle {
			return true
		}
		if p.nacked() {
			out = append(out, PendingEntry{ID: p.id, Deliveries: p.count, Nacked: true})
		} else {
			out = append(out, PendingEntry{p.id, g.owner(p).name, msDuration(idle), p.count, false})
		}
		return args.Count == 0 || len(out) < args.Count
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
