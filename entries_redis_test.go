package instream

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"os"
	"strconv"
	"testing"
)

// TestEntriesAgainstRedis runs random workloads on a real redis-server
// and on entries side by side, and compares lengths, trim results and
// node counts (XINFO STREAM's radix-tree-keys). It runs only when
// INSTREAM_REDIS names a server, e.g. INSTREAM_REDIS=127.0.0.1:7391; it
// prints the figures that TestNodeBoundaries pins.
func TestEntriesAgainstRedis(t *testing.T) {
	addr := os.Getenv("INSTREAM_REDIS")
	if addr == "" {
		t.Skip("set INSTREAM_REDIS=host:port to compare with a real redis-server")
	}
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	rc := &respConn{r: bufio.NewReader(conn), w: bufio.NewWriter(conn)}
	for _, w := range redisWorkloads {
		rc.do(t, "DEL", "s")
		rc.do(t, "CONFIG", "SET", "stream-node-max-entries", strconv.Itoa(w.maxEntries))
		rc.do(t, "CONFIG", "SET", "stream-node-max-bytes", strconv.Itoa(w.maxBytes))
		got := runWorkload(w, func(args ...string) any { return rc.do(t, args...) })
		t.Logf("{seed: %d, maxEntries: %d, maxBytes: %d, adds: %d, dels: %d, trims: %d, small: %v, wantNodes: %d, wantLen: %d, wantRemoved: %d},",
			w.seed, w.maxEntries, w.maxBytes, w.adds, w.dels, w.trims, w.small, got.nodes, got.length, got.removed)
		if got.mismatch != "" {
			t.Errorf("workload %+v: %s", w, got.mismatch)
		}
		if got.nodes != w.wantNodes || got.length != w.wantLen || got.removed != w.wantRemoved {
			t.Errorf("workload %d: the pinned figures are stale: update redisWorkloads", w.seed)
		}
	}
}

// workload is a random sequence of adds, deletes and trims.
type workload struct {
	seed                 uint64
	maxEntries, maxBytes int
	adds, dels, trims    int  // per cent of the steps
	small                bool // short values only
	wantNodes, wantLen   int
	wantRemoved          int64 // total of the trim replies
}

// redisWorkloads are the workloads TestEntriesAgainstRedis runs; their
// results from redis-server 7.0.15 are pinned in TestNodeBoundaries.
var redisWorkloads = []workload{
	{seed: 1, maxEntries: 100, maxBytes: 4096, adds: 100, dels: 0, trims: 0, wantNodes: 510, wantLen: 3000, wantRemoved: 0},
	{seed: 2, maxEntries: 0, maxBytes: 4096, adds: 100, dels: 0, trims: 0, wantNodes: 464, wantLen: 3000, wantRemoved: 0},
	{seed: 3, maxEntries: 1000, maxBytes: 16384, adds: 100, dels: 0, trims: 0, wantNodes: 120, wantLen: 3000, wantRemoved: 0},
	{seed: 4, maxEntries: 100, maxBytes: 4096, adds: 80, dels: 15, trims: 5, wantNodes: 34, wantLen: 243, wantRemoved: 2054},
	{seed: 5, maxEntries: 10, maxBytes: 1000, adds: 70, dels: 20, trims: 10, wantNodes: 21, wantLen: 91, wantRemoved: 1907},
	{seed: 6, maxEntries: 7, maxBytes: 0, adds: 75, dels: 15, trims: 10, wantNodes: 21, wantLen: 143, wantRemoved: 2010},
	{seed: 7, maxEntries: 0, maxBytes: 300, adds: 80, dels: 10, trims: 10, wantNodes: 48, wantLen: 132, wantRemoved: 2239},
	{seed: 8, maxEntries: 2, maxBytes: 4096, adds: 70, dels: 20, trims: 10, wantNodes: 73, wantLen: 137, wantRemoved: 1889},
	{seed: 9, maxEntries: 100, maxBytes: 4096, adds: 60, dels: 35, trims: 5, wantNodes: 21, wantLen: 135, wantRemoved: 1498},
	{seed: 10, maxEntries: 1, maxBytes: 4096, adds: 80, dels: 5, trims: 15, wantNodes: 29, wantLen: 29, wantRemoved: 2307},
	{seed: 11, maxEntries: 0, maxBytes: 0, adds: 90, dels: 5, trims: 5, wantNodes: 1, wantLen: 279, wantRemoved: 2406},
	{seed: 12, maxEntries: 0, maxBytes: 4096, adds: 100, small: true, wantNodes: 20, wantLen: 3000},
	{seed: 13, maxEntries: 0, maxBytes: 8192, adds: 85, dels: 13, trims: 2, small: true, wantNodes: 3, wantLen: 529, wantRemoved: 1932},
	{seed: 14, maxEntries: 300, maxBytes: 0, adds: 90, dels: 8, trims: 2, small: true, wantNodes: 3, wantLen: 509, wantRemoved: 2113},
}

type workloadResult struct {
	nodes, length int
	removed       int64
	mismatch      string
}

// runWorkload applies w to entries and, if redis is not nil, to Redis
// through it, comparing each reply.
func runWorkload(w workload, redis func(args ...string) any) workloadResult {
	g := newGen(w.seed)
	g.small = w.small
	r := g.rng
	t := newEntries(w.maxEntries, w.maxBytes)
	var ids []ID
	var res workloadResult
	fail := func(format string, args ...any) workloadResult {
		res.mismatch = fmt.Sprintf(format, args...)
		return res
	}
	for step := range 3000 {
		switch k := r.IntN(100); {
		case k < w.adds:
			id, ok := g.id()
			if !ok {
				continue
			}
			fs := g.fields()
			ids = append(ids, id)
			t.add(id, fs)
			if redis != nil {
				args := []string{"XADD", "s", id.String()}
				for _, f := range fs {
					args = append(args, f.Name, f.Value)
				}
				if got := redis(args...); got != id.String() {
					return fail("step %d: XADD %v: %v", step, id, got)
				}
			}
		case k < w.adds+w.dels:
			if len(ids) == 0 {
				continue
			}
			id := ids[r.IntN(len(ids))]
			n := int64(0)
			if t.remove(id) {
				n = 1
			}
			if redis != nil {
				if got := redis("XDEL", "s", id.String()); got != n {
					return fail("step %d: XDEL %v: %v, want %d", step, id, got, n)
				}
			}
		default:
			spec := trimSpec{maxLen: -1, limit: -1}
			args := []string{"XTRIM", "s"}
			if r.IntN(2) == 0 {
				spec.maxLen = int64(t.len()) - r.Int64N(int64(t.len())/4+3)
				spec.maxLen = max(spec.maxLen, 0)
				args = append(args, "MAXLEN")
			} else if len(ids) > 0 {
				spec.minID = ids[r.IntN(len(ids))]
				args = append(args, "MINID")
			} else {
				continue
			}
			spec.approx = r.IntN(2) == 0
			if spec.approx {
				args = append(args, "~")
			} else {
				args = append(args, "=")
			}
			if spec.maxLen >= 0 {
				args = append(args, strconv.FormatInt(spec.maxLen, 10))
			} else {
				args = append(args, spec.minID.String())
			}
			if spec.approx {
				if r.IntN(2) == 0 {
					spec.limit = 1 + r.Int64N(300)
					args = append(args, "LIMIT", strconv.FormatInt(spec.limit, 10))
				} else {
					spec.limit = 100 * int64(w.maxEntries)
					if spec.limit <= 0 {
						spec.limit = 10000
					}
				}
			}
			n := t.trim(spec)
			res.removed += n
			if redis != nil {
				if got := redis(args...); got != n {
					return fail("step %d: %v: %v, want %d", step, args, got, n)
				}
			}
		}
		if redis != nil && step%50 == 0 {
			if got := redisNodes(redis); got != t.nodes() {
				return fail("step %d: radix-tree-keys %d, nodes() %d", step, got, t.nodes())
			}
		}
	}
	res.nodes, res.length = t.nodes(), t.len()
	if redis != nil {
		if got := redisNodes(redis); got != res.nodes {
			return fail("end: radix-tree-keys %d, nodes() %d", got, res.nodes)
		}
		if got := redis("XLEN", "s"); got != int64(res.length) {
			return fail("end: XLEN %v, len() %d", got, res.length)
		}
	}
	return res
}

func redisNodes(redis func(args ...string) any) int {
	info, ok := redis("XINFO", "STREAM", "s").([]any)
	if !ok {
		return 0 // no such key yet: nothing was ever added
	}
	for i := 0; i+1 < len(info); i += 2 {
		if info[i] == "radix-tree-keys" {
			n, _ := info[i+1].(int64)
			return int(n)
		}
	}
	return -1
}

// respConn is the least RESP2 client that runs the comparison.
type respConn struct {
	r *bufio.Reader
	w *bufio.Writer
}

func (c *respConn) do(t *testing.T, args ...string) any {
	t.Helper()
	fmt.Fprintf(c.w, "*%d\r\n", len(args))
	for _, a := range args {
		fmt.Fprintf(c.w, "$%d\r\n%s\r\n", len(a), a)
	}
	if err := c.w.Flush(); err != nil {
		t.Fatal(err)
	}
	v, err := c.read()
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func (c *respConn) read() (any, error) {
	line, err := c.r.ReadString('\n')
	if err != nil {
		return nil, err
	}
	if len(line) < 3 {
		return nil, fmt.Errorf("short reply %q", line)
	}
	body := line[1 : len(line)-2]
	switch line[0] {
	case '+':
		return body, nil
	case '-':
		return fmt.Errorf("%s", body), nil
	case ':':
		return strconv.ParseInt(body, 10, 64)
	case '$':
		n, _ := strconv.Atoi(body)
		if n < 0 {
			return nil, nil
		}
		b := make([]byte, n+2)
		if _, err := io.ReadFull(c.r, b); err != nil {
			return nil, err
		}
		return string(b[:n]), nil
	case '*':
		n, _ := strconv.Atoi(body)
		if n < 0 {
			return nil, nil
		}
		out := make([]any, n)
		for i := range out {
			if out[i], err = c.read(); err != nil {
				return nil, err
			}
		}
		return out, nil
	}
	return nil, fmt.Errorf("bad reply %q", line)
}
