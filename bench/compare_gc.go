package bench

import (
	"fmt"
	"runtime"
	"slices"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/instream/instream"
)

// Defaults of Config.GCN and Config.GCMiniN.
const (
	defaultGCN     = 10_000_000
	defaultGCMiniN = 1_000_000
)

// Bounds of the forced cycles of one gc measurement: at least Reps, then
// more until gcMinSamples adds ran inside cycles, at most gcMaxCycles.
const (
	gcMinSamples = 1000
	gcMaxCycles  = 20
	gcMaxSamples = 1 << 20
)

// gcResult is what a large held stream costs the garbage collector.
type gcResult struct {
	cpuMs   float64 // process CPU time of one forced cycle run alone
	p50     float64 // µs, adds that began and ended inside a forced cycle
	p99     float64
	baseP99 float64 // µs, adds between cycles
}

// gc measures, with GCN shape-b entries held in one stream (miniredis:
// GCMiniN), the CPU time of a forced collection and the latency of adds
// to that stream while one runs. Redis has no garbage collector: its
// cells are a go-redis XADD round trip over loopback, marked as such.
func (c *comparer) gc() error {
	n, mn := c.cfg.GCN, c.cfg.GCMiniN
	c.logf("gc: instream holding %d shape-b entries, miniredis %d", n, mn)
	rows := []Row{
		{Op: fmt.Sprintf("GC: CPU of one forced cycle (runtime.GC, adds paused), %s shape-b entries held", countText(n)), Unit: "ms/cycle"},
		{Op: "GC: add (XADD *) to the held stream during a forced cycle, p50", Unit: "µs"},
		{Op: "GC: add (XADD *) to the held stream during a forced cycle, p99", Unit: "µs"},
		{Op: "GC: add (XADD *) to the held stream between cycles (the machine's noise), p99", Unit: "µs"},
	}
	for i := range rows {
		rows[i].MiniHow, rows[i].InstreamAllocs, rows[i].Redis = "direct", na, na
		if mn != n {
			rows[i].MiniNote = countText(mn) + " held"
		}
		rows[i].RedisNote = "no GC"
	}

	kv, fields := fieldPool()
	e := instream.New(instream.Options{})
	for i := range n {
		if _, err := e.Add("s", instream.AddArgs{ID: EntryID(i), Fields: Fields(ShapeB.Fields(i))}); err != nil {
			return fmt.Errorf("instream add: %w", err)
		}
	}
	ins, err := c.gcHeld(func(i int) error {
		_, err := e.Add("s", instream.AddArgs{Fields: fields[i%len(fields)]})
		return err
	})
	e.Close()
	e = nil
	if err != nil {
		return fmt.Errorf("instream: %w", err)
	}

	m := miniredis.NewMiniRedis()
	for i := range mn {
		if _, err := m.XAdd("s", EntryID(i).String(), ShapeB.Fields(i)); err != nil {
			return fmt.Errorf("miniredis XAdd: %w", err)
		}
	}
	mini, err := c.gcHeld(func(i int) error {
		_, err := m.XAdd("s", "*", kv[i%len(kv)])
		return err
	})
	m = nil
	if err != nil {
		return fmt.Errorf("miniredis: %w", err)
	}

	for i, v := range [][2]float64{{ins.cpuMs, mini.cpuMs}, {ins.p50, mini.p50}, {ins.p99, mini.p99}, {ins.baseP99, mini.baseP99}} {
		rows[i].Instream, rows[i].Mini = v[0], v[1]
	}
	if c.redisC != nil {
		p50, p99, err := c.redisAddLatency(10*c.cfg.WakeTrials, kv)
		if err != nil {
			return err
		}
		rows[1].Redis, rows[2].Redis = p50, p99
		rows[1].RedisNote = "go-redis XADD round trip over loopback, no GC"
		rows[2].RedisNote = rows[1].RedisNote
	}
	for _, r := range rows {
		c.row(r)
	}
	return nil
}

// gcHeld forces collections while a goroutine calls add(0), add(1), ...
// without pause, timing each call. Each cycle is first run alone, with
// the adder paused, for its CPU time, then beside the adder, which also
// runs for 20 ms before it for the baseline.
func (c *comparer) gcHeld(add func(i int) error) (gcResult, error) {
	var inGC, paused, stop atomic.Bool
	var nGC atomic.Int64
	gcLat := make([]time.Duration, 0, gcMaxSamples)
	base := make([]time.Duration, 0, gcMaxSamples)
	var addErr error
	done := make(chan struct{})
	paused.Store(true)
	go func() {
		defer close(done)
		for i := 0; !stop.Load(); i++ {
			if paused.Load() {
				time.Sleep(time.Millisecond)
				continue
			}
			began := inGC.Load()
			t0 := time.Now()
			if addErr = add(i); addErr != nil {
				return
			}
			d := time.Since(t0)
			switch ended := inGC.Load(); {
			case began && ended && len(gcLat) < cap(gcLat):
				gcLat = append(gcLat, d)
				nGC.Add(1)
			case !began && !ended && len(base) < cap(base):
				base = append(base, d)
			}
		}
	}()

	var cpu time.Duration
	cycles := 0
	for cycles < c.cfg.Reps || nGC.Load() < gcMinSamples && cycles < gcMaxCycles {
		time.Sleep(5 * time.Millisecond) // the adder sees paused
		cpu0 := cpuTime()
		runtime.GC()
		cpu += cpuTime() - cpu0

		paused.Store(false)
		time.Sleep(20 * time.Millisecond)
		inGC.Store(true)
		runtime.GC()
		inGC.Store(false)
		paused.Store(true)
		cycles++
	}
	stop.Store(true)
	<-done
	if addErr != nil {
		return gcResult{}, addErr
	}
	slices.Sort(gcLat)
	slices.Sort(base)
	r := gcResult{
		cpuMs:   float64(cpu) / 1e6 / float64(cycles),
		p50:     us(percentile(gcLat, 50)),
		p99:     us(percentile(gcLat, 99)),
		baseP99: us(percentile(base, 99)),
	}
	if len(gcLat) == 0 {
		r.p50, r.p99 = na, na
	}
	c.logf("gc: %d cycles, %d adds inside them, %d between", cycles, len(gcLat), len(base))
	return r, nil
}

// redisAddLatency returns the p50 and p99, in µs, of calls XADD round
// trips of one go-redis client, one at a time, to a stream of its own.
func (c *comparer) redisAddLatency(calls int, kv [][]string) (p50, p99 float64, err error) {
	lat := make([]time.Duration, calls)
	for i := range lat {
		t0 := time.Now()
		if err := c.redisC.Do(c.ctx, xaddArgs("gc", "*", kv[i%len(kv)])...).Err(); err != nil {
			return 0, 0, fmt.Errorf("redis-server XADD: %w", err)
		}
		lat[i] = time.Since(t0)
	}
	if err := c.redisC.Del(c.ctx, "gc").Err(); err != nil {
		return 0, 0, err
	}
	slices.Sort(lat)
	return us(percentile(lat, 50)), us(percentile(lat, 99)), nil
}

// countText writes n as the flags take it: 1e7 for 10,000,000, 25e3 for
// 25,000, and n itself below 1000 or when it does not end in 000.
func countText(n int) string {
	k := 0
	m := n
	for m != 0 && m%10 == 0 {
		m /= 10
		k++
	}
	if k < 3 {
		return strconv.Itoa(n)
	}
	return strconv.Itoa(m) + "e" + strconv.Itoa(k)
}
