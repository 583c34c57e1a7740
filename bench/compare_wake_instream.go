package bench

import (
	"context"
	"sync"
	"time"

	"github.com/instream/instream"
)

// parkCtx is a context that reports the first call of Done: a blocking
// read calls it when it waits, after registering itself, so the reader is
// known to be parked without a hook inside the engine.
type parkCtx struct {
	context.Context
	once   sync.Once
	parked chan struct{}
}

func newParkCtx() *parkCtx {
	return &parkCtx{Context: context.Background(), parked: make(chan struct{})}
}

func (c *parkCtx) Done() <-chan struct{} {
	c.once.Do(func() { close(c.parked) })
	return c.Context.Done()
}

// instreamWake times wake-ups of a Read blocked on one stream.
func (c *comparer) instreamWake(trials int) ([]time.Duration, error) {
	e := instream.New(instream.Options{})
	defer e.Close()
	fields := []instream.Field{{Name: "v", Value: "x"}}
	var last instream.ID
	var ctx *parkCtx
	fallback := false
	lat, err := wakeTrials(trials, func() error {
		_, err := e.Read(ctx, instream.ReadArgs{Streams: []instream.ReadStream{{Key: "w", After: last}}})
		return err
	}, func() error {
		select {
		case <-ctx.parked:
		case <-time.After(10 * time.Millisecond):
			fallback = true
		}
		return nil
	}, func() error {
		id, err := e.Add("w", instream.AddArgs{Fields: fields})
		last = id
		return err
	}, func() { ctx = newParkCtx() })
	if fallback {
		c.rep.Notes = append(c.rep.Notes, "some instream wake trials could not see the reader park within 10 ms; they were timed anyway.")
	}
	return lat, err
}
