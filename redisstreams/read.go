package redisstreams

import (
	"context"

	"github.com/instream/instream"
)

// noBlock marks a read command built without BLOCK.
const noBlock = -1

// needRead checks the server knows what a read asks: "+" needs 7.4.
func (c *Client) needRead(a instream.ReadArgs) error {
	if err := c.needCaps(a.MaxCount, a.MaxSize); err != nil {
		return err
	}
	for _, rs := range a.Streams {
		if rs.Last {
			return c.need("XREAD with the last entry (+)", 7, 4)
		}
	}
	return nil
}

func xreadArgs(a instream.ReadArgs, blockMs int64) []any {
	args := make([]any, 0, 6+2*len(a.Streams))
	args = append(args, "XREAD")
	if a.Count > 0 {
		args = append(args, "COUNT", a.Count)
	}
	args = appendCaps(args, a.MaxCount, a.MaxSize)
	if blockMs != noBlock {
		args = append(args, "BLOCK", blockMs)
	}
	args = append(args, "STREAMS")
	for _, rs := range a.Streams {
		args = append(args, rs.Key)
	}
	for _, rs := range a.Streams {
		switch {
		case rs.New:
			args = append(args, "$")
		case rs.Last:
			args = append(args, "+")
		default:
			args = append(args, rs.After.String())
		}
	}
	return args
}

func streamKeys(a instream.ReadArgs) []string {
	keys := make([]string, len(a.Streams))
	for i, rs := range a.Streams {
		keys[i] = rs.Key
	}
	return keys
}

// decodeRead decodes the reply of XREAD: nil if no stream has entries.
// Redis 7.0 may answer a blocked read with a stream and no entries; such
// streams are left out.
func decodeRead(v any, keys []string) ([]instream.StreamEntries, error) {
	ks, parts, err := keyedReply(v, keys)
	if err != nil {
		return nil, err
	}
	var out []instream.StreamEntries
	for i, p := range parts {
		ens, err := decodeEntries(p)
		if err != nil {
			return nil, err
		}
		if len(ens) > 0 {
			out = append(out, instream.StreamEntries{Key: ks[i], Entries: ens})
		}
	}
	return out, nil
}

// TryRead is [instream.Engine.TryRead] over XREAD.
func (c *Client) TryRead(args instream.ReadArgs) ([]instream.StreamEntries, error) {
	res, err := c.tryRead(args)
	if err != nil {
		err = wrap(err, "read")
	}
	return res, err
}

func (c *Client) tryRead(args instream.ReadArgs) ([]instream.StreamEntries, error) {
	if c.closed() {
		return nil, instream.ErrClosed
	}
	if err := args.Validate(); err != nil {
		return nil, err
	}
	if err := c.needRead(args); err != nil {
		return nil, err
	}
	v, err := c.do(bg, xreadArgs(args, noBlock)...)
	if err != nil {
		return nil, err
	}
	return decodeRead(v, streamKeys(args))
}

// Read is [instream.Engine.Read] over XREAD BLOCK; see the package doc for
// how it waits. Streams read with New are first resolved to their last
// generated IDs (one XINFO STREAM each, pipelined), so that a wait of
// several BLOCKs misses nothing added between them.
func (c *Client) Read(ctx context.Context, args instream.ReadArgs) ([]instream.StreamEntries, error) {
	if ctx == nil {
		return nil, wrap(invalid("nil context"), "read")
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	res, err := c.read(ctx, args)
	if err != nil && err == ctx.Err() {
		return nil, err // unwrapped, as the engine returns it
	}
	if err != nil {
		err = wrap(err, "read")
	}
	return res, err
}

func (c *Client) read(ctx context.Context, args instream.ReadArgs) ([]instream.StreamEntries, error) {
	if c.closed() {
		return nil, instream.ErrClosed
	}
	if err := args.Validate(); err != nil {
		return nil, err
	}
	if err := c.needRead(args); err != nil {
		return nil, err
	}
	args, err := c.resolveNew(args)
	if err != nil {
		return nil, err
	}
	keys := streamKeys(args)
	var res []instream.StreamEntries
	err = c.blockRead(ctx, keys[0], func(blockMs int64) []any {
		return xreadArgs(args, blockMs)
	}, func(v any) (bool, error) {
		var err error
		res, err = decodeRead(v, keys)
		return res != nil, err
	})
	return res, err
}

// resolveNew returns args with its New streams turned into After their
// last generated IDs (0-0 for a missing stream).
func (c *Client) resolveNew(args instream.ReadArgs) (instream.ReadArgs, error) {
	var idx []int
	for i, rs := range args.Streams {
		if rs.New {
			idx = append(idx, i)
		}
	}
	if len(idx) == 0 {
		return args, nil
	}
	pipe := c.rdb.Pipeline()
	for _, i := range idx {
		pipe.Do(bg, "XINFO", "STREAM", args.Streams[i].Key)
	}
	cmds, _ := pipe.Exec(bg)
	streams := append([]instream.ReadStream(nil), args.Streams...)
	for j, i := range idx {
		v, err := cmds[j].(interface{ Result() (any, error) }).Result()
		streams[i].New = false
		if err != nil {
			err = replyError(err)
			if isNoStream(err) {
				continue // a missing stream: After stays 0-0
			}
			return args, err
		}
		d := newFieldDecoder("XINFO STREAM", v)
		streams[i].After = d.id("last-generated-id")
		if d.err != nil {
			return args, d.err
		}
	}
	args.Streams = streams
	return args, nil
}

func isNoStream(err error) bool {
	re, ok := err.(*instream.RedisError)
	return ok && re.Err == instream.ErrNoStream
}

// needCaps checks that the server knows MAXCOUNT and MAXSIZE (Redis
// 8.10) if a read sets them.
func (c *Client) needCaps(maxCount, maxSize int) error {
	if maxCount == 0 && maxSize == 0 {
		return nil
	}
	return c.need("MAXCOUNT and MAXSIZE", 8, 10)
}

// appendCaps appends the MAXCOUNT and MAXSIZE options of a read.
func appendCaps(args []any, maxCount, maxSize int) []any {
	if maxCount > 0 {
		args = append(args, "MAXCOUNT", maxCount)
	}
	if maxSize > 0 {
		args = append(args, "MAXSIZE", maxSize)
	}
	return args
}
