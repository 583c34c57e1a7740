package resp

import (
	"context"
	"log"
)

// cmdBGRewriteAOF starts a rewrite of the log in the background, with
// Redis's replies.
func cmdBGRewriteAOF(_ context.Context, c *client, _ []string) {
	rw := c.s.opts.Rewrite
	if rw == nil {
		c.w.Error("ERR persistence is off (start with --appendonly yes)")
		return
	}
	if !c.s.rewriting.CompareAndSwap(false, true) {
		c.w.Error("ERR Background append only file rewriting already in progress")
		return
	}
	go func() {
		defer c.s.rewriting.Store(false)
		if err := rw(); err != nil {
			log.Printf("instream: background AOF rewrite failed: %v", err)
		}
	}()
	c.w.Status("Background append only file rewriting started")
}
