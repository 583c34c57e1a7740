package redisstreams

import (
	"context"
	"errors"
	"strings"

	"github.com/instream/instream"
)

func xreadgroupArgs(a instream.ReadGroupArgs, blockMs int64) []any {
	args := make([]any, 0, 12+2*len(a.Streams))
	args = append(args, "XREADGROUP", "GROUP", a.Group, a.Consumer)
	if a.Count > 0 {
		args = append(args, "COUNT", a.Count)
	}
	args = appendCaps(args, a.MaxCount, a.MaxSize)
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
// streams only with entries. The entries of a history stream take their
// idle times and delivery counts from pend, by stream.
func decodeReadGroup(v any, a instream.ReadGroupArgs, pend map[string]map[instream.ID]instream.PendingEntry) ([]instream.GroupEntries, error) {
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
		if history {
			for j := range ens {
				pe := pend[ks[i]][ens[j].ID]
				ens[j].Idle, ens[j].Deliveries = pe.Idle, pe.Deliveries
			}
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

// TryReadGroup is [instream.Engine.TryReadGroup] over XREADGROUP. A read
// with History streams sends, in one MULTI/EXEC with it, an XPENDING of
// the consumer's entries after each History stream's After: Redis's
// history reply has no delivery counts.
func (c *Client) TryReadGroup(args instream.ReadGroupArgs) ([]instream.GroupEntries, error) {
	res, err := c.tryReadGroup(args)
	if err != nil {
		err = c.readGroupError(err, args)
	}
	return res, err
}

// readGroupError wraps err as the engine does: a missing stream or group
// is a *instream.GroupError naming the stream.
func (c *Client) readGroupError(err error, args instream.ReadGroupArgs) error {
	var re *instream.RedisError
	if errors.As(err, &re) && errors.Is(err, instream.ErrNoGroup) {
		return &instream.GroupError{Op: "read", Key: noGroupKey(re.Msg, args), Group: args.Group, Err: re}
	}
	return wrap(err, "read group %q", args.Group)
}

// noGroupKey finds the stream a NOGROUP reply names: Redis's text is
// "NOGROUP No such key '<key>' or consumer group '<group>' ...". A reply
// that names none (a blocked read whose stream was deleted) gives the
// first stream.
func noGroupKey(msg string, args instream.ReadGroupArgs) string {
	rest, ok := strings.CutPrefix(msg, "NOGROUP No such key '")
	if ok {
		if i := strings.LastIndex(rest, "' or consumer group '"+args.Group+"'"); i >= 0 {
			return rest[:i]
		}
	}
	return args.Streams[0].Key
}

func (c *Client) checkReadGroup(args instream.ReadGroupArgs) error {
	if c.closed() {
		return instream.ErrClosed
	}
	if err := args.Validate(); err != nil {
		return err
	}
	if err := c.needCaps(args.MaxCount, args.MaxSize); err != nil {
		return err
	}
	if args.Claim {
		return c.need("XREADGROUP CLAIM", 8, 4)
	}
	return nil
}

func hasHistory(args instream.ReadGroupArgs) bool {
	for _, st := range args.Streams {
		if st.History {
			return true
		}
	}
	return false
}

func (c *Client) tryReadGroup(args instream.ReadGroupArgs) ([]instream.GroupEntries, error) {
	if err := c.checkReadGroup(args); err != nil {
		return nil, err
	}
	if !hasHistory(args) {
		v, err := c.do(bg, xreadgroupArgs(args, noBlock)...)
		if err != nil {
			return nil, err
		}
		return decodeReadGroup(v, args, nil)
	}
	count := args.Count
	if count == 0 {
		count = noLimit
	}
	var cmds [][]any
	var keys []string
	for _, st := range args.Streams {
		if !st.History {
			continue
		}
		from, ok := st.After.Next() // history reads are after After
		if !ok {
			continue
		}
		cmds = append(cmds, []any{"XPENDING", st.Key, args.Group, from.String(), "+", count, args.Consumer})
		keys = append(keys, st.Key)
	}
	r, err := c.multi(append(cmds, xreadgroupArgs(args, noBlock))...)
	if err != nil {
		return nil, err
	}
	pend := make(map[string]map[instream.ID]instream.PendingEntry, len(keys))
	for i, k := range keys {
		if pend[k], err = pendingByID(r[i]); err != nil {
			return nil, err
		}
	}
	return decodeReadGroup(r[len(r)-1], args, pend)
}

// ReadGroup is [instream.Engine.ReadGroup] over XREADGROUP BLOCK; see the
// package doc for how it waits, and what that costs the order in which
// readers of a group are served. A read with History streams never
// waits: it is TryReadGroup's.
func (c *Client) ReadGroup(ctx context.Context, args instream.ReadGroupArgs) ([]instream.GroupEntries, error) {
	if ctx == nil {
		return nil, wrap(invalid("nil context"), "read group %q", args.Group)
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	res, err := c.readGroup(ctx, args)
	if err != nil && err == ctx.Err() {
		return nil, err // unwrapped, as the engine returns it
	}
	if err != nil {
		err = c.readGroupError(err, args)
	}
	return res, err
}

func (c *Client) readGroup(ctx context.Context, args instream.ReadGroupArgs) ([]instream.GroupEntries, error) {
	if err := c.checkReadGroup(args); err != nil {
		return nil, err
	}
	if hasHistory(args) {
		return c.tryReadGroup(args)
	}
	var res []instream.GroupEntries
	err := c.blockRead(ctx, args.Streams[0].Key, func(blockMs int64) []any {
		return xreadgroupArgs(args, blockMs)
	}, func(v any) (bool, error) {
		var err error
		res, err = decodeReadGroup(v, args, nil)
		return res != nil, err
	})
	return res, err
}
