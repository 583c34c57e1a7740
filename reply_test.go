package instream_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"reflect"
	"testing"
	"time"

	"github.com/instream/instream"
)

// recorder is a ReplyWriter that rebuilds Do's reply from what DoTo
// hands it, and counts the calls.
type recorder struct {
	v     any
	calls int
	typed string // the typed method called, or ""
}

func (r *recorder) WriteID(id instream.ID) { r.set("id", id.String()) }

func (r *recorder) WriteEntries(ens []instream.Entry) { r.set("entries", entriesAny(ens)) }

func (r *recorder) WriteStreams(res []instream.StreamEntries) {
	out := []any{}
	for _, se := range res {
		out = append(out, []any{se.Key, entriesAny(se.Entries)})
	}
	r.set("streams", out)
}

func (r *recorder) WriteGroupEntries(res []instream.GroupEntries) {
	out := []any{}
	for _, ge := range res {
		ens := []any{}
		for _, en := range ge.Entries {
			if en.Deleted {
				ens = append(ens, []any{en.ID.String(), nil})
				continue
			}
			ens = append(ens, entryAny(en.Entry))
		}
		out = append(out, []any{ge.Key, ens})
	}
	r.set("group", out)
}

func (r *recorder) WriteValue(v any) { r.set("", v) }

func (r *recorder) set(typed string, v any) { r.v, r.typed, r.calls = v, typed, r.calls+1 }

func entriesAny(ens []instream.Entry) []any {
	out := []any{}
	for _, en := range ens {
		out = append(out, entryAny(en))
	}
	return out
}

func entryAny(en instream.Entry) []any {
	fv := []any{}
	for _, f := range en.Fields {
		fv = append(fv, f.Name, f.Value)
	}
	return []any{en.ID.String(), fv}
}

// TestDoTo runs each command through Do on one engine and through DoTo
// on a twin, and wants the same reply and the typed method where there
// is one.
func TestDoTo(t *testing.T) {
	setup := [][]string{
		{"XADD", "s", "1-1", "f", "v", "n", "1"},
		{"XADD", "s", "2-1", "f", "w"},
		{"XADD", "s", "3-1", "g", "x"},
		{"XGROUP", "CREATE", "s", "g", "0"},
		{"XGROUP", "CREATE", "s", "h", "0"},
		{"XREADGROUP", "GROUP", "h", "c", "STREAMS", "s", ">"},
		{"XDEL", "s", "2-1"},
	}
	tests := []struct {
		args  []string
		typed string
	}{
		{[]string{"XADD", "s", "4-1", "a", "b"}, "id"},
		{[]string{"xadd", "new", "NOMKSTREAM", "*", "a", "b"}, ""},
		{[]string{"XRANGE", "s", "-", "+"}, "entries"},
		{[]string{"XRANGE", "s", "-", "+", "COUNT", "1"}, "entries"},
		{[]string{"XRANGE", "s", "-", "+", "COUNT", "0"}, ""},
		{[]string{"XRANGE", "missing", "-", "+", "COUNT", "0"}, ""},
		{[]string{"XRANGE", "s", "5", "1"}, ""},
		{[]string{"XRANGE", "missing", "-", "+"}, "entries"},
		{[]string{"XREVRANGE", "s", "+", "-", "COUNT", "2"}, "entries"},
		{[]string{"XREAD", "STREAMS", "s", "0"}, "streams"},
		{[]string{"XREAD", "COUNT", "1", "STREAMS", "s", "missing", "0", "0"}, "streams"},
		{[]string{"XREAD", "STREAMS", "s", "$"}, ""},
		{[]string{"XREAD", "BLOCK", "1", "STREAMS", "s", "$"}, ""},
		{[]string{"XREADGROUP", "GROUP", "g", "c", "COUNT", "2", "STREAMS", "s", ">"}, "group"},
		{[]string{"XREADGROUP", "GROUP", "h", "c", "STREAMS", "s", "0"}, "group"},
		{[]string{"XREADGROUP", "GROUP", "g", "c", "STREAMS", "s", ">"}, "group"},
		{[]string{"XREADGROUP", "GROUP", "g", "c", "STREAMS", "s", ">"}, ""},
		{[]string{"XREADGROUP", "GROUP", "h", "d", "CLAIM", "0", "STREAMS", "s", ">"}, ""},
		{[]string{"XLEN", "s"}, ""},
		{[]string{"XINFO", "STREAM", "s"}, ""},
	}
	ctx := context.Background()
	// The clock is fixed, so idle times in CLAIM replies agree.
	clock := instream.NewManualClock(time.UnixMilli(1_700_000_000_000))
	a := instream.New(instream.Options{Clock: clock})
	defer a.Close()
	b := instream.New(instream.Options{Clock: clock})
	defer b.Close()
	for _, args := range setup {
		for _, e := range []*instream.Engine{a, b} {
			if _, err := e.Do(ctx, args...); err != nil {
				t.Fatalf("Do(%q): %v", args, err)
			}
		}
	}
	for _, tc := range tests {
		t.Run(fmt.Sprint(tc.args), func(t *testing.T) {
			want, err := a.Do(ctx, tc.args...)
			if err != nil {
				t.Fatalf("Do: %v", err)
			}
			var r recorder
			if err := b.DoTo(ctx, &r, tc.args...); err != nil {
				t.Fatalf("DoTo: %v", err)
			}
			if r.calls != 1 || r.typed != tc.typed {
				t.Errorf("DoTo made %d calls, last typed %q; want 1, %q", r.calls, r.typed, tc.typed)
			}
			if !reflect.DeepEqual(r.v, want) {
				t.Errorf("DoTo gave %#v; Do gave %#v", r.v, want)
			}
		})
	}
}

// TestDoTo_Errors wants Do's error replies from DoTo, and no reply.
func TestDoTo_Errors(t *testing.T) {
	e := instream.New(instream.Options{})
	defer e.Close()
	ctx := context.Background()
	if _, err := e.Do(ctx, "SET", "k", "v"); err == nil {
		t.Fatal("Do(SET) succeeded")
	}
	for _, args := range [][]string{
		{}, {"nosuch", "a"}, {"XADD", "s"}, {"XADD", "s", "0-0", "f", "v"},
		{"XRANGE", "s", "x", "+"}, {"XREAD", "STREAMS", "s"},
		{"XREADGROUP", "GROUP", "g", "c", "STREAMS", "s", ">"}, {"XLEN"},
	} {
		_, want := e.Do(ctx, args...)
		var r recorder
		got := e.DoTo(ctx, &r, args...)
		if want == nil || got == nil || got.Error() != want.Error() || r.calls != 0 {
			t.Errorf("DoTo(%q) = %v with %d calls; want %v, none", args, got, r.calls, want)
		}
	}
}

// TestTxDoTo runs DoTo inside a batch.
func TestTxDoTo(t *testing.T) {
	e := instream.New(instream.Options{})
	defer e.Close()
	var add, rng recorder
	err := e.Update(func(tx *instream.Tx) error {
		if err := tx.DoTo(context.Background(), &add, "XADD", "s", "5-5", "f", "v"); err != nil {
			return err
		}
		return tx.DoTo(context.Background(), &rng, "XRANGE", "s", "-", "+")
	})
	if err != nil {
		t.Fatal(err)
	}
	want := []any{[]any{"5-5", []any{"f", "v"}}}
	if add.v != "5-5" || !reflect.DeepEqual(rng.v, want) {
		t.Errorf("in a batch: XADD gave %v, XRANGE %#v; want 5-5, %#v", add.v, rng.v, want)
	}
}

// countWriter is a ReplyWriter that only counts the entries it gets.
type countWriter struct{ n int }

func (w *countWriter) WriteID(instream.ID)                       { w.n++ }
func (w *countWriter) WriteEntries(ens []instream.Entry)         { w.n += len(ens) }
func (w *countWriter) WriteStreams([]instream.StreamEntries)     { w.n++ }
func (w *countWriter) WriteGroupEntries([]instream.GroupEntries) { w.n++ }
func (w *countWriter) WriteValue(any)                            { w.n++ }

// BenchmarkDo_Range100 compares reading 100 entries from a random ID
// through the typed API (Range), Do (XRANGE ... COUNT 100, an []any
// reply) and DoTo (the same command, its entries handed over typed).
func BenchmarkDo_Range100(b *testing.B) {
	const count, n = 100, 100_000
	for _, impl := range []string{"typed", "do", "doto"} {
		b.Run("impl="+impl, func(b *testing.B) {
			e := newEngBench(b)
			engLoad(b, e, "s", n)
			rng := rand.New(rand.NewPCG(1, 2))
			ctx := b.Context()
			b.ReportAllocs()
			for b.Loop() {
				start := engID(rng.IntN(n - count + 1))
				var got int
				switch impl {
				case "typed":
					ens, err := e.Range("s", start, instream.MaxID, count)
					if err != nil {
						b.Fatal(err)
					}
					got = len(ens)
				case "do":
					v, err := e.Do(ctx, "XRANGE", "s", start.String(), "+", "COUNT", "100")
					if err != nil {
						b.Fatal(err)
					}
					got = len(v.([]any))
				case "doto":
					var w countWriter
					if err := e.DoTo(ctx, &w, "XRANGE", "s", start.String(), "+", "COUNT", "100"); err != nil {
						b.Fatal(err)
					}
					got = w.n
				}
				if got != count {
					b.Fatalf("%d entries, want %d", got, count)
				}
			}
		})
	}
}
