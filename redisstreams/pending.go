package redisstreams

import (
	"fmt"
	"strconv"

	"github.com/instream/instream"
)

// Ack is [instream.Engine.Ack] over XACK.
func (c *Client) Ack(key, group string, ids ...instream.ID) (int64, error) {
	if c.closed() {
		return 0, instream.ErrClosed
	}
	if len(ids) == 0 {
		return 0, nil // XACK needs an ID; the engine acknowledges nothing
	}
	v, err := c.do(bg, appendIDs([]any{"XACK", key, group}, ids)...)
	if err != nil {
		return 0, wrap(err, "ack in group %q on %q", group, key)
	}
	return intReply("XACK", v)
}

func checkDeleteEx(refs instream.RefPolicy, ids []instream.ID) error {
	switch {
	case len(ids) == 0:
		return fmt.Errorf("%w: no IDs", instream.ErrInvalidArgument)
	case refs > instream.Acked:
		return fmt.Errorf("%w: unknown ref policy %d", instream.ErrInvalidArgument, refs)
	}
	return nil
}

// DeleteEx is [instream.Engine.DeleteEx] over XDELEX (Redis 8.2).
func (c *Client) DeleteEx(key string, refs instream.RefPolicy, ids ...instream.ID) ([]instream.DeleteResult, error) {
	res, err := c.deleteEx([]any{"XDELEX", key}, refs, ids)
	if err != nil {
		err = wrap(err, "delete ex on %q", key)
	}
	return res, err
}

// AckDelete is [instream.Engine.AckDelete] over XACKDEL (Redis 8.2).
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
	args = append(args, refsWord(refs), "IDS", len(ids))
	v, err := c.do(bg, appendIDs(args, ids)...)
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

func xpendingArgs(key string, a instream.PendingArgs) []any {
	args := []any{"XPENDING", key, a.Group}
	if a.MinIdle > 0 {
		args = append(args, "IDLE", ms(a.MinIdle))
	}
	args = append(args, a.Start.String(), a.End.String(), max(a.Count, 0))
	if a.ByConsumer {
		args = append(args, a.Consumer)
	}
	return args
}

// Pending is [instream.Engine.Pending] over the extended XPENDING.
func (c *Client) Pending(key string, args instream.PendingArgs) ([]instream.PendingEntry, error) {
	v, err := c.do(bg, xpendingArgs(key, args)...)
	if err != nil {
		return nil, wrap(err, "pending of group %q on %q", args.Group, key)
	}
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

func xclaimArgs(key string, a instream.ClaimArgs) []any {
	args := []any{"XCLAIM", key, a.Group, a.Consumer, max(ms(a.MinIdle), 0)}
	args = appendIDs(args, a.IDs)
	switch {
	case !a.Time.IsZero():
		args = append(args, "TIME", a.Time.UnixMilli())
	case a.Idle != 0:
		args = append(args, "IDLE", ms(a.Idle))
	}
	if a.RetryCount != nil && *a.RetryCount >= 0 {
		args = append(args, "RETRYCOUNT", *a.RetryCount)
	}
	if a.Force {
		args = append(args, "FORCE")
	}
	if a.JustID {
		args = append(args, "JUSTID")
	}
	if !a.LastID.IsZero() {
		args = append(args, "LASTID", a.LastID.String())
	}
	return args
}

// Claim is [instream.Engine.Claim] over XCLAIM. With no IDs it sends
// nothing and claims nothing.
func (c *Client) Claim(key string, args instream.ClaimArgs) ([]instream.Entry, error) {
	if c.closed() {
		return nil, instream.ErrClosed
	}
	if len(args.IDs) == 0 {
		return []instream.Entry{}, nil
	}
	v, err := c.do(bg, xclaimArgs(key, args)...)
	if err != nil {
		return nil, wrap(err, "claim in group %q on %q", args.Group, key)
	}
	if args.JustID {
		return idEntries(v)
	}
	return decodeEntries(v)
}

// idEntries decodes an array of IDs into entries without fields.
func idEntries(v any) ([]instream.Entry, error) {
	ids, err := decodeIDs(v)
	if err != nil {
		return nil, err
	}
	out := make([]instream.Entry, len(ids))
	for i, id := range ids {
		out[i] = instream.Entry{ID: id}
	}
	return out, nil
}

func xautoclaimArgs(key string, a instream.AutoClaimArgs) []any {
	args := []any{"XAUTOCLAIM", key, a.Group, a.Consumer, max(ms(a.MinIdle), 0), a.Start.String()}
	if a.Count > 0 {
		args = append(args, "COUNT", a.Count)
	}
	if a.JustID {
		args = append(args, "JUSTID")
	}
	return args
}

// AutoClaim is [instream.Engine.AutoClaim] over XAUTOCLAIM.
func (c *Client) AutoClaim(key string, args instream.AutoClaimArgs) (instream.AutoClaimResult, error) {
	if c.closed() {
		return instream.AutoClaimResult{}, instream.ErrClosed
	}
	if args.Count < 0 {
		return instream.AutoClaimResult{}, fmt.Errorf("auto claim: %w: Count %d is negative", instream.ErrInvalidArgument, args.Count)
	}
	v, err := c.do(bg, xautoclaimArgs(key, args)...)
	if err != nil {
		return instream.AutoClaimResult{}, wrap(err, "auto claim in group %q on %q", args.Group, key)
	}
	a, ok := v.([]any)
	if !ok || len(a) != 3 {
		return instream.AutoClaimResult{}, errReply("XAUTOCLAIM", v)
	}
	var res instream.AutoClaimResult
	if res.Next, err = asID(a[0]); err != nil {
		return instream.AutoClaimResult{}, err
	}
	if args.JustID {
		res.Claimed, err = idEntries(a[1])
	} else {
		res.Claimed, err = decodeEntries(a[1])
	}
	if err != nil {
		return instream.AutoClaimResult{}, err
	}
	if res.Deleted, err = decodeIDs(a[2]); err != nil {
		return instream.AutoClaimResult{}, err
	}
	return res, nil
}
