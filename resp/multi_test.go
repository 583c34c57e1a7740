package resp_test

import (
	"testing"

	"github.com/instream/instream/resp"
)

// MULTI, EXEC, DISCARD, WATCH and UNWATCH, with the replies of
// redis-server 7.0.15. Steps with other set run on a second connection.
func TestServer_Multi(t *testing.T) {
	type step struct {
		args  []string
		want  string
		other bool
	}
	cmd := func(want string, args ...string) step { return step{args, want, false} }
	other := func(want string, args ...string) step { return step{args, want, true} }
	const (
		ok     = "+OK\r\n"
		queued = "+QUEUED\r\n"
		abort  = "-EXECABORT Transaction discarded because of previous errors.\r\n"
	)
	tests := []struct {
		name  string
		steps []step
	}{
		{"outside MULTI", []step{
			cmd("-ERR EXEC without MULTI\r\n", "EXEC"),
			cmd("-ERR DISCARD without MULTI\r\n", "DISCARD"),
			cmd("-ERR wrong number of arguments for 'watch' command\r\n", "WATCH"),
			cmd("-ERR wrong number of arguments for 'unwatch' command\r\n", "UNWATCH", "x"),
			cmd("-ERR wrong number of arguments for 'multi' command\r\n", "MULTI", "x"),
			cmd(ok, "UNWATCH"),
		}},
		{"runtime errors do not abort", []step{
			cmd(ok, "MULTI"),
			cmd(queued, "XADD", "s", "1-0", "f", "v"),
			cmd(queued, "XADD", "s", "1-0", "f", "v"),
			cmd(queued, "XRANGE", "s", "-", "+", "COUNT", "x"),
			cmd(queued, "XLEN", "s"),
			cmd("*4\r\n$3\r\n1-0\r\n-ERR The ID specified in XADD is equal or smaller than the target stream top item\r\n-ERR value is not an integer or out of range\r\n:1\r\n", "EXEC"),
		}},
		{"queue errors abort", []step{
			cmd(ok, "MULTI"),
			cmd(queued, "XADD", "s", "1-0", "f", "v"),
			cmd("-ERR wrong number of arguments for 'xadd' command\r\n", "XADD", "s", "*"),
			cmd(queued, "XLEN", "s"),
			cmd(abort, "EXEC"),
			cmd(":0\r\n", "XLEN", "s"),
		}},
		{"unknown command aborts", []step{
			cmd(ok, "MULTI"),
			cmd("-ERR unknown command 'NOSUCH', with args beginning with: 'x' \r\n", "NOSUCH", "x"),
			cmd(abort, "EXEC"),
		}},
		{"unknown subcommand aborts", []step{
			cmd(ok, "MULTI"),
			cmd("-ERR unknown subcommand 'foo'. Try XGROUP HELP.\r\n", "XGROUP", "foo"),
			cmd("-ERR wrong number of arguments for 'xinfo|stream' command\r\n", "XINFO", "STREAM"),
			cmd("-ERR wrong number of arguments for 'client|getname' command\r\n", "CLIENT", "GETNAME", "x"),
			cmd(abort, "EXEC"),
		}},
		{"wrong arity of DISCARD and WATCH abort", []step{
			cmd(ok, "MULTI"),
			cmd("-ERR wrong number of arguments for 'discard' command\r\n", "DISCARD", "x"),
			cmd("-ERR wrong number of arguments for 'watch' command\r\n", "WATCH"),
			cmd(abort, "EXEC"),
		}},
		{"EXEC with arguments", []step{
			cmd(ok, "MULTI"),
			cmd("-EXECABORT Transaction discarded because of: wrong number of arguments for 'exec' command\r\n", "EXEC", "x"),
			cmd("-ERR EXEC without MULTI\r\n", "EXEC"),
		}},
		{"nested MULTI and WATCH inside do not abort", []step{
			cmd(ok, "MULTI"),
			cmd("-ERR MULTI calls can not be nested\r\n", "MULTI"),
			cmd("-ERR WATCH inside MULTI is not allowed\r\n", "WATCH", "s"),
			cmd(queued, "PING"),
			cmd("*1\r\n+PONG\r\n", "EXEC"),
		}},
		{"empty", []step{
			cmd(ok, "MULTI"),
			cmd("*0\r\n", "EXEC"),
		}},
		{"discard", []step{
			cmd(ok, "MULTI"),
			cmd(queued, "XADD", "s", "1-0", "f", "v"),
			cmd(ok, "DISCARD"),
			cmd("-ERR EXEC without MULTI\r\n", "EXEC"),
			cmd(":0\r\n", "XLEN", "s"),
		}},
		{"reset ends MULTI", []step{
			cmd(ok, "MULTI"),
			cmd("+RESET\r\n", "RESET"),
			cmd("-ERR EXEC without MULTI\r\n", "EXEC"),
		}},
		{"connection and keyspace commands", []step{
			cmd(ok, "MULTI"),
			cmd(queued, "XADD", "s", "1-0", "f", "v"),
			cmd(queued, "SELECT", "0"),
			cmd(queued, "CLIENT", "SETNAME", "x"),
			cmd(queued, "DBSIZE"),
			cmd(queued, "RENAME", "s", "t"),
			cmd(queued, "KEYS", "*"),
			cmd(queued, "CONFIG", "GET", "stream-node-max-entries"),
			cmd(queued, "UNWATCH"),
			cmd(queued, "FLUSHALL"),
			cmd("*9\r\n$3\r\n1-0\r\n+OK\r\n+OK\r\n:1\r\n+OK\r\n*1\r\n$1\r\nt\r\n*2\r\n$23\r\nstream-node-max-entries\r\n$3\r\n100\r\n+OK\r\n+OK\r\n", "EXEC"),
			cmd(":0\r\n", "DBSIZE"),
		}},
		{"BLOCK does not block", []step{
			cmd(ok, "XGROUP", "CREATE", "s", "g", "$", "MKSTREAM"),
			cmd(ok, "MULTI"),
			cmd(queued, "XREAD", "BLOCK", "0", "STREAMS", "s", "$"),
			cmd(queued, "XREADGROUP", "GROUP", "g", "c", "BLOCK", "0", "STREAMS", "s", ">"),
			cmd(queued, "XADD", "s", "1-0", "f", "v"),
			cmd(queued, "XREADGROUP", "GROUP", "g", "c", "BLOCK", "0", "STREAMS", "s", ">"),
			cmd("*4\r\n*-1\r\n*-1\r\n$3\r\n1-0\r\n*1\r\n*2\r\n$1\r\ns\r\n*1\r\n*2\r\n$3\r\n1-0\r\n*2\r\n$1\r\nf\r\n$1\r\nv\r\n", "EXEC"),
		}},
		{"RESP3", []step{
			cmd(ok, "MULTI"),
			cmd(queued, "HELLO", "3"),
			cmd(queued, "XADD", "k", "2-0", "f", "v"),
			cmd(queued, "XREAD", "STREAMS", "k", "0"),
			cmd(queued, "XREAD", "BLOCK", "10", "STREAMS", "k", "$"),
			cmd("*4\r\n%7\r\n$6\r\nserver\r\n$5\r\nredis\r\n$7\r\nversion\r\n$5\r\n"+resp.Version+"\r\n$5\r\nproto\r\n:3\r\n$2\r\nid\r\n:1\r\n$4\r\nmode\r\n$10\r\nstandalone\r\n$4\r\nrole\r\n$6\r\nmaster\r\n$7\r\nmodules\r\n*0\r\n$3\r\n2-0\r\n%1\r\n$1\r\nk\r\n*1\r\n*2\r\n$3\r\n2-0\r\n*2\r\n$1\r\nf\r\n$1\r\nv\r\n_\r\n", "EXEC"),
			cmd(ok, "WATCH", "k"),
			other("$3\r\n3-0\r\n", "XADD", "k", "3-0", "f", "v"),
			cmd(ok, "MULTI"),
			cmd("_\r\n", "EXEC"),
		}},
		{"watch: modified by another client", []step{
			cmd(ok, "WATCH", "s", "t"),
			other("$3\r\n1-0\r\n", "XADD", "s", "1-0", "f", "v"),
			cmd(ok, "MULTI"),
			cmd(queued, "XLEN", "s"),
			cmd("*-1\r\n", "EXEC"),
			cmd(ok, "MULTI"), // EXEC unwatched
			cmd(queued, "XLEN", "s"),
			cmd("*1\r\n:1\r\n", "EXEC"),
		}},
		{"watch: modified by the client itself", []step{
			cmd(ok, "WATCH", "s"),
			cmd("$3\r\n1-0\r\n", "XADD", "s", "1-0", "f", "v"),
			cmd(ok, "MULTI"),
			cmd("*-1\r\n", "EXEC"),
		}},
		{"watch: not modified", []step{
			cmd("$3\r\n1-0\r\n", "XADD", "s", "1-0", "f", "v"),
			cmd(ok, "WATCH", "s"),
			other(ok, "XGROUP", "CREATE", "s", "g", "0"),
			other("$3\r\n1-0\r\n", "XADD", "other", "1-0", "f", "v"),
			other(":0\r\n", "XDEL", "s", "9-0"),
			cmd(ok, "MULTI"),
			cmd(queued, "XLEN", "s"),
			cmd("*1\r\n:1\r\n", "EXEC"),
		}},
		{"watch: unwatch, discard and abort forget", []step{
			cmd(ok, "WATCH", "s"),
			cmd(ok, "UNWATCH"),
			other("$3\r\n1-0\r\n", "XADD", "s", "1-0", "f", "v"),
			cmd(ok, "MULTI"),
			cmd("*0\r\n", "EXEC"),
			cmd(ok, "WATCH", "s"),
			other("$3\r\n2-0\r\n", "XADD", "s", "2-0", "f", "v"),
			cmd(ok, "MULTI"),
			cmd(ok, "DISCARD"),
			cmd(ok, "MULTI"),
			cmd("*0\r\n", "EXEC"),
			cmd(ok, "WATCH", "s"),
			cmd(ok, "MULTI"),
			cmd("-ERR unknown command 'NOSUCH', with args beginning with: \r\n", "NOSUCH"),
			cmd(abort, "EXEC"),
			other("$3\r\n3-0\r\n", "XADD", "s", "3-0", "f", "v"),
			cmd(ok, "MULTI"),
			cmd("*0\r\n", "EXEC"),
		}},
		{"watch: queue errors win over a modified key", []step{
			cmd(ok, "WATCH", "s"),
			other("$3\r\n1-0\r\n", "XADD", "s", "1-0", "f", "v"),
			cmd(ok, "MULTI"),
			cmd("-ERR unknown command 'NOSUCH', with args beginning with: \r\n", "NOSUCH"),
			cmd(abort, "EXEC"),
		}},
		{"watch: flush of a missing key", []step{
			cmd(ok, "WATCH", "zz"),
			other(ok, "FLUSHALL"),
			cmd(ok, "MULTI"),
			cmd("*0\r\n", "EXEC"),
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, s := newServer(t, resp.Options{})
			c, o := dial(t, s), dial(t, s)
			for i, st := range tt.steps {
				conn := c
				if st.other {
					conn = o
				}
				if got := conn.do(st.args...); got != st.want {
					t.Fatalf("step %d %q:\n got %q\nwant %q", i, st.args, got, st.want)
				}
			}
		})
	}
}

// EXEC runs its commands as one batch: a blocked reader is served after
// it, and sees its outcome.
func TestServer_MultiServesAfterExec(t *testing.T) {
	_, s := newServer(t, resp.Options{})
	c, r, ctl := dial(t, s), dial(t, s), dial(t, s)
	r.send("XREAD", "BLOCK", "0", "STREAMS", "s", "$")
	waitBlocked(t, ctl, 1)
	for _, args := range [][]string{{"MULTI"}, {"XADD", "s", "1-0", "f", "v"}, {"DEL", "s"}} {
		c.do(args...)
	}
	if got := c.do("EXEC"); got != "*2\r\n$3\r\n1-0\r\n:1\r\n" {
		t.Fatalf("EXEC = %q", got)
	}
	waitBlocked(t, ctl, 1) // XADD then DEL woke nobody
	for _, args := range [][]string{{"MULTI"}, {"XADD", "s", "2-0", "f", "v"}, {"XADD", "s", "3-0", "f", "v"}, {"EXEC"}} {
		c.do(args...)
	}
	want := "*1\r\n*2\r\n$1\r\ns\r\n*2\r\n*2\r\n$3\r\n2-0\r\n*2\r\n$1\r\nf\r\n$1\r\nv\r\n*2\r\n$3\r\n3-0\r\n*2\r\n$1\r\nf\r\n$1\r\nv\r\n"
	if got := r.reply(); got != want {
		t.Errorf("reader got %q, want both entries of the EXEC:\n%q", got, want)
	}
}
