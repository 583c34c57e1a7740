package redisstreams_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/instream/instream"
	"github.com/instream/instream/redisstreams"
	"github.com/redis/go-redis/v9"
)

func newSingle(t *testing.T, opts redisstreams.Options) (*redisstreams.Client, *redis.Client) {
	t.Helper()
	needRedis(t)
	rdb := redis.NewClient(&redis.Options{Addr: single.Addr})
	c := redisstreams.New(rdb, opts)
	t.Cleanup(func() {
		c.Close()
		rdb.Close()
	})
	return c, rdb
}

func uniqueKey(t *testing.T) string {
	return fmt.Sprintf("%s-%d", t.Name(), time.Now().UnixNano())
}

// A wait longer than one BLOCK slice misses nothing: an entry added
// between two slices is read, once, and "$" is resolved once.
func TestBlockSlices(t *testing.T) {
	c, _ := newSingle(t, redisstreams.Options{BlockSlice: 20 * time.Millisecond})
	k := uniqueKey(t)
	t.Cleanup(func() { c.DeleteStreams(k) })
	if err := c.CreateGroup(k, instream.GroupArgs{Group: "g", MkStream: true}); err != nil {
		t.Fatal(err)
	}
	f := []instream.Field{{Name: "f", Value: "v"}}
	go func() {
		time.Sleep(150 * time.Millisecond)
		c.Add(k, instream.AddArgs{Fields: f})
	}()
	res, err := c.Read(t.Context(), instream.ReadArgs{Streams: []instream.ReadStream{{Key: k, New: true}}})
	if err != nil || len(res) != 1 || len(res[0].Entries) != 1 {
		t.Fatalf("Read(new) over several slices = %+v, %v; want the entry", res, err)
	}
	got, err := c.ReadGroup(t.Context(), instream.ReadGroupArgs{Group: "g", Consumer: "c",
		Streams: []instream.GroupStream{{Key: k}}})
	if err != nil || len(got) != 1 || got[0].Entries[0].ID != res[0].Entries[0].ID {
		t.Fatalf("ReadGroup = %+v, %v; want %v", got, err, res[0].Entries[0].ID)
	}
	go func() {
		time.Sleep(150 * time.Millisecond)
		c.Add(k, instream.AddArgs{Fields: f})
	}()
	got, err = c.ReadGroup(t.Context(), instream.ReadGroupArgs{Group: "g", Consumer: "c",
		Streams: []instream.GroupStream{{Key: k}}})
	if err != nil || len(got) != 1 || len(got[0].Entries) != 1 {
		t.Fatalf("ReadGroup over several slices = %+v, %v; want the new entry", got, err)
	}
	sum, err := c.PendingSummary(k, "g")
	if err != nil || sum.Count != 2 {
		t.Errorf("PendingSummary = %+v, %v; want the two entries read, each once", sum, err)
	}
}

// Cancelling at any moment, even before the read reached the server,
// returns within the bound and leaves no entry taken, and the
// connections held for blocking are reused, not leaked.
func TestCancelAnyTime(t *testing.T) {
	c, rdb := newSingle(t, redisstreams.Options{})
	k := uniqueKey(t)
	t.Cleanup(func() { c.DeleteStreams(k) })
	if err := c.CreateGroup(k, instream.GroupArgs{Group: "g", MkStream: true}); err != nil {
		t.Fatal(err)
	}
	for i := range 40 {
		ctx, cancel := context.WithCancel(t.Context())
		done := make(chan error, 1)
		go func() {
			_, err := c.ReadGroup(ctx, instream.ReadGroupArgs{Group: "g", Consumer: "c",
				Streams: []instream.GroupStream{{Key: k}}})
			done <- err
		}()
		time.Sleep(time.Duration(rand.IntN(3000)) * time.Microsecond)
		cancel()
		start := time.Now()
		if err := <-done; err != context.Canceled {
			t.Fatalf("try %d: ReadGroup after cancel: %v", i, err)
		}
		if d := time.Since(start); d > 100*time.Millisecond {
			t.Errorf("try %d: ReadGroup returned %v after cancel", i, d)
		}
	}
	if n := rdb.PoolStats().TotalConns; n > 6 {
		t.Errorf("%d connections open after 40 cancelled reads, want a few", n)
	}
	sum, err := c.PendingSummary(k, "g")
	if err != nil || sum.Count != 0 {
		t.Errorf("PendingSummary = %+v, %v; want nothing taken", sum, err)
	}
}

// A connection kept for blocking reads that the server closed while it
// was idle is replaced, not reported as an error.
func TestBlockConnClosedWhileIdle(t *testing.T) {
	c, rdb := newSingle(t, redisstreams.Options{})
	k := uniqueKey(t)
	t.Cleanup(func() { c.DeleteStreams(k) })
	read := func() error {
		ctx, cancel := context.WithTimeout(t.Context(), 20*time.Millisecond)
		defer cancel()
		_, err := c.Read(ctx, instream.ReadArgs{Streams: []instream.ReadStream{{Key: k, New: true}}})
		return err
	}
	if err := read(); err != context.DeadlineExceeded {
		t.Fatalf("Read = %v, want DeadlineExceeded", err)
	}
	// Kill every normal client: the kept connection and the pool's.
	if err := rdb.Do(t.Context(), "CLIENT", "KILL", "TYPE", "normal").Err(); err != nil {
		t.Logf("CLIENT KILL: %v (the killing connection itself goes too)", err)
	}
	go func() {
		time.Sleep(50 * time.Millisecond)
		c.Add(k, instream.AddArgs{Fields: []instream.Field{{Name: "f", Value: "v"}}})
	}()
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Second)
	defer cancel()
	res, err := c.Read(ctx, instream.ReadArgs{Streams: []instream.ReadStream{{Key: k, New: true}}})
	if err != nil || len(res) != 1 {
		t.Errorf("Read after its kept connection was killed = %+v, %v; want the entry added", res, err)
	}
}
