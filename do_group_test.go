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

// run runs one script command. XADD, XDEL and XTRIM (explicit IDs,
// MAXLEN or MINID only) use the typed API; XINFO the group hooks; the
// rest Do.
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
	case "XADD":
		var fs []instream.Field
		for i := 3; i+1 < len(args); i += 2 {
			fs = append(fs, instream.Field{Name: args[i], Value: args[i+1]})
		}
		got, err := e.Add(args[1], instream.AddArgs{ID: id(args[2]), Fields: fs})
		if err != nil {
			return "!" + err.Error()
		}
		return got.String()
	case "XDEL":
		var ids []instream.ID
		for _, a := range args[2:] {
			ids = append(ids, id(a))
		}
		n, err := e.Delete(args[1], ids...)
		if err != nil {
			return "!" + err.Error()
		}
		return ":" + strconv.FormatInt(n, 10)
	case "XTRIM":
		ta := instream.TrimArgs{Strategy: instream.TrimMinID}
		if strings.EqualFold(args[2], "maxlen") {
			ta.Strategy = instream.TrimMaxLen
			ta.MaxLen, _ = strconv.ParseInt(args[3], 10, 64)
		} else {
			ta.MinID = id(args[3])
		}
		n, err := e.Trim(args[1], ta)
		if err != nil {
			return "!" + err.Error()
		}
		return ":" + strconv.FormatInt(n, 10)
	case "XINFO":
		return formatReply(instream.XInfoGroup(e, args...))
	}
	return formatReply(e.Do(t.Context(), args...))
}

// TestDoGroupScript replays the group scripts in testdata.
func TestDoGroupScript(t *testing.T) {
	for _, name := range []string{"group_script.txt", "group_time_script.txt"} {
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
			block = strings.TrimSpace(text[2:])
			e, clk = newEngine(t)
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
