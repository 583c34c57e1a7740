package redisstreams

import (
	"errors"
	"fmt"

	"github.com/instream/instream"
	"github.com/redis/go-redis/v9"
)

// AddBatch is [instream.Engine.AddBatch]: one XADD per entry, sent in one
// pipelined round trip. Entries the engine would refuse before looking at
// the stream are not sent. The XADDs are not a transaction: as in the
// engine, an entry that fails does not stop the others.
func (c *Client) AddBatch(key string, batch []instream.AddArgs) ([]instream.ID, error) {
	if c.closed() {
		return nil, instream.ErrClosed
	}
	ids := make([]instream.ID, len(batch))
	errs := make([]error, len(batch))
	cmds := make([]*redis.Cmd, len(batch))
	pipe := c.rdb.Pipeline()
	for i, args := range batch {
		errs[i] = args.Validate()
		if errs[i] == nil {
			errs[i] = c.needAdd(args)
		}
		if errs[i] == nil {
			cmds[i] = pipe.Do(bg, xaddArgs(key, args)...)
		}
	}
	if pipe.Len() > 0 {
		_, _ = pipe.Exec(bg) // each command carries its own outcome
	}
	for i, cmd := range cmds {
		if cmd == nil {
			continue
		}
		v, err := cmd.Result()
		switch {
		case errors.Is(err, redis.Nil):
			errs[i] = instream.ErrNoStream // NOMKSTREAM on a missing stream
		case err != nil:
			errs[i] = replyError(err)
		default:
			ids[i], errs[i] = asID(v)
		}
	}
	var failed []error
	for i, err := range errs {
		if err != nil {
			failed = append(failed, fmt.Errorf("add entry %d to %q: %w", i, key, err))
		}
	}
	return ids, errors.Join(failed...)
}
