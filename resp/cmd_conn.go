package resp

import (
	"context"
	"strconv"
	"strings"
)

// Version is the Redis version the server reports (HELLO, INFO): the
// engine follows Redis 7.2's stream semantics and replies.
const Version = "7.2.0"

const errNoAuthHello = "NOAUTH HELLO must be called with the client already authenticated, otherwise the HELLO AUTH <user> <pass> option can be used to authenticate the client and select the RESP protocol version at the same time"

const errWrongPass = "WRONGPASS invalid username-password pair or user is disabled."

func cmdQuit(_ context.Context, c *client, _ []string) {
	c.w.Status("OK")
	c.quit = true
}

func cmdPing(_ context.Context, c *client, args []string) {
	switch len(args) {
	case 1:
		c.w.Status("PONG")
	case 2:
		c.w.BulkString(args[1])
	default:
		c.w.Error(wrongArity("ping"))
	}
}

func cmdEcho(_ context.Context, c *client, args []string) { c.w.BulkString(args[1]) }

func cmdSelect(_ context.Context, c *client, args []string) {
	n, err := strconv.ParseInt(args[1], 10, 64)
	switch {
	case err != nil || !strictInt(args[1]):
		c.w.Error("ERR value is not an integer or out of range")
	case n != 0:
		c.w.Error("ERR DB index is out of range")
	default:
		c.w.Status("OK")
	}
}

// strictInt reports whether s is written as Redis's string2ll accepts.
func strictInt(s string) bool {
	_, ok := parseLen([]byte(s))
	return ok
}

// checkPass reports whether user and pass authenticate. Only the default
// user exists; without a password set, it takes any password.
func (c *client) checkPass(user, pass string) bool {
	if user != "default" {
		return false
	}
	return c.s.opts.RequirePass == "" || pass == c.s.opts.RequirePass
}

func (c *client) setAuthed() {
	c.mu.Lock()
	c.authed = true
	c.mu.Unlock()
	c.rd.SetUnauthenticated(false)
}

func cmdAuth(_ context.Context, c *client, args []string) {
	switch len(args) {
	case 2:
		if c.s.opts.RequirePass == "" {
			c.w.Error("ERR AUTH <password> called without any password configured for the default user. Are you sure your configuration is correct?")
			return
		}
		if !c.checkPass("default", args[1]) {
			c.w.Error(errWrongPass)
			return
		}
	case 3:
		if !c.checkPass(args[1], args[2]) {
			c.w.Error(errWrongPass)
			return
		}
	default:
		c.w.Error("ERR syntax error")
		return
	}
	c.setAuthed()
	c.w.Status("OK")
}

func cmdHello(_ context.Context, c *client, args []string) {
	c.mu.Lock()
	proto := c.proto
	c.mu.Unlock()
	if len(args) >= 2 {
		n, err := strconv.ParseInt(args[1], 10, 64)
		if err != nil || !strictInt(args[1]) {
			c.w.Error("ERR Protocol version is not an integer or out of range")
			return
		}
		if n < 2 || n > 3 {
			c.w.Error("NOPROTO unsupported protocol version")
			return
		}
		proto = int(n)
	}
	var user, pass, name string
	auth, setName := false, false
	for i := 2; i < len(args); i++ {
		more := len(args) - i - 1
		switch opt := strings.ToLower(args[i]); {
		case opt == "auth" && more >= 2:
			auth, user, pass = true, args[i+1], args[i+2]
			i += 2
		case opt == "setname" && more >= 1:
			setName, name = true, args[i+1]
			i++
		default:
			c.w.Error("ERR Syntax error in HELLO option '" + args[i] + "'")
			return
		}
	}
	if auth {
		if !c.checkPass(user, pass) {
			c.w.Error(errWrongPass)
			return
		}
		c.setAuthed()
	}
	c.mu.Lock()
	authed := c.authed
	c.mu.Unlock()
	if !authed {
		c.w.Error(errNoAuthHello)
		return
	}
	if setName && !validName(name) {
		c.w.Error("ERR Client names cannot contain spaces, newlines or special characters.")
		return
	}
	c.mu.Lock()
	if setName {
		c.name = name
	}
	c.proto = proto
	c.mu.Unlock()
	c.w.SetProtocol(proto)
	w := c.w
	w.Map(7)
	w.BulkString("server")
	w.BulkString("redis")
	w.BulkString("version")
	w.BulkString(Version)
	w.BulkString("proto")
	w.Int(int64(proto))
	w.BulkString("id")
	w.Int(c.id)
	w.BulkString("mode")
	w.BulkString("standalone")
	w.BulkString("role")
	w.BulkString("master")
	w.BulkString("modules")
	w.Array(0)
}

func cmdReset(_ context.Context, c *client, _ []string) {
	c.mu.Lock()
	c.name, c.proto = "", 2
	c.authed = c.s.opts.RequirePass == ""
	c.mu.Unlock()
	c.rd.SetUnauthenticated(c.s.opts.RequirePass != "")
	c.w.SetProtocol(2)
	c.endMulti()
	c.w.Status("RESET")
}

// validName reports whether a client name is allowed: printable ASCII
// without spaces.
func validName(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '!' || s[i] > '~' {
			return false
		}
	}
	return true
}
