package bench

import (
	"context"
	"errors"
	"fmt"

	"github.com/nats-io/nats.go/jetstream"
)

// msg40 is the 40-byte message the JetStream sides publish.
var msg40 = []byte("0123456789abcdefghijklmnopqrstuvwxyzABCD")

// openJetStreamPublish is JetStream's side of the durable-publish
// comparison: an embedded server whose file store fsyncs every write, one
// stream on file storage, and synchronous publishes (each waits for its
// publish acknowledgement, sent once the message is stored) of a 40-byte
// message over one shared in-process connection.
func openJetStreamPublish(ctx context.Context, dir string) (DurableRun, error) {
	ns, err := startNATS(dir, true)
	if err != nil {
		return DurableRun{}, err
	}
	nc, err := ns.connect()
	if err != nil {
		ns.stop()
		return DurableRun{}, err
	}
	closeAll := func() error {
		nc.Close()
		ns.stop()
		return nil
	}
	js, err := jetstream.New(nc)
	if err == nil {
		_, err = js.CreateStream(ctx, jetstream.StreamConfig{Name: "D", Subjects: []string{"d"}, Storage: jetstream.FileStorage})
	}
	if err != nil {
		closeAll()
		return DurableRun{}, fmt.Errorf("jetstream durable stream: %w", err)
	}
	return DurableRun{
		Add: func(int) error {
			ack, err := js.Publish(ctx, "d", msg40)
			if err == nil && ack.Stream != "D" {
				err = errors.New("publish acknowledged by stream " + ack.Stream)
			}
			return err
		},
		Len: func() (int64, error) {
			s, err := js.Stream(ctx, "D")
			if err != nil {
				return 0, err
			}
			return int64(s.CachedInfo().State.Msgs), nil
		},
		Close: closeAll,
	}, nil
}
