package redisstreams

import (
	"github.com/instream/instream"
)

// Redis's XCLAIM and XAUTOCLAIM do not return the delivery counts and
// idle times the entries had before the claim, which the typed API does.
// So each is sent in one MULTI/EXEC after the XPENDING that reads them,
// at the same moment, in the same round trip.

// pendingByID indexes the records of an extended XPENDING reply.
func pendingByID(v any) (map[instream.ID]instream.PendingEntry, error) {
	ps, err := decodePending(v)
	if err != nil {
		return nil, err
	}
	m := make(map[instream.ID]instream.PendingEntry, len(ps))
	for _, p := range ps {
		m[p.ID] = p
	}
	return m, nil
}

// claimedEntries decodes the entries (IDs with justID) of XCLAIM or
// XAUTOCLAIM, with the idle times and delivery counts of before, from
// pend; an entry that was not pending (FORCE) has both 0.
func claimedEntries(v any, justID bool, pend map[instream.ID]instream.PendingEntry) ([]instream.GroupEntry, error) {
	var ens []instream.Entry
	var err error
	if justID {
		ens, err = idEntries(v)
	} else {
		ens, err = decodeEntries(v)
	}
	if err != nil {
		return nil, err
	}
	out := make([]instream.GroupEntry, len(ens))
	for i, en := range ens {
		p := pend[en.ID]
		out[i] = instream.GroupEntry{Entry: en, Claimed: true, Idle: p.Idle, Deliveries: p.Deliveries}
	}
	return out, nil
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

// noClaimID stands for the ID XCLAIM needs when Claim has none: no entry
// has the ID 0-0, so nothing is claimed, but the consumer and LastID are
// handled as XCLAIM handles them.
var noClaimID = []instream.ID{{}}

func xclaimArgs(key string, a instream.ClaimArgs) []any {
	ids := a.IDs
	if len(ids) == 0 {
		ids = noClaimID
	}
	args := []any{"XCLAIM", key, a.Group, a.Consumer, ms(a.MinIdle)}
	args = appendIDs(args, ids)
	switch {
	case !a.Time.IsZero():
		args = append(args, "TIME", a.Time.UnixMilli())
	case a.Idle != 0:
		args = append(args, "IDLE", ms(a.Idle))
	}
	if a.RetryCount != nil {
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

// Claim is [instream.Engine.Claim] over XCLAIM, sent after one XPENDING
// per ID in one MULTI/EXEC. With no IDs it sends XCLAIM with the ID 0-0,
// which claims nothing but applies LastID (and, from Redis 7.2, creates
// the consumer).
func (c *Client) Claim(key string, args instream.ClaimArgs) ([]instream.GroupEntry, error) {
	res, err := c.claim(key, args)
	if err != nil {
		err = wrap(err, "claim in group %q on %q", args.Group, key)
	}
	return res, err
}

func (c *Client) claim(key string, args instream.ClaimArgs) ([]instream.GroupEntry, error) {
	if c.closed() {
		return nil, instream.ErrClosed
	}
	if err := args.Validate(); err != nil {
		return nil, err
	}
	cmds := make([][]any, 0, len(args.IDs)+1)
	for _, id := range args.IDs {
		s := id.String()
		cmds = append(cmds, []any{"XPENDING", key, args.Group, s, s, 1})
	}
	cmds = append(cmds, xclaimArgs(key, args))
	r, err := c.multi(cmds...)
	if err != nil {
		return nil, err
	}
	pend := make(map[instream.ID]instream.PendingEntry, len(args.IDs))
	for _, v := range r[:len(r)-1] {
		ps, err := decodePending(v)
		if err != nil {
			return nil, err
		}
		for _, p := range ps {
			pend[p.ID] = p
		}
	}
	return claimedEntries(r[len(r)-1], args.JustID, pend)
}

// autoClaimChunk bounds the COUNT of one XAUTOCLAIM: Redis 7.0 allocates
// memory for COUNT entries up front, and refuses a large COUNT. Tests
// lower it.
var autoClaimChunk = 1000

// AutoClaim is [instream.Engine.AutoClaim] over XAUTOCLAIM, sent after
// XPENDING from Start in one MULTI/EXEC. A Count of 0 (no limit) or above
// 1000 is served by XAUTOCLAIMs of at most 1000 entries, each from where
// the last ended, until the scan ends or Count is reached: each is
// atomic, the whole is not.
func (c *Client) AutoClaim(key string, args instream.AutoClaimArgs) (instream.AutoClaimResult, error) {
	res, err := c.autoClaim(key, args)
	if err != nil {
		err = wrap(err, "auto claim in group %q on %q", args.Group, key)
	}
	return res, err
}

func (c *Client) autoClaim(key string, args instream.AutoClaimArgs) (instream.AutoClaimResult, error) {
	if c.closed() {
		return instream.AutoClaimResult{}, instream.ErrClosed
	}
	if err := args.Validate(); err != nil {
		return instream.AutoClaimResult{}, err
	}
	res := instream.AutoClaimResult{Claimed: []instream.GroupEntry{}, Deleted: []instream.ID{}}
	start, left := args.Start, args.Count
	for {
		n := autoClaimChunk
		if left > 0 {
			n = min(left, n)
		}
		part, err := c.autoClaimOnce(key, args, start, n)
		if err != nil {
			return instream.AutoClaimResult{}, err
		}
		res.Claimed = append(res.Claimed, part.Claimed...)
		res.Deleted = append(res.Deleted, part.Deleted...)
		res.Next = part.Next
		if left > 0 {
			// Deleted IDs use up COUNT too, as in Redis.
			if left -= len(part.Claimed) + len(part.Deleted); left <= 0 {
				return res, nil
			}
		}
		if res.Next.IsZero() {
			return res, nil
		}
		start = res.Next
	}
}

func (c *Client) autoClaimOnce(key string, a instream.AutoClaimArgs, start instream.ID, count int) (instream.AutoClaimResult, error) {
	pending := []any{"XPENDING", key, a.Group}
	if a.MinIdle > 0 {
		pending = append(pending, "IDLE", ms(a.MinIdle))
	}
	pending = append(pending, start.String(), "+", count)
	claim := []any{"XAUTOCLAIM", key, a.Group, a.Consumer, ms(a.MinIdle), start.String(), "COUNT", count}
	if a.JustID {
		claim = append(claim, "JUSTID")
	}
	r, err := c.multi(pending, claim)
	if err != nil {
		return instream.AutoClaimResult{}, err
	}
	pend, err := pendingByID(r[0])
	if err != nil {
		return instream.AutoClaimResult{}, err
	}
	v := r[1]
	arr, ok := v.([]any)
	if !ok || len(arr) != 3 {
		return instream.AutoClaimResult{}, errReply("XAUTOCLAIM", v)
	}
	var res instream.AutoClaimResult
	if res.Next, err = asID(arr[0]); err != nil {
		return instream.AutoClaimResult{}, err
	}
	if res.Claimed, err = claimedEntries(arr[1], a.JustID, pend); err != nil {
		return instream.AutoClaimResult{}, err
	}
	if res.Deleted, err = decodeIDs(arr[2]); err != nil {
		return instream.AutoClaimResult{}, err
	}
	return res, nil
}
