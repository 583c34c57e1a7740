package instream

import (
	"strconv"
)

// Effects. With a Log, every change records what it did as the commands
// Redis propagates to its AOF and replicas, which replay to the same
// state: generated IDs made concrete, approximate trims made exact, group
// reads and claims as the pending records they leave. The tx methods that
// change state call these right where the change is made; each guards on
// t.logging, so an engine without a log builds nothing.
//
// The forms, as redis-server 7.0.15 writes them where it has one:
//
//	XADD key [DELREF|ACKED] [MINID = bound] id f v ...
//	XTRIM key MINID = bound [DELREF|ACKED]     (or MAXLEN = 0: all went)
//	XDEL key id ...
//	XSETID key last ENTRIESADDED n MAXDELETEDID id
//	XDELEX key KEEPREF|DELREF|ACKED IDS n id ...
//	XACKDEL key group KEEPREF|DELREF|ACKED IDS n id ...
//	XGROUP CREATE key group id [ENTRIESREAD n] [MKSTREAM]
//	XGROUP SETID key group id ENTRIESREAD n
//	XGROUP DESTROY key group
//	XGROUP CREATECONSUMER key group consumer
//	XGROUP DELCONSUMER key group consumer
//	XCLAIM key group consumer 0 id TIME ms RETRYCOUNT n FORCE JUSTID LASTID id
//	XACK key group id ...
//	DEL key ...; RENAME key newkey; FLUSHALL
//
// and for the later additions, which 7.0.15 does not know:
//
//	XNACK key group FAIL IDS n id ... RETRYCOUNT c FORCE   (Redis 8.8)
//	XIDMPRECORD key producer iid id; XCFGSET key IDMP-DURATION d IDMP-MAXSIZE m   (8.6)
//
// All the effects of one call, or of one Update batch, are one record,
// wrapped in MULTI/EXEC when it holds more than one command. Each is
// encoded in RESP as it is recorded (log.go), so the log only copies it.
//
// A trim is logged as the bound below which it removed every entry it
// could (the greatest removed ID plus one): on the same state, an exact
// trim to that bound with the same reference policy removes the same
// entries, whatever node layout made the approximate trim stop where it
// did.

// refsArg is the argument naming a non-default reference policy, or "".
func refsArg(r RefPolicy) string {
	switch r {
	case DelRef:
		return "DELREF"
	case Acked:
		return "ACKED"
	}
	return "KEEPREF"
}

// trimBound tracks the greatest ID a trim removed.
type trimBound struct {
	max ID
	any bool
}

func (b *trimBound) hook(removed func(ID)) func(ID) {
	return func(id ID) {
		b.max, b.any = id, true // a trim removes in ID order
		if removed != nil {
			removed(id)
		}
	}
}

// trimArgs returns the exact trim that reproduces one that removed up to
// b.max.
func (b *trimBound) trimArgs() []string {
	next, ok := b.max.Next()
	if !ok {
		return []string{"MAXLEN", "=", "0"}
	}
	return []string{"MINID", "=", next.String()}
}

// fxAdd records an XADD, the most frequent effect, encoded straight
// from the entry.
func (t *tx) fxAdd(key string, id ID, fields []Field, refs RefPolicy, b *trimBound) {
	var trim []string
	if b != nil && b.any {
		if refs != KeepRef {
			trim = append(trim, refsArg(refs))
		}
		trim = append(trim, b.trimArgs()...)
	}
	buf := t.fxStart(3 + len(trim) + 2*len(fields))
	buf = append(buf, "$4\r\nXADD\r\n"...)
	buf = appendBulkString(buf, key)
	for _, a := range trim {
		buf = appendBulkString(buf, a)
	}
	buf = t.appendIDBulk(buf, id)
	for i := range fields {
		buf = appendBulkString(buf, fields[i].Name)
		buf = appendBulkString(buf, fields[i].Value)
	}
	t.fx = buf
}

func (t *tx) fxTrim(key string, refs RefPolicy, b *trimBound) {
	if !b.any {
		return
	}
	cmd := append([]string{"XTRIM", key}, b.trimArgs()...)
	if refs != KeepRef {
		cmd = append(cmd, refsArg(refs))
	}
	t.record(cmd...)
}

// fxIDs records head followed by ids, if any.
func (t *tx) fxIDs(ids []ID, head ...string) {
	if len(ids) == 0 {
		return
	}
	b := t.fxStart(len(head) + len(ids))
	for _, a := range head {
		b = appendBulk(b, a)
	}
	for _, id := range ids {
		b = t.appendIDBulk(b, id)
	}
	t.fx = b
}

func (t *tx) fxSetID(key string, s *stream) {
	t.record("XSETID", key, s.lastID.String(), "ENTRIESADDED", itoa(s.entriesAdded),
		"MAXDELETEDID", s.maxDeleted.String())
}

func (t *tx) fxDeleteEx(key, group string, ack bool, refs RefPolicy, ids []ID) {
	head := []string{"XDELEX", key, refsArg(refs), "IDS", strconv.Itoa(len(ids))}
	if ack {
		head = []string{"XACKDEL", key, group, refsArg(refs), "IDS", strconv.Itoa(len(ids))}
	}
	t.fxIDs(ids, head...)
}

func (t *tx) fxCreateGroup(key string, g *group, mkStream bool) {
	cmd := []string{"XGROUP", "CREATE", key, g.name, g.lastID.String()}
	if g.entriesRead != unknownEntriesRead {
		cmd = append(cmd, "ENTRIESREAD", itoa(g.entriesRead))
	}
	if mkStream {
		cmd = append(cmd, "MKSTREAM")
	}
	t.record(cmd...)
}

// fxGroupID records g's last-delivered ID and entries-read counter.
func (t *tx) fxGroupID(key string, g *group) {
	t.record("XGROUP", "SETID", key, g.name, g.lastID.String(), "ENTRIESREAD", itoa(g.entriesRead))
}

func (t *tx) fxConsumer(verb, key, group, consumer string) {
	t.record("XGROUP", verb, key, group, consumer)
}

// fxPending records the pending record of id in g as it is now: its
// owner, delivery time and count.
func (t *tx) fxPending(key string, g *group, id ID) {
	p, ok := g.pel.get(id)
	if !ok {
		return
	}
	c := g.owner(p)
	if c == nil {
		return
	}
	b := t.fxStart(14)
	for _, a := range [...]string{"XCLAIM", key, g.name, c.name, "0"} {
		b = appendBulk(b, a)
	}
	b = t.appendIDBulk(b, id)
	b = appendBulk(b, "TIME")
	b = appendIntBulk(b, p.delivered)
	b = appendBulk(b, "RETRYCOUNT")
	b = appendIntBulk(b, p.count)
	for _, a := range [...]string{"FORCE", "JUSTID", "LASTID"} {
		b = appendBulk(b, a)
	}
	t.fx = t.appendIDBulk(b, g.lastID)
}

// fxRead records what a group read did to g: records dropped for gone
// entries, the pending records of the entries served (none for new
// entries read with NOACK, nor for deleted entries of a history read),
// and the group's move.
func (t *tx) fxRead(key string, g *group, ens []GroupEntry, gone []ID, m groupMark) {
	t.fxIDs(gone, "XACK", key, g.name)
	for _, en := range ens {
		if !en.Deleted {
			t.fxPending(key, g, en.ID)
		}
	}
	t.fxGroupMoved(key, g, m)
}

// groupMark is a group's position before a call, to record it if moved.
type groupMark struct {
	last ID
	read int64
}

func markGroup(g *group) groupMark { return groupMark{g.lastID, g.entriesRead} }

func (t *tx) fxGroupMoved(key string, g *group, m groupMark) {
	if g.lastID != m.last || g.entriesRead != m.read {
		t.fxGroupID(key, g)
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// fxIdempotency records that the stream remembers an idempotent add
// (Redis 8.6.2's XIDMPRECORD; an IDMPAUTO add's computed ID is logged).
func (t *tx) fxIdempotency(key, producer, iid string, id ID) {
	t.record("XIDMPRECORD", key, producer, iid, id.String())
}

// nackEffects collects what a Nack did, per ID handled in order, and
// records it as runs of XNACK … FAIL … RETRYCOUNT c FORCE, one per run of
// IDs that ended with the same delivery count: replayed in order, they
// set the same counts and rebuild the NACK zone's order.
type nackEffects struct {
	ids    []ID
	counts []int64
}

func (fx *nackEffects) add(id ID, count int64) {
	fx.ids = append(fx.ids, id)
	fx.counts = append(fx.counts, count)
}

func (fx *nackEffects) record(t *tx, key, group string) {
	for i := 0; i < len(fx.ids); {
		j := i + 1
		for j < len(fx.ids) && fx.counts[j] == fx.counts[i] {
			j++
		}
		t.record(xnack(key, group, fx.ids[i:j], fx.counts[i])...)
		i = j
	}
}

// xnack is the XNACK that makes ids nacked with count, in order.
func xnack(key, group string, ids []ID, count int64) []string {
	cmd := make([]string, 0, 9+len(ids))
	cmd = append(cmd, "XNACK", key, group, "FAIL", "IDS", strconv.Itoa(len(ids)))
	for _, id := range ids {
		cmd = append(cmd, id.String())
	}
	return append(cmd, "RETRYCOUNT", itoa(count), "FORCE")
}
