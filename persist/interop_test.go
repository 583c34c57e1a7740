package persist_test

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
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
			key := "s1, group g3"
			if i/6 < len(interopKeys) {
				key = interopKeys[i/6]
			}
			t.Errorf("item %d (key %s):\n got %v\nwant %v", i, key, got[i], want[i])
		}
	}
	t.FailNow()
}

// TestInterop_redisAppendsToOurs: a directory the engine wrote, to which
// redis-server 7.0 appended commands (a MULTI … EXEC, a new group and
// reads that leave entries pending), opens with the state that Redis
// answered before it stopped; the engine appends to it, opens it again,
// and Redis loads the result with the engine's state.
func TestInterop_redisAppendsToOurs(t *testing.T) {
	dir := t.TempDir()
	db, err := persist.Open(dir, persist.Options{DirName: "ours", Fsync: aof.No})
	if err != nil {
		t.Fatal(err)
	}
	r := rand.New(rand.NewPCG(0, 11))
	for i := range 400 {
		db.Do(context.Background(), randomCommand(r, false)...)
		if i == 200 {
			if err := db.Rewrite(); err != nil {
				t.Fatal(err)
			}
		}
	}
	db.Do(context.Background(), "XADD", "s1", "*", "f", "before redis")
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}

	srv := redisaof.Start(t, dir, "ours", true)
	srv.Must(t, "XADD", "s1", "*", "n", "x")
	srv.Must(t, "XGROUP", "CREATE", "s1", "g3", "0")
	read := srv.Must(t, "XREADGROUP", "GROUP", "g3", "carol", "COUNT", "3", "STREAMS", "s1", ">")
	first := read.([]any)[0].([]any)[1].([]any)[0].([]any)[0].(string)
	srv.Must(t, "MULTI")
	srv.Must(t, "XADD", "s2", "*", "n", "y")
	srv.Must(t, "XACK", "s1", "g3", first)
	srv.Must(t, "XREADGROUP", "GROUP", "g3", "dave", "COUNT", "2", "STREAMS", "s1", ">")
	srv.Must(t, "EXEC")
	want := appendedState(srv.Do)
	srv.Shutdown(t)
	incr, _ := filepath.Glob(filepath.Join(dir, "ours", "*.incr.aof"))
	if len(incr) != 1 {
		t.Fatalf("incremental files: %q, want the engine's one", incr)
	}
	if b, _ := os.ReadFile(incr[0]); !strings.HasPrefix(string(b), "#instream aof 1\r\n") || !strings.Contains(string(b), "SELECT") {
		t.Fatalf("redis-server did not append to the engine's file %s", incr[0])
	}
	// Redis 7.0 logs group reads without the group's entries-read
	// counter, so it reloads g3 without one, and with the lag that follows
	// (a copy tells), as the engine must; everything else is as it
	// answered before it stopped.
	again := t.TempDir()
	if err := os.CopyFS(filepath.Join(again, "ours"), os.DirFS(filepath.Join(dir, "ours"))); err != nil {
		t.Fatal(err)
	}
	reloaded := appendedState(redisaof.Start(t, again, "ours", true).Do)
	before, after := groupField(want, "g3", "entries-read"), groupField(reloaded, "g3", "entries-read")
	if before == nil || after != nil {
		t.Fatalf("redis-server 7.0 had g3's entries-read %v before it stopped, %v reloaded: not the known difference", before, after)
	}

	db, err = persist.Open(dir, persist.Options{DirName: "ours"})
	if err != nil {
		t.Fatal(err)
	}
	got := appendedState(engineDo(db.Engine))
	if !reflect.DeepEqual(got, reloaded) {
		diffStates(t, got, reloaded)
	}
	for _, f := range []string{"entries-read", "lag"} {
		got, want = dropField(got, "g3", f).([]any), dropField(want, "g3", f).([]any)
	}
	if !reflect.DeepEqual(got, want) {
		diffStates(t, got, want)
	}
	db.Do(context.Background(), "XADD", "s1", "*", "n", "z")
	db.Do(context.Background(), "XREADGROUP", "GROUP", "g3", "erin", "COUNT", "1", "STREAMS", "s1", ">")
	want = appendedState(engineDo(db.Engine))
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	db, err = persist.Open(dir, persist.Options{DirName: "ours"})
	if err != nil {
		t.Fatal(err)
	}
	if got := appendedState(engineDo(db.Engine)); !reflect.DeepEqual(got, want) {
		diffStates(t, got, want)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	srv = redisaof.Start(t, dir, "ours", true)
	if got := appendedState(srv.Do); !reflect.DeepEqual(got, want) {
		diffStates(t, got, want)
	}
}

// appendedState is redisState with group g3 of s1's pending lists.
func appendedState(do func(args ...string) (any, error)) []any {
	out := redisState(do)
	for _, cmd := range [][]string{{"XPENDING", "s1", "g3"}, {"XPENDING", "s1", "g3", "-", "+", "1000"}} {
		v, err := do(cmd...)
		if err != nil {
			v = "error: " + err.Error()
		}
		out = append(out, stripIdle(v))
	}
	return out
}

// groupField returns the value of field in the XINFO STREAM FULL map of
// the named group within v, or nil.
func groupField(v any, group, field string) any {
	l, ok := v.([]any)
	if !ok {
		return nil
	}
	if len(l) >= 2 && l[0] == "name" && l[1] == group {
		for i := 0; i+1 < len(l); i += 2 {
			if l[i] == field {
				return l[i+1]
			}
		}
	}
	for _, e := range l {
		if f := groupField(e, group, field); f != nil {
			return f
		}
	}
	return nil
}

// dropField returns v without field and its value in the XINFO STREAM
// FULL map of the named group.
func dropField(v any, group, field string) any {
	l, ok := v.([]any)
	if !ok {
		return v
	}
	inGroup := len(l) >= 2 && l[0] == "name" && l[1] == group
	out := make([]any, 0, len(l))
	for i := 0; i < len(l); i++ {
		if inGroup && i%2 == 0 && l[i] == field && i+1 < len(l) {
			i++
			continue
		}
		out = append(out, dropField(l[i], group, field))
	}
	return out
}
