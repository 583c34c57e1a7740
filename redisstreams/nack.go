package redisstreams

import (
	"github.com/instream/instream"
)

// Nack is [instream.Engine.Nack] over XNACK (Redis 8.8): on an older
// server it fails with ErrUnsupported, and sends nothing.
func (c *Client) Nack(key string, args instream.NackArgs) (int64, error) {
	n, err := c.nack(key, args)
	if err != nil {
		err = wrap(err, "nack in group %q on %q", args.Group, key)
	}
	return n, err
}

func (c *Client) nack(key string, args instream.NackArgs) (int64, error) {
	if c.closed() {
		return 0, instream.ErrClosed
	}
	if err := args.Validate(); err != nil {
		return 0, err
	}
	if err := c.need("XNACK", 8, 8); err != nil {
		return 0, err
	}
	v, err := c.do(bg, xnackArgs(key, args)...)
	if err != nil {
		return 0, err
	}
	return intReply("XNACK", v)
}

func xnackArgs(key string, a instream.NackArgs) []any {
	args := make([]any, 0, 9+len(a.IDs))
	args = append(args, "XNACK", key, a.Group, a.Mode.String(), "IDS", len(a.IDs))
	args = appendIDs(args, a.IDs)
	if a.RetryCount != nil {
		args = append(args, "RETRYCOUNT", *a.RetryCount)
	}
	if a.Force {
		args = append(args, "FORCE")
	}
	return args
}
