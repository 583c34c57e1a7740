package resp_test

import (
	"errors"
	"io"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/instream/instream/resp"
)

// redisPersistence is INFO persistence of redis-server 7.0.15 with the
// log off (--appendonly no) and on, as it printed them.
var redisPersistence = map[bool]string{
	false: "loading:0\r\nasync_loading:0\r\ncurrent_cow_peak:0\r\ncurrent_cow_size:0\r\ncurrent_cow_size_age:0\r\ncurrent_fork_perc:0.00\r\ncurrent_save_keys_processed:0\r\ncurrent_save_keys_total:0\r\nrdb_changes_since_last_save:0\r\nrdb_bgsave_in_progress:0\r\nrdb_last_save_time:1796415794\r\nrdb_last_bgsave_status:ok\r\nrdb_last_bgsave_time_sec:-1\r\nrdb_current_bgsave_time_sec:-1\r\nrdb_saves:0\r\nrdb_last_cow_size:0\r\nrdb_last_load_keys_expired:0\r\nrdb_last_load_keys_loaded:0\r\naof_enabled:0\r\naof_rewrite_in_progress:0\r\naof_rewrite_scheduled:0\r\naof_last_rewrite_time_sec:-1\r\naof_current_rewrite_time_sec:-1\r\naof_last_bgrewrite_status:ok\r\naof_rewrites:0\r\naof_rewrites_consecutive_failures:0\r\naof_last_write_status:ok\r\naof_last_cow_size:0\r\nmodule_fork_in_progress:0\r\nmodule_fork_last_cow_size:0\r\n",
	true:  "loading:0\r\nasync_loading:0\r\ncurrent_cow_peak:0\r\ncurrent_cow_size:0\r\ncurrent_cow_size_age:0\r\ncurrent_fork_perc:0.00\r\ncurrent_save_keys_processed:0\r\ncurrent_save_keys_total:0\r\nrdb_changes_since_last_save:0\r\nrdb_bgsave_in_progress:0\r\nrdb_last_save_time:1796415803\r\nrdb_last_bgsave_status:ok\r\nrdb_last_bgsave_time_sec:-1\r\nrdb_current_bgsave_time_sec:-1\r\nrdb_saves:0\r\nrdb_last_cow_size:0\r\nrdb_last_load_keys_expired:0\r\nrdb_last_load_keys_loaded:0\r\naof_enabled:1\r\naof_rewrite_in_progress:0\r\naof_rewrite_scheduled:0\r\naof_last_rewrite_time_sec:-1\r\naof_current_rewrite_time_sec:-1\r\naof_last_bgrewrite_status:ok\r\naof_rewrites:0\r\naof_rewrites_consecutive_failures:0\r\naof_last_write_status:ok\r\naof_last_cow_size:0\r\nmodule_fork_in_progress:0\r\nmodule_fork_last_cow_size:0\r\naof_current_size:0\r\naof_base_size:0\r\naof_pending_rewrite:0\r\naof_buffer_length:0\r\naof_pending_bio_fsync:0\r\naof_delayed_fsync:0\r\n",
}

// persistenceFields returns the fields of an INFO persistence reply, in
// order, without the header.
func persistenceFields(t *testing.T, info string) []string {
	t.Helper()
	i := strings.Index(info, "# Persistence\r\n")
	if i < 0 {
		t.Fatalf("no Persistence section:\n%s", info)
	}
	body := info[i+len("# Persistence\r\n"):]
	if j := strings.Index(body, "\r\n\r\n"); j >= 0 {
		body = body[:j+2]
	}
	return strings.Split(strings.TrimSuffix(body, "\r\n"), "\r\n")
}

// A fresh server prints a subset of redis-server's fields, in its order
// and, where nothing happened yet, with its values.
func TestServer_InfoPersistenceMatchesRedis(t *testing.T) {
	aof := func() resp.AOFStatus { return resp.AOFStatus{LastRewrite: -1} }
	for _, on := range []bool{false, true} {
		opts := resp.Options{}
		if on {
			opts.AOF = aof
		}
		_, s := newServer(t, opts)
		got := persistenceFields(t, dial(t, s).do("INFO", "persistence"))
		theirs := strings.Split(strings.TrimSuffix(redisPersistence[on], "\r\n"), "\r\n")
		k := 0
		for _, f := range got {
			name := f[:strings.IndexByte(f, ':')]
			for k < len(theirs) && !strings.HasPrefix(theirs[k], name+":") {
				k++
			}
			if k == len(theirs) {
				t.Fatalf("aof %v: %q missing from Redis's fields or out of their order", on, f)
			}
			if name != "aof_current_size" && name != "aof_base_size" && f != theirs[k] {
				t.Errorf("aof %v: %q, redis-server %q", on, f, theirs[k])
			}
		}
		if len(got) < 10 {
			t.Errorf("aof %v: only %d fields: %q", on, len(got), got)
		}
	}
}

// INFO's section choices include Persistence where Redis's do, between
// Clients and Stats.
func TestServer_InfoPersistenceSections(t *testing.T) {
	_, s := newServer(t, resp.Options{})
	c := dial(t, s)
	for _, args := range [][]string{{"INFO"}, {"INFO", "default"}, {"INFO", "all"}, {"INFO", "everything"}, {"INFO", "PERSISTENCE"}, {"INFO", "clients", "persistence", "stats"}} {
		info := c.do(args...)
		p := strings.Index(info, "# Persistence\r\n")
		if p < 0 || strings.Contains(info, "# Clients") && strings.Index(info, "# Clients") > p || strings.Contains(info, "# Stats") && strings.Index(info, "# Stats") < p {
			t.Errorf("%q: Persistence missing or out of place:\n%s", args, info)
		}
	}
	for _, args := range [][]string{{"INFO", "server"}, {"INFO", "commandstats"}} {
		if info := c.do(args...); strings.Contains(info, "# Persistence") {
			t.Errorf("%q holds Persistence", args)
		}
	}
}

// The fields follow Options.AOF, and BGREWRITEAOF's outcome shows even
// with no AOF hook.
func TestServer_InfoPersistenceValues(t *testing.T) {
	st := resp.AOFStatus{Size: 500, BaseSize: 100, WriteErr: errors.New("disk full"), Rewriting: true,
		RewriteStart: time.Now().Add(-3 * time.Second), Rewrites: 4, LastRewriteErr: errors.New("x"),
		LastRewrite: 2500 * time.Millisecond, Failures: 2}
	_, s := newServer(t, resp.Options{AOF: func() resp.AOFStatus { return st }})
	got := strings.Join(persistenceFields(t, dial(t, s).do("INFO", "persistence")), "\n")
	want := strings.Join([]string{"loading:0", "aof_enabled:1", "aof_rewrite_in_progress:1", "aof_rewrite_scheduled:0",
		"aof_last_rewrite_time_sec:2", "aof_current_rewrite_time_sec:3", "aof_last_bgrewrite_status:err", "aof_rewrites:4",
		"aof_rewrites_consecutive_failures:2", "aof_last_write_status:err", "aof_current_size:500", "aof_base_size:100"}, "\n")
	if got != want {
		t.Errorf("INFO persistence:\n%s\nwant\n%s", got, want)
	}

	fail := make(chan error, 1)
	_, s = newServer(t, resp.Options{Rewrite: func() error { return <-fail }})
	c := dial(t, s)
	if got := c.do("BGREWRITEAOF"); got != "+Background append only file rewriting started\r\n" {
		t.Fatalf("BGREWRITEAOF: %q", got)
	}
	if got := c.do("INFO", "persistence"); !strings.Contains(got, "aof_rewrite_in_progress:1\r\n") {
		t.Errorf("during the rewrite:\n%s", got)
	}
	if got := c.do("BGREWRITEAOF"); got != "-ERR Background append only file rewriting already in progress\r\n" {
		t.Errorf("second BGREWRITEAOF: %q", got)
	}
	fail <- errors.New("injected")
	var info string
	for range 500 {
		if info = c.do("INFO", "persistence"); strings.Contains(info, "aof_rewrite_in_progress:0") {
			break
		}
		time.Sleep(time.Millisecond)
	}
	for _, w := range []string{"aof_enabled:1\r\n", "aof_rewrite_in_progress:0\r\n", "aof_last_rewrite_time_sec:0\r\n",
		"aof_last_bgrewrite_status:err\r\n", "aof_rewrites:1\r\n", "aof_rewrites_consecutive_failures:1\r\n"} {
		if !strings.Contains(info, w) {
			t.Errorf("after a failed BGREWRITEAOF, no %q:\n%s", w, info)
		}
	}
}

// CONFIG GET answers Options.Config; CONFIG SET answers Redis's errors
// for what Redis cannot change either and for bad values (recorded from
// redis-server 7.0.15), OK for the value held, and an error for another.
func TestServer_ConfigFixed(t *testing.T) {
	cfg := map[string]string{"appendonly": "yes", "appendfsync": "everysec", "dir": "/data", "appenddirname": "appendonlydir",
		"appendfilename": "appendonly.aof", "save": "", "auto-aof-rewrite-percentage": "100", "auto-aof-rewrite-min-size": "67108864"}
	_, s := newServer(t, resp.Options{Config: cfg})
	c := dial(t, s)
	failed := func(name, why string) string {
		return "-ERR CONFIG SET failed (possibly related to argument '" + name + "') - " + why + "\r\n"
	}
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"CONFIG", "GET", "appendonly"}, "*2\r\n$10\r\nappendonly\r\n$3\r\nyes\r\n"},
		{[]string{"CONFIG", "GET", "save"}, "*2\r\n$4\r\nsave\r\n$0\r\n\r\n"},
		{[]string{"CONFIG", "GET", "auto-aof-rewrite-min-size"}, "*2\r\n$25\r\nauto-aof-rewrite-min-size\r\n$8\r\n67108864\r\n"},
		{[]string{"CONFIG", "GET", "append*"}, "*8\r\n$13\r\nappenddirname\r\n$13\r\nappendonlydir\r\n$14\r\nappendfilename\r\n$14\r\nappendonly.aof\r\n$11\r\nappendfsync\r\n$8\r\neverysec\r\n$10\r\nappendonly\r\n$3\r\nyes\r\n"},
		{[]string{"CONFIG", "GET", "DIR", "stream-node-max-entries"}, "*4\r\n$3\r\ndir\r\n$5\r\n/data\r\n$23\r\nstream-node-max-entries\r\n$3\r\n100\r\n"},
		// Redis's replies.
		{[]string{"CONFIG", "SET", "appenddirname", "x"}, failed("appenddirname", "can't set immutable config")},
		{[]string{"CONFIG", "SET", "appenddirname", "appendonlydir"}, failed("appenddirname", "can't set immutable config")},
		{[]string{"CONFIG", "SET", "appendfilename", "appendonly.aof"}, failed("appendfilename", "can't set immutable config")},
		{[]string{"CONFIG", "SET", "dir", "/tmp"}, failed("dir", "can't set protected config")},
		{[]string{"CONFIG", "SET", "appendfsync", "bogus"}, failed("appendfsync", "argument(s) must be one of the following: everysec, always, no")},
		{[]string{"CONFIG", "SET", "appendonly", "maybe"}, failed("appendonly", "argument must be 'yes' or 'no'")},
		{[]string{"CONFIG", "SET", "save", "abc"}, failed("save", "Invalid save parameters")},
		{[]string{"CONFIG", "SET", "save", "900"}, failed("save", "Invalid save parameters")},
		{[]string{"CONFIG", "SET", "auto-aof-rewrite-percentage", "-1"}, failed("auto-aof-rewrite-percentage", "argument must be between 0 and 2147483647 inclusive")},
		{[]string{"CONFIG", "SET", "auto-aof-rewrite-percentage", "abc"}, failed("auto-aof-rewrite-percentage", "argument couldn't be parsed into an integer")},
		{[]string{"CONFIG", "SET", "auto-aof-rewrite-min-size", "abc"}, failed("auto-aof-rewrite-min-size", "argument must be a memory value")},
		// Redis reads integers with string2ll (no '+', no leading zero) and
		// splits save at each single space, strtoll reading each part whole.
		{[]string{"CONFIG", "SET", "auto-aof-rewrite-percentage", "0100"}, failed("auto-aof-rewrite-percentage", "argument couldn't be parsed into an integer")},
		{[]string{"CONFIG", "SET", "auto-aof-rewrite-percentage", "+100"}, failed("auto-aof-rewrite-percentage", "argument couldn't be parsed into an integer")},
		{[]string{"CONFIG", "SET", "save", "  "}, failed("save", "Invalid save parameters")},
		{[]string{"CONFIG", "SET", "save", "1 1 "}, failed("save", "Invalid save parameters")},
		{[]string{"CONFIG", "SET", "save", "0 1"}, failed("save", "Invalid save parameters")},
		{[]string{"CONFIG", "SET", "save", "10 -1"}, failed("save", "Invalid save parameters")},
		{[]string{"CONFIG", "SET", "save", "1 \t"}, failed("save", "Invalid save parameters")},
		{[]string{"CONFIG", "SET", "appendonly", "YES"}, "+OK\r\n"},
		{[]string{"CONFIG", "SET", "appendfsync", "EveRySec"}, "+OK\r\n"},
		{[]string{"CONFIG", "SET", "save", ""}, "+OK\r\n"},
		{[]string{"CONFIG", "SET", "auto-aof-rewrite-min-size", "64mb", "auto-aof-rewrite-percentage", "100"}, "+OK\r\n"},
		// instream's: Redis would change these at run time.
		{[]string{"CONFIG", "SET", "appendonly", "no"}, failed("appendonly", "instream cannot change it at run time; restart the server with --appendonly no")},
		{[]string{"CONFIG", "SET", "appendfsync", "always"}, failed("appendfsync", "instream cannot change it at run time; restart the server with --appendfsync always")},
		{[]string{"CONFIG", "SET", "auto-aof-rewrite-min-size", "1mb"}, failed("auto-aof-rewrite-min-size", "instream cannot change it at run time; restart the server with --auto-aof-rewrite-min-size 1mb")},
		{[]string{"CONFIG", "SET", "save", "900 1"}, failed("save", "RDB snapshots are not supported (instream persists with appendonly yes)")},
		{[]string{"CONFIG", "SET", "save", "01 +1 1 "}, failed("save", "RDB snapshots are not supported (instream persists with appendonly yes)")},
	} {
		if got := c.do(tc.args...); got != tc.want {
			t.Errorf("%q: %q, want %q", tc.args, got, tc.want)
		}
	}
	_, s = newServer(t, resp.Options{})
	if got := dial(t, s).do("CONFIG", "GET", "appendonly"); got != "*0\r\n" {
		t.Errorf("CONFIG GET appendonly with no Options.Config: %q", got)
	}
}

// SHUTDOWN's argument errors are Redis 7.0.15's; a valid one runs the
// hook with FORCE and closes the connection with no reply.
func TestServer_Shutdown(t *testing.T) {
	var mu sync.Mutex
	var calls []bool
	var hookErr error
	_, s := newServer(t, resp.Options{Shutdown: func(force bool) error {
		mu.Lock()
		defer mu.Unlock()
		calls = append(calls, force)
		return hookErr
	}})
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"SHUTDOWN", "ABORT"}, "-ERR No shutdown in progress.\r\n"},
		{[]string{"SHUTDOWN", "abort", "ABORT"}, "-ERR No shutdown in progress.\r\n"},
		{[]string{"SHUTDOWN", "foo"}, "-ERR syntax error\r\n"},
		{[]string{"SHUTDOWN", "NOSAVE", "SAVE"}, "-ERR syntax error\r\n"},
		{[]string{"SHUTDOWN", "NOW", "ABORT"}, "-ERR syntax error\r\n"},
		{[]string{"SHUTDOWN", "FORCE", "ABORT"}, "-ERR syntax error\r\n"},
		{[]string{"SHUTDOWN", "ABORT", "NOSAVE"}, "-ERR syntax error\r\n"},
		// Redis's answer when the snapshot SAVE asks for cannot be written.
		{[]string{"SHUTDOWN", "SAVE"}, "-ERR Errors trying to SHUTDOWN. Check logs.\r\n"},
		{[]string{"SHUTDOWN", "SAVE", "NOW"}, "-ERR Errors trying to SHUTDOWN. Check logs.\r\n"},
	} {
		if got := dial(t, s).do(tc.args...); got != tc.want {
			t.Errorf("%q: %q, want %q", tc.args, got, tc.want)
		}
	}
	c := dial(t, s)
	for _, args := range [][]string{{"MULTI"}, {"SHUTDOWN"}, {"SHUTDOWN", "ABORT"}, {"EXEC"}} {
		c.send(args...)
	}
	for _, want := range []string{"+OK\r\n", "-ERR Command not allowed inside a transaction\r\n", "-ERR Command not allowed inside a transaction\r\n",
		"-EXECABORT Transaction discarded because of previous errors.\r\n"} {
		if got := c.reply(); got != want {
			t.Errorf("SHUTDOWN in MULTI: %q, want %q", got, want)
		}
	}
	mu.Lock()
	if len(calls) != 0 {
		t.Fatalf("hook called by refused SHUTDOWNs: %v", calls)
	}
	hookErr = errors.New("sync failed")
	mu.Unlock()
	if got := dial(t, s).do("SHUTDOWN"); got != "-ERR Errors trying to SHUTDOWN. Check logs.\r\n" {
		t.Errorf("SHUTDOWN with a failing hook: %q", got)
	}
	mu.Lock()
	hookErr = nil
	mu.Unlock()
	for _, args := range [][]string{{"SHUTDOWN", "nosave", "now"}, {"SHUTDOWN", "SAVE", "FORCE"}} {
		c := dial(t, s)
		c.send(args...)
		if b, err := io.ReadAll(c.br); err != nil || len(b) != 0 {
			t.Errorf("%q: read %q, %v; want the connection closed with no reply", args, b, err)
		}
	}
	mu.Lock()
	defer mu.Unlock()
	if want := []bool{false, false, true}; !slices.Equal(calls, want) {
		t.Errorf("hook calls with force %v, want %v", calls, want)
	}
	_, s = newServer(t, resp.Options{})
	if got := dial(t, s).do("SHUTDOWN"); got != "-ERR SHUTDOWN is not supported by this server\r\n" {
		t.Errorf("SHUTDOWN with no hook: %q", got)
	}
}
