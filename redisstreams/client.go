package redisstreams

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/instream/instream"
	"github.com/redis/go-redis/v9"
)

// Options configures a Client. A zero Options is valid and uses the
// defaults.
type Options struct {
	// BlockSlice bounds one BLOCK of a blocking read: a longer wait is a
	// series of BLOCKs of at most this length. It must stay below the
	// client's ReadTimeout, or go-redis gives up on the reply. If zero,
	// half the client's ReadTimeout (2.5 s with go-redis v9.23's default
	// of 5 s), and no bound when the client has no read timeout.
	BlockSlice time.Duration
}

// Client is an [instream.Streams] whose streams live on a Redis server,
// a Sentinel-managed primary or a Redis Cluster, reached through a
// go-redis client. A Client is safe for concurrent use by multiple
// goroutines.
type Client struct {
	rdb   redis.UniversalClient
	slice time.Duration // 0: no bound

	done      chan struct{} // closed by Close
	closeOnce sync.Once

	ver     versionCache
	blocked blockPool
}

var _ instream.Streams = (*Client)(nil)

// New returns a Client over rdb, which may be a *redis.Client (one server
// or, through NewFailoverClient, Sentinel) or a *redis.ClusterClient, as
// redis.NewUniversalClient makes them. The Client does not own rdb:
// closing the Client leaves rdb open.
func New(rdb redis.UniversalClient, opts Options) *Client {
	c := &Client{rdb: rdb, slice: opts.BlockSlice, done: make(chan struct{})}
	if c.slice <= 0 {
		c.slice = defaultSlice(rdb)
	}
	c.blocked.init()
	return c
}

// defaultSlice is half the read timeout of rdb, or 0 (no bound) if it
// has none. Client types whose options are out of reach get 1 s, below
// go-redis's default read timeout of 5 s.
func defaultSlice(rdb redis.UniversalClient) time.Duration {
	var rt time.Duration
	switch r := rdb.(type) {
	case *redis.Client:
		rt = r.Options().ReadTimeout
	case *redis.ClusterClient:
		rt = r.Options().ReadTimeout
	default:
		return time.Second
	}
	if rt <= 0 {
		return 0 // go-redis sets no read deadline
	}
	return rt / 2
}

// Close makes blocked reads return instream.ErrClosed, and every later
// call too, and releases the connections the Client holds for blocking
// reads. It leaves the go-redis client open. Close is idempotent and
// always returns nil.
func (c *Client) Close() error {
	c.closeOnce.Do(func() {
		close(c.done)
		c.blocked.closeAll()
	})
	return nil
}

func (c *Client) closed() bool {
	select {
	case <-c.done:
		return true
	default:
		return false
	}
}

// do sends one command and returns its reply: nil for a null reply, and
// errors mapped by replyError.
func (c *Client) do(ctx context.Context, args ...any) (any, error) {
	if c.closed() {
		return nil, instream.ErrClosed
	}
	v, err := c.rdb.Do(ctx, args...).Result()
	if err != nil {
		if errors.Is(err, redis.Nil) {
			return nil, nil
		}
		return nil, replyError(err)
	}
	return v, nil
}

// ctx is the context of calls the typed API gives none: go-redis's dial,
// read and write timeouts bound them.
var bg = context.Background()

// wrap adds the operation to err, as the engine's errors carry it. Call
// it only with an error: its arguments cost an allocation.
func wrap(err error, format string, a ...any) error {
	if err == instream.ErrClosed {
		return err
	}
	return fmt.Errorf(format+": %w", append(a, err)...)
}

// multi sends cmds in one MULTI/EXEC, so that they apply at one moment
// in one round trip, and returns their replies (nil for a null reply).
// The first command that failed gives the error, mapped by replyError.
func (c *Client) multi(cmds ...[]any) ([]any, error) {
	if c.closed() {
		return nil, instream.ErrClosed
	}
	pipe := c.rdb.TxPipeline()
	rcs := make([]*redis.Cmd, len(cmds))
	for i, args := range cmds {
		rcs[i] = pipe.Do(bg, args...)
	}
	_, _ = pipe.Exec(bg) // each command carries its own outcome
	out := make([]any, len(cmds))
	for i, rc := range rcs {
		v, err := rc.Result()
		if err != nil && !errors.Is(err, redis.Nil) {
			return nil, replyError(err)
		}
		out[i] = v
	}
	return out, nil
}
