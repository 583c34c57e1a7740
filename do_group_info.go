package instream

import "errors"

// doXInfoGroups answers XINFO GROUPS key.
func doXInfoGroups(e target, args []string) (any, error) {
	gs, err := e.Groups(args[2])
	if err != nil {
		return nil, infoErr(err)
	}
	out := make([]any, len(gs))
	for i, g := range gs {
		out[i] = []any{
			"name", g.Name,
			"consumers", g.Consumers,
			"pending", g.Pending,
			"last-delivered-id", replyID(g.LastDeliveredID),
			"entries-read", replyEntriesRead(g.EntriesRead),
			"lag", replyLag(g.Lag, g.LagKnown),
		}
	}
	return out, nil
}

func replyEntriesRead(n int64) any {
	if n == entriesReadUnknown {
		return nil
	}
	return n
}

func replyLag(n int64, known bool) any {
	if !known {
		return nil
	}
	return n
}

// infoErr maps a typed error of XINFO to its reply.
func infoErr(err error) error {
	if errors.Is(err, ErrNoStream) {
		return &RedisError{Msg: errNoSuchKey.Msg, Err: err}
	}
	return err
}

// doXInfoConsumers answers XINFO CONSUMERS key group.
func doXInfoConsumers(e target, args []string) (any, error) {
	key, group := args[2], args[3]
	cs, err := e.Consumers(key, group)
	if err != nil {
		if errors.Is(err, ErrNoGroup) {
			return nil, noGroupKey(key, group, err)
		}
		return nil, infoErr(err)
	}
	out := make([]any, len(cs))
	for i, c := range cs {
		inactive := int64(-1)
		if !c.Active.IsZero() {
			inactive = c.Inactive.Milliseconds()
		}
		out[i] = []any{
			"name", c.Name,
			"pending", c.Pending,
			"idle", c.Idle.Milliseconds(),
			"inactive", inactive,
		}
	}
	return out, nil
}

// doXInfoStreamFull answers XINFO STREAM key FULL [COUNT count], count
// already parsed (0 means all).
func doXInfoStreamFull(e target, key string, count int) (any, error) {
	info, err := e.InfoFull(key, count)
	if err != nil {
		return nil, infoErr(err)
	}
	groups := make([]any, len(info.Groups))
	for i, g := range info.Groups {
		pel := make([]any, len(g.PendingEntries))
		for j, p := range g.PendingEntries {
			delivered := int64(0) // a nacked entry's (Redis 8.8)
			if !p.Nacked {
				delivered = p.Delivered.UnixMilli()
			}
			pel[j] = []any{replyID(p.ID), p.Consumer, delivered, p.Deliveries}
		}
		cs := make([]any, len(g.ConsumerList))
		for j, c := range g.ConsumerList {
			cpel := make([]any, len(c.PendingEntries))
			for k, p := range c.PendingEntries {
				cpel[k] = []any{replyID(p.ID), p.Delivered.UnixMilli(), p.Deliveries}
			}
			active := int64(-1)
			if !c.Active.IsZero() {
				active = c.Active.UnixMilli()
			}
			cs[j] = []any{
				"name", c.Name,
				"seen-time", c.Seen.UnixMilli(),
				"active-time", active,
				"pel-count", c.Pending,
				"pending", cpel,
			}
		}
		groups[i] = []any{
			"name", g.Name,
			"last-delivered-id", replyID(g.LastDeliveredID),
			"entries-read", replyEntriesRead(g.EntriesRead),
			"lag", replyLag(g.Lag, g.LagKnown),
			"pel-count", g.Pending,
			"pending", pel,
			"consumers", cs,
			"nacked-count", g.Nacked,
		}
	}
	return append(replyStreamCounters(info.StreamInfo),
		"entries", replyEntries(info.Entries),
		"groups", groups,
	), nil
}
