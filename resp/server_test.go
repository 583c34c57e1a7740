package resp_test

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/instream/instream"
	"github.com/instream/instream/resp"
)

// rawConn sends commands and reads one raw reply at a time.
type rawConn struct {
	t  testing.TB
	c  net.Conn
	br *bufio.Reader
}

func dial(t testing.TB, s *resp.Server) *rawConn {
	t.Helper()
	c, err := s.Dial(t.Context(), "", "")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return &rawConn{t: t, c: c, br: bufio.NewReader(c)}
}

func newServer(t testing.TB, opts resp.Options) (*instream.Engine, *resp.Server) {
	e := instream.New(instream.Options{})
	t.Cleanup(func() { e.Close() })
	return e, resp.NewServer(e, opts)
}

func encode(args ...string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "*%d\r\n", len(args))
	for _, a := range args {
		fmt.Fprintf(&b, "$%d\r\n%s\r\n", len(a), a)
	}
	return b.String()
}

func (r *rawConn) send(args ...string) {
	r.t.Helper()
	if _, err := io.WriteString(r.c, encode(args...)); err != nil {
		r.t.Fatal(err)
	}
}

// do sends a command and returns its raw reply.
func (r *rawConn) do(args ...string) string {
	r.t.Helper()
	r.send(args...)
	return r.reply()
}

// clientID returns the connection's CLIENT ID, as CLIENT UNBLOCK and
// CLIENT KILL ID take it.
func (r *rawConn) clientID() string {
	r.t.Helper()
	return strings.TrimSuffix(strings.TrimPrefix(r.do("CLIENT", "ID"), ":"), "\r\n")
}

func (r *rawConn) reply() string {
	r.t.Helper()
	var b strings.Builder
	if err := readValue(r.br, &b); err != nil {
		r.t.Fatalf("reading reply: %v (so far %q)", err, b.String())
	}
	return b.String()
}

// readValue copies one RESP2 or RESP3 value from br to b.
func readValue(br *bufio.Reader, b *strings.Builder) error {
	line, err := br.ReadString('\n')
	if err != nil {
		return err
	}
	b.WriteString(line)
	body := strings.TrimSuffix(line[1:], "\r\n")
	switch line[0] {
	case '+', '-', ':', '_', ',', '#':
		return nil
	case '$', '=':
		n, _ := strconv.Atoi(body)
		if n < 0 {
			return nil
		}
		buf := make([]byte, n+2)
		if _, err := io.ReadFull(br, buf); err != nil {
			return err
		}
		b.Write(buf)
		return nil
	case '*', '~', '%':
		n, _ := strconv.Atoi(body)
		if line[0] == '%' {
			n *= 2
		}
		for range max(n, 0) {
			if err := readValue(br, b); err != nil {
				return err
			}
		}
		return nil
	}
	return fmt.Errorf("unexpected type byte in %q", line)
}

// The replies are redis-server 7.0.15's, byte for byte (HELLO's version
// and id aside), under RESP2 and after HELLO 3.
func TestServer_Replies(t *testing.T) {
	type step struct {
		args []string
		want string
	}
	hello3 := "%7\r\n$6\r\nserver\r\n$5\r\nredis\r\n$7\r\nversion\r\n$5\r\n" + resp.Version + "\r\n$5\r\nproto\r\n:3\r\n$2\r\nid\r\n:1\r\n$4\r\nmode\r\n$10\r\nstandalone\r\n$4\r\nrole\r\n$6\r\nmaster\r\n$7\r\nmodules\r\n*0\r\n"
	common := []step{
		{[]string{"XADD", "s", "1-1", "a", "1", "b", "2"}, "$3\r\n1-1\r\n"},
		{[]string{"XADD", "s", "2-1", "a", "1"}, "$3\r\n2-1\r\n"},
		{[]string{"XRANGE", "s", "-", "+"}, "*2\r\n*2\r\n$3\r\n1-1\r\n*4\r\n$1\r\na\r\n$1\r\n1\r\n$1\r\nb\r\n$1\r\n2\r\n*2\r\n$3\r\n2-1\r\n*2\r\n$1\r\na\r\n$1\r\n1\r\n"},
		{[]string{"XGROUP", "CREATE", "s", "g", "0"}, "+OK\r\n"},
		{[]string{"TYPE", "s"}, "+stream\r\n"},
		{[]string{"XPENDING", "s", "nog"}, "-NOGROUP No such key 's' or consumer group 'nog'\r\n"},
		{[]string{"PING"}, "+PONG\r\n"},
		{[]string{"PING", "a"}, "$1\r\na\r\n"},
		{[]string{"PING", "a", "b"}, "-ERR wrong number of arguments for 'ping' command\r\n"},
		{[]string{"ECHO", "x"}, "$1\r\nx\r\n"},
		{[]string{"SELECT", "0"}, "+OK\r\n"},
		{[]string{"SELECT", "1"}, "-ERR DB index is out of range\r\n"},
		{[]string{"SELECT", "x"}, "-ERR value is not an integer or out of range\r\n"},
		{[]string{"HELLO", "4"}, "-NOPROTO unsupported protocol version\r\n"},
		{[]string{"HELLO", "abc"}, "-ERR Protocol version is not an integer or out of range\r\n"},
		{[]string{"HELLO", "2", "FOO"}, "-ERR Syntax error in HELLO option 'FOO'\r\n"},
		{[]string{"HELLO", "2", "SETNAME", "a b"}, "-ERR Client names cannot contain spaces, newlines or special characters.\r\n"},
		{[]string{"AUTH", "x"}, "-ERR AUTH <password> called without any password configured for the default user. Are you sure your configuration is correct?\r\n"},
		{[]string{"AUTH", "a", "b"}, "-WRONGPASS invalid username-password pair or user is disabled.\r\n"},
		{[]string{"CLIENT", "ID"}, ":1\r\n"},
		{[]string{"CLIENT", "SETNAME", "foo"}, "+OK\r\n"},
		{[]string{"CLIENT", "GETNAME"}, "$3\r\nfoo\r\n"},
		{[]string{"CLIENT", "FOO"}, "-ERR unknown subcommand 'FOO'. Try CLIENT HELP.\r\n"},
		{[]string{"CLIENT", "KILL", "ID", "abc"}, "-ERR client-id should be greater than 0\r\n"},
		{[]string{"CLIENT", "KILL", "ID", "99999"}, ":0\r\n"},
		{[]string{"CLIENT", "KILL", "FOO", "bar"}, "-ERR syntax error\r\n"},
		{[]string{"CLIENT", "UNBLOCK", "9999"}, ":0\r\n"},
		{[]string{"CLIENT", "UNBLOCK", "abc"}, "-ERR value is not an integer or out of range\r\n"},
		{[]string{"CLIENT", "UNBLOCK", "9999", "FOO"}, "-ERR CLIENT UNBLOCK reason should be TIMEOUT or ERROR\r\n"},
		{[]string{"CLIENT", "GETNAME", "x"}, "-ERR wrong number of arguments for 'client|getname' command\r\n"},
		{[]string{"COMMAND", "FOO"}, "-ERR unknown subcommand 'FOO'. Try COMMAND HELP.\r\n"},
		{[]string{"COMMAND", "COUNT", "x"}, "-ERR wrong number of arguments for 'command|count' command\r\n"},
		{[]string{"DBSIZE"}, ":1\r\n"},
		{[]string{"KEYS", "[st]"}, "*1\r\n$1\r\ns\r\n"},
		{[]string{"SCAN", "0", "MATCH", "s"}, "*2\r\n$1\r\n0\r\n*1\r\n$1\r\ns\r\n"},
		{[]string{"SCAN", "0", "COUNT", "0"}, "-ERR syntax error\r\n"},
		{[]string{"SCAN", "0", "TYPE", "string"}, "*2\r\n$1\r\n0\r\n*0\r\n"},
		{[]string{"SCAN", "x"}, "-ERR invalid cursor\r\n"},
		{[]string{"CONFIG", "SET", "stream-node-max-entries", "-1"}, "-ERR CONFIG SET failed (possibly related to argument 'stream-node-max-entries') - argument must be between 0 and 9223372036854775807 inclusive\r\n"},
		{[]string{"CONFIG", "SET", "stream-node-max-entries", "abc"}, "-ERR CONFIG SET failed (possibly related to argument 'stream-node-max-entries') - argument couldn't be parsed into an integer\r\n"},
		// Redis reads the number as string2ll does: no leading zero, no '+'.
		{[]string{"CONFIG", "SET", "stream-node-max-entries", "0100"}, "-ERR CONFIG SET failed (possibly related to argument 'stream-node-max-entries') - argument couldn't be parsed into an integer\r\n"},
		{[]string{"CONFIG", "SET", "stream-node-max-entries", "+100"}, "-ERR CONFIG SET failed (possibly related to argument 'stream-node-max-entries') - argument couldn't be parsed into an integer\r\n"},
		{[]string{"CONFIG", "SET", "stream-node-max-bytes", "abc"}, "-ERR CONFIG SET failed (possibly related to argument 'stream-node-max-bytes') - argument must be a memory value\r\n"},
		{[]string{"CONFIG", "SET", "stream-node-max-entries", "1", "stream-node-max-entries", "2"}, "-ERR CONFIG SET failed (possibly related to argument 'stream-node-max-entries') - duplicate parameter\r\n"},
		{[]string{"CONFIG", "SET", "foo", "1"}, "-ERR Unknown option or number of arguments for CONFIG SET - 'foo'\r\n"},
		{[]string{"CONFIG", "SET", "stream-node-max-bytes", "1kb"}, "+OK\r\n"},
		{[]string{"CONFIG", "RESETSTAT", "x"}, "-ERR wrong number of arguments for 'config|resetstat' command\r\n"},
		{[]string{"RENAME", "nokey", "v"}, "-ERR no such key\r\n"},
		{[]string{"RENAMENX", "s", "s"}, ":0\r\n"},
		{[]string{"RENAME", "s", "u"}, "+OK\r\n"},
		{[]string{"RENAME", "u", "s"}, "+OK\r\n"},
		{[]string{"FLUSHDB", "x"}, "-ERR syntax error\r\n"},
		{[]string{"FOO", "bar"}, "-ERR unknown command 'FOO', with args beginning with: 'bar' \r\n"},
	}
	resp2 := append(append([]step{}, common...),
		step{[]string{"CONFIG", "GET", "stream-node-max-*"}, "*4\r\n$21\r\nstream-node-max-bytes\r\n$4\r\n1024\r\n$23\r\nstream-node-max-entries\r\n$3\r\n100\r\n"},
		step{[]string{"XREAD", "STREAMS", "s", "9"}, "*-1\r\n"},
		step{[]string{"XREADGROUP", "GROUP", "g", "c", "STREAMS", "s", ">"}, "*1\r\n*2\r\n$1\r\ns\r\n*2\r\n*2\r\n$3\r\n1-1\r\n*4\r\n$1\r\na\r\n$1\r\n1\r\n$1\r\nb\r\n$1\r\n2\r\n*2\r\n$3\r\n2-1\r\n*2\r\n$1\r\na\r\n$1\r\n1\r\n"},
		step{[]string{"XDEL", "s", "1-1"}, ":1\r\n"},
		step{[]string{"XREADGROUP", "GROUP", "g", "c", "STREAMS", "s", "0"}, "*1\r\n*2\r\n$1\r\ns\r\n*2\r\n*2\r\n$3\r\n1-1\r\n*-1\r\n*2\r\n$3\r\n2-1\r\n*2\r\n$1\r\na\r\n$1\r\n1\r\n"},
		step{[]string{"XADD", "z", "NOMKSTREAM", "*", "a", "1"}, "$-1\r\n"},
		step{[]string{"XGROUP", "CREATE", "e", "g", "$", "MKSTREAM"}, "+OK\r\n"},
		step{[]string{"XPENDING", "e", "g"}, "*4\r\n:0\r\n$-1\r\n$-1\r\n*-1\r\n"},
		step{[]string{"XINFO", "GROUPS", "e"}, "*1\r\n*12\r\n$4\r\nname\r\n$1\r\ng\r\n$9\r\nconsumers\r\n:0\r\n$7\r\npending\r\n:0\r\n$17\r\nlast-delivered-id\r\n$3\r\n0-0\r\n$12\r\nentries-read\r\n$-1\r\n$3\r\nlag\r\n:0\r\n"},
		step{[]string{"CLIENT", "SETNAME", ""}, "+OK\r\n"},
		step{[]string{"CLIENT", "GETNAME"}, "$-1\r\n"},
	)
	resp3 := append([]step{{[]string{"HELLO", "3"}, hello3}}, common...)
	resp3 = append(resp3,
		step{[]string{"XREAD", "STREAMS", "s", "9"}, "_\r\n"},
		step{[]string{"XREAD", "STREAMS", "s", "0"}, "%1\r\n$1\r\ns\r\n*2\r\n*2\r\n$3\r\n1-1\r\n*4\r\n$1\r\na\r\n$1\r\n1\r\n$1\r\nb\r\n$1\r\n2\r\n*2\r\n$3\r\n2-1\r\n*2\r\n$1\r\na\r\n$1\r\n1\r\n"},
		step{[]string{"XREADGROUP", "GROUP", "g", "c", "STREAMS", "s", ">"}, "%1\r\n$1\r\ns\r\n*2\r\n*2\r\n$3\r\n1-1\r\n*4\r\n$1\r\na\r\n$1\r\n1\r\n$1\r\nb\r\n$1\r\n2\r\n*2\r\n$3\r\n2-1\r\n*2\r\n$1\r\na\r\n$1\r\n1\r\n"},
		step{[]string{"XDEL", "s", "1-1"}, ":1\r\n"},
		step{[]string{"XREADGROUP", "GROUP", "g", "c", "STREAMS", "s", "0"}, "%1\r\n$1\r\ns\r\n*2\r\n*2\r\n$3\r\n1-1\r\n_\r\n*2\r\n$3\r\n2-1\r\n*2\r\n$1\r\na\r\n$1\r\n1\r\n"},
		step{[]string{"XREADGROUP", "GROUP", "g", "c", "STREAMS", "s", ">"}, "_\r\n"},
		step{[]string{"XPENDING", "s", "g"}, "*4\r\n:2\r\n$3\r\n1-1\r\n$3\r\n2-1\r\n*1\r\n*2\r\n$1\r\nc\r\n$1\r\n2\r\n"},
		step{[]string{"XCLAIM", "s", "g", "d", "0", "1-1", "2-1", "JUSTID"}, "*1\r\n$3\r\n2-1\r\n"},
		step{[]string{"XAUTOCLAIM", "s", "g", "e", "0", "0", "JUSTID"}, "*3\r\n$3\r\n0-0\r\n*1\r\n$3\r\n2-1\r\n*0\r\n"},
		step{[]string{"XADD", "z", "NOMKSTREAM", "*", "a", "1"}, "_\r\n"},
		step{[]string{"XGROUP", "CREATE", "e", "g", "$", "MKSTREAM"}, "+OK\r\n"},
		// 7.0.15 plus the six idempotency fields of Redis 8.6, after recorded-first-entry-id.
		step{[]string{"XINFO", "STREAM", "e"}, "%16\r\n$6\r\nlength\r\n:0\r\n$15\r\nradix-tree-keys\r\n:0\r\n$16\r\nradix-tree-nodes\r\n:1\r\n$17\r\nlast-generated-id\r\n$3\r\n0-0\r\n$20\r\nmax-deleted-entry-id\r\n$3\r\n0-0\r\n$13\r\nentries-added\r\n:0\r\n$23\r\nrecorded-first-entry-id\r\n$3\r\n0-0\r\n$13\r\nidmp-duration\r\n:100\r\n$12\r\nidmp-maxsize\r\n:100\r\n$12\r\npids-tracked\r\n:0\r\n$12\r\niids-tracked\r\n:0\r\n$10\r\niids-added\r\n:0\r\n$15\r\niids-duplicates\r\n:0\r\n$6\r\ngroups\r\n:1\r\n$11\r\nfirst-entry\r\n_\r\n$10\r\nlast-entry\r\n_\r\n"},
		step{[]string{"XINFO", "GROUPS", "e"}, "*1\r\n%6\r\n$4\r\nname\r\n$1\r\ng\r\n$9\r\nconsumers\r\n:0\r\n$7\r\npending\r\n:0\r\n$17\r\nlast-delivered-id\r\n$3\r\n0-0\r\n$12\r\nentries-read\r\n_\r\n$3\r\nlag\r\n:0\r\n"},
		step{[]string{"XPENDING", "e", "g"}, "*4\r\n:0\r\n_\r\n_\r\n_\r\n"},
		step{[]string{"XINFO", "HELP"}, "*9\r\n+XINFO <subcommand> [<arg> [value] [opt] ...]. Subcommands are:\r\n+CONSUMERS <key> <groupname>\r\n+    Show consumers of <groupname>.\r\n+GROUPS <key>\r\n+    Show the stream consumer groups.\r\n+STREAM <key> [FULL [COUNT <count>]\r\n+    Show information about the stream.\r\n+HELP\r\n+    Print this help.\r\n"},
		step{[]string{"CONFIG", "GET", "stream-node-max-entries"}, "%1\r\n$23\r\nstream-node-max-entries\r\n$3\r\n100\r\n"},
		step{[]string{"CLIENT", "SETNAME", ""}, "+OK\r\n"},
		step{[]string{"CLIENT", "GETNAME"}, "_\r\n"},
		step{[]string{"RESET"}, "+RESET\r\n"},
		step{[]string{"XREAD", "STREAMS", "s", "9"}, "*-1\r\n"},
	)
	for _, tc := range []struct {
		name  string
		steps []step
	}{{"resp=2", resp2}, {"resp=3", resp3}} {
		t.Run(tc.name, func(t *testing.T) {
			_, s := newServer(t, resp.Options{})
			c := dial(t, s)
			for _, st := range tc.steps {
				if got := c.do(st.args...); got != st.want {
					t.Errorf("%q:\n got %q\nwant %q", st.args, got, st.want)
				}
			}
		})
	}
}

func TestServer_Auth(t *testing.T) {
	_, s := newServer(t, resp.Options{RequirePass: "secret"})
	c := dial(t, s)
	for _, st := range []struct {
		args []string
		want string
	}{
		{[]string{"PING"}, "-NOAUTH Authentication required.\r\n"},
		{[]string{"XADD", "s", "*", "a", "1"}, "-NOAUTH Authentication required.\r\n"},
		{[]string{"FOO"}, "-ERR unknown command 'FOO', with args beginning with: \r\n"},
		{[]string{"ECHO"}, "-ERR wrong number of arguments for 'echo' command\r\n"},
		{[]string{"HELLO", "3"}, "-NOAUTH HELLO must be called with the client already authenticated, otherwise the HELLO AUTH <user> <pass> option can be used to authenticate the client and select the RESP protocol version at the same time\r\n"},
		{[]string{"AUTH", "x"}, "-WRONGPASS invalid username-password pair or user is disabled.\r\n"},
		{[]string{"HELLO", "3", "AUTH", "foo", "secret"}, "-WRONGPASS invalid username-password pair or user is disabled.\r\n"},
		{[]string{"AUTH", "secret"}, "+OK\r\n"},
		{[]string{"PING"}, "+PONG\r\n"},
		{[]string{"RESET"}, "+RESET\r\n"},
		{[]string{"PING"}, "-NOAUTH Authentication required.\r\n"},
		{[]string{"AUTH", "default", "secret"}, "+OK\r\n"},
		{[]string{"QUIT"}, "+OK\r\n"},
	} {
		if got := c.do(st.args...); got != st.want {
			t.Errorf("%q:\n got %q\nwant %q", st.args, got, st.want)
		}
	}
	if _, err := c.br.ReadByte(); err != io.EOF {
		t.Errorf("after QUIT: %v, want io.EOF", err)
	}
}

// A protocol error is answered, then the connection closes.
func TestServer_ProtocolErrorCloses(t *testing.T) {
	_, s := newServer(t, resp.Options{})
	c := dial(t, s)
	io.WriteString(c.c, "*1\r\n$4\r\nPING\r\n*1\r\n!\r\n")
	if got := c.reply(); got != "+PONG\r\n" {
		t.Errorf("first reply %q", got)
	}
	if got := c.reply(); got != "-ERR Protocol error: expected '!', got '!'\r\n" && got != "-ERR Protocol error: expected '$', got '!'\r\n" {
		t.Errorf("second reply %q", got)
	}
	if _, err := c.br.ReadByte(); err != io.EOF {
		t.Errorf("after a protocol error: %v, want io.EOF", err)
	}
}

// waitBlocked waits until n clients are blocked.
func waitBlocked(t *testing.T, c *rawConn, n int) {
	t.Helper()
	want := "blocked_clients:" + strconv.Itoa(n) + "\r\n"
	for range 2000 {
		if strings.Contains(c.do("INFO", "clients"), want) {
			return
		}
		time.Sleep(time.Millisecond)
	}
	t.Fatalf("never saw %q", want)
}

// A client that disconnects while blocked is released at once, with no
// goroutine left behind.
func TestServer_DisconnectWhileBlocked(t *testing.T) {
	before := runtime.NumGoroutine()
	e, s := newServer(t, resp.Options{})
	ctl := dial(t, s)
	for range 10 {
		c, err := s.Dial(context.Background(), "", "")
		if err != nil {
			t.Fatal(err)
		}
		io.WriteString(c, encode("XREAD", "BLOCK", "0", "STREAMS", "s", "$"))
		defer c.Close()
		waitBlocked(t, ctl, 1)
		c.Close()
		waitBlocked(t, ctl, 0)
	}
	ctl.c.Close()
	deadline := time.Now().Add(5 * time.Second)
	for runtime.NumGoroutine() > before+1 && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	if n := runtime.NumGoroutine(); n > before+1 {
		t.Errorf("%d goroutines, %d before", n, before)
	}
	if ks, _ := e.Keys(); len(ks) != 0 {
		t.Errorf("keys %q", ks)
	}
}

func TestServer_ClientUnblockAndKill(t *testing.T) {
	_, s := newServer(t, resp.Options{})
	ctl := dial(t, s)
	b := dial(t, s)
	id := b.clientID()

	b.send("XREAD", "BLOCK", "0", "STREAMS", "s", "$")
	waitBlocked(t, ctl, 1)
	if got := ctl.do("CLIENT", "UNBLOCK", id); got != ":1\r\n" {
		t.Errorf("CLIENT UNBLOCK = %q", got)
	}
	if got := b.reply(); got != "*-1\r\n" {
		t.Errorf("unblocked with TIMEOUT: %q, want a null array", got)
	}

	b.send("XREADGROUP", "GROUP", "g", "c", "BLOCK", "0", "STREAMS", "s", ">")
	if got := b.reply(); !strings.HasPrefix(got, "-NOGROUP") {
		t.Fatalf("XREADGROUP without a group: %q", got)
	}
	b.do("XGROUP", "CREATE", "s", "g", "$", "MKSTREAM")
	b.send("XREADGROUP", "GROUP", "g", "c", "BLOCK", "0", "STREAMS", "s", ">")
	waitBlocked(t, ctl, 1)
	if got := ctl.do("CLIENT", "UNBLOCK", id, "ERROR"); got != ":1\r\n" {
		t.Errorf("CLIENT UNBLOCK ERROR = %q", got)
	}
	if got := b.reply(); got != "-UNBLOCKED client unblocked via CLIENT UNBLOCK\r\n" {
		t.Errorf("unblocked with ERROR: %q", got)
	}
	// Pipelined commands after a blocking one run once it is served.
	io.WriteString(b.c, encode("XREAD", "BLOCK", "0", "STREAMS", "s", "$")+encode("PING"))
	waitBlocked(t, ctl, 1)
	ctl.do("XADD", "s", "5-5", "f", "v")
	if got := b.reply(); !strings.Contains(got, "5-5") {
		t.Errorf("woken XREAD: %q", got)
	}
	if got := b.reply(); got != "+PONG\r\n" {
		t.Errorf("PING after the blocked XREAD: %q", got)
	}

	b.send("XREAD", "BLOCK", "0", "STREAMS", "s", "$")
	waitBlocked(t, ctl, 1)
	if got := ctl.do("CLIENT", "KILL", "ID", id); got != ":1\r\n" {
		t.Errorf("CLIENT KILL = %q", got)
	}
	if _, err := b.br.ReadByte(); err != io.EOF {
		t.Errorf("killed client reads %v, want io.EOF", err)
	}
	waitBlocked(t, ctl, 0)
}

// Clients blocked on the same read wait as one in the engine, yet CLIENT
// UNBLOCK of one, the first to block or another, ends only that one, and
// the next XADD serves the others; INFO counts each blocked client.
func TestServer_ClientUnblockOneOfSameRead(t *testing.T) {
	for _, unblock := range []int{0, 1, 3} {
		t.Run(fmt.Sprintf("unblock=%d", unblock), func(t *testing.T) {
			_, s := newServer(t, resp.Options{})
			ctl := dial(t, s)
			ctl.do("XADD", "s", "1-1", "f", "v")
			cs := make([]*rawConn, 4)
			ids := make([]string, len(cs))
			for i := range cs {
				cs[i] = dial(t, s)
				ids[i] = cs[i].clientID()
				cs[i].send("XREAD", "BLOCK", "0", "STREAMS", "s", "$")
				waitBlocked(t, ctl, i+1)
			}
			if got := ctl.do("CLIENT", "UNBLOCK", ids[unblock]); got != ":1\r\n" {
				t.Fatalf("CLIENT UNBLOCK = %q", got)
			}
			if got := cs[unblock].reply(); got != "*-1\r\n" {
				t.Errorf("unblocked client: %q, want a null array", got)
			}
			waitBlocked(t, ctl, len(cs)-1)
			ctl.do("XADD", "s", "2-2", "f", "v")
			for i, c := range cs {
				if i == unblock {
					continue
				}
				if got := c.reply(); !strings.Contains(got, "2-2") {
					t.Errorf("client %d: %q, want the entry 2-2", i, got)
				}
			}
			waitBlocked(t, ctl, 0)
		})
	}
}

// RENAME wakes blocked readers as Redis 7.2 does: group readers of the
// old name fail, readers of the new name are served.
func TestServer_RenameWakes(t *testing.T) {
	_, s := newServer(t, resp.Options{})
	ctl := dial(t, s)
	a, b := dial(t, s), dial(t, s)
	ctl.do("XADD", "a", "1-1", "f", "v")
	ctl.do("XGROUP", "CREATE", "a", "g", "$")
	a.send("XREADGROUP", "GROUP", "g", "c", "BLOCK", "0", "STREAMS", "a", ">")
	b.send("XREAD", "BLOCK", "0", "STREAMS", "b", "0")
	waitBlocked(t, ctl, 2)
	if got := ctl.do("RENAME", "a", "b"); got != "+OK\r\n" {
		t.Fatalf("RENAME = %q", got)
	}
	if got := a.reply(); got != "-NOGROUP No such key 'a' or consumer group 'g' in XREADGROUP with GROUP option\r\n" {
		t.Errorf("group reader of the old name: %q", got)
	}
	if got := b.reply(); !strings.Contains(got, "1-1") {
		t.Errorf("reader of the new name: %q", got)
	}
}

func TestServer_Info(t *testing.T) {
	_, s := newServer(t, resp.Options{})
	c := dial(t, s)
	c.do("XADD", "s", "1-1", "f", "v")
	c.do("XADD", "s", "1-1", "f", "v")
	c.do("FOO")
	info := c.do("INFO", "everything")
	for _, want := range []string{"# Server\r\n", "redis_version:" + resp.Version, "# Clients\r\nconnected_clients:1\r\n",
		"blocked_clients:0", "# Stats\r\n", "# Keyspace\r\ndb0:keys=1,expires=0,avg_ttl=0\r\n",
		"errorstat_ERR:count=2", "cmdstat_xadd:calls=2,", "failed_calls=1"} {
		if !strings.Contains(info, want) {
			t.Errorf("INFO lacks %q:\n%s", want, info)
		}
	}
	c.do("CONFIG", "RESETSTAT")
	if info := c.do("INFO", "commandstats"); strings.Contains(info, "cmdstat_xadd") {
		t.Errorf("after CONFIG RESETSTAT: %s", info)
	}
}

// Serve answers on a TCP listener and returns ctx's error once ctx ends,
// closing its connections.
func TestServe_TCP(t *testing.T) {
	e := instream.New(instream.Options{})
	defer e.Close()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() { done <- resp.Serve(ctx, e, ln) }()
	c, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	r := &rawConn{t: t, c: c, br: bufio.NewReader(c)}
	if got := r.do("PING"); got != "+PONG\r\n" {
		t.Errorf("PING over TCP = %q", got)
	}
	r.send("XREAD", "BLOCK", "0", "STREAMS", "s", "$")
	cancel()
	if err := <-done; err != context.Canceled {
		t.Errorf("Serve returned %v, want context.Canceled", err)
	}
	if _, err := r.br.ReadByte(); err == nil {
		t.Error("connection still open after Serve returned")
	}
}

func TestServer_MaxClients(t *testing.T) {
	_, s := newServer(t, resp.Options{MaxClients: 1})
	a := dial(t, s)
	if got := a.do("PING"); got != "+PONG\r\n" {
		t.Fatalf("first client: %q", got)
	}
	b := dial(t, s)
	if got := b.reply(); got != "-ERR max number of clients reached\r\n" {
		t.Errorf("second client: %q", got)
	}
	if _, err := b.br.ReadByte(); err != io.EOF {
		t.Errorf("second client not closed: %v", err)
	}
}

// Servers of one engine share the client list: CLIENT LIST and CLIENT
// KILL see connections made through any of them.
func TestServer_SharedClients(t *testing.T) {
	e := instream.New(instream.Options{})
	defer e.Close()
	a := dial(t, resp.NewServer(e, resp.Options{}))
	b, err := resp.Dial(e)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	e2 := instream.New(instream.Options{})
	defer e2.Close()
	other := dial(t, resp.NewServer(e2, resp.Options{}))
	list := a.do("CLIENT", "LIST")
	if n := strings.Count(list, "id="); n != 2 {
		t.Errorf("CLIENT LIST shows %d clients, want the 2 of this engine:\n%s", n, list)
	}
	if got := other.do("CLIENT", "LIST"); strings.Count(got, "id=") != 1 {
		t.Errorf("another engine's CLIENT LIST: %s", got)
	}
}
