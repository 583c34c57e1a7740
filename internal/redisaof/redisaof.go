// Package redisaof runs a redis-server 7.0 for the persistence tests: AOF
// in the multi-part layout with AOF-format bases, over a unix socket, with
// a minimal RESP2 client.
package redisaof

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// Server is a redis-server run by a test.
type Server struct {
	cmd  *exec.Cmd
	conn net.Conn
	r    *bufio.Reader
	log  string
}

// Start starts redis-server in dir with its AOF directory dirName, or
// skips t if redis-server is not on PATH. The server is killed when t ends.
func Start(t testing.TB, dir, dirName string, appendonly bool) *Server {
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
	s := &Server{cmd: cmd, log: logf}
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
		_, err := s.Do("PING")
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

func (s *Server) stop() {
	if s.conn != nil {
		s.conn.Close()
	}
	if s.cmd.ProcessState == nil {
		s.cmd.Process.Kill()
		s.cmd.Wait()
	}
}

// Shutdown stops the server the way that flushes its AOF.
func (s *Server) Shutdown(t testing.TB) {
	t.Helper()
	s.Do("SHUTDOWN")
	if err := s.cmd.Wait(); err != nil {
		t.Fatalf("redis-server exit: %v", err)
	}
}

// LogText is the server's log so far.
func (s *Server) LogText() string {
	b, _ := os.ReadFile(s.log)
	return string(b)
}

type redisError string

func (e redisError) Error() string { return string(e) }

// Do sends a command and returns its reply: a string, an int64, nil, or
// a []any of those; an error reply is an error.
func (s *Server) Do(args ...string) (any, error) {
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

// Must is Do that fails t on an error.
func (s *Server) Must(t testing.TB, args ...string) any {
	t.Helper()
	v, err := s.Do(args...)
	if err != nil {
		t.Fatalf("%q: %v", args, err)
	}
	return v
}

func (s *Server) reply() (any, error) {
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
		if _, err := io.ReadFull(s.r, buf); err != nil {
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
