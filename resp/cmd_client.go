package resp

import (
	"context"
	"strconv"
	"strings"
	"time"
)

func cmdClient(_ context.Context, c *client, args []string) {
	sub := strings.ToLower(args[1]) // c.run checked it and its arity
	if sub == "unblock" && len(args) > 4 {
		c.w.Error(wrongArity("client|" + sub))
		return
	}
	switch sub {
	case "setname":
		if !validName(args[2]) {
			c.w.Error("ERR Client names cannot contain spaces, newlines or special characters.")
			return
		}
		c.mu.Lock()
		c.name = args[2]
		c.mu.Unlock()
		c.w.Status("OK")
	case "getname":
		c.mu.Lock()
		name := c.name
		c.mu.Unlock()
		if name == "" {
			c.w.Null()
			return
		}
		c.w.BulkString(name)
	case "id":
		c.w.Int(c.id)
	case "setinfo":
		clientSetInfo(c, args[2], args[3])
	case "info":
		c.w.Verbatim(c.infoLine())
	case "list":
		clientList(c, args[2:])
	case "kill":
		clientKill(c, args[2:])
	case "unblock":
		clientUnblock(c, args[2:])
	case "help":
		writeHelp(c.w, "CLIENT", clientHelp)
	}
}

var clientHelp = []string{
	"GETNAME", "    Return the name of the current connection.",
	"ID", "    Return the ID of the current connection.",
	"INFO", "    Return information about the current client connection.",
	"KILL <ip:port>", "    Kill connection made from <ip:port>.",
	"KILL <option> <value> [<option> <value> [...]]", "    Kill connections. Options are:",
	"    * ADDR (<ip:port>|<unixsocket>:0)", "      Kill connections made from the specified address",
	"    * LADDR (<ip:port>|<unixsocket>:0)", "      Kill connections made to specified local address",
	"    * TYPE (NORMAL|MASTER|REPLICA|PUBSUB)", "      Kill connections by type.",
	"    * USER <username>", "      Kill connections authenticated by <username>.",
	"    * SKIPME (YES|NO)", "      Skip killing current connection (default: yes).",
	"    * ID <client-id>", "      Kill connections by client id.",
	"LIST [options ...]", "    Return information about client connections. Options:",
	"    * TYPE (NORMAL|MASTER|REPLICA|PUBSUB)", "      Return clients of specified type.",
	"SETNAME <name>", "    Assign the name <name> to the current connection.",
	"SETINFO <option> <value>", "    Set client meta attr. Options are:",
	"    * LIB-NAME: the client lib name.", "    * LIB-VER: the client lib version.",
	"UNBLOCK <clientid> [TIMEOUT|ERROR]", "    Unblock the specified blocked client.",
}

// writeHelp writes a HELP reply as Redis does: a title line, the lines,
// and the HELP entry.
func writeHelp(w *Writer, name string, lines []string) {
	w.Array(len(lines) + 3)
	w.Status(name + " <subcommand> [<arg> [value] [opt] ...]. Subcommands are:")
	for _, l := range lines {
		w.Status(l)
	}
	w.Status("HELP")
	w.Status("    Print this help.")
}

func clientSetInfo(c *client, attr, val string) {
	var dst *string
	switch strings.ToLower(attr) {
	case "lib-name":
		dst = &c.libName
	case "lib-ver":
		dst = &c.libVer
	default:
		c.w.Error("ERR Unrecognized option '" + attr + "'")
		return
	}
	if !validName(val) {
		c.w.Error("ERR " + attr + " cannot contain spaces, newlines or special characters.")
		return
	}
	c.mu.Lock()
	*dst = val
	c.mu.Unlock()
	c.w.Status("OK")
}

// infoLine is the client's line of CLIENT LIST and CLIENT INFO.
func (c *client) infoLine() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	now := time.Now()
	flags := "N"
	if c.blocked {
		flags = "b"
	}
	events := "r"
	var b strings.Builder
	b.WriteString("id=" + strconv.FormatInt(c.id, 10))
	b.WriteString(" addr=" + c.conn.RemoteAddr().String())
	b.WriteString(" laddr=" + c.conn.LocalAddr().String())
	b.WriteString(" fd=-1 name=" + c.name)
	b.WriteString(" age=" + strconv.FormatInt(int64(now.Sub(c.created)/time.Second), 10))
	b.WriteString(" idle=" + strconv.FormatInt(int64(now.Sub(c.lastUsed)/time.Second), 10))
	b.WriteString(" flags=" + flags + " db=0 sub=0 psub=0 ssub=0 multi=-1 qbuf=0 qbuf-free=0 argv-mem=0 multi-mem=0 rbs=0 rbp=0 obl=0 oll=0 omem=0 tot-mem=0")
	b.WriteString(" events=" + events + " cmd=" + c.lastCmd + " user=default redir=-1")
	b.WriteString(" resp=" + strconv.Itoa(c.proto))
	b.WriteString(" lib-name=" + c.libName + " lib-ver=" + c.libVer + "\n")
	return b.String()
}

func clientList(c *client, opts []string) {
	var ids map[int64]bool
	normal := true
	for i := 0; i < len(opts); i++ {
		switch strings.ToLower(opts[i]) {
		case "type":
			if i+1 >= len(opts) {
				c.w.Error("ERR syntax error")
				return
			}
			i++
			switch strings.ToLower(opts[i]) {
			case "normal":
			case "master", "replica", "slave", "pubsub":
				normal = false
			default:
				c.w.Error("ERR Unknown client type '" + opts[i] + "'")
				return
			}
		case "id":
			if i+1 >= len(opts) {
				c.w.Error("ERR syntax error")
				return
			}
			ids = map[int64]bool{}
			for i+1 < len(opts) {
				n, err := strconv.ParseInt(opts[i+1], 10, 64)
				if err != nil || n <= 0 {
					c.w.Error("ERR Invalid client ID")
					return
				}
				ids[n] = true
				i++
			}
		default:
			c.w.Error("ERR syntax error")
			return
		}
	}
	var b strings.Builder
	if normal {
		for _, o := range c.s.hub.snapshot() {
			if ids == nil || ids[o.id] {
				b.WriteString(o.infoLine())
			}
		}
	}
	c.w.Verbatim(b.String())
}

func clientKill(c *client, opts []string) {
	if len(opts) == 1 {
		for _, o := range c.s.hub.snapshot() {
			if o.conn.RemoteAddr().String() == opts[0] {
				c.w.Status("OK")
				o.kill()
				return
			}
		}
		c.w.Error("ERR No such client")
		return
	}
	if len(opts)%2 != 0 {
		c.w.Error("ERR syntax error")
		return
	}
	var id int64
	var addr, laddr, user, typ string
	skipMe := true
	for i := 0; i < len(opts); i += 2 {
		v := opts[i+1]
		switch strings.ToLower(opts[i]) {
		case "id":
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil || n <= 0 {
				c.w.Error("ERR client-id should be greater than 0")
				return
			}
			id = n
		case "addr":
			addr = v
		case "laddr":
			laddr = v
		case "user":
			user = v
		case "type":
			switch t := strings.ToLower(v); t {
			case "normal", "master", "replica", "slave", "pubsub":
				typ = t
			default:
				c.w.Error("ERR Unknown client type '" + v + "'")
				return
			}
		case "skipme":
			switch strings.ToLower(v) {
			case "yes":
				skipMe = true
			case "no":
				skipMe = false
			default:
				c.w.Error("ERR syntax error")
				return
			}
		default:
			c.w.Error("ERR syntax error")
			return
		}
	}
	var n int64
	self := false
	for _, o := range c.s.hub.snapshot() {
		switch {
		case id != 0 && o.id != id,
			addr != "" && o.conn.RemoteAddr().String() != addr,
			laddr != "" && o.conn.LocalAddr().String() != laddr,
			user != "" && user != "default",
			typ != "" && typ != "normal",
			skipMe && o == c:
			continue
		}
		n++
		if o == c {
			self = true
			continue
		}
		o.kill()
	}
	c.w.Int(n)
	if self {
		c.quit = true
	}
}

func clientUnblock(c *client, opts []string) {
	id, err := strconv.ParseInt(opts[0], 10, 64)
	if err != nil || !strictInt(opts[0]) {
		c.w.Error("ERR value is not an integer or out of range")
		return
	}
	cause := errUnblockTimeout
	if len(opts) == 2 {
		switch strings.ToLower(opts[1]) {
		case "timeout":
		case "error":
			cause = errUnblockError
		default:
			c.w.Error("ERR CLIENT UNBLOCK reason should be TIMEOUT or ERROR")
			return
		}
	}
	o := c.s.hub.lookup(id)
	if o == nil {
		c.w.Int(0)
		return
	}
	o.mu.Lock()
	ok := o.blocked && o.unblock != nil
	if ok {
		o.unblock(cause)
		o.unblock = nil
	}
	o.mu.Unlock()
	if ok {
		c.w.Int(1)
	} else {
		c.w.Int(0)
	}
}
