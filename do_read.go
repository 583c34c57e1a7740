package instream

import (
	"context"
	"errors"
	"math"
	"strings"
	"time"
)

var (
	errMissingGroup = replyErr("ERR Missing GROUP option for XREADGROUP")
	errUnbalancedRG = replyErr("ERR Unbalanced 'xreadgroup' list of streams: for each stream key an ID or '>' must be specified.")
	errDollarRG     = replyErr("ERR The $ ID is meaningless in the context of XREADGROUP: you want to read the history of this consumer by specifying a proper ID, or use the > ID to get new messages. The $ ID would just return an empty result set.")
	errPlusRG       = replyErr("ERR The + ID is meaningless in the context of XREADGROUP: you want to read the history of this consumer by specifying a proper ID, or use the > ID to get new messages. The + ID would just return an empty result set.")
	errTimeoutInt   = replyErr("ERR timeout is not an integer or out of range")
	errTimeoutNeg   = replyErr("ERR timeout is negative")
	errTimeoutRange = replyErr("ERR timeout is out of range")

	// CLAIM (8.4). Only the prefixes of these texts are known; the
	// engine ends them there.
	errMinIdleInt = replyErr("ERR min-idle-time is not an integer")
	errMinIdleNeg = replyErr("ERR min-idle-time must be a positive integer")
)

// readGroupCmd is a parsed XREADGROUP.
type readGroupCmd struct {
	args    ReadGroupArgs
	block   bool  // BLOCK was given
	blockMs int64 // its timeout; 0 waits forever
	// badID is the index of the first stream whose ID did not parse, and
	// idErr its error; -1 if none. Redis checks each stream's group before
	// its ID, so which error wins depends on the keyspace.
	badID int
	idErr error
}

// parseReadGroup parses XREADGROUP's arguments as Redis does.
func parseReadGroup(args []string, now int64) (readGroupCmd, error) {
	cmd := readGroupCmd{badID: -1, args: ReadGroupArgs{anyName: true}}
	haveGroup := false
	streamsAt := 0
	for i := 1; i < len(args) && streamsAt == 0; i++ {
		more := len(args) - i - 1
		switch opt := strings.ToLower(args[i]); {
		case opt == "block" && more > 0:
			i++
			ms, err := parseTimeoutMs(args[i], now)
			if err != nil {
				return cmd, err
			}
			cmd.block, cmd.blockMs = true, ms
		case opt == "count" && more > 0:
			i++
			n, ok := parseInt(args[i])
			if !ok {
				return cmd, errNotInt
			}
			cmd.args.Count = int(min(max(n, 0), math.MaxInt))
		case opt == "streams" && more > 0:
			if more%2 != 0 {
				return cmd, errUnbalancedRG
			}
			streamsAt = i + 1
		case opt == "group" && more >= 2:
			cmd.args.Group, cmd.args.Consumer = args[i+1], args[i+2]
			haveGroup = true
			i += 2
		case opt == "noack":
			cmd.args.NoAck = true
		case opt == "maxcount" && more > 0:
			i++
			n, err := parseCap(args[i], errMaxCount)
			if err != nil {
				return cmd, err
			}
			cmd.args.MaxCount = n
		case opt == "maxsize" && more > 0:
			i++
			n, err := parseCap(args[i], errMaxSize)
			if err != nil {
				return cmd, err
			}
			cmd.args.MaxSize = n
		case opt == "claim" && more > 0:
			// Anywhere among the options; a repeated CLAIM wins.
			i++
			ms, ok := parseInt(args[i])
			switch {
			case !ok:
				return cmd, errMinIdleInt
			case ms < 0:
				return cmd, errMinIdleNeg
			}
			cmd.args.Claim = true
			cmd.args.MinIdle = time.Duration(min(ms, math.MaxInt64/int64(time.Millisecond))) * time.Millisecond
		default:
			return cmd, errSyntax
		}
	}
	if streamsAt == 0 {
		return cmd, errSyntax
	}
	if !haveGroup {
		return cmd, errMissingGroup
	}
	if err := checkCapsDo(cmd.args.Count, cmd.args.MaxCount); err != nil {
		return cmd, err
	}
	n := (len(args) - streamsAt) / 2
	cmd.args.Streams = make([]GroupStream, n)
	for i := range n {
		st := GroupStream{Key: args[streamsAt+i]}
		switch s := args[streamsAt+n+i]; s {
		case ">":
		case "$":
			cmd.setBadID(i, errDollarRG)
		case "+":
			cmd.setBadID(i, errPlusRG)
		default:
			id, ok := parseIDArg(s, true, 0)
			if !ok {
				cmd.setBadID(i, errInvalidID)
			}
			// Redis marks ">" as the greatest ID, so that ID means ">".
			if id != MaxID {
				st.History, st.After = true, id
			}
		}
		cmd.args.Streams[i] = st
	}
	return cmd, nil
}

func (c *readGroupCmd) setBadID(i int, err error) {
	if c.badID < 0 {
		c.badID, c.idErr = i, err
	}
}

// parseTimeoutMs parses a BLOCK timeout in milliseconds. now is the time
// in Unix ms: Redis refuses a timeout that would overflow when added to it.
// It is the wall clock, which also runs the timeout, whatever the engine's
// clock says.
func parseTimeoutMs(s string, now int64) (int64, error) {
	ms, ok := parseInt(s)
	switch {
	case !ok:
		return 0, errTimeoutInt
	case ms < 0:
		return 0, errTimeoutNeg
	case ms > 0 && ms > math.MaxInt64-now:
		return 0, errTimeoutRange
	}
	return ms, nil
}

// noGroupRG is XREADGROUP's NOGROUP reply for one stream.
func noGroupRG(key, group string, err error) error {
	return &RedisError{Msg: replyErr("NOGROUP No such key '" + cstr(key) + "' or consumer group '" + cstr(group) +
		"' in XREADGROUP with GROUP option").Msg, Err: err}
}

// cstr cuts s at its first NUL byte, as C formatting of a name does.
func cstr(s string) string {
	if i := strings.IndexByte(s, 0); i >= 0 {
		return s[:i]
	}
	return s
}

func doXReadGroup(e target, ctx context.Context, args []string, w ReplyWriter) error {
	cmd, err := parseReadGroup(args, time.Now().UnixMilli())
	if err != nil {
		return err
	}
	if cmd.badID >= 0 {
		// The first stream (up to the bad one) without its group wins.
		for _, st := range cmd.args.Streams[:cmd.badID+1] {
			if _, groupOK, err := groupState(e, st.Key, cmd.args.Group); err != nil {
				return err
			} else if !groupOK {
				return noGroupRG(st.Key, cmd.args.Group, ErrNoGroup)
			}
		}
		return cmd.idErr
	}
	// BLOCK waits only if a first pass, which no deadline can cut short,
	// finds nothing.
	res, err := e.TryReadGroup(cmd.args)
	if err == nil && res == nil && cmd.block {
		bctx, cancel := blockContext(ctx, cmd.blockMs)
		res, err = e.ReadGroup(bctx, cmd.args)
		cancel()
		if err != nil && blockTimedOut(ctx, err) {
			w.WriteValue(nil)
			return nil
		}
	}
	if err != nil {
		var ge *GroupError
		if errors.As(err, &ge) {
			return noGroupRG(ge.Key, ge.Group, err)
		}
		return err
	}
	switch {
	case res == nil:
		w.WriteValue(nil)
	case res[0].Claim:
		w.WriteValue(replyGroupEntries(res))
	default:
		w.WriteGroupEntries(res)
	}
	return nil
}

// replyGroupEntries formats a group read: nil, or [[key, [entry...]]...]
// where a deleted history entry is [id, nil] and, in claim mode, every
// entry is [id, fields, idle-ms, delivery-count] (8.4).
func replyGroupEntries(res []GroupEntries) any {
	if res == nil {
		return nil
	}
	out := make([]any, len(res))
	for i, ge := range res {
		ens := make([]any, len(ge.Entries))
		for j, en := range ge.Entries {
			switch {
			case en.Deleted:
				ens[j] = []any{en.ID.String(), nil}
			case ge.Claim:
				r := replyEntry(en.Entry)
				ens[j] = append(r, replyIdle(en.Idle, en.Nacked), en.Deliveries)
			default:
				ens[j] = replyEntry(en.Entry)
			}
		}
		out[i] = []any{ge.Key, ens}
	}
	return out
}
