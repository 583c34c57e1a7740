package instream

import (
	"context"
	"errors"
	"math"
	"strconv"
	"strings"
	"time"
)

var (
	errXGroupNoKey = replyErr("ERR The XGROUP subcommand requires the key to exist. Note that for CREATE you may want to use the MKSTREAM option to create an empty stream automatically.")
	errBusyGroup   = replyErr("BUSYGROUP Consumer Group name already exists")
	errEntriesRead = replyErr("ERR value for ENTRIESREAD must be positive or -1")
)

// xgroupHelp is XGROUP HELP's reply (7.2+ footer).
var xgroupHelp = []string{
	"XGROUP <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
	"CREATE <key> <groupname> <id|$> [option]",
	"    Create a new consumer group. Options are:",
	"    * MKSTREAM",
	"      Create the empty stream if it does not exist.",
	"    * ENTRIESREAD entries_read",
	"      Set the group's entries_read counter (internal use).",
	"CREATECONSUMER <key> <groupname> <consumer>",
	"    Create a new consumer in the specified group.",
	"DELCONSUMER <key> <groupname> <consumer>",
	"    Remove the specified consumer.",
	"DESTROY <key> <groupname>",
	"    Remove the specified group.",
	"SETID <key> <groupname> <id|$> [ENTRIESREAD entries_read]",
	"    Set the current group ID and entries_read counter.",
	"HELP",
	"    Print this help.",
}

// xgroupArity holds the XGROUP subcommands' arities, as in Redis's table.
var xgroupArity = map[string]int{
	"create": -5, "setid": -5, "destroy": 4, "createconsumer": 5, "delconsumer": 5, "help": 2,
}

// noGroupKey is the NOGROUP reply of XGROUP and XINFO CONSUMERS.
func noGroupKey(key, group string, err error) error {
	return &RedisError{Msg: replyErr("NOGROUP No such consumer group '" + cstr(group) + "' for key name '" + cstr(key) + "'").Msg, Err: err}
}

// noGroupPEL is the NOGROUP reply of XPENDING, XCLAIM and XAUTOCLAIM.
func noGroupPEL(key, group string, err error) error {
	return &RedisError{Msg: replyErr("NOGROUP No such key '" + cstr(key) + "' or consumer group '" + cstr(group) + "'").Msg, Err: err}
}

// entriesReadUnknown is the EntriesRead of a group whose entries-read
// counter is unknown (GroupArgs, GroupInfo).
const entriesReadUnknown = -1

// groupState reports whether the stream named key exists and has group;
// err is any other error, such as ErrClosed.
func groupState(e target, key, group string) (streamOK, groupOK bool, err error) {
	_, err = e.Group(key, group)
	switch {
	case err == nil:
		return true, true, nil
	case errors.Is(err, ErrNoGroup):
		return true, false, nil
	case errors.Is(err, ErrNoStream):
		return false, false, nil
	}
	return false, false, err
}

func doXGroup(e target, ctx context.Context, args []string) (any, error) {
	sub := strings.ToLower(args[1])
	arity, ok := xgroupArity[sub]
	if !ok {
		return nil, unknownSubcommand(args[1], "XGROUP")
	}
	if (arity > 0 && len(args) != arity) || len(args) < -arity {
		return nil, wrongArity("xgroup|" + sub)
	}
	if sub == "help" {
		return helpReply(xgroupHelp), nil
	}
	subErr := subcommandSyntax(args[1], "XGROUP")
	key, group := args[2], args[3]
	ga := GroupArgs{Group: group}
	if sub == "create" || sub == "setid" {
		for i := 5; i < len(args); i++ {
			switch opt := strings.ToLower(args[i]); {
			case opt == "mkstream" && sub == "create":
				ga.MkStream = true
			case opt == "entriesread" && i+1 < len(args):
				n, ok := parseInt(args[i+1])
				if !ok {
					return nil, errNotInt
				}
				if n < 0 && n != entriesReadUnknown {
					return nil, errEntriesRead
				}
				ga.EntriesRead = &n
				i++
			default:
				return nil, subErr
			}
		}
	}
	// Redis checks the key and group before the argument count and the ID.
	var argErr error
	switch sub {
	case "create":
		if len(args) > 8 {
			argErr = subErr
		}
	case "setid":
		if len(args) != 5 && len(args) != 7 {
			argErr = subErr
		}
	}
	if argErr == nil && (sub == "create" || sub == "setid") {
		var ok bool
		if args[4] == "$" {
			ga.FromEnd = true
		} else if ga.ID, ok = parseIDArg(args[4], sub == "create", 0); !ok {
			argErr = errInvalidID
		}
	}
	if argErr != nil {
		streamOK, groupOK, err := groupState(e, key, group)
		switch {
		case err != nil:
			return nil, err
		case !streamOK && !ga.MkStream:
			return nil, errXGroupNoKey
		case !groupOK && sub == "setid":
			return nil, noGroupKey(key, group, ErrNoGroup)
		}
		return nil, argErr
	}
	var reply any
	var err error
	switch sub {
	case "create":
		err, reply = e.CreateGroup(key, ga), replyOK
	case "setid":
		err, reply = e.SetGroupID(key, ga), replyOK
	case "destroy":
		var ok bool
		ok, err = e.DestroyGroup(key, group)
		reply = boolInt(ok)
	case "createconsumer":
		var ok bool
		ok, err = e.CreateConsumer(key, ConsumerArgs{Group: group, Consumer: args[4], anyName: true})
		reply = boolInt(ok)
	case "delconsumer":
		var n int64
		n, err = e.DeleteConsumer(key, ConsumerArgs{Group: group, Consumer: args[4], anyName: true})
		reply = n
	}
	switch {
	case err == nil:
		return reply, nil
	case errors.Is(err, ErrNoStream):
		return nil, &RedisError{Msg: errXGroupNoKey.Msg, Err: err}
	case errors.Is(err, ErrNoGroup):
		return nil, noGroupKey(key, group, err)
	case errors.Is(err, ErrGroupExists):
		return nil, &RedisError{Msg: errBusyGroup.Msg, Err: err}
	}
	return nil, err
}

func boolInt(b bool) int64 {
	if b {
		return 1
	}
	return 0
}

func doXAck(e target, ctx context.Context, args []string) (any, error) {
	key, group := args[1], args[2]
	ids := make([]ID, len(args)-3)
	for i, a := range args[3:] {
		id, ok := parseIDArg(a, true, 0)
		if !ok {
			// A missing key or group acknowledges nothing, before any ID
			// is looked at.
			if _, groupOK, err := groupState(e, key, group); err != nil {
				return nil, err
			} else if !groupOK {
				return int64(0), nil
			}
			return nil, errInvalidID
		}
		ids[i] = id
	}
	n, err := e.Ack(key, group, ids...)
	if errors.Is(err, ErrNoGroup) {
		return int64(0), nil // a missing key or group acknowledges nothing
	}
	return intReply(n, err)
}

func doXPending(e target, ctx context.Context, args []string) (any, error) {
	key, group := args[1], args[2]
	if len(args) != 3 && (len(args) < 6 || len(args) > 9) {
		return nil, errSyntax
	}
	if len(args) == 3 {
		sum, err := e.PendingSummary(key, group)
		if err != nil {
			return nil, pelErr(key, group, err)
		}
		if sum.Count == 0 {
			return []any{int64(0), nil, nil, nil}, nil
		}
		cs := make([]any, len(sum.Consumers))
		for i, c := range sum.Consumers {
			cs[i] = []any{c.Name, strconv.FormatInt(c.Count, 10)}
		}
		return []any{sum.Count, replyID(sum.Lowest), replyID(sum.Highest), cs}, nil
	}
	pa := PendingArgs{Group: group}
	at := 3
	if strings.EqualFold(args[3], "idle") {
		ms, ok := parseInt(args[4])
		if !ok {
			return nil, errNotInt
		}
		if len(args) < 8 {
			return nil, errSyntax
		}
		pa.MinIdle = msDuration(max(ms, 0)) // a negative IDLE filters nothing
		at = 5
	}
	count, ok := parseInt(args[at+2])
	if !ok {
		return nil, errNotInt
	}
	pa.Count = int(min(max(count, 0), math.MaxInt))
	var err error
	if pa.Start, err = parseRangeStart(args[at]); err != nil {
		return nil, err
	}
	if pa.End, err = parseRangeEnd(args[at+1]); err != nil {
		return nil, err
	}
	if at+3 < len(args) {
		pa.Consumer, pa.ByConsumer = args[at+3], true
	}
	// COUNT 0 and ranges that hold nothing answer an empty array, but
	// not with the typed API: there, 0 means no limit and a zero End
	// MaxID, and a range given backwards is an error.
	if pa.Count == 0 || pa.End.IsZero() || pa.End.Less(pa.Start) {
		if _, err := e.PendingSummary(key, group); err != nil {
			return nil, pelErr(key, group, err)
		}
		return []any{}, nil
	}
	list, err := e.Pending(key, pa)
	if err != nil {
		return nil, pelErr(key, group, err)
	}
	out := make([]any, len(list))
	for i, p := range list {
		out[i] = []any{replyID(p.ID), p.Consumer, replyIdle(p.Idle, p.Nacked), p.Deliveries}
	}
	return out, nil
}

// pelErr maps a typed error of a pending-list command to its reply.
func pelErr(key, group string, err error) error {
	if errors.Is(err, ErrNoGroup) {
		return noGroupPEL(key, group, err)
	}
	return err
}

func doXClaim(e target, ctx context.Context, args []string) (any, error) {
	key, group := args[1], args[2]
	ca := ClaimArgs{Group: group, Consumer: args[3], anyName: true}
	err := parseClaim(args, &ca)
	if err != nil {
		// Redis looks the group up before parsing anything.
		if _, groupOK, err := groupState(e, key, group); err != nil {
			return nil, err
		} else if !groupOK {
			return nil, noGroupPEL(key, group, ErrNoGroup)
		}
		return nil, err
	}
	ens, err := e.Claim(key, ca)
	if err != nil {
		return nil, pelErr(key, group, err)
	}
	return replyClaimed(ens, ca.JustID), nil
}

// parseClaim parses XCLAIM's min-idle-time, IDs and options.
func parseClaim(args []string, ca *ClaimArgs) error {
	minIdle, ok := parseInt(args[4])
	if !ok {
		return replyErr("ERR Invalid min-idle-time argument for XCLAIM")
	}
	ca.MinIdle = msDuration(max(minIdle, 0))
	j := 5
	for ; j < len(args); j++ {
		id, ok := parseIDArg(args[j], true, 0)
		if !ok {
			break
		}
		ca.IDs = append(ca.IDs, id)
	}
	for ; j < len(args); j++ {
		more := j+1 < len(args)
		switch opt := strings.ToLower(args[j]); {
		case opt == "force":
			ca.Force = true
		case opt == "justid":
			ca.JustID = true
		case opt == "idle" && more:
			j++
			ms, ok := parseInt(args[j])
			if !ok {
				return replyErr("ERR Invalid IDLE option argument for XCLAIM")
			}
			// A negative IDLE is a time in the future, which becomes now.
			ca.Idle, ca.Time = msDuration(max(ms, 0)), time.Time{}
		case opt == "time" && more:
			j++
			ms, ok := parseInt(args[j])
			if !ok {
				return replyErr("ERR Invalid TIME option argument for XCLAIM")
			}
			ca.Idle, ca.Time = 0, time.UnixMilli(ms)
		case opt == "retrycount" && more:
			j++
			n, ok := parseInt(args[j])
			if !ok {
				return replyErr("ERR Invalid RETRYCOUNT option argument for XCLAIM")
			}
			ca.RetryCount = nil
			if n >= 0 { // a negative count is no RETRYCOUNT
				ca.RetryCount = &n
			}
		case opt == "lastid" && more:
			j++
			id, ok := parseIDArg(args[j], true, 0)
			if !ok {
				return errInvalidID
			}
			ca.LastID = id
		default:
			return replyErr("ERR Unrecognized XCLAIM option '" + cstr(args[j]) + "'")
		}
	}
	return nil
}

func replyClaimed(ens []GroupEntry, justID bool) []any {
	out := make([]any, len(ens))
	for i, en := range ens {
		if justID {
			out[i] = replyID(en.ID)
		} else {
			out[i] = replyEntry(en.Entry)
		}
	}
	return out
}

// maxAutoClaimCount is Redis's bound on XAUTOCLAIM's COUNT (LONG_MAX/16).
const maxAutoClaimCount = math.MaxInt64 / 16

func doXAutoClaim(e target, ctx context.Context, args []string) (any, error) {
	key, group := args[1], args[2]
	aa := AutoClaimArgs{Group: group, Consumer: args[3], Count: 100, anyName: true}
	minIdle, ok := parseInt(args[4])
	if !ok {
		return nil, replyErr("ERR Invalid min-idle-time argument for XAUTOCLAIM")
	}
	aa.MinIdle = msDuration(max(minIdle, 0))
	var err error
	if aa.Start, err = parseRangeStart(args[5]); err != nil {
		return nil, err
	}
	for j := 6; j < len(args); j++ {
		switch opt := strings.ToLower(args[j]); {
		case opt == "count" && j+1 < len(args):
			n, ok := parseInt(args[j+1])
			if !ok || n < 1 || n > maxAutoClaimCount || n > math.MaxInt/10 {
				return nil, replyErr("ERR COUNT must be > 0")
			}
			aa.Count = int(n)
			j++
		case opt == "justid":
			aa.JustID = true
		default:
			return nil, errSyntax
		}
	}
	res, err := e.AutoClaim(key, aa)
	if err != nil {
		return nil, pelErr(key, group, err)
	}
	deleted := make([]any, len(res.Deleted))
	for i, id := range res.Deleted {
		deleted[i] = replyID(id)
	}
	return []any{replyID(res.Next), replyClaimed(res.Claimed, aa.JustID), deleted}, nil
}
