package resp

import (
	"net"
	"os"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// hub is what the connections to one engine share: the client list and
// the statistics INFO reports. Statistics are atomic counters, so
// commands on different connections do not contend for them.
type hub struct {
	mu      sync.Mutex // guards clients and nextID
	start   time.Time
	nextID  int64
	clients map[int64]*client

	connsReceived atomic.Int64
	rejected      atomic.Int64
	commands      atomic.Int64
	totalErrors   atomic.Int64
	cmdStats      sync.Map // command name -> *cmdStat
	errStats      sync.Map // error code -> *atomic.Int64
}

type cmdStat struct {
	calls, usec, rejected, failed atomic.Int64
}

func newHub() *hub {
	return &hub{start: time.Now(), clients: map[int64]*client{}}
}

// connect registers a new client, or returns nil when the server is full.
func (h *hub) connect(s *Server, conn net.Conn) *client {
	h.mu.Lock()
	defer h.mu.Unlock()
	if len(h.clients) >= s.opts.MaxClients {
		h.rejected.Add(1)
		return nil
	}
	h.nextID++
	h.connsReceived.Add(1)
	c := newClient(s, h.nextID, conn)
	h.clients[c.id] = c
	return c
}

func (h *hub) disconnect(c *client) {
	h.mu.Lock()
	delete(h.clients, c.id)
	h.mu.Unlock()
}

// snapshot returns the clients in ID order.
func (h *hub) snapshot() []*client {
	h.mu.Lock()
	cs := make([]*client, 0, len(h.clients))
	for _, c := range h.clients {
		cs = append(cs, c)
	}
	h.mu.Unlock()
	sort.Slice(cs, func(i, j int) bool { return cs[i].id < cs[j].id })
	return cs
}

func (h *hub) lookup(id int64) *client {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.clients[id]
}

// record counts one command call. name is "" for an unknown command.
// errMsg is the error reply, if any; rejected means the command did not
// run (arity, NOAUTH).
func (h *hub) record(name string, d time.Duration, errMsg string, rejected bool) {
	h.commands.Add(1)
	if name != "" {
		v, ok := h.cmdStats.Load(name)
		if !ok {
			v, _ = h.cmdStats.LoadOrStore(name, &cmdStat{})
		}
		st := v.(*cmdStat)
		switch {
		case rejected:
			st.rejected.Add(1)
		default:
			st.calls.Add(1)
			st.usec.Add(d.Microseconds())
			if errMsg != "" {
				st.failed.Add(1)
			}
		}
	}
	if errMsg != "" {
		code, _, _ := strings.Cut(errMsg, " ")
		v, ok := h.errStats.Load(code)
		if !ok {
			v, _ = h.errStats.LoadOrStore(code, new(atomic.Int64))
		}
		v.(*atomic.Int64).Add(1)
		h.totalErrors.Add(1)
	}
}

func (h *hub) resetStats() {
	h.connsReceived.Store(0)
	h.rejected.Store(0)
	h.commands.Store(0)
	h.totalErrors.Store(0)
	h.cmdStats.Clear()
	h.errStats.Clear()
}

var pid = os.Getpid()
