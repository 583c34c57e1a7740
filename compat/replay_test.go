package compat

import (
	"bufio"
	"flag"
	"fmt"
	"os"
	"strconv"
	"strings"
	"testing"
)

var flagReplay = flag.String("compat.replay", "", "file of redis-cli lines to run as one sequence on both sides")

// TestReplay runs the redis-cli lines of -compat.replay (as printed by a
// failure report) on both sides and reports the first difference.
func TestReplay(t *testing.T) {
	if *flagReplay == "" {
		t.Skip("no -compat.replay file given")
	}
	rdb := needRedis(t)
	f, err := os.Open(*flagReplay)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var steps []step
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		args, err := parseCLI(line)
		if err != nil {
			t.Fatalf("%q: %v", line, err)
		}
		steps = append(steps, step{args})
	}
	rn := &runner{ctx: t.Context(), rdb: rdb, t: t, verbose: *flagVerbose}
	m, err := rn.run(steps)
	if err != nil {
		t.Fatal(err)
	}
	if m != nil {
		_, small, err := rn.shrink(steps, m)
		if err != nil {
			t.Fatal(err)
		}
		t.Fatal(report(0, m, small))
	}
}

// parseCLI splits a redis-cli line into arguments: bare words, and
// double-quoted strings with \" \\ \n \r \t \xHH escapes (cliQuote's
// output).
func parseCLI(line string) ([]string, error) {
	var args []string
	i := 0
	for i < len(line) {
		if line[i] == ' ' {
			i++
			continue
		}
		if line[i] != '"' {
			j := strings.IndexByte(line[i:], ' ')
			if j < 0 {
				j = len(line) - i
			}
			args = append(args, line[i:i+j])
			i += j
			continue
		}
		var b strings.Builder
		i++
		for {
			if i >= len(line) {
				return nil, fmt.Errorf("unterminated quote")
			}
			c := line[i]
			if c == '"' {
				i++
				break
			}
			if c == '\\' && i+1 < len(line) {
				i++
				switch line[i] {
				case 'n':
					b.WriteByte('\n')
				case 'r':
					b.WriteByte('\r')
				case 't':
					b.WriteByte('\t')
				case 'x':
					if i+2 >= len(line) {
						return nil, fmt.Errorf("short \\x escape")
					}
					n, err := strconv.ParseUint(line[i+1:i+3], 16, 8)
					if err != nil {
						return nil, err
					}
					b.WriteByte(byte(n))
					i += 2
				default:
					b.WriteByte(line[i])
				}
				i++
				continue
			}
			b.WriteByte(c)
			i++
		}
		args = append(args, b.String())
	}
	return args, nil
}

// TestCLIQuoteRoundTrip checks that parseCLI reads back what cliQuote
// writes, so printed sequences replay exactly.
func TestCLIQuoteRoundTrip(t *testing.T) {
	in := []string{"XADD", "s", "*", "", "a b", "q\"uote", `back\slash`, "cr\r\nlf", "\x00\xff", "(1", "~"}
	got, err := parseCLI(cliQuote(in))
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(got, "|") != strings.Join(in, "|") || len(got) != len(in) {
		t.Errorf("parseCLI(cliQuote(%q)) = %q", in, got)
	}
}
