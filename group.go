package instream

import (
	"fmt"

	"github.com/tidwall/btree"
)

// unknownEntriesRead marks a group whose entries-read counter is unknown
// (Redis's SCG_INVALID_ENTRIES_READ, reported as nil).
const unknownEntriesRead = -1

// groups holds a stream's consumer groups, in byte order of their names.
// The zero value holds none.
type groups struct {
	m btree.Map[string, *group]
}

// group is one consumer group.
type group struct {
	name        string
	lastID      ID    // last-delivered-id
	entriesRead int64 // logical read counter, or unknownEntriesRead
	pel         pel
	byIdle      idleIndex // pel again, oldest delivery first; see idle
	consumers   consumerSet
	nacked      int   // nacked records in pel (nack.go)
	nackSeq     int64 // records nacked so far, the order of the NACK zone
	// recent is the consumer last looked up by name or number: a
	// worker loop names the same consumer call after call, and its
	// records come back to it on ack. Nil or a consumer of the group.
	recent *consumer
}

// consumer is one consumer of a group. Its pending entries are the same
// records as the group's, indexed by ID a second time.
type consumer struct {
	name   string
	seen   int64 // Unix ms of the last read or claim attempt
	active int64 // Unix ms of the last successful delivery, or -1
	pel    idSet
	num    uint32 // unique in the group, never 0
}

func (s *stream) groupCount() int { return s.groups.m.Len() }

func (s *stream) group(name string) *group {
	g, _ := s.groups.m.Get(name)
	return g
}

func newGroup(name string, last ID, entriesRead int64) *group {
	return &group{name: name, lastID: last, entriesRead: entriesRead, pel: newPEL()}
}

// consumer returns the consumer named name, creating it at time now if
// needed, and reports whether it was created.
func (g *group) consumer(name string, now int64) (*consumer, bool) {
	if c := g.recent; c != nil && c.name == name {
		return c, false
	}
	if c, ok := g.consumers.find(name); ok {
		g.recent = c
		return c, false
	}
	c := &consumer{name: name, seen: now, active: -1}
	g.consumers.add(c)
	g.recent = c
	return c, true
}

// GroupArgs names a consumer group of a stream for the calls that create
// or reposition it.
type GroupArgs struct {
	// Group is the group's name; any string, including "".
	Group string

	// ID is the group's last-delivered ID: entries with greater IDs are
	// new to it. The zero ID makes every entry new.
	ID ID

	// FromEnd uses the stream's last generated ID instead of ID (Redis's
	// "$"): only entries added later are new to the group. With FromEnd,
	// ID must be zero.
	FromEnd bool

	// MkStream makes CreateGroup create a missing stream, empty. It must
	// be false for SetGroupID.
	MkStream bool

	// EntriesRead, if not nil, sets the group's entries-read counter,
	// which lag is computed from; -1 means unknown. Values above the
	// stream's entries-added count are lowered to it. If nil, unknown.
	EntriesRead *int64
}

// ConsumerArgs names a consumer of a group. Consumer must not be empty.
type ConsumerArgs struct {
	Group, Consumer string

	anyName bool // Do: Redis accepts the consumer name ""
}

// checkGroupArgs validates args and returns its entries-read counter.
func checkGroupArgs(args GroupArgs, setID bool) (int64, error) {
	switch {
	case args.FromEnd && !args.ID.IsZero():
		return 0, invalid("ID is set but FromEnd is too")
	case setID && args.MkStream:
		return 0, invalid("MkStream is set for SetGroupID")
	}
	p := args.EntriesRead
	if p == nil {
		return unknownEntriesRead, nil
	}
	if *p < 0 && *p != unknownEntriesRead {
		return 0, invalid("EntriesRead %d is negative", *p)
	}
	return *p, nil
}

// clampEntriesRead lowers n to the stream's entries-added count, as
// Redis does since 8.2 (issue #14257), so lag cannot go negative.
func (s *stream) clampEntriesRead(n int64) int64 {
	if n > s.entriesAdded {
		return s.entriesAdded
	}
	return n
}

// CreateGroup creates a consumer group on the stream named key. It is the
// engine's XGROUP CREATE. It fails with ErrNoStream if the stream does not
// exist and args.MkStream is false, and with ErrGroupExists if the name is
// taken.
func (e *Engine) CreateGroup(key string, args GroupArgs) (err error) {
	t, err := e.writable(e.beginKey(key))
	if err != nil {
		return err
	}
	defer t.endWrite(&err)
	return t.createGroup(key, args)
}

func (t *tx) createGroup(key string, args GroupArgs) error {
	created, err := t.e.addGroup(key, args)
	if err != nil {
		return fmt.Errorf("create group %q on %q: %w", args.Group, key, err)
	}
	if created {
		t.touch(key) // MKSTREAM created it
	}
	if t.logging {
		t.fxCreateGroup(key, t.e.lookup(key).group(args.Group), created)
	}
	return nil
}

// addGroup creates the group and reports whether it created the stream.
func (e *Engine) addGroup(key string, args GroupArgs) (bool, error) {
	er, err := checkGroupArgs(args, false)
	if err != nil {
		return false, err
	}
	s := e.lookup(key)
	if s == nil && !args.MkStream {
		return false, ErrNoStream
	}
	if s != nil && s.group(args.Group) != nil {
		return false, ErrGroupExists
	}
	created := s == nil
	if created {
		s = e.newStream()
		e.setStream(key, s)
	}
	last := args.ID
	if args.FromEnd {
		last = s.lastID
	}
	s.groups.m.Set(args.Group, newGroup(args.Group, last, s.clampEntriesRead(er)))
	return created, nil
}

// SetGroupID sets the last-delivered ID and the entries-read counter of a
// group. It is the engine's XGROUP SETID. The pending list is untouched;
// moving the ID back makes entries deliverable again.
func (e *Engine) SetGroupID(key string, args GroupArgs) (err error) {
	t, err := e.writable(e.beginKey(key))
	if err != nil {
		return err
	}
	defer t.endWrite(&err)
	return t.setGroupID(key, args)
}

func (t *tx) setGroupID(key string, args GroupArgs) error {
	if err := t.e.moveGroup(key, args); err != nil {
		return fmt.Errorf("set id of group %q on %q: %w", args.Group, key, err)
	}
	if t.logging {
		t.fxGroupID(key, t.e.lookup(key).group(args.Group))
	}
	return nil
}

func (e *Engine) moveGroup(key string, args GroupArgs) error {
	er, err := checkGroupArgs(args, true)
	if err != nil {
		return err
	}
	s, g, err := e.lookupGroup(key, args.Group)
	if err != nil {
		return err
	}
	g.lastID = args.ID
	if args.FromEnd {
		g.lastID = s.lastID
	}
	g.entriesRead = s.clampEntriesRead(er)
	return nil
}

// lookupGroup returns the stream named key and its group, or ErrNoStream
// or ErrNoGroup.
func (e *Engine) lookupGroup(key, name string) (*stream, *group, error) {
	s := e.lookup(key)
	if s == nil {
		return nil, nil, ErrNoStream
	}
	g := s.group(name)
	if g == nil {
		return s, nil, ErrNoGroup
	}
	return s, g, nil
}

// DestroyGroup removes a group with its consumers and pending list, and
// reports whether it existed. It is the engine's XGROUP DESTROY. A missing
// stream gives ErrNoStream.
func (e *Engine) DestroyGroup(key, group string) (_ bool, err error) {
	t, err := e.writable(e.beginKey(key))
	if err != nil {
		return false, err
	}
	defer t.endWrite(&err)
	return t.destroyGroup(key, group)
}

func (t *tx) destroyGroup(key, group string) (bool, error) {
	s := t.lookup(key)
	if s == nil {
		return false, fmt.Errorf("destroy group %q on %q: %w", group, key, ErrNoStream)
	}
	if _, ok := s.groups.m.Delete(group); !ok {
		return false, nil
	}
	if t.logging {
		t.record("XGROUP", "DESTROY", key, group)
	}
	t.groupDestroyed(key)
	return true, nil
}

// CreateConsumer creates a consumer in a group and reports whether it was
// created (false if it existed). It is the engine's XGROUP CREATECONSUMER.
// An empty Consumer is ErrInvalidArgument.
func (e *Engine) CreateConsumer(key string, args ConsumerArgs) (_ bool, err error) {
	t, err := e.writable(e.beginKey(key))
	if err != nil {
		return false, err
	}
	defer t.endWrite(&err)
	return t.createConsumer(key, args)
}

func (t *tx) createConsumer(key string, args ConsumerArgs) (bool, error) {
	if err := checkConsumer(args.Consumer, args.anyName); err != nil {
		return false, fmt.Errorf("create consumer %q in group %q on %q: %w", args.Consumer, args.Group, key, err)
	}
	_, g, err := t.e.lookupGroup(key, args.Group)
	if err != nil {
		return false, fmt.Errorf("create consumer %q in group %q on %q: %w", args.Consumer, args.Group, key, err)
	}
	_, created := g.consumer(args.Consumer, t.now())
	if created && t.logging {
		t.fxConsumer("CREATECONSUMER", key, args.Group, args.Consumer)
	}
	return created, nil
}

// DeleteConsumer removes a consumer from a group and returns how many
// pending entries it had; those entries leave the group's pending list
// too. It is the engine's XGROUP DELCONSUMER. A missing consumer gives 0;
// an empty Consumer is ErrInvalidArgument.
// O(p log P) for a consumer with p pending entries.
func (e *Engine) DeleteConsumer(key string, args ConsumerArgs) (_ int64, err error) {
	t, err := e.writable(e.beginKey(key))
	if err != nil {
		return 0, err
	}
	defer t.endWrite(&err)
	return t.deleteConsumer(key, args)
}

func (t *tx) deleteConsumer(key string, args ConsumerArgs) (int64, error) {
	if err := checkConsumer(args.Consumer, args.anyName); err != nil {
		return 0, fmt.Errorf("delete consumer %q in group %q on %q: %w", args.Consumer, args.Group, key, err)
	}
	_, g, err := t.e.lookupGroup(key, args.Group)
	if err != nil {
		return 0, fmt.Errorf("delete consumer %q in group %q on %q: %w", args.Consumer, args.Group, key, err)
	}
	if _, ok := g.consumers.find(args.Consumer); ok && t.logging {
		t.fxConsumer("DELCONSUMER", key, args.Group, args.Consumer)
	}
	return g.dropConsumer(args.Consumer), nil
}

// dropConsumer removes the consumer named name, if any, with its pending
// entries, and returns how many it had.
func (g *group) dropConsumer(name string) int64 {
	c, ok := g.consumers.Delete(name)
	if !ok {
		return 0
	}
	if g.recent == c {
		g.recent = nil
	}
	return g.unpendAll(c)
}

// checkGroups verifies the group invariants of s (see check.go): each
// pending record is held by exactly its owner, which exists in the group,
// and the consumers' lists add up to the group's. Pending IDs are not
// bounded by the group's last-delivered ID: XCLAIM FORCE and SETID
// backwards both leave records above it (testdata/group_script.txt).
func (s *stream) checkGroups() error {
	var err error
	s.groups.m.Scan(func(name string, g *group) bool {
		err = g.check()
		if err != nil {
			err = fmt.Errorf("group %q: %w", name, err)
		}
		return err == nil
	})
	return err
}

func (g *group) check() error {
	if g.entriesRead < unknownEntriesRead {
		return fmt.Errorf("entries read %d", g.entriesRead)
	}
	if err := g.consumers.check(); err != nil {
		return err
	}
	if err := g.pel.l.check(); err != nil {
		return fmt.Errorf("pending list: %w", err)
	}
	if err := g.checkNacked(); err != nil {
		return err
	}
	var err error
	g.pel.scan(func(p pending) bool {
		c := g.owner(p)
		switch {
		case p.count < 0:
			err = fmt.Errorf("pending %v has delivery count %d", p.id, p.count)
		case p.nacked():
		case c == nil:
			err = fmt.Errorf("pending %v names consumer %d, not in the group", p.id, p.owner)
		case !c.pel.has(p.id):
			err = fmt.Errorf("pending %v not in the list of its owner %q", p.id, c.name)
		}
		return err == nil
	})
	if err != nil {
		return err
	}
	if err := g.checkIdle(); err != nil {
		return err
	}
	sum := 0
	g.consumers.Scan(func(name string, c *consumer) bool {
		if c.pel.l != nil {
			if err = c.pel.l.check(); err != nil {
				err = fmt.Errorf("consumer %q: pending list: %w", name, err)
				return false
			}
		}
		sum += c.pel.len()
		c.pel.scan(func(id ID) bool {
			if p, ok := g.pel.get(id); !ok || p.owner != c.num {
				err = fmt.Errorf("consumer %q holds %v, which the group gives to another", name, id)
			}
			return err == nil
		})
		return err == nil
	})
	if err == nil && sum+g.nacked != g.pel.len() {
		err = fmt.Errorf("consumers hold %d pending entries and %d are nacked, the group has %d", sum, g.nacked, g.pel.len())
	}
	return err
}

// checkIdle verifies that the idle index, once built, holds exactly the
// pending records, each under its delivery time.
func (g *group) checkIdle() error {
	if g.byIdle.t == nil {
		return nil
	}
	if n, m := g.byIdle.t.Len(), g.pel.len(); n != m {
		return fmt.Errorf("idle index holds %d records, the pending list %d", n, m)
	}
	var err error
	g.byIdle.t.Scan(func(k idleKey) bool {
		if p, ok := g.pel.get(k.id); !ok || p.delivered != k.delivered {
			err = fmt.Errorf("idle index holds %v delivered at %d, the pending list does not", k.id, k.delivered)
		}
		return err == nil
	})
	return err
}
