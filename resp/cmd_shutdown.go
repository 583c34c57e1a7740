package resp

import (
	"context"
	"log"
	"strings"
)

// cmdShutdown answers SHUTDOWN [NOSAVE|SAVE] [NOW] [FORCE] [ABORT] as
// Redis 7.0 does, through Options.Shutdown. A shutdown is never in
// progress when a command runs, so ABORT always fails; NOW changes
// nothing (there are no replicas to wait for).
func cmdShutdown(_ context.Context, c *client, args []string) {
	var save, nosave, now, force, abort bool
	for _, a := range args[1:] {
		switch strings.ToLower(a) {
		case "save":
			save = true
		case "nosave":
			nosave = true
		case "now":
			now = true
		case "force":
			force = true
		case "abort":
			abort = true
		default:
			c.w.Error("ERR syntax error")
			return
		}
	}
	if abort && (save || nosave || now || force) || save && nosave {
		c.w.Error("ERR syntax error")
		return
	}
	if abort {
		c.w.Error("ERR No shutdown in progress.")
		return
	}
	shutdown := c.s.opts.Shutdown
	if shutdown == nil {
		c.w.Error("ERR SHUTDOWN is not supported by this server")
		return
	}
	if save && !force {
		// Redis answers so when it cannot write the snapshot SAVE asks for.
		log.Printf("instream: SHUTDOWN SAVE refused: RDB snapshots are not supported (FORCE shuts down anyway)")
		c.w.Error("ERR Errors trying to SHUTDOWN. Check logs.")
		return
	}
	if err := shutdown(force); err != nil {
		log.Printf("instream: SHUTDOWN failed: %v (SHUTDOWN FORCE stops anyway)", err)
		c.w.Error("ERR Errors trying to SHUTDOWN. Check logs.")
		return
	}
	c.quit = true // no reply: the server is gone
}
