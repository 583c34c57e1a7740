package compat

import (
	"context"
	"runtime"
	"sync/atomic"
	"testing"

	"github.com/instream/instream"
)

// TestShortBlockServesWhatIsThere is F1 of FINDINGS.md: XREAD and
// XREADGROUP with BLOCK 1 replied nil now and then although entries were
// there to serve, when the 1 ms deadline passed before the first read.
// Redis always serves what is there before it considers blocking (spec
// §7.1). The failure needs preemption at the wrong moment, so the test
// loads the machine and tries many times.
func TestShortBlockServesWhatIsThere(t *testing.T) {
	e := instream.New(instream.Options{})
	defer e.Close()
	ctx := context.Background()
	e.Do(ctx, "XADD", "s", "1-0", "f", "v")
	e.Do(ctx, "XGROUP", "CREATE", "s", "g", "0")
	var stop atomic.Bool
	defer stop.Store(true)
	for range runtime.GOMAXPROCS(0) * 4 { // load, so that the goroutine is preempted
		go func() {
			for !stop.Load() {
			}
		}()
	}
	for _, args := range [][]string{
		{"XREAD", "BLOCK", "1", "STREAMS", "s", "0"},
		{"XREADGROUP", "GROUP", "g", "c", "BLOCK", "1", "STREAMS", "s", "0"}, // history: never blocks
	} {
		nils := 0
		for range 100000 {
			r, err := e.Do(ctx, args...)
			if err != nil {
				t.Fatal(err)
			}
			if r == nil {
				nils++
			}
		}
		if nils > 0 {
			t.Errorf("%s with an entry to serve replied nil %d times in 100000", cliQuote(args), nils)
		}
	}
}
