package resp_test

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"testing"
	"time"

	"github.com/instream/instream"
	"github.com/instream/instream/resp"
)

// BenchmarkServe_RoundTrip measures XADD requests and their replies over
// the package's buffered Pipe and over net.Pipe (unbuffered,
// synchronous), one at a time and 100 pipelined (the time is per
// command).
func BenchmarkServe_RoundTrip(b *testing.B) {
	for _, depth := range []int{1, 100} {
		for _, tc := range []struct {
			name string
			pipe func() (net.Conn, net.Conn)
		}{{"resp", resp.Pipe}, {"net", net.Pipe}} {
			b.Run(fmt.Sprintf("pipe=%s/depth=%d", tc.name, depth), func(b *testing.B) {
				e := instream.New(instream.Options{})
				defer e.Close()
				client, server := tc.pipe()
				done := make(chan struct{})
				go func() { resp.ServeConn(context.Background(), e, server); close(done) }()
				br := bufio.NewReader(client)
				req := bytes.Repeat([]byte(encode("XADD", "s", "*", "f", "v")), depth)
				b.ReportAllocs()
				for b.Loop() {
					if _, err := client.Write(req); err != nil {
						b.Fatal(err)
					}
					for range 2 * depth {
						if _, err := br.ReadSlice('\n'); err != nil {
							b.Fatal(err)
						}
					}
				}
				b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*depth), "ns/cmd")
				client.Close()
				<-done
			})
		}
	}
}

// BenchmarkServe_XRange measures XRANGE of count entries through the
// server over Pipe; the client side reads raw bytes and allocates
// nothing, so allocs/op are the server's.
func BenchmarkServe_XRange(b *testing.B) {
	for _, count := range []int{1, 100} {
		b.Run(fmt.Sprintf("count=%d", count), func(b *testing.B) {
			e := instream.New(instream.Options{})
			defer e.Close()
			for i := range 1000 {
				if _, err := e.Do(context.Background(), "XADD", "s", fmt.Sprintf("%d-1", i+1), "f", "v", "n", "12345"); err != nil {
					b.Fatal(err)
				}
			}
			client, server := resp.Pipe()
			done := make(chan struct{})
			go func() { resp.ServeConn(context.Background(), e, server); close(done) }()
			br := bufio.NewReaderSize(client, 1<<16)
			req := []byte(encode("XRANGE", "s", "-", "+", "COUNT", fmt.Sprint(count)))
			lines := 1 + count*(2+2+4*2) // array, per entry: array, id (2 lines), fields array, 4 bulks
			b.ReportAllocs()
			for b.Loop() {
				if _, err := client.Write(req); err != nil {
					b.Fatal(err)
				}
				for range lines {
					if _, err := br.ReadSlice('\n'); err != nil {
						b.Fatal(err)
					}
				}
			}
			client.Close()
			<-done
		})
	}
}

// loopConn is a net.Conn whose reads return first once, then one
// pre-encoded command n times, then io.EOF; writes are discarded. A
// benchmark runs the server's loop alone, in its own goroutine.
type loopConn struct {
	net.Conn
	first, req []byte
	n          int
}

func (c *loopConn) Read(p []byte) (int, error) {
	if c.first != nil {
		n := copy(p, c.first)
		c.first = nil
		return n, nil
	}
	if c.n == 0 {
		return 0, io.EOF
	}
	c.n--
	return copy(p, c.req), nil
}

func (c *loopConn) Write(p []byte) (int, error)     { return len(p), nil }
func (c *loopConn) Close() error                    { return nil }
func (c *loopConn) SetReadDeadline(time.Time) error { return nil }
func (c *loopConn) RemoteAddr() net.Addr            { return &net.TCPAddr{} }
func (c *loopConn) LocalAddr() net.Addr             { return &net.TCPAddr{} }

// BenchmarkServe_Loop measures the server's side of one command: the
// command arrives pre-encoded and its reply is encoded and discarded, so
// allocs/op are the server's own (reader, engine, reply). Names are in
// lower case, as go-redis sends them.
func BenchmarkServe_Loop(b *testing.B) {
	for _, tc := range []struct {
		name string
		args []string
	}{
		{"cmd=xadd", []string{"xadd", "s", "*", "f", "v"}},
		{"cmd=xrange/count=100", []string{"xrange", "s", "-", "+", "count", "100"}},
	} {
		for _, proto := range []string{"2", "3"} {
			b.Run(tc.name+"/resp="+proto, func(b *testing.B) {
				e := instream.New(instream.Options{})
				defer e.Close()
				for i := range 1000 {
					if _, err := e.Do(context.Background(), "XADD", "s", fmt.Sprintf("%d-1", i+1), "f", "v", "n", "12345"); err != nil {
						b.Fatal(err)
					}
				}
				conn := &loopConn{first: []byte(encode("HELLO", proto)), req: []byte(encode(tc.args...)), n: b.N}
				b.ReportAllocs()
				b.ResetTimer()
				if err := resp.ServeConn(context.Background(), e, conn); err != nil {
					b.Fatal(err)
				}
			})
		}
	}
}
