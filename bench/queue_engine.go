package bench

import (
	"context"
	"fmt"
	"sync"

	"github.com/instream/instream"
)

// engineReadCount is the most entries one ReadGroup of the raw-engine
// side takes, as JetStream's pullers ask for up to 256 messages at a time.
const engineReadCount = 256

// openEngineQueue is the raw-engine side of the queue comparison: the
// typed API with no queue layer. Publish is Add (there is no asynchronous
// add: Add returns once the entry is stored), and each handler goroutine
// is a consumer of one group looping on a blocking ReadGroup, then, entry
// by entry, the handler and Ack.
func openEngineQueue(ctx context.Context, handlers int, h QueueHandler) (QueueRun, error) {
	const key, group = "q", "g"
	e := instream.New(instream.Options{})
	if err := e.CreateGroup(key, instream.GroupArgs{Group: group, MkStream: true}); err != nil {
		e.Close()
		return QueueRun{}, err
	}
	ctx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	errs := make(chan error, handlers)
	for i := range handlers {
		args := instream.ReadGroupArgs{
			Group: group, Consumer: fmt.Sprintf("c%d", i),
			Streams: []instream.GroupStream{{Key: key}}, Count: engineReadCount,
		}
		wg.Go(func() {
			for {
				res, err := e.ReadGroup(ctx, args)
				if err != nil {
					if ctx.Err() == nil {
						errs <- fmt.Errorf("consumer %s: %w", args.Consumer, err)
					}
					return
				}
				for _, ge := range res {
					for _, en := range ge.Entries {
						h.Handle([]byte(en.Fields[0].Value))
						if _, err := e.Ack(key, group, en.ID); err != nil {
							errs <- fmt.Errorf("consumer %s: %w", args.Consumer, err)
							return
						}
						h.Acked()
					}
				}
			}
		})
	}
	return QueueRun{
		Publish: func(msg []byte) error {
			_, err := e.Add(key, instream.AddArgs{Fields: []instream.Field{{Name: "m", Value: string(msg)}}})
			return err
		},
		Unacked: func() (int64, error) {
			g, err := e.Group(key, group)
			if err != nil {
				return 0, err
			}
			if !g.LagKnown {
				return 0, fmt.Errorf("group %s: lag unknown", group)
			}
			return g.Pending + g.Lag, nil
		},
		Close: func() error {
			cancel()
			wg.Wait()
			e.Close()
			close(errs)
			return <-errs
		},
	}, nil
}
