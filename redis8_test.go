package instream_test

import (
	"bufio"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/instream/instream"
)

// TestRedis8Script replays testdata/redis8_script.txt: Redis 8.2 and 8.4
// stream additions (spec §8), with expected replies taken from the spec's
// [T] facts, since no 8.x server is at hand. A block header may end in
// "nodes=N" to set Options.NodeMaxEntries.
func TestRedis8Script(t *testing.T) {
	f, err := os.Open("testdata/redis8_script.txt")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var e *instream.Engine
	var clk *instream.ManualClock
	block := ""
	sc := bufio.NewScanner(f)
	for line := 0; sc.Scan(); {
		line++
		text := sc.Text()
		switch {
		case strings.TrimSpace(text) == "" || strings.HasPrefix(text, "#"):
			continue
		case strings.HasPrefix(text, "=="):
			block = strings.TrimSpace(text[2:])
			opts := instream.Options{}
			if _, n, ok := strings.Cut(block, "nodes="); ok {
				opts.NodeMaxEntries, err = strconv.Atoi(n)
				if err != nil {
					t.Fatalf("line %d: %v", line, err)
				}
			}
			clk = instream.NewManualClock(t0)
			opts.Now = clk.Now
			e = instream.New(opts)
			t.Cleanup(func() { e.Close() })
			continue
		}
		cmd, want, ok := strings.Cut(text, " -> ")
		if !ok {
			t.Fatalf("line %d: no ' -> ' in %q", line, text)
		}
		args := strings.Fields(cmd)
		if got := run(t, e, clk, args); got != want {
			t.Errorf("%s, line %d: %s\n got %s\nwant %s", block, line, cmd, got, want)
		}
		if err := instream.Check(e); err != nil {
			t.Fatalf("%s, line %d: after %s: Check: %v", block, line, cmd, err)
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
}
