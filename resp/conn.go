package resp

import (
	"context"
	"errors"
	"io"
	"net"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/instream/instream"
)

// client is one connection's state.
type client struct {
	s       *Server
	id      int64
	conn    net.Conn
	rd      *Reader
	w       *Writer
	created time.Time

	mu       sync.Mutex // guards the fields below, read by other clients
	name     string
	libName  string
	libVer   string
	proto    int
	authed   bool
	lastCmd  string
	lastUsed time.Time
	blocked  bool
	unblock  context.CancelCauseFunc // ends the blocked command
	killed   bool

	quit bool // QUIT: close after the reply
	// watching is set while a blocked command's watcher reads (set
	// before it starts, cleared after it ends).
	watching bool
	// cmdName and cmdArgs are the command running, for WriteValue
	// (reply.go).
	cmdName string
	cmdArgs []string
	eng     engine  // s.e, or the batch's Tx while EXEC runs (multi.go)
	tx      txState // MULTI/EXEC and WATCH
}

// Causes that end a blocked command.
var (
	errUnblockTimeout = errors.New("resp: unblocked with timeout")
	errUnblockError   = errors.New("resp: unblocked with error")
	errClientGone     = errors.New("resp: client gone")
)

func newClient(s *Server, id int64, conn net.Conn) *client {
	c := &client{s: s, id: id, conn: conn, created: time.Now(), proto: 2,
		authed: s.opts.RequirePass == ""}
	c.lastUsed = c.created
	c.eng = s.e
	c.w = NewWriter(conn)
	// The replies to pipelined commands go out when the reader needs
	// more input, so a pipeline costs one write.
	c.rd = NewReader(flushingReader{c})
	c.rd.SetUnauthenticated(!c.authed)
	return c
}

type flushingReader struct{ c *client }

func (f flushingReader) Read(p []byte) (int, error) {
	// While a command blocks, the watcher reads and the command may be
	// writing its reply: the replies before it went out already.
	if !f.c.watching {
		if err := f.c.w.Flush(); err != nil {
			return 0, err
		}
	}
	return f.c.conn.Read(p)
}

// serve runs the connection's command loop.
func (c *client) serve(ctx context.Context) error {
	defer c.conn.Close()
	stop := context.AfterFunc(ctx, func() { c.conn.Close() })
	defer stop()
	for {
		args, err := c.rd.ReadCommand()
		if err != nil {
			var pe *ProtocolError
			if errors.As(err, &pe) {
				c.w.Error(pe.Error())
				_ = c.w.Flush()
				c.s.hub.record("", 0, pe.Error(), false)
			}
			if ctx.Err() != nil {
				return ctx.Err()
			}
			return nil
		}
		c.run(ctx, args)
		if c.quit || c.isKilled() {
			_ = c.w.Flush()
			return ctx.Err()
		}
	}
}

func (c *client) isKilled() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.killed
}

// kill closes the connection from another client (CLIENT KILL).
func (c *client) kill() {
	c.mu.Lock()
	c.killed = true
	if c.unblock != nil {
		c.unblock(errKilled)
	}
	c.mu.Unlock()
	c.conn.Close()
}

// run executes one command and writes its reply.
func (c *client) run(ctx context.Context, args []string) {
	start := time.Now()
	name := strings.ToLower(args[0])
	c.mu.Lock()
	c.lastUsed = start
	authed := c.authed
	c.mu.Unlock()

	h, local := connCommands[name]
	statName := name
	if (local && h.sub || name == "xinfo" || name == "xgroup") && len(args) > 1 {
		statName = name + "|" + strings.ToLower(args[1])
	}
	c.mu.Lock()
	c.lastCmd = statName
	c.mu.Unlock()
	mark := c.w.Buffered()
	refusal := c.refusal(ctx, name, args, h, local, authed)
	switch {
	case refusal != "" && name == "exec" && c.tx.multi:
		c.execArityAbort(refusal)
		c.recordReply(mark, statName, start, true)
		return
	case c.tx.multi && (refusal != "" || !runsInMulti[name]):
		c.queue(args, refusal)
		if refusal != "" {
			c.recordRefusal(mark, name, statName, start)
		}
		return
	case refusal != "":
		c.w.Error(refusal)
		c.recordRefusal(mark, name, statName, start)
		return
	}
	if local {
		h.run(ctx, c, args)
	} else {
		c.runEngine(ctx, name, args)
	}
	c.recordReply(mark, statName, start, false)
}

// refusal returns the error with which Redis refuses a command before
// running it (unknown command, wrong arity, unknown subcommand, not
// authenticated), or "".
func (c *client) refusal(ctx context.Context, name string, args []string, h connCommand, local, authed bool) string {
	switch {
	case local && !arityOK(h.arity, len(args)):
		return wrongArity(name)
	case !local && !knownDo(name, len(args)):
		// The engine answers unknown commands and wrong arities, with no
		// side effect.
		_, err := c.eng.Do(ctx, args...)
		return errText(err)
	}
	if msg := subcommandRefusal(name, args); msg != "" {
		return msg
	}
	if !authed && !(local && h.noAuth) {
		return "NOAUTH Authentication required."
	}
	if c.tx.multi && noMulti[name] {
		return "ERR Command not allowed inside a transaction"
	}
	return ""
}

// recordRefusal counts a refused command: an unknown one as an error
// only, a known one as rejected.
func (c *client) recordRefusal(mark int, name, statName string, start time.Time) {
	_, local := connCommands[name]
	if _, ok := instream.CommandArity(name); ok || local {
		c.recordReply(mark, statName, start, true)
		return
	}
	c.recordReply(mark, "", start, false)
}

// recordReply counts the command, looking at the reply it wrote.
func (c *client) recordReply(mark int, name string, start time.Time, rejected bool) {
	errMsg := ""
	if b := c.w.buf; mark < len(b) && b[mark] == '-' {
		end := len(b) - 2
		errMsg = string(b[mark+1 : end])
	}
	c.s.hub.record(name, time.Since(start), errMsg, rejected)
}

// runEngine runs a command of the engine, watching the connection while
// it blocks.
func (c *client) runEngine(ctx context.Context, name string, args []string) {
	c.cmdName, c.cmdArgs = name, args
	if c.tx.inExec || !mayBlock(name, args) {
		if err := c.eng.DoTo(ctx, c, args...); err != nil {
			c.writeErr(err)
		}
		return
	}
	// Send what earlier pipelined commands answered before waiting.
	if err := c.w.Flush(); err != nil {
		return
	}
	cmdCtx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	c.mu.Lock()
	if c.killed {
		c.mu.Unlock()
		return
	}
	c.unblock = cancel
	c.mu.Unlock()
	// The client counts as blocked (INFO, CLIENT LIST, CLIENT UNBLOCK)
	// once the command waits, not while it first looks, as in Redis.
	cmdCtx = instream.NotifyBlocked(cmdCtx, func() {
		c.mu.Lock()
		c.blocked = true
		c.mu.Unlock()
	})
	done := make(chan struct{})
	c.watching = true
	go c.watch(cancel, done)
	err := c.s.e.DoTo(cmdCtx, c, args...)
	// Stop the watcher: its read returns at once, and what it read stays
	// in the reader's buffer for the next commands.
	_ = c.conn.SetReadDeadline(time.Now())
	<-done
	c.watching = false
	_ = c.conn.SetReadDeadline(time.Time{})
	c.mu.Lock()
	c.blocked, c.unblock = false, nil
	c.mu.Unlock()
	if err != nil && (errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded)) {
		switch context.Cause(cmdCtx) {
		case errUnblockTimeout:
			c.w.NullArray()
			return
		case errUnblockError:
			c.w.Error("UNBLOCKED client unblocked via CLIENT UNBLOCK")
			return
		}
		c.quit = true // the client is gone, killed, or the server stops
		return
	}
	if err != nil {
		c.writeErr(err)
	}
}

// watch reads ahead from the connection while a command blocks, so that a
// client that disconnects releases its command at once.
func (c *client) watch(cancel context.CancelCauseFunc, done chan<- struct{}) {
	defer close(done)
	for {
		err := c.rd.readAhead()
		if err == nil {
			continue
		}
		if !errors.Is(err, os.ErrDeadlineExceeded) {
			cancel(errClientGone)
		}
		return
	}
}

// mayBlock reports whether a command may wait: XREAD and XREADGROUP
// with a BLOCK option.
func mayBlock(name string, args []string) bool {
	if name != "xread" && name != "xreadgroup" {
		return false
	}
	for _, a := range args[1:] {
		if strings.EqualFold(a, "block") {
			return true
		}
		if strings.EqualFold(a, "streams") {
			return false
		}
	}
	return false
}

// writeErr writes an error from the engine.
func (c *client) writeErr(err error) { c.w.Error(errText(err)) }

// errText is the reply text of an error from the engine.
func errText(err error) string {
	var re *instream.RedisError
	if errors.As(err, &re) {
		return re.Msg
	}
	if errors.Is(err, instream.ErrLogFailed) {
		return "MISCONF Errors writing to the AOF file: " + err.Error()
	}
	return "ERR " + err.Error()
}

var _ io.Reader = flushingReader{}
