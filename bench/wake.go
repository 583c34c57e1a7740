package bench

import (
	"errors"
	"fmt"
	"slices"
	"time"
)

// wakeTrials times trials wake-ups: after prepare (if not nil), read
// starts a blocking read of the entries after the stream's last ID; once
// blocked reports the reader parked, add adds one entry. A trial lasts
// from just before add to the moment read returns.
func wakeTrials(trials int, read, blocked, add func() error, prepare func()) ([]time.Duration, error) {
	lat := make([]time.Duration, 0, trials)
	for range trials {
		if prepare != nil {
			prepare()
		}
		type result struct {
			at  time.Time
			err error
		}
		done := make(chan result, 1)
		go func() {
			err := read()
			done <- result{time.Now(), err}
		}()
		if err := blocked(); err != nil {
			return nil, err
		}
		t0 := time.Now()
		if err := add(); err != nil {
			return nil, err
		}
		var r result
		select {
		case r = <-done:
		case <-time.After(10 * time.Second):
			return nil, errors.New("blocked reader not woken within 10s of the add")
		}
		if r.err != nil {
			return nil, r.err
		}
		lat = append(lat, r.at.Sub(t0))
	}
	slices.Sort(lat)
	return lat, nil
}

// wake measures the wake-up latency of a blocked XREAD in the three.
func (c *comparer) wake() error {
	trials := c.cfg.WakeTrials
	if trials <= 0 {
		return nil
	}
	c.logf("wake: %d trials", trials)
	p50 := Row{Op: "wake: add → blocked reader returns, p50", Unit: "µs", MiniHow: "tcp", Redis: na, InstreamAllocs: na}
	p99 := p50
	p99.Op = "wake: add → blocked reader returns, p99"

	lat, err := c.instreamWake(trials)
	switch {
	case err != nil:
		return err
	case lat == nil:
		p50.Instream, p99.Instream = na, na
	default:
		p50.Instream, p99.Instream = us(percentile(lat, 50)), us(percentile(lat, 99))
	}

	// miniredis cannot report a blocked client: wait a while, and read
	// after an explicit ID so that an early add is still returned.
	lat, err = c.redisWake(trials, c.mini.Addr(), func() error {
		time.Sleep(time.Millisecond)
		return nil
	})
	if err != nil {
		return fmt.Errorf("miniredis wake: %w", err)
	}
	p50.Mini, p99.Mini = us(percentile(lat, 50)), us(percentile(lat, 99))

	if c.redisC != nil {
		lat, err = c.redisWake(trials, c.redis.Addr, func() error {
			for {
				m, err := info(c.ctx, c.redisC, "clients")
				if err != nil {
					return err
				}
				if m["blocked_clients"] != "0" {
					return nil
				}
			}
		})
		if err != nil {
			return fmt.Errorf("redis wake: %w", err)
		}
		p50.Redis, p99.Redis = us(percentile(lat, 50)), us(percentile(lat, 99))
	}
	c.row(p50)
	c.row(p99)
	return nil
}

// redisWake times wake-ups of XREAD BLOCK 0 on a server at addr, with a
// reader and a writer connection of their own.
func (c *comparer) redisWake(trials int, addr string, blocked func() error) ([]time.Duration, error) {
	ctx := c.ctx
	reader, writer := NewClient(addr), NewClient(addr)
	defer reader.Close()
	defer writer.Close()
	last, after := "0-0", ""
	lat, err := wakeTrials(trials, func() error {
		return reader.Do(ctx, "XREAD", "BLOCK", 0, "STREAMS", "w", after).Err()
	}, blocked, func() error {
		id, err := writer.Do(ctx, "XADD", "w", "*", "v", "x").Text()
		last = id
		return err
	}, func() { after = last })
	if err != nil {
		return nil, err
	}
	return lat, writer.Del(ctx, "w").Err()
}

func us(d time.Duration) float64 { return float64(d.Nanoseconds()) / 1e3 }
