package bench

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"runtime"
	"strconv"
	"sync"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/instream/instream"
)

// cpuCounts are the goroutine counts of the cpus part; GOMAXPROCS is set
// to each in turn.
var cpuCounts = []int{1, 2}

// cpus measures adds on distinct streams with 1 and then 2 goroutines,
// GOMAXPROCS set to the goroutine count, each goroutine adding TimingN
// shape-b entries (XADD *) to a stream of its own: the wall-clock
// throughput of all together, and the second's over the first's. Redis
// runs its commands on one thread; its side is 1 and 2 loopback
// connections sending pre-encoded XADD, pipelined, from a client with
// every CPU.
func (c *comparer) cpus() error {
	n := c.cfg.TimingN
	c.logf("cpus: %d adds per goroutine, GOMAXPROCS %v", n, cpuCounts)
	if runtime.NumCPU() < cpuCounts[len(cpuCounts)-1] {
		c.rep.Notes = append(c.rep.Notes, fmt.Sprintf("cpus: the machine has %d CPU(s), fewer than the %d goroutines of the last row.", runtime.NumCPU(), cpuCounts[len(cpuCounts)-1]))
	}
	procs := runtime.GOMAXPROCS(0)
	defer runtime.GOMAXPROCS(procs)
	kv, fields := fieldPool()
	var rows []Row
	for _, p := range cpuCounts {
		runtime.GOMAXPROCS(p)
		row := Row{Op: cpusOp(p), Unit: "adds/s", MiniHow: "direct", Redis: na}

		var e *instream.Engine
		t, err := measureErr(c.cfg.Reps, p*n, func() {
			if e != nil {
				e.Close()
			}
			e = instream.New(instream.Options{})
		}, func() error {
			return parallel(p, func(g int) error {
				key := "s" + strconv.Itoa(g)
				for i := range n {
					if _, err := e.Add(key, instream.AddArgs{Fields: fields[i%len(fields)]}); err != nil {
						return fmt.Errorf("instream Add(%s): %w", key, err)
					}
				}
				return nil
			})
		})
		e.Close()
		if err != nil {
			return err
		}
		row.Instream, row.Spread = 1e9/t.ns, num(1e9/t.max)+".."+num(1e9/t.min)
		row.InstreamAllocs = t.allocs

		var m *miniredis.Miniredis
		t, err = measureErr(c.cfg.Reps, p*n, func() { m = miniredis.NewMiniRedis() }, func() error {
			return parallel(p, func(g int) error {
				key := "s" + strconv.Itoa(g)
				for i := range n {
					if _, err := m.XAdd(key, "*", kv[i%len(kv)]); err != nil {
						return fmt.Errorf("miniredis XAdd(%s): %w", key, err)
					}
				}
				return nil
			})
		})
		m = nil
		if err != nil {
			return err
		}
		row.Mini = 1e9 / t.ns

		if c.redisC != nil {
			// The client keeps every CPU, so that the server is the bound.
			runtime.GOMAXPROCS(procs)
			if row.Redis, err = c.redisCPUs(p, n, kv); err != nil {
				return err
			}
		}
		rows = append(rows, row)
	}
	first, last := rows[0], rows[len(rows)-1]
	gain := Row{
		Op:   fmt.Sprintf("adds on distinct streams: GOMAXPROCS %d ÷ GOMAXPROCS %d (redis-server: %d connections ÷ %d)", cpuCounts[len(cpuCounts)-1], cpuCounts[0], cpuCounts[len(cpuCounts)-1], cpuCounts[0]),
		Unit: "×", MiniHow: "direct", InstreamAllocs: na,
		Instream: last.Instream / first.Instream, Mini: last.Mini / first.Mini, Redis: last.Redis / first.Redis,
	}
	for _, r := range append(rows, gain) {
		c.row(r)
	}
	return nil
}

func cpusOp(p int) string {
	if p == 1 {
		return "adds, 1 goroutine on its own stream, GOMAXPROCS 1 (redis-server: 1 connection)"
	}
	return fmt.Sprintf("adds, %d goroutines each on its own stream, GOMAXPROCS %d (redis-server: %d connections)", p, p, p)
}

// redisCPUs returns the adds per second of p connections, each sending n
// pre-encoded XADD s<k> * commands to a stream of its own, in chunks of
// pipelineDepth, rawInFlight chunks ahead of the replies; the median of
// Reps runs.
func (c *comparer) redisCPUs(p, n int, kv [][]string) (float64, error) {
	conns := make([]*rawConn, p)
	for g := range p {
		rc, err := dialRaw(c.ctx, c.redis.Addr, "s"+strconv.Itoa(g), n, kv)
		if err != nil {
			return 0, err
		}
		defer rc.Close()
		conns[g] = rc
	}
	// The server's main thread's CPU time over the runs' wall time: how
	// much of a core it used (two INFO calls in each timed run, some
	// 100 µs of hundreds of ms).
	var cpu, wall float64
	t, err := measureErr(c.cfg.Reps, p*n, func() { c.redisC.FlushAll(c.ctx) }, func() error {
		cpu0, err := c.redisMainCPU()
		if err != nil {
			return err
		}
		t0 := time.Now()
		if err := parallel(p, func(g int) error { return conns[g].run() }); err != nil {
			return err
		}
		wall += time.Since(t0).Seconds()
		cpu1, err := c.redisMainCPU()
		cpu += cpu1 - cpu0
		return err
	})
	if err != nil {
		return 0, err
	}
	what := "1 connection"
	if p != 1 {
		what = strconv.Itoa(p) + " connections"
	}
	c.rep.Notes = append(c.rep.Notes, fmt.Sprintf("cpus: with %s, redis-server's main thread was busy %.0f%% of the wall time (INFO cpu).", what, 100*cpu/wall))
	return 1e9 / t.ns, c.redisC.FlushAll(c.ctx).Err()
}

// redisMainCPU returns the CPU seconds, user and system, of redis-server's
// main thread.
func (c *comparer) redisMainCPU() (float64, error) {
	m, err := info(c.ctx, c.redisC, "cpu")
	if err != nil {
		return 0, err
	}
	var sum float64
	for _, k := range []string{"used_cpu_user_main_thread", "used_cpu_sys_main_thread"} {
		v, err := strconv.ParseFloat(m[k], 64)
		if err != nil {
			return 0, fmt.Errorf("redis-server INFO cpu %s = %q: %w", k, m[k], err)
		}
		sum += v
	}
	return sum, nil
}

// rawConn is a connection to Redis with its XADD commands encoded
// beforehand, so that the client's own work is a write and a scan of the
// replies.
type rawConn struct {
	conn   net.Conn
	r      *bufio.Reader
	chunks [][]byte // pipelineDepth commands each, the last maybe fewer
	n      int
}

func dialRaw(ctx context.Context, addr, key string, n int, kv [][]string) (*rawConn, error) {
	var d net.Dialer
	conn, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return nil, err
	}
	rc := &rawConn{conn: conn, r: bufio.NewReaderSize(conn, 64<<10), n: n}
	var buf bytes.Buffer
	for i := range n {
		args := append([]string{"XADD", key, "*"}, kv[i%len(kv)]...)
		fmt.Fprintf(&buf, "*%d\r\n", len(args))
		for _, a := range args {
			fmt.Fprintf(&buf, "$%d\r\n%s\r\n", len(a), a)
		}
		if (i+1)%pipelineDepth == 0 || i == n-1 {
			rc.chunks = append(rc.chunks, bytes.Clone(buf.Bytes()))
			buf.Reset()
		}
	}
	return rc, nil
}

// rawInFlight is the number of chunks a rawConn has sent and not yet
// read the replies of: enough that the server never waits for the client.
const rawInFlight = 10

// run sends the chunks, up to rawInFlight ahead of the replies read.
func (rc *rawConn) run() error {
	sent := make(chan int, rawInFlight) // the number of commands of each chunk sent
	werr := make(chan error, 1)
	go func() {
		defer close(sent)
		left := rc.n
		for _, chunk := range rc.chunks {
			if _, err := rc.conn.Write(chunk); err != nil {
				werr <- err
				return
			}
			sent <- min(left, pipelineDepth)
			left -= pipelineDepth
		}
	}()
	var err error
	for k := range sent {
		for ; k > 0 && err == nil; k-- {
			err = rc.readIDReply()
		}
		if err != nil {
			// Unblock the writer: it may be waiting on a full window or
			// on a server that stopped reading.
			rc.conn.Close()
			for range sent {
			}
			return err
		}
	}
	select {
	case err = <-werr:
	default:
	}
	return err
}

// readIDReply reads one XADD reply: a bulk string holding the new ID.
func (rc *rawConn) readIDReply() error {
	line, err := rc.r.ReadSlice('\n')
	if err != nil {
		return err
	}
	if len(line) == 0 || line[0] != '$' {
		return fmt.Errorf("redis-server XADD replied %q", bytes.TrimSpace(line))
	}
	_, err = rc.r.ReadSlice('\n')
	return err
}

func (rc *rawConn) Close() error { return rc.conn.Close() }

// parallel runs fn(0) .. fn(p-1) in p goroutines and joins their errors.
func parallel(p int, fn func(g int) error) error {
	errs := make([]error, p)
	var wg sync.WaitGroup
	for g := range p {
		wg.Go(func() { errs[g] = fn(g) })
	}
	wg.Wait()
	return errors.Join(errs...)
}
