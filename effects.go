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
// and one annotation, a line Redis's loader skips, after each idempotent
// add and duplicate: the stream's counts of both, which no command sets
//
//	#idmp-counts "key" "added" "duplicates"
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

// fxPending records the pending record of id in g as the caller just
// set it: owned by c, delivered at delivered, count deliveries.
func (t *tx) fxPending(key string, g *group, c *consumer, id ID, delivered, count int64) {
	b := t.fxStart(14)
	for _, a := range [...]string{"XCLAIM", key, g.name, c.name, "0"} {
		b = appendBulk(b, a)
	}
	b = t.appendIDBulk(b, id)
	b = appendBulk(b, "TIME")
	b = appendIntBulk(b, delivered)
	b = appendBulk(b, "RETRYCOUNT")
	b = appendIntBulk(b, count)
	for _, a := range [...]string{"FORCE", "JUSTID", "LASTID"} {
		b = appendBulk(b, a)
	}
	t.fx = t.appendIDBulk(b, g.lastID)
}

// fxRead records what a group read by c at now did to g: records
// dropped for gone entries, the pending records of the entries served,
// and the group's move. A served entry is now pending for c, delivered
// at now: a new one for the first time (none with noAck), a claimed or
// history one once more than before. Deleted entries of a history read
// stay as they were.
func (t *tx) fxRead(key string, g *group, c *consumer, now int64, ens []GroupEntry, gone []ID, history, noAck bool, m groupMark) {
	t.fxIDs(gone, "XACK", key, g.name)
	for _, en := range ens {
		switch {
		case en.Deleted:
		case history || en.Claimed:
			t.fxPending(key, g, c, en.ID, now, incCount(en.Deliveries))
		case !noAck:
			t.fxPending(key, g, c, en.ID, now, 1)
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

// fxIdmpCounts records the stream's all-time counts of idempotent adds
// and duplicates. No command sets them (Redis keeps them in its RDB
// snapshots, and replays the adds and duplicates its AOF holds): they go
// as an annotation, which Redis's loader skips (appendNote of
// idmpCountsNote(key, d), encoded without making strings).
func (t *tx) fxIdmpCounts(key string, d *idmp) {
	b, at := t.beginNote()
	b = append(b, "#idmp-counts "...)
	b = strconv.AppendQuote(b, key)
	b = append(b, ' ', '"')
	b = strconv.AppendInt(b, d.added, 10)
	b = append(b, '"', ' ', '"')
	b = strconv.AppendInt(b, d.duplicates, 10)
	b = append(b, '"', '\r', '\n')
	t.endNote(b, at)
}

func idmpCountsNote(key string, d *idmp) []string {
	return []string{"#idmp-counts", key, itoa(d.added), itoa(d.duplicates)}
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
