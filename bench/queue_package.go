package bench

import (
	"context"
	"errors"
	"fmt"

	"github.com/instream/instream"
	"github.com/instream/instream/queue"
)

// openQueuePackage is the queue package's side of the queue comparison:
// Publish is Queue.Publish, and one Run with the given number of handlers
// (Concurrency) takes the messages, with its defaults otherwise (claim
// reads of at most 64, MaxInFlight 1000, lease renewals every 10 s).
// Acked is called once the queue's Ack call returned, which a Backend
// wrapper sees.
func openQueuePackage(ctx context.Context, handlers int, h QueueHandler) (QueueRun, error) {
	e := instream.New(instream.Options{})
	q, err := queue.New(ackedBackend{e, h.Acked}, queue.Options{Stream: "q", Group: "g", Concurrency: handlers})
	if err != nil {
		e.Close()
		return QueueRun{}, err
	}
	ctx, cancel := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() {
		done <- q.Run(ctx, func(_ context.Context, m queue.Message) error {
			h.Handle([]byte(m.Fields[0].Value))
			return nil
		})
	}()
	return QueueRun{
		Publish: func(msg []byte) error {
			_, err := q.Publish(queue.PublishArgs{Fields: []instream.Field{{Name: "m", Value: string(msg)}}})
			return err
		},
		Unacked: func() (int64, error) {
			s, err := q.Stats()
			if err != nil {
				return 0, err
			}
			if !s.LagKnown {
				return 0, errors.New("queue: lag unknown")
			}
			return s.Pending + s.Lag, nil
		},
		Close: func() error {
			cancel()
			err := <-done
			e.Close()
			if err != nil {
				return fmt.Errorf("queue run: %w", err)
			}
			return nil
		},
	}, nil
}

// ackedBackend calls acked for each message an Ack acknowledged.
type ackedBackend struct {
	*instream.Engine
	acked func()
}

func (b ackedBackend) Ack(key, group string, ids ...instream.ID) (int64, error) {
	n, err := b.Engine.Ack(key, group, ids...)
	for range n {
		b.acked()
	}
	return n, err
}
