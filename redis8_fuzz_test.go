package instream_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/instream/instream"
)

// redis8Words is FuzzDoRedis8's vocabulary; "|" ends a command.
var redis8Words = []string{
	"|", "XDELEX", "XACKDEL", "XREADGROUP", "XADD", "XTRIM", "XGROUP", "XACK", "XCLAIM", "XREAD",
	"s", "g", "g2", "c", "d", "IDS", "0", "1", "2", "3", "-1", "x", "1-0", "2-0", "3-0", "*",
	"KEEPREF", "DELREF", "ACKED", "CLAIM", "COUNT", "NOACK", "GROUP", "STREAMS", ">", "CREATE",
	"MKSTREAM", "SETID", "MAXLEN", "MINID", "~", "=", "f", "v", "FORCE", "DESTROY", "DELCONSUMER",
}

// FuzzDoRedis8 runs random sequences of the 8.2 and 8.4 commands and
// their neighbours through Do: no panic, only *RedisError errors, RESP2
// shapes, and the engine's invariants (idle index included) after each.
func FuzzDoRedis8(f *testing.F) {
	enc := func(words ...string) []byte {
		var b []byte
		for _, w := range words {
			for i, x := range redis8Words {
				if x == w {
					b = append(b, byte(i))
				}
			}
		}
		return b
	}
	f.Add(enc("XGROUP", "CREATE", "s", "g", "0", "MKSTREAM", "|", "XADD", "s", "*", "f", "v", "|",
		"XREADGROUP", "GROUP", "g", "c", "CLAIM", "0", "STREAMS", "s", ">", "|",
		"XACKDEL", "s", "g", "ACKED", "IDS", "1", "1-0", "|", "XDELEX", "s", "DELREF", "IDS", "2", "1-0", "2-0"))
	f.Fuzz(func(t *testing.T, data []byte) {
		ms := int64(1_000)
		e := instream.New(instream.Options{Clock: funcClock(func() time.Time { return time.UnixMilli(ms) }), NodeMaxEntries: 2})
		defer e.Close()
		var cmd []string
		run := func() {
			if len(cmd) == 0 {
				return
			}
			ms += int64(len(cmd) % 4)
			reply, err := e.Do(context.Background(), cmd...)
			if err != nil {
				var re *instream.RedisError
				if !errors.As(err, &re) {
					t.Fatalf("Do(%q) error %T %v is not a *RedisError", cmd, err, err)
				}
			} else if !validReply(reply) {
				t.Fatalf("Do(%q) = %#v, not a RESP2 shape", cmd, reply)
			}
			if err := instream.Check(e); err != nil {
				t.Fatalf("after Do(%q): %v", cmd, err)
			}
			checkViews(t, e, cmd)
			cmd = cmd[:0]
		}
		for _, b := range data {
			if w := redis8Words[int(b)%len(redis8Words)]; w != "|" {
				cmd = append(cmd, w)
				continue
			}
			run()
		}
		run()
	})
}
