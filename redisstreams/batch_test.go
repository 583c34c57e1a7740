package redisstreams_test

import (
	"context"
	"sync/atomic"
	"testing"

	"github.com/instream/instream"
	"github.com/instream/instream/redisstreams"
	"github.com/redis/go-redis/v9"
)

// countHook counts the XADDs go-redis sends: alone, and in pipelines.
// (A new connection's handshake, HELLO and CLIENT SETINFO, is left out.)
type countHook struct {
	single, pipelines, piped atomic.Int64
}

func (h *countHook) DialHook(next redis.DialHook) redis.DialHook { return next }

func (h *countHook) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		if cmd.Name() == "xadd" {
			h.single.Add(1)
		}
		return next(ctx, cmd)
	}
}

func (h *countHook) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error {
		if cmds[0].Name() == "xadd" {
			h.pipelines.Add(1)
			h.piped.Add(int64(len(cmds)))
		}
		return next(ctx, cmds)
	}
}

// AddBatch sends its entries in one pipeline, one round trip.
func TestAddBatch_oneRoundTrip(t *testing.T) {
	c, rdb := newSingle(t, redisstreams.Options{})
	k := uniqueKey(t)
	t.Cleanup(func() { c.DeleteStreams(k) })
	h := &countHook{}
	rdb.AddHook(h)
	batch := make([]instream.AddArgs, 50)
	for i := range batch {
		batch[i] = instream.AddArgs{Fields: []instream.Field{{Name: "i", Value: "v"}}}
	}
	ids, err := c.AddBatch(k, batch)
	if err != nil || len(ids) != 50 {
		t.Fatalf("AddBatch = %d IDs, %v", len(ids), err)
	}
	if s, p, n := h.single.Load(), h.pipelines.Load(), h.piped.Load(); s != 0 || p != 1 || n != 50 {
		t.Errorf("AddBatch of 50 sent %d commands and %d pipelines of %d commands, want one pipeline of 50", s, p, n)
	}
	if n, err := c.Len(k); err != nil || n != 50 {
		t.Errorf("Len = %d, %v; want 50", n, err)
	}
}
