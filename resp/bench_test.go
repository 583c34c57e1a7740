package resp_test

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"net"
	"testing"

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
