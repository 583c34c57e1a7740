package instream

// streamAppended is called after an entry was added to s.
func (e *Engine) streamAppended(key string, s *stream, created bool) {}

// streamDeleted is called after the stream named key was deleted.
func (e *Engine) streamDeleted(key string, s *stream) {}

// checkWaiters verifies that no stream keeps a waiter whose call returned.
func (e *Engine) checkWaiters() error { return nil }

// groupDestroyed is called after a group of the stream named key was
// destroyed, so that readers blocked on it can fail.
func (e *Engine) groupDestroyed(key string, s *stream) {}
