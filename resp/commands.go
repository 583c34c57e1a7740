package resp

import "context"

// connCommand is a command the server answers itself, not the engine.
type connCommand struct {
	arity  int  // Redis's: n exactly, -n at least
	noAuth bool // runs before authentication
	sub    bool // has subcommands (counted as "name|sub" in statistics)
	run    func(ctx context.Context, c *client, args []string)
}

var connCommands map[string]connCommand

func init() {
	connCommands = map[string]connCommand{
		"auth":     {-2, true, false, cmdAuth},
		"hello":    {-1, true, false, cmdHello},
		"quit":     {-1, true, false, cmdQuit},
		"reset":    {1, true, false, cmdReset},
		"ping":     {-1, false, false, cmdPing},
		"echo":     {2, false, false, cmdEcho},
		"select":   {2, false, false, cmdSelect},
		"client":   {-2, false, true, cmdClient},
		"command":  {-1, false, true, cmdCommand},
		"info":     {-1, false, false, cmdInfo},
		"config":   {-2, false, true, cmdConfig},
		"dbsize":   {1, false, false, cmdDBSize},
		"keys":     {2, false, false, cmdKeys},
		"scan":     {-2, false, false, cmdScan},
		"flushdb":  {-1, false, false, cmdFlush},
		"flushall": {-1, false, false, cmdFlush},
		"unlink":   {-2, false, false, cmdUnlink},
		"rename":   {3, false, false, cmdRename},
		"renamenx": {3, false, false, cmdRename},
	}
}

// doArity lists the commands Engine.Do runs, with Redis's arities.
var doArity = map[string]int{
	"xadd": -5, "xrange": -4, "xrevrange": -4, "xlen": 2, "xdel": -3,
	"xtrim": -4, "xsetid": -3, "xinfo": -2, "del": -2, "exists": -2,
	"type": 2, "xread": -4, "xreadgroup": -7, "xgroup": -2, "xack": -4,
	"xpending": -3, "xclaim": -6, "xautoclaim": -6, "xdelex": -5,
	"xackdel": -6,
}

// knownDo reports whether the engine runs name with n arguments.
func knownDo(name string, n int) bool {
	a, ok := doArity[name]
	return ok && arityOK(a, n)
}

func arityOK(arity, n int) bool {
	if arity >= 0 {
		return n == arity
	}
	return n >= -arity
}

func wrongArity(name string) string {
	return "ERR wrong number of arguments for '" + name + "' command"
}

func unknownSubcommand(name, sub string) string {
	if len(sub) > 128 {
		sub = sub[:128]
	}
	return "ERR unknown subcommand '" + sub + "'. Try " + name + " HELP."
}
