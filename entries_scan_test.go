package instream

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strconv"
	"testing"
)

// TestScanAllocs checks that Scan allocates nothing in steady state,
// across several batches.
func TestScanAllocs(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector makes sync.Pool drop buffers")
	}
	e := New(Options{})
	defer e.Close()
	s := newShape("b")
	for i := range 1000 {
		if _, err := e.Add("s", AddArgs{ID: shapeID(i), Fields: s.fields(i)}); err != nil {
			t.Fatal(err)
		}
	}
	seen := 0
	fn := func(id ID, fields []Field) bool { seen += len(fields); return true }
	scan := func() {
		if err := e.Scan("s", MinID, MaxID, fn); err != nil {
			t.Fatal(err)
		}
	}
	scan()
	if got := testing.AllocsPerRun(20, scan); got != 0 {
		t.Errorf("Scan of 1000 entries: %v allocations, want 0", got)
	}
	if seen != 22*3000 {
		t.Errorf("Scan saw %d fields, want %d", seen, 22*3000)
	}
}

// BenchmarkEngine_Scan reads 100 entries of shape b from a random
// position through the public Scan, lock and batches included.
func BenchmarkEngine_Scan(b *testing.B) {
	for _, n := range benchSizes {
		b.Run(fmt.Sprintf("entries=%d", n), func(b *testing.B) {
			e := New(Options{})
			defer e.Close()
			s := newShape("b")
			for i := range n {
				if _, err := e.Add("s", AddArgs{ID: shapeID(i), Fields: s.fields(i)}); err != nil {
					b.Fatal(err)
				}
			}
			r := rand.New(rand.NewPCG(3, 4))
			loop(b, func() {
				seen := 0
				err := e.Scan("s", shapeID(r.IntN(n)), MaxID, func(id ID, fields []Field) bool {
					for _, f := range fields {
						sink += len(f.Value)
					}
					seen++
					return seen < 100
				})
				if err != nil {
					b.Fatal(err)
				}
			})
		})
	}
}

// TestScanBufInt checks the integer text of Scan, whose last digit is
// patched when a value grows by a small step.
func TestScanBufInt(t *testing.T) {
	var b scanBuf
	r := rand.New(rand.NewPCG(7, 8))
	v := uint64(0)
	var got []string
	var want []string
	for range 5000 {
		switch r.IntN(4) {
		case 0:
			v = r.Uint64()
		case 1:
			v += r.Uint64N(12)
		default:
			v += r.Uint64N(3)
		}
		got = append(got, b.int(v))
		want = append(want, strconv.FormatUint(v, 10))
	}
	for i := range got {
		if got[i] != want[i] {
			t.Fatalf("value %d: int = %q, want %q", i, got[i], want[i])
		}
	}
}

// TestAppendNext checks the patched text of a value a small step above
// the one before, through carries and a carry that lengthens the number.
func TestAppendNext(t *testing.T) {
	cases := []struct{ prev, v uint64 }{
		{0, 1}, {5, 9}, {9, 10}, {5, 14}, {1299, 1300}, {1295, 1304},
		{999, 1000}, {99_999, 100_001}, {1_600_000_000_009, 1_600_000_000_010},
		{math.MaxUint64 - 9, math.MaxUint64}, {7, 7}, {20, 12}, {3, 100},
		{12_345_678, 12_345_679}, {9_999_999_999_999_999, 10_000_000_000_000_000},
	}
	for _, c := range cases {
		prevStr := strconv.FormatUint(c.prev, 10)
		// Without room and with room for a copy by words.
		for _, room := range []int{0, 32} {
			dst := append(make([]byte, 0, 1+room), 'x')
			got := string(appendNext(dst, c.v, c.prev, prevStr))
			if want := "x" + strconv.FormatUint(c.v, 10); got != want {
				t.Errorf("appendNext(x, %d, %d, %q) with room %d = %q, want %q", c.v, c.prev, prevStr, room, got, want)
			}
		}
	}
}

// TestFillResumes checks fill's resume position: between batches the
// entries are changed at random, and each batch must still be what
// collect returns from just after the previous one.
func TestFillResumes(t *testing.T) {
	for seed := range uint64(20) {
		r := rand.New(rand.NewPCG(seed, 9))
		e := newEntries(1+r.IntN(20), 0)
		s := newShape("b")
		next := 0
		add := func(k int) {
			for range k {
				e.add(shapeID(next), s.fields(next))
				next++
			}
		}
		add(500)
		var b scanBuf
		start, end := shapeID(r.IntN(100)), shapeID(400+r.IntN(200))
		for batch := 0; ; batch++ {
			size := 1 + r.IntN(40)
			want := e.collect(start, end, size, false)
			b.reset()
			full := e.fill(start, end, size, &b)
			if len(b.ids) != len(want) {
				t.Fatalf("seed %d batch %d: fill from %v got %d entries, want %d", seed, batch, start, len(b.ids), len(want))
			}
			from := 0
			for i, en := range want {
				if b.ids[i] != en.ID || !slices.Equal(b.fields[from:b.ends[i]], en.Fields) {
					t.Fatalf("seed %d batch %d: entry %d = %v %v, want %v", seed, batch, i, b.ids[i], b.fields[from:b.ends[i]], en)
				}
				from = b.ends[i]
			}
			if !full {
				break
			}
			start, _ = b.ids[len(b.ids)-1].Next()
			// Change the entries before the next batch.
			switch r.IntN(4) {
			case 0: // delete entries after the resume point, emptying nodes
				for range r.IntN(30) {
					e.remove(shapeID(r.IntN(next)))
				}
			case 1:
				e.trim(trimSpec{maxLen: int64(e.len() - r.IntN(50)), limit: -1})
			case 2:
				add(r.IntN(50))
			}
		}
	}
}

// TestCopierInt checks the integer text of a read, patched in place when
// a value grows by a small step, across lengths (7 to 17 digits), carries
// and the end of a text buffer; earlier strings must not change.
func TestCopierInt(t *testing.T) {
	r := rand.New(rand.NewPCG(9, 10))
	for _, start := range []uint64{999_990, 9_999_990, 99_999_990, 1_600_000_000_000, 9_999_999_999_999_990, 99_999_999_999_999_990} {
		c := copier{want: 50}
		v := start
		var got, want []string
		for range 400 {
			switch r.IntN(6) {
			case 0:
				v += r.Uint64N(30)
			default:
				v += r.Uint64N(4)
			}
			got = append(got, c.int(v))
			want = append(want, strconv.FormatUint(v, 10))
		}
		for i := range got {
			if got[i] != want[i] {
				t.Fatalf("from %d, value %d: int = %q, want %q", start, i, got[i], want[i])
			}
		}
	}
}
