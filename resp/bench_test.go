package resp_test

import (
	"bufio"
	"context"
	"net"
	"testing"

	"github.com/instream/instream"
	"github.com/instream/instream/resp"
)

// BenchmarkServe_RoundTrip measures one XADD request and reply over the
// package's buffered Pipe and over net.Pipe (unbuffered, synchronous).
func BenchmarkServe_RoundTrip(b *testing.B) {
	for _, tc := range []struct {
		name string
		pipe func() (net.Conn, net.Conn)
	}{{"pipe=resp", resp.Pipe}, {"pipe=net", net.Pipe}} {
		b.Run(tc.name, func(b *testing.B) {
			e := instream.New(instream.Options{})
			defer e.Close()
			client, server := tc.pipe()
			done := make(chan struct{})
			go func() { resp.ServeConn(context.Background(), e, server); close(done) }()
			br := bufio.NewReader(client)
			req := []byte(encode("XADD", "s", "*", "f", "v"))
			b.ReportAllocs()
			for b.Loop() {
				if _, err := client.Write(req); err != nil {
					b.Fatal(err)
				}
				if _, err := br.ReadSlice('\n'); err != nil {
					b.Fatal(err)
				}
				if _, err := br.ReadSlice('\n'); err != nil {
					b.Fatal(err)
				}
			}
			client.Close()
			<-done
		})
	}
}
