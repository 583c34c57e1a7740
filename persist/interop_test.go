package persist_test

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"

	"github.com/instream/instream"
	"github.com/instream/instream/aof"
	"github.com/instream/instream/internal/redisaof"
	"github.com/instream/instream/persist"
)

var interopKeys = []string{"s1", "s2", "s3"}

// redisState is what both sides must agree on for every key: XRANGE,
// XINFO STREAM FULL without the consumers' seen and active times, and
// XPENDING of every group, short and extended.
func redisState(do func(args ...string) (any, error)) []any {
	var out []any
	for _, k := range interopKeys {
		for _, cmd := range [][]string{
			{"XRANGE", k, "-", "+"}, {"XINFO", "STREAM", k, "FULL"},
			{"XPENDING", k, "g1"}, {"XPENDING", k, "g2"},
			{"XPENDING", k, "g1", "-", "+", "1000"}, {"XPENDING", k, "g2", "-", "+", "1000"},
		} {
			v, err := do(cmd...)
			if err != nil {
				v = "error: " + err.Error()
			}
			if cmd[0] == "XPENDING" && len(cmd) > 3 {
				v = stripIdle(v)
			}
			out = append(out, stripTimes(v))
		}
	}
	return out
}

// stripIdle drops the idle times of an extended XPENDING reply, which
// depend on when each side answers.
func stripIdle(v any) any {
	l, ok := v.([]any)
	if !ok {
		return v
	}
	out := make([]any, len(l))
	for i, e := range l {
		if rec, ok := e.([]any); ok && len(rec) == 4 {
			e = []any{rec[0], rec[1], rec[3]}
		}
		out[i] = e
	}
	return out
}

// newerFields are XINFO STREAM FULL's fields that redis-server 7.0.15
// does not have: consumers' seen and active times (7.2), the idempotency
// fields (8.6) and nacked-count (8.8).
var newerFields = map[string]bool{"seen-time": true, "active-time": true,
	"idmp-duration": true, "idmp-maxsize": true, "pids-tracked": true, "iids-tracked": true,
	"iids-added": true, "iids-duplicates": true, "nacked-count": true}

// stripTimes drops newerFields and their values.
func stripTimes(v any) any {
	l, ok := v.([]any)
	if !ok {
		return v
	}
	var out []any
	for i := 0; i < len(l); i++ {
		if s, ok := l[i].(string); ok && newerFields[s] && i+1 < len(l) {
			i++
			continue
		}
		out = append(out, stripTimes(l[i]))
	}
	return out
}

func engineDo(e *instream.Engine) func(args ...string) (any, error) {
	return func(args ...string) (any, error) { return e.Do(context.Background(), args...) }
}

// TestInterop_redisLoadsOurs: a directory the engine wrote, a rewrite
// included, for streams using Redis 7.0's features, loads into redis-server 7.0 with the same
// streams, groups and pending lists.
func TestInterop_redisLoadsOurs(t *testing.T) {
	for seed := range uint64(3) {
		t.Run(fmt.Sprint("seed=", seed), func(t *testing.T) {
			dir := t.TempDir()
			db, err := persist.Open(dir, persist.Options{DirName: "ours", Fsync: aof.No})
			if err != nil {
				t.Fatal(err)
			}
			r := rand.New(rand.NewPCG(seed, 11))
			for i := range 800 {
				db.Do(context.Background(), randomCommand(r, false)...)
				if i == 500 { // the base file is then a snapshot
					if err := db.Rewrite(); err != nil {
						t.Fatal(err)
					}
				}
			}
			want := redisState(engineDo(db.Engine))
			if err := db.Close(); err != nil {
				t.Fatal(err)
			}
			srv := redisaof.Start(t, dir, "ours", true)
			if got := redisState(srv.Do); !reflect.DeepEqual(got, want) {
				diffStates(t, got, want)
			}
		})
	}
}

// TestInterop_weLoadRedis: a directory redis-server 7.0 wrote with
// aof-use-rdb-preamble no loads here with the state redis-server itself
// reloads from it. (Redis 7.0 logs neither history reads nor the
// entries-read counter of plain group reads, so its reload differs from
// what it had before; the engine logs both.)
func TestInterop_weLoadRedis(t *testing.T) {
	dir := t.TempDir()
	srv := redisaof.Start(t, dir, "theirs", true)
	r := rand.New(rand.NewPCG(5, 11))
	for range 800 {
		srv.Do(randomCommand(r, false)...)
	}
	srv.Shutdown(t)
	srv = redisaof.Start(t, dir, "theirs", true)
	want := redisState(srv.Do)
	srv.Shutdown(t)
	db, err := persist.Open(dir, persist.Options{DirName: "theirs"})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if got := redisState(engineDo(db.Engine)); !reflect.DeepEqual(got, want) {
		diffStates(t, got, want)
	}
}

// TestInterop_otherTypes: a key of another type in Redis's log fails
// Open with an error naming the key.
func TestInterop_otherTypes(t *testing.T) {
	dir := t.TempDir()
	srv := redisaof.Start(t, dir, "theirs", true)
	srv.Must(t, "XADD", "s", "1-1", "f", "v")
	srv.Must(t, "SET", "plain", "x")
	srv.Shutdown(t)
	_, err := persist.Open(dir, persist.Options{DirName: "theirs"})
	if !errors.Is(err, persist.ErrNotStream) || !strings.Contains(err.Error(), `"plain"`) {
		t.Fatalf("open: %v, want ErrNotStream naming \"plain\"", err)
	}
}

func diffStates(t *testing.T, got, want []any) {
	t.Helper()
	for i := range want {
		if !reflect.DeepEqual(got[i], want[i]) {
			t.Errorf("item %d (key %s):\n got %v\nwant %v", i, interopKeys[i/6], got[i], want[i])
		}
	}
	t.FailNow()
}
