package instream

import "fmt"

// DeleteResult is what [Engine.DeleteEntriesEx] and [Engine.AckDelete] did with
// one ID. Its values are the integers Redis 8.2's XDELEX and XACKDEL
// reply with.
type DeleteResult int8

const (
	// EntryNotFound: there was nothing to delete (Redis's -1). For
	// AckDelete, the ID was not pending in the group either.
	EntryNotFound DeleteResult = -1
	// EntryDeleted: the entry was deleted, or, for AckDelete, at least
	// acknowledged (Redis's 1).
	EntryDeleted DeleteResult = 1
	// EntryReferenced: with [Acked], the entry was kept because a group
	// still references it (Redis's 2).
	EntryReferenced DeleteResult = 2
)

func (r DeleteResult) String() string {
	switch r {
	case EntryNotFound:
		return "not found"
	case EntryDeleted:
		return "deleted"
	case EntryReferenced:
		return "referenced"
	}
	return fmt.Sprintf("DeleteResult(%d)", int8(r))
}

// DeleteEntriesEx deletes entries of the stream named key as refs says and
// returns one result per ID, in order. It is the engine's XDELEX (Redis
// 8.2). With [KeepRef] it deletes like [Engine.DeleteEntries] and leaves pending
// references in place; with [DelRef] it also removes the IDs from every
// group's pending list, even when the entry itself is already gone; with
// [Acked] it deletes only entries no group references (Redis 8.2's ACKED:
// not pending in any group, and handed to every group). A missing stream
// gives EntryNotFound for every ID. No IDs is ErrInvalidArgument.
// O(groups × log P + log n) per ID.
func (e *Engine) DeleteEntriesEx(key string, refs RefPolicy, ids ...ID) (_ []DeleteResult, err error) {
	t, err := e.writable(e.beginKey(key))
	if err != nil {
		return nil, err
	}
	defer t.endWrite(&err)
	return t.deleteEntriesEx(key, refs, ids)
}

func (t *tx) deleteEntriesEx(key string, refs RefPolicy, ids []ID) ([]DeleteResult, error) {
	if err := checkDeleteEx(refs, ids); err != nil {
		return nil, fmt.Errorf("delete entries ex on %q: %w", key, err)
	}
	return t.deleteRefs(key, "", false, refs, ids), nil
}

// AckDelete acknowledges the IDs in a group and then deletes their
// entries as [Engine.DeleteEntriesEx] does, returning one result per ID. It is
// the engine's XACKDEL (Redis 8.2). An ID acknowledged counts as
// EntryDeleted even if its entry was already gone, unless [Acked] keeps
// the entry (EntryReferenced). A missing stream or group is ErrNoGroup
// (where XACKDEL answers -1 for every ID), and no IDs is
// ErrInvalidArgument. O(groups × log P + log n) per ID.
func (e *Engine) AckDelete(key, group string, refs RefPolicy, ids ...ID) (_ []DeleteResult, err error) {
	t, err := e.writable(e.beginKey(key))
	if err != nil {
		return nil, err
	}
	defer t.endWrite(&err)
	return t.ackDelete(key, group, refs, ids)
}

func (t *tx) ackDelete(key, group string, refs RefPolicy, ids []ID) ([]DeleteResult, error) {
	if err := checkDeleteEx(refs, ids); err != nil {
		return nil, fmt.Errorf("ack delete in group %q on %q: %w", group, key, err)
	}
	if _, _, err := t.e.lookupGroup(key, group); err != nil {
		return nil, fmt.Errorf("ack delete in group %q on %q: %w", group, key, noGroup(err))
	}
	return t.deleteRefs(key, group, true, refs, ids), nil
}

func checkDeleteEx(refs RefPolicy, ids []ID) error {
	switch {
	case len(ids) == 0:
		return fmt.Errorf("%w: no IDs", ErrInvalidArgument)
	case refs > Acked:
		return fmt.Errorf("%w: unknown ref policy %d", ErrInvalidArgument, refs)
	}
	return nil
}

// deleteRefs is XDELEX, or XACKDEL when ack is set. It logs the IDs that
// changed something, as XDEL and XACK do: not only those answered other
// than EntryNotFound, as DelRef can drop the references of an entry
// already gone.
func (t *tx) deleteRefs(key, groupName string, ack bool, refs RefPolicy, ids []ID) []DeleteResult {
	out := make([]DeleteResult, len(ids))
	s := t.lookup(key)
	var g *group
	if s != nil && ack {
		g = s.group(groupName)
	}
	if s == nil || ack && g == nil {
		for i := range out {
			out[i] = EntryNotFound
		}
		return out
	}
	n := s.entries.len()
	done := t.doneIDs[:0]
	for i, id := range ids {
		acked := g != nil && g.unpend(id)
		var dropped bool
		out[i], dropped = s.deleteRef(id, refs, acked)
		// An ack answers EntryDeleted or EntryReferenced.
		if t.logging && (dropped || out[i] != EntryNotFound) {
			done = append(done, id)
		}
	}
	if t.logging {
		t.fxDeleteEx(key, groupName, ack, refs, done)
		t.doneIDs = done[:0]
	}
	if s.entries.len() != n {
		t.touch(key)
	}
	return out
}

// deleteRef deletes entry id under refs, after an acknowledgement that
// removed it from a group's pending list if acked, and says what it did
// and whether DelRef dropped some group's reference.
//
// Where Redis 8.2 leaves the codes open (its documentation and tests do
// not say), the choices are made here, once:
//   - DelRef on an entry already gone removes the remaining references
//     and answers EntryNotFound, unless acked.
//   - Acked on an entry already gone answers EntryReferenced while some
//     group still holds the ID as pending (a third-party suite run against
//     Redis 8.2 expects 2 there), else EntryDeleted if acked, else
//     EntryNotFound.
//   - An entry present but not pending in the group: XACKDEL acts as
//     XDELEX on it.
func (s *stream) deleteRef(id ID, refs RefPolicy, acked bool) (_ DeleteResult, dropped bool) {
	exists := s.entries.has(id)
	switch refs {
	case DelRef:
		dropped = s.dropRefs(id)
	case Acked:
		if exists && s.referenced(id) || !exists && s.pendingAnywhere(id) {
			return EntryReferenced, false
		}
	}
	if exists {
		s.deleteEntry(id)
		return EntryDeleted, dropped
	}
	if acked {
		return EntryDeleted, dropped
	}
	return EntryNotFound, dropped
}

// pendingAnywhere reports whether some group holds id as pending.
// O(groups × log P).
func (s *stream) pendingAnywhere(id ID) bool {
	found := false
	s.groups.m.Scan(func(_ string, g *group) bool {
		found = g.pel.has(id)
		return !found
	})
	return found
}

// referenced reports whether some group still needs the entry id: it
// holds it as pending, or has not been handed it yet (Redis 8.2's ACKED).
func (s *stream) referenced(id ID) bool {
	ref := false
	s.groups.m.Scan(func(_ string, g *group) bool {
		if g.lastID.Less(id) || g.pel.has(id) {
			ref = true
		}
		return !ref
	})
	return ref
}

// dropRefs removes id from every group's pending list and reports
// whether some group held it.
func (s *stream) dropRefs(id ID) bool {
	dropped := false
	s.groups.m.Scan(func(_ string, g *group) bool {
		if g.unpend(id) {
			dropped = true
		}
		return true
	})
	return dropped
}
