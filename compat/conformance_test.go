package compat

import (
	"fmt"
	"os"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"
)

// ciSeeds are the fixed seeds every run checks; one fresh seed is added.
const ciSeeds = 300

// seqLen is the default number of steps per random sequence.
const seqLen = 60

// TestConformance runs random command sequences against instream's Do and
// redis-server and compares every reply. On a difference it prints the
// seed, the command and both replies, then the shrunk sequence.
func TestConformance(t *testing.T) {
	rdb := needRedis(t)
	ctx := t.Context()
	on, missing := implemented(ctx)
	if len(missing) > 0 {
		t.Logf("engine commands still stubbed, not generated yet: %s", strings.Join(missing, ", "))
	}
	if len(on) == 0 {
		t.Skip("the engine implements no stream command yet")
	}
	var seeds []int64
	switch {
	case *flagSeed != 0:
		seeds = []int64{*flagSeed}
	default:
		n := seqCount()
		if n == 0 {
			n = ciSeeds
		}
		for i := range int64(n) {
			seeds = append(seeds, *flagFirst+i)
		}
		// CI picks the fresh seed and prints it, since go test shows a
		// passing test's log only with -v.
		fresh, err := strconv.ParseInt(os.Getenv("INSTREAM_COMPAT_FRESH_SEED"), 10, 64)
		if err != nil {
			fresh = time.Now().UnixNano()
		}
		t.Logf("fresh seed %d (rerun with -compat.seed %d)", fresh, fresh)
		seeds = append(seeds, fresh)
	}
	rn := &runner{ctx: ctx, rdb: rdb, t: t, verbose: *flagVerbose, counts: map[string]*[2]int{}}
	for _, seed := range seeds {
		steps := newGen(seed, on, *flagLayout).sequence(*flagLen)
		m, err := rn.run(steps)
		if err != nil {
			t.Fatalf("seed %d: %v", seed, err)
		}
		if m == nil {
			continue
		}
		rn.verbose, rn.counts = false, nil
		smallSteps, small, err := rn.shrink(steps, m)
		if err != nil {
			t.Fatalf("seed %d: shrinking: %v", seed, err)
		}
		msg := report(seed, m, small)
		if len(small.starRedis) > 0 {
			// Replay with Redis's generated IDs written out: a difference
			// that survives is deterministic, and its sequence is exact.
			ds := destar(smallSteps, small.starRedis)
			m2, err := rn.run(ds)
			if err != nil {
				t.Fatal(err)
			}
			if m2 == nil {
				msg += "with the \"*\" IDs written out as Redis generated them, the sides agree: the difference stems from the generated IDs\n"
			} else {
				_, small2, err := rn.shrink(ds, m2)
				if err != nil {
					t.Fatal(err)
				}
				msg += "with the \"*\" IDs written out:\n" + report(seed, m2, small2)
			}
		}
		t.Fatal(msg)
	}
	t.Logf("%d sequences of %d steps agree; commands sent (errors):\n%s", len(seeds), *flagLen, coverage(rn.counts))
}

func coverage(counts map[string]*[2]int) string {
	names := make([]string, 0, len(counts))
	for k := range counts {
		names = append(names, k)
	}
	sort.Strings(names)
	var b strings.Builder
	for _, k := range names {
		fmt.Fprintf(&b, "  %-22s %6d (%d)\n", k, counts[k][0], counts[k][1])
	}
	return b.String()
}
