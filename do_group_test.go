package instream_test

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/instream/instream"
)

// formatReply renders a Do reply as the script files write it: "!" and
// the text for an error, ":" for an integer, nil for a null, [a b] for
// an array, `""` for an empty string.
func formatReply(reply any, err error) string {
	if err != nil {
		var re *instream.RedisError
		if !errors.As(err, &re) {
			return "!(not a RedisError) " + err.Error()
		}
		return "!" + err.Error()
	}
	switch r := reply.(type) {
	case nil:
		return "nil"
	case string:
		if r == "" {
			return `""`
		}
		return r
	case int64:
		return ":" + strconv.FormatInt(r, 10)
	case []any:
		parts := make([]string, len(r))
		for i, x := range r {
			parts[i] = formatReply(x, nil)
		}
		return "[" + strings.Join(parts, " ") + "]"
	}
	return fmt.Sprintf("(unexpected %T %v)", reply, reply)
}

// run runs one script command through Do; "CLOCK +ms" moves the clock.
func run(t *testing.T, e *instream.Engine, clk *instream.ManualClock, args []string) string {
	t.Helper()
	switch strings.ToUpper(args[0]) {
	case "CLOCK":
		ms, err := strconv.ParseInt(args[1], 10, 64)
		if err != nil {
			t.Fatalf("CLOCK %s: %v", args[1], err)
		}
		clk.Advance(time.Duration(ms) * time.Millisecond)
		return "ok"
	}
	return formatReply(e.Do(t.Context(), args...))
}

// TestDoGroupScript replays the group scripts in testdata.
func TestDoGroupScript(t *testing.T) {
	for _, name := range []string{"group_script.txt", "group_time_script.txt", "typed_defaults_script.txt"} {
		t.Run(name, func(t *testing.T) { replay(t, "testdata/"+name) })
	}
}

func replay(t *testing.T, path string) {
	f, err := os.Open(path)
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
			// A block header may end in "nodes=N" to set
			// Options.NodeMaxEntries.
			block = strings.TrimSpace(text[2:])
			clk = instream.NewManualClock(t0)
			opts := instream.Options{Clock: clk}
			if _, n, ok := strings.Cut(block, "nodes="); ok {
				if opts.NodeMaxEntries, err = strconv.Atoi(n); err != nil {
					t.Fatalf("line %d: %v", line, err)
				}
			}
			e = instream.New(opts)
			t.Cleanup(func() { e.Close() })
			continue
		}
		cmd, want, ok := strings.Cut(text, " -> ")
		if !ok {
			t.Fatalf("line %d: no ' -> ' in %q", line, text)
		}
		args := strings.Fields(cmd)
		for i, a := range args {
			if a == `""` {
				args[i] = ""
			}
		}
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
