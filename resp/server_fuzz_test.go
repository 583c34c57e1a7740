package resp_test

import (
	"bytes"
	"context"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/instream/instream"
	"github.com/instream/instream/resp"
)

// fuzzConn is a net.Conn that reads in and then io.EOF, and keeps what
// is written.
type fuzzConn struct {
	net.Conn
	in  *bytes.Reader
	out bytes.Buffer
}

func (c *fuzzConn) Read(p []byte) (int, error)      { return c.in.Read(p) }
func (c *fuzzConn) Write(p []byte) (int, error)     { return c.out.Write(p) }
func (c *fuzzConn) Close() error                    { return nil }
func (c *fuzzConn) SetReadDeadline(time.Time) error { return nil }
func (c *fuzzConn) RemoteAddr() net.Addr            { return &net.TCPAddr{} }
func (c *fuzzConn) LocalAddr() net.Addr             { return &net.TCPAddr{} }

// FuzzServe feeds arbitrary input to a server: it must end when the
// input does, without panicking, and answer only in RESP.
func FuzzServe(f *testing.F) {
	for _, args := range [][]string{
		{"XADD", "s", "*", "f", "v"},
		{"XRANGE", "s", "-", "+", "COUNT", "10"},
		{"XREAD", "BLOCK", "0", "STREAMS", "s", "$"},
		{"XGROUP", "CREATE", "s", "g", "0", "MKSTREAM"},
		{"XREADGROUP", "GROUP", "g", "c", "STREAMS", "s", ">"},
		{"HELLO", "3"},
		{"MULTI"},
		{"EXEC"},
	} {
		f.Add([]byte(encode(args...)))
	}
	f.Add([]byte(encode("HELLO", "3") + encode("XADD", "s", "1-1", "a", "b") + encode("XREAD", "STREAMS", "s", "0")))
	f.Add([]byte(encode("MULTI") + encode("XADD", "s", "*", "a", "b") + encode("XRANGE", "s", "-") + encode("EXEC")))
	f.Add([]byte("PING\r\nXLEN s\r\n*1\r\n$-5\r\n"))
	f.Fuzz(func(t *testing.T, in []byte) {
		e := instream.New(instream.Options{})
		defer e.Close()
		c := &fuzzConn{in: bytes.NewReader(in)}
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := resp.ServeConn(ctx, e, c); err != nil {
			t.Fatalf("ServeConn: %v", err)
		}
		if out := c.out.String(); out != "" && !strings.ContainsRune("+-:$*%_#,=~>(", rune(out[0])) {
			t.Fatalf("reply starts with %q", out[0])
		}
	})
}
