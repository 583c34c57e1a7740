package redisstreams

import (
	"context"
	"fmt"

	"github.com/instream/instream"
)

func checkReadGroupArgs(a instream.ReadGroupArgs) error {
	switch {
	case len(a.Streams) == 0:
		return fmt.Errorf("%w: no streams", instream.ErrInvalidArgument)
	case a.Claim && a.MinIdle < 0:
		return fmt.Errorf("%w: MinIdle %v is negative", instream.ErrInvalidArgument, a.MinIdle)
	}
	return nil
}

func xreadgroupArgs(a instream.ReadGroupArgs, blockMs int64) []any {
	args := make([]any, 0, 12+2*len(a.Streams))
	args = append(args, "XREADGROUP", "GROUP", a.Group, a.Consumer)
	if a.Count > 0 {
		args = append(args, "COUNT", a.Count)
	}
	if blockMs != noBlock {
		args = append(args, "BLOCK", blockMs)
	}
	if a.NoAck {
		args = append(args, "NOACK")
	}
	if a.Claim {
		args = append(args, "CLAIM", ms(a.MinIdle))
	}
	args = append(args, "STREAMS")
	for _, st := range a.Streams {
		args = append(args, st.Key)
	}
	for _, st := range a.Streams {
		if st.History {
			args = append(args, st.After.String())
		} else {
			args = append(args, ">")
		}
	}
	return args
}

func groupKeys(a instream.ReadGroupArgs) []string {
	keys := make([]string, len(a.Streams))
	for i, st := range a.Streams {
		keys[i] = st.Key
	}
	return keys
}

// decodeReadGroup decodes the reply of XREADGROUP: nil if nothing was
// served. History streams appear even empty, as in the engine; other
// streams only with entries.
func decodeReadGroup(v any, a instream.ReadGroupArgs) ([]instream.GroupEntries, error) {
	ks, parts, err := keyedReply(v, groupKeys(a))
	if err != nil {
		return nil, err
	}
	var out []instream.GroupEntries
	for i, p := range parts {
		history := false
		for _, st := range a.Streams {
			if st.Key == ks[i] {
				history = st.History
				break
			}
		}
		ens, err := decodeGroupEntries(p)
		if err != nil {
			return nil, err
		}
		if len(ens) > 0 || history {
			out = append(out, instream.GroupEntries{Key: ks[i], Entries: ens, Claim: a.Claim && !history})
		}
	}
	return out, nil
}

// decodeGroupEntries decodes the entries of one stream of XREADGROUP:
// [id, fields] with nil fields for a history entry whose stream entry is
// gone, or, with CLAIM, [id, fields, idle, deliveries].
func decodeGroupEntries(v any) ([]instream.GroupEntry, error) {
	a, ok := asArray(v)
	if !ok {
		return nil, errReply("group entries", v)
	}
	out := make([]instream.GroupEntry, len(a))
	for i, x := range a {
		en, gone, err := decodeEntry(x)
		if err != nil {
			return nil, err
		}
		ge := instream.GroupEntry{Entry: en, Deleted: gone}
		if r := x.([]any); len(r) == 4 {
			idle, ok1 := asInt(r[2])
			n, ok2 := asInt(r[3])
			if !ok1 || !ok2 {
				return nil, errReply("a claimed entry", x)
			}
			// A new entry of a CLAIM read reports 0 deliveries.
			ge.Claimed, ge.Idle, ge.Deliveries = n > 0, msDuration(idle), n
		}
		out[i] = ge
	}
	return out, nil
}

// TryReadGroup is [instream.Engine.TryReadGroup] over XREADGROUP.
func (c *Client) TryReadGroup(args instream.ReadGroupArgs) ([]instream.GroupEntries, error) {
	res, err := c.tryReadGroup(args)
	if err != nil {
		err = wrap(err, "read group %q", args.Group)
	}
	return res, err
}

func (c *Client) checkReadGroup(args instream.ReadGroupArgs) error {
	if err := checkReadGroupArgs(args); err != nil {
		return err
	}
	if c.closed() {
		return instream.ErrClosed
	}
	if args.Claim {
		return c.need("XREADGROUP CLAIM", 8, 4)
	}
	return nil
}

func (c *Client) tryReadGroup(args instream.ReadGroupArgs) ([]instream.GroupEntries, error) {
	if err := c.checkReadGroup(args); err != nil {
		return nil, err
	}
	v, err := c.do(bg, xreadgroupArgs(args, noBlock)...)
	if err != nil {
		return nil, err
	}
	return decodeReadGroup(v, args)
}

// ReadGroup is [instream.Engine.ReadGroup] over XREADGROUP BLOCK; see the
// package doc for how it waits, and what that costs the order in which
// readers of a group are served.
func (c *Client) ReadGroup(ctx context.Context, args instream.ReadGroupArgs) ([]instream.GroupEntries, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	res, err := c.readGroup(ctx, args)
	if err != nil && err == ctx.Err() {
		return nil, err // unwrapped, as the engine returns it
	}
	if err != nil {
		err = wrap(err, "read group %q", args.Group)
	}
	return res, err
}

func (c *Client) readGroup(ctx context.Context, args instream.ReadGroupArgs) ([]instream.GroupEntries, error) {
	if err := c.checkReadGroup(args); err != nil {
		return nil, err
	}
	var res []instream.GroupEntries
	err := c.blockRead(ctx, args.Streams[0].Key, func(blockMs int64) []any {
		return xreadgroupArgs(args, blockMs)
	}, func(v any) (bool, error) {
		var err error
		res, err = decodeReadGroup(v, args)
		return res != nil, err
	})
	return res, err
}
