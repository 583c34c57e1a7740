package instream

import (
	"cmp"
	"slices"
)

// Snapshot is the engine's state at one moment, detached from the engine:
// [Snapshot.Commands] writes it out while calls go on. Package persist
// uses it to rewrite its log.
type Snapshot struct {
	streams []streamSnap
}

type streamSnap struct {
	key          string
	entries      *frozen
	length       int // of entries
	lastID       ID
	maxDeleted   ID
	entriesAdded int64
	groups       []groupSnap

	// Idempotency settings, if not the engine's defaults, records, and
	// the annotation of the counts of idempotent adds and duplicates, if
	// not zero.
	config []string
	idmp   []IdempotencyRecord
	counts []string
}

// groupSnap is a group at the cut: its pending list, frozen, and its
// consumers by number, whose names never change. Commands turns them
// into records (records).
type groupSnap struct {
	name        string
	lastID      ID
	entriesRead int64
	pel         frozenList[pelRec]
	size        int         // records in pel
	consumers   []*consumer // by number - 1; nil for a free number
}

type pendSnap struct {
	id        ID
	consumer  string
	delivered int64
	count     int64
	gone      bool // its entry was deleted or trimmed
}

// Snapshot calls atCut with every stripe of the engine held, so that no call
// changes state between the two, then takes the state. The stripes stay
// held for O(streams + groups + consumers + idempotency records), however
// many entries and pending records there are: those are frozen in O(1),
// and a later call copies a storage node or a chunk of a pending list
// the first time it changes one; what depends on them is worked out by
// [Snapshot.Commands]. An error from atCut is returned and no snapshot
// taken.
func (e *Engine) Snapshot(atCut func() error) (*Snapshot, error) {
	t, err := e.begin()
	if err != nil {
		return nil, err
	}
	defer t.end()
	if atCut != nil {
		if err := atCut(); err != nil {
			return nil, err
		}
	}
	keys := t.keys()
	sn := &Snapshot{streams: make([]streamSnap, 0, len(keys))}
	for _, k := range keys {
		s := e.lookup(k)
		ss := streamSnap{key: k, entries: s.entries.freeze(), length: s.entries.len(), lastID: s.lastID,
			maxDeleted: s.maxDeleted, entriesAdded: s.entriesAdded}
		s.groups.m.Scan(func(name string, g *group) bool {
			ss.groups = append(ss.groups, g.snap())
			return true
		})
		if d, m := idmpSettings(e.opts); s.idmp.duration != d || s.idmp.maxSize != m {
			ss.config = []string{"XCFGSET", k, "IDMP-DURATION", itoa(s.idmp.duration), "IDMP-MAXSIZE", itoa(s.idmp.maxSize)}
		}
		ss.idmp, _ = t.idempotencyRecords(k)
		if d := &s.idmp; d.added != 0 || d.duplicates != 0 {
			if note := idmpCountsNote(k, d); noteFits(note) {
				ss.counts = note
			}
		}
		sn.streams = append(sn.streams, ss)
	}
	return sn, nil
}

// snap returns g as a snapshot keeps it.
func (g *group) snap() groupSnap {
	return groupSnap{name: g.name, lastID: g.lastID, entriesRead: g.entriesRead,
		pel: g.pel.l.freeze(), size: g.pel.len(), consumers: slices.Clone(g.consumers.nums)}
}

// records returns the group's pending records owned by consumers, in ID
// order; its nacked records, in the NACK zone's order; and the names of
// the consumers with nothing pending, in name order. A record whose
// entry is not in entries is gone.
func (gs *groupSnap) records(entries *frozen) (pending, nacked []pendSnap, idle []string) {
	owns := make([]bool, len(gs.consumers))
	pending = make([]pendSnap, 0, gs.size)
	gs.pel.scan(func(id ID, r pelRec) {
		p := pendSnap{id: id, delivered: r.delivered, count: r.count, gone: !entries.has(id)}
		if r.owner == 0 {
			nacked = append(nacked, p)
			return
		}
		owns[r.owner-1] = true
		p.consumer = gs.consumers[r.owner-1].name
		pending = append(pending, p)
	})
	// Nacked records are keyed by the order they were nacked.
	slices.SortFunc(nacked, func(a, b pendSnap) int { return cmp.Compare(a.delivered, b.delivered) })
	for i, c := range gs.consumers {
		if c != nil && !owns[i] {
			idle = append(idle, c.name)
		}
	}
	slices.Sort(idle)
	return pending, nacked, idle
}

// Commands writes the snapshot as the commands that rebuild it, in the
// order Redis's AOF rewrite writes a stream: its entries, XSETID with its
// counters, then per group XGROUP CREATE with ENTRIESREAD, an XCLAIM per
// pending record, XGROUP CREATECONSUMER for consumers with nothing
// pending and XNACK … RETRYCOUNT c FORCE for the nacked records in their
// order (Redis 8.8), then XCFGSET if the stream's idempotency settings
// are not the engine's defaults and an XIDMPRECORD per remembered
// idempotent add (Redis 8.6), and last the annotation that carries the
// stream's counts of idempotent adds and duplicates, if not zero: a
// command whose name begins with '#' ("#idmp-counts" key added
// duplicates), which a log writes as a line Redis's loader skips (Redis
// keeps these counts in its RDB snapshots only). An error from emit
// stops the walk and is returned. emit must not keep cmd or its strings once it returns: they
// are reused.
//
// A pending record or idempotent add whose entry is gone cannot be
// rebuilt by XCLAIM or XIDMPRECORD alone (Redis's rewrite drops them). Here the entry is added as a
// placeholder ("x" "y") among the others, claimed, and removed again:
// by XDEL if its ID is at most the stream's max deleted ID (so that
// XDEL leaves that counter as it was), else by an exact XTRIM, as only a
// trim can have removed it, and trims remove entries below every live
// one. Where XSETID lowered the last ID below a placeholder, or the
// entries-added counter below the stream's length with the placeholders,
// after the trim, the first XSETID sets what the placeholders allow, and
// a last XSETID lowers them once the placeholders are gone.
func (sn *Snapshot) Commands(emit func(cmd ...string) error) error {
	for i := range sn.streams {
		if err := sn.streams[i].commands(emit); err != nil {
			return err
		}
	}
	return nil
}

func (ss *streamSnap) commands(emit func(cmd ...string) error) error {
	key := ss.key
	first, nonEmpty := ss.entries.first()
	// A trim with the ACKED policy can leave live entries below one it
	// removed: such an entry cannot go by a trim, only by XDEL, which
	// moves the max deleted ID; XSETID restores that unless it is 0-0.
	inHole := func(id ID) bool { return ss.maxDeleted.Less(id) && nonEmpty && first.Less(id) }
	skipIdmp := make([]bool, len(ss.idmp))
	var ghosts []ID
	type groupRecs struct {
		pending, nacked []pendSnap
		idle            []string
	}
	recs := make([]groupRecs, len(ss.groups))
	for i := range ss.groups {
		r := &recs[i]
		r.pending, r.nacked, r.idle = ss.groups[i].records(ss.entries)
		for _, p := range slices.Concat(r.pending, r.nacked) {
			if p.gone {
				ghosts = append(ghosts, p.id)
			}
		}
	}
	for i, r := range ss.idmp {
		switch {
		case ss.entries.has(r.ID):
		case inHole(r.ID) && ss.maxDeleted.IsZero():
			skipIdmp[i] = true // lost, as in Redis's rewrite
		default:
			ghosts = append(ghosts, r.ID)
		}
	}
	slices.SortFunc(ghosts, ID.Compare)
	ghosts = slices.Compact(ghosts)
	pend := ghosts
	added := false
	addGhosts := func(below ID) error {
		for len(pend) > 0 && pend[0].Less(below) {
			if err := emit("XADD", key, pend[0].String(), "x", "y"); err != nil {
				return err
			}
			pend, added = pend[1:], true
		}
		return nil
	}
	// Entries are decoded in batches, as views of the nodes' bytes, and
	// the command is built in one reused slice, so that a rewrite makes
	// little garbage; placeholders go out in ID order among them.
	const batch = 256
	var b scanBuf
	var cmd []string
	var idText []byte
	flush := func() error {
		from := 0
		for i, id := range b.ids {
			if err := addGhosts(id); err != nil {
				return err
			}
			idText = id.AppendTo(idText[:0])
			cmd = append(cmd[:0], "XADD", key, view(idText))
			for _, f := range b.fields[from:b.ends[i]] {
				cmd = append(cmd, f.Name, f.Value)
			}
			from = b.ends[i]
			if err := emit(cmd...); err != nil {
				return err
			}
			added = true
		}
		b.reset()
		return nil
	}
	var err error
	ss.entries.walk(func(n *node, h head) (int, bool) {
		end := b.entry(n, h)
		if len(b.ids) == batch {
			err = flush()
		}
		return end, err == nil
	})
	if err == nil {
		err = flush()
	}
	if err != nil {
		return err
	}
	if err := addGhosts(MaxID); err != nil {
		return err
	}
	if len(pend) > 0 { // MaxID itself
		if err := emit("XADD", key, pend[0].String(), "x", "y"); err != nil {
			return err
		}
	}
	if !added {
		// An empty stream, as Redis's rewrite makes one.
		if err := emit("XADD", key, "MAXLEN", "0", "0-1", "x", "y"); err != nil {
			return err
		}
	}
	// XSETID may not go below the stream's top entry, nor its entries
	// added below its length, and the placeholders count for both: they
	// can lie above the last ID and outnumber the entries added, both
	// lowered by XSETID after a trim removed entries still pending. Such
	// a stream's last ID and counter are set to what the placeholders
	// allow here, and lowered once they are gone.
	top := ss.lastID
	if n := len(ghosts); n > 0 && top.Less(ghosts[n-1]) {
		top = ghosts[n-1]
	}
	topAdded := max(ss.entriesAdded, int64(ss.length+len(ghosts)))
	if err := emit("XSETID", key, top.String(), "ENTRIESADDED", itoa(topAdded),
		"MAXDELETEDID", ss.maxDeleted.String()); err != nil {
		return err
	}
	for gi, g := range ss.groups {
		r := recs[gi]
		cmd := []string{"XGROUP", "CREATE", key, g.name, g.lastID.String()}
		if g.entriesRead != unknownEntriesRead {
			cmd = append(cmd, "ENTRIESREAD", itoa(g.entriesRead))
		}
		if err := emit(cmd...); err != nil {
			return err
		}
		for _, p := range r.pending {
			if err := emit("XCLAIM", key, g.name, p.consumer, "0", p.id.String(),
				"TIME", itoa(p.delivered), "RETRYCOUNT", itoa(p.count), "JUSTID", "FORCE"); err != nil {
				return err
			}
		}
		for _, name := range r.idle {
			if err := emit("XGROUP", "CREATECONSUMER", key, g.name, name); err != nil {
				return err
			}
		}
		for i := 0; i < len(r.nacked); {
			j := i + 1
			for j < len(r.nacked) && r.nacked[j].count == r.nacked[i].count {
				j++
			}
			ids := make([]ID, 0, j-i)
			for _, p := range r.nacked[i:j] {
				ids = append(ids, p.id)
			}
			if err := emit(xnack(key, g.name, ids, r.nacked[i].count)...); err != nil {
				return err
			}
			i = j
		}
	}
	if ss.config != nil {
		if err := emit(ss.config...); err != nil {
			return err
		}
	}
	for i, r := range ss.idmp {
		if skipIdmp[i] {
			continue
		}
		if err := emit("XIDMPRECORD", key, r.Producer, r.IdempotencyID, r.ID.String()); err != nil {
			return err
		}
	}
	var trimmed []ID
	reset := false
	for _, id := range ghosts {
		if ss.maxDeleted.Less(id) && !inHole(id) {
			trimmed = append(trimmed, id)
			continue
		}
		reset = reset || ss.maxDeleted.Less(id)
		if err := emit("XDEL", key, id.String()); err != nil {
			return err
		}
	}
	if len(trimmed) > 0 {
		b := trimBound{max: trimmed[len(trimmed)-1], any: true}
		if err := emit(append([]string{"XTRIM", key}, b.trimArgs()...)...); err != nil {
			return err
		}
	}
	if reset && !ss.maxDeleted.IsZero() {
		if err := emit("XSETID", key, top.String(), "ENTRIESADDED", itoa(topAdded),
			"MAXDELETEDID", ss.maxDeleted.String()); err != nil {
			return err
		}
	}
	if top != ss.lastID || topAdded != ss.entriesAdded {
		if err := emit("XSETID", key, ss.lastID.String(), "ENTRIESADDED", itoa(ss.entriesAdded)); err != nil {
			return err
		}
	}
	if ss.counts != nil {
		return emit(ss.counts...)
	}
	return nil
}
