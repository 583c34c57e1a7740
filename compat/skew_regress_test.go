package compat

import (
	"strings"
	"testing"
	"time"

	"github.com/instream/instream"
	"github.com/instream/instream/resp"
	"github.com/redis/go-redis/v9"
)

// skewedClock runs ahead of the server's clock, so that every ID an
// XADD "*" generates differs between the two sides and the runner must
// pair them.
type skewedClock struct{ ahead time.Duration }

func (c skewedClock) Now() time.Time { return time.Now().Add(c.ahead) }

func (skewedClock) AfterFunc(d time.Duration, f func()) instream.Timer {
	return time.AfterFunc(d, f)
}

// TestRegressions_skewedStarIDs runs sequences whose "*" IDs always
// differ between the sides, through the wire (MULTI lives there). A command queued in a MULTI that never runs
// (DISCARD, an EXEC aborted by a bad command) must not change how the
// runner pairs those IDs: a queued DEL used to drop the pairing when it
// was queued, and later replies then differed (seed 5000145 of the wire
// suite, whenever the two clocks crossed a millisecond between them).
func TestRegressions_skewedStarIDs(t *testing.T) {
	rdb := needRedis(t)
	tests := []struct {
		name string
		cli  string
	}{
		{"pairing", `
			XADD s * f v
			XADD s * f v
			XRANGE s - +`},
		{"DEL queued then discarded", `
			XADD s * f v
			MULTI
			DEL s
			DISCARD
			XRANGE s - +`},
		{"DEL queued in an aborted EXEC", `
			XADD s * f v
			MULTI
			XUNKNOWN s
			DEL s
			EXEC
			XRANGE s - +`},
		{"DEL run by EXEC", `
			XADD s * f v
			MULTI
			DEL s
			EXEC
			XADD s * f v
			XRANGE s - +`},
	}
	for _, tt := range tests {
		t.Run(strings.ReplaceAll(tt.name, " ", "_"), func(t *testing.T) {
			rn := &runner{ctx: t.Context(), rdb: rdb, t: t, verbose: *flagVerbose,
				newEngine: func() (doer, func()) {
					e := instream.New(instream.Options{Clock: skewedClock{ahead: 200 * time.Millisecond}})
					c := redis.NewClient(&redis.Options{Dialer: resp.Dialer(e), Protocol: 2,
						DisableIdentity: true, MaxRetries: -1, ReadTimeout: -1, PoolSize: 1})
					return wireDoer{c}, func() { c.Close(); e.Close() }
				}}
			var steps []step
			for _, line := range strings.Split(tt.cli, "\n") {
				if line = strings.TrimSpace(line); line == "" {
					continue
				}
				args, err := parseCLI(line)
				if err != nil {
					t.Fatalf("%q: %v", line, err)
				}
				steps = append(steps, step{args})
			}
			m, err := rn.run(steps)
			if err != nil {
				t.Fatal(err)
			}
			if m != nil {
				t.Error(report(0, m, nil))
			}
		})
	}
}
