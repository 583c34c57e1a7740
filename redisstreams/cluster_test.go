package redisstreams_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/instream/instream"
	"github.com/instream/instream/redisstreams"
	"github.com/redis/go-redis/v9"
)

func newCluster(t *testing.T) *redisstreams.Client {
	t.Helper()
	needRedis(t)
	rdb := redis.NewUniversalClient(&redis.UniversalOptions{Addrs: cluster.Addrs})
	c := redisstreams.New(rdb, redisstreams.Options{})
	t.Cleanup(func() {
		c.Close()
		rdb.Close()
	})
	return c
}

// Streams of different slots cannot be read in one call on a cluster;
// streams sharing a hash tag can.
func TestCluster_crossSlot(t *testing.T) {
	c := newCluster(t)
	suffix := time.Now().Format("150405.000000000")
	// The hash tags "a" and "b" give slots 15495 and 3300.
	a, b := "{a}"+suffix, "{b}"+suffix
	eu, us := "{orders"+suffix+"}.eu", "{orders"+suffix+"}.us"
	t.Cleanup(func() { c.DeleteStreams(a, b, eu, us) })
	f := []instream.Field{{Name: "f", Value: "v"}}
	for _, k := range []string{a, b, eu, us} {
		if _, err := c.Add(k, instream.AddArgs{Fields: f}); err != nil {
			t.Fatalf("Add(%q): %v", k, err)
		}
		if err := c.CreateGroup(k, instream.GroupArgs{Group: "g"}); err != nil {
			t.Fatalf("CreateGroup(%q): %v", k, err)
		}
	}
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
	defer cancel()
	read := func(k1, k2 string) error {
		_, err := c.TryRead(instream.ReadArgs{Streams: []instream.ReadStream{{Key: k1}, {Key: k2}}})
		return err
	}
	readBlocking := func(k1, k2 string) error {
		_, err := c.Read(ctx, instream.ReadArgs{Streams: []instream.ReadStream{{Key: k1, New: true}, {Key: k2, New: true}}})
		return err
	}
	readGroup := func(k1, k2 string) error {
		_, err := c.TryReadGroup(instream.ReadGroupArgs{Group: "g", Consumer: "c",
			Streams: []instream.GroupStream{{Key: k1}, {Key: k2}}})
		return err
	}
	readGroupBlocking := func(k1, k2 string) error {
		_, err := c.ReadGroup(ctx, instream.ReadGroupArgs{Group: "g", Consumer: "c",
			Streams: []instream.GroupStream{{Key: k1, History: true}, {Key: k2, History: true}}})
		return err
	}
	calls := []struct {
		name string
		call func(k1, k2 string) error
	}{
		{"TryRead", read}, {"Read", readBlocking}, {"TryReadGroup", readGroup}, {"ReadGroup", readGroupBlocking},
	}
	for _, tt := range calls {
		err := tt.call(a, b)
		var re *instream.RedisError
		if !errors.Is(err, redisstreams.ErrCrossSlot) || !errors.As(err, &re) || !strings.HasPrefix(re.Msg, "CROSSSLOT") {
			t.Errorf("%s(a, b) across slots: %v, want ErrCrossSlot with Redis's CROSSSLOT text", tt.name, err)
		}
	}
	for _, tt := range calls {
		if tt.name == "Read" {
			continue // it would wait for new entries
		}
		if err := tt.call(eu, us); err != nil {
			t.Errorf("%s(%q, %q): %v, want no error: the keys share a hash tag", tt.name, eu, us, err)
		}
	}
	n, err := c.Exists(a, b, eu, us)
	if err != nil || n != 4 {
		t.Errorf("Exists(a, b, eu, us) = %d, %v; want 4 across slots", n, err)
	}
}
