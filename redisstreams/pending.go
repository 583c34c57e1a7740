package redisstreams

import (
	"math"
	"strconv"

	"github.com/instream/instream"
)

// Ack is [instream.Engine.Ack] over XACK. It sends XPENDING key group
// with it, in one MULTI/EXEC, so that a missing stream or group gives
// ErrNoGroup (XACK answers 0 there) in one round trip.
func (c *Client) Ack(key, group string, ids ...instream.ID) (int64, error) {
	n, err := c.ack(key, group, ids)
	if err != nil {
		err = wrap(err, "ack in group %q on %q", group, key)
	}
	return n, err
}

func (c *Client) ack(key, group string, ids []instream.ID) (int64, error) {
	if c.closed() {
		return 0, instream.ErrClosed
	}
	if len(ids) == 0 {
		return 0, invalid("no IDs")
	}
	r, err := c.multi([]any{"XPENDING", key, group}, appendIDs([]any{"XACK", key, group}, ids))
	if err != nil {
		return 0, err
	}
	return intReply("XACK", r[1])
}

// DeleteEntriesEx is [instream.Engine.DeleteEntriesEx] over XDELEX
// (Redis 8.2).
func (c *Client) DeleteEntriesEx(key string, refs instream.RefPolicy, ids ...instream.ID) ([]instream.DeleteResult, error) {
	res, err := c.deleteEx([]any{"XDELEX", key}, refs, ids)
	if err != nil {
		err = wrap(err, "delete entries ex on %q", key)
	}
	return res, err
}

// AckDelete is [instream.Engine.AckDelete] over XACKDEL (Redis 8.2), sent
// with XPENDING key group as Ack is, so that a missing stream or group
// gives ErrNoGroup (XACKDEL answers -1 for each ID there).
func (c *Client) AckDelete(key, group string, refs instream.RefPolicy, ids ...instream.ID) ([]instream.DeleteResult, error) {
	res, err := c.deleteEx([]any{"XACKDEL", key, group}, refs, ids)
	if err != nil {
		err = wrap(err, "ack delete in group %q on %q", group, key)
	}
	return res, err
}

func (c *Client) deleteEx(args []any, refs instream.RefPolicy, ids []instream.ID) ([]instream.DeleteResult, error) {
	if c.closed() {
		return nil, instream.ErrClosed
	}
	if err := checkDeleteEx(refs, ids); err != nil {
		return nil, err
	}
	if err := c.need(args[0].(string), 8, 2); err != nil {
		return nil, err
	}
	args = appendIDs(append(args, refsWord(refs), "IDS", len(ids)), ids)
	var v any
	var err error
	if args[0] == "XACKDEL" {
		var r []any
		r, err = c.multi([]any{"XPENDING", args[1], args[2]}, args)
		if err == nil {
			v = r[1]
		}
	} else {
		v, err = c.do(bg, args...)
	}
	if err != nil {
		return nil, err
	}
	a, ok := asArray(v)
	if !ok || len(a) != len(ids) {
		return nil, errReply(args[0].(string), v)
	}
	out := make([]instream.DeleteResult, len(a))
	for i, x := range a {
		n, ok := asInt(x)
		if !ok {
			return nil, errReply(args[0].(string), v)
		}
		out[i] = instream.DeleteResult(n)
	}
	return out, nil
}

// PendingSummary is [instream.Engine.PendingSummary] over XPENDING key
// group.
func (c *Client) PendingSummary(key, group string) (instream.PendingSummary, error) {
	v, err := c.do(bg, "XPENDING", key, group)
	if err != nil {
		return instream.PendingSummary{}, wrap(err, "pending of group %q on %q", group, key)
	}
	a, ok := v.([]any)
	if !ok || len(a) != 4 {
		return instream.PendingSummary{}, errReply("XPENDING", v)
	}
	var sum instream.PendingSummary
	if sum.Count, ok = asInt(a[0]); !ok {
		return instream.PendingSummary{}, errReply("XPENDING", v)
	}
	if sum.Lowest, err = idOrZero(a[1]); err != nil {
		return instream.PendingSummary{}, err
	}
	if sum.Highest, err = idOrZero(a[2]); err != nil {
		return instream.PendingSummary{}, err
	}
	cs, ok := asArray(a[3])
	if !ok {
		return instream.PendingSummary{}, errReply("XPENDING", v)
	}
	for _, x := range cs {
		pair, ok := x.([]any)
		if !ok || len(pair) != 2 {
			return instream.PendingSummary{}, errReply("XPENDING", v)
		}
		name, ok1 := asString(pair[0])
		count, ok2 := asString(pair[1]) // Redis sends the count as a string
		n, err := strconv.ParseInt(count, 10, 64)
		if !ok1 || !ok2 || err != nil {
			return instream.PendingSummary{}, errReply("XPENDING", v)
		}
		sum.Consumers = append(sum.Consumers, instream.ConsumerPending{Name: name, Count: n})
	}
	return sum, nil
}

// noLimit is the COUNT sent for the typed API's count 0 where Redis's
// command needs one (XPENDING): no pending list is longer.
const noLimit = math.MaxInt64

func xpendingArgs(key string, a instream.PendingArgs) []any {
	args := []any{"XPENDING", key, a.Group}
	if a.MinIdle > 0 {
		args = append(args, "IDLE", ms(a.MinIdle))
	}
	end, count := a.End, a.Count
	if end.IsZero() {
		end = instream.MaxID
	}
	if count == 0 {
		count = noLimit
	}
	args = append(args, a.Start.String(), end.String(), count)
	if a.ByConsumer {
		args = append(args, a.Consumer)
	}
	return args
}

// Pending is [instream.Engine.Pending] over the extended XPENDING.
func (c *Client) Pending(key string, args instream.PendingArgs) ([]instream.PendingEntry, error) {
	ps, err := c.pending(key, args)
	if err != nil {
		err = wrap(err, "pending of group %q on %q", args.Group, key)
	}
	return ps, err
}

func (c *Client) pending(key string, args instream.PendingArgs) ([]instream.PendingEntry, error) {
	if c.closed() {
		return nil, instream.ErrClosed
	}
	if err := args.Validate(); err != nil {
		return nil, err
	}
	v, err := c.do(bg, xpendingArgs(key, args)...)
	if err != nil {
		return nil, err
	}
	return decodePending(v)
}

// decodePending decodes the reply of the extended XPENDING.
func decodePending(v any) ([]instream.PendingEntry, error) {
	a, ok := asArray(v)
	if !ok {
		return nil, errReply("XPENDING", v)
	}
	out := make([]instream.PendingEntry, len(a))
	for i, x := range a {
		r, ok := x.([]any)
		if !ok || len(r) != 4 {
			return nil, errReply("XPENDING", v)
		}
		id, err := asID(r[0])
		name, ok1 := asString(r[1])
		idle, ok2 := asInt(r[2])
		n, ok3 := asInt(r[3])
		if err != nil || !ok1 || !ok2 || !ok3 {
			return nil, errReply("XPENDING", v)
		}
		out[i] = instream.PendingEntry{ID: id, Consumer: name, Idle: msDuration(idle), Deliveries: n}
	}
	return out, nil
}
