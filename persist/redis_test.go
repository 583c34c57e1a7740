package persist_test

import (
	"bufio"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// redisServer is a redis-server 7.0 run by a test, with AOF on in the
// multi-part layout and AOF-format bases.
type redisServer struct {
	cmd  *exec.Cmd
	conn net.Conn
	r    *bufio.Reader
	log  string
}

func startRedis(t *testing.T, dir, dirName string, appendonly bool) *redisServer {
	t.Helper()
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		t.Skip("redis-server not on PATH: interop with Redis not tested")
	}
	sock := filepath.Join(dir, "redis.sock")
	logf := filepath.Join(dir, "redis.log")
	yes := map[bool]string{true: "yes", false: "no"}
	cmd := exec.Command(bin, "--port", "0", "--unixsocket", sock, "--save", "",
		"--appendonly", yes[appendonly], "--dir", dir, "--appenddirname", dirName,
		"--aof-use-rdb-preamble", "no", "--appendfsync", "always", "--logfile", logf)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	s := &redisServer{cmd: cmd, log: logf}
	t.Cleanup(func() { s.stop() })
	for deadline := time.Now().Add(10 * time.Second); ; {
		c, err := net.Dial("unix", sock)
		if err == nil {
			s.conn, s.r = c, bufio.NewReader(c)
			break
		}
		if time.Now().After(deadline) {
			b, _ := os.ReadFile(logf)
			t.Fatalf("redis-server did not start: %v\n%s", err, b)
		}
		time.Sleep(20 * time.Millisecond)
	}
	// Wait for loading to end: commands answer LOADING until then.
	for deadline := time.Now().Add(10 * time.Second); ; {
		_, err := s.do("PING")
		if err == nil {
			break
		}
		if time.Now().After(deadline) || !strings.HasPrefix(err.Error(), "LOADING") {
			b, _ := os.ReadFile(logf)
			t.Fatalf("redis-server: %v\n%s", err, b)
		}
		time.Sleep(20 * time.Millisecond)
	}
	return s
}

func (s *redisServer) stop() {
	if s.conn != nil {
		s.conn.Close()
	}
	if s.cmd.ProcessState == nil {
		s.cmd.Process.Kill()
		s.cmd.Wait()
	}
}

// shutdown stops the server the way that flushes its AOF.
func (s *redisServer) shutdown(t *testing.T) {
	t.Helper()
	s.do("SHUTDOWN")
	if err := s.cmd.Wait(); err != nil {
		t.Fatalf("redis-server exit: %v", err)
	}
}

func (s *redisServer) logText() string {
	b, _ := os.ReadFile(s.log)
	return string(b)
}

type redisError string

func (e redisError) Error() string { return string(e) }

func (s *redisServer) do(args ...string) (any, error) {
	var b []byte
	b = fmt.Appendf(b, "*%d\r\n", len(args))
	for _, a := range args {
		b = fmt.Appendf(b, "$%d\r\n%s\r\n", len(a), a)
	}
	if _, err := s.conn.Write(b); err != nil {
		return nil, err
	}
	return s.reply()
}

func (s *redisServer) must(t *testing.T, args ...string) any {
	t.Helper()
	v, err := s.do(args...)
	if err != nil {
		t.Fatalf("%q: %v", args, err)
	}
	return v
}

func (s *redisServer) reply() (any, error) {
	line, err := s.r.ReadString('\n')
	if err != nil {
		return nil, err
	}
	line = strings.TrimSuffix(line, "\r\n")
	switch line[0] {
	case '+':
		return line[1:], nil
	case '-':
		return nil, redisError(line[1:])
	case ':':
		return strconv.ParseInt(line[1:], 10, 64)
	case '$':
		n, _ := strconv.Atoi(line[1:])
		if n < 0 {
			return nil, nil
		}
		buf := make([]byte, n+2)
		if _, err := ioReadFull(s.r, buf); err != nil {
			return nil, err
		}
		return string(buf[:n]), nil
	case '*':
		n, _ := strconv.Atoi(line[1:])
		if n < 0 {
			return nil, nil
		}
		out := make([]any, n)
		for i := range out {
			v, err := s.reply()
			var re redisError
			if err != nil && !errors.As(err, &re) {
				return nil, err
			}
			out[i] = v
		}
		return out, nil
	}
	return nil, fmt.Errorf("bad reply line %q", line)
}

func ioReadFull(r *bufio.Reader, b []byte) (int, error) {
	n := 0
	for n < len(b) {
		m, err := r.Read(b[n:])
		n += m
		if err != nil {
			return n, err
		}
	}
	return n, nil
}
