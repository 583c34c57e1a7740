package instream

import (
	"context"
	"strings"
	"time"
)

// Error texts of XNACK (Redis 8.8). Only the mode's is known from Redis;
// the others follow XCLAIM's and XDELEX's.
var (
	errNackMode       = replyErr("ERR mode must be SILENT, FAIL, or FATAL")
	errNackRetryCount = replyErr("ERR Invalid RETRYCOUNT option argument for XNACK")
)

// doXNack: XNACK key group <SILENT|FAIL|FATAL> IDS numids id [id ...]
// [RETRYCOUNT count] [FORCE]. After the mode, the IDS block and the
// options come in any order; all the arguments are checked before the
// group is looked up.
func doXNack(e target, _ context.Context, args []string) (any, error) {
	key, group := args[1], args[2]
	na := NackArgs{Group: group}
	switch strings.ToLower(args[3]) {
	case "silent":
		na.Mode = NackSilent
	case "fail":
		na.Mode = NackFail
	case "fatal":
		na.Mode = NackFatal
	default:
		return nil, errNackMode
	}
	if err := parseNack(args[4:], &na); err != nil {
		return nil, err
	}
	n, err := e.Nack(key, na)
	if err != nil {
		return nil, pelErr(key, group, err)
	}
	return n, nil
}

// parseNack parses XNACK's arguments after the mode into na. A second
// IDS block, surplus IDs and a missing IDS block are syntax errors, as
// for XDELEX; a repeated RETRYCOUNT wins.
func parseNack(args []string, na *NackArgs) error {
	haveIDs := false
	for i := 0; i < len(args); i++ {
		more := i+1 < len(args)
		switch opt := strings.ToLower(args[i]); {
		case opt == "ids" && more && !haveIDs:
			n, ok := parseInt(args[i+1])
			if !ok || n <= 0 {
				return errNumIDs
			}
			i += 2
			if n > int64(len(args)-i) {
				return errNumIDsMatch
			}
			na.IDs = make([]ID, n)
			for j := range na.IDs {
				id, ok := parseIDArg(args[i+j], true, 0)
				if !ok {
					return errInvalidID
				}
				na.IDs[j] = id
			}
			i += int(n) - 1
			haveIDs = true
		case opt == "retrycount" && more:
			i++
			n, ok := parseInt(args[i])
			switch {
			case !ok:
				return errNotInt
			case n < 0:
				return errNackRetryCount
			}
			na.RetryCount = &n
		case opt == "force":
			na.Force = true
		default:
			return errSyntax
		}
	}
	if !haveIDs {
		return errSyntax
	}
	return nil
}

// replyIdle formats an idle time in ms: -1 for a nacked entry, which has
// no delivery time (Redis 8.8).
func replyIdle(idle time.Duration, nacked bool) int64 {
	if nacked {
		return -1
	}
	return idle.Milliseconds()
}
