package instream

import "fmt"

// check verifies the engine's invariants. Tests call it after every
// mutation (export_test.go exposes it as Check).
func (e *Engine) check() error {
	t := e.acquire()
	defer t.end()
	for i := range e.stripes {
		for key, s := range e.stripes[i].streams {
			if stripeOf(key) != i {
				return fmt.Errorf("stream %q in stripe %d, not %d", key, i, stripeOf(key))
			}
			if err := s.check(); err != nil {
				return fmt.Errorf("stream %q: %w", key, err)
			}
		}
	}
	return e.checkWaiters()
}

func (s *stream) check() error {
	if err := s.entries.check(); err != nil {
		return err
	}
	all := s.entries.collect(MinID, MaxID, 0, false)
	if len(all) != s.entries.len() {
		return fmt.Errorf("len %d, but %d entries", s.entries.len(), len(all))
	}
	for i, en := range all {
		if en.ID.IsZero() {
			return fmt.Errorf("entry with ID 0-0")
		}
		if i > 0 && !all[i-1].ID.Less(en.ID) {
			return fmt.Errorf("entries out of order: %v then %v", all[i-1].ID, en.ID)
		}
		if len(en.Fields) == 0 {
			return fmt.Errorf("entry %v has no fields", en.ID)
		}
	}
	if n := len(all); n > 0 {
		if s.lastID.Less(all[n-1].ID) {
			return fmt.Errorf("last id %v below last entry %v", s.lastID, all[n-1].ID)
		}
		if s.firstID() != all[0].ID {
			return fmt.Errorf("first id %v, first entry %v", s.firstID(), all[0].ID)
		}
		if s.entriesAdded < int64(n) {
			return fmt.Errorf("entries added %d below length %d", s.entriesAdded, n)
		}
	}
	if err := s.idmp.check(); err != nil {
		return err
	}
	return s.checkGroups()
}
