package instream

// groups holds a stream's consumer groups.
type groups struct{}

func (s *stream) groupCount() int { return 0 }

// refHooks returns the trim hooks for a reference policy: which entries
// must stay, and what to do when one goes.
func (s *stream) refHooks(RefPolicy) (keep func(ID) bool, removed func(ID)) { return nil, nil }

// checkGroups verifies the group invariants of s (see check.go).
func (s *stream) checkGroups() error { return nil }
