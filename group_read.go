package instream

import (
	"fmt"
)

// ReadGroupArgs describes a read as a consumer group, with the options of
// Redis's XREADGROUP.
type ReadGroupArgs struct {
	// Group and Consumer name the reader. The consumer is created in every
	// listed stream's group if missing.
	Group, Consumer string

	// Streams are read in order; there must be at least one.
	Streams []GroupStream

	// Count is the most entries returned per stream; <= 0: no limit.
	Count int

	// NoAck delivers new entries without adding them to the pending list.
	NoAck bool
}

// GroupStream is one stream of a group read.
type GroupStream struct {
	Key string

	// History reads the consumer's own pending entries with IDs > After,
	// instead of new entries (Redis's ">", the default).
	History bool
	After   ID
}

// GroupEntry is one entry delivered to a consumer.
type GroupEntry struct {
	Entry
	// Deleted marks a history entry whose stream entry is gone; its
	// Fields are nil. It stays pending until acknowledged or claimed.
	Deleted bool
}

// GroupEntries are the entries read from one stream.
type GroupEntries struct {
	Key     string
	Entries []GroupEntry
}

// streamGroupError reports which stream of a multi-stream call failed.
type streamGroupError struct {
	op, key, group string
	err            error
}

func (e *streamGroupError) Error() string {
	return fmt.Sprintf("%s group %q on %q: %v", e.op, e.group, e.key, e.err)
}

func (e *streamGroupError) Unwrap() error { return e.err }

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
func (e *Engine) TryReadGroup(args ReadGroupArgs) ([]GroupEntries, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.closed {
		return nil, ErrClosed
	}
	return e.readGroupLocked(args, e.nowMs())
}

// readGroupLocked performs one attempt with e.mu held, at time now (Unix
// ms): it validates, creates consumers (7.2+: for every listed stream,
// even when nothing is served), serves, and returns nil, nil when nothing
// could be served.
func (e *Engine) readGroupLocked(args ReadGroupArgs, now int64) ([]GroupEntries, error) {
	if len(args.Streams) == 0 {
		return nil, fmt.Errorf("read group %q: %w: no streams", args.Group, ErrInvalidArgument)
	}
	type target struct {
		s *stream
		g *group
	}
	targets := make([]target, len(args.Streams))
	for i, st := range args.Streams {
		s, g, err := e.lookupGroup(st.Key, args.Group)
		if err != nil {
			return nil, &streamGroupError{"read", st.Key, args.Group, noGroup(err)}
		}
		targets[i] = target{s, g}
	}
	var out []GroupEntries
	served := false
	for i, st := range args.Streams {
		s, g := targets[i].s, targets[i].g
		c, _ := g.consumer(args.Consumer, now)
		c.seen = now
		if st.History {
			out = append(out, GroupEntries{st.Key, readHistory(s, g, c, st.After, args.Count, now)})
			served = true
			continue
		}
		if ens := s.readNew(g, c, args.Count, args.NoAck, now); len(ens) > 0 {
			out = append(out, GroupEntries{st.Key, ens})
			served = true
		}
	}
	if !served {
		return nil, nil
	}
	return out, nil
}

// readHistory returns c's pending entries with IDs > after, up to count
// if count > 0, counting a delivery for each that still exists.
func readHistory(s *stream, g *group, c *consumer, after ID, count int, now int64) []GroupEntry {
	out := []GroupEntry{}
	start, ok := after.Next()
	if !ok {
		return out
	}
	c.pel.Ascend(start, func(id ID) bool {
		en, exists := s.entries.get(id)
		if !exists {
			out = append(out, GroupEntry{Entry: Entry{ID: id}, Deleted: true})
		} else {
			p, _ := g.pel.get(id)
			p.delivered = now
			p.count++
			g.pel.Set(p)
			out = append(out, GroupEntry{Entry: en})
		}
		return count <= 0 || len(out) < count
	})
	return out
}

// readNew delivers the entries after g's last-delivered ID to c, up to
// count if count > 0.
func (s *stream) readNew(g *group, c *consumer, count int, noAck bool, now int64) []GroupEntry {
	last, ok := s.entries.last()
	if !ok || !g.lastID.Less(last) {
		return nil
	}
	start, _ := g.lastID.Next() // cannot fail: g.lastID < last
	ens := s.entries.collect(start, MaxID, count, false)
	out := make([]GroupEntry, len(ens))
	first := s.firstID() // reading changes no entries
	for i, en := range ens {
		s.advance(g, en.ID, first)
		if !noAck {
			g.deliver(en.ID, c, now)
			c.active = now
		}
		out[i] = GroupEntry{Entry: en}
	}
	return out
}

// advance moves g's last-delivered ID to id, an ID above it, and keeps
// entries-read as Redis 8 does (spec §6.4, including PR #13958). first
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
// that is unknown (spec §6.5).
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
