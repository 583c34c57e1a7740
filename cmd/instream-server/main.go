// Command instream-server serves an in-memory instream engine over the
// Redis protocol, for redis-cli and clients in any language. Its flags
// are named like redis-server's and take "--flag value" or
// "--flag=value":
//
//	instream-server --port 6380 --requirepass secret
//
// Data lives in memory unless --appendonly yes: then every change is
// logged in Redis's multi-part AOF format in --dir/--appenddirname, synced
// as --appendfsync says (always, everysec or no), and loaded at start.
// The directory loads into redis-server 7.0 and back. --save accepts only
// "" (no RDB snapshots).
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
	"github.com/instream/instream/aof"
	"github.com/instream/instream/persist"
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
	appendOnly := fs.String("appendonly", "no", `log every change to an append-only file: yes or no`)
	dir := fs.String("dir", ".", "directory of the append-only file's directory")
	dirName := fs.String("appenddirname", "appendonlydir", "directory of the append-only files, inside --dir")
	fsync := fs.String("appendfsync", "everysec", "when to sync the append-only file: always, everysec or no")
	rwPercent := fs.Int("auto-aof-rewrite-percentage", 100, "rewrite the log when it grew by this percentage since the last rewrite (0: never)")
	rwMin := fs.String("auto-aof-rewrite-min-size", "64mb", "smallest log to rewrite automatically")
	if err := fs.Parse(argv); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected argument %q (configuration files are not supported)", fs.Arg(0))
	}
	if *save != "" {
		return errors.New(`--save: only "" is supported (no persistence)`)
	}
	nb, err := memory(*nodeBytes)
	if err != nil {
		return fmt.Errorf("--stream-node-max-bytes: %w", err)
	}
	e, rewrite, closeEngine, err := openEngine(*appendOnly, *dir, *dirName, *fsync, *rwPercent, *rwMin)
	if err != nil {
		return err
	}
	defer func() {
		if cerr := closeEngine(); cerr != nil {
			fmt.Fprintln(os.Stderr, "instream-server: close:", cerr)
		}
	}()
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
	srv := resp.NewServer(e, resp.Options{RequirePass: *pass, MaxClients: *maxClients, Rewrite: rewrite})
	if err := srv.Serve(ctx, ln); err != nil && !errors.Is(err, context.Canceled) {
		return err
	}
	return nil
}

// openEngine returns the engine, in memory or with its log, the rewrite
// BGREWRITEAOF runs (nil without a log), and what closes them.
func openEngine(appendOnly, dir, dirName, fsync string, rwPercent int, rwMin string) (*instream.Engine, func() error, func() error, error) {
	switch appendOnly {
	case "no":
		e := instream.New(instream.Options{})
		return e, nil, e.Close, nil
	case "yes":
	default:
		return nil, nil, nil, fmt.Errorf("--appendonly: %q is not yes or no", appendOnly)
	}
	policy, err := aof.ParsePolicy(fsync)
	if err != nil {
		return nil, nil, nil, fmt.Errorf("--appendfsync: %w", err)
	}
	minSize, err := memory(rwMin)
	if err != nil {
		return nil, nil, nil, fmt.Errorf("--auto-aof-rewrite-min-size: %w", err)
	}
	if rwPercent <= 0 {
		rwPercent = -1 // Redis's 0: never
	}
	db, err := persist.Open(dir, persist.Options{DirName: dirName, Fsync: policy,
		AutoRewritePercent: rwPercent, AutoRewriteMinSize: int64(minSize)})
	if err != nil {
		return nil, nil, nil, err
	}
	if cut := db.Recovery().Cut; cut != nil {
		fmt.Fprintf(os.Stderr, "instream-server: cut a torn tail of %d bytes at offset %d of %s\n", cut.Bytes, cut.Offset, cut.File)
	}
	return db.Engine, db.Rewrite, db.Close, nil
}

// memory parses a byte count with redis-server's units.
func memory(s string) (int, error) {
	n, ok := resp.ParseMemory(s)
	if !ok {
		return 0, fmt.Errorf("%q is not a memory value", s)
	}
	return int(n), nil
}
