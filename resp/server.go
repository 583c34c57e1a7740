package resp

import (
	"context"
	"errors"
	"net"
	"runtime"
	"sync"
	"sync/atomic"
	"weak"

	"github.com/instream/instream"
)

// Options configures a Server. A zero Options is valid and uses the
// defaults.
type Options struct {
	// RequirePass, when set, makes every client authenticate with AUTH
	// or HELLO's AUTH option before other commands, as Redis's
	// requirepass does. If empty, clients start authenticated.
	RequirePass string

	// MaxClients bounds the connections served at once, as Redis's
	// maxclients does; one more gets "ERR max number of clients reached"
	// and is closed. If zero, 10000.
	MaxClients int

	// Rewrite, if set, compacts the engine's log (see package persist);
	// BGREWRITEAOF runs it in the background. If nil, BGREWRITEAOF
	// answers that persistence is off.
	Rewrite func() error

	// AOF, if set, reports the state of the engine's log for INFO
	// persistence: its size, its write error and its rewrites (package
	// persist's DB.Status converts to it). If nil, INFO reports the log
	// as on when Rewrite is set, with the BGREWRITEAOF runs it saw.
	AOF func() AOFStatus

	// Config holds the values CONFIG GET reports for parameters the
	// server was started with and cannot change at run time, such as
	// "appendonly", "appendfsync", "dir" or "save", formatted as Redis
	// formats them. CONFIG SET answers Redis's error for the parameters
	// Redis cannot change either (dir, appenddirname, appendfilename),
	// OK for the value a parameter holds, and an error for another one.
	Config map[string]string

	// Shutdown, if set, runs SHUTDOWN: it should make every change
	// durable (failing only if it cannot and force is false) and then
	// stop the server, for instance by ending the context given to
	// Serve. If it returns nil, the connection that asked is closed with
	// no reply, as Redis's is; if it returns an error, SHUTDOWN answers
	// Redis's "ERR Errors trying to SHUTDOWN. Check logs." and the
	// server goes on. If nil, SHUTDOWN answers that it is not supported.
	Shutdown func(force bool) error
}

// Server answers RESP connections with one engine, as a Redis server
// would. Servers of the same engine share their view of the clients (for
// CLIENT LIST, CLIENT KILL and INFO) and their statistics. A Server is
// safe for concurrent use.
type Server struct {
	e         *instream.Engine
	opts      Options
	hub       *hub
	tcpPort   atomic.Int64 // the listener's port, for INFO
	rewriting atomic.Bool  // a BGREWRITEAOF is running
	rewrites  rewriteLog   // the BGREWRITEAOF runs, for INFO without Options.AOF
}

// NewServer returns a Server for e.
func NewServer(e *instream.Engine, opts Options) *Server {
	if opts.MaxClients <= 0 {
		opts.MaxClients = 10000
	}
	s := &Server{e: e, opts: opts, hub: hubFor(e)}
	s.rewrites.st.LastRewrite = -1 // none has ended
	return s
}

// ServeConn serves one connection with e until the client closes it,
// sends QUIT, is killed, sends malformed input, or ctx ends. It closes
// conn. It returns nil when the connection ended on its own and ctx.Err()
// when ctx ended.
func ServeConn(ctx context.Context, e *instream.Engine, conn net.Conn) error {
	return NewServer(e, Options{}).ServeConn(ctx, conn)
}

// Serve accepts connections on ln and serves each with e in its own
// goroutine until ctx ends or ln fails. It closes ln and, when ctx ends,
// every connection it accepted, and returns once they are all closed.
func Serve(ctx context.Context, e *instream.Engine, ln net.Listener) error {
	return NewServer(e, Options{}).Serve(ctx, ln)
}

// Serve accepts connections on ln and serves each in its own goroutine
// until ctx ends or ln fails. It closes ln and, when ctx ends, every
// connection it accepted, and returns once their goroutines have ended:
// ctx.Err() if ctx ended, else the accept error.
func (s *Server) Serve(ctx context.Context, ln net.Listener) error {
	if a, ok := ln.Addr().(*net.TCPAddr); ok {
		s.tcpPort.Store(int64(a.Port))
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	stop := context.AfterFunc(ctx, func() { ln.Close() })
	defer stop()
	var wg sync.WaitGroup
	defer wg.Wait()
	for {
		conn, err := ln.Accept()
		if err != nil {
			ln.Close()
			if ctx.Err() != nil {
				return ctx.Err()
			}
			return err
		}
		wg.Go(func() { _ = s.ServeConn(ctx, conn) })
	}
}

// ServeConn serves one connection until the client closes it, sends
// QUIT, is killed, sends malformed input, or ctx ends. It closes conn. It
// returns nil when the connection ended on its own and ctx.Err() when ctx
// ended.
func (s *Server) ServeConn(ctx context.Context, conn net.Conn) error {
	return s.serveClient(ctx, s.hub.connect(s, conn), conn)
}

// serveClient serves a connection registered as c, or refuses it when c
// is nil (the server is full).
func (s *Server) serveClient(ctx context.Context, c *client, conn net.Conn) error {
	if c == nil {
		w := NewWriter(conn)
		w.Error("ERR max number of clients reached")
		_ = w.Flush()
		conn.Close()
		return nil
	}
	defer s.hub.disconnect(c)
	defer c.unwatch()
	return c.serve(ctx)
}

// Dialer returns a function that opens an in-process connection to e, for
// go-redis's Options.Dialer and similar hooks: each call returns one end
// of an in-memory pipe whose other end a goroutine serves with e. No port
// is opened. The serving goroutine ends when the connection is closed.
func Dialer(e *instream.Engine) func(ctx context.Context, network, addr string) (net.Conn, error) {
	return NewServer(e, Options{}).Dial
}

// Dial opens an in-process connection to e; see [Dialer].
func Dial(e *instream.Engine) (net.Conn, error) {
	return NewServer(e, Options{}).Dial(context.Background(), "", "")
}

// Dial opens an in-process connection to the server; its signature fits
// go-redis's Options.Dialer. The network and address are ignored. The
// connection is served until either end closes it; ctx only bounds the
// dial itself.
func (s *Server) Dial(ctx context.Context, network, addr string) (net.Conn, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	client, server := Pipe()
	// Registered before Dial returns, so CLIENT LIST and maxclients see
	// the connection at once.
	c := s.hub.connect(s, server)
	go func() { _ = s.serveClient(context.Background(), c, server) }()
	return client, nil
}

// errKilled ends a connection closed by CLIENT KILL.
var errKilled = errors.New("resp: client killed")

// hubs holds each engine's shared client list and statistics. An entry
// goes away when its engine is garbage collected.
var hubs sync.Map // weak.Pointer[instream.Engine] -> *hub

func hubFor(e *instream.Engine) *hub {
	k := weak.Make(e)
	if h, ok := hubs.Load(k); ok {
		return h.(*hub)
	}
	h, loaded := hubs.LoadOrStore(k, newHub())
	if !loaded {
		runtime.AddCleanup(e, func(k weak.Pointer[instream.Engine]) { hubs.Delete(k) }, k)
	}
	return h.(*hub)
}
