package resp

import (
	"net"
	"os"
	"sort"
	"strings"
	"sync"
	"time"
)

// hub is what the connections to one engine share: the client list and
// the statistics INFO reports.
type hub struct {
	mu      sync.Mutex
	start   time.Time
	runID   string
	nextID  int64
	clients map[int64]*client

	connsReceived int64
	rejected      int64
	commands      int64
	cmdStats      map[string]*cmdStat
	errStats      map[string]int64
	totalErrors   int64
}

type cmdStat struct {
	calls, usec, rejected, failed int64
}

func newHub() *hub {
	return &hub{start: time.Now(), clients: map[int64]*client{},
		cmdStats: map[string]*cmdStat{}, errStats: map[string]int64{}}
}

// connect registers a new client, or returns nil when the server is full.
func (h *hub) connect(s *Server, conn net.Conn) *client {
	h.mu.Lock()
	defer h.mu.Unlock()
	if len(h.clients) >= s.opts.MaxClients {
		h.rejected++
		return nil
	}
	h.nextID++
	h.connsReceived++
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
	h.mu.Lock()
	defer h.mu.Unlock()
	h.commands++
	if name != "" {
		st := h.cmdStats[name]
		if st == nil {
			st = &cmdStat{}
			h.cmdStats[name] = st
		}
		switch {
		case rejected:
			st.rejected++
		default:
			st.calls++
			st.usec += d.Microseconds()
			if errMsg != "" {
				st.failed++
			}
		}
	}
	if errMsg != "" {
		code, _, _ := strings.Cut(errMsg, " ")
		h.errStats[code]++
		h.totalErrors++
	}
}

func (h *hub) resetStats() {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.connsReceived, h.rejected, h.commands, h.totalErrors = 0, 0, 0, 0
	h.cmdStats = map[string]*cmdStat{}
	h.errStats = map[string]int64{}
}

var pid = os.Getpid()
