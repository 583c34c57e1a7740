package resp_test

import (
	"testing"

	"github.com/instream/instream/resp"
)

// The 8.6 and 8.8 commands run once per call over the wire, are known to
// COMMAND, and are checked for arity when queued in MULTI.
func TestServer_NewerCommandsRunOnce(t *testing.T) {
	_, s := newServer(t, resp.Options{})
	c := dial(t, s)
	steps := []struct {
		args []string
		want string
	}{
		{[]string{"XADD", "s", "1-0", "f", "v"}, "$3\r\n1-0\r\n"},
		{[]string{"XGROUP", "CREATE", "s", "g", "0"}, "+OK\r\n"},
		{[]string{"XREADGROUP", "GROUP", "g", "c", "STREAMS", "s", ">"}, "*1\r\n*2\r\n$1\r\ns\r\n*1\r\n*2\r\n$3\r\n1-0\r\n*2\r\n$1\r\nf\r\n$1\r\nv\r\n"},
		{[]string{"XCLAIM", "s", "g", "c", "0", "1-0", "JUSTID"}, "*1\r\n$3\r\n1-0\r\n"},
		{[]string{"XCLAIM", "s", "g", "c", "0", "1-0"}, "*1\r\n*2\r\n$3\r\n1-0\r\n*2\r\n$1\r\nf\r\n$1\r\nv\r\n"},
		// Delivered twice (JUSTID leaves the count alone): SILENT lowers
		// it to 1, and to 0 if the command ran twice.
		{[]string{"XNACK", "s", "g", "SILENT", "IDS", "1", "1-0"}, ":1\r\n"},
		{[]string{"XPENDING", "s", "g", "-", "+", "10"}, "*1\r\n*4\r\n$3\r\n1-0\r\n$0\r\n\r\n:-1\r\n:1\r\n"},
		{[]string{"XCFGSET", "s", "IDMP-MAXSIZE", "5"}, "+OK\r\n"},
		{[]string{"COMMAND", "COUNT"}, ""},
		{[]string{"MULTI"}, "+OK\r\n"},
		{[]string{"XNACK", "s", "g"}, "-ERR wrong number of arguments for 'xnack' command\r\n"},
		{[]string{"EXEC"}, "-EXECABORT Transaction discarded because of previous errors.\r\n"},
	}
	for _, st := range steps {
		got := c.do(st.args...)
		if st.want != "" && got != st.want {
			t.Errorf("%q: got %q, want %q", st.args, got, st.want)
		}
	}
	for _, name := range []string{"xnack", "xcfgset", "xidmprecord"} {
		if got := c.do("COMMAND", "INFO", name); got == "*1\r\n*-1\r\n" || got == "*1\r\n_\r\n" {
			t.Errorf("COMMAND INFO %s: unknown", name)
		}
	}
}
