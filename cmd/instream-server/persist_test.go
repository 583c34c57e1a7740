package main

import (
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestAppendOnly: with --appendonly yes, changes survive a kill of the
// server, BGREWRITEAOF compacts the log, and redis-server loads the
// directory with the same entries.
func TestAppendOnly(t *testing.T) {
	cli, bin := redisCLI(t), serverBin(t)
	dir := t.TempDir()
	run := func(port int, args ...string) string {
		t.Helper()
		out, err := exec.Command(cli, append([]string{"-p", strconv.Itoa(port)}, args...)...).CombinedOutput()
		if err != nil {
			t.Fatalf("redis-cli %q: %v %s", args, err, out)
		}
		return strings.TrimSpace(string(out))
	}
	flags := []string{"--appendonly", "yes", "--dir", dir, "--appendfsync", "always"}
	port, kill := startKillable(t, bin, flags...)
	run(port, "XADD", "s", "1-1", "f", "v")
	run(port, "XGROUP", "CREATE", "s", "g", "0")
	run(port, "XREADGROUP", "GROUP", "g", "c", "STREAMS", "s", ">")
	if got := run(port, "BGREWRITEAOF"); got != "Background append only file rewriting started" {
		t.Fatalf("BGREWRITEAOF: %q", got)
	}
	time.Sleep(200 * time.Millisecond)
	run(port, "XADD", "s", "2-1", "f", "w")
	kill()

	port, kill = startKillable(t, bin, flags...)
	if got := run(port, "XLEN", "s"); got != "2" {
		t.Fatalf("XLEN after restart: %s", got)
	}
	want := run(port, "XRANGE", "s", "-", "+")
	if got := run(port, "XPENDING", "s", "g"); !strings.HasPrefix(got, "1\n1-1\n1-1") {
		t.Fatalf("XPENDING after restart: %q", got)
	}
	kill()
	if _, err := exec.LookPath("redis-server"); err != nil {
		return
	}
	rport := start(t, "redis-server", "--dir", dir, "--appendonly", "yes", "--aof-use-rdb-preamble", "no")
	if got := run(rport, "XRANGE", "s", "-", "+"); got != want {
		t.Fatalf("redis-server loaded:\n%s\nwant\n%s", got, want)
	}
}

// TestShutdown: SHUTDOWN stops the server with status 0 after writing
// the log out (under appendfsync no, which leaves syncing to the system),
// and INFO persistence reports the log.
func TestShutdown(t *testing.T) {
	cli, bin := redisCLI(t), serverBin(t)
	dir := t.TempDir()
	cliRun := func(port int, args ...string) string {
		t.Helper()
		out, _ := exec.Command(cli, append([]string{"-p", strconv.Itoa(port)}, args...)...).CombinedOutput()
		return strings.TrimSpace(string(out))
	}
	flags := []string{"--appendonly", "yes", "--dir", dir, "--appendfsync", "no"}
	var cmd *exec.Cmd
	port := startCmd(t, bin, func(c *exec.Cmd) { cmd = c }, flags...)
	cliRun(port, "XADD", "s", "1-1", "f", "v")
	info := cliRun(port, "INFO", "persistence")
	for _, want := range []string{"aof_enabled:1", "aof_rewrite_in_progress:0", "aof_last_bgrewrite_status:ok", "aof_last_write_status:ok", "aof_current_size:"} {
		if !strings.Contains(info, want) {
			t.Errorf("INFO persistence lacks %q:\n%s", want, info)
		}
	}
	if got := cliRun(port, "SHUTDOWN", "SAVE"); got != "ERR Errors trying to SHUTDOWN. Check logs." {
		t.Errorf("SHUTDOWN SAVE: %q", got)
	}
	cliRun(port, "XADD", "s", "2-1", "f", "v")
	if got := cliRun(port, "SHUTDOWN"); got != "" {
		t.Errorf("SHUTDOWN answered %q; redis-cli prints nothing when the server closes", got)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("instream-server after SHUTDOWN: %v, want exit status 0", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("instream-server still runs 10s after SHUTDOWN")
	}
	port = start(t, bin, flags...)
	if got := cliRun(port, "XLEN", "s"); got != "2" {
		t.Fatalf("XLEN after SHUTDOWN and restart: %s", got)
	}
}

// startKillable is start with a function that kills the server.
func startKillable(t *testing.T, bin string, extra ...string) (int, func()) {
	t.Helper()
	var cmd *exec.Cmd
	port := startCmd(t, bin, func(c *exec.Cmd) { cmd = c }, extra...)
	return port, func() { cmd.Process.Kill(); cmd.Wait() }
}
