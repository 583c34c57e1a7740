package instream

import (
	"fmt"
	"math"
	"time"
)

// Field is one name/value pair of an entry.
type Field struct {
	Name, Value string
}

// Entry is one stream entry: its ID and its fields in the order they were
// added. Names may repeat and may be empty. The strings of an entry
// returned by a read share the engine's stored bytes, which never change,
// so keeping one keeps its block of about 4 KB of the stream in memory
// (strings.Clone what you keep long after the stream drops it).
type Entry struct {
	ID     ID
	Fields []Field
}

// Get returns the value of the first field named name, and whether the
// entry has one. O(fields).
func (en Entry) Get(name string) (string, bool) {
	for _, f := range en.Fields {
		if f.Name == name {
			return f.Value, true
		}
	}
	return "", false
}

// RefPolicy says what trimming and deleting do about entries that consumer
// groups still reference (Redis 8.2's KEEPREF, DELREF and ACKED).
type RefPolicy uint8

const (
	// KeepRef removes entries and leaves pending-list references to them
	// in place. It is the default and Redis's classic behaviour.
	KeepRef RefPolicy = iota
	// DelRef removes entries and every pending-list reference to them.
	DelRef
	// Acked removes only entries that every group has been handed and that
	// no group holds as pending.
	Acked
)

// TrimStrategy selects how Trim decides which entries go.
type TrimStrategy uint8

const (
	// NoTrim leaves the stream as it is.
	NoTrim TrimStrategy = iota
	// TrimMaxLen keeps at most MaxLen entries, removing the oldest.
	TrimMaxLen
	// TrimMinID removes the entries with IDs below MinID.
	TrimMinID
)

// TrimArgs describes a trim, as Redis's MAXLEN and MINID options do.
// The zero TrimArgs trims nothing (and is ErrInvalidArgument for Trim).
// A field that Strategy does not use must stay zero: MaxLen without
// TrimMaxLen, for one, is ErrInvalidArgument, not a trim of nothing.
type TrimArgs struct {
	Strategy TrimStrategy
	MaxLen   int64 // with TrimMaxLen: the number of entries to keep, >= 0
	MinID    ID    // with TrimMinID: the lowest ID to keep

	// Approx allows trimming less than asked (Redis's "~"): only whole
	// storage nodes are removed, which is much cheaper. It never trims more.
	Approx bool

	// Limit bounds how many entries an approximate trim removes. If zero,
	// 100 times Options.NodeMaxEntries, at most 1,000,000; if negative, no
	// bound. It needs Approx.
	Limit int64

	// Refs says what happens to entries that groups still reference.
	Refs RefPolicy
}

// AddArgs describes an entry to add, with the options of Redis's XADD.
type AddArgs struct {
	// ID is the new entry's ID. If zero, an ID is generated from the clock
	// ("*"). With AutoSeq, ID.Seq must be 0: only ID.Ms is used and the
	// sequence is generated ("ms-*").
	ID      ID
	AutoSeq bool

	// Fields are the entry's fields; there must be at least one.
	Fields []Field

	// NoMkStream makes Add fail with ErrNoStream instead of creating a
	// missing stream.
	NoMkStream bool

	// Trim, if set, trims the stream after the entry is added.
	Trim TrimArgs

	// Producer, with IdempotencyID or AutoIdempotency, makes the add
	// idempotent, as Redis 8.6's XADD IDMP and IDMPAUTO do: if the
	// stream remembers the pair (Producer, idempotency ID), nothing is
	// added or trimmed and Add returns the ID of the entry first added
	// with it, even if that entry is gone since. A stream remembers the
	// last IdempotencyMaxSize IDs of each producer, each until its entry
	// ID's millisecond is IdempotencyDuration old ([Options],
	// [Engine.SetConfig]). Idempotent adds need a generated ID: ID and
	// AutoSeq must be zero. [Engine.AddIdempotent] also reports whether
	// the add was a duplicate.
	Producer string
	// IdempotencyID identifies the entry among the producer's (IDMP).
	IdempotencyID string
	// AutoIdempotency derives the idempotency ID from the fields (IDMPAUTO):
	// the same name/value pairs, in any order, make the same ID. Pairs
	// that cancel out (the same pair given twice) are
	// [ErrIdempotencyHash].
	AutoIdempotency bool
}

// SetIDArgs describes the stream metadata set by SetID (Redis's XSETID).
type SetIDArgs struct {
	// LastID becomes the stream's last generated ID. It must not be below
	// the stream's last entry or its max deleted entry ID.
	LastID ID
	// EntriesAdded, if not nil, sets the all-time count of added entries.
	EntriesAdded *int64
	// MaxDeletedID, if not zero, sets the greatest deleted ID.
	MaxDeletedID ID
}

// StreamInfo describes a stream, as the stream part of Redis's XINFO
// STREAM does.
type StreamInfo struct {
	Length            int64 // entries in the stream now
	Nodes             int64 // storage nodes (Redis's radix-tree-keys)
	LastGeneratedID   ID    // new entries' IDs must exceed it
	MaxDeletedEntryID ID    // greatest deleted (not trimmed) ID, or 0-0
	EntriesAdded      int64 // entries ever added, trimmed ones included
	// RecordedFirstEntryID is the ID of the first entry, or 0-0 if the
	// stream is empty.
	RecordedFirstEntryID ID

	// The idempotency state (Redis 8.6): the stream's settings, the
	// producers and IDs remembered now, and all-time counts of the
	// idempotent adds that added an entry and of those that were
	// duplicates.
	IdempotencyDuration time.Duration // idmp-duration, whole seconds
	IdempotencyMaxSize  int64         // idmp-maxsize
	Producers           int64         // pids-tracked
	IdempotencyIDs      int64         // iids-tracked
	IdempotentAdds      int64         // iids-added
	Duplicates          int64         // iids-duplicates

	Groups     int64  // consumer groups
	FirstEntry *Entry // nil if the stream is empty
	LastEntry  *Entry // nil if the stream is empty
}

// stream is one named stream: its entries and metadata.
type stream struct {
	entries      *entries
	lastID       ID // last generated ID; only XSETID moves it back
	maxDeleted   ID // greatest ID removed by a delete (not by trimming)
	entriesAdded int64
	groups       groups
	idmp         idmp
}

func (e *Engine) newStream() *stream {
	s := &stream{entries: newEntries(e.opts.NodeMaxEntries, e.opts.NodeMaxBytes)}
	s.idmp.duration, s.idmp.maxSize = idmpSettings(e.opts)
	return s
}

// firstID is the ID of the first live entry, or 0-0 (Redis's
// recorded-first-entry-id).
func (s *stream) firstID() ID {
	id, _ := s.entries.first()
	return id
}

// Add appends an entry to the stream named key, creating the stream if
// needed, then trims it as args.Trim says. It is the engine's XADD.
// Add returns the new entry's ID even when the trim removed that entry.
// O(log n) plus the cost of trimming.
func (e *Engine) Add(key string, args AddArgs) (_ ID, err error) {
	t, err := e.writable(e.beginKey(key))
	if err != nil {
		return ID{}, err
	}
	defer t.endWrite(&err)
	// The error is wrapped here, not in addOnce: one call less on the
	// engine's hottest path.
	r, err := t.addOnce(key, &args)
	if err != nil {
		return ID{}, fmt.Errorf("add to %q: %w", key, err)
	}
	return r.ID, nil
}

// add is Add within a tx, with its error unwrapped.
func (t *tx) add(key string, args AddArgs) (ID, error) {
	r, err := t.addOnce(key, &args)
	return r.ID, err
}

func (t *tx) addEntry(key string, args *AddArgs) (AddResult, error) {
	r, err := t.addOnce(key, args)
	if err != nil {
		return AddResult{}, fmt.Errorf("add to %q: %w", key, err)
	}
	return r, nil
}

func (t *tx) addOnce(key string, args *AddArgs) (AddResult, error) {
	if len(args.Fields) == 0 {
		return AddResult{}, ErrNoFields
	}
	if args.AutoSeq && args.ID.Seq != 0 {
		return AddResult{}, invalid("ID.Seq is set with AutoSeq")
	}
	if err := checkTrim(&args.Trim); err != nil {
		return AddResult{}, err
	}
	var iid string
	if args.Producer != "" || args.IdempotencyID != "" || args.AutoIdempotency {
		var err error
		if iid, err = idempotencyID(args); err != nil {
			return AddResult{}, err
		}
	}
	s := t.stripe(key).streams[key] // lookup, inlined on the hottest path
	if s == nil && args.NoMkStream {
		return AddResult{}, ErrNoStream
	}
	// A duplicate is answered before any check of the new entry, even
	// on a stream that has used up its IDs.
	var p *producer
	var h uint64
	if args.Producer != "" {
		h = idmpHash(iid)
	}
	if s != nil && args.Producer != "" {
		var id ID
		var dup bool
		if p, id, dup = s.idmp.lookup(args.Producer, iid, h, t.now()); dup {
			s.idmp.duplicates++
			if t.logging {
				t.fxIdmpCounts(key, &s.idmp)
			}
			return AddResult{ID: id, Duplicate: true}, nil
		}
	}
	s, id, err := t.appendEntry(key, s, args, iid)
	if err != nil {
		return AddResult{}, err
	}
	if args.Producer != "" {
		s.idmp.record(p, args.Producer, iid, h, id)
		s.idmp.added++
		if t.logging {
			t.fxIdmpCounts(key, &s.idmp)
		}
	}
	return AddResult{ID: id}, nil
}

// appendEntry appends args' entry to s, the stream named key or nil,
// and returns the stream, created if need be. iid is the idempotency ID
// of an idempotent add, else "".
func (t *tx) appendEntry(key string, s *stream, args *AddArgs, iid string) (*stream, ID, error) {
	e := t.e
	last := ID{}
	if s != nil {
		last = s.lastID
	}
	id, err := nextID(last, args, t.now())
	if err != nil {
		return nil, ID{}, err
	}
	size := 0 // cannot overflow: the strings are in memory
	for i := range args.Fields {
		size += len(args.Fields[i].Name) + len(args.Fields[i].Value)
	}
	if size > maxEntryBytes {
		return nil, ID{}, ErrTooLarge
	}
	if s == nil {
		s = e.newStream()
		t.stripe(key).setStream(key, s)
	}
	s.entries.add(id, args.Fields)
	s.lastID = id
	s.entriesAdded++
	var b *trimBound
	if args.Trim.Strategy != NoTrim {
		if t.logging {
			b = &trimBound{}
		}
		t.trimStream(s, &args.Trim, b)
	}
	if t.logging {
		if iid == "" {
			t.fxAdd(key, id, args.Fields, args.Trim.Refs, b)
		} else {
			// XIDMPRECORD needs the entry: it goes before the trim,
			// which may have removed it.
			t.fxAdd(key, id, args.Fields, args.Trim.Refs, nil)
			t.fxIdempotency(key, args.Producer, iid, id)
			if b != nil {
				t.fxTrim(key, args.Trim.Refs, b)
			}
		}
	}
	t.streamAppended(key)
	return s, id, nil
}

// nextID returns the ID for a new entry after last, as XADD computes it.
func nextID(last ID, args *AddArgs, now int64) (ID, error) {
	if last == MaxID {
		return ID{}, ErrIDExhausted
	}
	var id ID
	switch {
	case args.AutoSeq:
		if args.ID.Ms == last.Ms {
			if last.Seq == math.MaxUint64 {
				return ID{}, ErrIDTooSmall
			}
			id = ID{last.Ms, last.Seq + 1}
		} else {
			id = ID{args.ID.Ms, 0}
		}
	case args.ID.IsZero():
		if now > 0 && uint64(now) > last.Ms {
			return ID{uint64(now), 0}, nil
		}
		id, _ = last.Next() // cannot fail: last is not MaxID
		return id, nil
	default:
		id = args.ID
	}
	if !last.Less(id) {
		return ID{}, ErrIDTooSmall
	}
	return id, nil
}

// checkTrim rejects a TrimArgs with a field its Strategy does not use,
// so that a forgotten Strategy is an error, not a trim of nothing.
func checkTrim(t *TrimArgs) error {
	if t.Strategy == TrimMaxLen && t.MaxLen >= 0 && t.MinID.IsZero() &&
		(t.Approx || t.Limit == 0) && t.Refs <= Acked {
		return nil // the usual MAXLEN trim, which no case below rejects
	}
	if t.Strategy == NoTrim && t.MaxLen == 0 && t.MinID.IsZero() && !t.Approx &&
		t.Limit == 0 && t.Refs == KeepRef {
		return nil // no trim; every field, one by one (== on the struct is a call)
	}
	switch {
	case t.Strategy > TrimMinID:
		return invalid("unknown trim Strategy %d", t.Strategy)
	case t.Strategy == TrimMaxLen && t.MaxLen < 0:
		return invalid("MaxLen %d is negative", t.MaxLen)
	case t.Strategy != TrimMaxLen && t.MaxLen != 0:
		return invalid("MaxLen is set but Strategy is not TrimMaxLen")
	case t.Strategy != TrimMinID && !t.MinID.IsZero():
		return invalid("MinID is set but Strategy is not TrimMinID")
	case t.Strategy == NoTrim && (t.Approx || t.Refs != KeepRef):
		return invalid("Approx or Refs is set but Strategy is NoTrim")
	case t.Limit != 0 && !t.Approx:
		return invalid("Limit needs Approx")
	case t.Refs > Acked:
		return invalid("unknown ref policy %d", t.Refs)
	}
	return nil
}

// trimStream applies args to s and returns how many entries it removed.
// With b, it tracks the greatest removed ID there (for the effect).
func (t *tx) trimStream(s *stream, args *TrimArgs, b *trimBound) int64 {
	spec := trimSpec{maxLen: -1, minID: args.MinID, approx: args.Approx, limit: -1}
	if args.Strategy == TrimMaxLen {
		spec.maxLen = args.MaxLen
	}
	if args.Approx {
		spec.limit = args.Limit
		if spec.limit == 0 {
			spec.limit = min(100*int64(t.e.opts.NodeMaxEntries), 1_000_000)
			if spec.limit <= 0 { // stream-node-max-entries 0 (SetNodeLimits)
				spec.limit = 10000
			}
		}
	}
	switch args.Refs {
	case Acked:
		spec.keep = s.referenced
	case DelRef:
		spec.drop = s
	}
	spec.bound = b
	return s.entries.trim(spec)
}

// Trim removes entries from the head of the stream named key as args
// says, and returns how many it removed. It is the engine's XTRIM. A
// missing stream trims nothing. O(removed + log n).
func (e *Engine) Trim(key string, args TrimArgs) (_ int64, err error) {
	t, err := e.writable(e.beginKey(key))
	if err != nil {
		return 0, err
	}
	defer t.endWrite(&err)
	return t.trim(key, args)
}

func (t *tx) trim(key string, args TrimArgs) (int64, error) {
	if err := checkTrim(&args); err != nil {
		return 0, fmt.Errorf("trim %q: %w", key, err)
	}
	if args.Strategy == NoTrim {
		return 0, fmt.Errorf("trim %q: %w", key, invalid("Strategy is NoTrim"))
	}
	s := t.lookup(key)
	if s == nil {
		return 0, nil
	}
	if !t.logging {
		n := t.trimStream(s, &args, nil)
		if n > 0 {
			t.touch(key)
		}
		return n, nil
	}
	var b trimBound
	n := t.trimStream(s, &args, &b)
	t.fxTrim(key, args.Refs, &b)
	if n > 0 {
		t.touch(key)
	}
	return n, nil
}

// Range returns the entries with IDs in [start, end] in ascending order,
// at most count of them if count > 0 (0: no limit). It is the engine's
// XRANGE. A missing stream has no entries. A start above end, or a
// negative count, is ErrInvalidArgument. The caller owns the returned
// entries. O(log n + count).
func (e *Engine) Range(key string, start, end ID, count int) ([]Entry, error) {
	t, err := e.beginRead(key)
	if err != nil {
		return nil, err
	}
	defer t.end()
	return t.rangeEntries(key, start, end, count, false)
}

// RevRange returns the entries with IDs in [start, end] in descending
// order, at most count of them if count > 0 (0: no limit). It is the
// engine's XREVRANGE, and takes its bounds in XREVRANGE's order: end
// first, as in RevRange(key, MaxID, MinID, 0). Bounds given the other way
// round (start above end), or a negative count, are ErrInvalidArgument.
// The caller owns the returned entries. O(log n + count).
func (e *Engine) RevRange(key string, end, start ID, count int) ([]Entry, error) {
	t, err := e.beginRead(key)
	if err != nil {
		return nil, err
	}
	defer t.end()
	return t.rangeEntries(key, start, end, count, true)
}

func checkRange(start, end ID, count int) error {
	if err := checkBounds(start, end); err != nil {
		return err
	}
	return checkCount("count", count)
}

// rangeEntries is Range and RevRange: the checks, then rangeOf.
func (t *tx) rangeEntries(key string, start, end ID, count int, reverse bool) ([]Entry, error) {
	if err := checkRange(start, end, count); err != nil {
		if reverse {
			return nil, fmt.Errorf("reverse range of %q: %w", key, err)
		}
		return nil, fmt.Errorf("range of %q: %w", key, err)
	}
	return t.rangeOf(key, start, end, count, reverse), nil
}

func (t *tx) rangeOf(key string, start, end ID, count int, reverse bool) []Entry {
	s := t.lookup(key)
	if s == nil {
		return []Entry{}
	}
	return s.entries.collect(start, end, count, reverse)
}

// Len returns the number of entries in the stream named key, 0 if it does
// not exist. It is the engine's XLEN.
func (e *Engine) Len(key string) (int64, error) {
	t, err := e.beginRead(key)
	if err != nil {
		return 0, err
	}
	defer t.end()
	return t.len(key), nil
}

func (t *tx) len(key string) int64 {
	if s := t.lookup(key); s != nil {
		return int64(s.entries.len())
	}
	return 0
}

// DeleteEntries removes the entries with the given IDs and returns how
// many existed. It is the engine's XDEL. Pending-list references to
// deleted entries stay, as in Redis. No IDs is ErrInvalidArgument.
// O(log n) per ID.
func (e *Engine) DeleteEntries(key string, ids ...ID) (_ int64, err error) {
	t, err := e.writable(e.beginKey(key))
	if err != nil {
		return 0, err
	}
	defer t.endWrite(&err)
	return t.deleteEntries(key, ids)
}

func (t *tx) deleteEntries(key string, ids []ID) (int64, error) {
	if len(ids) == 0 {
		return 0, fmt.Errorf("delete entries of %q: %w", key, invalid("no IDs"))
	}
	s := t.lookup(key)
	if s == nil {
		return 0, nil
	}
	var n int64
	done := t.doneIDs[:0]
	for _, id := range ids {
		if s.deleteEntry(id) {
			n++
			if t.logging {
				done = append(done, id)
			}
		}
	}
	if t.logging {
		t.fxIDs(done, "XDEL", key)
		t.doneIDs = done[:0]
	}
	if n > 0 {
		t.touch(key)
	}
	return n, nil
}

// deleteEntry removes one entry as XDEL does, keeping maxDeleted.
func (s *stream) deleteEntry(id ID) bool {
	if !s.entries.remove(id) {
		return false
	}
	if s.maxDeleted.Less(id) {
		s.maxDeleted = id
	}
	return true
}

// ErrSetIDBelowMaxDeleted is returned by SetID when the new last ID is
// below the stream's max deleted entry ID. It wraps ErrSetIDTooSmall;
// Redis answers this case with a text of its own.
var ErrSetIDBelowMaxDeleted = fmt.Errorf("%w: below max deleted id", ErrSetIDTooSmall)

// SetID sets the stream's last generated ID and counters. It is the
// engine's XSETID.
func (e *Engine) SetID(key string, args SetIDArgs) (err error) {
	t, err := e.writable(e.beginKey(key))
	if err != nil {
		return err
	}
	defer t.endWrite(&err)
	return t.setID(key, args)
}

func (t *tx) setID(key string, args SetIDArgs) error {
	if err := t.e.setStreamID(key, args); err != nil {
		return fmt.Errorf("set id of %q: %w", key, err)
	}
	if t.logging {
		t.fxSetID(key, t.e.lookup(key))
	}
	return nil
}

func (e *Engine) setStreamID(key string, args SetIDArgs) error {
	if err := checkSetIDArgs(args); err != nil {
		return err
	}
	s := e.lookup(key)
	if s == nil {
		return ErrNoStream
	}
	if args.LastID.Less(s.maxDeleted) {
		return fmt.Errorf("%w %v", ErrSetIDBelowMaxDeleted, s.maxDeleted)
	}
	if n := s.entries.len(); n > 0 {
		if top, _ := s.entries.last(); args.LastID.Less(top) {
			return ErrSetIDTooSmall
		}
		if args.EntriesAdded != nil && *args.EntriesAdded < int64(n) {
			return ErrEntriesAddedTooSmall
		}
	}
	s.lastID = args.LastID
	if args.EntriesAdded != nil {
		s.entriesAdded = *args.EntriesAdded
	}
	if !args.MaxDeletedID.IsZero() {
		s.maxDeleted = args.MaxDeletedID
	}
	return nil
}

// Info describes the stream named key. It is the stream part of the
// engine's XINFO STREAM; a missing stream gives ErrNoStream. It first
// forgets the idempotency IDs whose time is up. O(log n + p) for p
// idempotency producers.
func (e *Engine) Info(key string) (StreamInfo, error) {
	t, err := e.beginInfo(key)
	if err != nil {
		return StreamInfo{}, err
	}
	defer t.end()
	return t.info(key)
}

func (t *tx) info(key string) (StreamInfo, error) {
	s := t.lookup(key)
	if s == nil {
		return StreamInfo{}, fmt.Errorf("info of %q: %w", key, ErrNoStream)
	}
	s.idmp.expireAll(t.now())
	info := s.info()
	if info.Length > 0 {
		first := s.entries.collect(MinID, MaxID, 1, false)
		last := s.entries.collect(MinID, MaxID, 1, true)
		info.FirstEntry, info.LastEntry = &first[0], &last[0]
	}
	return info, nil
}

// info describes s without its first and last entries, which only Info
// reports (InfoFull reports entries of its own).
func (s *stream) info() StreamInfo {
	return StreamInfo{
		Length:               int64(s.entries.len()),
		Nodes:                int64(s.entries.nodes()),
		LastGeneratedID:      s.lastID,
		MaxDeletedEntryID:    s.maxDeleted,
		EntriesAdded:         s.entriesAdded,
		RecordedFirstEntryID: s.firstID(),
		IdempotencyDuration:  time.Duration(s.idmp.duration) * time.Second,
		IdempotencyMaxSize:   s.idmp.maxSize,
		Producers:            int64(len(s.idmp.producers)),
		IdempotencyIDs:       s.idmp.tracked,
		IdempotentAdds:       s.idmp.added,
		Duplicates:           s.idmp.duplicates,
		Groups:               int64(s.groupCount()),
	}
}
