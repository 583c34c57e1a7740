package main

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestRedisCLI drives instream-server and redis-server with the same
// redis-cli commands and compares what redis-cli prints.
func TestRedisCLI(t *testing.T) {
	cli := redisCLI(t)
	redisServer, err := exec.LookPath("redis-server")
	if err != nil {
		t.Skip("redis-server not found: skipping the redis-cli comparison")
	}
	bin := serverBin(t)
	dir := t.TempDir() // both run in it, so that CONFIG GET dir agrees
	ours := start(t, bin, "--dir", dir)
	theirs := start(t, redisServer, "--dir", dir)
	cmds := [][]string{
		{"PING"},
		{"XADD", "s", "1-1", "a", "1", "b", "hello world"},
		{"XADD", "s", "2-1", "a", "2"},
		{"XRANGE", "s", "-", "+"},
		{"XGROUP", "CREATE", "s", "g", "0"},
		{"XREADGROUP", "GROUP", "g", "c", "COUNT", "1", "STREAMS", "s", ">"},
		{"XPENDING", "s", "g"},
		// XINFO STREAM is left out: the engine adds Redis 8.6's six
		// idempotency fields, which 7.0.15 lacks (compat compares it).
		{"XINFO", "GROUPS", "s"},
		{"XADD", "s"},
		{"XADD", "s", "1-1", "a", "1"},
		{"XREAD", "STREAMS", "s", "9"},
		{"TYPE", "s"},
		{"DBSIZE"},
		{"FOO", "bar"},
		{"INFO", "keyspace"},
		{"CONFIG", "GET", "appendonly"},
		{"CONFIG", "GET", "appendfsync"},
		{"CONFIG", "GET", "dir"},
		{"CONFIG", "GET", "appenddirname"},
		{"CONFIG", "GET", "appendfilename"},
		{"CONFIG", "GET", "save"},
		{"CONFIG", "GET", "auto-aof-rewrite-percentage"},
		{"CONFIG", "GET", "auto-aof-rewrite-min-size"},
		{"CONFIG", "SET", "appenddirname", "x"},
		{"CONFIG", "SET", "appendfilename", "appendonly.aof"},
		{"CONFIG", "SET", "dir", "/"},
		{"CONFIG", "SET", "appendfsync", "bogus"},
		{"CONFIG", "SET", "appendfsync", "EVERYSEC"},
		{"CONFIG", "SET", "auto-aof-rewrite-percentage", "0100"},
		{"CONFIG", "SET", "auto-aof-rewrite-percentage", "+100"},
		{"CONFIG", "SET", "save", "  "},
		{"CONFIG", "SET", "save", "0 1"},
		{"CONFIG", "SET", "save", "1 1 "},
		{"SHUTDOWN", "ABORT"},
		{"SHUTDOWN", "NOW", "ABORT"},
		{"SHUTDOWN", "NOSAVE", "SAVE"},
		{"SHUTDOWN", "FOO"},
	}
	for _, proto := range []string{"-2", "-3"} {
		for _, p := range []int{ours, theirs} {
			if out, err := exec.Command(cli, "-p", strconv.Itoa(p), "FLUSHALL").CombinedOutput(); err != nil {
				t.Fatalf("FLUSHALL: %v %s", err, out)
			}
		}
		for _, c := range cmds {
			run := func(port int) string {
				out, _ := exec.Command(cli, append([]string{proto, "-p", strconv.Itoa(port)}, c...)...).CombinedOutput()
				return string(out)
			}
			got, want := run(ours), run(theirs)
			if got != want {
				t.Errorf("redis-cli %s %q:\ninstream-server:\n%s\nredis-server:\n%s", proto, c, got, want)
			}
		}
	}
}

// The binary the tests build once, removed by TestMain.
var (
	buildOnce sync.Once
	binDir    string
	buildErr  error
)

func TestMain(m *testing.M) {
	code := m.Run()
	if binDir != "" {
		os.RemoveAll(binDir)
	}
	os.Exit(code)
}

// serverBin returns the path of instream-server, built once for all the
// tests.
func serverBin(t *testing.T) string {
	t.Helper()
	buildOnce.Do(func() {
		if binDir, buildErr = os.MkdirTemp("", "instream-server-test"); buildErr != nil {
			return
		}
		out, err := exec.Command("go", "build", "-o", filepath.Join(binDir, "instream-server"), ".").CombinedOutput()
		if err != nil {
			buildErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return filepath.Join(binDir, "instream-server")
}

// redisCLI returns the path of redis-cli, or skips the test without it.
func redisCLI(t *testing.T) string {
	t.Helper()
	cli, err := exec.LookPath("redis-cli")
	if err != nil {
		t.Skip("redis-cli not found (apt-get install redis-tools)")
	}
	return cli
}

// start runs a server on a free loopback port and returns the port.
func start(t *testing.T, bin string, extra ...string) int {
	t.Helper()
	return startCmd(t, bin, nil, extra...)
}

// startCmd is start, handing the started command to got if not nil.
func startCmd(t *testing.T, bin string, got func(*exec.Cmd), extra ...string) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	args := append([]string{"--port", strconv.Itoa(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"}, extra...)
	cmd := exec.Command(bin, args...)
	cmd.Stdout, cmd.Stderr = nil, os.Stderr
	if strings.HasSuffix(bin, "redis-server") {
		cmd.Stderr = nil
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	if got != nil {
		got(cmd)
	}
	t.Cleanup(func() {
		cmd.Process.Signal(os.Interrupt)
		cmd.Wait()
	})
	for range 500 {
		if c, err := net.Dial("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(port))); err == nil {
			c.Close()
			return port
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("%s did not listen on %d", bin, port)
	return 0
}
