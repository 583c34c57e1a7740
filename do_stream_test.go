package instream_test

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/instream/instream"
)

// testNow is the fixed clock of the tests: every "*" ID has this ms part
// unless the stream's last ID is newer.
const testNow = 1_700_000_000_000

// newEngine returns an engine on a fixed clock, closed when t ends.
func newEngine(t testing.TB) *instream.Engine {
	t.Helper()
	e := instream.New(instream.Options{Clock: instream.NewManualClock(time.UnixMilli(testNow))})
	t.Cleanup(func() { e.Close() })
	return e
}

// splitCmd splits a command written in a table: on "|" if it has one (for
// arguments with spaces or empty ones), else on spaces.
func splitCmd(s string) []string {
	if strings.Contains(s, "|") {
		return strings.Split(s, "|")
	}
	return strings.Fields(s)
}

// step is one command of a scenario and what Redis answers to it.
type step struct {
	cmd  string
	want any    // the reply, when err is ""
	err  string // the exact error text
}

// runSteps runs steps on e through Do, checking each reply and the
// engine's invariants after each call.
func runSteps(t *testing.T, e *instream.Engine, steps []step) {
	t.Helper()
	for _, st := range steps {
		args := splitCmd(st.cmd)
		got, err := e.Do(t.Context(), args...)
		switch {
		case st.err != "":
			if err == nil || err.Error() != st.err {
				t.Errorf("Do(%q) = %#v, %v; want error %q", st.cmd, got, err, st.err)
			}
			var re *instream.RedisError
			if err != nil && !errors.As(err, &re) {
				t.Errorf("Do(%q) error %T is not a *RedisError", st.cmd, err)
			}
		case err != nil:
			t.Errorf("Do(%q) error %q, want %s", st.cmd, err, show(st.want))
		case !reflect.DeepEqual(got, st.want):
			t.Errorf("Do(%q) = %s, want %s", st.cmd, show(got), show(st.want))
		}
		if err := instream.Check(e); err != nil {
			t.Fatalf("after Do(%q): %v", st.cmd, err)
		}
	}
}

// show prints a reply with its Go types, so that nil, "" and [] differ.
func show(v any) string {
	switch v := v.(type) {
	case nil:
		return "nil"
	case []any:
		parts := make([]string, len(v))
		for i, x := range v {
			parts[i] = show(x)
		}
		return "[" + strings.Join(parts, " ") + "]"
	case string:
		return fmt.Sprintf("%q", v)
	}
	return fmt.Sprintf("%T(%v)", v, v)
}

// TestDoSentinels checks that Do's error replies that stem from the typed
// API keep its sentinel error for errors.Is.
func TestDoSentinels(t *testing.T) {
	tests := []struct {
		name  string
		setup []string
		cmd   string
		text  string
		want  error
	}{
		{"XADD too small", []string{"xadd s 5 a 1"}, "xadd s 5 a 1",
			"ERR The ID specified in XADD is equal or smaller than the target stream top item", instream.ErrIDTooSmall},
		{"XADD ms-* too small", []string{"xadd s 5-18446744073709551615 a 1"}, "xadd s 5-* a 1",
			"ERR The ID specified in XADD is equal or smaller than the target stream top item", instream.ErrIDTooSmall},
		{"XADD exhausted", []string{"xadd s 18446744073709551615-18446744073709551615 a 1"}, "xadd s * a 1",
			"ERR The stream has exhausted the last possible ID, unable to add more items", instream.ErrIDExhausted},
		{"XSETID missing key", nil, "xsetid s 5",
			"ERR no such key", instream.ErrNoStream},
		{"XSETID below top", []string{"xadd s 5 a 1"}, "xsetid s 4",
			"ERR The ID specified in XSETID is smaller than the target stream top item", instream.ErrSetIDTooSmall},
		{"XSETID below max deleted", []string{"xadd s 5 a 1", "xdel s 5"}, "xsetid s 4",
			"ERR The ID specified in XSETID is smaller than current max_deleted_entry_id", instream.ErrSetIDTooSmall},
		{"XSETID entries added", []string{"xadd s 5 a 1"}, "xsetid s 5 ENTRIESADDED 0",
			"ERR The entries_added specified in XSETID is smaller than the target stream length", instream.ErrEntriesAddedTooSmall},
		{"XINFO STREAM missing key", nil, "xinfo stream s",
			"ERR no such key", instream.ErrNoStream},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEngine(t)
			for _, c := range tt.setup {
				if _, err := e.Do(t.Context(), splitCmd(c)...); err != nil {
					t.Fatalf("Do(%q): %v", c, err)
				}
			}
			_, err := e.Do(t.Context(), splitCmd(tt.cmd)...)
			if err == nil || err.Error() != tt.text {
				t.Fatalf("Do(%q) error = %v, want %q", tt.cmd, err, tt.text)
			}
			if !errors.Is(err, tt.want) {
				t.Errorf("errors.Is(Do(%q), %v) = false", tt.cmd, tt.want)
			}
		})
	}
}

// TestDoClosed checks that every command of this file fails on a closed
// engine, with ErrClosed reachable through errors.Is.
func TestDoClosed(t *testing.T) {
	e := newEngine(t)
	if _, err := e.Do(t.Context(), "xadd", "s", "1", "a", "1"); err != nil {
		t.Fatal(err)
	}
	e.Close()
	for _, c := range []string{
		"xadd s 2 a 1", "xrange s - +", "xrevrange s + -", "xrange s - + COUNT 0",
		"xlen s", "xdel s 1", "xdel s bad", "xtrim s MAXLEN 0", "xsetid s 9",
		"xinfo stream s", "xinfo stream s FULL", "del s", "exists s", "type s",
	} {
		got, err := e.Do(t.Context(), splitCmd(c)...)
		if !errors.Is(err, instream.ErrClosed) || got != nil {
			t.Errorf("Do(%q) on a closed engine = %s, %v; want nil, ErrClosed", c, show(got), err)
		}
	}
}

// BenchmarkDo_XAdd measures XADD through Do, generated IDs, with and
// without an exact MAXLEN trim.
func BenchmarkDo_XAdd(b *testing.B) {
	for _, tc := range []struct {
		name string
		args []string
	}{
		{"plain", []string{"XADD", "s", "*", "f", "v"}},
		{"maxlen=1000", []string{"XADD", "s", "MAXLEN", "1000", "*", "f", "v"}},
	} {
		b.Run(tc.name, func(b *testing.B) {
			e := instream.New(instream.Options{})
			defer e.Close()
			ctx := b.Context()
			b.ReportAllocs()
			for b.Loop() {
				if _, err := e.Do(ctx, tc.args...); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkDo_XRange measures XRANGE COUNT 10 through Do on streams of
// several sizes.
func BenchmarkDo_XRange(b *testing.B) {
	for _, n := range []int{100, 100_000} {
		b.Run(fmt.Sprintf("entries=%d", n), func(b *testing.B) {
			e := instream.New(instream.Options{})
			defer e.Close()
			ctx := b.Context()
			for i := 1; i <= n; i++ {
				if _, err := e.Do(ctx, "XADD", "s", fmt.Sprint(i), "f", "v"); err != nil {
					b.Fatal(err)
				}
			}
			start := fmt.Sprint(n / 2)
			b.ReportAllocs()
			for b.Loop() {
				if _, err := e.Do(ctx, "XRANGE", "s", start, "+", "COUNT", "10"); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// do runs a command that must succeed and returns its reply.
func do(t testing.TB, e *instream.Engine, args ...string) any {
	t.Helper()
	r, err := e.Do(t.Context(), args...)
	if err != nil {
		t.Fatalf("Do(%q): %v", args, err)
	}
	return r
}

// rangeIDs returns the IDs of an XRANGE-shaped reply.
func rangeIDs(t testing.TB, reply any) []string {
	t.Helper()
	ens, ok := reply.([]any)
	if !ok {
		t.Fatalf("reply %s is not an array", show(reply))
	}
	ids := make([]string, len(ens))
	for i, en := range ens {
		ids[i] = en.([]any)[0].(string)
	}
	return ids
}

// TestDoStreamUpstream ports the loop-shaped tests of Redis's
// tests/unit/type/stream.tcl (spec §11.1) that the step tables cannot
// express.
func TestDoStreamUpstream(t *testing.T) {
	t.Run("XADD IDs are incremental", func(t *testing.T) {
		e := newEngine(t)
		prev := instream.ID{}
		for range 3 {
			id := instream.MustParseID(do(t, e, "XADD", "s", "*", "f", "v").(string))
			if !prev.Less(id) {
				t.Fatalf("XADD * gave %v after %v", id, prev)
			}
			prev = id
		}
		if prev != (instream.ID{Ms: testNow, Seq: 2}) {
			t.Errorf("third XADD * in one millisecond = %v, want %d-2", prev, testNow)
		}
	})
	for _, op := range []string{"", "="} {
		t.Run(fmt.Sprintf("XADD with MAXLEN option %q", op), func(t *testing.T) {
			e := newEngine(t)
			for j := range 1000 {
				args := []string{"XADD", "s", "MAXLEN"}
				if op != "" {
					args = append(args, op)
				}
				do(t, e, append(args, "5", "*", "xitem", fmt.Sprint(j))...)
			}
			ens := do(t, e, "XRANGE", "s", "-", "+").([]any)
			if len(ens) != 5 {
				t.Fatalf("XLEN after MAXLEN 5 = %d", len(ens))
			}
			for i, en := range ens {
				if got, want := en.([]any)[1].([]any)[1], fmt.Sprint(995+i); got != want {
					t.Errorf("entry %d has xitem %v, want %s", i, got, want)
				}
			}
		})
	}
	t.Run("XADD with MINID option", func(t *testing.T) {
		e := newEngine(t)
		for j := 1; j < 1001; j++ {
			minid := 1000
			if j >= 5 {
				minid = j - 5
			}
			do(t, e, "XADD", "s", "MINID", fmt.Sprint(minid), fmt.Sprint(j), "xitem", fmt.Sprint(j))
		}
		got := rangeIDs(t, do(t, e, "XRANGE", "s", "-", "+"))
		want := []string{"995-0", "996-0", "997-0", "998-0", "999-0", "1000-0"}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("XRANGE = %v, want %v", got, want)
		}
	})
	t.Run("XTRIM with MINID option, big delta from master record", func(t *testing.T) {
		e := newEngine(t)
		do(t, e, "XADD", "s", "1-0", "f", "v")
		do(t, e, "XADD", "s", "1641544570597-0", "f", "v")
		do(t, e, "XADD", "s", "1641544570597-1", "f", "v")
		if n := do(t, e, "XTRIM", "s", "MINID", "1641544570597-0"); n != int64(1) {
			t.Errorf("XTRIM = %v, want 1", n)
		}
		got := rangeIDs(t, do(t, e, "XRANGE", "s", "-", "+"))
		if want := []string{"1641544570597-0", "1641544570597-1"}; !reflect.DeepEqual(got, want) {
			t.Errorf("XRANGE = %v, want %v", got, want)
		}
	})
	t.Run("XRANGE can be used to iterate the whole stream", func(t *testing.T) {
		e := newEngine(t)
		for j := range 1000 {
			do(t, e, "XADD", "s", fmt.Sprintf("%d-%d", 1+j/7, j%7), "item", fmt.Sprint(j))
		}
		last, seen := "-", 0
		for {
			page := do(t, e, "XRANGE", "s", last, "+", "COUNT", "100").([]any)
			if len(page) == 0 {
				break
			}
			for _, en := range page {
				if got := en.([]any)[1].([]any)[1]; got != fmt.Sprint(seen) {
					t.Fatalf("entry %d has item %v", seen, got)
				}
				seen++
			}
			last = "(" + page[len(page)-1].([]any)[0].(string)
		}
		if seen != 1000 {
			t.Errorf("paging saw %d entries, want 1000", seen)
		}
	})
	t.Run("XREVRANGE regression test for issue #5006", func(t *testing.T) {
		e := newEngine(t)
		for i, ms := range []string{"1234567891230", "1234567891240", "1234567891250"} {
			do(t, e, "XADD", "a", ms, fmt.Sprintf("key%d", i+1), fmt.Sprintf("value%d", i+1))
			do(t, e, "XADD", "b", ms, "key1", fmt.Sprintf("value%d", i+1))
		}
		got := do(t, e, "XREVRANGE", "a", "1234567891245", "-")
		want := []any{
			[]any{"1234567891240-0", []any{"key2", "value2"}},
			[]any{"1234567891230-0", []any{"key1", "value1"}},
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("XREVRANGE a = %s, want %s", show(got), show(want))
		}
		got = do(t, e, "XREVRANGE", "b", "1234567891245", "-")
		want = []any{
			[]any{"1234567891240-0", []any{"key1", "value2"}},
			[]any{"1234567891230-0", []any{"key1", "value1"}},
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("XREVRANGE b = %s, want %s", show(got), show(want))
		}
	})
}

// TestXRangeModel compares XRANGE and XREVRANGE with every kind of bound
// against a sorted slice (upstream "XRANGE fuzzing").
func TestXRangeModel(t *testing.T) {
	e := newEngine(t)
	rng := rand.New(rand.NewPCG(1, 2))
	var model []instream.ID
	for ms := uint64(1); ms <= 40; ms++ {
		for seq := uint64(0); seq < 4; seq++ {
			if rng.IntN(3) == 0 {
				continue
			}
			id := instream.ID{Ms: ms, Seq: seq}
			do(t, e, "XADD", "s", id.String(), "f", "v")
			model = append(model, id)
		}
	}
	// bound returns a bound argument and the ID it stands for, as an
	// inclusive limit; ok is false when the bound excludes everything.
	bound := func(start bool) (string, instream.ID, bool) {
		ms, seq := uint64(rng.IntN(43)), uint64(rng.IntN(5))
		switch rng.IntN(6) {
		case 0:
			if start {
				return "-", instream.MinID, true
			}
			return "+", instream.MaxID, true
		case 1: // incomplete
			if start {
				return fmt.Sprint(ms), instream.ID{Ms: ms}, true
			}
			return fmt.Sprint(ms), instream.ID{Ms: ms, Seq: max64}, true
		case 2: // exclusive incomplete
			if start {
				id, _ := instream.ID{Ms: ms}.Next()
				return fmt.Sprintf("(%d", ms), id, true
			}
			id, _ := instream.ID{Ms: ms, Seq: max64}.Prev()
			return fmt.Sprintf("(%d", ms), id, true
		case 3: // exclusive complete
			id := instream.ID{Ms: ms, Seq: seq}
			if start {
				n, _ := id.Next()
				return "(" + id.String(), n, true
			}
			p, ok := id.Prev()
			return "(" + id.String(), p, ok
		}
		id := instream.ID{Ms: ms, Seq: seq}
		return id.String(), id, true
	}
	for range 2000 {
		sArg, start, _ := bound(true)
		eArg, end, ok := bound(false)
		if !ok { // "(0-0" as an end is an error
			if _, err := e.Do(t.Context(), "XRANGE", "s", sArg, eArg); err == nil || err.Error() != "ERR invalid end ID for the interval" {
				t.Fatalf("XRANGE s %s %s error = %v", sArg, eArg, err)
			}
			continue
		}
		count := rng.IntN(6) // 0: no COUNT
		var want []string
		for _, id := range model {
			if !id.Less(start) && !end.Less(id) {
				want = append(want, id.String())
			}
		}
		rev := make([]string, len(want))
		for i, s := range want {
			rev[len(want)-1-i] = s
		}
		if count > 0 {
			want, rev = want[:min(count, len(want))], rev[:min(count, len(rev))]
		}
		args := []string{"s", sArg, eArg}
		revArgs := []string{"s", eArg, sArg}
		if count > 0 {
			args = append(args, "COUNT", fmt.Sprint(count))
			revArgs = append(revArgs, "COUNT", fmt.Sprint(count))
		}
		got := rangeIDs(t, do(t, e, append([]string{"XRANGE"}, args...)...))
		if len(got) != len(want) || (len(want) > 0 && !reflect.DeepEqual(got, want)) {
			t.Fatalf("XRANGE %q = %v, want %v", args, got, want)
		}
		got = rangeIDs(t, do(t, e, append([]string{"XREVRANGE"}, revArgs...)...))
		if len(got) != len(rev) || (len(rev) > 0 && !reflect.DeepEqual(got, rev)) {
			t.Fatalf("XREVRANGE %q = %v, want %v", revArgs, got, rev)
		}
	}
}
