package queue_test

import (
	"testing"

	"github.com/instream/instream"
	"github.com/instream/instream/queue"
	"github.com/instream/instream/queue/queuetest"
)

// The queue's shared suite, on the engine; the redisstreams module runs
// it on a Redis server.
func TestSuite(t *testing.T) {
	queuetest.Run(t, func(t *testing.T) queue.Backend {
		e := instream.New(instream.Options{})
		t.Cleanup(func() { e.Close() })
		return e
	})
}
