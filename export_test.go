package instream

// Check verifies the engine's invariants; tests call it after mutations.
var Check = (*Engine).check

// AddAll adds one entry per key under a single lock, as one Redis
// MULTI/EXEC would: blocked readers see all of them or none.
func AddAll(e *Engine, keys []string, args AddArgs) error {
	t, err := e.begin()
	if err != nil {
		return err
	}
	defer t.end()
	for _, k := range keys {
		if _, err := t.add(k, args); err != nil { // unwrapped, unlike Add's
			return err
		}
	}
	return nil
}

// Waiters returns the number of blocked calls registered on key.
func Waiters(e *Engine, key string) int {
	t := e.acquire()
	defer t.end()
	if l := e.stripe(key).waits[key]; l != nil {
		return l.n
	}
	return 0
}

// Queued returns the number of waiters registered on key: a cohort of
// calls that share one counts once.
func Queued(e *Engine, key string) int {
	t := e.acquire()
	defer t.end()
	n := 0
	if l := e.stripe(key).waits[key]; l != nil {
		for r := l.head; r != nil; r = r.next {
			n++
		}
	}
	return n
}

// IdempotencyFootprint returns the number of producers the stream named
// key remembers, and the slots its producers' FIFOs hold (their capacity).
func IdempotencyFootprint(e *Engine, key string) (producers, slots int) {
	t := e.acquire()
	defer t.end()
	s := e.lookup(key)
	if s == nil {
		return 0, 0
	}
	for p := s.idmp.oldest; p != nil; p = p.next {
		producers++
		slots += cap(p.recs)
	}
	return producers, slots
}

// CPUTime is the process CPU time so far, in ns (0 outside Linux).
func CPUTime() int64 { return cpuTime() }
