package bench

import (
	"fmt"

	"github.com/instream/instream"
	"github.com/redis/go-redis/v9"
)

// groups measures reading stream "r" through as a group consumer, in
// batches of 100 and one at a time, acknowledging each batch after it is
// read (XREADGROUP COUNT k ... > then XACK). Figures are per entry.
func (c *comparer) groups() error {
	for _, batch := range []int{100, 1} {
		n := c.cfg.TimingN
		c.logf("group read+ack: batch %d, %d entries", batch, n)
		row := Row{Op: fmt.Sprintf("group read %d + ack %d (per entry)", batch, batch), Unit: "µs/entry", MiniHow: "tcp", Redis: na}
		if batch == 1 {
			row.Op = "group read 1 + ack 1, one at a time (per entry)"
		}

		g := fmt.Sprintf("g%d", batch)
		var err error
		t := measure(c.cfg.Reps, n, func() {
			_, _ = c.eng.DestroyGroup("r", g)
			if err2 := c.eng.CreateGroup("r", instream.GroupArgs{Group: g}); err2 != nil {
				err = err2
			}
		}, func() {
			ids := make([]instream.ID, 0, batch)
			for read := 0; read < n && err == nil; read += batch {
				res, err2 := c.eng.TryReadGroup(instream.ReadGroupArgs{
					Group: g, Consumer: "c", Streams: []instream.GroupStream{{Key: "r"}}, Count: batch,
				})
				if err2 != nil || len(res) != 1 || len(res[0].Entries) != min(batch, n-read) {
					err = fmt.Errorf("TryReadGroup(count %d) after %d: %v, %v", batch, read, res, err2)
					return
				}
				ids = ids[:0]
				for _, ge := range res[0].Entries {
					ids = append(ids, ge.ID)
				}
				if _, err2 := c.eng.Ack("r", g, ids...); err2 != nil {
					err = err2
				}
			}
		})
		if err != nil {
			return err
		}
		row.setInstream(t)

		// miniredis: a client round trip per command, for as long as the
		// budget allows.
		if err := c.miniC.XGroupCreate(c.ctx, "r", g, "0").Err(); err != nil {
			return fmt.Errorf("miniredis XGROUP CREATE: %w", err)
		}
		mean, _, err := budgeted(n/batch, c.cfg.Budget, func(int) error {
			res, err := c.miniC.XReadGroup(c.ctx, &redis.XReadGroupArgs{
				Group: g, Consumer: "c", Streams: []string{"r", ">"}, Count: int64(batch), Block: -1,
			}).Result()
			if err != nil || len(res) != 1 {
				return fmt.Errorf("miniredis XREADGROUP: %v, %w", res, err)
			}
			ids := make([]string, len(res[0].Messages))
			for i, m := range res[0].Messages {
				ids[i] = m.ID
			}
			return c.miniC.XAck(c.ctx, "r", g, ids...).Err()
		})
		if err != nil {
			return err
		}
		row.Mini = mean / float64(batch) / 1e3

		// Redis: the IDs are known, so each read and its ack are pipelined
		// together; the server time does not depend on the pipelining.
		if c.redisC != nil {
			if err := c.redisC.XGroupCreate(c.ctx, "r", g, "0").Err(); err != nil {
				return err
			}
			usec, err := serverUsec(c.ctx, c.redisC, func() error {
				return pipelined(c.ctx, c.redisC, 2*((n+batch-1)/batch), func(p redis.Pipeliner, j int) {
					first := j / 2 * batch
					if j%2 == 0 {
						p.Do(c.ctx, "XREADGROUP", "GROUP", g, "c", "COUNT", batch, "STREAMS", "r", ">")
						return
					}
					args := []any{"XACK", "r", g}
					for i := first; i < min(n, first+batch); i++ {
						args = append(args, EntryID(i).String())
					}
					p.Do(c.ctx, args...)
				})
			}, "xreadgroup", "xack")
			if err != nil {
				return err
			}
			row.Redis = usec / float64(n)
		}
		c.row(row)
	}
	return nil
}
