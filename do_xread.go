package instream

import (
	"context"
	"errors"
	"math"
	"strings"
	"time"
)

// Error texts of XREAD (BLOCK's are in do_read.go).
var (
	errXReadUnbalanced = replyErr("ERR Unbalanced 'xread' list of streams: for each stream key an ID, '+', or '$' must be specified.")
	errXReadGroupOpt   = replyErr("ERR The GROUP option is only supported by XREADGROUP. You called XREAD instead.")
	errXReadNoAck      = replyErr("ERR The NOACK option is only supported by XREADGROUP. You called XREAD instead.")
	// The spec confirms only the prefix "ERR The CLAIM option is only
	// supported"; the rest follows GROUP's and NOACK's texts.
	errXReadClaim = replyErr("ERR The CLAIM option is only supported by XREADGROUP. You called XREAD instead.")
	errXReadGT    = replyErr("ERR The > ID can be specified only when calling XREADGROUP using the GROUP <group> <consumer> option.")
)

// blockTimedOut reports whether err ends a BLOCK call on its own deadline
// (a nil reply), rather than on the caller's ctx.
func blockTimedOut(ctx context.Context, err error) bool {
	return errors.Is(err, context.DeadlineExceeded) && ctx.Err() == nil
}

// blockContext bounds ctx by a BLOCK timeout of ms milliseconds; 0
// waits for ever. A timeout beyond what a Duration holds (292 years) is
// for ever too.
func blockContext(ctx context.Context, ms int64) (context.Context, context.CancelFunc) {
	if ctx == nil || ms <= 0 || ms > math.MaxInt64/int64(time.Millisecond) {
		// Read and ReadGroup refuse a nil ctx with an error.
		return ctx, func() {}
	}
	return context.WithTimeout(ctx, time.Duration(ms)*time.Millisecond)
}

// resolveNew sets each "$" stream to read after the stream's last
// generated ID now (0-0 for a missing stream).
func resolveNew(e target, streams []ReadStream) error {
	for i, rs := range streams {
		if !rs.New {
			continue
		}
		info, err := e.Info(rs.Key)
		switch {
		case err == nil:
			rs.After = info.LastGeneratedID
		case errors.Is(err, ErrNoStream):
			rs.After = ID{}
		default:
			return err
		}
		rs.New = false
		streams[i] = rs
	}
	return nil
}

// doXRead runs XREAD [COUNT count] [BLOCK ms] STREAMS key ... id ....
func doXRead(e target, ctx context.Context, args []string, w ReplyWriter) error {
	var count int64
	var maxCount, maxSize int
	block := int64(-1)
	streams := 0
opts:
	for i := 1; i < len(args); i++ {
		more := len(args) - i - 1
		switch o := args[i]; {
		case strings.EqualFold(o, "block") && more > 0:
			i++
			ms, err := parseTimeoutMs(args[i], time.Now().UnixMilli())
			if err != nil {
				return err
			}
			block = ms
		case strings.EqualFold(o, "count") && more > 0:
			i++
			n, ok := parseInt(args[i])
			if !ok {
				return errNotInt
			}
			count = max(n, 0)
		case strings.EqualFold(o, "streams") && more > 0:
			streams = i + 1
			if (len(args)-streams)%2 != 0 {
				return errXReadUnbalanced
			}
			break opts
		case strings.EqualFold(o, "group") && more >= 2:
			return errXReadGroupOpt
		case strings.EqualFold(o, "noack"):
			return errXReadNoAck
		case strings.EqualFold(o, "claim") && more > 0:
			return errXReadClaim
		case strings.EqualFold(o, "maxcount") && more > 0:
			i++
			var err error
			if maxCount, err = parseCap(args[i], errMaxCount); err != nil {
				return err
			}
		case strings.EqualFold(o, "maxsize") && more > 0:
			i++
			var err error
			if maxSize, err = parseCap(args[i], errMaxSize); err != nil {
				return err
			}
		default:
			return errSyntax
		}
	}
	if streams == 0 {
		return errSyntax
	}
	ra := ReadArgs{Count: int(min(count, math.MaxInt)), MaxCount: maxCount, MaxSize: maxSize}
	if err := checkCapsDo(ra.Count, maxCount); err != nil {
		return err
	}
	n := (len(args) - streams) / 2
	ra.Streams = make([]ReadStream, n)
	for i := range n {
		rs := ReadStream{Key: args[streams+i]}
		switch s := args[streams+n+i]; s {
		case "$":
			rs.New = true
		case "+":
			rs.Last = true
		case ">":
			return errXReadGT
		default:
			id, ok := parseIDArg(s, true, 0)
			if !ok {
				return errInvalidID
			}
			rs.After = id
		}
		ra.Streams[i] = rs
	}
	if block >= 0 {
		// The first pass and the wait after it must read from the same
		// "$": the stream's last ID when the command runs.
		if err := resolveNew(e, ra.Streams); err != nil {
			return err
		}
	}
	// BLOCK waits only if a first pass, which no deadline can cut short,
	// finds nothing.
	res, err := e.TryRead(ra)
	if err == nil && res == nil && block >= 0 {
		bctx, cancel := blockContext(ctx, block)
		res, err = e.Read(bctx, ra)
		cancel()
		if err != nil && blockTimedOut(ctx, err) {
			w.WriteValue(nil)
			return nil
		}
	}
	if err != nil {
		return err
	}
	if res == nil {
		w.WriteValue(nil)
		return nil
	}
	w.WriteStreams(res)
	return nil
}
