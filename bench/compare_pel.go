package bench

import (
	"context"
	"fmt"
	"runtime"
	"time"

	"github.com/instream/instream"
	"github.com/redis/go-redis/v9"
)

// Defaults of Config.PELN and Config.Consumers.
const (
	defaultPELN      = 100_000
	defaultConsumers = 10_000
)

// pelReadCount is the COUNT of each XREADGROUP that fills the PEL.
const pelReadCount = 1000

// consumerName is the name of the i-th consumer created by the pel part.
func consumerName(i int) string { return fmt.Sprintf("consumer-%06d", i) }

// pel measures the memory of group state: per pending entry, when one
// consumer reads a stream of n shape-b entries through a group (COUNT
// 1000), and per consumer, when nc consumers are created in that group.
// Only the growth over each step is counted; the stream is loaded first.
func (c *comparer) pel() error {
	n, nc := c.cfg.PELN, c.cfg.Consumers
	c.logf("pel: %d pending entries, %d consumers", n, nc)
	pe := Row{Op: fmt.Sprintf("memory per pending entry (XREADGROUP > COUNT %d, one consumer), shape b", pelReadCount),
		Unit: "B/pending entry", Redis: na, Mini: na, InstreamAllocs: na, MiniHow: "tcp"}
	co := Row{Op: "memory per consumer (XGROUP CREATECONSUMER)", Unit: "B/consumer",
		Redis: na, Mini: na, InstreamAllocs: na, MiniHow: "tcp"}

	var err error
	if pe.Instream, co.Instream, err = instreamPEL(n, nc); err != nil {
		return err
	}
	if pe.Mini, co.Mini, err = c.miniPEL(n, nc); err != nil {
		return err
	}
	if c.redisC != nil {
		if pe.Redis, co.Redis, err = c.redisPEL(n, nc); err != nil {
			return err
		}
	}
	c.row(pe)
	c.row(co)
	return nil
}

// instreamPEL returns instream's HeapAlloc growth per pending entry and
// per consumer.
func instreamPEL(n, nc int) (perEntry, perConsumer float64, err error) {
	e := instream.New(instream.Options{})
	defer e.Close()
	for i := range n {
		if _, err := e.Add("p", instream.AddArgs{ID: EntryID(i), Fields: Fields(ShapeB.Fields(i))}); err != nil {
			return 0, 0, fmt.Errorf("instream add: %w", err)
		}
	}
	if err := e.CreateGroup("p", instream.GroupArgs{Group: "g"}); err != nil {
		return 0, 0, err
	}

	h0 := heapAlloc()
	for read := 0; read < n; {
		res, err := e.TryReadGroup(instream.ReadGroupArgs{
			Group: "g", Consumer: "reader", Streams: []instream.GroupStream{{Key: "p"}}, Count: pelReadCount,
		})
		if err != nil || len(res) != 1 || len(res[0].Entries) == 0 {
			return 0, 0, fmt.Errorf("instream TryReadGroup after %d: %v, %v", read, res, err)
		}
		read += len(res[0].Entries)
	}
	h1 := heapAlloc()
	if s, err := e.PendingSummary("p", "g"); err != nil || s.Count != int64(n) {
		return 0, 0, fmt.Errorf("instream PendingSummary = %d pending, %v; want %d", s.Count, err, n)
	}

	h1 = heapAlloc() // PendingSummary's reply is garbage now
	for i := range nc {
		created, err := e.CreateConsumer("p", instream.ConsumerArgs{Group: "g", Consumer: consumerName(i)})
		if err != nil || !created {
			return 0, 0, fmt.Errorf("instream CreateConsumer %s: %v, %v", consumerName(i), created, err)
		}
	}
	h2 := heapAlloc()
	runtime.KeepAlive(e)
	return float64(h1-h0) / float64(n), float64(h2-h1) / float64(nc), nil
}

// miniPEL returns miniredis's HeapAlloc growth per pending entry and per
// consumer. The entries are added directly; the group commands go through
// its server, which has no Go API for them, over the existing connection.
func (c *comparer) miniPEL(n, nc int) (perEntry, perConsumer float64, err error) {
	ctx := c.ctx
	defer c.mini.FlushAll()
	for i := range n {
		if _, err := c.mini.XAdd("p", EntryID(i).String(), ShapeB.Fields(i)); err != nil {
			return 0, 0, fmt.Errorf("miniredis XAdd: %w", err)
		}
	}
	if err := c.miniC.XGroupCreate(ctx, "p", "g", "0").Err(); err != nil {
		return 0, 0, fmt.Errorf("miniredis XGROUP CREATE: %w", err)
	}

	h0 := heapAlloc()
	if err := readAllPipelined(ctx, c.miniC, n); err != nil {
		return 0, 0, fmt.Errorf("miniredis: %w", err)
	}
	h1 := heapAlloc()
	if err := checkPending(ctx, c.miniC, n); err != nil {
		return 0, 0, fmt.Errorf("miniredis: %w", err)
	}
	h1 = heapAlloc()
	if err := createConsumers(ctx, c.miniC, nc); err != nil {
		return 0, 0, fmt.Errorf("miniredis: %w", err)
	}
	h2 := heapAlloc()
	return float64(h1-h0) / float64(n), float64(h2-h1) / float64(nc), nil
}

// redisPEL returns the growth of Redis's used_memory per pending entry and
// per consumer. Each step runs on a connection of its own, which is
// closed, and used_memory is read once the server has freed it.
func (c *comparer) redisPEL(n, nc int) (perEntry, perConsumer float64, err error) {
	ctx := c.ctx
	if err := c.redisC.FlushAll(ctx).Err(); err != nil {
		return 0, 0, err
	}
	defer c.redisC.FlushAll(ctx)
	step := func(fn func(cl *redis.Client) error) (int64, error) {
		cl := NewClient(c.redis.Addr)
		err := fn(cl)
		cl.Close()
		if err != nil {
			return 0, err
		}
		return c.settledMemory()
	}
	m0, err := step(func(cl *redis.Client) error {
		err := pipelined(ctx, cl, n, func(p redis.Pipeliner, i int) {
			p.Do(ctx, xaddArgs("p", EntryID(i).String(), ShapeB.Fields(i))...)
		})
		if err != nil {
			return err
		}
		return cl.XGroupCreate(ctx, "p", "g", "0").Err()
	})
	if err != nil {
		return 0, 0, err
	}
	m1, err := step(func(cl *redis.Client) error { return readAllPipelined(ctx, cl, n) })
	if err != nil {
		return 0, 0, err
	}
	if err := checkPending(ctx, c.redisC, n); err != nil {
		return 0, 0, err
	}
	if m1, err = c.settledMemory(); err != nil {
		return 0, 0, err
	}
	m2, err := step(func(cl *redis.Client) error { return createConsumers(ctx, cl, nc) })
	if err != nil {
		return 0, 0, err
	}
	return float64(m1-m0) / float64(n), float64(m2-m1) / float64(nc), nil
}

// settledMemory waits until the measuring connection is Redis's only
// client and used_memory holds still, then returns it.
func (c *comparer) settledMemory() (int64, error) {
	deadline := time.Now().Add(5 * time.Second)
	prev := int64(-1)
	for {
		m, err := info(c.ctx, c.redisC, "clients")
		if err != nil {
			return 0, err
		}
		mem, err := usedMemory(c.ctx, c.redisC)
		if err != nil {
			return 0, err
		}
		if m["connected_clients"] == "1" && mem == prev {
			return mem, nil
		}
		if time.Now().After(deadline) {
			return 0, fmt.Errorf("redis-server did not settle: %s clients, used_memory %d then %d", m["connected_clients"], prev, mem)
		}
		prev = mem
		time.Sleep(20 * time.Millisecond)
	}
}

// readAllPipelined reads stream p's n entries as consumer "reader" of
// group g, pelReadCount at a time, pipelined.
func readAllPipelined(ctx context.Context, cl *redis.Client, n int) error {
	calls := (n + pelReadCount - 1) / pelReadCount
	return pipelined(ctx, cl, calls, func(p redis.Pipeliner, _ int) {
		p.Do(ctx, "XREADGROUP", "GROUP", "g", "reader", "COUNT", pelReadCount, "STREAMS", "p", ">")
	})
}

// createConsumers creates nc consumers in group g of p, pipelined.
func createConsumers(ctx context.Context, cl *redis.Client, nc int) error {
	return pipelined(ctx, cl, nc, func(p redis.Pipeliner, i int) {
		p.Do(ctx, "XGROUP", "CREATECONSUMER", "p", "g", consumerName(i))
	})
}

// checkPending fails unless group g of p has n pending entries.
func checkPending(ctx context.Context, cl *redis.Client, n int) error {
	s, err := cl.XPending(ctx, "p", "g").Result()
	if err != nil {
		return fmt.Errorf("XPENDING: %w", err)
	}
	if s.Count != int64(n) {
		return fmt.Errorf("XPENDING p g: %d pending, want %d", s.Count, n)
	}
	return nil
}
