package instream

// streamAppended is called after an entry was added to s.
func (e *Engine) streamAppended(key string, s *stream, created bool) {}

// streamDeleted is called after the stream named key was deleted.
func (e *Engine) streamDeleted(key string, s *stream) {}
