package redisstreams_test

import (
	"testing"

	"github.com/instream/instream/queue"
	"github.com/instream/instream/queue/queuetest"
	"github.com/instream/instream/redisstreams"
	"github.com/redis/go-redis/v9"
)

// The queue package's suite on a Redis server and on the cluster. Redis
// 7.0 lacks claim reads, XNACK and IDMP: the queue does without the
// first two, and idempotent publishing is skipped.
func TestQueue(t *testing.T) {
	needRedis(t)
	for _, tc := range []struct {
		name string
		rdb  func() redis.UniversalClient
	}{
		{"server", func() redis.UniversalClient { return redis.NewClient(&redis.Options{Addr: single.Addr}) }},
		{"cluster", func() redis.UniversalClient {
			return redis.NewUniversalClient(&redis.UniversalOptions{Addrs: cluster.Addrs})
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			queuetest.Run(t, func(t *testing.T) queue.Backend {
				rdb := tc.rdb()
				c := redisstreams.New(rdb, redisstreams.Options{})
				t.Cleanup(func() {
					c.Close()
					rdb.Close()
				})
				return c
			})
		})
	}
}
