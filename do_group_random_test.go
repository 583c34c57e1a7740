package instream_test

import (
	"math/rand/v2"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/instream/instream"
)

// groupTemplates are command shapes for TestDoGroupRandomArgs: {x} is
// replaced by a random token of class x, [..] is kept or dropped.
var groupTemplates = []string{
	"XADD {k} * f v", "XADD {k} * f v", "XADD {k} {xid} f v", "XDEL {k} {id}",
	"XGROUP CREATE {k} {g} {gid} [MKSTREAM] [ENTRIESREAD {n}]", "XGROUP CREATE {k} {g} 0", "XGROUP CREATE {k} {g} 0", "XGROUP SETID {k} {g} {gid} [ENTRIESREAD {n}]",
	"XGROUP DESTROY {k} {g}", "XGROUP CREATECONSUMER {k} {g} {c}", "XGROUP DELCONSUMER {k} {g} {c}",
	"XREADGROUP GROUP {g} {c} [COUNT {n}] [NOACK] STREAMS {k} {rid}",
	"XREADGROUP GROUP {g} {c} [COUNT {n}] STREAMS {k} >",
	"XREADGROUP [BLOCK {n}] GROUP {g} {c} STREAMS {k} {k} {rid} {rid}",
	"XACK {k} {g} {id} [{id}]",
	"XPENDING {k} {g}", "XPENDING {k} {g} [IDLE {n}] {start} {end} {n} [{c}]",
	"XCLAIM {k} {g} {c} {n} {id} [{id}] [IDLE {n}] [TIME {n}] [RETRYCOUNT {n}] [FORCE] [JUSTID] [LASTID {id}]",
	"XCLAIM {k} {g} {c} 0 {id} {id} {id} [JUSTID] [FORCE]",
	"XAUTOCLAIM {k} {g} {c} {n} {start} [COUNT {n}] [JUSTID]",
	"XINFO GROUPS {k}", "XINFO CONSUMERS {k} {g}", "XINFO STREAM {k} FULL [COUNT {n}]",
}

var tokenClasses = map[string][]string{
	"k":     {"s", "t", "s"},
	"xid":   {"1-0", "5-0", "3-*"},
	"g":     {"g", "h", ""},
	"c":     {"a", "b", ""},
	"id":    {"1-0", "1-1", "2", "2-1", "3-0", "4", "5", "6-1", "0", "x", "-", "18446744073709551615-18446744073709551615"},
	"gid":   {"0", "$", "2-0", "-", "+", "x"},
	"rid":   {">", ">", "0", "1-0", "$", "+", "x"},
	"n":     {"0", "1", "3", "100", "-1", "x", "9223372036854775807"},
	"start": {"-", "0", "(1-0", "2", "(", "+"},
	"end":   {"+", "(3-0", "5", "-"},
}

// TestDoGroupRandomArgs sends random group commands: Do must never
// panic, every error must be a RedisError, and the invariants must hold
// after each command.
func TestDoGroupRandomArgs(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 7))
	e, clk := newClockEngine(t)
	clk.Set(time.UnixMilli(1)) // so that "*" makes IDs the templates name
	served := map[string]int{} // non-empty, non-error replies per command
	for i := range 4000 {
		var args []string
		keep := true
		for _, w := range strings.Fields(groupTemplates[r.IntN(len(groupTemplates))]) {
			if strings.HasPrefix(w, "[") {
				keep = r.IntN(2) == 0
			}
			opt := keep
			if strings.HasSuffix(w, "]") {
				keep = true
			}
			if !opt {
				continue
			}
			w = strings.Trim(w, "[]")
			if strings.HasPrefix(w, "{") {
				class := tokenClasses[strings.Trim(w, "{}")]
				w = class[r.IntN(len(class))]
			}
			args = append(args, w)
		}
		if r.IntN(10) == 0 && len(args) > 2 {
			args = args[:r.IntN(len(args))] // a truncated command
		}
		clk.Advance(time.Duration(r.IntN(2)) * time.Millisecond / 4)
		func() {
			defer func() {
				if p := recover(); p != nil {
					t.Fatalf("command %d: Do(%q) panicked: %v", i, args, p)
				}
			}()
			reply, err := e.Do(t.Context(), args...)
			if err != nil {
				if _, ok := err.(*instream.RedisError); !ok {
					t.Fatalf("Do(%q) error %T %v, want a *RedisError", args, err, err)
				}
			} else if l, ok := reply.([]any); len(args) > 1 && reply != nil && (!ok || len(l) > 0) {
				name := args[0]
				if name == "XGROUP" || name == "XINFO" {
					name += " " + strings.ToUpper(args[1])
				}
				served[name]++
			}
		}()
		if err := instream.Check(e); err != nil {
			t.Fatalf("after Do(%q): Check: %v", args, err)
		}
	}
	// The run must have reached real work, not only parse errors.
	for _, c := range []string{"XGROUP CREATE", "XREADGROUP", "XACK", "XPENDING", "XCLAIM", "XAUTOCLAIM", "XINFO CONSUMERS"} {
		if served[c] == 0 {
			t.Errorf("no %s command served anything; served: %v", c, served)
		}
	}
}

// TestGroupConcurrentWorkers runs workers that read, acknowledge and
// claim concurrently while a producer adds: every entry is delivered,
// and when all are acknowledged nothing stays pending.
func TestGroupConcurrentWorkers(t *testing.T) {
	e, _ := newClockEngine(t)
	const n = 2000
	if err := e.CreateGroup("q", instream.GroupArgs{Group: "g", MkStream: true}); err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	acked := map[instream.ID]bool{}
	var wg sync.WaitGroup
	wg.Go(func() {
		for i := range n {
			if _, err := e.Add("q", instream.AddArgs{ID: instream.ID{Ms: uint64(i + 1)}, Fields: fields("n", "x")}); err != nil {
				t.Error(err)
				return
			}
		}
	})
	for w := range 4 {
		name := strings.Repeat("w", w+1)
		wg.Go(func() {
			for {
				mu.Lock()
				done := len(acked) == n
				mu.Unlock()
				if done {
					return
				}
				res, err := e.TryReadGroup(instream.ReadGroupArgs{Group: "g", Consumer: name, Count: 7,
					Streams: []instream.GroupStream{{Key: "q"}}})
				if err != nil {
					t.Error(err)
					return
				}
				var ids []instream.ID
				for _, ge := range res {
					for _, en := range ge.Entries {
						ids = append(ids, en.ID)
					}
				}
				// Steal from others now and then; a stolen entry is acked by its new owner.
				ac, err := e.AutoClaim("q", instream.AutoClaimArgs{Group: "g", Consumer: name, Count: 3, JustID: true})
				if err != nil {
					t.Error(err)
					return
				}
				for _, en := range ac.Claimed {
					ids = append(ids, en.ID)
				}
				if len(ids) == 0 {
					continue
				}
				if _, err := e.Ack("q", "g", ids...); err != nil {
					t.Error(err)
					return
				}
				mu.Lock()
				for _, id := range ids {
					acked[id] = true
				}
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	check(t, e)
	sum, err := e.PendingSummary("q", "g")
	if err != nil || sum.Count != 0 || len(acked) != n {
		t.Errorf("after the run: %d acked, pending %+v, %v; want %d acked, none pending", len(acked), sum, err, n)
	}
}
