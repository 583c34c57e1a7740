package instream

import (
	"context"
	"errors"
	"strings"
	"time"
)

// Error texts of idempotent production (Redis 8.6: XADD IDMP and
// IDMPAUTO, XCFGSET, XIDMPRECORD), all in one table. No 8.6 server was at
// hand: the XADD lines and XCFGSET's syntax, integer and no-such-key
// lines are Redis's as its tests match them; the rest are the engine's
// choice where Redis's tests only match a prefix (marked "prefix") or
// nothing was observed (marked "chosen"). Correct them here once a real
// server can be asked.
var (
	errIDMPExplicitID = replyErr("ERR IDMP/IDMPAUTO can be used only with auto-generated IDs")
	errIDMPTwice      = replyErr("ERR IDMP/IDMPAUTO specified multiple times")
	errIDMPNoPID      = replyErr("ERR IDMP requires a non-empty producer ID")
	errIDMPNoIID      = replyErr("ERR IDMP requires a non-empty idempotent ID")
	errIDMPAutoNoPID  = replyErr("ERR IDMPAUTO requires a non-empty producer ID")
	msgIDMPHash       = "ERR Failed to create idempotency hash"

	errCfgNoParam    = replyErr("ERR At least one parameter must be specified")                              // prefix
	errCfgDuration   = replyErr("ERR IDMP-DURATION must be between 1 and 86400")                             // prefix
	errCfgMaxSize    = replyErr("ERR IDMP-MAXSIZE must be between 1 and 10000")                              // prefix
	errRecordNoPID   = replyErr("ERR IDMP requires a non-empty producer ID")                                 // chosen
	errRecordNoIID   = replyErr("ERR IDMP requires a non-empty idempotent ID")                               // chosen
	msgRecordNoEntry = "ERR The specified stream ID was deleted or doesn't exist"                            // chosen
	msgRecordClash   = "ERR The specified IDMP producer-id/idempotent-id pair maps to a different stream ID" // chosen
)

// parseIDMP parses IDMP's or IDMPAUTO's arguments at args[i] (the
// keyword) and returns the index of the last one it used.
func (o *trimOptions) parseIDMP(args []string, i int, auto bool) (int, error) {
	if o.idmpGiven {
		return i, errIDMPTwice
	}
	o.idmpGiven, o.producer, o.autoIID = true, args[i+1], auto
	if auto {
		if o.producer == "" {
			return i, errIDMPAutoNoPID
		}
		return i + 1, nil
	}
	o.iid = args[i+2]
	switch {
	case o.producer == "":
		return i, errIDMPNoPID
	case o.iid == "":
		return i, errIDMPNoIID
	}
	return i + 2, nil
}

// mapIDMPErr turns a typed-API error of an idempotent XADD into its reply.
func mapIDMPErr(err error) error {
	if errors.Is(err, ErrIdempotencyHash) {
		return &RedisError{Msg: msgIDMPHash, Err: err}
	}
	return mapStreamErr(err)
}

// doXCfgSet: XCFGSET key [IDMP-DURATION duration] [IDMP-MAXSIZE maxsize]
//
// Every argument is checked before the key is looked up; a parameter
// given twice takes its last value.
func doXCfgSet(e target, _ context.Context, args []string) (any, error) {
	var ca ConfigArgs
	for i := 2; i < len(args); i += 2 {
		opt := strings.ToLower(args[i])
		if (opt != "idmp-duration" && opt != "idmp-maxsize") || i+1 == len(args) {
			return nil, errSyntax
		}
		n, ok := parseInt(args[i+1])
		if !ok {
			return nil, errNotInt
		}
		if opt == "idmp-duration" {
			if n < 1 || n > idmpMaxDuration {
				return nil, errCfgDuration
			}
			ca.IdempotencyDuration = time.Duration(n) * time.Second
		} else {
			if n < 1 || n > idmpMaxMaxSize {
				return nil, errCfgMaxSize
			}
			ca.IdempotencyMaxSize = n
		}
	}
	if ca == (ConfigArgs{}) {
		return nil, errCfgNoParam
	}
	if err := e.SetConfig(args[1], ca); err != nil {
		return nil, mapStreamErr(err)
	}
	return replyOK, nil
}

// doXIdmpRecord: XIDMPRECORD key pid iid stream-id
//
// A missing key is reported before any other error.
func doXIdmpRecord(e target, _ context.Context, args []string) (any, error) {
	rec := IdempotencyRecord{Producer: args[2], IdempotencyID: args[3]}
	var argErr error
	var ok bool
	switch rec.ID, ok = parseIDArg(args[4], true, 0); {
	case rec.Producer == "":
		argErr = errRecordNoPID
	case rec.IdempotencyID == "":
		argErr = errRecordNoIID
	case !ok:
		argErr = errInvalidID
	case rec.ID.IsZero(): // never an entry's ID
		argErr = replyErr(msgRecordNoEntry)
	}
	if argErr != nil {
		if n, err := e.Exists(args[1]); err != nil {
			return nil, err
		} else if n == 0 {
			return nil, errNoSuchKey
		}
		return nil, argErr
	}
	err := e.RecordIdempotency(args[1], rec)
	switch {
	case err == nil:
		return replyOK, nil
	case errors.Is(err, ErrNoEntry):
		return nil, &RedisError{Msg: msgRecordNoEntry, Err: err}
	case errors.Is(err, ErrIdempotencyConflict):
		return nil, &RedisError{Msg: msgRecordClash, Err: err}
	}
	return nil, mapStreamErr(err)
}
