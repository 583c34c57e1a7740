package instream_test

import (
	"errors"
	"fmt"
	"testing"
	"testing/synctest"
	"time"

	"github.com/instream/instream"
)

// TestIdempotencyScript replays testdata/idmp_script.txt: Redis 8.6's
// idempotent production through Do, with the expected replies of Redis's
// tests and docs and the engine's choices where they leave a point open.
func TestIdempotencyScript(t *testing.T) {
	replay(t, "testdata/idmp_script.txt")
}

func idmpAdd(pid, iid string, kv ...string) instream.AddArgs {
	return instream.AddArgs{Producer: pid, IdempotencyID: iid, Fields: fields(kv...)}
}

func TestEngine_AddIdempotent(t *testing.T) {
	e, _ := newClockEngine(t)
	first, err := e.AddIdempotent("s", idmpAdd("p", "a", "f", "1"))
	want := instream.AddResult{ID: id("1700000000000-0")}
	if err != nil || first != want {
		t.Fatalf("AddIdempotent = %+v, %v, want %+v", first, err, want)
	}
	again, err := e.AddIdempotent("s", idmpAdd("p", "a", "f", "2"))
	want.Duplicate = true
	if err != nil || again != want {
		t.Errorf("AddIdempotent again = %+v, %v, want %+v", again, err, want)
	}
	// Add answers a duplicate as XADD does: the first ID, no error.
	if got, err := e.Add("s", idmpAdd("p", "a", "f", "3")); err != nil || got != first.ID {
		t.Errorf("Add of a duplicate = %v, %v, want %v", got, err, first.ID)
	}
	auto := instream.AddArgs{Producer: "p", AutoIdempotency: true, Fields: fields("a", "1", "b", "2")}
	r1, err1 := e.AddIdempotent("s", auto)
	auto.Fields = fields("b", "2", "a", "1")
	r2, err2 := e.AddIdempotent("s", auto)
	if err1 != nil || err2 != nil || r1.Duplicate || !r2.Duplicate || r1.ID != r2.ID {
		t.Errorf("AutoIdempotency in two orders = %+v, %v and %+v, %v, want one entry then its duplicate", r1, err1, r2, err2)
	}
	info, err := e.Info("s")
	if err != nil {
		t.Fatal(err)
	}
	if info.Length != 2 || info.Producers != 1 || info.IdempotencyIDs != 2 || info.IdempotentAdds != 2 || info.Duplicates != 3 {
		t.Errorf("Info = %+v, want 2 entries, 1 producer, 2 IDs, 2 added, 3 duplicates", info)
	}
	full, err := e.InfoFull("s", 0)
	if err != nil || full.Producers != 1 || full.IdempotencyIDs != 2 || full.IdempotentAdds != 2 || full.Duplicates != 3 ||
		full.IdempotencyDuration != 100*time.Second || full.IdempotencyMaxSize != 100 {
		t.Errorf("InfoFull = %+v, %v, want the counters of Info", full.StreamInfo, err)
	}
	checked(t, e)
}

func TestEngine_Add_idempotencyArgs(t *testing.T) {
	tests := []struct {
		name string
		args instream.AddArgs
		want error
	}{
		{"IdempotencyID without Producer", instream.AddArgs{IdempotencyID: "a"}, instream.ErrInvalidArgument},
		{"AutoIdempotency without Producer", instream.AddArgs{AutoIdempotency: true}, instream.ErrInvalidArgument},
		{"Producer alone", instream.AddArgs{Producer: "p"}, instream.ErrInvalidArgument},
		{"both kinds", instream.AddArgs{Producer: "p", IdempotencyID: "a", AutoIdempotency: true}, instream.ErrInvalidArgument},
		{"explicit ID", instream.AddArgs{Producer: "p", IdempotencyID: "a", ID: id("5-0")}, instream.ErrInvalidArgument},
		{"AutoSeq", instream.AddArgs{Producer: "p", IdempotencyID: "a", ID: id("5-0"), AutoSeq: true}, instream.ErrInvalidArgument},
		{"pairs cancel out", instream.AddArgs{Producer: "p", AutoIdempotency: true, Fields: fields("f", "v", "f", "v")}, instream.ErrIdempotencyHash},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEngine(t)
			if tt.args.Fields == nil {
				tt.args.Fields = fields("f", "v")
			}
			_, err := e.Add("s", tt.args)
			if !errors.Is(err, tt.want) || !errors.Is(err, instream.ErrInvalidArgument) {
				t.Errorf("Add(%+v) error = %v, want %v", tt.args, err, tt.want)
			}
			if n, _ := e.Exists("s"); n != 0 {
				t.Errorf("Add(%+v) created the stream", tt.args)
			}
		})
	}
	e := newEngine(t)
	if _, err := e.AddIdempotent("s", instream.AddArgs{Fields: fields("f", "v")}); !errors.Is(err, instream.ErrInvalidArgument) {
		t.Errorf("AddIdempotent without Producer: error %v, want ErrInvalidArgument", err)
	}
	if _, err := e.AddIdempotent("s", instream.AddArgs{Producer: "p", IdempotencyID: "a", Fields: fields("f", "v"), NoMkStream: true}); !errors.Is(err, instream.ErrNoStream) {
		t.Errorf("AddIdempotent with NoMkStream: error %v, want ErrNoStream", err)
	}
}

func TestEngine_SetConfig(t *testing.T) {
	e := newEngine(t)
	if err := e.SetConfig("s", instream.ConfigArgs{IdempotencyMaxSize: 5}); !errors.Is(err, instream.ErrNoStream) {
		t.Errorf("SetConfig on a missing stream: %v, want ErrNoStream", err)
	}
	if _, err := e.Add("s", idmpAdd("p", "a", "f", "v")); err != nil {
		t.Fatal(err)
	}
	bad := []instream.ConfigArgs{
		{},
		{IdempotencyDuration: -time.Second},
		{IdempotencyDuration: 500 * time.Millisecond},
		{IdempotencyDuration: 1500 * time.Millisecond},
		{IdempotencyDuration: 86401 * time.Second},
		{IdempotencyMaxSize: -1},
		{IdempotencyMaxSize: 10001},
		{IdempotencyDuration: 5 * time.Second, IdempotencyMaxSize: 10001},
	}
	for _, args := range bad {
		if err := e.SetConfig("s", args); !errors.Is(err, instream.ErrInvalidArgument) {
			t.Errorf("SetConfig(%+v) = %v, want ErrInvalidArgument", args, err)
		}
	}
	info, _ := e.Info("s")
	if info.IdempotencyDuration != 100*time.Second || info.IdempotencyMaxSize != 100 || info.IdempotencyIDs != 1 {
		t.Errorf("after rejected SetConfigs, Info = %+v, want the defaults and 1 ID", info)
	}
	if err := e.SetConfig("s", instream.ConfigArgs{IdempotencyDuration: 24 * time.Hour, IdempotencyMaxSize: 1}); err != nil {
		t.Fatal(err)
	}
	info, _ = e.Info("s")
	if info.IdempotencyDuration != 24*time.Hour || info.IdempotencyMaxSize != 1 || info.IdempotencyIDs != 0 || info.IdempotentAdds != 1 {
		t.Errorf("after SetConfig, Info = %+v, want 24h, 1, no IDs, 1 added", info)
	}
	checked(t, e)
}

func TestEngine_RecordIdempotency(t *testing.T) {
	e, _ := newClockEngine(t)
	rec := instream.IdempotencyRecord{Producer: "p", IdempotencyID: "a", ID: id("1700000000000-0")}
	if err := e.RecordIdempotency("s", rec); !errors.Is(err, instream.ErrNoStream) {
		t.Errorf("RecordIdempotency on a missing stream: %v, want ErrNoStream", err)
	}
	for _, args := range []instream.AddArgs{{Fields: fields("f", "1")}, {Fields: fields("f", "2")}} {
		if _, err := e.Add("s", args); err != nil {
			t.Fatal(err)
		}
	}
	tests := []struct {
		name string
		rec  instream.IdempotencyRecord
		want error
	}{
		{"empty Producer", instream.IdempotencyRecord{IdempotencyID: "a", ID: rec.ID}, instream.ErrInvalidArgument},
		{"empty IdempotencyID", instream.IdempotencyRecord{Producer: "p", ID: rec.ID}, instream.ErrInvalidArgument},
		{"zero ID", instream.IdempotencyRecord{Producer: "p", IdempotencyID: "a"}, instream.ErrInvalidArgument},
		{"no such entry", instream.IdempotencyRecord{Producer: "p", IdempotencyID: "a", ID: id("1700000000000-7")}, instream.ErrNoEntry},
		{"new", rec, nil},
		{"same again", rec, nil},
		{"another entry", instream.IdempotencyRecord{Producer: "p", IdempotencyID: "a", ID: id("1700000000000-1")}, instream.ErrIdempotencyConflict},
	}
	for _, tt := range tests {
		if err := e.RecordIdempotency("s", tt.rec); !errors.Is(err, tt.want) {
			t.Errorf("%s: RecordIdempotency(%+v) = %v, want %v", tt.name, tt.rec, err, tt.want)
		}
	}
	r, err := e.AddIdempotent("s", idmpAdd("p", "a", "f", "3"))
	if err != nil || !r.Duplicate || r.ID != rec.ID {
		t.Errorf("AddIdempotent after the record = %+v, %v, want a duplicate of %v", r, err, rec.ID)
	}
	info, _ := e.Info("s")
	if info.IdempotencyIDs != 1 || info.IdempotentAdds != 0 || info.Duplicates != 1 {
		t.Errorf("Info = %+v, want 1 ID, 0 added, 1 duplicate", info)
	}
	checked(t, e)
}

func TestEngine_SetIdempotencyCounts(t *testing.T) {
	e, _ := newClockEngine(t)
	if err := e.SetIdempotencyCounts("s", 1, 1); !errors.Is(err, instream.ErrNoStream) {
		t.Errorf("SetIdempotencyCounts on a missing stream: %v, want ErrNoStream", err)
	}
	if _, err := e.AddIdempotent("s", idmpAdd("p", "a", "f", "1")); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name        string
		added, dups int64
		want        error
	}{
		{"negative adds", -1, 0, instream.ErrInvalidArgument},
		{"negative duplicates", 0, -1, instream.ErrInvalidArgument},
		{"set", 5, 3, nil},
		{"zero", 0, 0, nil},
		{"set again", 40, 2, nil},
	}
	for _, tt := range tests {
		if err := e.SetIdempotencyCounts("s", tt.added, tt.dups); !errors.Is(err, tt.want) {
			t.Errorf("%s: SetIdempotencyCounts(%d, %d) = %v, want %v", tt.name, tt.added, tt.dups, err, tt.want)
		}
	}
	// The counts go on from there; the remembered IDs are untouched.
	if r, err := e.AddIdempotent("s", idmpAdd("p", "a", "f", "1")); err != nil || !r.Duplicate {
		t.Fatalf("AddIdempotent again = %+v, %v, want a duplicate", r, err)
	}
	if _, err := e.AddIdempotent("s", idmpAdd("p", "b", "f", "1")); err != nil {
		t.Fatal(err)
	}
	info, _ := e.Info("s")
	if info.IdempotencyIDs != 2 || info.IdempotentAdds != 41 || info.Duplicates != 3 {
		t.Errorf("Info = %+v, want 2 IDs, 41 added, 3 duplicates", info)
	}
	checked(t, e)
}

// Options' settings become each new stream's, cut to Redis's bounds.
func TestOptions_idempotency(t *testing.T) {
	tests := []struct {
		duration     time.Duration
		maxSize      int
		wantDuration time.Duration
		wantMaxSize  int64
	}{
		{0, 0, 100 * time.Second, 100},
		{-time.Second, -3, 100 * time.Second, 100},
		{5 * time.Second, 7, 5 * time.Second, 7},
		{1500 * time.Millisecond, 10000, time.Second, 10000},
		{500 * time.Millisecond, 10001, time.Second, 10000},
		{25 * time.Hour, 1 << 40, 24 * time.Hour, 10000},
	}
	for _, tt := range tests {
		e := instream.New(instream.Options{IdempotencyDuration: tt.duration, IdempotencyMaxSize: tt.maxSize})
		if _, err := e.Add("s", instream.AddArgs{Fields: fields("f", "v")}); err != nil {
			t.Fatal(err)
		}
		info, err := e.Info("s")
		if err != nil || info.IdempotencyDuration != tt.wantDuration || info.IdempotencyMaxSize != tt.wantMaxSize {
			t.Errorf("Options{%v, %d}: Info = %v, %d, %v; want %v, %d", tt.duration, tt.maxSize,
				info.IdempotencyDuration, info.IdempotencyMaxSize, err, tt.wantDuration, tt.wantMaxSize)
		}
		e.Close()
	}
}

// With a cap of 8, after 100 adds only the last 8 are duplicates (Redis's
// test).
func TestEngine_Add_idempotencyCap(t *testing.T) {
	e := instream.New(instream.Options{IdempotencyMaxSize: 8})
	defer e.Close()
	ids := make([]instream.ID, 100)
	for i := range ids {
		r, err := e.AddIdempotent("s", idmpAdd("p", fmt.Sprint(i), "i", fmt.Sprint(i)))
		if err != nil || r.Duplicate {
			t.Fatalf("add %d = %+v, %v", i, r, err)
		}
		ids[i] = r.ID
	}
	// Newest first: a duplicate changes nothing, a new add evicts the
	// oldest, which was checked already.
	for i := len(ids) - 1; i >= 0; i-- {
		r, err := e.AddIdempotent("s", idmpAdd("p", fmt.Sprint(i), "i", "again"))
		if err != nil {
			t.Fatal(err)
		}
		if want := i >= 92; r.Duplicate != want || (want && r.ID != ids[i]) {
			t.Errorf("add %d again = %+v, want duplicate %v", i, r, want)
		}
	}
	checked(t, e)
}

// The state stays bounded: a producer holds at most its cap (in memory
// too, however many IDs went through), and producers whose IDs expired
// go, even those that never add again.
func TestEngine_Add_idempotencyMemory(t *testing.T) {
	e, clk := newClockEngine(t)
	if _, err := e.Add("s", instream.AddArgs{Fields: fields("f", "v")}); err != nil {
		t.Fatal(err)
	}
	if err := e.SetConfig("s", instream.ConfigArgs{IdempotencyMaxSize: 3, IdempotencyDuration: time.Second}); err != nil {
		t.Fatal(err)
	}
	for i := range 100_000 {
		if _, err := e.Add("s", idmpAdd("p", fmt.Sprint(i), "f", "v")); err != nil {
			t.Fatal(err)
		}
	}
	if producers, slots := instream.IdempotencyFootprint(e, "s"); producers != 1 || slots > 64 {
		t.Errorf("one producer after 100,000 adds with cap 3: %d producers, %d slots", producers, slots)
	}
	for i := range 1000 {
		if _, err := e.Add("s", idmpAdd(fmt.Sprint("quiet", i), "a", "f", "v")); err != nil {
			t.Fatal(err)
		}
	}
	clk.Advance(time.Second)
	// Later adds expire the quiet producers; no XINFO is needed.
	for i := range 16 {
		if _, err := e.Add("s", idmpAdd("p", fmt.Sprint("last", i), "f", "v")); err != nil {
			t.Fatal(err)
		}
	}
	if producers, _ := instream.IdempotencyFootprint(e, "s"); producers != 1 {
		t.Errorf("after expiry, %d producers, want 1", producers)
	}
	checked(t, e)
}

// A duplicate adds nothing, so it wakes no blocked reader.
func TestEngine_Add_duplicateWakesNoOne(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e := bubbleEngine(t)
		if _, err := e.Add("s", idmpAdd("p", "a", "f", "v")); err != nil {
			t.Fatal(err)
		}
		ch := goRead(t.Context(), e, streams(instream.ReadStream{Key: "s", New: true}))
		if _, err := e.Add("s", idmpAdd("p", "a", "f", "v")); err != nil {
			t.Fatal(err)
		}
		if !stillBlocked(ch) {
			t.Fatal("a duplicate woke the reader")
		}
		if _, err := e.Add("s", idmpAdd("p", "b", "f", "v")); err != nil {
			t.Fatal(err)
		}
		if r := waitResult(t, ch); r.err != nil || len(r.res) != 1 {
			t.Errorf("Read = %v, %v, want the new entry", r.res, r.err)
		}
	})
}

// IdempotencyRecords replayed through RecordIdempotency rebuild the
// state, as a log would: the same duplicates are answered.
func TestEngine_IdempotencyRecords(t *testing.T) {
	src, _ := newClockEngine(t)
	if _, err := src.IdempotencyRecords("s"); !errors.Is(err, instream.ErrNoStream) {
		t.Errorf("IdempotencyRecords of a missing stream: %v, want ErrNoStream", err)
	}
	for _, a := range []instream.AddArgs{idmpAdd("q", "a", "f", "1"), idmpAdd("p", "b", "f", "2"), idmpAdd("p", "a", "f", "3"), idmpAdd("q", "c", "f", "4")} {
		if _, err := src.Add("s", a); err != nil {
			t.Fatal(err)
		}
	}
	gone := id("1700000000000-3") // q c's entry
	if _, err := src.DeleteEntries("s", gone); err != nil {
		t.Fatal(err)
	}
	recs, err := src.IdempotencyRecords("s")
	if err != nil {
		t.Fatal(err)
	}
	want := []instream.IdempotencyRecord{
		{"p", "b", id("1700000000000-1")}, {"p", "a", id("1700000000000-2")},
		{"q", "a", id("1700000000000-0")}, {"q", "c", gone},
	}
	if fmt.Sprint(recs) != fmt.Sprint(want) {
		t.Fatalf("IdempotencyRecords = %v, want %v", recs, want)
	}
	dst, _ := newClockEngine(t)
	all, _ := src.Range("s", instream.MinID, instream.MaxID, 0)
	for _, en := range all {
		if _, err := dst.Add("s", instream.AddArgs{ID: en.ID, Fields: en.Fields}); err != nil {
			t.Fatal(err)
		}
	}
	for _, r := range recs {
		err := dst.RecordIdempotency("s", r)
		if r.ID == gone {
			if !errors.Is(err, instream.ErrNoEntry) {
				t.Errorf("RecordIdempotency(%v) = %v, want ErrNoEntry", r, err)
			}
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	for _, r := range recs[:3] {
		got, err := dst.AddIdempotent("s", idmpAdd(r.Producer, r.IdempotencyID, "f", "again"))
		if err != nil || !got.Duplicate || got.ID != r.ID {
			t.Errorf("replayed %v: AddIdempotent = %+v, %v, want its duplicate", r, got, err)
		}
	}
	checked(t, dst)
}
