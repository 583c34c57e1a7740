package instream

import (
	"fmt"
	"math"
	"time"
)

// ClaimArgs describes a claim, with the options of Redis's XCLAIM.
type ClaimArgs struct {
	// Consumer is created if missing; it must not be empty.
	Group, Consumer string

	// MinIdle skips entries delivered less than MinIdle ago; 0 claims
	// regardless of idle time.
	MinIdle time.Duration

	IDs []ID

	// Idle sets the claimed entries' delivery time to now minus Idle
	// (IDLE). Time, if not zero, sets it to Time instead (TIME); set at
	// most one of them. A time in the future or before 1970 becomes now.
	Idle time.Duration
	Time time.Time

	// RetryCount, if not nil, sets the delivery count instead of
	// incrementing it (RETRYCOUNT); it must not be negative.
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

	anyName bool // Do: Redis accepts the consumer name ""
}

// Claim transfers pending entries to a consumer and returns them in the
// order of args.IDs (an ID given twice may be claimed twice), each with
// Claimed set and the idle time and delivery count it had before the
// claim (both 0 for an entry that Force made pending). It is the engine's
// XCLAIM. IDs whose entries were deleted leave the pending list and are
// not returned. O(log P + log n) per ID.
func (e *Engine) Claim(key string, args ClaimArgs) (_ []GroupEntry, err error) {
	t, err := e.writable(e.beginKey(key))
	if err != nil {
		return nil, err
	}
	defer t.endWrite(&err)
	return t.claim(key, args)
}

func (t *tx) claim(key string, args ClaimArgs) ([]GroupEntry, error) {
	if err := checkClaimArgs(args); err != nil {
		return nil, fmt.Errorf("claim in group %q on %q: %w", args.Group, key, err)
	}
	s, g, err := t.e.lookupGroup(key, args.Group)
	if err != nil {
		return nil, fmt.Errorf("claim in group %q on %q: %w", args.Group, key, noGroup(err))
	}
	now := t.now()
	var mark groupMark
	if t.logging {
		mark = markGroup(g)
	}
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
	c, created := g.consumer(args.Consumer, now)
	c.seen = now
	if created && t.logging {
		t.fxConsumer("CREATECONSUMER", key, args.Group, args.Consumer)
	}
	minIdle := args.MinIdle.Milliseconds()
	out := []GroupEntry{}
	for _, id := range args.IDs {
		en, exists := s.entries.get(id)
		if !exists {
			if g.unpend(id) && t.logging {
				t.record("XACK", key, args.Group, id.String())
			}
			continue
		}
		p, ok := g.pel.get(id)
		switch {
		case !ok && !args.Force:
			continue
		case !ok:
			p = pending{id: id, delivered: now, count: 1}
		case minIdle > 0 && idleMs(now, deliveredAt(p.delivered)) < minIdle:
			continue
		}
		ge := claimed(en, p, ok, now, args.JustID)
		n := p.count
		switch {
		case args.RetryCount != nil && *args.RetryCount >= 0:
			n = *args.RetryCount
		case !args.JustID:
			n = incCount(n)
		}
		g.redeliver(p, c, when, n)
		c.active = now
		out = append(out, ge)
		if t.logging {
			t.fxPending(key, g, c, id, when, n)
		}
	}
	if t.logging {
		t.fxGroupMoved(key, g, mark)
	}
	if len(out) > 0 {
		// IDLE and TIME can make an entry claimable sooner.
		t.pendingChanged(key)
	}
	return out, nil
}

// claimed is a claimed entry as returned: its ID only with justID, and
// the idle time and delivery count of its record p before the claim, or
// zeros if it was not pending. The storage's get and collect return
// entries the caller owns.
func claimed(en Entry, p pending, wasPending bool, now int64, justID bool) GroupEntry {
	if justID {
		en = Entry{ID: en.ID}
	}
	ge := GroupEntry{Entry: en, Claimed: true}
	if wasPending {
		ge.Idle = msDuration(idleMs(now, deliveredAt(p.delivered)))
		ge.Deliveries = p.count
		if p.nacked() {
			ge.Idle, ge.Nacked = 0, true
		}
	}
	return ge
}

// AutoClaimArgs describes an automatic claim, with the options of Redis's
// XAUTOCLAIM.
type AutoClaimArgs struct {
	// Consumer is created if missing; it must not be empty.
	Group, Consumer string

	// MinIdle skips entries delivered less than MinIdle ago; 0 claims
	// regardless of idle time.
	MinIdle time.Duration

	// Start is the first pending ID to examine: 0-0, or the Next of an
	// earlier call.
	Start ID

	// Count bounds the entries claimed or dropped; at most 10 times Count
	// records are examined. If zero, no limit: the whole pending list
	// from Start is examined. (XAUTOCLAIM's default COUNT is 100.)
	Count int

	// JustID returns IDs only and leaves delivery counts as they are.
	JustID bool

	anyName bool // Do: Redis accepts the consumer name ""
}

// AutoClaimResult is the outcome of [Engine.AutoClaim].
type AutoClaimResult struct {
	// Next is where the next call should start, or 0-0 when the scan
	// reached the end of the pending list.
	Next ID
	// Claimed are the claimed entries in ID order (IDs only with JustID),
	// each with the idle time and delivery count it had before the claim.
	Claimed []GroupEntry
	// Deleted are the pending IDs whose entries were gone; they left the
	// pending list.
	Deleted []ID
}

// autoClaimBatch bounds the pending records AutoClaim collects at a time.
const autoClaimBatch = 1024

// AutoClaim scans a group's pending list from args.Start and transfers to
// args.Consumer the entries idle for at least args.MinIdle. It is the
// engine's XAUTOCLAIM. O(log P + 10×Count).
func (e *Engine) AutoClaim(key string, args AutoClaimArgs) (_ AutoClaimResult, err error) {
	t, err := e.writable(e.beginKey(key))
	if err != nil {
		return AutoClaimResult{}, err
	}
	defer t.endWrite(&err)
	return t.autoClaim(key, args)
}

func (t *tx) autoClaim(key string, args AutoClaimArgs) (AutoClaimResult, error) {
	if err := checkAutoClaimArgs(args); err != nil {
		return AutoClaimResult{}, fmt.Errorf("auto claim in group %q on %q: %w", args.Group, key, err)
	}
	s, g, err := t.e.lookupGroup(key, args.Group)
	if err != nil {
		return AutoClaimResult{}, fmt.Errorf("auto claim in group %q on %q: %w", args.Group, key, noGroup(err))
	}
	count, attempts := args.Count, math.MaxInt
	if count == 0 {
		count = math.MaxInt
	} else if count <= math.MaxInt/10 {
		attempts = 10 * count
	}
	now := t.now()
	c, created := g.consumer(args.Consumer, now)
	c.seen = now
	if created && t.logging {
		t.fxConsumer("CREATECONSUMER", key, args.Group, args.Consumer)
	}
	minIdle := args.MinIdle.Milliseconds()
	res := AutoClaimResult{Claimed: []GroupEntry{}, Deleted: []ID{}}
	// Walk in batches just big enough for the budgets left, plus one
	// record to name the next cursor: claiming changes the tree, so a
	// batch is collected before it is worked on.
	var batch []pending
	from := args.Start
	for {
		// A batch stays small whatever the budgets (and cannot overflow).
		want := min(count, attempts, autoClaimBatch) + 1
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
				if t.logging {
					t.record("XACK", key, args.Group, p.id.String())
				}
				count--
				continue
			}
			if minIdle > 0 && idleMs(now, deliveredAt(p.delivered)) < minIdle {
				continue
			}
			ge := claimed(en, p, true, now, args.JustID)
			n := p.count
			if !args.JustID {
				n = incCount(n)
			}
			g.redeliver(p, c, now, n)
			c.active = now
			res.Claimed = append(res.Claimed, ge)
			if t.logging {
				t.fxPending(key, g, c, p.id, now, n)
			}
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
