package compat

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"testing"

	"github.com/instream/instream"
	"github.com/instream/instream/resp"
	"github.com/redis/go-redis/v9"
)

// wireSeeds is how many of the fixed seeds the wire targets replay: the
// protocol layer adds no state of its own, so fewer sequences suffice.
const wireSeeds = 100

// TestConformanceWire runs the random sequences a third way: go-redis →
// in-process connection (package resp) → engine, against go-redis →
// redis-server, under RESP2 and RESP3. Under RESP3 both sides' maps
// become name-sorted flat arrays before comparing (go-redis gives Go
// maps, so their order cannot be compared; RESP2 compares it).
func TestConformanceWire(t *testing.T) {
	needRedis(t)
	ctx := t.Context()
	on, _ := implemented(ctx)
	if len(on) == 0 {
		t.Skip("the engine implements no stream command yet")
	}
	n := wireSeeds
	if s := seqCount(); s > 0 {
		n = s
	}
	seeds := make([]int64, 0, n)
	for i := range int64(n) {
		seeds = append(seeds, *flagFirst+i)
	}
	if *flagSeed != 0 {
		seeds = []int64{*flagSeed}
	}
	for _, proto := range []int{2, 3} {
		t.Run(fmt.Sprintf("resp=%d", proto), func(t *testing.T) {
			rdb := redis.NewClient(&redis.Options{Addr: server.addr, Protocol: proto,
				DisableIdentity: true, MaxRetries: -1, ReadTimeout: -1, PoolSize: 1})
			defer rdb.Close()
			rn := &runner{ctx: ctx, rdb: rdb, t: t, verbose: *flagVerbose,
				newEngine: func() (doer, func()) {
					e := instream.New(instream.Options{})
					c := redis.NewClient(&redis.Options{Dialer: resp.Dialer(e), Protocol: proto,
						DisableIdentity: true, MaxRetries: -1, ReadTimeout: -1, PoolSize: 1})
					return wireDoer{c}, func() { c.Close(); e.Close() }
				}}
			if proto == 3 {
				rn.canon = canonMaps
			}
			for _, seed := range seeds {
				g := newGen(seed, on, *flagLayout)
				g.tx = true
				steps := g.sequence(*flagLen)
				m, err := rn.run(steps)
				if err != nil {
					t.Fatalf("seed %d: %v", seed, err)
				}
				if m != nil {
					rn.verbose = false
					_, small, err := rn.shrink(steps, m)
					if err != nil {
						t.Fatalf("seed %d: shrinking: %v", seed, err)
					}
					t.Fatal(report(seed, m, small))
				}
			}
		})
	}
}

// wireDoer runs commands through a go-redis client, with Do's contract:
// error replies as *instream.RedisError, a null as nil.
type wireDoer struct{ c *redis.Client }

func (w wireDoer) Do(ctx context.Context, args ...string) (any, error) {
	iargs := make([]any, len(args))
	for i, a := range args {
		iargs[i] = a
	}
	v, err := w.c.Do(ctx, iargs...).Result()
	if errors.Is(err, redis.Nil) {
		return nil, nil
	}
	var re redis.Error
	if errors.As(err, &re) {
		return nil, &instream.RedisError{Msg: err.Error()}
	}
	return v, err
}

// canonMaps turns RESP3 maps (Go maps from go-redis) into the RESP2
// layout with keys sorted: XREAD's and XREADGROUP's map of streams into
// [[key, entries]...], any other map into a flat name/value array.
func canonMaps(args []string, v any) any {
	name := strings.ToUpper(args[0])
	if m, ok := v.(map[any]any); ok && (name == "XREAD" || name == "XREADGROUP") {
		flat := flatMap(m).([]any)
		out := make([]any, 0, len(flat)/2)
		for i := 0; i < len(flat); i += 2 {
			out = append(out, []any{flat[i], flat[i+1]})
		}
		return out
	}
	return flatMap(v)
}

func flatMap(v any) any {
	switch x := v.(type) {
	case []any:
		for i := range x {
			x[i] = flatMap(x[i])
		}
		return x
	case map[any]any:
		keys := make([]any, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		sort.Slice(keys, func(i, j int) bool { return fmt.Sprint(keys[i]) < fmt.Sprint(keys[j]) })
		out := make([]any, 0, 2*len(x))
		for _, k := range keys {
			out = append(out, k, flatMap(x[k]))
		}
		return out
	}
	return v
}
