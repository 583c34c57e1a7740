package compat

import (
	"context"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/instream/instream"
)

// openFinding reports which open finding of FINDINGS.md a command would
// trigger, or "". The generator leaves such commands out so that CI stays
// green while the fix is routed; -compat.findings sends them anyway, to
// check whether main has fixed them. Once fixed, the finding's sequence
// moves to regress_test.go and its entry here goes.
func openFinding(args []string) string {
	if *flagFindings {
		return ""
	}
	// F1: a valid short BLOCK may reply nil although data is there.
	if name := strings.ToUpper(args[0]); name == "XREAD" || name == "XREADGROUP" {
		for i := 1; i+1 < len(args); i++ {
			if strings.EqualFold(args[i], "STREAMS") {
				break
			}
			if strings.EqualFold(args[i], "BLOCK") && (args[i+1] == "1" || args[i+1] == "2" || args[i+1] == "3") {
				return "F1"
			}
		}
	}
	return ""
}

// TestFinding1 is F1 of FINDINGS.md: XREAD and XREADGROUP with BLOCK 1
// reply nil now and then although entries are there to serve, when the
// 1 ms deadline passes before Read/ReadGroup checks ctx on entry. Redis
// always serves what is there before it considers blocking (spec §7.1).
// It runs with -compat.findings, until the fix lands.
func TestFinding1(t *testing.T) {
	if !*flagFindings {
		t.Skip("open finding F1; run with -compat.findings")
	}
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
