package instream_test

import (
	"errors"
	"reflect"
	"testing"
	"time"

	"github.com/instream/instream"
)

// t0 is the manual clock's start: 1700000000000 ms.
var t0 = time.UnixMilli(1_700_000_000_000)

// newEngine returns an engine on a manual clock at t0, closed when the
// test ends.
func newClockEngine(t testing.TB) (*instream.Engine, *instream.ManualClock) {
	t.Helper()
	clk := instream.NewManualClock(t0)
	e := instream.New(instream.Options{Now: clk.Now})
	t.Cleanup(func() { e.Close() })
	return e, clk
}

func id(s string) instream.ID { return instream.MustParseID(s) }

func fields(kv ...string) []instream.Field {
	var fs []instream.Field
	for i := 0; i+1 < len(kv); i += 2 {
		fs = append(fs, instream.Field{Name: kv[i], Value: kv[i+1]})
	}
	return fs
}

// add adds entries with the given IDs, each with the field f=<id>.
func add(t testing.TB, e *instream.Engine, key string, ids ...string) {
	t.Helper()
	for _, s := range ids {
		if _, err := e.Add(key, instream.AddArgs{ID: id(s), Fields: fields("f", s)}); err != nil {
			t.Fatalf("Add(%q, %s): %v", key, s, err)
		}
	}
	check(t, e)
}

func check(t testing.TB, e *instream.Engine) {
	t.Helper()
	if err := instream.Check(e); err != nil {
		t.Fatalf("Check: %v", err)
	}
}

func mustCreateGroup(t testing.TB, e *instream.Engine, key string, args instream.GroupArgs) {
	t.Helper()
	if err := e.CreateGroup(key, args); err != nil {
		t.Fatalf("CreateGroup(%q, %+v): %v", key, args, err)
	}
	check(t, e)
}

// readIDs reads as a group and returns the IDs per stream, "<id>!" for a
// deleted history entry.
func readIDs(t testing.TB, e *instream.Engine, args instream.ReadGroupArgs) map[string][]string {
	t.Helper()
	res, err := e.TryReadGroup(args)
	if err != nil {
		t.Fatalf("TryReadGroup(%+v): %v", args, err)
	}
	check(t, e)
	if res == nil {
		return nil
	}
	out := map[string][]string{}
	for _, ge := range res {
		ids := []string{}
		for _, en := range ge.Entries {
			s := en.ID.String()
			if en.Deleted {
				s += "!"
				if en.Fields != nil {
					t.Errorf("deleted entry %v has fields %v", en.ID, en.Fields)
				}
			} else if len(en.Fields) != 1 || en.Fields[0].Value != en.ID.String() {
				t.Errorf("entry %v has fields %v", en.ID, en.Fields)
			}
			ids = append(ids, s)
		}
		out[ge.Key] = ids
	}
	return out
}

func TestTryReadGroup(t *testing.T) {
	e, _ := newClockEngine(t)
	add(t, e, "s", "1-0", "2-0", "3-0")
	add(t, e, "t", "5-0")
	mustCreateGroup(t, e, "s", instream.GroupArgs{Group: "g"})
	mustCreateGroup(t, e, "t", instream.GroupArgs{Group: "g"})
	steps := []struct {
		name string
		args instream.ReadGroupArgs
		want map[string][]string
	}{
		{"new count 2", instream.ReadGroupArgs{Group: "g", Consumer: "a", Count: 2,
			Streams: []instream.GroupStream{{Key: "s"}}}, map[string][]string{"s": {"1-0", "2-0"}}},
		{"two streams", instream.ReadGroupArgs{Group: "g", Consumer: "b",
			Streams: []instream.GroupStream{{Key: "s"}, {Key: "t"}}}, map[string][]string{"s": {"3-0"}, "t": {"5-0"}}},
		{"nothing new", instream.ReadGroupArgs{Group: "g", Consumer: "a",
			Streams: []instream.GroupStream{{Key: "s"}, {Key: "t"}}}, nil},
		{"history", instream.ReadGroupArgs{Group: "g", Consumer: "a",
			Streams: []instream.GroupStream{{Key: "s", History: true}}}, map[string][]string{"s": {"1-0", "2-0"}}},
		{"history after", instream.ReadGroupArgs{Group: "g", Consumer: "a",
			Streams: []instream.GroupStream{{Key: "s", History: true, After: id("1-0")}}}, map[string][]string{"s": {"2-0"}}},
		{"history count", instream.ReadGroupArgs{Group: "g", Consumer: "b", Count: 1,
			Streams: []instream.GroupStream{{Key: "t", History: true}, {Key: "s", History: true}}}, map[string][]string{"s": {"3-0"}, "t": {"5-0"}}},
		{"empty history", instream.ReadGroupArgs{Group: "g", Consumer: "c",
			Streams: []instream.GroupStream{{Key: "s", History: true}}}, map[string][]string{"s": {}}},
	}
	for _, st := range steps {
		got := readIDs(t, e, st.args)
		if !reflect.DeepEqual(got, st.want) {
			t.Errorf("%s: TryReadGroup = %v, want %v", st.name, got, st.want)
		}
	}
	_, err := e.TryReadGroup(instream.ReadGroupArgs{Group: "g", Consumer: "a",
		Streams: []instream.GroupStream{{Key: "s"}, {Key: "nope"}}})
	if !errors.Is(err, instream.ErrNoGroup) {
		t.Errorf("TryReadGroup on a missing stream: err = %v, want ErrNoGroup", err)
	}
}
