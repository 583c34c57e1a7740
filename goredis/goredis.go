// Package goredis connects go-redis clients to an instream engine in
// the same process, with no port: the client's connections are
// in-memory pipes served by package resp. It makes an engine a fast,
// faithful fake of Redis Streams for code written against go-redis.
package goredis

import (
	"testing"

	"github.com/instream/instream"
	"github.com/instream/instream/resp"
	"github.com/redis/go-redis/v9"
)

// NewClient returns a go-redis client whose connections are served by e
// in process. opts may be nil; its Dialer and Addr are replaced, and
// everything else (Protocol, timeouts, pool size) applies as usual.
func NewClient(e *instream.Engine, opts *redis.Options) *redis.Client {
	o := redis.Options{}
	if opts != nil {
		o = *opts
	}
	o.Addr = "instream"
	o.Dialer = resp.Dialer(e)
	return redis.NewClient(&o)
}

// NewTestClient makes an engine and a client connected to it, and closes
// both when the test ends. opts may be nil.
func NewTestClient(tb testing.TB, opts *redis.Options) (*instream.Engine, *redis.Client) {
	tb.Helper()
	e := instream.New(instream.Options{})
	c := NewClient(e, opts)
	tb.Cleanup(func() {
		c.Close()
		e.Close()
	})
	return e, c
}
