package instream

import (
	"fmt"
	"time"
)

// GroupInfo describes a consumer group, as Redis's XINFO GROUPS does.
type GroupInfo struct {
	Name            string
	Consumers       int64
	Pending         int64 // entries in the pending list
	LastDeliveredID ID
	// EntriesRead counts the entries handed to the group, or is -1 when
	// that is unknown (Redis reports nil).
	EntriesRead int64
	// Lag is how many entries the group has not been handed yet, when
	// LagKnown; Redis reports nil otherwise.
	Lag      int64
	LagKnown bool
	// Nacked counts the pending entries handed back by [Engine.Nack] and
	// not claimed since (XINFO STREAM FULL's nacked-count, Redis 8.8).
	Nacked int64
}

// ConsumerInfo describes a consumer, as Redis's XINFO CONSUMERS does.
type ConsumerInfo struct {
	Name    string
	Pending int64
	// Seen is the time of the consumer's last read or claim attempt, and
	// Idle the time since, >= 0.
	Seen time.Time
	Idle time.Duration
	// Active is the time of the last read or claim that handed the
	// consumer something, zero if none; Inactive is the time since, or
	// -1 if none.
	Active   time.Time
	Inactive time.Duration
}

// PendingRecord is a pending entry as XINFO STREAM FULL shows it: with
// its absolute delivery time.
type PendingRecord struct {
	ID         ID
	Consumer   string
	Delivered  time.Time
	Deliveries int64
	// Nacked marks an entry handed back by [Engine.Nack]: Consumer is ""
	// and Delivered zero (Redis reports 0).
	Nacked bool
}

// StreamFullInfo describes a stream with its entries and groups, as
// Redis's XINFO STREAM FULL does. FirstEntry and LastEntry are not set.
type StreamFullInfo struct {
	StreamInfo
	Entries []Entry
	Groups  []GroupFullInfo
}

// GroupFullInfo is a group in [StreamFullInfo].
type GroupFullInfo struct {
	GroupInfo
	PendingEntries []PendingRecord
	ConsumerList   []ConsumerFullInfo
}

// ConsumerFullInfo is a consumer in [GroupFullInfo]. Its PendingEntries
// have Consumer set to its name.
type ConsumerFullInfo struct {
	ConsumerInfo
	PendingEntries []PendingRecord
}

func (s *stream) groupInfo(g *group) GroupInfo {
	gi := GroupInfo{
		Name:            g.name,
		Consumers:       int64(g.consumers.Len()),
		Pending:         int64(g.pel.len()),
		LastDeliveredID: g.lastID,
		EntriesRead:     g.entriesRead,
		Nacked:          int64(g.nacked),
	}
	gi.Lag, gi.LagKnown = s.lag(g)
	return gi
}

func (c *consumer) info(now int64) ConsumerInfo {
	ci := ConsumerInfo{
		Name:     c.name,
		Pending:  int64(c.pel.len()),
		Seen:     time.UnixMilli(c.seen),
		Idle:     msDuration(idleMs(now, c.seen)),
		Inactive: -1,
	}
	if c.active >= 0 {
		ci.Active = time.UnixMilli(c.active)
		ci.Inactive = msDuration(now - c.active) // negative if the clock went back, as in Redis
	}
	return ci
}

// Groups describes the groups of the stream named key, in byte order of
// their names. It is the engine's XINFO GROUPS. A missing stream gives
// ErrNoStream.
func (e *Engine) Groups(key string) ([]GroupInfo, error) {
	t, err := e.beginRead(key)
	if err != nil {
		return nil, err
	}
	defer t.end()
	return t.groups(key)
}

func (t *tx) groups(key string) ([]GroupInfo, error) {
	s := t.lookup(key)
	if s == nil {
		return nil, fmt.Errorf("groups of %q: %w", key, ErrNoStream)
	}
	out := []GroupInfo{}
	s.groups.m.Scan(func(_ string, g *group) bool {
		out = append(out, s.groupInfo(g))
		return true
	})
	return out, nil
}

// Group describes one group of the stream named key, as an element of
// [Engine.Groups] does. A missing stream gives ErrNoStream and a missing
// group ErrNoGroup. O(log groups).
func (e *Engine) Group(key, group string) (GroupInfo, error) {
	t, err := e.beginRead(key)
	if err != nil {
		return GroupInfo{}, err
	}
	defer t.end()
	return t.group(key, group)
}

func (t *tx) group(key, group string) (GroupInfo, error) {
	s, g, err := t.e.lookupGroup(key, group)
	if err != nil {
		return GroupInfo{}, fmt.Errorf("group %q on %q: %w", group, key, err)
	}
	return s.groupInfo(g), nil
}

// Consumers describes the consumers of a group, in byte order of their
// names. It is the engine's XINFO CONSUMERS. It neither creates consumers
// nor refreshes their times.
func (e *Engine) Consumers(key, group string) ([]ConsumerInfo, error) {
	t, err := e.beginRead(key)
	if err != nil {
		return nil, err
	}
	defer t.end()
	return t.consumers(key, group)
}

func (t *tx) consumers(key, group string) ([]ConsumerInfo, error) {
	_, g, err := t.e.lookupGroup(key, group)
	if err != nil {
		return nil, fmt.Errorf("consumers of group %q on %q: %w", group, key, err)
	}
	now := t.now()
	out := []ConsumerInfo{}
	g.consumers.Scan(func(_ string, c *consumer) bool {
		out = append(out, c.info(now))
		return true
	})
	return out, nil
}

// InfoFull describes the stream named key with its first count entries
// and, for each group, its first count pending entries and its consumers
// with their first count pending entries; count 0 means all, and a
// negative count is ErrInvalidArgument. It is the engine's XINFO STREAM
// FULL. A missing stream gives ErrNoStream.
func (e *Engine) InfoFull(key string, count int) (StreamFullInfo, error) {
	t, err := e.beginInfo(key)
	if err != nil {
		return StreamFullInfo{}, err
	}
	defer t.end()
	return t.infoFull(key, count)
}

func (t *tx) infoFull(key string, count int) (StreamFullInfo, error) {
	if err := checkCount("count", count); err != nil {
		return StreamFullInfo{}, fmt.Errorf("full info of %q: %w", key, err)
	}
	s := t.lookup(key)
	if s == nil {
		return StreamFullInfo{}, fmt.Errorf("full info of %q: %w", key, ErrNoStream)
	}
	now := t.now()
	s.idmp.expireAll(now)
	info := StreamFullInfo{StreamInfo: s.info(), Groups: []GroupFullInfo{}}
	info.FirstEntry, info.LastEntry = nil, nil
	info.Entries = s.entries.collect(MinID, MaxID, count, false)
	s.groups.m.Scan(func(_ string, g *group) bool {
		gf := GroupFullInfo{GroupInfo: s.groupInfo(g), PendingEntries: []PendingRecord{},
			ConsumerList: []ConsumerFullInfo{}}
		g.pel.scan(func(p pending) bool {
			gf.PendingEntries = append(gf.PendingEntries, g.record(p))
			return count <= 0 || len(gf.PendingEntries) < count
		})
		g.consumers.Scan(func(_ string, c *consumer) bool {
			cf := ConsumerFullInfo{c.info(now), []PendingRecord{}}
			c.pel.scan(func(id ID) bool {
				p, _ := g.pel.get(id)
				cf.PendingEntries = append(cf.PendingEntries, g.record(p))
				return count <= 0 || len(cf.PendingEntries) < count
			})
			gf.ConsumerList = append(gf.ConsumerList, cf)
			return true
		})
		info.Groups = append(info.Groups, gf)
		return true
	})
	return info, nil
}

// record describes p for InfoFull.
func (g *group) record(p pending) PendingRecord {
	if p.nacked() {
		return PendingRecord{ID: p.id, Deliveries: p.count, Nacked: true}
	}
	return PendingRecord{p.id, g.owner(p).name, time.UnixMilli(p.delivered), p.count, false}
}
