package bench

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"net"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/redis/go-redis/v9"
)

// Redis is a redis-server process started by StartRedis.
type Redis struct {
	Addr string
	cmd  *exec.Cmd
}

// StartRedis starts the redis-server at path on a free loopback port, with
// persistence off, and waits until it answers PING.
func StartRedis(ctx context.Context, path string) (*Redis, error) {
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(path,
		"--port", strconv.Itoa(port), "--bind", "127.0.0.1",
		"--save", "", "--appendonly", "no", "--daemonize", "no")
	// If this process dies without Stop, the server goes with it.
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGTERM}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s: %w", path, err)
	}
	r := &Redis{Addr: net.JoinHostPort("127.0.0.1", strconv.Itoa(port)), cmd: cmd}
	c := r.Client()
	defer c.Close()
	deadline := time.Now().Add(10 * time.Second)
	for {
		if err = c.Ping(ctx).Err(); err == nil {
			return r, nil
		}
		if time.Now().After(deadline) || ctx.Err() != nil {
			r.Stop()
			return nil, fmt.Errorf("redis-server on %s did not answer: %w", r.Addr, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// Stop stops the server by its PID and waits for it to exit.
func (r *Redis) Stop() {
	_ = r.cmd.Process.Signal(syscall.SIGTERM)
	done := make(chan struct{})
	go func() { _ = r.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		_ = r.cmd.Process.Kill()
		<-done
	}
}

// Client returns a new RESP2 client of the server with one connection.
func (r *Redis) Client() *redis.Client {
	return NewClient(r.Addr)
}

// NewClient returns a RESP2 go-redis client of addr with one connection,
// so that pipelines and blocking calls have a fixed connection.
func NewClient(addr string) *redis.Client {
	return redis.NewClient(&redis.Options{
		Addr: addr, Protocol: 2, PoolSize: 1, MinIdleConns: 0,
		ReadTimeout:     -1, // blocking reads wait as long as they must
		DisableIdentity: true,
	})
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// info returns the fields of INFO section as a map.
func info(ctx context.Context, c *redis.Client, section string) (map[string]string, error) {
	s, err := c.Info(ctx, section).Result()
	if err != nil {
		return nil, err
	}
	m := make(map[string]string)
	sc := bufio.NewScanner(strings.NewReader(s))
	for sc.Scan() {
		if k, v, ok := strings.Cut(strings.TrimSpace(sc.Text()), ":"); ok {
			m[k] = v
		}
	}
	return m, nil
}

// usedMemory returns INFO memory's used_memory.
func usedMemory(ctx context.Context, c *redis.Client) (int64, error) {
	m, err := info(ctx, c, "memory")
	if err != nil {
		return 0, err
	}
	return strconv.ParseInt(m["used_memory"], 10, 64)
}

// cmdStat is one command's line of INFO commandstats.
type cmdStat struct {
	calls int64
	usec  int64
}

// commandStats returns INFO commandstats by lower-case command name.
func commandStats(ctx context.Context, c *redis.Client) (map[string]cmdStat, error) {
	m, err := info(ctx, c, "commandstats")
	if err != nil {
		return nil, err
	}
	out := make(map[string]cmdStat)
	for k, v := range m {
		name, ok := strings.CutPrefix(k, "cmdstat_")
		if !ok {
			continue
		}
		var st cmdStat
		for _, kv := range strings.Split(v, ",") {
			f, val, _ := strings.Cut(kv, "=")
			n, _ := strconv.ParseInt(val, 10, 64)
			switch f {
			case "calls":
				st.calls = n
			case "usec":
				st.usec = n
			}
		}
		out[name] = st
	}
	return out, nil
}

// serverUsec runs fn after CONFIG RESETSTAT and returns the microseconds
// the server spent in the named commands, summed, from INFO commandstats.
func serverUsec(ctx context.Context, c *redis.Client, fn func() error, cmds ...string) (float64, error) {
	if err := c.ConfigResetStat(ctx).Err(); err != nil {
		return 0, err
	}
	if err := fn(); err != nil {
		return 0, err
	}
	st, err := commandStats(ctx, c)
	if err != nil {
		return 0, err
	}
	var usec int64
	for _, name := range cmds {
		s, ok := st[name]
		if !ok || s.calls == 0 {
			return 0, errors.New("commandstats has no calls of " + name)
		}
		usec += s.usec
	}
	return float64(usec), nil
}
