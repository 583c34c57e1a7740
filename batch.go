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
func (e *Engine) AddBatch(key string, batch []AddArgs) (_ []ID, err error) {
	t, err := e.writable(e.beginKey(key))
	if err != nil {
		return nil, err
	}
	defer t.endWrite(&err)
	return t.addBatch(key, batch)
}

func (t *tx) addBatch(key string, batch []AddArgs) ([]ID, error) {
	ids := make([]ID, len(batch))
	var errs []error
	for i, args := range batch {
		id, err := t.add(key, args)
		if err != nil {
			errs = append(errs, fmt.Errorf("add entry %d to %q: %w", i, key, err))
			continue
		}
		ids[i] = id
	}
	return ids, errors.Join(errs...)
}
