package resp

import (
	"context"
	"slices"
	"strings"

	"github.com/instream/instream"
)

// engine is what a client's commands run on: the Engine, or, while EXEC
// runs, the Tx of its Update, so that the queued commands run as one
// batch with no other command in between.
type engine interface {
	Do(ctx context.Context, args ...string) (any, error)
	DoTo(ctx context.Context, w instream.ReplyWriter, args ...string) error
	Keys() ([]string, error)
	FlushAll() (int64, error)
	DeleteStreams(keys ...string) (int64, error)
	Rename(key, newKey string, nx bool) (bool, error)
	NodeLimits() (maxEntries, maxBytes int)
	SetNodeLimits(maxEntries, maxBytes int) error
}

var (
	_ engine = (*instream.Engine)(nil)
	_ engine = (*instream.Tx)(nil)
)

// txState is a client's MULTI/EXEC and WATCH state.
type txState struct {
	multi   bool       // between MULTI and EXEC or DISCARD
	queued  [][]string // the commands EXEC will run
	failed  bool       // a command was refused while queuing: EXEC aborts
	inExec  bool       // EXEC is running the queued commands
	watches []*instream.Watch
}

// runsInMulti lists the commands that run at once inside MULTI instead
// of being queued, as in Redis.
var runsInMulti = map[string]bool{
	"exec": true, "discard": true, "multi": true, "watch": true,
	"quit": true, "reset": true,
}

const errExecAbort = "EXECABORT Transaction discarded because of previous errors."

func cmdMulti(_ context.Context, c *client, _ []string) {
	if c.tx.multi {
		c.w.Error("ERR MULTI calls can not be nested")
		return
	}
	c.tx.multi = true
	c.w.Status("OK")
}

func cmdDiscard(_ context.Context, c *client, _ []string) {
	if !c.tx.multi {
		c.w.Error("ERR DISCARD without MULTI")
		return
	}
	c.endMulti()
	c.w.Status("OK")
}

func cmdWatch(_ context.Context, c *client, args []string) {
	if c.tx.multi {
		c.w.Error("ERR WATCH inside MULTI is not allowed")
		return
	}
	w, err := c.s.e.Watch(args[1:]...)
	if err != nil {
		c.writeErr(err)
		return
	}
	c.tx.watches = append(c.tx.watches, w)
	c.w.Status("OK")
}

func cmdUnwatch(_ context.Context, c *client, _ []string) {
	// Inside EXEC the engine is held; EXEC unwatches everything when it
	// ends anyway.
	if !c.tx.inExec {
		c.unwatch()
	}
	c.w.Status("OK")
}

// queue answers a command sent inside MULTI: QUEUED, or, if Redis would
// refuse it before running it (unknown, wrong arity, unknown
// subcommand, not authenticated), that error, which makes EXEC abort.
func (c *client) queue(args []string, refusal string) {
	if refusal != "" {
		c.w.Error(refusal)
		c.tx.failed = true
		return
	}
	c.tx.queued = append(c.tx.queued, slices.Clone(args))
	c.w.Status("QUEUED")
}

func cmdExec(ctx context.Context, c *client, _ []string) {
	if !c.tx.multi {
		c.w.Error("ERR EXEC without MULTI")
		return
	}
	queued, failed, watches := c.tx.queued, c.tx.failed, c.tx.watches
	c.tx.multi, c.tx.failed, c.tx.queued = false, false, nil
	// The watches close after the batch: until it holds the engine, a
	// change must still be seen.
	defer c.unwatch()
	if failed {
		c.w.Error(errExecAbort)
		return
	}
	aborted := false
	err := c.s.e.Update(func(tx *instream.Tx) error {
		for _, w := range watches {
			if w.Modified() {
				aborted = true
				return nil
			}
		}
		c.w.Array(len(queued))
		c.eng, c.tx.inExec = tx, true
		defer func() { c.eng, c.tx.inExec = c.s.e, false }()
		for _, args := range queued {
			c.run(ctx, args)
		}
		return nil
	})
	switch {
	case err != nil:
		c.writeErr(err)
	case aborted:
		c.w.NullArray()
	}
}

// execArityAbort answers an EXEC with arguments: the transaction ends.
func (c *client) execArityAbort(refusal string) {
	c.endMulti()
	c.w.Error("EXECABORT Transaction discarded because of: " + strings.TrimPrefix(refusal, "ERR "))
}

// endMulti leaves MULTI and drops the watches, as EXEC and DISCARD do.
func (c *client) endMulti() {
	c.tx.multi, c.tx.failed = false, false
	c.tx.queued = nil
	c.unwatch()
}

// unwatch closes the client's watches.
func (c *client) unwatch() {
	for _, w := range c.tx.watches {
		w.Close()
	}
	c.tx.watches = nil
}
