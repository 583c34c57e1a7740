package compat

import (
	"context"
	"flag"
	"fmt"
	"net"
	"os"
	"os/exec"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// redisBinary is Debian's redis-server, the reference (7.0.15).
const redisBinary = "/usr/bin/redis-server"

var (
	flagSeqs   = flag.Int("compat.n", 0, "random sequences to run (default 200, or $INSTREAM_COMPAT_SEQS)")
	flagSeed   = flag.Int64("compat.seed", 0, "run only this seed")
	flagFirst  = flag.Int64("compat.first", 1, "first of the fixed seeds")
	flagLen    = flag.Int("compat.len", 60, "steps per random sequence")
	flagLayout = flag.Bool("compat.layout", os.Getenv("INSTREAM_COMPAT_LAYOUT") != "0",
		"generate ~ trimming and compare radix-tree-keys (the engine keeps Redis's node layout since storage landed; -compat.layout=false or INSTREAM_COMPAT_LAYOUT=0 turns it off)")
	flagApproxStar = flag.Bool("compat.approxstar", false, "with -compat.layout, also send ~ trims to streams whose * IDs differ (investigation)")
	flagVerbose    = flag.Bool("compat.v", false, "log every command and both replies")
)

// server is the redis-server the suite runs against; nil when missing.
var server struct {
	addr    string
	skipMsg string // why the suite skips, when set
}

func TestMain(m *testing.M) {
	flag.Parse()
	stop, err := startRedis()
	if err != nil {
		server.skipMsg = err.Error()
		fmt.Fprintln(os.Stderr, "compat:", err)
	}
	code := m.Run()
	if stop != nil {
		stop()
	}
	os.Exit(code)
}

// startRedis starts redis-server on a free loopback port without
// persistence and waits until it answers PING. The returned func stops it
// by its PID.
func startRedis() (stop func(), err error) {
	if _, err := os.Stat(redisBinary); err != nil {
		return nil, fmt.Errorf("%s not found (apt-get install redis-server): the conformance suite against a real Redis is skipped", redisBinary)
	}
	port, err := freePort()
	if err != nil {
		return nil, fmt.Errorf("no free port for redis-server: %v", err)
	}
	dir, err := os.MkdirTemp("", "instream-compat-*")
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(redisBinary,
		"--port", strconv.Itoa(port), "--bind", "127.0.0.1",
		"--save", "", "--appendonly", "no", "--daemonize", "no",
		"--dir", dir, "--logfile", "")
	cmd.Stdout, cmd.Stderr = nil, nil
	if err := cmd.Start(); err != nil {
		os.RemoveAll(dir)
		return nil, fmt.Errorf("start %s: %v", redisBinary, err)
	}
	stop = func() {
		_ = syscall.Kill(cmd.Process.Pid, syscall.SIGTERM)
		_ = cmd.Wait()
		os.RemoveAll(dir)
	}
	addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
	c := redis.NewClient(&redis.Options{Addr: addr, Protocol: 2, DisableIdentity: true, MaxRetries: -1})
	defer c.Close()
	deadline := time.Now().Add(10 * time.Second)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		err := c.Ping(ctx).Err()
		cancel()
		if err == nil {
			break
		}
		if time.Now().After(deadline) {
			stop()
			return nil, fmt.Errorf("redis-server on %s did not answer: %v", addr, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
	server.addr = addr
	return stop, nil
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// needRedis skips the test, saying why, when redis-server is missing, and
// otherwise returns a RESP2 client whose replies have Do's Go shapes.
func needRedis(t testing.TB) *redis.Client {
	t.Helper()
	if server.addr == "" {
		t.Skip(server.skipMsg)
	}
	c := newClient()
	t.Cleanup(func() { c.Close() })
	return c
}

func newClient() *redis.Client {
	return redis.NewClient(&redis.Options{
		Addr:            server.addr,
		Protocol:        2, // replies as string, int64, []any, nil: Do's shapes
		DisableIdentity: true,
		MaxRetries:      -1, // never send a command twice
		ReadTimeout:     -1, // blocking reads wait as long as they need
		PoolSize:        1,
	})
}

// seqCount is how many random sequences TestConformance runs.
func seqCount() int {
	if *flagSeqs > 0 {
		return *flagSeqs
	}
	if s := os.Getenv("INSTREAM_COMPAT_SEQS"); s != "" {
		if n, err := strconv.Atoi(s); err == nil && n > 0 {
			return n
		}
	}
	return 0
}
