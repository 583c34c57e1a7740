package redisstreams_test

import (
	"errors"
	"testing"
	"time"

	"github.com/instream/instream"
	"github.com/instream/instream/redisstreams"
	"github.com/instream/instream/redisstreams/redistest"
	"github.com/redis/go-redis/v9"
)

// A server that goes away gives ErrUnavailable promptly, to calls and to a
// blocked read alike, and the Client works again once it is back.
func TestServerRestart(t *testing.T) {
	needRedis(t)
	srv, err := redistest.Start()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Stop)
	// Few retries keep the test short; the defaults take about 2 s to
	// give up on a server that is gone.
	rdb := redis.NewClient(&redis.Options{Addr: srv.Addr, MaxRetries: 1, DialerRetries: 1})
	c := redisstreams.New(rdb, redisstreams.Options{})
	t.Cleanup(func() {
		c.Close()
		rdb.Close()
	})
	const k = "s"
	f := []instream.Field{{Name: "f", Value: "v"}}
	if _, err := c.Add(k, instream.AddArgs{Fields: f}); err != nil {
		t.Fatal(err)
	}
	if err := c.CreateGroup(k, instream.GroupArgs{Group: "g", FromEnd: true}); err != nil {
		t.Fatal(err)
	}

	// A read blocked when the server stops returns a retryable error.
	blocked := make(chan error, 1)
	go func() {
		_, err := c.ReadGroup(t.Context(), instream.ReadGroupArgs{Group: "g", Consumer: "c",
			Streams: []instream.GroupStream{{Key: k}}})
		blocked <- err
	}()
	time.Sleep(50 * time.Millisecond)
	srv.Pause()
	select {
	case err := <-blocked:
		t.Logf("blocked read returned %v", err)
		if !errors.Is(err, redisstreams.ErrUnavailable) {
			t.Errorf("ReadGroup blocked when the server stopped: %v, want ErrUnavailable", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("ReadGroup blocked when the server stopped did not return")
	}

	// Calls while the server is down fail with ErrUnavailable, soon.
	start := time.Now()
	_, err = c.Add(k, instream.AddArgs{Fields: f})
	if !errors.Is(err, redisstreams.ErrUnavailable) {
		t.Errorf("Add with the server down: %v, want ErrUnavailable", err)
	}
	t.Logf("Add with the server down took %v: %v", time.Since(start), err)
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("Add with the server down took %v", d)
	}
	_, err = c.ReadGroup(t.Context(), instream.ReadGroupArgs{Group: "g", Consumer: "c",
		Streams: []instream.GroupStream{{Key: k}}})
	if !errors.Is(err, redisstreams.ErrUnavailable) {
		t.Errorf("ReadGroup with the server down: %v, want ErrUnavailable", err)
	}

	// Back up (empty: persistence is off), the same Client works again.
	if err := srv.Resume(); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Add(k, instream.AddArgs{ID: instream.MustParseID("1-1"), Fields: f}); err != nil {
		t.Fatalf("Add after the restart: %v", err)
	}
	if err := c.CreateGroup(k, instream.GroupArgs{Group: "g"}); err != nil {
		t.Fatalf("CreateGroup after the restart: %v", err)
	}
	got, err := c.ReadGroup(t.Context(), instream.ReadGroupArgs{Group: "g", Consumer: "c",
		Streams: []instream.GroupStream{{Key: k}}})
	if err != nil || len(got) != 1 || len(got[0].Entries) != 1 || got[0].Entries[0].ID != instream.MustParseID("1-1") {
		t.Errorf("ReadGroup after the restart = %+v, %v; want 1-1", got, err)
	}
}
