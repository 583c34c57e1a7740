package instream_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/instream/instream"
)

// fuzzCommands and fuzzWords are the vocabulary FuzzDo builds commands
// from: names, keys, IDs, numbers, option words and some junk.
var (
	fuzzCommands = []string{
		"XADD", "XRANGE", "XREVRANGE", "XLEN", "XDEL", "XTRIM", "XSETID",
		"XINFO", "DEL", "EXISTS", "TYPE", "xadd", "XaDd", "NOSUCH",
	}
	fuzzWords = []string{
		"s", "s", "t", "*", "*", "-", "+", "0", "0-0", "0-1", "1", "1-0", "1-1",
		"2", "2-*", "0-*", "5-*", "(1", "(2-0", "(", "3-18446744073709551615",
		"18446744073709551615-18446744073709551615", "18446744073709551615-*",
		"18446744073709551616", "-1", "007", " 5", "+5", "1--0",
		"MAXLEN", "MINID", "maxlen", "~", "=", "LIMIT", "NOMKSTREAM", "KEEPREF",
		"DELREF", "ACKED", "COUNT", "count", "ENTRIESADDED", "MAXDELETEDID",
		"STREAM", "FULL", "HELP", "GROUPS", "CONSUMERS", "f", "v", "", "x",
		"9223372036854775807", "-9223372036854775808", "5", "10", "100",
	}
)

// decodeCommands turns fuzzer bytes into commands: a name byte, an
// argument count byte, then a byte per argument choosing a word; the
// word slot past the end takes a raw string of the next bytes.
func decodeCommands(data []byte) [][]string {
	var cmds [][]string
	next := func() (byte, bool) {
		if len(data) == 0 {
			return 0, false
		}
		b := data[0]
		data = data[1:]
		return b, true
	}
	for {
		c, ok := next()
		if !ok {
			return cmds
		}
		n, _ := next()
		cmd := []string{fuzzCommands[int(c)%len(fuzzCommands)]}
		for range int(n % 9) {
			w, ok := next()
			if !ok {
				break
			}
			i := int(w) % (len(fuzzWords) + 1)
			if i < len(fuzzWords) {
				cmd = append(cmd, fuzzWords[i])
				continue
			}
			l, _ := next()
			l %= 8
			l = min(l, byte(len(data)))
			cmd = append(cmd, string(data[:l]))
			data = data[l:]
		}
		cmds = append(cmds, cmd)
	}
}

// encodeCommands is decodeCommands' inverse for seeds made of words.
func encodeCommands(t testing.TB, cmds ...[]string) []byte {
	index := func(list []string, s string) byte {
		for i, w := range list {
			if w == s {
				return byte(i)
			}
		}
		t.Fatalf("%q is not in the fuzz vocabulary", s)
		return 0
	}
	var b []byte
	for _, c := range cmds {
		b = append(b, index(fuzzCommands, c[0]), byte(len(c)-1))
		for _, a := range c[1:] {
			b = append(b, index(fuzzWords, a))
		}
	}
	return b
}

// validReply reports whether v has a RESP2 reply shape.
func validReply(v any) bool {
	switch v := v.(type) {
	case nil, string, int64:
		return true
	case []any:
		for _, x := range v {
			if !validReply(x) {
				return false
			}
		}
		return true
	}
	return false
}

// FuzzDo runs command sequences through Do: no panic, only *RedisError
// errors, RESP2 reply shapes, and the engine's invariants after each call.
func FuzzDo(f *testing.F) {
	seeds := [][][]string{
		{{"XADD", "s", "*", "f", "v"}, {"XRANGE", "s", "-", "+"}},
		{{"XADD", "s", "MAXLEN", "~", "1", "LIMIT", "10", "*", "f", "v"}, {"XTRIM", "s", "MINID", "2"}},
		{{"XADD", "s", "1-1", "f", "v"}, {"XDEL", "s", "1-1"}, {"XSETID", "s", "1-0"}, {"XINFO", "STREAM", "s"}},
		{{"XADD", "s", "18446744073709551615-18446744073709551615", "f", "v"}, {"XADD", "s", "*", "f", "v"}},
		{{"XADD", "s", "0-*", "f", "v"}, {"XREVRANGE", "s", "+", "(1", "COUNT", "1"}, {"DEL", "s"}, {"TYPE", "s"}},
		{{"XSETID", "s", "5", "ENTRIESADDED", "10", "MAXDELETEDID", "1"}, {"XINFO", "HELP"}},
	}
	for _, s := range seeds {
		f.Add(encodeCommands(f, s...))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		ms := int64(1_000)
		e := instream.New(instream.Options{
			Now:            func() time.Time { return time.UnixMilli(ms) },
			NodeMaxEntries: 4,
		})
		defer e.Close()
		for i, cmd := range decodeCommands(data) {
			ms += int64(i % 3) // sometimes the same millisecond
			reply, err := e.Do(context.Background(), cmd...)
			if err != nil {
				var re *instream.RedisError
				if !errors.As(err, &re) {
					t.Fatalf("Do(%q) error %T %v is not a *RedisError", cmd, err, err)
				}
				if reply != nil {
					t.Fatalf("Do(%q) = %v with error %v", cmd, reply, err)
				}
			} else if !validReply(reply) {
				t.Fatalf("Do(%q) = %#v, not a RESP2 shape", cmd, reply)
			}
			if err := instream.Check(e); err != nil {
				t.Fatalf("after Do(%q): %v", cmd, err)
			}
		}
	})
}
