package instream_test

import (
	"context"
	"errors"
	"reflect"
	"slices"
	"strings"
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
		// Group commands, so that reference-aware trims meet pending
		// entries. The vocabulary has no BLOCK, and FuzzDo skips a
		// command whose raw word spells it: nothing may block.
		"XGROUP", "XREADGROUP", "XACK",
		// Redis 8.6's idempotent production.
		"XCFGSET", "XIDMPRECORD",
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
		"CREATE", "MKSTREAM", "GROUP", "STREAMS", "g", "c", ">", "$",
		"IDMP", "IDMPAUTO", "idmp", "IDMP-DURATION", "IDMP-MAXSIZE", "p",
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
		{{"XGROUP", "CREATE", "s", "g", "$", "MKSTREAM"}, {"XADD", "s", "*", "f", "v"}, {"XADD", "s", "*", "f", "v"},
			{"XREADGROUP", "GROUP", "g", "c", "STREAMS", "s", ">"}, {"XACK", "s", "g", "1"},
			{"XTRIM", "s", "MAXLEN", "0", "ACKED"}, {"XADD", "s", "MAXLEN", "1", "DELREF", "*", "f", "v"}},
		{{"XADD", "s", "IDMP", "p", "x", "*", "f", "v"}, {"XCFGSET", "s", "IDMP-MAXSIZE", "1"},
			{"XADD", "s", "IDMPAUTO", "p", "*", "f", "v"}, {"XIDMPRECORD", "s", "p", "x", "1"}, {"XINFO", "STREAM", "s"}},
	}
	for _, s := range seeds {
		f.Add(encodeCommands(f, s...))
	}
	// A raw word can spell BLOCK: XREADGROUP GROUP g c BLOCK 0 STREAMS s >
	// on an empty group.
	blockSeed := encodeCommands(f, []string{"XGROUP", "CREATE", "s", "g", "$", "MKSTREAM"},
		[]string{"XREADGROUP", "GROUP", "g", "c", "0", "STREAMS", "s", ">"})
	blockSeed[8] = 8 // one more argument: the raw word
	raw := append([]byte{byte(len(fuzzWords)), 5}, "BLOCK"...)
	f.Add(append(append(blockSeed[:12:12], raw...), blockSeed[12:]...))
	f.Fuzz(func(t *testing.T, data []byte) {
		ms := int64(1_000)
		e := instream.New(instream.Options{
			Clock:          funcClock(func() time.Time { return time.UnixMilli(ms) }),
			NodeMaxEntries: 4,
		})
		defer e.Close()
		for i, cmd := range decodeCommands(data) {
			if slices.ContainsFunc(cmd, func(a string) bool { return strings.EqualFold(a, "block") }) {
				continue // a blocking read would wait forever: nothing else runs
			}
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
			checkViews(t, e, cmd)
		}
	})
}

// checkViews checks that XLEN, XRANGE and XREVRANGE agree on each key.
func checkViews(t *testing.T, e *instream.Engine, cmd []string) {
	ctx := context.Background()
	for _, key := range []string{"s", "t"} {
		n, err := e.Do(ctx, "XLEN", key)
		if err != nil {
			t.Fatalf("after Do(%q): XLEN %s: %v", cmd, key, err)
		}
		fwd, err1 := e.Do(ctx, "XRANGE", key, "-", "+")
		rev, err2 := e.Do(ctx, "XREVRANGE", key, "+", "-")
		if err1 != nil || err2 != nil {
			t.Fatalf("after Do(%q): XRANGE %s: %v, %v", cmd, key, err1, err2)
		}
		f, r := fwd.([]any), rev.([]any)
		if int64(len(f)) != n.(int64) || len(r) != len(f) {
			t.Fatalf("after Do(%q): XLEN %s = %v, XRANGE has %d, XREVRANGE %d", cmd, key, n, len(f), len(r))
		}
		var prev instream.ID
		for i, en := range f {
			id := instream.MustParseID(en.([]any)[0].(string))
			if i > 0 && !prev.Less(id) {
				t.Fatalf("after Do(%q): XRANGE %s out of order at %d: %v", cmd, key, i, f)
			}
			prev = id
			if !reflect.DeepEqual(en, r[len(r)-1-i]) {
				t.Fatalf("after Do(%q): XREVRANGE %s is not XRANGE reversed", cmd, key)
			}
		}
	}
}
