package goredis_test

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"testing"
	"time"

	"github.com/instream/instream"
	"github.com/instream/instream/goredis"
	"github.com/redis/go-redis/v9"
)

// forProtocols runs f with a fresh engine and client under RESP2 and RESP3.
func forProtocols(t *testing.T, f func(t *testing.T, ctx context.Context, e *instream.Engine, rdb *redis.Client)) {
	for _, p := range []int{2, 3} {
		t.Run(fmt.Sprintf("resp=%d", p), func(t *testing.T) {
			e, rdb := goredis.NewTestClient(t, &redis.Options{Protocol: p})
			f(t, t.Context(), e, rdb)
		})
	}
}

// val returns a command's result, failing the test on an error.
func val[T any](t *testing.T, c interface{ Result() (T, error) }) T {
	t.Helper()
	v, err := c.Result()
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func TestClient_Streams(t *testing.T) {
	forProtocols(t, func(t *testing.T, ctx context.Context, e *instream.Engine, rdb *redis.Client) {
		if got := val(t, rdb.Ping(ctx)); got != "PONG" {
			t.Errorf("Ping = %q, want PONG", got)
		}
		for i := 1; i <= 3; i++ {
			id := val(t, rdb.XAdd(ctx, &redis.XAddArgs{Stream: "s", ID: fmt.Sprintf("%d-1", i), Values: []any{"f", i}}))
			if want := fmt.Sprintf("%d-1", i); id != want {
				t.Errorf("XAdd = %q, want %q", id, want)
			}
		}
		msgs := val(t, rdb.XRange(ctx, "s", "-", "+"))
		want := []redis.XMessage{
			{ID: "1-1", Values: map[string]any{"f": "1"}},
			{ID: "2-1", Values: map[string]any{"f": "2"}},
			{ID: "3-1", Values: map[string]any{"f": "3"}},
		}
		if !reflect.DeepEqual(msgs, want) {
			t.Errorf("XRange = %v, want %v", msgs, want)
		}
		if err := rdb.XGroupCreate(ctx, "s", "g", "0").Err(); err != nil {
			t.Fatal(err)
		}
		err := rdb.XGroupCreate(ctx, "s", "g", "0").Err()
		if !redis.HasErrorPrefix(err, "BUSYGROUP") {
			t.Errorf("second XGroupCreate: %v, want a BUSYGROUP redis.Error", err)
		}
		var re *instream.RedisError
		if !errors.As(err, &re) {
			// go-redis parses the reply itself; the engine's type stays inside.
			var rerr redis.Error
			if !errors.As(err, &rerr) {
				t.Errorf("error %T is not a redis.Error", err)
			}
		}
		streams := val(t, rdb.XReadGroup(ctx, &redis.XReadGroupArgs{Group: "g", Consumer: "c",
			Streams: []string{"s", ">"}, Count: 2, Block: -1}))
		if len(streams) != 1 || streams[0].Stream != "s" || len(streams[0].Messages) != 2 {
			t.Fatalf("XReadGroup = %v", streams)
		}
		p := val(t, rdb.XPending(ctx, "s", "g"))
		if p.Count != 2 || p.Lower != "1-1" || p.Higher != "2-1" || p.Consumers["c"] != 2 {
			t.Errorf("XPending = %+v", p)
		}
		ext := val(t, rdb.XPendingExt(ctx, &redis.XPendingExtArgs{Stream: "s", Group: "g", Start: "-", End: "+", Count: 10}))
		if len(ext) != 2 || ext[0].ID != "1-1" || ext[0].Consumer != "c" || ext[0].RetryCount != 1 {
			t.Errorf("XPendingExt = %+v", ext)
		}
		claimed := val(t, rdb.XClaim(ctx, &redis.XClaimArgs{Stream: "s", Group: "g", Consumer: "d", Messages: []string{"1-1"}}))
		if len(claimed) != 1 || claimed[0].ID != "1-1" || claimed[0].Values["f"] != "1" {
			t.Errorf("XClaim = %v", claimed)
		}
		ids := val(t, rdb.XClaimJustID(ctx, &redis.XClaimArgs{Stream: "s", Group: "g", Consumer: "d", Messages: []string{"2-1"}}))
		if !reflect.DeepEqual(ids, []string{"2-1"}) {
			t.Errorf("XClaimJustID = %v", ids)
		}
		ac, next, err := rdb.XAutoClaim(ctx, &redis.XAutoClaimArgs{Stream: "s", Group: "g", Consumer: "e", Start: "0"}).Result()
		if err != nil {
			t.Fatal(err)
		}
		if len(ac) != 2 || next != "0-0" {
			t.Errorf("XAutoClaim = %v, %q", ac, next)
		}
		info := val(t, rdb.XInfoStream(ctx, "s"))
		if info.Length != 3 || info.Groups != 1 || info.LastGeneratedID != "3-1" || info.FirstEntry.ID != "1-1" || info.LastEntry.ID != "3-1" {
			t.Errorf("XInfoStream = %+v", info)
		}
		groups := val(t, rdb.XInfoGroups(ctx, "s"))
		if len(groups) != 1 || groups[0].Name != "g" || groups[0].Pending != 2 || groups[0].Consumers != 3 || groups[0].LastDeliveredID != "2-1" || groups[0].Lag != 1 {
			t.Errorf("XInfoGroups = %+v", groups)
		}
		cons := val(t, rdb.XInfoConsumers(ctx, "s", "g"))
		if len(cons) != 3 || cons[2].Name != "e" || cons[2].Pending != 2 {
			t.Errorf("XInfoConsumers = %+v", cons)
		}
		full := val(t, rdb.XInfoStreamFull(ctx, "s", 0))
		if full.Length != 3 || len(full.Entries) != 3 || len(full.Groups) != 1 || len(full.Groups[0].Pending) != 2 || len(full.Groups[0].Consumers) != 3 {
			t.Errorf("XInfoStreamFull = %+v", full)
		}
		if n := val(t, rdb.XAck(ctx, "s", "g", "1-1", "2-1")); n != 2 {
			t.Errorf("XAck = %d, want 2", n)
		}
		if _, err := rdb.XReadGroup(ctx, &redis.XReadGroupArgs{Group: "g", Consumer: "c", Streams: []string{"s", ">"}, Count: 5, Block: -1}).Result(); err != nil {
			t.Fatal(err)
		}
		_, err = rdb.XReadGroup(ctx, &redis.XReadGroupArgs{Group: "g", Consumer: "c", Streams: []string{"s", ">"}, Block: -1}).Result()
		if !errors.Is(err, redis.Nil) {
			t.Errorf("XReadGroup with nothing new: %v, want redis.Nil", err)
		}
		if n := val(t, rdb.XLen(ctx, "s")); n != 3 {
			t.Errorf("XLen = %d", n)
		}
	})
}

func TestClient_Pipeline(t *testing.T) {
	forProtocols(t, func(t *testing.T, ctx context.Context, _ *instream.Engine, rdb *redis.Client) {
		cmds, err := rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
			for i := range 100 {
				p.XAdd(ctx, &redis.XAddArgs{Stream: "s", ID: fmt.Sprintf("%d-0", i+1), Values: []string{"k", "v"}})
			}
			p.XLen(ctx, "s")
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if n := cmds[len(cmds)-1].(*redis.IntCmd).Val(); n != 100 {
			t.Errorf("XLen after a pipeline of 100 XAdd = %d", n)
		}
	})
}

func TestClient_BlockingReadGroup(t *testing.T) {
	forProtocols(t, func(t *testing.T, ctx context.Context, _ *instream.Engine, rdb *redis.Client) {
		if err := rdb.XGroupCreateMkStream(ctx, "s", "g", "$").Err(); err != nil {
			t.Fatal(err)
		}
		got := make(chan []redis.XStream, 1)
		go func() {
			res, _ := rdb.XReadGroup(ctx, &redis.XReadGroupArgs{Group: "g", Consumer: "c", Streams: []string{"s", ">"}, Block: 5 * time.Second}).Result()
			got <- res
		}()
		// Add once the reader is blocked: CLIENT LIST shows it.
		waitBlocked(t, ctx, rdb, 1)
		if err := rdb.XAdd(ctx, &redis.XAddArgs{Stream: "s", ID: "1-1", Values: []string{"a", "b"}}).Err(); err != nil {
			t.Fatal(err)
		}
		res := <-got
		if len(res) != 1 || len(res[0].Messages) != 1 || res[0].Messages[0].ID != "1-1" {
			t.Errorf("blocked XReadGroup = %v", res)
		}
		// A block that times out is redis.Nil, after the BLOCK time.
		start := time.Now()
		_, err := rdb.XReadGroup(ctx, &redis.XReadGroupArgs{Group: "g", Consumer: "c", Streams: []string{"s", ">"}, Block: 50 * time.Millisecond}).Result()
		if !errors.Is(err, redis.Nil) || time.Since(start) < 50*time.Millisecond {
			t.Errorf("XReadGroup BLOCK 50 = %v after %v, want redis.Nil after 50ms", err, time.Since(start))
		}
	})
}

// waitBlocked waits until INFO reports n blocked clients.
func waitBlocked(t *testing.T, ctx context.Context, rdb *redis.Client, n int) {
	t.Helper()
	want := fmt.Sprintf("blocked_clients:%d\r\n", n)
	for range 1000 {
		s := val(t, rdb.Info(ctx, "clients"))
		if contains(s, want) {
			return
		}
		time.Sleep(2 * time.Millisecond)
	}
	t.Fatalf("never saw %q", want)
}

func contains(s, sub string) bool {
	for i := 0; i+len(sub) <= len(s); i++ {
		if s[i:i+len(sub)] == sub {
			return true
		}
	}
	return false
}

func TestRedisError_HasErrorPrefix(t *testing.T) {
	e := instream.New(instream.Options{})
	defer e.Close()
	_, err := e.Do(t.Context(), "XPENDING", "nokey", "g")
	if !redis.HasErrorPrefix(err, "NOGROUP") {
		t.Errorf("redis.HasErrorPrefix(%v, \"NOGROUP\") = false for Do's error", err)
	}
	var rerr redis.Error
	if !errors.As(err, &rerr) {
		t.Errorf("Do's error %T is not a redis.Error", err)
	}
}

// A pipeline larger than any buffer on the way completes: the client
// writes all of it before reading a reply, as go-redis does.
func TestClient_LargePipeline(t *testing.T) {
	ctx := t.Context()
	// Generous timeouts: CI machines may be slow; a deadlock still fails.
	_, rdb := goredis.NewTestClient(t, &redis.Options{ReadTimeout: 30 * time.Second, WriteTimeout: 30 * time.Second})
	big := string(make([]byte, 1024))
	cmds, err := rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		for range 5000 {
			p.XAdd(ctx, &redis.XAddArgs{Stream: "s", Values: []string{"f", big}})
		}
		for range 1 {
			p.XRange(ctx, "s", "-", "+")
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if n := len(cmds[len(cmds)-1].(*redis.XMessageSliceCmd).Val()); n != 5000 {
		t.Errorf("last XRange has %d entries, want 5000", n)
	}
}
