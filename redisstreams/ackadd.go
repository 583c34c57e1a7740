package redisstreams

import (
	"errors"
	"strconv"

	"github.com/instream/instream"
	"github.com/redis/go-redis/v9"
)

// ackAddScript is AckAdd: Redis has no command for it. A script, not a
// MULTI/EXEC, because EXEC runs every queued command even when one
// fails: an XADD refused at run time (WRONGTYPE, out of memory) would
// leave the XACK applied and the entry lost. The script checks the
// pending entry, adds, and acknowledges only after the add succeeded.
//
// KEYS: the acknowledged stream, the stream added to. ARGV: group, ID,
// consumer ("" for any), delivery count ("0" for any), then XADD's
// arguments after its key.
var ackAddScript = redis.NewScript(`
local p = redis.call('XPENDING', KEYS[1], ARGV[1], ARGV[2], ARGV[2], 1)
local e = p[1]
if e == nil or e[1] ~= ARGV[2] then return false end
if ARGV[3] ~= '' and e[2] ~= ARGV[3] then return false end
if ARGV[4] ~= '0' and e[4] ~= tonumber(ARGV[4]) then return false end
local id = redis.call('XADD', KEYS[2], unpack(ARGV, 5))
if not id then return {0} end
redis.call('XACK', KEYS[1], ARGV[1], ARGV[2])
return id
`)

// AckAdd is [instream.Engine.AckAdd] in one Lua script (EVALSHA, and
// EVAL the first time). On a Redis Cluster, key and args.To must share a
// slot (a hash tag: "{jobs}" and "{jobs}:dead"), or it fails with
// ErrCrossSlot. The entry must have fields of which the server keeps the
// order; a Nacked entry (Redis 8.8) has no consumer and does not match a
// non-empty args.Consumer.
func (c *Client) AckAdd(key string, args instream.AckAddArgs) (instream.ID, bool, error) {
	id, ok, err := c.ackAdd(key, args)
	if err != nil {
		err = wrap(err, "ack-add in group %q on %q", args.Group, key)
	}
	return id, ok, err
}

func (c *Client) ackAdd(key string, args instream.AckAddArgs) (instream.ID, bool, error) {
	if c.closed() {
		return instream.ID{}, false, instream.ErrClosed
	}
	if err := args.Validate(); err != nil {
		return instream.ID{}, false, err
	}
	if err := c.needAdd(args.Add); err != nil {
		return instream.ID{}, false, err
	}
	xadd := xaddArgs(args.To, args.Add)[2:]
	argv := make([]any, 0, 4+len(xadd))
	argv = append(argv, args.Group, args.ID.String(), args.Consumer, strconv.FormatInt(args.Deliveries, 10))
	argv = append(argv, xadd...)
	v, err := ackAddScript.Run(bg, c.rdb, []string{key, args.To}, argv...).Result()
	switch {
	case errors.Is(err, redis.Nil):
		return instream.ID{}, false, nil // not pending as asked
	case err != nil:
		return instream.ID{}, false, replyError(err)
	}
	if _, ok := v.([]any); ok { // NOMKSTREAM on a missing stream
		return instream.ID{}, false, instream.ErrNoStream
	}
	id, err := asID(v)
	return id, err == nil, err
}
