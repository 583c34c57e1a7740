package bench

import (
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/instream/instream"
	"github.com/redis/go-redis/v9"
)

// Config says what Compare measures.
type Config struct {
	// N is the number of entries loaded per memory test.
	N int
	// TimingN is the number of entries in the timed streams.
	TimingN int
	// Calls is the number of range and seek calls per measurement.
	Calls int
	// Reps is the number of repetitions of each instream and miniredis
	// timing; the median is reported.
	Reps int
	// Budget bounds the time spent on one miniredis timing, whose reads
	// are O(n).
	Budget time.Duration
	// WakeTrials is the number of blocking-read wake-ups timed.
	WakeTrials int
	// RedisServer is the path of redis-server; if empty, Redis is skipped.
	RedisServer string
	// Log receives progress lines; if nil, they are dropped.
	Log io.Writer
	// PELN is the number of pending entries of the pel part (default
	// 1e5), and Consumers the number of consumers it creates (default 1e4).
	PELN, Consumers int
	// DurableN is the number of adds per durable-publish run of the
	// jetstream part (default 1e4), and QueueN the number of messages per
	// queue run (default 1e5). Its latency part times WakeTrials messages.
	DurableN, QueueN int
	// GCN is the number of shape-b entries held in the gc part (default
	// 1e7), and GCMiniN miniredis's (default 1e6: it needs about seven
	// times instream's memory per entry).
	GCN, GCMiniN int
	// Only, if not empty, lists the parts to run, among Parts.
	Only []string
}

// Parts are the parts of the comparison, in the order they run.
var Parts = []string{"memory", "pel", "add", "cpus", "gc", "range", "groups", "wake", "client", "jetstream"}

// Row is one line of the comparison. Figures not measured are NaN.
type Row struct {
	Op   string
	Unit string
	// Instream, Mini and Redis are the three figures. Redis's timings are
	// server CPU per call (INFO commandstats); miniredis's reads go through
	// go-redis over loopback, so they include the client and the network.
	Instream, Mini, Redis float64
	// InstreamAllocs is instream's allocations per operation (timings).
	InstreamAllocs float64
	// Spread is instream's [min..max] over the repetitions, or "".
	Spread string
	// MiniHow says how miniredis was driven ("direct" or "tcp").
	MiniHow string
	// MiniNote and RedisNote, if set, follow the figure in its cell and
	// leave its ratio out: the figure was not measured as instream's was
	// (another size, another method), or there is none, and why.
	MiniNote, RedisNote string
}

// Report is the outcome of Compare.
type Report struct {
	Config  Config
	Machine string
	Rows    []Row
	// Side holds the jetstream part: instream beside embedded NATS
	// JetStream.
	Side  []SideRow
	Notes []string
}

// Compare measures instream against miniredis and, if cfg.RedisServer is
// set, a redis-server it starts and stops itself.
func Compare(ctx context.Context, cfg Config) (*Report, error) {
	for _, part := range cfg.Only {
		if !slices.Contains(Parts, part) {
			return nil, fmt.Errorf("unknown part %q; the parts are %s", part, strings.Join(Parts, ", "))
		}
	}
	if cfg.Log == nil {
		cfg.Log = io.Discard
	}
	cfg.Reps = max(cfg.Reps, 1)
	if cfg.PELN <= 0 {
		cfg.PELN = defaultPELN
	}
	if cfg.Consumers <= 0 {
		cfg.Consumers = defaultConsumers
	}
	if cfg.DurableN <= 0 {
		cfg.DurableN = defaultDurableN
	}
	if cfg.QueueN <= 0 {
		cfg.QueueN = defaultQueueN
	}
	if cfg.GCN <= 0 {
		cfg.GCN = defaultGCN
	}
	if cfg.GCMiniN <= 0 {
		cfg.GCMiniN = defaultGCMiniN
	}
	rep := &Report{Config: cfg}
	c := &comparer{cfg: cfg, rep: rep, ctx: ctx}
	run := func(part string) bool { return len(cfg.Only) == 0 || slices.Contains(cfg.Only, part) }
	if len(cfg.Only) == 1 && cfg.Only[0] == "jetstream" {
		// Needs neither miniredis nor redis-server.
		rep.Machine = machine("not run")
		return rep, c.jetstream()
	}

	var err error
	c.mini = miniredis.NewMiniRedis()
	if err = c.mini.Start(); err != nil {
		return nil, fmt.Errorf("start miniredis: %w", err)
	}
	defer c.mini.Close()
	c.miniC = NewClient(c.mini.Addr())
	defer c.miniC.Close()

	redisVersion := "not run"
	if cfg.RedisServer != "" {
		c.redis, err = StartRedis(ctx, cfg.RedisServer)
		if err != nil {
			return nil, err
		}
		defer c.redis.Stop()
		c.redisC = c.redis.Client()
		defer c.redisC.Close()
		m, err := info(ctx, c.redisC, "server")
		if err != nil {
			return nil, err
		}
		redisVersion = "redis-server " + m["redis_version"]
	} else {
		rep.Notes = append(rep.Notes, "redis-server not found: its column is empty.")
	}
	rep.Machine = machine(redisVersion)

	steps := []struct {
		run  bool
		step func() error
	}{
		{run("memory"), c.memory},
		{run("pel"), c.pel},
		{run("add"), c.add},
		{run("cpus"), c.cpus},
		{run("gc"), c.gc},
		{run("range") || run("groups"), c.load},
		{run("range"), c.ranges},
		{run("groups"), c.groups},
		{run("wake"), c.wake},
		{run("client"), c.clientPart},
		{run("jetstream"), c.jetstream},
	}
	for _, s := range steps {
		if !s.run {
			continue
		}
		if err := s.step(); err != nil {
			return rep, err
		}
	}
	return rep, nil
}

type comparer struct {
	cfg    Config
	rep    *Report
	ctx    context.Context
	mini   *miniredis.Miniredis
	miniC  *redis.Client
	redis  *Redis
	redisC *redis.Client

	// eng holds the timed stream "r": TimingN shape-b entries with
	// explicit IDs, loaded in all three.
	eng *instream.Engine
}

func (c *comparer) logf(format string, args ...any) {
	fmt.Fprintf(c.cfg.Log, format+"\n", args...)
}

func (c *comparer) row(r Row) { c.rep.Rows = append(c.rep.Rows, r) }

// memory measures the memory per entry of each shape.
func (c *comparer) memory() error {
	n := c.cfg.N
	for _, sh := range Shapes {
		c.logf("memory: shape %s, %d entries", sh.Name, n)
		row := Row{Op: "memory, shape " + sh.Name, Unit: "B/entry", Redis: na, InstreamAllocs: na, MiniHow: "direct"}

		h0 := heapAlloc()
		e := instream.New(instream.Options{})
		for i := range n {
			if _, err := e.Add("m", instream.AddArgs{ID: EntryID(i), Fields: Fields(sh.Fields(i))}); err != nil {
				return fmt.Errorf("instream add: %w", err)
			}
		}
		row.Instream = float64(heapAlloc()-h0) / float64(n)
		runtime.KeepAlive(e)
		e.Close()
		e = nil

		h0 = heapAlloc()
		m := miniredis.NewMiniRedis()
		for i := range n {
			if _, err := m.XAdd("m", EntryID(i).String(), sh.Fields(i)); err != nil {
				return fmt.Errorf("miniredis XAdd: %w", err)
			}
		}
		row.Mini = float64(heapAlloc()-h0) / float64(n)
		runtime.KeepAlive(m)
		m = nil

		if c.redisC != nil {
			v, err := c.redisMemory(sh, n)
			if err != nil {
				return err
			}
			row.Redis = v
		}
		c.row(row)
	}
	return nil
}

// redisMemory loads n entries of sh with pipelined XADD on a connection of
// its own, closes it, and returns the growth of used_memory per entry.
func (c *comparer) redisMemory(sh Shape, n int) (float64, error) {
	ctx := c.ctx
	if err := c.redisC.FlushAll(ctx).Err(); err != nil {
		return 0, err
	}
	m0, err := usedMemory(ctx, c.redisC)
	if err != nil {
		return 0, err
	}
	loader := NewClient(c.redis.Addr)
	err = pipelined(ctx, loader, n, func(p redis.Pipeliner, i int) {
		p.Do(ctx, xaddArgs("m", EntryID(i).String(), sh.Fields(i))...)
	})
	loader.Close()
	if err != nil {
		return 0, err
	}
	m1, err := usedMemory(ctx, c.redisC)
	if err != nil {
		return 0, err
	}
	if err := c.redisC.FlushAll(ctx).Err(); err != nil {
		return 0, err
	}
	return float64(m1-m0) / float64(n), nil
}

// pipelineDepth is the number of commands sent per round trip.
const pipelineDepth = 100

// pipelined sends n commands built by cmd through c, pipelineDepth at a
// time, and fails on the first error reply.
func pipelined(ctx context.Context, c *redis.Client, n int, cmd func(p redis.Pipeliner, i int)) error {
	for i := 0; i < n; {
		p := c.Pipeline()
		for end := min(n, i+pipelineDepth); i < end; i++ {
			cmd(p, i)
		}
		if _, err := p.Exec(ctx); err != nil {
			return err
		}
	}
	return nil
}

func xaddArgs(key, id string, kv []string) []any {
	a := make([]any, 0, 3+len(kv))
	a = append(a, "XADD", key, id)
	for _, s := range kv {
		a = append(a, s)
	}
	return a
}

// fieldPool returns 1024 shape-b entries to cycle through, so that
// building them stays out of the timed loops.
func fieldPool() (kv [][]string, fields [][]instream.Field) {
	for i := range 1024 {
		kv = append(kv, ShapeB.Fields(i))
		fields = append(fields, Fields(kv[i]))
	}
	return kv, fields
}

// add measures adding TimingN shape-b entries with generated IDs to a new
// stream.
func (c *comparer) add() error {
	n := c.cfg.TimingN
	c.logf("add: %d entries", n)
	kv, fields := fieldPool()
	row := Row{Op: "add (XADD *), shape b", Unit: "µs/entry", MiniHow: "direct", Redis: na}

	var e *instream.Engine
	var err error
	t := measure(c.cfg.Reps, n, func() {
		if e != nil {
			e.Close()
		}
		e = instream.New(instream.Options{})
	}, func() {
		for i := range n {
			if _, err2 := e.Add("s", instream.AddArgs{Fields: fields[i%len(fields)]}); err2 != nil {
				err = err2
				return
			}
		}
	})
	if err != nil {
		return err
	}
	row.setInstream(t)

	// The same through Do, as a test suite using instream as a fake of
	// Redis would call it.
	doRow := Row{Op: "add through Do (XADD s * ...)", Unit: "µs/entry", Mini: na, Redis: na}
	xadd := make([][]string, len(kv))
	for i := range kv {
		xadd[i] = append([]string{"XADD", "s", "*"}, kv[i]...)
	}
	t = measure(c.cfg.Reps, n, func() {
		e.Close()
		e = instream.New(instream.Options{})
	}, func() {
		for i := range n {
			if _, err2 := e.Do(c.ctx, xadd[i%len(xadd)]...); err2 != nil {
				err = err2
				return
			}
		}
	})
	e.Close()
	if err != nil {
		return fmt.Errorf("Do XADD: %w", err)
	}
	doRow.setInstream(t)

	key := 0
	tm := measure(c.cfg.Reps, n, func() { key++ }, func() {
		k := fmt.Sprintf("s%d", key)
		for i := range n {
			if _, err2 := c.mini.XAdd(k, "*", kv[i%len(kv)]); err2 != nil {
				err = err2
				return
			}
		}
	})
	if err != nil {
		return err
	}
	row.Mini = tm.ns / 1e3
	c.mini.FlushAll()

	if c.redisC != nil {
		usec, err := serverUsec(c.ctx, c.redisC, func() error {
			return pipelined(c.ctx, c.redisC, n, func(p redis.Pipeliner, i int) {
				p.Do(c.ctx, xaddArgs("s", "*", kv[i%len(kv)])...)
			})
		}, "xadd")
		if err != nil {
			return err
		}
		row.Redis = usec / float64(n)
		doRow.Redis = row.Redis
		if err := c.redisC.Del(c.ctx, "s").Err(); err != nil {
			return err
		}
	}
	c.row(row)
	c.row(doRow)
	return nil
}

func (r *Row) setInstream(t timing) {
	r.Instream = t.ns / 1e3
	r.InstreamAllocs = t.allocs
	r.Spread = num(t.min/1e3) + ".." + num(t.max/1e3)
}

// load fills stream "r" with TimingN shape-b entries with explicit IDs in
// all three.
func (c *comparer) load() error {
	n := c.cfg.TimingN
	c.logf("load: %d entries into r", n)
	c.eng = instream.New(instream.Options{})
	for i := range n {
		if _, err := c.eng.Add("r", instream.AddArgs{ID: EntryID(i), Fields: Fields(ShapeB.Fields(i))}); err != nil {
			return err
		}
		if _, err := c.mini.XAdd("r", EntryID(i).String(), ShapeB.Fields(i)); err != nil {
			return err
		}
	}
	if c.redisC != nil {
		return pipelined(c.ctx, c.redisC, n, func(p redis.Pipeliner, i int) {
			p.Do(c.ctx, xaddArgs("r", EntryID(i).String(), ShapeB.Fields(i))...)
		})
	}
	return nil
}

// ranges measures XRANGE r <random id> + COUNT 100 and COUNT 1.
func (c *comparer) ranges() error {
	for _, count := range []int{100, 1} {
		n, calls := c.cfg.TimingN, c.cfg.Calls
		c.logf("range: count %d, %d calls", count, calls)
		rng := rand.New(rand.NewPCG(7, uint64(count)))
		starts := make([]string, calls)
		ids := make([]instream.ID, calls)
		for j := range starts {
			ids[j] = EntryID(rng.IntN(n - count + 1))
			starts[j] = ids[j].String()
		}
		op := "range, 100 entries from a random ID (per call)"
		if count == 1 {
			op = "seek: range COUNT 1 at a random ID"
		}
		row := Row{Op: op, Unit: "µs/call", MiniHow: "tcp", Redis: na}

		var err error
		t := measure(c.cfg.Reps, calls, nil, func() {
			for _, id := range ids {
				got, err2 := c.eng.Range("r", id, instream.MaxID, count)
				if err2 != nil || len(got) != count {
					err = fmt.Errorf("Range(r, %v, +, %d) = %d entries, %v", id, count, len(got), err2)
					return
				}
			}
		})
		if err != nil {
			return err
		}
		row.setInstream(t)

		doRow := Row{Op: "range 100 through Do (XRANGE r id + COUNT 100)", Unit: "µs/call", Mini: na, Redis: na}
		if count == 1 {
			doRow.Op = "seek through Do (XRANGE r id + COUNT 1)"
		}
		cnt := strconv.Itoa(count)
		t = measure(c.cfg.Reps, calls, nil, func() {
			for _, start := range starts {
				got, err2 := c.eng.Do(c.ctx, "XRANGE", "r", start, "+", "COUNT", cnt)
				if l, _ := got.([]any); err2 != nil || len(l) != count {
					err = fmt.Errorf("Do XRANGE r %s + COUNT %d = %v, %v", start, count, got, err2)
					return
				}
			}
		})
		if err != nil {
			return err
		}
		doRow.setInstream(t)

		// DoTo, the server's path: the same command, its entries handed
		// over typed instead of as Do's []any.
		toRow := Row{Op: "range 100 through DoTo (XRANGE, typed reply)", Unit: "µs/call", Mini: na, Redis: na}
		if count == 1 {
			toRow.Op = "seek through DoTo (XRANGE COUNT 1, typed reply)"
		}
		t = measure(c.cfg.Reps, calls, nil, func() {
			for _, start := range starts {
				var w entryCounter
				err2 := c.eng.DoTo(c.ctx, &w, "XRANGE", "r", start, "+", "COUNT", cnt)
				if err2 != nil || w.n != count {
					err = fmt.Errorf("DoTo XRANGE r %s + COUNT %d = %d entries, %v", start, count, w.n, err2)
					return
				}
			}
		})
		if err != nil {
			return err
		}
		toRow.setInstream(t)

		mean, _, err := budgeted(calls, c.cfg.Budget, func(j int) error {
			return c.miniC.Do(c.ctx, "XRANGE", "r", starts[j], "+", "COUNT", count).Err()
		})
		if err != nil {
			return fmt.Errorf("miniredis XRANGE: %w", err)
		}
		row.Mini = mean / 1e3

		if c.redisC != nil {
			usec, err := serverUsec(c.ctx, c.redisC, func() error {
				return pipelined(c.ctx, c.redisC, calls, func(p redis.Pipeliner, j int) {
					p.Do(c.ctx, "XRANGE", "r", starts[j], "+", "COUNT", count)
				})
			}, "xrange")
			if err != nil {
				return err
			}
			row.Redis = usec / float64(calls)
			doRow.Redis = row.Redis
			toRow.Redis = row.Redis
		}
		c.row(row)
		c.row(doRow)
		c.row(toRow)
	}
	return nil
}

// entryCounter is a ReplyWriter that counts the entries of XRANGE.
type entryCounter struct{ n int }

func (w *entryCounter) WriteID(instream.ID)                       {}
func (w *entryCounter) WriteEntries(ens []instream.Entry)         { w.n += len(ens) }
func (w *entryCounter) WriteStreams([]instream.StreamEntries)     {}
func (w *entryCounter) WriteGroupEntries([]instream.GroupEntries) {}
func (w *entryCounter) WriteValue(any)                            {}
