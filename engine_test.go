package instream_test

import (
	"errors"
	"reflect"
	"testing"
	"time"

	"github.com/instream/instream"
)

// checked fails t if the engine's invariants do not hold.
func checked(t testing.TB, e *instream.Engine) {
	t.Helper()
	if err := instream.Check(e); err != nil {
		t.Fatalf("Check: %v", err)
	}
}

// TestAddIDs follows the ID rules of spec §1.7 through the typed API.
func TestAddIDs(t *testing.T) {
	tests := []struct {
		name  string
		now   int64 // the clock for this add
		args  instream.AddArgs
		want  instream.ID
		err   error
		setup []instream.AddArgs // added first, at now
	}{
		{name: "generated from the clock", now: 1000, want: id("1000-0")},
		{name: "same millisecond", now: 1000, setup: []instream.AddArgs{{}}, want: id("1000-1")},
		{name: "clock went back", now: 10, setup: []instream.AddArgs{{ID: id("2000-5")}}, want: id("2000-6")},
		{name: "seq overflow moves to the next ms", now: 10, setup: []instream.AddArgs{{ID: instream.ID{Ms: 2000, Seq: max64}}}, want: id("2001-0")},
		{name: "explicit", now: 1000, args: instream.AddArgs{ID: id("5-5")}, want: id("5-5")},
		{name: "explicit in the past of the clock", now: 1000, setup: []instream.AddArgs{{ID: id("5-5")}}, args: instream.AddArgs{ID: id("5-6")}, want: id("5-6")},
		{name: "explicit equal", setup: []instream.AddArgs{{ID: id("5-5")}}, args: instream.AddArgs{ID: id("5-5")}, err: instream.ErrIDTooSmall},
		{name: "explicit smaller", setup: []instream.AddArgs{{ID: id("5-5")}}, args: instream.AddArgs{ID: id("5-4")}, err: instream.ErrIDTooSmall},
		{name: "auto seq on empty stream", args: instream.AddArgs{AutoSeq: true, ID: id("7-0")}, want: id("7-0")},
		{name: "auto seq 0-* on empty stream", args: instream.AddArgs{AutoSeq: true}, want: id("0-1")},
		{name: "auto seq same ms", setup: []instream.AddArgs{{ID: id("7-3")}}, args: instream.AddArgs{AutoSeq: true, ID: id("7-0")}, want: id("7-4")},
		{name: "auto seq rejects a given seq", setup: []instream.AddArgs{{ID: id("7-3")}}, args: instream.AddArgs{AutoSeq: true, ID: id("8-9")}, err: instream.ErrInvalidArgument},
		{name: "auto seq older ms", setup: []instream.AddArgs{{ID: id("7-3")}}, args: instream.AddArgs{AutoSeq: true, ID: id("6-0")}, err: instream.ErrIDTooSmall},
		{name: "auto seq exhausted seq", setup: []instream.AddArgs{{ID: instream.ID{Ms: 7, Seq: max64}}}, args: instream.AddArgs{AutoSeq: true, ID: id("7-0")}, err: instream.ErrIDTooSmall},
		{name: "exhausted, generated", setup: []instream.AddArgs{{ID: instream.MaxID}}, err: instream.ErrIDExhausted},
		{name: "exhausted, explicit", setup: []instream.AddArgs{{ID: instream.MaxID}}, args: instream.AddArgs{ID: id("1-1")}, err: instream.ErrIDExhausted},
		{name: "exhausted, auto seq", setup: []instream.AddArgs{{ID: instream.MaxID}}, args: instream.AddArgs{AutoSeq: true, ID: instream.ID{Ms: max64}}, err: instream.ErrIDExhausted},
		{name: "last possible ID", setup: []instream.AddArgs{{ID: instream.ID{Ms: max64, Seq: max64 - 1}}}, now: 5, want: instream.MaxID},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e, clk := newClockEngine(t)
			clk.Set(time.UnixMilli(tt.now))
			for _, a := range tt.setup {
				a.Fields = fields("f", "v")
				if _, err := e.Add("s", a); err != nil {
					t.Fatalf("setup Add(%v): %v", a.ID, err)
				}
			}
			tt.args.Fields = fields("f", "v")
			before, _ := e.Len("s")
			got, err := e.Add("s", tt.args)
			checked(t, e)
			if tt.err != nil {
				if !errors.Is(err, tt.err) {
					t.Fatalf("Add = %v, %v; want error %v", got, err, tt.err)
				}
				if n, _ := e.Len("s"); n != before {
					t.Errorf("failed Add changed Len from %d to %d", before, n)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("Add = %v, %v; want %v", got, err, tt.want)
			}
			info, err := e.Info("s")
			if err != nil || info.LastGeneratedID != tt.want || info.LastEntry == nil || info.LastEntry.ID != tt.want {
				t.Errorf("after Add, Info = %+v, %v; want last ID %v", info, err, tt.want)
			}
		})
	}
}

func TestAddErrors(t *testing.T) {
	tests := []struct {
		name string
		args instream.AddArgs
		err  error
	}{
		{"no fields", instream.AddArgs{}, instream.ErrNoFields},
		{"no stream", instream.AddArgs{Fields: fields("a", "1"), NoMkStream: true}, instream.ErrNoStream},
		{"negative MaxLen", instream.AddArgs{Fields: fields("a", "1"), Trim: instream.TrimArgs{Strategy: instream.TrimMaxLen, MaxLen: -1}}, instream.ErrInvalidArgument},
		{"Limit without Approx", instream.AddArgs{Fields: fields("a", "1"), Trim: instream.TrimArgs{Strategy: instream.TrimMaxLen, Limit: 5}}, instream.ErrInvalidArgument},
		{"unknown strategy", instream.AddArgs{Fields: fields("a", "1"), Trim: instream.TrimArgs{Strategy: 9}}, instream.ErrInvalidArgument},
		{"unknown ref policy", instream.AddArgs{Fields: fields("a", "1"), Trim: instream.TrimArgs{Strategy: instream.TrimMaxLen, Refs: 9}}, instream.ErrInvalidArgument},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEngine(t)
			if _, err := e.Add("s", tt.args); !errors.Is(err, tt.err) {
				t.Errorf("Add = %v, want %v", err, tt.err)
			}
			if n, _ := e.Exists("s"); n != 0 {
				t.Errorf("failed Add created the stream")
			}
			checked(t, e)
		})
	}
}

// TestAddCopies checks that the engine keeps its own copy of the fields
// and that returned entries are the caller's.
func TestAddCopies(t *testing.T) {
	e := newEngine(t)
	fs := fields("a", "1", "a", "2", "", "")
	if _, err := e.Add("s", instream.AddArgs{ID: id("1-1"), Fields: fs}); err != nil {
		t.Fatal(err)
	}
	fs[0].Value = "changed"
	got, err := e.Range("s", instream.MinID, instream.MaxID, 0)
	want := []instream.Entry{{ID: id("1-1"), Fields: fields("a", "1", "a", "2", "", "")}}
	if err != nil || !reflect.DeepEqual(got, want) {
		t.Fatalf("Range = %v, %v; want %v", got, err, want)
	}
	got[0].Fields[1].Value = "mine"
	again, _ := e.Range("s", instream.MinID, instream.MaxID, 0)
	if !reflect.DeepEqual(again, want) {
		t.Errorf("modifying Range's result changed the stream: %v", again)
	}
}

// TestAddTrim checks the exact trims done by Add, including one that
// removes the entry just added.
func TestAddTrim(t *testing.T) {
	e := newEngine(t)
	for i := 1; i <= 5; i++ {
		if _, err := e.Add("s", instream.AddArgs{ID: instream.ID{Ms: uint64(i)}, Fields: fields("n", "x")}); err != nil {
			t.Fatal(err)
		}
	}
	got, err := e.Add("s", instream.AddArgs{ID: id("6"), Fields: fields("n", "x"),
		Trim: instream.TrimArgs{Strategy: instream.TrimMaxLen, MaxLen: 2}})
	if err != nil || got != id("6-0") {
		t.Fatalf("Add with MaxLen 2 = %v, %v", got, err)
	}
	ens, _ := e.Range("s", instream.MinID, instream.MaxID, 0)
	if len(ens) != 2 || ens[0].ID != id("5") || ens[1].ID != id("6") {
		t.Errorf("after MaxLen 2: %v, want 5-0 and 6-0", ens)
	}
	got, err = e.Add("s", instream.AddArgs{ID: id("7"), Fields: fields("n", "x"),
		Trim: instream.TrimArgs{Strategy: instream.TrimMinID, MinID: id("8")}})
	if err != nil || got != id("7-0") {
		t.Fatalf("Add with MinID above itself = %v, %v; want 7-0", got, err)
	}
	info, err := e.Info("s")
	if err != nil || info.Length != 0 || info.LastGeneratedID != id("7") || info.EntriesAdded != 7 ||
		info.RecordedFirstEntryID != instream.MinID || info.MaxDeletedEntryID != instream.MinID ||
		info.FirstEntry != nil || info.LastEntry != nil {
		t.Errorf("Info after trimming everything = %+v, %v", info, err)
	}
	checked(t, e)
}

func TestRange(t *testing.T) {
	e := newEngine(t)
	for _, s := range []string{"5-0", "5-3", "6-0", "7-1"} {
		if _, err := e.Add("s", instream.AddArgs{ID: id(s), Fields: fields("id", s)}); err != nil {
			t.Fatal(err)
		}
	}
	ids := func(ens []instream.Entry) []string {
		out := []string{}
		for _, en := range ens {
			out = append(out, en.ID.String())
		}
		return out
	}
	tests := []struct {
		name       string
		start, end instream.ID
		count      int
		want, rev  []string
	}{
		{"all", instream.MinID, instream.MaxID, 0, []string{"5-0", "5-3", "6-0", "7-1"}, []string{"7-1", "6-0", "5-3", "5-0"}},
		{"count", instream.MinID, instream.MaxID, 2, []string{"5-0", "5-3"}, []string{"7-1", "6-0"}},
		{"closed interval", id("5-3"), id("7-1"), 0, []string{"5-3", "6-0", "7-1"}, []string{"7-1", "6-0", "5-3"}},
		{"between entries", id("5-1"), id("6-5"), 0, []string{"5-3", "6-0"}, []string{"6-0", "5-3"}},
		{"one", id("6-0"), id("6-0"), 0, []string{"6-0"}, []string{"6-0"}},
		{"none", id("8-0"), instream.MaxID, 0, []string{}, []string{}},
	}
	for _, tt := range tests {
		got, err := e.Range("s", tt.start, tt.end, tt.count)
		if err != nil || !reflect.DeepEqual(ids(got), tt.want) {
			t.Errorf("%s: Range(%v, %v, %d) = %v, %v; want %v", tt.name, tt.start, tt.end, tt.count, ids(got), err, tt.want)
		}
		got, err = e.RevRange("s", tt.end, tt.start, tt.count)
		if err != nil || !reflect.DeepEqual(ids(got), tt.rev) {
			t.Errorf("%s: RevRange(%v, %v, %d) = %v, %v; want %v", tt.name, tt.end, tt.start, tt.count, ids(got), err, tt.rev)
		}
	}
	if got, err := e.Range("missing", instream.MinID, instream.MaxID, 0); err != nil || got == nil || len(got) != 0 {
		t.Errorf("Range on a missing stream = %#v, %v; want an empty slice", got, err)
	}
}

// TestDelete checks XDEL's bookkeeping: max deleted ID, first entry, and
// that the last ID does not move back.
func TestDelete(t *testing.T) {
	e := newEngine(t)
	for _, s := range []string{"1-0", "2-0", "3-0"} {
		if _, err := e.Add("s", instream.AddArgs{ID: id(s), Fields: fields("a", "1")}); err != nil {
			t.Fatal(err)
		}
	}
	steps := []struct {
		ids       []instream.ID
		n         int64
		first     instream.ID
		maxDel    instream.ID
		remaining int64
	}{
		{[]instream.ID{id("2-0"), id("2-0"), id("9-0")}, 1, id("1-0"), id("2-0"), 2},
		{[]instream.ID{id("1-0")}, 1, id("3-0"), id("2-0"), 1},
		{[]instream.ID{id("3-0")}, 1, instream.MinID, id("3-0"), 0},
	}
	for i, st := range steps {
		n, err := e.DeleteEntries("s", st.ids...)
		if err != nil || n != st.n {
			t.Fatalf("step %d: DeleteEntries(%v) = %d, %v; want %d", i, st.ids, n, err, st.n)
		}
		info, err := e.Info("s")
		if err != nil || info.RecordedFirstEntryID != st.first || info.MaxDeletedEntryID != st.maxDel ||
			info.Length != st.remaining || info.LastGeneratedID != id("3-0") {
			t.Errorf("step %d: Info = %+v, %v; want first %v, max deleted %v, length %d, last 3-0",
				i, info, err, st.first, st.maxDel, st.remaining)
		}
		checked(t, e)
	}
	if _, err := e.Add("s", instream.AddArgs{ID: id("3-0"), Fields: fields("a", "1")}); !errors.Is(err, instream.ErrIDTooSmall) {
		t.Errorf("Add of a deleted last ID = %v, want ErrIDTooSmall", err)
	}
	if n, err := e.DeleteEntries("missing", id("1-0")); n != 0 || err != nil {
		t.Errorf("DeleteEntries on a missing stream = %d, %v", n, err)
	}
	if n, _ := e.Exists("s"); n != 1 {
		t.Errorf("an emptied stream was removed")
	}
}

func TestTrim(t *testing.T) {
	tests := []struct {
		name    string
		args    instream.TrimArgs
		removed int64
		first   instream.ID
		err     error
	}{
		{"no strategy", instream.TrimArgs{}, 0, id("1"), instream.ErrInvalidArgument},
		{"max len without strategy", instream.TrimArgs{MaxLen: 2}, 0, id("1"), instream.ErrInvalidArgument},
		{"min id without strategy", instream.TrimArgs{MinID: id("3-0")}, 0, id("1"), instream.ErrInvalidArgument},
		{"min id with max len strategy", instream.TrimArgs{Strategy: instream.TrimMaxLen, MinID: id("3-0")}, 0, id("1"), instream.ErrInvalidArgument},
		{"max len with min id strategy", instream.TrimArgs{Strategy: instream.TrimMinID, MaxLen: 2}, 0, id("1"), instream.ErrInvalidArgument},
		{"max len above length", instream.TrimArgs{Strategy: instream.TrimMaxLen, MaxLen: 10}, 0, id("1"), nil},
		{"max len", instream.TrimArgs{Strategy: instream.TrimMaxLen, MaxLen: 2}, 3, id("4"), nil},
		{"max len 0", instream.TrimArgs{Strategy: instream.TrimMaxLen}, 5, instream.MinID, nil},
		{"min id", instream.TrimArgs{Strategy: instream.TrimMinID, MinID: id("3-0")}, 2, id("3"), nil},
		{"min id between", instream.TrimArgs{Strategy: instream.TrimMinID, MinID: id("3-1")}, 3, id("4"), nil},
		{"min id 0", instream.TrimArgs{Strategy: instream.TrimMinID}, 0, id("1"), nil},
		{"min id above all", instream.TrimArgs{Strategy: instream.TrimMinID, MinID: instream.MaxID}, 5, instream.MinID, nil},
		{"approx never trims more than exact", instream.TrimArgs{Strategy: instream.TrimMaxLen, MaxLen: 0, Approx: true, Limit: -1}, -1, instream.MinID, nil},
		{"negative max len", instream.TrimArgs{Strategy: instream.TrimMaxLen, MaxLen: -1}, 0, id("1"), instream.ErrInvalidArgument},
		{"limit without approx", instream.TrimArgs{Strategy: instream.TrimMaxLen, Limit: 1}, 0, id("1"), instream.ErrInvalidArgument},
		{"negative limit without approx", instream.TrimArgs{Strategy: instream.TrimMaxLen, Limit: -1}, 0, id("1"), instream.ErrInvalidArgument},
		{"unknown strategy", instream.TrimArgs{Strategy: 3}, 0, id("1"), instream.ErrInvalidArgument},
		{"unknown ref policy", instream.TrimArgs{Strategy: instream.TrimMaxLen, Refs: 3}, 0, id("1"), instream.ErrInvalidArgument},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEngine(t)
			for i := 1; i <= 5; i++ {
				if _, err := e.Add("s", instream.AddArgs{ID: instream.ID{Ms: uint64(i)}, Fields: fields("a", "1")}); err != nil {
					t.Fatal(err)
				}
			}
			n, err := e.Trim("s", tt.args)
			checked(t, e)
			if tt.err != nil {
				if !errors.Is(err, tt.err) || n != 0 {
					t.Fatalf("Trim = %d, %v; want error %v", n, err, tt.err)
				}
			} else if err != nil {
				t.Fatalf("Trim = %v", err)
			}
			length, _ := e.Len("s")
			if tt.removed >= 0 && n != tt.removed {
				t.Errorf("Trim removed %d, want %d", n, tt.removed)
			}
			if length != 5-n {
				t.Errorf("Len = %d after removing %d of 5", length, n)
			}
			if tt.removed < 0 {
				// Approximate: between nothing and the exact result.
				if n < 0 || n > 5 {
					t.Errorf("approximate Trim removed %d of 5", n)
				}
				return
			}
			info, _ := e.Info("s")
			if info.RecordedFirstEntryID != tt.first || info.MaxDeletedEntryID != instream.MinID || info.EntriesAdded != 5 {
				t.Errorf("Info = %+v; want first %v, max deleted 0-0, entries added 5", info, tt.first)
			}
		})
	}
	e := newEngine(t)
	if n, err := e.Trim("missing", instream.TrimArgs{Strategy: instream.TrimMaxLen}); n != 0 || err != nil {
		t.Errorf("Trim on a missing stream = %d, %v", n, err)
	}
	if n, _ := e.Exists("missing"); n != 0 {
		t.Errorf("Trim created a stream")
	}
}

func ptr[T any](v T) *T { return &v }

// TestSetID follows XSETID's checks (spec §4.13), including the 7.2+
// check against the current max deleted ID.
func TestSetID(t *testing.T) {
	tests := []struct {
		name   string
		args   instream.SetIDArgs
		err    error
		last   instream.ID
		added  int64
		maxDel instream.ID
	}{
		{name: "same last ID", args: instream.SetIDArgs{LastID: id("4-0")}, last: id("4-0"), added: 4, maxDel: id("4-0")},
		{name: "forward", args: instream.SetIDArgs{LastID: id("9-9")}, last: id("9-9"), added: 4, maxDel: id("4-0")},
		{name: "entries added", args: instream.SetIDArgs{LastID: id("9-9"), EntriesAdded: ptr[int64](3)}, last: id("9-9"), added: 3, maxDel: id("4-0")},
		{name: "entries added equal length", args: instream.SetIDArgs{LastID: id("9-9"), EntriesAdded: ptr[int64](2)}, last: id("9-9"), added: 2, maxDel: id("4-0")},
		{name: "max deleted moves back", args: instream.SetIDArgs{LastID: id("9-9"), MaxDeletedID: id("1-0")}, last: id("9-9"), added: 4, maxDel: id("1-0")},
		{name: "max deleted equal last", args: instream.SetIDArgs{LastID: id("9-9"), MaxDeletedID: id("9-9")}, last: id("9-9"), added: 4, maxDel: id("9-9")},
		{name: "below max deleted", args: instream.SetIDArgs{LastID: id("3-9")}, err: instream.ErrSetIDBelowMaxDeleted},
		{name: "below top item", args: instream.SetIDArgs{LastID: id("3-9"), MaxDeletedID: id("1-0")}, err: instream.ErrSetIDTooSmall},
		{name: "entries added below length", args: instream.SetIDArgs{LastID: id("9-9"), EntriesAdded: ptr[int64](1)}, err: instream.ErrEntriesAddedTooSmall},
		{name: "negative entries added", args: instream.SetIDArgs{LastID: id("9-9"), EntriesAdded: ptr[int64](-1)}, err: instream.ErrInvalidArgument},
		{name: "given max deleted above last", args: instream.SetIDArgs{LastID: id("9-9"), MaxDeletedID: id("10-0")}, err: instream.ErrInvalidArgument},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEngine(t)
			// Entries 1..4 with 2 and 4 deleted: top item 3-0, max
			// deleted 4-0, last ID 4-0.
			for i := 1; i <= 4; i++ {
				if _, err := e.Add("s", instream.AddArgs{ID: instream.ID{Ms: uint64(i)}, Fields: fields("a", "1")}); err != nil {
					t.Fatal(err)
				}
			}
			if _, err := e.DeleteEntries("s", id("2"), id("4")); err != nil {
				t.Fatal(err)
			}
			before, _ := e.Info("s")
			err := e.SetID("s", tt.args)
			checked(t, e)
			info, _ := e.Info("s")
			if tt.err != nil {
				if !errors.Is(err, tt.err) {
					t.Fatalf("SetID = %v, want %v", err, tt.err)
				}
				if !reflect.DeepEqual(info, before) {
					t.Errorf("failed SetID changed the stream: %+v, was %+v", info, before)
				}
				return
			}
			if err != nil {
				t.Fatalf("SetID = %v", err)
			}
			if info.LastGeneratedID != tt.last || info.EntriesAdded != tt.added || info.MaxDeletedEntryID != tt.maxDel {
				t.Errorf("Info = %+v; want last %v, added %d, max deleted %v", info, tt.last, tt.added, tt.maxDel)
			}
		})
	}
}

func TestSetIDEmptyStream(t *testing.T) {
	e := newEngine(t)
	if err := e.SetID("s", instream.SetIDArgs{LastID: id("5")}); !errors.Is(err, instream.ErrNoStream) {
		t.Errorf("SetID on a missing stream = %v, want ErrNoStream", err)
	}
	if _, err := e.Add("s", instream.AddArgs{ID: id("5"), Fields: fields("a", "1"),
		Trim: instream.TrimArgs{Strategy: instream.TrimMaxLen}}); err != nil {
		t.Fatal(err)
	}
	// An empty stream that never had a delete accepts any ID, even 0-0,
	// and then takes IDs below the old ones.
	if err := e.SetID("s", instream.SetIDArgs{LastID: instream.MinID, EntriesAdded: ptr[int64](0)}); err != nil {
		t.Fatalf("SetID(0-0) on an empty stream = %v", err)
	}
	got, err := e.Add("s", instream.AddArgs{AutoSeq: true, Fields: fields("a", "1")})
	if err != nil || got != id("0-1") {
		t.Errorf("Add(0-*) after SetID(0-0) = %v, %v; want 0-1", got, err)
	}
	checked(t, e)
}

func TestInfo(t *testing.T) {
	e := newEngine(t)
	if _, err := e.Info("s"); !errors.Is(err, instream.ErrNoStream) {
		t.Errorf("Info on a missing stream = %v, want ErrNoStream", err)
	}
	for i := 1; i <= 250; i++ {
		if _, err := e.Add("s", instream.AddArgs{ID: instream.ID{Ms: uint64(i)}, Fields: fields("n", "x")}); err != nil {
			t.Fatal(err)
		}
	}
	info, err := e.Info("s")
	if err != nil {
		t.Fatal(err)
	}
	want := instream.StreamInfo{
		Length: 250, Nodes: info.Nodes, LastGeneratedID: id("250"), EntriesAdded: 250,
		RecordedFirstEntryID: id("1"),
		IdempotencyDuration:  100 * time.Second, IdempotencyMaxSize: 100,
		FirstEntry: &instream.Entry{ID: id("1"), Fields: fields("n", "x")},
		LastEntry:  &instream.Entry{ID: id("250"), Fields: fields("n", "x")},
	}
	if !reflect.DeepEqual(info, want) {
		t.Errorf("Info = %+v, want %+v", info, want)
	}
	// Redis keeps 100 small entries per node.
	if info.Nodes < 3 || info.Nodes > 250 {
		t.Errorf("Info.Nodes = %d for 250 entries", info.Nodes)
	}
}

func TestKeyspace(t *testing.T) {
	e := newEngine(t)
	for _, k := range []string{"b", "a", "c"} {
		if _, err := e.Add(k, instream.AddArgs{ID: id("5"), Fields: fields("f", "v")}); err != nil {
			t.Fatal(err)
		}
	}
	if got, err := e.Keys(); err != nil || !reflect.DeepEqual(got, []string{"a", "b", "c"}) {
		t.Errorf("Keys = %v, %v", got, err)
	}
	if n, err := e.Exists("a", "a", "x"); n != 2 || err != nil {
		t.Errorf("Exists(a, a, x) = %d, %v; want 2", n, err)
	}
	if ty, err := e.Type("a"); ty != "stream" || err != nil {
		t.Errorf("Type(a) = %q, %v", ty, err)
	}
	if ty, err := e.Type("x"); ty != "none" || err != nil {
		t.Errorf("Type(x) = %q, %v", ty, err)
	}
	if n, err := e.DeleteStreams("a", "a", "x", "b"); n != 2 || err != nil {
		t.Errorf("DeleteStreams(a, a, x, b) = %d, %v; want 2", n, err)
	}
	// A deleted stream starts again from scratch.
	if got, err := e.Add("a", instream.AddArgs{ID: id("1"), Fields: fields("f", "v")}); got != id("1") || err != nil {
		t.Errorf("Add after DeleteStreams = %v, %v; want 1-0", got, err)
	}
	if got, err := e.Keys(); err != nil || !reflect.DeepEqual(got, []string{"a", "c"}) {
		t.Errorf("Keys = %v, %v", got, err)
	}
	checked(t, e)
}

func TestClosed(t *testing.T) {
	e := newEngine(t)
	if _, err := e.Add("s", instream.AddArgs{Fields: fields("f", "v")}); err != nil {
		t.Fatal(err)
	}
	if err := e.Close(); err != nil {
		t.Fatal(err)
	}
	if err := e.Close(); err != nil {
		t.Errorf("second Close = %v", err)
	}
	calls := map[string]error{}
	_, calls["Add"] = e.Add("s", instream.AddArgs{Fields: fields("f", "v")})
	_, calls["Range"] = e.Range("s", instream.MinID, instream.MaxID, 0)
	_, calls["RevRange"] = e.RevRange("s", instream.MaxID, instream.MinID, 0)
	_, calls["Len"] = e.Len("s")
	_, calls["DeleteEntries"] = e.DeleteEntries("s", id("1"))
	_, calls["Trim"] = e.Trim("s", instream.TrimArgs{Strategy: instream.TrimMaxLen})
	calls["SetID"] = e.SetID("s", instream.SetIDArgs{LastID: instream.MaxID})
	_, calls["Info"] = e.Info("s")
	_, calls["DeleteStreams"] = e.DeleteStreams("s")
	_, calls["Exists"] = e.Exists("s")
	_, calls["Type"] = e.Type("s")
	_, calls["Keys"] = e.Keys()
	for name, err := range calls {
		if !errors.Is(err, instream.ErrClosed) {
			t.Errorf("%s after Close = %v, want ErrClosed", name, err)
		}
	}
}

// TestClosedFirst: on a closed engine, ErrClosed comes before any
// complaint about the arguments.
func TestClosedFirst(t *testing.T) {
	e := newEngine(t)
	e.Close()
	bad := int64(-5)
	calls := []struct {
		name string
		call func() error
	}{
		{"Add without fields", func() error { _, err := e.Add("s", instream.AddArgs{}); return err }},
		{"Trim with an unknown strategy", func() error { _, err := e.Trim("s", instream.TrimArgs{Strategy: 9}); return err }},
		{"SetID with negative EntriesAdded", func() error { return e.SetID("s", instream.SetIDArgs{EntriesAdded: &bad}) }},
		{"DeleteEntriesEx without IDs", func() error { _, err := e.DeleteEntriesEx("s", instream.KeepRef); return err }},
		{"AckDelete without IDs", func() error { _, err := e.AckDelete("s", "g", instream.KeepRef); return err }},
		{"TryRead without streams", func() error { _, err := e.TryRead(instream.ReadArgs{}); return err }},
		{"Read without streams", func() error { _, err := e.Read(t.Context(), instream.ReadArgs{}); return err }},
		{"TryReadGroup without streams", func() error { _, err := e.TryReadGroup(instream.ReadGroupArgs{}); return err }},
		{"ReadGroup without streams", func() error { _, err := e.ReadGroup(t.Context(), instream.ReadGroupArgs{}); return err }},
		{"CreateGroup with bad EntriesRead", func() error {
			return e.CreateGroup("s", instream.GroupArgs{EntriesRead: &bad})
		}},
		{"AutoClaim with negative Count", func() error {
			_, err := e.AutoClaim("s", instream.AutoClaimArgs{Count: -1})
			return err
		}},
	}
	for _, c := range calls {
		if err := c.call(); !errors.Is(err, instream.ErrClosed) {
			t.Errorf("%s after Close = %v, want ErrClosed", c.name, err)
		}
	}
}

// benchInfoEngine returns an engine with 1000 one-field entries in s.
func benchInfoEngine(b *testing.B) *instream.Engine {
	e := instream.New(instream.Options{})
	b.Cleanup(func() { e.Close() })
	for i := 1; i <= 1000; i++ {
		if _, err := e.Add("s", instream.AddArgs{ID: instream.ID{Ms: uint64(i)}, Fields: fields("f", "v")}); err != nil {
			b.Fatal(err)
		}
	}
	return e
}

// BenchmarkEngine_Info measures Info, which copies out the first and last
// entries.
func BenchmarkEngine_Info(b *testing.B) {
	e := benchInfoEngine(b)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := e.Info("s"); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkEngine_InfoFull measures InfoFull with no groups, which copies
// out the first count entries and no others.
func BenchmarkEngine_InfoFull(b *testing.B) {
	e := benchInfoEngine(b)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := e.InfoFull("s", 1); err != nil {
			b.Fatal(err)
		}
	}
}

// TestTrimDefaultLimitLarge: when 100 × NodeMaxEntries exceeds 1,000,000,
// the default limit of an approximate trim is the cap, not a small
// fallback. redis-server 7.0.15 with stream-node-max-entries 20000 and 60000
// entries answers XTRIM MAXLEN ~ 0 with 60000.
func TestTrimDefaultLimitLarge(t *testing.T) {
	e := instream.New(instream.Options{NodeMaxEntries: 20000, NodeMaxBytes: 1 << 30})
	t.Cleanup(func() { e.Close() })
	for i := 1; i <= 60000; i++ {
		if _, err := e.Add("s", instream.AddArgs{ID: instream.ID{Ms: uint64(i), Seq: 1}, Fields: fields("f", "v")}); err != nil {
			t.Fatal(err)
		}
	}
	if info, err := e.Info("s"); err != nil || info.Nodes != 3 {
		t.Fatalf("Info = %d nodes, %v, want 3 nodes as in Redis", info.Nodes, err)
	}
	n, err := e.Trim("s", instream.TrimArgs{Strategy: instream.TrimMaxLen, MaxLen: 0, Approx: true})
	if n != 60000 || err != nil {
		t.Errorf("Trim(MAXLEN ~ 0) = %d, %v, want 60000, nil", n, err)
	}
	checked(t, e)
}
