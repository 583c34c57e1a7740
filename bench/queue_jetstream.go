package bench

import (
	"context"
	"errors"
	"fmt"
	"os"
	"sync"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// jetStreamPull is the most messages each JetStream puller asks for at a
// time.
const jetStreamPull = 256

// openJetStreamQueue is JetStream's side of the queue comparison: an
// embedded server, a stream on memory storage, one durable pull consumer
// with explicit acks and a 30 s ack wait. The publisher has a connection
// of its own; the handler goroutines share a second one, each pulling with
// Messages (up to jetStreamPull at a time) and acking every message after
// its handler. Publish waits for the publish acknowledgement;
// PublishAsync does not, and Wait waits for all of them.
func openJetStreamQueue(ctx context.Context, handlers int, h QueueHandler) (run QueueRun, err error) {
	dir, err := os.MkdirTemp("", "instream-bench-queue-")
	if err != nil {
		return QueueRun{}, err
	}
	var undo []func()
	defer func() {
		if err != nil {
			for i := len(undo) - 1; i >= 0; i-- {
				undo[i]()
			}
		}
	}()
	undo = append(undo, func() { os.RemoveAll(dir) })
	ns, err := startNATS(dir, false)
	if err != nil {
		return QueueRun{}, err
	}
	undo = append(undo, ns.stop)
	conn := func() (*nats.Conn, error) {
		nc, err := ns.connect()
		if err == nil {
			undo = append(undo, nc.Close)
		}
		return nc, err
	}
	pubNC, err := conn()
	if err != nil {
		return QueueRun{}, err
	}
	subNC, err := conn()
	if err != nil {
		return QueueRun{}, err
	}

	var asyncMu sync.Mutex
	var asyncErr error
	pubJS, err := jetstream.New(pubNC, jetstream.WithPublishAsyncErrHandler(func(_ jetstream.JetStream, m *nats.Msg, err error) {
		asyncMu.Lock()
		defer asyncMu.Unlock()
		if asyncErr == nil {
			asyncErr = fmt.Errorf("async publish: %w", err)
		}
	}))
	if err != nil {
		return QueueRun{}, err
	}
	subJS, err := jetstream.New(subNC)
	if err != nil {
		return QueueRun{}, err
	}
	if _, err = pubJS.CreateStream(ctx, jetstream.StreamConfig{Name: "Q", Subjects: []string{"q"}, Storage: jetstream.MemoryStorage}); err != nil {
		return QueueRun{}, fmt.Errorf("jetstream queue stream: %w", err)
	}
	cons, err := subJS.CreateOrUpdateConsumer(ctx, "Q", jetstream.ConsumerConfig{
		Durable: "w", AckPolicy: jetstream.AckExplicitPolicy, AckWait: 30 * time.Second,
	})
	if err != nil {
		return QueueRun{}, fmt.Errorf("jetstream queue consumer: %w", err)
	}

	var wg sync.WaitGroup
	errs := make(chan error, handlers)
	iters := make([]jetstream.MessagesContext, handlers)
	for i := range iters {
		if iters[i], err = cons.Messages(jetstream.PullMaxMessages(jetStreamPull)); err != nil {
			for _, it := range iters[:i] {
				it.Stop()
			}
			return QueueRun{}, err
		}
	}
	for _, it := range iters {
		wg.Go(func() {
			for {
				m, err := it.Next()
				if errors.Is(err, jetstream.ErrMsgIteratorClosed) {
					return
				}
				if err == nil {
					h.Handle(m.Data())
					err = m.Ack()
				}
				if err != nil {
					errs <- err
					return
				}
				h.Acked()
			}
		})
	}
	return QueueRun{
		Publish: func(msg []byte) error {
			_, err := pubJS.Publish(ctx, "q", msg)
			return err
		},
		PublishAsync: func(msg []byte) error {
			for {
				_, err := pubJS.PublishAsync("q", msg)
				if !errors.Is(err, jetstream.ErrTooManyStalledMsgs) {
					return err
				}
				// The client's window of unacknowledged publishes is full
				// (a loaded machine): let it drain, then publish again.
				select {
				case <-pubJS.PublishAsyncComplete():
				case <-ctx.Done():
					return ctx.Err()
				}
			}
		},
		Wait: func() error {
			select {
			case <-pubJS.PublishAsyncComplete():
			case <-ctx.Done():
				return ctx.Err()
			case <-time.After(queueTimeout):
				return fmt.Errorf("async publishes not acknowledged within %v", queueTimeout)
			}
			asyncMu.Lock()
			defer asyncMu.Unlock()
			return asyncErr
		},
		Unacked: func() (int64, error) {
			ci, err := cons.Info(ctx)
			if err != nil {
				return 0, err
			}
			return int64(ci.NumAckPending) + int64(ci.NumPending), nil
		},
		Close: func() error {
			for _, it := range iters {
				it.Stop()
			}
			wg.Wait()
			for i := len(undo) - 1; i >= 0; i-- {
				undo[i]()
			}
			close(errs)
			return <-errs
		},
	}, nil
}
