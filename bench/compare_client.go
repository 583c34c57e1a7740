package bench

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/instream/instream"
	"github.com/instream/instream/resp"
	"github.com/redis/go-redis/v9"
)

// clientOps is the number of calls per timing of the client part.
const clientOps = 2000

// clientPart times the same go-redis client against instream over the
// in-process connection (package resp), miniredis over loopback TCP and
// redis-server over loopback TCP: wall time per call as the client sees
// it, so all three include the protocol.
func (c *comparer) clientPart() error {
	c.logf("client: go-redis against each, %d calls per timing", clientOps)
	e := instream.New(instream.Options{})
	defer e.Close()
	ins := redis.NewClient(&redis.Options{Dialer: resp.Dialer(e), Protocol: 2, DisableIdentity: true, ReadTimeout: -1, PoolSize: 4})
	defer ins.Close()
	type backend struct {
		c   *redis.Client
		set func(*Row, float64)
	}
	backends := []backend{
		{ins, func(r *Row, v float64) { r.Instream = v }},
		{c.miniC, func(r *Row, v float64) { r.Mini = v }},
	}
	if c.redisC != nil {
		backends = append(backends, backend{c.redisC, func(r *Row, v float64) { r.Redis = v }})
	}
	ops := []struct {
		name  string
		setup func(ctx context.Context, rdb *redis.Client) error
		op    func(ctx context.Context, rdb *redis.Client, i int) error
	}{
		{"go-redis XADD", nil, func(ctx context.Context, rdb *redis.Client, i int) error {
			return rdb.XAdd(ctx, &redis.XAddArgs{Stream: "ca", Values: []string{"f", "v", "n", strconv.Itoa(i)}}).Err()
		}},
		{"go-redis XRANGE 100", func(ctx context.Context, rdb *redis.Client) error {
			return pipelined(ctx, rdb, 1000, func(p redis.Pipeliner, i int) {
				p.XAdd(ctx, &redis.XAddArgs{Stream: "cr", ID: fmt.Sprintf("%d-0", i+1), Values: []string{"f", "v", "n", strconv.Itoa(i)}})
			})
		}, func(ctx context.Context, rdb *redis.Client, i int) error {
			start := strconv.Itoa(1 + i%900)
			return rdb.XRangeN(ctx, "cr", start, "+", 100).Err()
		}},
		{"go-redis XREADGROUP+XACK, count 1", groupSetup("g1", 1), readAck("g1", 1)},
		{"go-redis XREADGROUP+XACK, count 100", groupSetup("g100", 100), readAck("g100", 100)},
	}
	for _, o := range ops {
		row := Row{Op: o.name, Unit: "µs/call", Instream: na, Mini: na, Redis: na, InstreamAllocs: na, MiniHow: "tcp"}
		for _, b := range backends {
			ctx := c.ctx
			var times []float64
			for range max(c.cfg.Reps, 1) {
				// Each timing starts afresh: a group read consumes its
				// entries.
				if err := b.c.FlushAll(ctx).Err(); err != nil {
					return err
				}
				if o.setup != nil {
					if err := o.setup(ctx, b.c); err != nil {
						return fmt.Errorf("%s setup: %w", o.name, err)
					}
				}
				t0 := time.Now()
				for i := range clientOps {
					if err := o.op(ctx, b.c, i); err != nil {
						return fmt.Errorf("%s: %w", o.name, err)
					}
				}
				times = append(times, float64(time.Since(t0).Nanoseconds())/clientOps/1e3)
			}
			slices.Sort(times)
			b.set(&row, times[len(times)/2])
		}
		c.row(row)
	}
	c.mini.FlushAll()
	c.rep.Notes = append(c.rep.Notes, "go-redis rows: wall time per call seen by one go-redis client; instream over the in-process connection (package resp), miniredis and redis-server over loopback TCP.")
	return c.clientWake(e)
}

// groupSetup makes a stream with group g at 0 and enough entries for one
// timing of reads of count.
func groupSetup(g string, count int) func(ctx context.Context, rdb *redis.Client) error {
	return func(ctx context.Context, rdb *redis.Client) error {
		if err := rdb.XGroupCreateMkStream(ctx, "cg", g, "0").Err(); err != nil {
			return err
		}
		return pipelined(ctx, rdb, clientOps*count, func(p redis.Pipeliner, i int) {
			p.XAdd(ctx, &redis.XAddArgs{Stream: "cg", Values: []string{"f", "v"}})
		})
	}
}

// readAck reads count new entries for group g and acknowledges them.
func readAck(g string, count int64) func(ctx context.Context, rdb *redis.Client, i int) error {
	return func(ctx context.Context, rdb *redis.Client, i int) error {
		res, err := rdb.XReadGroup(ctx, &redis.XReadGroupArgs{Group: g, Consumer: "c", Streams: []string{"cg", ">"}, Count: count, Block: -1}).Result()
		if err != nil {
			return err
		}
		ids := make([]string, 0, count)
		for _, m := range res[0].Messages {
			ids = append(ids, m.ID)
		}
		return rdb.XAck(ctx, "cg", g, ids...).Err()
	}
}

// clientWake times blocked-reader wake-ups through go-redis: instream
// over the in-process connection, next to miniredis and redis-server over
// TCP measured as in the wake part.
func (c *comparer) clientWake(e *instream.Engine) error {
	trials := c.cfg.WakeTrials
	if trials <= 0 {
		return nil
	}
	row := Row{Op: "go-redis wake: add → blocked XREAD returns, p50", Unit: "µs", Instream: na, Mini: na, Redis: na, InstreamAllocs: na, MiniHow: "tcp"}
	ctx := c.ctx
	dial := resp.Dialer(e)
	opts := func() *redis.Options {
		return &redis.Options{Dialer: dial, Protocol: 2, DisableIdentity: true, ReadTimeout: -1, PoolSize: 1}
	}
	reader, writer := redis.NewClient(opts()), redis.NewClient(opts())
	defer reader.Close()
	defer writer.Close()
	last, after := "0-0", ""
	lat, err := wakeTrials(trials, func() error {
		return reader.Do(ctx, "XREAD", "BLOCK", 0, "STREAMS", "w", after).Err()
	}, func() error {
		for {
			m, err := info(ctx, writer, "clients")
			if err != nil {
				return err
			}
			if m["blocked_clients"] != "0" {
				return nil
			}
		}
	}, func() error {
		id, err := writer.Do(ctx, "XADD", "w", "*", "v", "x").Text()
		last = id
		return err
	}, func() { after = last })
	if err != nil {
		return fmt.Errorf("instream wake through go-redis: %w", err)
	}
	row.Instream = us(percentile(lat, 50))
	if lat, err = c.redisWake(trials, c.mini.Addr(), func() error { time.Sleep(time.Millisecond); return nil }); err != nil {
		return err
	}
	row.Mini = us(percentile(lat, 50))
	if c.redisC != nil {
		lat, err = c.redisWake(trials, c.redis.Addr, func() error {
			for {
				m, err := info(ctx, c.redisC, "clients")
				if err != nil {
					return err
				}
				if m["blocked_clients"] != "0" {
					return nil
				}
			}
		})
		if err != nil {
			return err
		}
		row.Redis = us(percentile(lat, 50))
	}
	c.row(row)
	return nil
}
