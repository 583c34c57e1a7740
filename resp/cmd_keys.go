package resp

import (
	"context"
	"errors"
	"strconv"
	"strings"

	"github.com/instream/instream"
)

// keys returns the engine's stream names, answering ERR on failure.
func (c *client) keys() ([]string, bool) {
	ks, err := c.eng.Keys()
	if err != nil {
		c.writeErr(err)
		return nil, false
	}
	return ks, true
}

func cmdDBSize(_ context.Context, c *client, _ []string) {
	if ks, ok := c.keys(); ok {
		c.w.Int(int64(len(ks)))
	}
}

func cmdKeys(_ context.Context, c *client, args []string) {
	ks, ok := c.keys()
	if !ok {
		return
	}
	out := ks[:0]
	for _, k := range ks {
		if args[1] == "*" || globMatch(args[1], k) {
			out = append(out, k)
		}
	}
	c.w.Array(len(out))
	for _, k := range out {
		c.w.BulkString(k)
	}
}

// cmdScan answers SCAN cursor [MATCH pattern] [COUNT count] [TYPE type].
// The cursor is a position in the sorted key list.
func cmdScan(_ context.Context, c *client, args []string) {
	cur, err := strconv.ParseUint(args[1], 10, 64)
	if err != nil {
		// Redis reads the cursor with strtoull, which takes "-1".
		n, err2 := strconv.ParseInt(args[1], 10, 64)
		if err2 != nil {
			c.w.Error("ERR invalid cursor")
			return
		}
		cur = uint64(n)
	}
	count, pattern, typ := int64(10), "*", ""
	for i := 2; i < len(args); i += 2 {
		if i+1 >= len(args) {
			c.w.Error("ERR syntax error")
			return
		}
		switch strings.ToLower(args[i]) {
		case "count":
			n, err := strconv.ParseInt(args[i+1], 10, 64)
			if err != nil || !strictInt(args[i+1]) {
				c.w.Error("ERR value is not an integer or out of range")
				return
			}
			if n < 1 {
				c.w.Error("ERR syntax error")
				return
			}
			count = n
		case "match":
			pattern = args[i+1]
		case "type":
			typ = args[i+1]
		default:
			c.w.Error("ERR syntax error")
			return
		}
	}
	ks, ok := c.keys()
	if !ok {
		return
	}
	var out []string
	next := uint64(0)
	if cur < uint64(len(ks)) {
		end := min(uint64(len(ks)), cur+uint64(count))
		if end < uint64(len(ks)) {
			next = end
		}
		for _, k := range ks[cur:end] {
			if (pattern == "*" || globMatch(pattern, k)) && (typ == "" || strings.EqualFold(typ, "stream")) {
				out = append(out, k)
			}
		}
	}
	c.w.Array(2)
	c.w.BulkString(strconv.FormatUint(next, 10))
	c.w.Array(len(out))
	for _, k := range out {
		c.w.BulkString(k)
	}
}

func cmdFlush(_ context.Context, c *client, args []string) {
	if len(args) > 2 || len(args) == 2 && !strings.EqualFold(args[1], "sync") && !strings.EqualFold(args[1], "async") {
		c.w.Error("ERR syntax error")
		return
	}
	if _, err := c.eng.FlushAll(); err != nil {
		c.writeErr(err)
		return
	}
	c.w.Status("OK")
}

func cmdUnlink(_ context.Context, c *client, args []string) {
	n, err := c.eng.DeleteStreams(args[1:]...)
	if err != nil {
		c.writeErr(err)
		return
	}
	c.w.Int(n)
}

func cmdRename(_ context.Context, c *client, args []string) {
	nx := strings.EqualFold(args[0], "renamenx")
	ok, err := c.eng.Rename(args[1], args[2], nx)
	switch {
	case errors.Is(err, instream.ErrNoStream):
		c.w.Error("ERR no such key")
	case err != nil:
		c.writeErr(err)
	case !nx:
		c.w.Status("OK")
	case ok:
		c.w.Int(1)
	default:
		c.w.Int(0)
	}
}
