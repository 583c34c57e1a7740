package redisstreams_test

import (
	"context"
	"fmt"
	"reflect"
	"sync/atomic"
	"testing"

	"github.com/instream/instream"
	"github.com/instream/instream/redisstreams"
	"github.com/redis/go-redis/v9"
)

// pendN adds entries 1-0 .. n-0 to key, has consumer c of group g read
// them all, and deletes the entries named in gone.
func pendN(t *testing.T, s instream.Streams, key string, n int, gone ...instream.ID) {
	t.Helper()
	batch := make([]instream.AddArgs, n)
	for i := range batch {
		batch[i] = instream.AddArgs{ID: instream.ID{Ms: uint64(i + 1)}, Fields: []instream.Field{{Name: "i", Value: fmt.Sprint(i + 1)}}}
	}
	if _, err := s.AddBatch(key, batch); err != nil {
		t.Fatal(err)
	}
	if err := s.CreateGroup(key, instream.GroupArgs{Group: "g"}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.TryReadGroup(instream.ReadGroupArgs{Group: "g", Consumer: "c", Streams: []instream.GroupStream{{Key: key}}}); err != nil {
		t.Fatal(err)
	}
	if len(gone) > 0 {
		if _, err := s.DeleteEntries(key, gone...); err != nil {
			t.Fatal(err)
		}
	}
}

// An AutoClaim larger than one XAUTOCLAIM (no limit, or a Count above
// the chunk) claims what the engine claims, deleted entries counting
// towards Count as in Redis.
func TestAutoClaim_chunks(t *testing.T) {
	c, _ := newSingle(t, redisstreams.Options{})
	defer redisstreams.SetAutoClaimChunk(7)()
	gone := []instream.ID{{Ms: 10}, {Ms: 20}, {Ms: 21}}
	tests := []struct {
		name string
		args instream.AutoClaimArgs
	}{
		{"count 0", instream.AutoClaimArgs{Group: "g", Consumer: "d"}},
		{"count 20", instream.AutoClaimArgs{Group: "g", Consumer: "d", Count: 20}},
		{"count 20 from 15-0 JustID", instream.AutoClaimArgs{Group: "g", Consumer: "d", Count: 20, Start: instream.ID{Ms: 15}, JustID: true}},
		{"count 7", instream.AutoClaimArgs{Group: "g", Consumer: "d", Count: 7}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			k := uniqueKey(t)
			t.Cleanup(func() { c.DeleteStreams(k) })
			e := instream.New(instream.Options{})
			defer e.Close()
			pendN(t, c, k, 50, gone...)
			pendN(t, e, k, 50, gone...)
			got, err := c.AutoClaim(k, tt.args)
			if err != nil {
				t.Fatalf("AutoClaim: %v", err)
			}
			want, err := e.AutoClaim(k, tt.args)
			if err != nil {
				t.Fatalf("engine AutoClaim: %v", err)
			}
			for _, r := range []*instream.AutoClaimResult{&got, &want} {
				for i := range r.Claimed {
					r.Claimed[i].Idle = 0 // the clocks differ
				}
			}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("AutoClaim(%+v) =\n\t%+v\nthe engine gives\n\t%+v", tt.args, got, want)
			}
		})
	}
}

// cmdCount counts the commands go-redis sends, alone and in pipelines
// (a MULTI/EXEC is one pipeline).
type cmdCount struct {
	single, pipelines atomic.Int64
}

func (h *cmdCount) DialHook(next redis.DialHook) redis.DialHook { return next }

func (h *cmdCount) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		h.single.Add(1)
		return next(ctx, cmd)
	}
}

func (h *cmdCount) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error {
		h.pipelines.Add(1)
		return next(ctx, cmds)
	}
}

// The calls that read delivery counts or check the group with XPENDING
// still take one round trip.
func TestPendingChecks_oneRoundTrip(t *testing.T) {
	c, rdb := newSingle(t, redisstreams.Options{})
	k := uniqueKey(t)
	t.Cleanup(func() { c.DeleteStreams(k) })
	pendN(t, c, k, 5)
	id := func(ms uint64) instream.ID { return instream.ID{Ms: ms} }
	calls := []struct {
		name string
		call func() error
	}{
		{"Ack", func() error { _, err := c.Ack(k, "g", id(1)); return err }},
		{"Ack(no group)", func() error { _, err := c.Ack(k, "nog", id(1)); return err }},
		{"Claim", func() error {
			_, err := c.Claim(k, instream.ClaimArgs{Group: "g", Consumer: "d", IDs: []instream.ID{id(2), id(3)}})
			return err
		}},
		{"AutoClaim", func() error {
			_, err := c.AutoClaim(k, instream.AutoClaimArgs{Group: "g", Consumer: "d"})
			return err
		}},
		{"TryReadGroup(history)", func() error {
			_, err := c.TryReadGroup(instream.ReadGroupArgs{Group: "g", Consumer: "d",
				Streams: []instream.GroupStream{{Key: k, History: true}}})
			return err
		}},
	}
	for _, tt := range calls {
		h := &cmdCount{}
		rdb.AddHook(h)
		if err := tt.call(); err != nil && tt.name != "Ack(no group)" {
			t.Errorf("%s: %v", tt.name, err)
		}
		if s, p := h.single.Load(), h.pipelines.Load(); s != 0 || p != 1 {
			t.Errorf("%s sent %d commands and %d pipelines, want one MULTI/EXEC", tt.name, s, p)
		}
	}
}
