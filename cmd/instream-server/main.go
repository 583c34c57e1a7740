// Command instream-server serves an in-memory instream engine over the
// Redis protocol, for redis-cli and clients in any language. Its flags
// are named like redis-server's and take "--flag value" or
// "--flag=value":
//
//	instream-server --port 6380 --requirepass secret
//
// Data lives in memory only: --save "" and --appendonly no are accepted
// (and are the only values accepted).
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"net"
	"os"
	"os/signal"
	"strconv"
	"syscall"

	"github.com/instream/instream"
	"github.com/instream/instream/resp"
)

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "instream-server:", err)
		os.Exit(1)
	}
}

func run(argv []string) error {
	fs := flag.NewFlagSet("instream-server", flag.ContinueOnError)
	port := fs.Int("port", 6379, "TCP port to listen on")
	bind := fs.String("bind", "127.0.0.1", "address to listen on")
	pass := fs.String("requirepass", "", "password clients must give with AUTH or HELLO")
	maxClients := fs.Int("maxclients", 10000, "maximum number of connected clients")
	nodeEntries := fs.Int("stream-node-max-entries", 100, "maximum entries in one stream storage node (0: no limit)")
	nodeBytes := fs.String("stream-node-max-bytes", "4096", "maximum bytes of one stream storage node (0: no limit; units k, kb, m, mb, g, gb)")
	save := fs.String("save", "", `snapshotting: only "" (none) is supported`)
	appendOnly := fs.String("appendonly", "no", `append-only file: only "no" is supported`)
	if err := fs.Parse(argv); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected argument %q (configuration files are not supported)", fs.Arg(0))
	}
	if *save != "" {
		return errors.New(`--save: only "" is supported (no persistence)`)
	}
	if *appendOnly != "no" {
		return errors.New(`--appendonly: only "no" is supported (no persistence)`)
	}
	nb, err := memory(*nodeBytes)
	if err != nil {
		return fmt.Errorf("--stream-node-max-bytes: %w", err)
	}
	e := instream.New(instream.Options{})
	defer e.Close()
	if err := e.SetNodeLimits(*nodeEntries, nb); err != nil {
		return err
	}
	addr := net.JoinHostPort(*bind, strconv.Itoa(*port))
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	fmt.Fprintf(os.Stderr, "instream-server: ready to accept connections on %s\n", ln.Addr())
	srv := resp.NewServer(e, resp.Options{RequirePass: *pass, MaxClients: *maxClients})
	if err := srv.Serve(ctx, ln); err != nil && !errors.Is(err, context.Canceled) {
		return err
	}
	return nil
}

// memory parses a byte count with redis-server's units.
func memory(s string) (int, error) {
	n, ok := resp.ParseMemory(s)
	if !ok {
		return 0, fmt.Errorf("%q is not a memory value", s)
	}
	return int(n), nil
}
