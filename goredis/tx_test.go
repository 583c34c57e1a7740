package goredis_test

import (
	"context"
	"errors"
	"testing"

	"github.com/instream/instream"
	"github.com/redis/go-redis/v9"
)

// TxPipelined sends MULTI ... EXEC: the commands run as one batch and
// each gets its own result, errors at run time included.
func TestClient_TxPipelined(t *testing.T) {
	forProtocols(t, func(t *testing.T, ctx context.Context, e *instream.Engine, rdb *redis.Client) {
		var add *redis.StringCmd
		var bad *redis.StringCmd
		var n *redis.IntCmd
		_, err := rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
			add = p.XAdd(ctx, &redis.XAddArgs{Stream: "s", ID: "5-0", Values: []string{"k", "v"}})
			bad = p.XAdd(ctx, &redis.XAddArgs{Stream: "s", ID: "1-0", Values: []string{"k", "v"}})
			n = p.XLen(ctx, "s")
			return nil
		})
		if err == nil || !redis.HasErrorPrefix(err, "The ID specified in XADD") {
			t.Errorf("TxPipelined error = %v, want the second XADD's", err)
		}
		if add.Val() != "5-0" || bad.Err() == nil || n.Val() != 1 {
			t.Errorf("results %q, %v, %d; want 5-0, an error, 1", add.Val(), bad.Err(), n.Val())
		}
		if l, _ := e.Len("s"); l != 1 {
			t.Errorf("Len = %d, want 1", l)
		}
	})
}

// Watch gives optimistic locking: the transaction fails with
// redis.TxFailedErr when a watched stream changed after WATCH.
func TestClient_Watch(t *testing.T) {
	forProtocols(t, func(t *testing.T, ctx context.Context, e *instream.Engine, rdb *redis.Client) {
		move := func(changeFirst bool) error {
			return rdb.Watch(ctx, func(tx *redis.Tx) error {
				n, err := tx.XLen(ctx, "s").Result()
				if err != nil {
					return err
				}
				if changeFirst {
					if _, err := e.Add("s", instream.AddArgs{Fields: []instream.Field{{Name: "k", Value: "v"}}}); err != nil {
						return err
					}
				}
				_, err = tx.TxPipelined(ctx, func(p redis.Pipeliner) error {
					p.XAdd(ctx, &redis.XAddArgs{Stream: "len", Values: []any{"n", n}})
					return nil
				})
				return err
			}, "s")
		}
		if err := move(true); !errors.Is(err, redis.TxFailedErr) {
			t.Errorf("Watch with a change = %v, want TxFailedErr", err)
		}
		if l, _ := e.Len("len"); l != 0 {
			t.Errorf("the failed transaction ran: Len(len) = %d", l)
		}
		if err := move(false); err != nil {
			t.Errorf("Watch without a change = %v", err)
		}
		if l, _ := e.Len("len"); l != 1 {
			t.Errorf("Len(len) = %d, want 1", l)
		}
	})
}
