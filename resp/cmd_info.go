package resp

import (
	"context"
	"fmt"
	"os"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync/atomic"
	"time"
)

func cmdInfo(_ context.Context, c *client, args []string) {
	want := map[string]bool{}
	for _, a := range args[1:] {
		want[strings.ToLower(a)] = true
	}
	all := want["all"] || want["everything"]
	def := len(args) == 1 || want["default"]
	show := func(s string) bool {
		return all || want[s] || def && s != "commandstats"
	}
	var sections []string
	h := c.s.hub
	if show("server") {
		up := time.Since(h.start)
		sections = append(sections, "# Server\r\n"+lines(
			"redis_version:"+Version,
			"redis_mode:standalone",
			"os:"+runtime.GOOS+" "+runtime.GOARCH,
			"arch_bits:64",
			"process_id:"+strconv.Itoa(pid),
			"run_id:"+runID,
			"tcp_port:"+strconv.Itoa(c.s.port()),
			"server_time_usec:"+strconv.FormatInt(time.Now().UnixMicro(), 10),
			"uptime_in_seconds:"+strconv.FormatInt(int64(up/time.Second), 10),
			"uptime_in_days:"+strconv.FormatInt(int64(up/(24*time.Hour)), 10),
			"executable:"+executable(),
			"config_file:",
		))
	}
	if show("clients") {
		cs := h.snapshot()
		blocked := 0
		for _, o := range cs {
			o.mu.Lock()
			if o.blocked {
				blocked++
			}
			o.mu.Unlock()
		}
		sections = append(sections, "# Clients\r\n"+lines(
			"connected_clients:"+strconv.Itoa(len(cs)),
			"cluster_connections:0",
			"maxclients:"+strconv.Itoa(c.s.opts.MaxClients),
			"blocked_clients:"+strconv.Itoa(blocked),
			"tracking_clients:0",
		))
	}
	if show("persistence") {
		sections = append(sections, c.s.persistenceInfo())
	}
	if show("stats") {
		sections = append(sections, "# Stats\r\n"+lines(
			"total_connections_received:"+strconv.FormatInt(h.connsReceived.Load(), 10),
			"total_commands_processed:"+strconv.FormatInt(h.commands.Load(), 10),
			"rejected_connections:"+strconv.FormatInt(h.rejected.Load(), 10),
			"expired_keys:0",
			"evicted_keys:0",
			"total_error_replies:"+strconv.FormatInt(h.totalErrors.Load(), 10),
		))
	}
	if show("errorstats") {
		var ls []string
		h.errStats.Range(func(k, v any) bool {
			ls = append(ls, "errorstat_"+k.(string)+":count="+strconv.FormatInt(v.(*atomic.Int64).Load(), 10))
			return true
		})
		sort.Strings(ls)
		sections = append(sections, "# Errorstats\r\n"+lines(ls...))
	}
	if show("commandstats") {
		var ls []string
		h.cmdStats.Range(func(k, v any) bool {
			st := v.(*cmdStat)
			calls, usec := st.calls.Load(), st.usec.Load()
			per := 0.0
			if calls > 0 {
				per = float64(usec) / float64(calls)
			}
			ls = append(ls, fmt.Sprintf("cmdstat_%s:calls=%d,usec=%d,usec_per_call=%.2f,rejected_calls=%d,failed_calls=%d",
				k, calls, usec, per, st.rejected.Load(), st.failed.Load()))
			return true
		})
		sort.Strings(ls)
		sections = append(sections, "# Commandstats\r\n"+lines(ls...))
	}
	if show("keyspace") {
		s := "# Keyspace\r\n"
		if ks, err := c.eng.Keys(); err == nil && len(ks) > 0 {
			s += lines("db0:keys=" + strconv.Itoa(len(ks)) + ",expires=0,avg_ttl=0")
		}
		sections = append(sections, s)
	}
	c.w.Verbatim(strings.Join(sections, "\r\n"))
}

func lines(ls ...string) string {
	var b strings.Builder
	for _, l := range ls {
		b.WriteString(l)
		b.WriteString("\r\n")
	}
	return b.String()
}

func sortedKeys[V any](m map[string]V) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}

func executable() string {
	p, _ := os.Executable()
	return p
}

var runID = func() string {
	return fmt.Sprintf("%040x", time.Now().UnixNano())
}()

// port is the TCP port of the server's listener, or 0.
func (s *Server) port() int { return int(s.tcpPort.Load()) }

func cmdConfig(_ context.Context, c *client, args []string) {
	sub := strings.ToLower(args[1]) // c.run checked it and its arity
	switch sub {
	case "get":
		configGet(c, args[2:])
	case "set":
		configSet(c, args[2:])
	case "resetstat":
		c.s.hub.resetStats()
		c.w.Status("OK")
	case "help":
		writeHelp(c.w, "CONFIG", []string{
			"GET <pattern>", "    Return parameters matching the glob-like <pattern> and their values.",
			"SET <directive> <value>", "    Set the configuration <directive> to <value>.",
			"RESETSTAT", "    Reset statistics reported by the INFO command.",
		})
	}
}

// configGet answers CONFIG GET with the node limits and Options.Config.
func configGet(c *client, patterns []string) {
	entries, bytes := c.eng.NodeLimits()
	vals := map[string]string{
		"stream-node-max-bytes":   strconv.Itoa(bytes),
		"stream-node-max-entries": strconv.Itoa(entries),
	}
	for k, v := range c.s.opts.Config {
		if _, ok := vals[k]; !ok { // the engine's own settings win
			vals[k] = v
		}
	}
	var found []string
	for _, p := range sortedKeys(vals) {
		for _, pat := range patterns {
			if globMatch(strings.ToLower(pat), p) {
				found = append(found, p)
				break
			}
		}
	}
	c.w.Map(len(found))
	for _, p := range found {
		c.w.BulkString(p)
		c.w.BulkString(vals[p])
	}
}

func configSet(c *client, kv []string) {
	if len(kv)%2 != 0 {
		c.w.Error("ERR syntax error")
		return
	}
	entries, bytes := c.eng.NodeLimits()
	seen := map[string]bool{}
	for i := 0; i < len(kv); i += 2 {
		name := strings.ToLower(kv[i])
		fail := func(why string) {
			c.w.Error("ERR CONFIG SET failed (possibly related to argument '" + kv[i] + "') - " + why)
		}
		if seen[name] {
			fail("duplicate parameter")
			return
		}
		seen[name] = true
		switch name {
		case "stream-node-max-entries":
			n, err := strconv.ParseInt(kv[i+1], 10, 64)
			if err != nil || !strictInt(kv[i+1]) { // Redis refuses 0100 and +100
				fail("argument couldn't be parsed into an integer")
				return
			}
			if n < 0 {
				fail("argument must be between 0 and 9223372036854775807 inclusive")
				return
			}
			entries = int(min(n, int64(^uint(0)>>1)))
		case "stream-node-max-bytes":
			n, ok := ParseMemory(kv[i+1])
			if !ok {
				fail("argument must be a memory value")
				return
			}
			bytes = int(min(n, int64(^uint(0)>>1)))
		default:
			cur, ok := c.s.opts.Config[name]
			if !ok {
				c.w.Error("ERR Unknown option or number of arguments for CONFIG SET - '" + kv[i] + "'")
				return
			}
			if why := fixedConfigError(name, kv[i+1], cur); why != "" {
				fail(why)
				return
			}
		}
	}
	if err := c.eng.SetNodeLimits(entries, bytes); err != nil {
		c.writeErr(err)
		return
	}
	c.w.Status("OK")
}

// ParseMemory parses a memory value as Redis's memtoull does: digits with
// an optional unit (k, kb, m, mb, g, gb; k is 1000, kb 1024).
func ParseMemory(s string) (int64, bool) {
	l := strings.ToLower(s)
	mul := int64(1)
	for _, u := range []struct {
		suf string
		m   int64
	}{{"gb", 1 << 30}, {"mb", 1 << 20}, {"kb", 1 << 10}, {"g", 1e9}, {"m", 1e6}, {"k", 1e3}, {"b", 1}} {
		if strings.HasSuffix(l, u.suf) {
			l, mul = l[:len(l)-len(u.suf)], u.m
			break
		}
	}
	if l == "" {
		return 0, false
	}
	for i := 0; i < len(l); i++ {
		if l[i] < '0' || l[i] > '9' {
			return 0, false
		}
	}
	n, err := strconv.ParseInt(l, 10, 64)
	if err != nil || n > (1<<63-1)/mul {
		return 0, false
	}
	return n * mul, true
}
