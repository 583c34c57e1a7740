package main

import (
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// Bad flags fail before the server listens, with a message that says
// what to do.
func TestRun_badFlags(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--save", "900 1"}, `--save "900 1": RDB snapshots are not supported; use --appendonly yes to persist`},
		{[]string{"--appendonly", "maybe"}, `--appendonly: "maybe" is not yes or no`},
		{[]string{"--appendfsync", "sometimes"}, "--appendfsync:"},
		{[]string{"--auto-aof-rewrite-percentage", "-1"}, "--auto-aof-rewrite-percentage: -1 is negative"},
		// redis-server refuses these; flag.IntVar would read 64 and 16.
		{[]string{"--auto-aof-rewrite-percentage", "0100"}, `invalid value "0100" for flag -auto-aof-rewrite-percentage: "0100" is not a decimal integer`},
		{[]string{"--auto-aof-rewrite-percentage", "0x10"}, `invalid value "0x10" for flag -auto-aof-rewrite-percentage: "0x10" is not a decimal integer`},
		{[]string{"--auto-aof-rewrite-min-size", "lots"}, `--auto-aof-rewrite-min-size: "lots" is not a memory value`},
		{[]string{"extra"}, `unexpected argument "extra"`},
	} {
		// Port -1 makes a run that took the flags fail at once, not serve.
		err := run(append([]string{"--port", "-1"}, tc.args...))
		if err == nil || !strings.HasPrefix(err.Error(), tc.want) {
			t.Errorf("%q: %v, want %q...", tc.args, err, tc.want)
		}
	}
}

// The flags take yes, no and the sync policies in any case, as
// redis-server does, and CONFIG GET reports them as Redis formats them;
// --appendfilename names the log's files.
func TestRun_flagValues(t *testing.T) {
	cli, bin := redisCLI(t), serverBin(t)
	dir := t.TempDir()
	port := start(t, bin, "--appendonly", "YES", "--appendfsync", "EveRySec", "--dir", dir,
		"--appendfilename", "mine.aof", "--auto-aof-rewrite-min-size", "1kb", "--auto-aof-rewrite-percentage", "0")
	for _, tc := range []struct{ param, want string }{
		{"appendonly", "yes"}, {"appendfsync", "everysec"}, {"dir", dir}, {"appendfilename", "mine.aof"},
		{"appenddirname", "appendonlydir"}, {"save", ""}, {"auto-aof-rewrite-min-size", "1024"}, {"auto-aof-rewrite-percentage", "0"},
	} {
		out, err := exec.Command(cli, "-p", strconv.Itoa(port), "CONFIG", "GET", tc.param).CombinedOutput()
		if want := tc.param + "\n" + tc.want + "\n"; err != nil || string(out) != want {
			t.Errorf("CONFIG GET %s: %q %v, want %q", tc.param, out, err, want)
		}
	}
	if m, _ := filepath.Glob(filepath.Join(dir, "appendonlydir", "mine.aof.*")); len(m) == 0 {
		t.Errorf("no mine.aof.* files in %s", dir)
	}
}
