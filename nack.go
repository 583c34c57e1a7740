package instream

import (
	"fmt"
	"math"
)

// NackMode says how [Engine.Nack] changes the delivery count of each
// entry it hands back to the group, as Redis 8.8's XNACK modes do.
type NackMode uint8

const (
	// NackFail keeps the delivery count: the delivery failed (FAIL). It
	// is the zero NackMode.
	NackFail NackMode = iota
	// NackSilent takes one off the delivery count, not below 0: the
	// delivery does not count, as when a worker shuts down (SILENT).
	NackSilent
	// NackFatal sets the delivery count to math.MaxInt64, so that the
	// next reader sees the entry as poison (FATAL).
	NackFatal
)

func (m NackMode) String() string {
	switch m {
	case NackFail:
		return "FAIL"
	case NackSilent:
		return "SILENT"
	case NackFatal:
		return "FATAL"
	}
	return fmt.Sprintf("NackMode(%d)", uint8(m))
}

// NackArgs describes a negative acknowledgement, with the options of
// Redis 8.8's XNACK.
type NackArgs struct {
	Group string
	Mode  NackMode

	// IDs are handled in order; an ID given twice is nacked twice. There
	// must be at least one.
	IDs []ID

	// RetryCount, if not nil, sets the delivery count of every listed
	// entry instead of Mode (RETRYCOUNT); it must not be negative.
	RetryCount *int64

	// Force also makes pending, nacked, the listed entries that are not
	// pending but exist in the stream (FORCE), with a delivery count of
	// RetryCount, else math.MaxInt64 for NackFatal, else 0.
	Force bool
}

// Nack hands pending entries back to their group: each listed entry that
// is pending leaves its consumer's pending list, stays in the group's as
// nacked (owned by no consumer, with no delivery time), and gets the
// delivery count Mode or RetryCount says. Nack returns how many IDs it
// handled; IDs not pending are skipped unless Force applies. It is the
// engine's XNACK (Redis 8.8). A missing stream or group is ErrNoGroup.
//
// Nacked entries come first in a group read with Claim, in the order
// they were nacked, before entries idle long enough, and every idle test
// sees them as delivered at Unix time 0 (so [Engine.Claim],
// [Engine.AutoClaim] and [PendingArgs].MinIdle let them pass). A blocked
// claim read of the group wakes at once. O(log P) per ID.
func (e *Engine) Nack(key string, args NackArgs) (_ int64, err error) {
	t, err := e.writable(e.beginKey(key))
	if err != nil {
		return 0, err
	}
	defer t.endWrite(&err)
	return t.nack(key, args)
}

func (t *tx) nack(key string, args NackArgs) (int64, error) {
	if err := checkNackArgs(args); err != nil {
		return 0, fmt.Errorf("nack in group %q on %q: %w", args.Group, key, err)
	}
	s, g, err := t.e.lookupGroup(key, args.Group)
	if err != nil {
		return 0, fmt.Errorf("nack in group %q on %q: %w", args.Group, key, noGroup(err))
	}
	var n int64
	var fx nackEffects
	for _, id := range args.IDs {
		var count int64
		if r := g.pel.ref(id); r != nil {
			r.count = args.count(r.count)
			g.nackRec(id, r)
			count = r.count
		} else if args.Force && s.entries.has(id) {
			count = args.count(0)
			g.nackNew(id, count)
		} else {
			continue
		}
		n++
		if t.logging {
			fx.add(id, count)
		}
	}
	if t.logging {
		fx.record(t, key, args.Group)
	}
	if n > 0 {
		t.entriesNacked(key)
	}
	return n, nil
}

// Validate checks a NackArgs as [Engine.Nack] does.
func (a NackArgs) Validate() error { return checkNackArgs(a) }

func checkNackArgs(args NackArgs) error {
	switch {
	case len(args.IDs) == 0:
		return invalid("no IDs")
	case args.Mode > NackFatal:
		return invalid("unknown Mode %d", args.Mode)
	case args.RetryCount != nil && *args.RetryCount < 0:
		return invalid("RetryCount %d is negative", *args.RetryCount)
	}
	return nil
}

// count returns the delivery count an entry with count n gets.
func (args NackArgs) count(n int64) int64 {
	switch {
	case args.RetryCount != nil:
		return *args.RetryCount
	case args.Mode == NackSilent:
		return max(n-1, 0)
	case args.Mode == NackFatal:
		return math.MaxInt64
	}
	return n
}

// A nacked record has owner 0 and, as delivered, nackBase plus its
// group's nackSeq when it was nacked: the idle index, ordered by
// delivered, then starts with the nacked records in the order they were
// nacked (Redis 8.8's NACK zone), at no cost to the record's size. Real
// delivery times are all above nackLimit.
const (
	nackBase  = math.MinInt64
	nackLimit = math.MinInt64 / 2
)

// nacked reports whether p is nacked. (XCLAIM FORCE makes records with
// owner 0 too, but assigns them before storing them.)
func (p pending) nacked() bool { return p.owner == 0 }

// deliveredAt is the delivery time that idle tests see in a delivered
// field: 0 for a nacked record, as in Redis.
func deliveredAt(delivered int64) int64 {
	if delivered < nackLimit {
		return 0
	}
	return delivered
}

// nextNackKey returns the delivered field of the next record nacked in g.
func (g *group) nextNackKey() int64 {
	g.nackSeq++
	return nackBase + g.nackSeq
}

// nackRec nacks the pending record r of id, in place: it leaves its
// owner and moves to the tail of the nacked records.
func (g *group) nackRec(id ID, r *pelRec) {
	if r.owner != 0 {
		if c := g.consumers.byNum(r.owner); c != nil {
			c.pel.del(id)
		}
		r.owner = 0
		g.nacked++
	}
	old := r.delivered
	r.delivered = g.nextNackKey()
	if g.byIdle.t != nil {
		g.byIdle.t.Delete(idleKey{old, id})
		g.byIdle.t.Set(idleKey{r.delivered, id})
	}
}

// nackNew adds id, not pending, as a nacked record with count count.
func (g *group) nackNew(id ID, count int64) {
	p := pending{id: id, delivered: g.nextNackKey(), count: count}
	g.pel.set(p)
	g.byIdle.set(idleKey{p.delivered, id})
	g.nacked++
}

// incCount is a delivery count plus one delivery, which stays at
// math.MaxInt64 once there (after FATAL, as Redis 8.8 does).
func incCount(n int64) int64 {
	if n == math.MaxInt64 {
		return n
	}
	return n + 1
}

// checkNacked verifies the nacked records of g: exactly those with owner
// 0, each delivered as a distinct key of the nacked range up to the
// group's sequence, as many as g.nacked says.
func (g *group) checkNacked() error {
	var err error
	n := 0
	seen := map[int64]bool{}
	g.pel.scan(func(p pending) bool {
		inRange := p.delivered < nackLimit
		switch {
		case p.nacked() != inRange:
			err = fmt.Errorf("pending %v: owner %d, delivered %d", p.id, p.owner, p.delivered)
		case !inRange:
		case p.delivered > nackBase+g.nackSeq || seen[p.delivered]:
			err = fmt.Errorf("nacked %v: key %d reused or beyond the sequence %d", p.id, p.delivered, g.nackSeq)
		default:
			seen[p.delivered] = true
			n++
		}
		return err == nil
	})
	if err == nil && n != g.nacked {
		err = fmt.Errorf("%d nacked records, count %d", n, g.nacked)
	}
	return err
}
