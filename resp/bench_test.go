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
