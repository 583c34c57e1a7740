package bench

import (
	"bytes"
	"math"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"
)

func TestShapes(t *testing.T) {
	// Payload bytes per entry (names and values), from perf-anchors.md.
	want := map[string]float64{"a": 9, "a-int": 9, "b": 37.5, "c": 37.5}
	for _, sh := range Shapes {
		total := 0
		const n = 1000
		for i := range n {
			kv := sh.Fields(i)
			for _, s := range kv {
				total += len(s)
			}
			if sh.Name == "a-int" {
				if _, err := strconv.ParseInt(kv[1], 10, 64); err != nil || kv[1][0] == '0' {
					t.Errorf("shape a-int entry %d: value %q is not a canonical integer", i, kv[1])
				}
			}
			if sh.Name == "a" {
				if _, err := strconv.ParseFloat(kv[1], 64); err == nil {
					t.Errorf("shape a entry %d: value %q is numeric", i, kv[1])
				}
			}
		}
		if got := float64(total) / n; got != want[sh.Name] {
			t.Errorf("shape %s: %v payload bytes per entry, want %v", sh.Name, got, want[sh.Name])
		}
	}
	names := map[string]bool{}
	for i := range 100 {
		kv := ShapeC.Fields(i)
		names[kv[0]+","+kv[2]+","+kv[4]] = true
	}
	if len(names) != 10 {
		t.Errorf("shape c: %d name variants, want 10", len(names))
	}
}

func TestEntryID(t *testing.T) {
	for i := 1; i < 20; i++ {
		prev, id := EntryID(i-1), EntryID(i)
		if !prev.Less(id) {
			t.Fatalf("EntryID(%d) = %v, not above EntryID(%d) = %v", i, id, i-1, prev)
		}
	}
	if got, want := EntryID(8).String(), strconv.Itoa(BaseMs+2)+"-0"; got != want {
		t.Errorf("EntryID(8) = %s, want %s (four entries per ms)", got, want)
	}
}

// TestCompareSmoke runs the whole comparison with tiny sizes, with
// redis-server if it is installed.
func TestCompareSmoke(t *testing.T) {
	cfg := Config{N: 400, PELN: 2500, Consumers: 50, TimingN: 400, Calls: 20, Reps: 1, Budget: 50 * time.Millisecond, WakeTrials: 5, DurableN: 64, QueueN: 300, GCN: 3000, GCMiniN: 3000}
	if p, err := exec.LookPath("redis-server"); err == nil {
		cfg.RedisServer = p
	} else {
		t.Log("redis-server not on PATH: comparing with miniredis only")
	}
	rep, err := Compare(t.Context(), cfg)
	if err != nil {
		t.Fatalf("Compare: %v", err)
	}
	if len(rep.Rows) < 10 {
		t.Fatalf("Compare gave %d rows, want at least 10", len(rep.Rows))
	}
	for _, r := range rep.Rows {
		for name, v := range map[string]float64{"instream": r.Instream, "miniredis": r.Mini, "redis": r.Redis} {
			switch {
			case math.IsNaN(v) && (name == "miniredis" && !strings.Contains(r.Op, "through Do") || name == "redis" && cfg.RedisServer != "" && r.RedisNote == ""):
				t.Errorf("row %q: %s not measured", r.Op, name)
			case name == "redis" && strings.HasPrefix(r.Unit, "B/"):
				// used_memory of a server holding 400 entries moves with its
				// allocator's own bookkeeping: it can even shrink.
			case !math.IsNaN(v) && v <= 0:
				t.Errorf("row %q: %s = %v, want > 0", r.Op, name, v)
			}
		}
	}
	if want := jetStreamRows(); len(rep.Side) != want {
		t.Errorf("Compare gave %d JetStream rows, want %d (durable per producer count and side, queue and latency ×2 per queue side)", len(rep.Side), want)
	}
	for _, r := range rep.Side {
		if !(r.Instream > 0) || !(r.JetStream > 0) {
			t.Errorf("JetStream row %q: instream %v, JetStream %v, want both > 0", r.Op, r.Instream, r.JetStream)
		}
	}
	var out bytes.Buffer
	rep.Print(&out)
	for _, want := range []string{"| operation |", "instream/redis", "instream/JetStream", "in-memory Add (not durable)", "raw engine", "memory, shape c", "seek", "B/pending entry", "B/consumer", "Group memory (pel): 2500 pending entries", "GOMAXPROCS 2", "3e3 shape-b entries held"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("Print output lacks %q:\n%s", want, out.String())
		}
	}
}

func TestRatio(t *testing.T) {
	tests := []struct {
		a, b float64
		want string
	}{
		{1, 2, "0.50×"},
		{30, 2, "15×"},
		{1, 45773, "1/45800"},
		{1, 150, "1/150"},
		{math.NaN(), 1, "–"},
		{1, 0, "–"},
	}
	for _, tt := range tests {
		if got := ratio(tt.a, tt.b); got != tt.want {
			t.Errorf("ratio(%v, %v) = %q, want %q", tt.a, tt.b, got, tt.want)
		}
	}
}

func TestCompareOnly(t *testing.T) {
	cfg := Config{N: 100, TimingN: 200, Calls: 5, Reps: 1, Budget: 10 * time.Millisecond, Only: []string{"range"}}
	rep, err := Compare(t.Context(), cfg)
	if err != nil {
		t.Fatalf("Compare(only range): %v", err)
	}
	if len(rep.Rows) != 6 || !strings.HasPrefix(rep.Rows[0].Op, "range") || !strings.HasPrefix(rep.Rows[3].Op, "seek") ||
		!strings.Contains(rep.Rows[2].Op, "DoTo") || !strings.Contains(rep.Rows[5].Op, "DoTo") {
		t.Errorf("Compare(only range) rows = %+v, want the range and seek rows, typed, through Do and through DoTo", rep.Rows)
	}
	cfg.Only = []string{"bogus"}
	if _, err := Compare(t.Context(), cfg); err == nil || !strings.Contains(err.Error(), "bogus") {
		t.Errorf("Compare(only bogus) error = %v, want one naming the part", err)
	}
}

func TestCompareOnlyJetStream(t *testing.T) {
	cfg := Config{Reps: 1, DurableN: 64, QueueN: 200, WakeTrials: 10, Only: []string{"jetstream"}}
	rep, err := Compare(t.Context(), cfg)
	if err != nil {
		t.Fatalf("Compare(only jetstream): %v", err)
	}
	if want := jetStreamRows(); len(rep.Rows) != 0 || len(rep.Side) != want {
		t.Fatalf("Compare(only jetstream) = %d rows and %d JetStream rows, want 0 and %d", len(rep.Rows), len(rep.Side), want)
	}
	var out bytes.Buffer
	rep.Print(&out)
	if s := out.String(); strings.Contains(s, "instream/redis") || !strings.Contains(s, "| durable publish, 64 producers | adds/s |") {
		t.Errorf("Print(only jetstream) shows the wrong tables:\n%s", s)
	}
}

// jetStreamRows is the number of rows of the JetStream part: one per
// producer count and instream side of the durable publish, and for each
// of the two queue sides (raw engine, queue package) two for the queue
// and two for its latency.
func jetStreamRows() int { return len(durableProducers)*len(durableSides) + 8 }

func TestCompareOnlyCPUsGC(t *testing.T) {
	cfg := Config{TimingN: 2000, Reps: 1, WakeTrials: 20, GCN: 4000, GCMiniN: 1000, Only: []string{"cpus", "gc"}}
	if p, err := exec.LookPath("redis-server"); err == nil {
		cfg.RedisServer = p
	}
	rep, err := Compare(t.Context(), cfg)
	if err != nil {
		t.Fatalf("Compare(only cpus,gc): %v", err)
	}
	wantOps := []string{"adds, 1 goroutine", "adds, 2 goroutines", "adds on distinct streams: GOMAXPROCS 2 ÷", "GC: CPU of one forced cycle", "GC: add", "GC: add", "GC: add"}
	if len(rep.Rows) != len(wantOps) {
		t.Fatalf("Compare(only cpus,gc) gave %d rows, want %d: %+v", len(rep.Rows), len(wantOps), rep.Rows)
	}
	for i, want := range wantOps {
		if !strings.HasPrefix(rep.Rows[i].Op, want) {
			t.Errorf("row %d = %q, want it to begin %q", i, rep.Rows[i].Op, want)
		}
	}
	one, two, gain := rep.Rows[0], rep.Rows[1], rep.Rows[2]
	for name, v := range map[string][3]float64{
		"instream":  {one.Instream, two.Instream, gain.Instream},
		"miniredis": {one.Mini, two.Mini, gain.Mini},
	} {
		if !(v[0] > 0) || !(v[1] > 0) || math.Abs(v[2]-v[1]/v[0]) > 1e-9 {
			t.Errorf("%s: %v adds/s with 1, %v with 2, gain %v; want rates > 0 and gain = their ratio", name, v[0], v[1], v[2])
		}
	}
	if cfg.RedisServer != "" {
		if !(one.Redis > 0) || math.Abs(gain.Redis-two.Redis/one.Redis) > 1e-9 {
			t.Errorf("redis-server: %v adds/s with 1 connection, %v with 2, gain %v", one.Redis, two.Redis, gain.Redis)
		}
		if notes := strings.Join(rep.Notes, "\n"); !strings.Contains(notes, "with 1 connection, redis-server's main thread was busy") ||
			!strings.Contains(notes, "with 2 connections, redis-server's main thread was busy") {
			t.Errorf("notes lack redis-server's CPU with 1 and 2 connections:\n%s", notes)
		}
	}
	for _, r := range rep.Rows[3:] {
		if !(r.Instream > 0) || !(r.Mini > 0) || r.MiniNote != "1e3 held" || r.RedisNote == "" {
			t.Errorf("row %q: instream %v, miniredis %v (%q), redis note %q; want figures > 0, miniredis noted 1e3 held, redis noted", r.Op, r.Instream, r.Mini, r.MiniNote, r.RedisNote)
		}
	}
	var out bytes.Buffer
	rep.Print(&out)
	for _, want := range []string{"4e3 shape-b entries held |", "(1e3 held) | – (no GC) | – | – |", "GOMAXPROCS 1 (redis-server: 1 connection) | adds/s |"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("Print output lacks %q:\n%s", want, out.String())
		}
	}
}

func TestCountText(t *testing.T) {
	tests := []struct {
		n    int
		want string
	}{
		{0, "0"},
		{7, "7"},
		{100, "100"},
		{1000, "1e3"},
		{25_000, "25e3"},
		{1_000_000, "1e6"},
		{10_000_000, "1e7"},
		{1_234_000, "1234e3"},
		{1_234_500, "1234500"},
	}
	for _, tt := range tests {
		if got := countText(tt.n); got != tt.want {
			t.Errorf("countText(%d) = %q, want %q", tt.n, got, tt.want)
		}
	}
}

func TestNoted(t *testing.T) {
	tests := []struct {
		cell, note, ratio   string
		wantCell, wantRatio string
	}{
		{"12.5", "", "0.50×", "12.5", "0.50×"},
		{"12.5", "1e6 held", "0.50×", "12.5 (1e6 held)", "–"},
		{"–", "no GC", "–", "– (no GC)", "–"},
	}
	for _, tt := range tests {
		cell, r := noted(tt.cell, tt.note, tt.ratio)
		if cell != tt.wantCell || r != tt.wantRatio {
			t.Errorf("noted(%q, %q, %q) = %q, %q; want %q, %q", tt.cell, tt.note, tt.ratio, cell, r, tt.wantCell, tt.wantRatio)
		}
	}
}
