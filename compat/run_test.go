package compat

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/instream/instream"
	"github.com/redis/go-redis/v9"
)

// A step is one or more commands that belong together: shrinking drops
// whole steps (row 12: a CREATECONSUMER stays with its XREADGROUP).
type step [][]string

// runState is what the runner remembers about a sequence while it runs.
type runState struct {
	taint   map[string]bool              // streams whose lag/entries-read are masked (row 14)
	starIDs map[string]map[string]string // key -> engine ID -> Redis ID, for XADD "*"
	// layoutTaint marks streams holding an entry whose "*" ID differs
	// between the sides: entry sizes in Redis's nodes depend on ID
	// deltas, so node boundaries may legitimately differ there.
	layoutTaint map[string]bool
}

func newRunState() *runState {
	return &runState{taint: map[string]bool{}, starIDs: map[string]map[string]string{},
		layoutTaint: map[string]bool{}}
}

// layoutComparable reports whether key's node layout (radix-tree-keys,
// approximate trims) is compared: with -compat.layout, and only while
// both sides hold the same IDs.
func (st *runState) layoutComparable(key string) bool {
	return *flagLayout && !st.layoutTaint[key]
}

// skipApprox reports whether a command is an approximate trim of a stream
// whose layout is not comparable; such a command is not sent.
func (st *runState) skipApprox(args []string) bool {
	name := strings.ToUpper(args[0])
	if (name != "XADD" && name != "XTRIM") || len(args) < 3 || st.layoutComparable(args[1]) || *flagApproxStar {
		return false
	}
	for _, a := range args[2:] {
		if a == "~" {
			return true
		}
	}
	return false
}

func (st *runState) lagTainted(key string) bool { return st.taint[key] }

// note updates the lag taint from a command's syntax, before it runs
// (row 14). DEL gives a fresh stream; the commands that can make 7.0's
// lag or entries-read part from the newer model's taint the key.
func (st *runState) note(args []string) {
	name := strings.ToUpper(args[0])
	switch name {
	case "DEL":
		for _, k := range args[1:] {
			delete(st.taint, k)
			delete(st.starIDs, k)
			delete(st.layoutTaint, k)
		}
	case "XDEL", "XTRIM", "XSETID":
		if len(args) > 1 {
			st.taint[args[1]] = true
		}
	case "XADD":
		if len(args) < 3 {
			return
		}
		for _, a := range args[2:] {
			if u := strings.ToUpper(a); u == "MAXLEN" || u == "MINID" {
				st.taint[args[1]] = true
			}
		}
	case "XGROUP":
		for _, a := range args {
			if strings.EqualFold(a, "ENTRIESREAD") && len(args) > 2 {
				st.taint[args[2]] = true
			}
		}
	}
}

// noteStar maps the ID the engine generated for an XADD "*" to the one
// Redis generated: the clocks differ by a few ms, so the k-th IDs
// generated for a stream are paired (per stream, since each stream counts
// its own sequence numbers). The pairing is only forgiven if their times
// are close.
func (st *runState) noteStar(args []string, red, eng reply) error {
	if strings.ToUpper(args[0]) != "XADD" || red.isErr || eng.isErr {
		return nil
	}
	star := false
	for _, a := range args[min(2, len(args)):] {
		if a == "*" {
			star = true
		}
	}
	rs, ok1 := red.val.(string)
	es, ok2 := eng.val.(string)
	if !star || !ok1 || !ok2 {
		return nil
	}
	m := st.starIDs[args[1]]
	if rs == es {
		// The ID may have been generated before, for an entry since
		// removed (XSETID can move the last ID back on an empty stream):
		// the newest pairing wins.
		delete(m, es)
		return nil
	}
	rm, ok1 := idMs(rs)
	em, ok2 := idMs(es)
	if !ok1 || !ok2 || max(rm, em)-min(rm, em) > timeTolerance {
		return fmt.Errorf("generated IDs too far apart: redis %s, engine %s", rs, es)
	}
	if m == nil {
		m = map[string]string{}
		st.starIDs[args[1]] = m
	}
	m[es] = rs
	st.layoutTaint[args[1]] = true
	return nil
}

// mismatch is the first difference found in a run.
type mismatch struct {
	step, cmd  int
	args       []string
	red, eng   reply
	redRaw     reply
	engRaw     reply
	executed   [][]string // every command sent to both sides, in order
	pairingErr error
	starRedis  map[[2]int]string // (step, command) of an XADD "*" -> Redis's ID
}

func (m *mismatch) name() string { return strings.ToUpper(m.args[0]) }

// runner drives both sides.
type runner struct {
	ctx     context.Context
	rdb     *redis.Client
	t       testing.TB
	verbose bool
	counts  map[string]*[2]int // command -> executed, error replies
	// newEngine makes the side under test; nil means a fresh
	// instream.New(instream.Options{}).
	newEngine func() (doer, func())
	// canon, if set, rewrites both sides' values before they are
	// normalised (RESP3 maps into a comparable form).
	canon func(args []string, v any) any
}

// doer is the side under test: (*instream.Engine).Do's signature.
type doer interface {
	Do(ctx context.Context, args ...string) (any, error)
}

// run executes steps on a fresh engine and a flushed server and returns
// the first difference, or nil.
func (rn *runner) run(steps []step) (*mismatch, error) {
	if err := rn.rdb.FlushAll(rn.ctx).Err(); err != nil {
		return nil, err
	}
	var e doer
	if rn.newEngine != nil {
		d, done := rn.newEngine()
		defer done()
		e = d
	} else {
		eng := instream.New(instream.Options{})
		defer eng.Close()
		e = eng
	}
	// A run cut short by a difference may have left the server's
	// connection inside MULTI.
	rn.rdb.Do(rn.ctx, "DISCARD")
	st := newRunState()
	var tx txState
	var executed [][]string
	starRedis := map[[2]int]string{}
	for si, s := range steps {
		for ci, args := range s {
			skip, err := skipXSetID(rn.ctx, rn.rdb, args)
			if err != nil {
				return nil, err
			}
			if skip || st.skipApprox(args) {
				continue
			}
			if !tx.multi {
				// A queued command is noted when EXEC runs it, below:
				// DISCARD or an aborted EXEC never runs it.
				st.note(args)
			}
			red, err := redisDo(rn.ctx, rn.rdb, args)
			if err != nil {
				return nil, err
			}
			eng := engineDo(rn.ctx, e, args)
			// EXEC's replies are canonicalised one by one, with their
			// commands, below.
			if rn.canon != nil && !strings.EqualFold(args[0], "EXEC") {
				red.val, eng.val = rn.canon(args, red.val), rn.canon(args, eng.val)
			}
			executed = append(executed, args)
			if rn.counts != nil {
				k := countKey(args)
				c := rn.counts[k]
				if c == nil {
					c = new([2]int)
					rn.counts[k] = c
				}
				c[0]++
				if red.isErr {
					c[1]++
				}
			}
			if i := xaddIDIndex(args); i > 0 && args[i] == "*" && !red.isErr {
				if id, ok := red.val.(string); ok {
					starRedis[[2]int{si, ci}] = id
				}
			}
			perr := st.noteStar(args, red, eng)
			queued := tx.see(args, red)
			if queued != nil && (eng.isErr || eng.val == nil) {
				queued = nil // EXEC ran on one side only: the comparison below shows it
			}
			rn2 := normalize(args, cloneReply(red), redisSide, st)
			en2 := normalize(args, cloneReply(eng), engineSide, st)
			if queued != nil {
				// Each command's reply is normalised as its own.
				rn2, en2 = reply{val: "EXEC"}, reply{val: "EXEC"}
				if a, b := len(red.val.([]any)), len(eng.val.([]any)); a != b {
					rn2.val, en2.val = a, b
				}
			}
			if rn.verbose {
				rn.t.Logf("%s\n  redis:  %s\n  engine: %s", cliQuote(args), rn2, en2)
			}
			if perr != nil || !equal(rn2, en2) {
				return &mismatch{step: si, cmd: ci, args: args, red: rn2, eng: en2,
					redRaw: red, engRaw: eng, executed: executed, pairingErr: perr, starRedis: starRedis}, nil
			}
			for qi, qa := range queued {
				st.note(qa)
				r, e := execElem(red, qi), execElem(eng, qi)
				if rn.canon != nil {
					r.val, e.val = rn.canon(qa, r.val), rn.canon(qa, e.val)
				}
				r2 := normalize(qa, cloneReply(r), redisSide, st)
				e2 := normalize(qa, cloneReply(e), engineSide, st)
				if rn.verbose {
					rn.t.Logf("  (EXEC) %s\n  redis:  %s\n  engine: %s", cliQuote(qa), r2, e2)
				}
				if !equal(r2, e2) {
					return &mismatch{step: si, cmd: ci, args: qa, red: r2, eng: e2,
						redRaw: r, engRaw: e, executed: executed, starRedis: starRedis}, nil
				}
			}
		}
	}
	return nil, nil
}

func countKey(args []string) string {
	name := strings.ToUpper(args[0])
	if (name == "XGROUP" || name == "XINFO") && len(args) > 1 {
		sub := strings.ToUpper(args[1])
		if name == "XINFO" && sub == "STREAM" && len(args) > 3 {
			sub = "STREAM FULL"
		}
		if !knownKind(name + " " + sub) {
			return name + " (other)"
		}
		return name + " " + sub
	}
	if !knownKind(name) && name != "XGROUP" && name != "XINFO" {
		return "(unknown command)"
	}
	return name
}

func cloneReply(r reply) reply {
	r.val = cloneVal(r.val)
	return r
}

func cloneVal(v any) any {
	if arr, ok := v.([]any); ok {
		out := make([]any, len(arr))
		for i := range arr {
			out[i] = cloneVal(arr[i])
		}
		return out
	}
	return v
}

// skipXSetID reports whether an XSETID would set the last ID below the
// stream's max-deleted-entry-id, which 7.0 allows and the newer model
// refuses (row 15); such a command is not sent to either side.
func skipXSetID(ctx context.Context, rdb *redis.Client, args []string) (bool, error) {
	if strings.ToUpper(args[0]) != "XSETID" || len(args) < 3 {
		return false, nil
	}
	id, err := instream.ParseID(args[2])
	if err != nil {
		return false, nil
	}
	r, err := redisDo(ctx, rdb, []string{"XINFO", "STREAM", args[1]})
	if err != nil || r.isErr {
		return false, err
	}
	var maxDel string
	mapField(flatMap(r.val), "max-deleted-entry-id", func(v any) any {
		maxDel, _ = v.(string)
		return v
	})
	md, err := instream.ParseID(maxDel)
	if err != nil {
		return false, nil
	}
	return id.Less(md), nil
}

// xaddIDIndex returns the index of an XADD's ID argument (after its
// options), or 0.
func xaddIDIndex(args []string) int {
	if strings.ToUpper(args[0]) != "XADD" {
		return 0
	}
	i := 2
	for i < len(args) {
		switch strings.ToUpper(args[i]) {
		case "NOMKSTREAM":
			i++
		case "MAXLEN", "MINID":
			i++
			if i < len(args) && (args[i] == "=" || args[i] == "~") {
				i++
			}
			i++
		case "LIMIT":
			i += 2
		default:
			if i < len(args) {
				return i
			}
			return 0
		}
	}
	return 0
}

// destar returns steps with each XADD "*" replaced by the ID Redis
// generated for it, so that both sides hold the same IDs.
func destar(steps []step, ids map[[2]int]string) []step {
	out := make([]step, len(steps))
	for si, s := range steps {
		out[si] = make(step, len(s))
		for ci, a := range s {
			out[si][ci] = a
			if id, ok := ids[[2]int{si, ci}]; ok {
				b := append([]string(nil), a...)
				b[xaddIDIndex(b)] = id
				out[si][ci] = b
			}
		}
	}
	return out
}

// shrink drops steps while a difference at the same command persists
// (delta debugging over steps) and returns the smallest failing sequence
// with its mismatch.
func (rn *runner) shrink(steps []step, m *mismatch) ([]step, *mismatch, error) {
	steps = steps[:m.step+1]
	fails := func(cand []step) (*mismatch, error) {
		got, err := rn.run(cand)
		if err != nil || got == nil || got.name() != m.name() {
			return nil, err
		}
		return got, nil
	}
	budget := 3000
	chunk := len(steps) / 2
	for chunk >= 1 && budget > 0 {
		removed := false
		for i := 0; i+chunk <= len(steps) && budget > 0; {
			cand := append(append([]step{}, steps[:i]...), steps[i+chunk:]...)
			budget--
			got, err := fails(cand)
			if err != nil {
				return nil, nil, err
			}
			if got != nil {
				steps, m, removed = cand[:got.step+1], got, true
				continue
			}
			i += chunk
		}
		switch {
		case !removed:
			chunk /= 2
		case chunk > len(steps)/2:
			chunk = max(1, len(steps)/2)
		}
	}
	// Then inside bulk steps (XADDs only): drop commands the same way.
	for si := 0; si < len(steps) && budget > 0; si++ {
		if len(steps[si]) < 2 || !allXAdd(steps[si]) {
			continue
		}
		for chunk := len(steps[si]) / 2; chunk >= 1 && budget > 0; {
			removed := false
			for i := 0; i+chunk <= len(steps[si]) && budget > 0; {
				inner := append(append(step{}, steps[si][:i]...), steps[si][i+chunk:]...)
				cand := append(append(append([]step{}, steps[:si]...), inner), steps[si+1:]...)
				budget--
				got, err := fails(cand)
				if err != nil {
					return nil, nil, err
				}
				if got != nil && got.step >= si {
					steps, m, removed = cand[:got.step+1], got, true
					continue
				}
				i += chunk
			}
			if !removed {
				chunk /= 2
			} else if chunk > len(steps[si])/2 {
				chunk = max(1, len(steps[si])/2)
			}
		}
	}
	return steps, m, nil
}

func allXAdd(s step) bool {
	for _, a := range s {
		if strings.ToUpper(a[0]) != "XADD" {
			return false
		}
	}
	return true
}

// report formats a difference for a person: seed, command, both replies
// (normalised and raw), and the shrunk sequence ready for redis-cli.
func report(seed int64, m, small *mismatch) string {
	var b strings.Builder
	fmt.Fprintf(&b, "seed %d: difference at command %d of the sequence\n", seed, len(m.executed))
	fmt.Fprintf(&b, "  command: %s\n", cliQuote(m.args))
	fmt.Fprintf(&b, "  redis:   %s\n  engine:  %s\n", m.red, m.eng)
	if m.pairingErr != nil {
		fmt.Fprintf(&b, "  %v\n", m.pairingErr)
	}
	if small != nil {
		fmt.Fprintf(&b, "shrunk to %d commands (paste into redis-cli; the last one differs):\n", len(small.executed))
		for _, a := range small.executed {
			fmt.Fprintf(&b, "    %s\n", cliQuote(a))
		}
		fmt.Fprintf(&b, "  redis:   %s\n  engine:  %s\n", small.redRaw, small.engRaw)
		if !equal(small.red, small.redRaw) || !equal(small.eng, small.engRaw) {
			fmt.Fprintf(&b, "  normalised:\n  redis:   %s\n  engine:  %s\n", small.red, small.eng)
		}
	}
	return b.String()
}
