package resp

import (
	"context"
	"strings"
)

// cmdMeta describes a command for COMMAND INFO and COMMAND DOCS.
type cmdMeta struct {
	arity             int
	flags             []string
	first, last, step int
	group, since      string
	summary           string
}

var cmdTable = map[string]cmdMeta{
	"xadd":         {-5, []string{"write", "denyoom", "fast"}, 1, 1, 1, "stream", "5.0.0", "Appends a new message to a stream. Creates the key if it doesn't exist."},
	"xrange":       {-4, []string{"readonly"}, 1, 1, 1, "stream", "5.0.0", "Returns the messages from a stream within a range of IDs."},
	"xrevrange":    {-4, []string{"readonly"}, 1, 1, 1, "stream", "5.0.0", "Returns the messages from a stream within a range of IDs in reverse order."},
	"xlen":         {2, []string{"readonly", "fast"}, 1, 1, 1, "stream", "5.0.0", "Return the number of messages in a stream."},
	"xdel":         {-3, []string{"write", "fast"}, 1, 1, 1, "stream", "5.0.0", "Returns the number of messages after removing them from a stream."},
	"xtrim":        {-4, []string{"write"}, 1, 1, 1, "stream", "5.0.0", "Deletes messages from the beginning of a stream."},
	"xsetid":       {-3, []string{"write", "denyoom", "fast"}, 1, 1, 1, "stream", "5.0.0", "An internal command for replicating stream values."},
	"xinfo":        {-2, nil, 0, 0, 0, "stream", "5.0.0", "A container for stream introspection commands."},
	"xread":        {-4, []string{"readonly", "blocking", "movablekeys"}, 0, 0, 0, "stream", "5.0.0", "Returns messages from multiple streams with IDs greater than the ones requested. Blocks until a message is available otherwise."},
	"xreadgroup":   {-7, []string{"write", "blocking", "movablekeys"}, 0, 0, 0, "stream", "5.0.0", "Returns new or historical messages from a stream for a consumer in a group. Blocks until a message is available otherwise."},
	"xgroup":       {-2, nil, 0, 0, 0, "stream", "5.0.0", "A container for consumer groups commands."},
	"xack":         {-4, []string{"write", "fast"}, 1, 1, 1, "stream", "5.0.0", "Returns the number of messages that were successfully acknowledged by the consumer group member of a stream."},
	"xpending":     {-3, []string{"readonly"}, 1, 1, 1, "stream", "5.0.0", "Returns the information and entries from a stream consumer group's pending entries list."},
	"xclaim":       {-6, []string{"write", "fast"}, 1, 1, 1, "stream", "5.0.0", "Changes, or acquires, ownership of a message in a consumer group, as if the message was delivered a consumer group member."},
	"xautoclaim":   {-6, []string{"write", "fast"}, 1, 1, 1, "stream", "6.2.0", "Changes, or acquires, ownership of messages in a consumer group, as if the messages were delivered to as consumer group member."},
	"xdelex":       {-5, []string{"write", "fast"}, 1, 1, 1, "stream", "8.2.0", "Deletes one or multiple entries from the stream."},
	"xackdel":      {-6, []string{"write", "fast"}, 1, 1, 1, "stream", "8.2.0", "Acknowledges and deletes one or multiple messages for a stream consumer group."},
	"xnack":        {-7, []string{"write", "fast"}, 1, 1, 1, "stream", "8.8.0", "Hands pending messages back to their consumer group, owned by no consumer."},
	"xcfgset":      {-2, []string{"write", "fast"}, 1, 1, 1, "stream", "8.6.0", "Sets a stream's idempotent-production settings."},
	"xidmprecord":  {5, []string{"write", "denyoom", "fast"}, 1, 1, 1, "stream", "8.6.2", "Records an idempotent producer's ID for a stream entry."},
	"del":          {-2, []string{"write"}, 1, -1, 1, "generic", "1.0.0", "Deletes one or more keys."},
	"unlink":       {-2, []string{"write", "fast"}, 1, -1, 1, "generic", "4.0.0", "Asynchronously deletes one or more keys."},
	"exists":       {-2, []string{"readonly", "fast"}, 1, -1, 1, "generic", "1.0.0", "Determines whether one or more keys exist."},
	"type":         {2, []string{"readonly", "fast"}, 1, 1, 1, "generic", "1.0.0", "Determines the type of value stored at a key."},
	"keys":         {2, []string{"readonly"}, 0, 0, 0, "generic", "1.0.0", "Returns all key names that match a pattern."},
	"scan":         {-2, []string{"readonly"}, 0, 0, 0, "generic", "2.8.0", "Iterates over the key names in the database."},
	"rename":       {3, []string{"write"}, 1, 2, 1, "generic", "1.0.0", "Renames a key and overwrites the destination."},
	"renamenx":     {3, []string{"write", "fast"}, 1, 2, 1, "generic", "1.0.0", "Renames a key only when the target key name doesn't exist."},
	"dbsize":       {1, []string{"readonly", "fast"}, 0, 0, 0, "server", "1.0.0", "Returns the number of keys in the database."},
	"flushdb":      {-1, []string{"write"}, 0, 0, 0, "server", "1.0.0", "Remove all keys from the current database."},
	"flushall":     {-1, []string{"write"}, 0, 0, 0, "server", "1.0.0", "Removes all keys from all databases."},
	"bgrewriteaof": {1, []string{"admin", "noscript", "no_async_loading"}, 0, 0, 0, "server", "1.0.0", "Asynchronously rewrites the append-only file to disk."},
	"shutdown":     {-1, []string{"admin", "noscript", "loading", "stale", "no_multi", "allow_busy"}, 0, 0, 0, "server", "1.0.0", "Synchronously saves the database(s) to disk and shuts down the Redis server."},
	"info":         {-1, []string{"loading", "stale"}, 0, 0, 0, "server", "1.0.0", "Returns information and statistics about the server."},
	"config":       {-2, nil, 0, 0, 0, "server", "2.0.0", "A container for server configuration commands."},
	"command":      {-1, []string{"loading", "stale"}, 0, 0, 0, "server", "2.8.13", "Returns detailed information about all commands."},
	"auth":         {-2, []string{"noscript", "loading", "stale", "fast", "no_auth", "allow_busy"}, 0, 0, 0, "connection", "1.0.0", "Authenticates the connection."},
	"hello":        {-1, []string{"noscript", "loading", "stale", "fast", "no_auth", "allow_busy"}, 0, 0, 0, "connection", "6.0.0", "Handshakes with the Redis server."},
	"ping":         {-1, []string{"fast"}, 0, 0, 0, "connection", "1.0.0", "Returns the server's liveliness response."},
	"echo":         {2, []string{"fast"}, 0, 0, 0, "connection", "1.0.0", "Returns the given string."},
	"quit":         {-1, []string{"allow_busy", "noscript", "loading", "stale", "fast", "no_auth"}, 0, 0, 0, "connection", "1.0.0", "Closes the connection."},
	"reset":        {1, []string{"noscript", "loading", "stale", "fast", "no_auth", "allow_busy"}, 0, 0, 0, "connection", "6.2.0", "Resets the connection."},
	"select":       {2, []string{"loading", "stale", "fast"}, 0, 0, 0, "connection", "1.0.0", "Changes the selected database."},
	"client":       {-2, nil, 0, 0, 0, "connection", "2.4.0", "A container for client connection commands."},
}

func cmdCommand(_ context.Context, c *client, args []string) {
	if len(args) == 1 {
		names := sortedKeys(cmdTable)
		c.w.Array(len(names))
		for _, n := range names {
			writeCommandInfo(c.w, n)
		}
		return
	}
	sub := strings.ToLower(args[1]) // c.run checked it and its arity
	switch sub {
	case "count":
		c.w.Int(int64(len(cmdTable)))
	case "list":
		names := sortedKeys(cmdTable)
		c.w.Array(len(names))
		for _, n := range names {
			c.w.BulkString(n)
		}
	case "info":
		names := args[2:]
		if len(names) == 0 {
			names = sortedKeys(cmdTable)
		}
		c.w.Array(len(names))
		for _, n := range names {
			writeCommandInfo(c.w, strings.ToLower(n))
		}
	case "docs":
		var names []string
		for _, n := range args[2:] {
			if _, ok := cmdTable[strings.ToLower(n)]; ok {
				names = append(names, strings.ToLower(n))
			}
		}
		if len(args) == 2 {
			names = sortedKeys(cmdTable)
		}
		c.w.Map(len(names))
		for _, n := range names {
			m := cmdTable[n]
			c.w.BulkString(n)
			c.w.Map(3)
			c.w.BulkString("summary")
			c.w.BulkString(m.summary)
			c.w.BulkString("since")
			c.w.BulkString(m.since)
			c.w.BulkString("group")
			c.w.BulkString(m.group)
		}
	case "help":
		writeHelp(c.w, "COMMAND", []string{
			"(no subcommand)", "    Return details about all Redis commands.",
			"COUNT", "    Return the total number of commands in this Redis server.",
			"LIST", "    Return a list of all commands in this Redis server.",
			"INFO [<command-name> ...]", "    Return details about multiple Redis commands.",
			"DOCS [<command-name> ...]", "    Return documentation details about multiple Redis commands.",
		})
	}
}

// writeCommandInfo writes COMMAND INFO's ten fields for name, or a null.
func writeCommandInfo(w *Writer, name string) {
	m, ok := cmdTable[name]
	if !ok {
		w.NullArray()
		return
	}
	w.Array(10)
	w.BulkString(name)
	w.Int(int64(m.arity))
	w.Set(len(m.flags))
	for _, f := range m.flags {
		w.Status(f)
	}
	w.Int(int64(m.first))
	w.Int(int64(m.last))
	w.Int(int64(m.step))
	// ACL categories as Redis derives them: from the flags and the group.
	var cats []string
	for _, f := range m.flags {
		switch f {
		case "readonly":
			cats = append(cats, "@read")
		case "write":
			cats = append(cats, "@write")
		}
	}
	switch m.group {
	case "generic":
		cats = append(cats, "@keyspace")
	case "stream", "connection":
		cats = append(cats, "@"+m.group)
	}
	for _, f := range m.flags {
		switch f {
		case "fast":
			cats = append(cats, "@fast")
		case "blocking":
			cats = append(cats, "@blocking")
		}
	}
	w.Set(len(cats))
	for _, cat := range cats {
		w.Status(cat)
	}
	w.Set(0)   // tips
	w.Array(0) // key specs
	w.Set(0)   // subcommands
}
