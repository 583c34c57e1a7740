package instream

import (
	"context"
	"errors"
	"slices"
	"strings"
)

// Error texts of XDELEX and XACKDEL (Redis 8.2).
var (
	errNumIDs      = replyErr("ERR Number of IDs must be a positive integer")
	errNumIDsMatch = replyErr("ERR The `numids` parameter must match the number of arguments")
)

// parseDeleteEx parses the options of XDELEX and XACKDEL after the key
// (and group): [KEEPREF|DELREF|ACKED] IDS numids id ..., in any order.
// Tokens after the ID block are options again, so surplus IDs are a
// syntax error. A missing IDS block is a syntax error too; with the
// commands' arities it cannot happen without a duplicate or unknown
// option first, which is one already (Redis's own text is unknown).
func parseDeleteEx(args []string) (RefPolicy, []ID, error) {
	refs := KeepRef
	haveRefs := false
	var ids []ID
	haveIDs := false
	for i := 0; i < len(args); i++ {
		switch opt := strings.ToLower(args[i]); opt {
		case "keepref", "delref", "acked":
			if haveRefs {
				return 0, nil, errSyntax
			}
			haveRefs = true
			refs = KeepRef
			if opt == "delref" {
				refs = DelRef
			} else if opt == "acked" {
				refs = Acked
			}
		case "ids":
			if haveIDs || i+1 >= len(args) {
				return 0, nil, errSyntax
			}
			n, ok := parseInt(args[i+1])
			if !ok || n <= 0 {
				return 0, nil, errNumIDs
			}
			i += 2
			if n > int64(len(args)-i) {
				return 0, nil, errNumIDsMatch
			}
			ids = make([]ID, n)
			for j := range ids {
				id, ok := parseIDArg(args[i+j], true, 0)
				if !ok {
					return 0, nil, errInvalidID
				}
				ids[j] = id
			}
			i += int(n) - 1
			haveIDs = true
		default:
			return 0, nil, errSyntax
		}
	}
	if !haveIDs {
		return 0, nil, errSyntax
	}
	return refs, ids, nil
}

// replyDeleteResults formats XDELEX and XACKDEL replies: one integer per ID.
func replyDeleteResults(res []DeleteResult, err error) (any, error) {
	if err != nil {
		return nil, err
	}
	out := make([]any, len(res))
	for i, r := range res {
		out[i] = int64(r)
	}
	return out, nil
}

// doXDelEx: XDELEX key [KEEPREF|DELREF|ACKED] IDS numids id [id ...]
func doXDelEx(e target, _ context.Context, args []string) (any, error) {
	refs, ids, err := parseDeleteEx(args[2:])
	if err != nil {
		return nil, err
	}
	return replyDeleteResults(e.DeleteEntriesEx(args[1], refs, ids...))
}

// doXAckDel: XACKDEL key group [KEEPREF|DELREF|ACKED] IDS numids id [id ...]
func doXAckDel(e target, _ context.Context, args []string) (any, error) {
	refs, ids, err := parseDeleteEx(args[3:])
	if err != nil {
		return nil, err
	}
	res, err := e.AckDelete(args[1], args[2], refs, ids...)
	if errors.Is(err, ErrNoGroup) {
		// A missing key or group finds nothing to acknowledge or delete.
		res, err = slices.Repeat([]DeleteResult{EntryNotFound}, len(ids)), nil
	}
	return replyDeleteResults(res, err)
}
