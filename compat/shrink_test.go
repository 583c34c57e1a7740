package compat

import (
	"context"
	"strings"
	"testing"

	"github.com/instream/instream"
	"github.com/redis/go-redis/v9"
)

// buggyRedis is a stand-in engine for testing the suite itself: Redis's
// database 1 behind Do's signature, with one injected bug.
type buggyRedis struct {
	c   *redis.Client
	bug func(args []string, r reply) reply
}

func (b *buggyRedis) Do(ctx context.Context, args ...string) (any, error) {
	r, err := redisDo(ctx, b.c, args)
	if err != nil {
		return nil, err
	}
	// Speak the newer texts of §10 (rows 1, 5, 16) like the engine does.
	r = normalize(args, r, redisSide, newRunState())
	r = b.bug(args, r)
	if r.isErr {
		return nil, &instream.RedisError{Msg: r.err}
	}
	return r.val, nil
}

// TestSuiteFindsInjectedBug runs the differential machinery against Redis
// itself with one bug injected (XLEN off by one once a stream has 3
// entries) and checks that it reports the difference and shrinks the
// sequence to a few commands ending with the XLEN.
func TestSuiteFindsInjectedBug(t *testing.T) {
	testInjected(t, 3, 6)
}

// TestSuiteShrinksBulkSteps is the same with the bug from 40 entries on:
// the shrinker must also drop XADDs inside bulk steps.
func TestSuiteShrinksBulkSteps(t *testing.T) {
	testInjected(t, 40, 45)
}

func testInjected(t *testing.T, threshold int64, maxCmds int) {
	rdb := needRedis(t)
	ctx := t.Context()
	all := map[string]bool{}
	for _, ck := range cmdKinds {
		all[ck.name] = true
	}
	newEngine := func() (doer, func()) {
		c := redis.NewClient(&redis.Options{Addr: server.addr, Protocol: 2, DisableIdentity: true, MaxRetries: -1, DB: 1})
		return &buggyRedis{c: c, bug: func(args []string, r reply) reply {
			if n, ok := r.val.(int64); ok && n >= threshold && strings.EqualFold(args[0], "XLEN") {
				r.val = n + 1
			}
			return r
		}}, func() { c.Close() }
	}
	// Both sides must agree without the bug: run a few seeds clean first.
	clean := &runner{ctx: ctx, rdb: rdb, t: t, newEngine: func() (doer, func()) {
		d, done := newEngine()
		d.(*buggyRedis).bug = func(_ []string, r reply) reply { return r }
		return d, done
	}}
	for seed := range int64(20) {
		m, err := clean.run(newGen(seed+1, all, true).sequence(seqLen))
		if err != nil {
			t.Fatal(err)
		}
		if m != nil {
			t.Fatalf("Redis against itself differs:\n%s", report(seed+1, m, nil))
		}
	}
	rn := &runner{ctx: ctx, rdb: rdb, t: t, newEngine: newEngine}
	for seed := range int64(200) {
		steps := newGen(seed+1, all, true).sequence(seqLen)
		m, err := rn.run(steps)
		if err != nil {
			t.Fatal(err)
		}
		if m == nil {
			continue
		}
		_, small, err := rn.shrink(steps, m)
		if err != nil {
			t.Fatal(err)
		}
		if small.name() != "XLEN" || len(small.executed) > maxCmds {
			t.Fatalf("shrunk to %d commands ending in %s, want at most %d ending in XLEN:\n%s",
				len(small.executed), small.name(), maxCmds, report(seed+1, m, small))
		}
		if len(small.executed) < 20 {
			t.Logf("report as printed:\n%s", report(seed+1, m, small))
		}
		return
	}
	t.Fatal("the injected XLEN bug was never found in 200 sequences")
}
