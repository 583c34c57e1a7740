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
// "" (no RDB snapshots). SHUTDOWN syncs the log and exits with status 0.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"net"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
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
	save := fs.String("save", "", `RDB snapshots: only "" (none) is supported; persist with --appendonly yes`)
	c := config{rwPercent: 100}
	fs.StringVar(&c.appendOnly, "appendonly", "no", `log every change to an append-only file: yes or no`)
	fs.StringVar(&c.dir, "dir", ".", "directory of the append-only file's directory")
	fs.StringVar(&c.dirName, "appenddirname", "appendonlydir", "directory of the append-only files, inside --dir")
	fs.StringVar(&c.fileName, "appendfilename", "appendonly.aof", "stem of the append-only files' names")
	fs.StringVar(&c.fsync, "appendfsync", "everysec", "when to sync the append-only file: always, everysec or no")
	fs.Func("auto-aof-rewrite-percentage", "rewrite the log when it grew by this percentage since the last rewrite (0: never; default 100)", c.setPercent)
	fs.StringVar(&c.rwMin, "auto-aof-rewrite-min-size", "64mb", "smallest log to rewrite automatically")
	if err := fs.Parse(argv); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected argument %q (configuration files are not supported)", fs.Arg(0))
	}
	if *save != "" {
		return fmt.Errorf("--save %q: RDB snapshots are not supported; use --appendonly yes to persist", *save)
	}
	nb, err := memory(*nodeBytes)
	if err != nil {
		return fmt.Errorf("--stream-node-max-bytes: %w", err)
	}
	if err := c.check(); err != nil {
		return err
	}
	e, db, err := c.open()
	if err != nil {
		return err
	}
	closeEngine := e.Close
	if db != nil {
		closeEngine = db.Close
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
	ctx, shutdown := context.WithCancel(ctx)
	defer shutdown()
	opts := resp.Options{RequirePass: *pass, MaxClients: *maxClients, Config: c.values(),
		Shutdown: func(force bool) error {
			if db != nil {
				if err := db.Sync(); err != nil && !force {
					return err
				}
			}
			fmt.Fprintln(os.Stderr, "instream-server: SHUTDOWN: closing")
			shutdown()
			return nil
		}}
	if db != nil {
		opts.Rewrite = db.Rewrite
		opts.AOF = func() resp.AOFStatus { return resp.AOFStatus(db.Status()) }
	}
	fmt.Fprintf(os.Stderr, "instream-server: ready to accept connections on %s\n", ln.Addr())
	if err := resp.NewServer(e, opts).Serve(ctx, ln); err != nil && !errors.Is(err, context.Canceled) {
		return err
	}
	return nil
}

// config is the persistence configuration, as given by the flags.
type config struct {
	appendOnly, dir, dirName, fileName, fsync, rwMin string
	rwPercent                                        int
	policy                                           aof.Policy
	minSize                                          int
}

// check validates the flags, as redis-server validates its configuration
// whether or not the log is on; yes, no and the sync policies are taken
// in any case, as Redis takes them.
func (c *config) check() error {
	c.appendOnly = strings.ToLower(c.appendOnly)
	if c.appendOnly != "yes" && c.appendOnly != "no" {
		return fmt.Errorf("--appendonly: %q is not yes or no", c.appendOnly)
	}
	c.fsync = strings.ToLower(c.fsync)
	var err error
	if c.policy, err = aof.ParsePolicy(c.fsync); err != nil {
		return fmt.Errorf("--appendfsync: %w", err)
	}
	if c.minSize, err = memory(c.rwMin); err != nil {
		return fmt.Errorf("--auto-aof-rewrite-min-size: %w", err)
	}
	if c.rwPercent < 0 {
		return fmt.Errorf("--auto-aof-rewrite-percentage: %d is negative (0 turns automatic rewrites off)", c.rwPercent)
	}
	if c.dir, err = filepath.Abs(c.dir); err != nil {
		return fmt.Errorf("--dir: %w", err)
	}
	return nil
}

// setPercent parses --auto-aof-rewrite-percentage as redis-server does:
// decimal digits only (flag.IntVar would read 0100 as octal 64).
func (c *config) setPercent(s string) error {
	n, err := strconv.Atoi(s)
	if err != nil || strconv.Itoa(n) != s {
		return fmt.Errorf("%q is not a decimal integer", s)
	}
	c.rwPercent = n
	return nil
}

// values are the persistence parameters for CONFIG GET, as Redis
// formats them.
func (c *config) values() map[string]string {
	return map[string]string{
		"appendonly":                  c.appendOnly,
		"appendfsync":                 c.fsync,
		"dir":                         c.dir,
		"appenddirname":               c.dirName,
		"appendfilename":              c.fileName,
		"save":                        "",
		"auto-aof-rewrite-percentage": strconv.Itoa(c.rwPercent),
		"auto-aof-rewrite-min-size":   strconv.Itoa(c.minSize),
	}
}

// open returns the engine, in memory or with its log (then db is the
// log's DB).
func (c *config) open() (*instream.Engine, *persist.DB, error) {
	if c.appendOnly == "no" {
		return instream.New(instream.Options{}), nil, nil
	}
	pct := c.rwPercent
	if pct == 0 {
		pct = -1 // Redis's 0: never
	}
	db, err := persist.Open(c.dir, persist.Options{DirName: c.dirName, FileName: c.fileName, Fsync: c.policy,
		AutoRewritePercent: pct, AutoRewriteMinSize: int64(c.minSize)})
	if err != nil {
		return nil, nil, err
	}
	if cut := db.Recovery().Cut; cut != nil {
		fmt.Fprintf(os.Stderr, "instream-server: cut a torn tail of %d bytes at offset %d of %s\n", cut.Bytes, cut.Offset, cut.File)
	}
	return db.Engine, db, nil
}

// memory parses a byte count with redis-server's units.
func memory(s string) (int, error) {
	n, ok := resp.ParseMemory(s)
	if !ok {
		return 0, fmt.Errorf("%q is not a memory value", s)
	}
	return int(n), nil
}
