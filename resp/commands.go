package resp

import (
	"context"
	"strings"

	"github.com/instream/instream"
)

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
		"auth":         {-2, true, false, cmdAuth},
		"hello":        {-1, true, false, cmdHello},
		"quit":         {-1, true, false, cmdQuit},
		"reset":        {1, true, false, cmdReset},
		"ping":         {-1, false, false, cmdPing},
		"echo":         {2, false, false, cmdEcho},
		"select":       {2, false, false, cmdSelect},
		"client":       {-2, false, true, cmdClient},
		"command":      {-1, false, true, cmdCommand},
		"info":         {-1, false, false, cmdInfo},
		"config":       {-2, false, true, cmdConfig},
		"dbsize":       {1, false, false, cmdDBSize},
		"keys":         {2, false, false, cmdKeys},
		"scan":         {-2, false, false, cmdScan},
		"flushdb":      {-1, false, false, cmdFlush},
		"flushall":     {-1, false, false, cmdFlush},
		"unlink":       {-2, false, false, cmdUnlink},
		"rename":       {3, false, false, cmdRename},
		"renamenx":     {3, false, false, cmdRename},
		"bgrewriteaof": {1, false, false, cmdBGRewriteAOF},
		"shutdown":     {-1, false, false, cmdShutdown},
		"multi":        {1, false, false, cmdMulti},
		"exec":         {1, false, false, cmdExec},
		"discard":      {1, false, false, cmdDiscard},
		"watch":        {-2, false, false, cmdWatch},
		"unwatch":      {1, false, false, cmdUnwatch},
	}
}

// noMulti lists the commands Redis refuses inside MULTI (flag no_multi)
// that MULTI would otherwise queue.
var noMulti = map[string]bool{"shutdown": true}

// subcommands lists the subcommands of the container commands, with
// Redis's arities. Redis refuses an unknown subcommand or a wrong arity
// before running the command, so inside MULTI they abort the EXEC.
var subcommands = map[string]map[string]int{
	"client": {"setname": 3, "getname": 2, "id": 2, "setinfo": 4,
		"info": 2, "list": -2, "kill": -3, "unblock": -3, "help": 2},
	"command": {"count": 2, "info": -2, "docs": -2, "list": -2, "help": 2},
	"config":  {"get": -3, "set": -4, "resetstat": 2, "help": 2},
	"xgroup": {"create": -5, "setid": -5, "destroy": 4, "createconsumer": 5,
		"delconsumer": 5, "help": 2},
	"xinfo": {"stream": -3, "groups": 3, "consumers": 4, "help": 2},
}

// subcommandRefusal returns the error for an unknown subcommand of a
// container command, or one with the wrong arity, or "".
func subcommandRefusal(name string, args []string) string {
	subs, ok := subcommands[name]
	if !ok || len(args) < 2 {
		return ""
	}
	sub := strings.ToLower(args[1])
	a, ok := subs[sub]
	if !ok {
		return unknownSubcommand(strings.ToUpper(name), args[1])
	}
	if !arityOK(a, len(args)) {
		return wrongArity(name + "|" + sub)
	}
	return ""
}

// knownDo reports whether the engine runs name with n arguments.
func knownDo(name string, n int) bool {
	a, ok := instream.CommandArity(name)
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
	// Redis prints the name with C's %.128s: up to a NUL, at most 128 bytes.
	if i := strings.IndexByte(sub, 0); i >= 0 {
		sub = sub[:i]
	}
	if len(sub) > 128 {
		sub = sub[:128]
	}
	return "ERR unknown subcommand '" + sub + "'. Try " + name + " HELP."
}
