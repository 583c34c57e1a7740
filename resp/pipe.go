package resp

import (
	"io"
	"net"
	"os"
	"sync"
	"time"
)

// pipeLimit bounds the bytes the client's direction of a pipe holds; a
// writer waits for room beyond it.
const pipeLimit = 4 << 20

// Pipe returns the two ends of an in-memory, buffered, full-duplex
// connection: the first for the client, the second for the server.
// Unlike net.Pipe, a write returns as soon as its bytes are buffered, so
// a client may send a large pipeline before reading replies, as over
// TCP: the client's direction holds up to 4 MiB, the server's is not
// bounded (as Redis's output buffers for normal clients are not), so the
// server never waits for the client to read. Both ends implement
// deadlines.
func Pipe() (net.Conn, net.Conn) {
	a, b := newHalf(0), newHalf(pipeLimit)
	return &pipeConn{rx: a, tx: b, local: "client", done: make(chan struct{})},
		&pipeConn{rx: b, tx: a, local: "server", done: make(chan struct{})}
}

// half is one direction of a pipe.
type half struct {
	mu       sync.Mutex
	buf      []byte
	r        int
	closed   bool          // no more writes
	data     chan struct{} // a token when bytes or closing arrive
	room     chan struct{} // a token when room is made
	limit    int           // bytes held before a writer waits; 0: no limit
	rdl, wdl deadline
}

func newHalf(limit int) *half {
	return &half{data: make(chan struct{}, 1), room: make(chan struct{}, 1),
		limit: limit, rdl: newDeadline(), wdl: newDeadline()}
}

func signal(ch chan struct{}) {
	select {
	case ch <- struct{}{}:
	default:
	}
}

func (h *half) read(p []byte, done <-chan struct{}) (int, error) {
	for {
		h.mu.Lock()
		if n := len(h.buf) - h.r; n > 0 {
			k := copy(p, h.buf[h.r:])
			h.r += k
			if h.r == len(h.buf) {
				h.buf, h.r = h.buf[:0], 0
			}
			h.mu.Unlock()
			signal(h.room)
			if k < n {
				signal(h.data)
			}
			return k, nil
		}
		closed := h.closed
		h.mu.Unlock()
		if closed {
			return 0, io.EOF
		}
		select {
		case <-h.data:
		case <-done:
			return 0, net.ErrClosed
		case <-h.rdl.wait():
			return 0, os.ErrDeadlineExceeded
		}
	}
}

func (h *half) write(p []byte, done <-chan struct{}) (int, error) {
	n := 0
	for len(p) > 0 {
		h.mu.Lock()
		if h.closed {
			h.mu.Unlock()
			return n, io.ErrClosedPipe
		}
		room := len(p)
		if h.limit > 0 {
			room = h.limit - (len(h.buf) - h.r)
		}
		if room > 0 {
			k := min(room, len(p))
			h.buf = append(h.buf, p[:k]...)
			h.mu.Unlock()
			signal(h.data)
			p, n = p[k:], n+k
			continue
		}
		h.mu.Unlock()
		select {
		case <-h.room:
		case <-done:
			return n, net.ErrClosed
		case <-h.wdl.wait():
			return n, os.ErrDeadlineExceeded
		}
	}
	return n, nil
}

func (h *half) close() {
	h.mu.Lock()
	h.closed = true
	h.mu.Unlock()
	signal(h.data)
	signal(h.room)
}

// pipeConn is one end of a Pipe.
type pipeConn struct {
	rx, tx    *half
	local     pipeAddr
	closeOnce sync.Once
	done      chan struct{} // closed by Close
}

func (c *pipeConn) Read(p []byte) (int, error) {
	select {
	case <-c.done:
		return 0, net.ErrClosed
	default:
	}
	if len(p) == 0 {
		return 0, nil
	}
	return c.rx.read(p, c.done)
}

func (c *pipeConn) Write(p []byte) (int, error) {
	select {
	case <-c.done:
		return 0, net.ErrClosed
	default:
	}
	return c.tx.write(p, c.done)
}

// Close closes this end: the peer reads what was written, then io.EOF.
func (c *pipeConn) Close() error {
	c.closeOnce.Do(func() {
		close(c.done)
		c.tx.close()
		c.rx.close()
	})
	return nil
}

func (c *pipeConn) LocalAddr() net.Addr  { return c.local }
func (c *pipeConn) RemoteAddr() net.Addr { return c.local.peer() }

func (c *pipeConn) SetDeadline(t time.Time) error {
	c.rx.rdl.set(t)
	c.tx.wdl.set(t)
	return nil
}
func (c *pipeConn) SetReadDeadline(t time.Time) error  { c.rx.rdl.set(t); return nil }
func (c *pipeConn) SetWriteDeadline(t time.Time) error { c.tx.wdl.set(t); return nil }

type pipeAddr string

func (a pipeAddr) Network() string { return "pipe" }
func (a pipeAddr) String() string  { return string(a) }
func (a pipeAddr) peer() pipeAddr {
	if a == "client" {
		return "server"
	}
	return "client"
}

// deadline is a settable deadline whose channel closes when it passes.
type deadline struct {
	mu    sync.Mutex
	timer *time.Timer
	ch    chan struct{}
}

func newDeadline() deadline { return deadline{ch: make(chan struct{})} }

func (d *deadline) set(t time.Time) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.timer != nil && !d.timer.Stop() {
		<-d.ch // the timer fired and closed ch: wait for that
	}
	d.timer = nil
	closed := isClosed(d.ch)
	if t.IsZero() {
		if closed {
			d.ch = make(chan struct{})
		}
		return
	}
	if dur := time.Until(t); dur > 0 {
		if closed {
			d.ch = make(chan struct{})
		}
		ch := d.ch
		d.timer = time.AfterFunc(dur, func() { close(ch) })
		return
	}
	if !closed {
		close(d.ch)
	}
}

func (d *deadline) wait() chan struct{} {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.ch
}

func isClosed(ch chan struct{}) bool {
	select {
	case <-ch:
		return true
	default:
		return false
	}
}
