package instream

// Check verifies the engine's invariants; tests call it after mutations.
var Check = (*Engine).check

// AddAll adds one entry per key under a single lock, as one Redis
// MULTI/EXEC would: blocked readers see all of them or none.
func AddAll(e *Engine, keys []string, args AddArgs) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	var err error
	e.batch(func() {
		for _, k := range keys {
			if _, err = e.add(k, args, e.nowMs()); err != nil {
				return
			}
		}
	})
	return err
}

// Waiters returns the number of blocked calls registered on key.
func Waiters(e *Engine, key string) int {
	e.mu.Lock()
	defer e.mu.Unlock()
	if l := e.waiters.lists[key]; l != nil {
		return l.n
	}
	return 0
}
