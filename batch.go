package instream

import (
	"errors"
	"fmt"
)

// AddBatch adds the entries of batch to the stream named key, in order,
// as that many calls of Add would, and returns their IDs. An entry that
// fails does not stop the others: its ID is zero, and the returned error
// joins the failures, each naming its index. The engine holds its lock
// once for the whole batch, and readers blocked on the stream are served
// when it ends. Over a Redis server, the batch is one pipelined round
// trip.
func (e *Engine) AddBatch(key string, batch []AddArgs) ([]ID, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.closed {
		return nil, ErrClosed
	}
	ids := make([]ID, len(batch))
	var errs []error
	now := e.nowMs()
	e.batch(func() {
		for i, args := range batch {
			id, err := e.add(key, args, now)
			if err != nil {
				errs = append(errs, fmt.Errorf("add entry %d to %q: %w", i, key, err))
				continue
			}
			ids[i] = id
		}
	})
	return ids, errors.Join(errs...)
}
