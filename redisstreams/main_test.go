package redisstreams_test

import (
	"context"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/instream/instream"
	"github.com/instream/instream/redisstreams"
	"github.com/instream/instream/redisstreams/redistest"
	"github.com/instream/instream/streamstest"
	"github.com/redis/go-redis/v9"
)

// The servers the tests share, started by TestMain; nil (with the reason
// in skipMsg) when redis-server is missing.
var (
	single  *redistest.Server
	cluster *redistest.Cluster
	skipMsg string
)

func TestMain(m *testing.M) {
	redis.SetLogger(quiet{}) // go-redis logs each failed dial of the restart test
	var err error
	single, err = redistest.Start()
	if err == nil {
		cluster, err = redistest.StartCluster(3)
		if err != nil {
			single.Stop()
			single = nil
		}
	}
	if err != nil {
		skipMsg = "redisstreams: the tests against Redis are skipped: " + err.Error()
		fmt.Fprintln(os.Stderr, skipMsg)
	}
	code := m.Run()
	if single != nil {
		single.Stop()
		cluster.Stop()
	}
	os.Exit(code)
}

func needRedis(t testing.TB) {
	t.Helper()
	if single == nil {
		t.Skip(skipMsg)
	}
}

// features are what the server at addr supports, from its version.
func features(t testing.TB, rdb redis.UniversalClient) streamstest.Features {
	t.Helper()
	info, err := rdb.Info(context.Background(), "server").Result()
	if err != nil {
		t.Fatalf("INFO server: %v", err)
	}
	var major, minor int
	for line := range strings.Lines(info) {
		if v, ok := strings.CutPrefix(line, "redis_version:"); ok {
			fmt.Sscanf(v, "%d.%d", &major, &minor)
		}
	}
	at := func(ma, mi int) bool { return major > ma || major == ma && minor >= mi }
	return streamstest.Features{
		RefPolicies: at(8, 2),
		ClaimRead:   at(8, 4),
		LastRead:    at(7, 4),
		Redis72:     at(7, 2),
		Idempotency: at(8, 6),
		Nack:        at(8, 8),
		ReadCaps:    at(8, 10),
		Unsupported: redisstreams.ErrUnsupported,
	}
}

// suite runs the conformance suite over rdb.
func suite(t *testing.T, rdb redis.UniversalClient) {
	t.Cleanup(func() { rdb.Close() })
	streamstest.Run(t, features(t, rdb), func(t *testing.T) instream.Streams {
		c := redisstreams.New(rdb, redisstreams.Options{})
		t.Cleanup(func() { c.Close() })
		return c
	})
}

func TestServer(t *testing.T) {
	needRedis(t)
	t.Run("resp3", func(t *testing.T) {
		suite(t, redis.NewClient(&redis.Options{Addr: single.Addr}))
	})
	t.Run("resp2", func(t *testing.T) {
		suite(t, redis.NewClient(&redis.Options{Addr: single.Addr, Protocol: 2}))
	})
	t.Run("no read timeout", func(t *testing.T) { // one BLOCK per wait
		suite(t, redis.NewClient(&redis.Options{Addr: single.Addr, ReadTimeout: -1}))
	})
	t.Run("universal", func(t *testing.T) {
		suite(t, redis.NewUniversalClient(&redis.UniversalOptions{Addrs: []string{single.Addr}}))
	})
}

// Through Sentinel: the universal client with a master name finds the
// primary by asking the Sentinel.
func TestSentinel(t *testing.T) {
	needRedis(t)
	sentinel, err := redistest.StartSentinel("primary", single.Addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(sentinel.Stop)
	suite(t, redis.NewUniversalClient(&redis.UniversalOptions{MasterName: "primary", Addrs: []string{sentinel.Addr}}))
}

func TestCluster(t *testing.T) {
	needRedis(t)
	suite(t, redis.NewUniversalClient(&redis.UniversalOptions{Addrs: cluster.Addrs}))
}

type quiet struct{}

func (quiet) Printf(context.Context, string, ...any) {}
